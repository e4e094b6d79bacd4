{#- Spark reads Parquet only. The row number comes from
    `_metadata.row_index`, so raw_row_id is the same on both engines.
    Typed times must be microsecond or millisecond timestamps: Spark cannot
    read Parquet nanosecond timestamps (a clear error names the type). -#}
{% macro spark__raw_time_value(path) -%}
    {%- set described = run_query('describe query select * from ' ~ spark_raw_relation(path)) -%}
    {%- set types = {} -%}
    {%- for row in described.rows -%}
        {%- do types.update({row[0]: row[1] | lower}) -%}
    {%- endfor -%}
    {%- do check_raw_columns(path, path, types.keys() | list) -%}
    {%- set time_type = types['occurred_at'] -%}
    {%- if time_type.startswith('timestamp') -%}
        {{ return('cast(raw.occurred_at as timestamp)') }}
    {%- elif time_type == 'string' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "RAW_EVENTS_PATH '" ~ path ~ "': occurred_at is " ~ time_type
        ~ "; it must be a timestamp or an ISO-8601 string") }}
{%- endmacro %}
