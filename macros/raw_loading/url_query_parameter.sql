{#- The value of one query-string parameter of a URL (the first
    occurrence), as given; empty when absent. Only utm parameters are read
    this way (SPEC section 1), and stg_events__parsed masks them
    (macros/personal_data): nothing else of a query string travels past
    staging. -#}
{% macro url_query_parameter(url_expr, name) -%}
    {{ regexp_group(
        regexp_group(url_expr, "'^[^#]*'", 0),
        "'[?&]" ~ name ~ "=([^&]*)'",
        1
    ) }}
{%- endmacro %}
