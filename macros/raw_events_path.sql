{#- Where the raw events are read from: RAW_EVENTS_PATH (a file or a glob,
    .parquet or .csv), or the bundled sample. -#}
{% macro raw_events_path() -%}
    {{ return(env_var('RAW_EVENTS_PATH', 'sample_data/events.csv')) }}
{%- endmacro %}
