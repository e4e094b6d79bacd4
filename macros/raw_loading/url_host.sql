{#- The referrer host of a URL, lower-cased, from its authority
    (url_authority) once percent-decoded (percent_decoded): without user
    info (up to the last @), port or parameters (from the first : or ;; a
    bracketed IPv6 literal is kept whole, without its brackets), with
    personal data masked (an IP literal becomes [ip]). Null when empty. -#}
{% macro url_host(decoded_authority_expr) -%}
    {%- set host = regexp_group(
        regexp_group(decoded_authority_expr, "'^(.*@)?([^@]*)$'", 2),
        "'^(\\[[^\\]]*\\]|[^:;]*)'", 1) -%}
    lower(nullif({{ personal_data_masked(
        "replace(replace(" ~ host ~ ", '[', ''), ']', '')") }}, ''))
{%- endmacro %}
