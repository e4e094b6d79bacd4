{#- The select of the raw rows of `files` (dicts with name, index and
    size, from stg_events__raw_files), read where they lie, one output row
    per raw row: the nine columns as text, plus
      occurred_at_value  the time when the file stores a typed timestamp
                         (already in UTC), else null;
      source_file, source_line  where the row came from (line: CSV
                         unreadable rows and Parquet rows);
      file_index         the file's number in load order, from 1;
      raw_row_id         file_index * 2^32 + the row's number in its file;
      is_unreadable      a CSV line the parser could not read.
    `scratch` names the CSV scratch tables (see duckdb__load_raw_csv).
    Outside run and build, or without files: an empty select. -#}
{% macro read_raw_rows(files, scratch) -%}
    {%- if not is_building() or files | length == 0 -%}
        {{ return(raw_rows_empty_select()) }}
    {%- endif -%}
    {{ return(adapter.dispatch('read_raw_rows', 'conversions')(
        raw_events_path(), files, scratch)) }}
{%- endmacro %}


{% macro duckdb__read_raw_rows(path, files, scratch) -%}
    {%- if raw_events_format(path) == 'parquet' -%}
        {{ return(duckdb__read_raw_parquet(path, files)) }}
    {%- endif -%}
    {%- set tables = duckdb__load_raw_csv(path, files, scratch) %}
    select * from {{ tables.rows }}
    union all
    select
    {%- for column in raw_event_columns() %}
        cast(null as varchar) as {{ column }},
    {%- endfor %}
        cast(null as timestamp) as occurred_at_value,
        source_file,
        source_line,
        file_index,
        raw_row_id,
        true as is_unreadable
    from {{ tables.unreadable }}
{%- endmacro %}


{% macro spark__read_raw_rows(path, files, scratch) -%}
    {%- set value = spark__raw_time_value(path) %}
    select
    {%- for column in raw_event_columns() %}
        {%- if column == 'occurred_at' and value is not none %}
        date_format({{ value }}, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'") as occurred_at,
        {%- else %}
        cast(raw.{{ column }} as string) as {{ column }},
        {%- endif %}
    {%- endfor %}
        {{ value if value is not none else 'cast(null as timestamp)' }}
            as occurred_at_value,
        file_indexes.source_file,
        raw._metadata.row_index + 1 as source_line,
        file_indexes.file_index,
        file_indexes.file_index * 4294967296 + raw._metadata.row_index
            as raw_row_id,
        false as is_unreadable
    from {{ spark_raw_relation(path) }} as raw
    inner join {{ raw_file_index_values(files) }}
        on {{ spark_raw_file_name('raw._metadata.file_path') }}
            = file_indexes.source_file
{%- endmacro %}
