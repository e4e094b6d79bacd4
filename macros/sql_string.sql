{#- A SQL string literal holding `value`: quotes doubled, so a path or a
    name with quotes never changes the statement it is put in. -#}
{% macro sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
