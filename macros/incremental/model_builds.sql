{#- The build record of the incremental models: one row per build of each
    model, appended in the model's transaction. The latest row of a model
    holds its watermark (the change log's processed_at it has read up to)
    and the definitions it was computed with. -#}
{% macro model_builds_relation() -%}
    {{ return(api.Relation.create(
        database=(target.database if target.database is defined else none),
        schema='platform', identifier='model_builds',
        type='table')) }}
{%- endmacro %}


{#- The latest build record of a model, or none: a dict with
    processed_through and definitions (parsed JSON). Reads only. -#}
{% macro latest_model_build(model_name) -%}
    {%- set builds = model_builds_relation() -%}
    {%- if adapter.get_relation(builds.database, builds.schema, builds.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query(
        'select processed_through, definitions, build_number from ' ~ builds
        ~ ' where model_name = ' ~ sql_string(model_name)
        ~ ' order by built_at desc, build_number desc limit 1') -%}
    {%- if found.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return({
        'processed_through': found.rows[0][0],
        'definitions': fromjson(found.rows[0][1]),
        'build_number': found.rows[0][2],
    }) }}
{%- endmacro %}


{#- Appends this build's record (run time only: called by the
    materializations, never when compiling). rows_changed: how many rows
    (or changed visitors) an incremental build wrote, 0 when it found
    nothing to do; null for a build in full. -#}
{% macro record_model_build(plan, processed_through, rows_changed) -%}
    {%- set builds = model_builds_relation() -%}
    {%- do adapter.create_schema(builds) -%}
    {%- call statement('create_model_builds') -%}
        {{ create_model_builds_sql(builds) }}
    {%- endcall -%}
    {%- set through = "cast('" ~ processed_through ~ "' as timestamp)"
        if processed_through is not none else 'cast(null as timestamp)' -%}
    {%- call statement('record_model_build') -%}
        insert into {{ builds }}
        select
            {{ sql_string(model.name) }},
            {{ run_timestamp() }},
            coalesce((select max(build_number) from {{ builds }}), 0) + 1,
            {{ sql_string(plan.mode) }},
            {{ sql_string(plan.reason) }},
            {{ through }},
            {{ sql_string(tojson(plan.definitions)) }},
            cast({{ 'null' if rows_changed is none else rows_changed }} as bigint)
    {%- endcall -%}
{%- endmacro %}


{% macro create_model_builds_sql(builds) -%}
    {{ return(adapter.dispatch('create_model_builds_sql', 'conversions')(builds)) }}
{%- endmacro %}

{% macro default__create_model_builds_sql(builds) -%}
    create table if not exists {{ builds }} (
        model_name varchar,
        built_at timestamp,
        build_number bigint,
        build_mode varchar,
        reason varchar,
        processed_through timestamp,
        definitions varchar,
        rows_changed bigint
    )
{%- endmacro %}

{% macro spark__create_model_builds_sql(builds) -%}
    create table if not exists {{ builds }} (
        model_name string,
        built_at timestamp,
        build_number bigint,
        build_mode string,
        reason string,
        processed_through timestamp,
        definitions string,
        rows_changed bigint
    ) using parquet
{%- endmacro %}
