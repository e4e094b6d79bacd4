{#- The value of one query-string parameter of a URL (the first
    occurrence), with its personal data masked (mask_personal_data), then
    lower-cased and with + read as a space; null when absent or empty. Only
    utm parameters are read this way (SPEC section 1): nothing else of a
    query string travels past staging. -#}
{% macro url_query_parameter(url_expr, name) -%}
    nullif(lower(replace({{ mask_personal_data(regexp_group(
        regexp_group(url_expr, "'^[^#]*'", 0),
        "'[?&]" ~ name ~ "=([^&]*)'",
        1
    )) }}, '+', ' ')), '')
{%- endmacro %}
