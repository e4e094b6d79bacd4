{#- Every match of personal_data_patterns() in a decoded text
    (percent_decoded) replaced by its marker ([email], [phone], [ip],
    ;[param]). -#}
{% macro personal_data_masked(decoded_expr) -%}
    {%- set masked = namespace(expr=decoded_expr) -%}
    {%- for pattern, replacement in personal_data_patterns() -%}
        {%- set masked.expr = regexp_replace_all(
            masked.expr, "'" ~ pattern ~ "'", "'" ~ replacement ~ "'") -%}
    {%- endfor -%}
    {{ masked.expr }}
{%- endmacro %}
