{% macro duckdb__file_list(files) -%}
    {%- set names = [] -%}
    {%- for file in files -%}
        {%- do names.append(sql_string(file.name)) -%}
    {%- endfor -%}
    {{ return('[' ~ names | join(', ') ~ ']') }}
{%- endmacro %}
