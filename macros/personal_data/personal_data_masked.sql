{#- Every match of personal_data_patterns() in an already decoded text
    replaced by its marker ([email], [phone], [ip], ;[param]). -#}
{% macro personal_data_masked(decoded_expr) -%}
    {%- set masked = namespace(expr=decoded_expr) -%}
    {%- for pattern, replacement in personal_data_patterns() -%}
        {%- set masked.expr = regexp_replace_all(
            masked.expr, "'" ~ pattern ~ "'", "'" ~ replacement ~ "'") -%}
    {%- endfor -%}
    {{ masked.expr }}
{%- endmacro %}
