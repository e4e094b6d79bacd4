{#- The path of a URL, as given (SPEC section 1): the text after the host
    up to the first ? or #, / when empty; a URL without scheme and host is
    taken as a path. Null for a blank URL. stg_events__parsed masks its
    personal data (macros/personal_data) before it travels on. -#}
{% macro url_path(url_expr) -%}
    case when not {{ is_blank(url_expr) }} then coalesce(nullif({{
        regexp_replace_all(
            regexp_group(url_expr, "'^[^?#]*'", 0),
            "'^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*'",
            "''"
        ) }}, ''), '/') end
{%- endmacro %}
