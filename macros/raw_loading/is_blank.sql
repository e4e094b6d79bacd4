{#- True when the text is null, empty or only ASCII whitespace (space, tab,
    line feed, carriage return, vertical tab, form feed): SPEC's "empty".
    A text whose first character is above the space is not blank; only the
    others (ascii('') is 0) go to the regular expression, which saves it on
    nearly every row. -#}
{% macro is_blank(expr) -%}
    ({{ expr }} is null or (ascii({{ expr }}) <= 32
        and {{ regexp_contains(expr, "'^[ \\t\\n\\r\\x0B\\f]*$'") }}))
{%- endmacro %}
