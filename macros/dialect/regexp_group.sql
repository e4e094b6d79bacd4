{% macro regexp_group(text_expr, pattern, group) -%}
    regexp_extract({{ text_expr }}, {{ pattern }}, {{ group }})
{%- endmacro %}
