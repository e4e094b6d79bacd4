{% macro raw_rows_empty_select() -%}
    select
    {%- for column in raw_event_columns() %}
        cast(null as string) as {{ column }},
    {%- endfor %}
        cast(null as timestamp) as occurred_at_value,
        cast(null as string) as source_file,
        cast(null as bigint) as source_line,
        cast(null as bigint) as file_index,
        cast(null as bigint) as raw_row_id,
        false as is_unreadable
    where false
{%- endmacro %}
