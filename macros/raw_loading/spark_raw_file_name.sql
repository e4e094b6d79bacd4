{% macro spark_raw_file_name(file_path_expr) -%}
    {{ return("regexp_replace(url_decode(" ~ file_path_expr ~ "), '^file:(//)?', '')") }}
{%- endmacro %}
