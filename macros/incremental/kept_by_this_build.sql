{#- True when this command is a build (or run) that kept the model's
    table as it was (derived_table found its inputs unchanged): the model
    has a build record, none of them from this invocation. Its rows were
    checked by the build that wrote them, so rows_hold skips them then; a
    `dbt test` of its own checks every row. Reads only. -#}
{% macro kept_by_this_build(node) -%}
    {%- if flags.WHICH not in ['build', 'run', 'retry']
        or node.config.materialized != 'derived_table' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set builds = model_builds_relation() -%}
    {%- if adapter.get_relation(builds.database, builds.schema, builds.identifier) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = run_query(
        'select count(*), coalesce(sum(case when built_at = ' ~ run_timestamp()
        ~ ' then 1 else 0 end), 0) from ' ~ builds ~ ' where model_name = '
        ~ sql_string(model_build_name(node))) -%}
    {{ return(found.rows[0][0] > 0 and found.rows[0][1] == 0) }}
{%- endmacro %}
