{#- The select of one value: the newest event time (UTC) in the files at
    RAW_EVENTS_PATH, read where they lie, with SPEC section 1's time rules
    (a row whose time is not a time, and a CSV line that cannot be read,
    are left out). The raw source's loaded_at_query: what `dbt source
    freshness` measures against the thresholds of var raw_events_freshness.
    Run by that command only (never by a build); it reads every file's
    occurred_at column, Parquet footers aside. -#}
{% macro raw_events_newest_sql() -%}
    {{ return(adapter.dispatch('raw_events_newest_sql', 'conversions')(
        raw_events_path())) }}
{%- endmacro %}


{% macro duckdb__raw_events_newest_sql(path) -%}
    {%- if raw_events_format(path) == 'parquet' -%}
        {%- set value = duckdb__raw_parquet_time_kind(path, list_raw_files(path)) -%}
        {%- set source -%}
            read_parquet({{ sql_string(path) }}, union_by_name = true)
        {%- endset -%}
    {%- else -%}
        {%- do list_raw_files(path) -%}
        {%- set value = none -%}
        {%- set source -%}
            read_csv(
                {{ sql_string(path) }}, header = true, auto_detect = false,
                delim = ',', quote = '"', escape = '"', all_varchar = true,
                union_by_name = true, ignore_errors = true,
                strict_mode = false
            )
        {%- endset -%}
    {%- endif -%}
    {%- if value is not none -%}
        select max({{ value }}) from {{ source }}
    {%- else -%}
        select max({{ event_time_from_parts('parts') }})
        from (
            select {{ event_time_parts('cast(occurred_at as varchar)') }} as parts
            from {{ source }}
        ) as raw_times
    {%- endif -%}
{%- endmacro %}


{% macro spark__raw_events_newest_sql(path) -%}
    {%- set value = spark__raw_time_value(path) -%}
    {%- if value is not none -%}
        select max({{ value }}) from {{ spark_raw_relation(path) }} as raw
    {%- else -%}
        select max({{ event_time_from_parts('parts') }})
        from (
            select {{ event_time_parts('raw.occurred_at') }} as parts
            from {{ spark_raw_relation(path) }} as raw
        ) as raw_times
    {%- endif -%}
{%- endmacro %}
