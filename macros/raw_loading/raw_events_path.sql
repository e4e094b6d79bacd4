{#- Where the raw events are read from: RAW_EVENTS_PATH (a file or a glob,
    .parquet or .csv), or the bundled sample (its Parquet copy on Spark,
    which reads Parquet only). -#}
{% macro raw_events_path() -%}
    {%- set sample = 'sample_data/events.parquet' if target.type == 'spark'
        else 'sample_data/events.csv' -%}
    {{ return(env_var('RAW_EVENTS_PATH', sample)) }}
{%- endmacro %}
