{#- The referrer host of a URL with a scheme (or //), lower-cased: the
    authority, percent-decoded (percent_decoded), without user info (up to
    the last @), port or parameters (from the first : or ;; a bracketed
    IPv6 literal is kept whole, without its brackets), with personal data masked (an IP literal
    becomes [ip]). Null otherwise. -#}
{% macro url_host(url_expr) -%}
    {%- set authority = regexp_group(
        url_expr, "'^[ \\t]*([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)'", 2) -%}
    {%- set host = regexp_group(
        regexp_group(percent_decoded(authority), "'^(.*@)?([^@]*)$'", 2),
        "'^(\\[[^\\]]*\\]|[^:;]*)'", 1) -%}
    lower(nullif({{ personal_data_masked(
        "replace(replace(" ~ host ~ ", '[', ''), ']', '')") }}, ''))
{%- endmacro %}
