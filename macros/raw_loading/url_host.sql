{% macro url_host(url_expr) -%}
    lower(nullif({{ regexp_group(
        url_expr,
        "'^[ \\t]*([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*@)?([^/?#:]*)'",
        3
    ) }}, ''))
{%- endmacro %}
