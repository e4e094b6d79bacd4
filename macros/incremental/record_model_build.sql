{#- Appends this build's record (run time only: called by the
    materializations, never when compiling; the table is created at the
    start of the run, create_model_builds). rows_changed: how many rows
    (or changed visitors) an incremental build wrote, 0 when it found
    nothing to do; null for a build in full. -#}
{% macro record_model_build(plan, processed_through, rows_changed) -%}
    {%- set builds = model_builds_relation() -%}
    {%- set through = "cast('" ~ processed_through ~ "' as timestamp)"
        if processed_through is not none else 'cast(null as timestamp)' -%}
    {%- call statement('record_model_build') -%}
        insert into {{ builds }}
        select
            {{ sql_string(model_build_name(model)) }},
            {{ run_timestamp() }},
            coalesce((select max(build_number) from {{ builds }}), 0) + 1,
            {{ sql_string(plan.mode) }},
            {{ sql_string(plan.reason) }},
            {{ through }},
            {{ sql_string(tojson(plan.definitions)) }},
            cast({{ 'null' if rows_changed is none else rows_changed }} as bigint)
    {%- endcall -%}
{%- endmacro %}
