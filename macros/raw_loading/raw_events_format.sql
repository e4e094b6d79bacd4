{#- The format of RAW_EVENTS_PATH, from its extension: parquet or csv. -#}
{% macro raw_events_format(path) -%}
    {%- set lowered = path | lower -%}
    {%- if lowered.endswith('.parquet') -%}
        {{ return('parquet') }}
    {%- elif lowered.endswith('.csv') -%}
        {{ return('csv') }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "RAW_EVENTS_PATH '" ~ path ~ "' must end in .parquet or .csv"
        ~ " (a file or a glob such as events/*.parquet)") }}
{%- endmacro %}
