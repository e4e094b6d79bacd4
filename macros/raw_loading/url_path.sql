{#- What may travel past staging of a URL (SPEC section 1).
    url_path: the text after the host up to the first ? or #, / when empty;
      a URL without scheme and host is taken as a path; e-mail addresses in
      it (also with @ written %40, and with non-ASCII letters) become
      [email]. Null for a blank URL.
    url_host: the lower-cased host of a URL with a scheme (or //), without
      user info or port; null otherwise. -#}
{% macro url_path(url_expr) -%}
    case when not {{ is_blank(url_expr) }} then {{ regexp_replace_all(
        "coalesce(nullif(" ~ regexp_replace_all(
            regexp_group(url_expr, "'^[^?#]*'", 0),
            "'^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*'",
            "''"
        ) ~ ", ''), '/')",
        "'[^/@?#;,:\\t\\n\\f\\r ]+(@|%40)[^/@?#;,:.\\t\\n\\f\\r ]+([.][^/@?#;,:.\\t\\n\\f\\r ]+)+'",
        "'[email]'"
    ) }} end
{%- endmacro %}
