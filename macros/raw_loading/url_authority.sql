{#- The authority of a URL with a scheme (or //): what follows // up to the
    first /, ? or #, as given; empty otherwise. -#}
{% macro url_authority(url_expr) -%}
    {{ regexp_group(
        url_expr, "'^[ \\t]*([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)'", 2) }}
{%- endmacro %}
