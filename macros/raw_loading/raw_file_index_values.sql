{#- A values list mapping each file to its index. -#}
{% macro raw_file_index_values(files) -%}
    (values
    {%- for file in files %}
        ({{ sql_string(file.name) }}, cast({{ file.index }} as bigint)){{ "," if not loop.last }}
    {%- endfor %}
    ) as file_indexes (source_file, file_index)
{%- endmacro %}
