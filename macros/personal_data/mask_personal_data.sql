{#- A URL part (path, query value, host) with its personal data masked: the
    text as given when its decoded form (percent_decoded) holds none,
    otherwise the decoded form with every match replaced by its marker
    (personal_data_masked); [undecodable] when it is still encoded after
    four passes. Used by url_path, url_query_parameter and url_host. -#}
{% macro mask_personal_data(text_expr) -%}
    {%- set patterns = [] -%}
    {%- for pattern, replacement in personal_data_patterns() -%}
        {%- do patterns.append(pattern) -%}
    {%- endfor -%}
    {%- set decoded = percent_decoded(text_expr) -%}
    case
        when {{ regexp_contains(decoded,
            "'^\\[undecodable\\]$|" ~ patterns | join('|') ~ "'") }}
            then {{ personal_data_masked(decoded) }}
        else {{ text_expr }}
    end
{%- endmacro %}
