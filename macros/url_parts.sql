{#- What may travel past staging of a URL (SPEC section 1).
    url_path: the text after the host up to the first ? or #, / when empty;
      a URL without scheme and host is taken as a path; e-mail addresses in
      it (also with @ written %40, and with non-ASCII letters) become
      [email]. Null for a blank URL.
    url_host: the lower-cased host of a URL with a scheme (or //), without
      user info or port; null otherwise. -#}
{% macro url_path(url_expr) -%}
    {{ return(adapter.dispatch('url_path', 'conversions')(url_expr)) }}
{%- endmacro %}

{% macro url_host(url_expr) -%}
    {{ return(adapter.dispatch('url_host', 'conversions')(url_expr)) }}
{%- endmacro %}

{% macro duckdb__url_path(url_expr) -%}
    case when not {{ is_blank(url_expr) }} then regexp_replace(
        coalesce(nullif(regexp_replace(
            regexp_extract({{ url_expr }}, '^[^?#]*'),
            '^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*',
            ''
        ), ''), '/'),
        '[^/@?#;,:\s]+(@|%40)[^/@?#;,:.\s]+([.][^/@?#;,:.\s]+)+',
        '[email]',
        'g'
    ) end
{%- endmacro %}

{% macro duckdb__url_host(url_expr) -%}
    lower(nullif(regexp_extract(
        {{ url_expr }},
        '^[ \t]*([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*@)?([^/?#:]*)',
        3
    ), ''))
{%- endmacro %}
