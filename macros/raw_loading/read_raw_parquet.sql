{% macro duckdb__read_raw_parquet(path, files) -%}
    {%- set value = duckdb__raw_parquet_time_kind(path, files) %}
    select
    {%- for column in raw_event_columns() %}
        {%- if column == 'occurred_at' and value is not none %}
        strftime({{ value }}, '%Y-%m-%dT%H:%M:%S.%fZ') as occurred_at,
        {%- else %}
        cast({{ column }} as varchar) as {{ column }},
        {%- endif %}
    {%- endfor %}
        {{ value if value is not none else 'cast(null as timestamp)' }}
            as occurred_at_value,
        raw.filename as source_file,
        raw.file_row_number + 1 as source_line,
        file_indexes.file_index,
        file_indexes.file_index * 4294967296 + raw.file_row_number
            as raw_row_id,
        false as is_unreadable
    from read_parquet(
        {{ duckdb__file_list(files) }},
        union_by_name = true, filename = true, file_row_number = true
    ) as raw
    inner join {{ raw_file_index_values(files) }}
        on raw.filename = file_indexes.source_file
{%- endmacro %}
