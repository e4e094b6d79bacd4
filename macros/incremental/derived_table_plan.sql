{#- 'skip' when the table exists, no --full-refresh, its definitions are
    those of its last build, and no upstream model recorded a build that
    changed rows after it; else 'full'. Reads only. -#}
{% macro derived_table_plan() -%}
    {%- set plan = incremental_plan() -%}
    {%- if plan.mode == 'full' -%}
        {{ return(plan) }}
    {%- endif -%}
    {%- set upstream = [] -%}
    {%- for name in plan.definitions.keys() -%}
        {%- if name.startswith('model ') and name != 'model ' ~ model_build_name(model) -%}
            {%- do upstream.append(sql_string(name[6:])) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set changed = run_query(
        'select count(*) from ' ~ model_builds_relation()
        ~ ' where model_name in (' ~ (upstream | join(', ') or "''") ~ ')'
        ~ ' and build_number > ' ~ plan.previous.build_number
        ~ " and (build_mode = 'full' or rows_changed is null or rows_changed > 0)"
    ).columns[0].values()[0] -%}
    {%- if changed > 0 -%}
        {%- do plan.update({'mode': 'full', 'reason': 'inputs changed'}) -%}
    {%- else -%}
        {%- do plan.update({'mode': 'skip', 'reason': 'inputs unchanged'}) -%}
    {%- endif -%}
    {{ return(plan) }}
{%- endmacro %}
