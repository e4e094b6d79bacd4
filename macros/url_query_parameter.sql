{#- The value of one query-string parameter of a URL (the first occurrence),
    lower-cased and with + read as a space; null when absent or empty. Only
    utm parameters are read this way (SPEC section 1): nothing else of a
    query string travels past staging. -#}
{% macro url_query_parameter(url_expr, name) -%}
    {{ return(adapter.dispatch('url_query_parameter', 'conversions')(url_expr, name)) }}
{%- endmacro %}

{% macro default__url_query_parameter(url_expr, name) -%}
    nullif(lower(replace(regexp_extract(
        regexp_extract({{ url_expr }}, '^[^#]*'),
        '[?&]{{ name }}=([^&]*)',
        1
    ), '+', ' ')), '')
{%- endmacro %}
