{#- on-run-start: creates the schema `platform` and platform.model_builds
    when they do not exist, once per run and before any model, so that
    models built in parallel never race to create them. Only in commands
    that build (is_building at run start: run, build, retry); `dbt compile`
    and `dbt docs generate` write nothing. -#}
{% macro create_model_builds() -%}
    {%- if is_building() -%}
        {%- set builds = model_builds_relation() -%}
        {%- do adapter.create_schema(builds) -%}
        {%- do run_query(create_model_builds_sql(builds)) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
