{#- True when the text is null, empty or only ASCII whitespace (space, tab,
    line feed, carriage return, vertical tab, form feed): SPEC's "empty". -#}
{% macro is_blank(expr) -%}
    ({{ expr }} is null or {{ regexp_contains(expr, "'^[ \\t\\n\\r\\x0B\\f]*$'") }})
{%- endmacro %}
