{#- Post-hook of an append-only model (stg_events__raw_files): records in
    platform.model_builds how many rows this build appended, so that the
    derived tables that read it know whether it changed. -#}
{% macro record_appended_rows() -%}
    {%- if execute -%}
        {%- set appended = run_query(
            'select count(*) from ' ~ this
            ~ ' where loaded_at = ' ~ run_timestamp()).columns[0].values()[0] -%}
        {%- do record_model_build(
            {'mode': 'incremental', 'reason': 'appended rows', 'definitions': {}},
            none, appended) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
