{#- What may travel past staging of a URL (SPEC section 1): the text after
    the host up to the first ? or #, / when empty (a URL without scheme and
    host is taken as a path), with its personal data masked
    (mask_personal_data: e-mail addresses, phone numbers, IP addresses,
    path parameters after ;). Null for a blank URL. -#}
{% macro url_path(url_expr) -%}
    case when not {{ is_blank(url_expr) }} then {{ mask_personal_data(
        "coalesce(nullif(" ~ regexp_replace_all(
            regexp_group(url_expr, "'^[^?#]*'", 0),
            "'^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*'",
            "''"
        ) ~ ", ''), '/')"
    ) }} end
{%- endmacro %}
