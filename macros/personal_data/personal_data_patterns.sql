{#- The rules of mask_personal_data, in the order they are applied: a list
    of (regular expression, replacement). Patterns keep to the syntax that
    RE2 (DuckDB) and java.util.regex (Spark) read alike (macros/dialect/
    regexp_contains.sql). -#}
{% macro personal_data_patterns() -%}
    {%- set not_in_address = '/@?#;,:<>()\\[\\]{}"\\t\\n\\f\\r ' -%}
    {%- set octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])' -%}
    {%- set hex = '[0-9A-Fa-f]{1,4}' -%}
    {%- set separated_runs = [] -%}
    {%- for first_group in range(1, 9) -%}
        {%- do separated_runs.append(
            '[0-9]{' ~ first_group ~ '}[ ()-]{1,2}[0-9]([ ()-]{0,2}[0-9]){'
            ~ (8 - first_group) ~ ',}') -%}
    {%- endfor -%}
    {{ return([
        (';[^/]*', ';[param]'),
        ('[^' ~ not_in_address ~ ']+@[^.' ~ not_in_address ~ ']+([.][^.'
            ~ not_in_address ~ ']+)+', '[email]'),
        ('\\b(' ~ octet ~ '[.]){3}' ~ octet ~ '\\b', '[ip]'),
        ('\\b' ~ hex ~ '(:' ~ hex ~ '){7}\\b|\\b' ~ hex ~ '(:' ~ hex
            ~ '){0,6}::(' ~ hex ~ '(:' ~ hex ~ '){0,6})?|::' ~ hex ~ '(:'
            ~ hex ~ '){0,6}\\b', '[ip]'),
        ('[+][(]?[0-9]([ ().-]{0,2}[0-9]){6,}', '[phone]'),
        ('[(]?\\b(' ~ separated_runs | join('|') ~ ')\\b', '[phone]'),
    ]) }}
{%- endmacro %}
