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
