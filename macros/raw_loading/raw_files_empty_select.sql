{% macro raw_files_empty_select() -%}
    select
        cast(null as bigint) as file_index,
        cast(null as string) as source_file,
        cast(null as bigint) as file_size,
        cast(null as timestamp) as file_modified_at,
        cast(null as bigint) as row_count,
        cast(null as timestamp) as loaded_at
    where false
{%- endmacro %}
