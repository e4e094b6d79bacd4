{#- The marts and audit tables: tables derived from the visitor-level
    tables and the definitions, rebuilt in full (the engine's `table`
    materialization) only when one of their inputs changed since their last
    build: a definition they depend on (definitions_fingerprint), or an
    upstream model that wrote rows (platform.model_builds). A build with no
    new file and no definition change leaves them as they are. -#}
{% materialization derived_table, default %}
    {%- set plan = derived_table_plan() -%}
    {%- if plan.mode == 'skip' -%}
        {{ log(model.name ~ ": unchanged inputs, kept as it is", info=false) }}
        {%- call statement('main') -%}
            select 1 as unchanged
        {%- endcall -%}
        {{ return({'relations': [this.incorporate(type='table')]}) }}
    {%- endif -%}
    {%- set result = adapter.dispatch('materialize_derived_table', 'conversions')() -%}
    {%- call statement('record_derived_table', auto_begin=true) -%}
        select 1
    {%- endcall -%}
    {% do record_model_build(plan, none, none) %}
    {% do adapter.commit() %}
    {{ return(result) }}
{% endmaterialization %}

{% macro default__materialize_derived_table() -%}
    {{ return(materialization_table_default()) }}
{%- endmacro %}

{% macro duckdb__materialize_derived_table() -%}
    {{ return(materialization_table_duckdb()) }}
{%- endmacro %}

{% macro spark__materialize_derived_table() -%}
    {{ return(materialization_table_spark()) }}
{%- endmacro %}


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
        {%- if name.startswith('model ') and name != 'model ' ~ model.name -%}
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
