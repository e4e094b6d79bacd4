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
