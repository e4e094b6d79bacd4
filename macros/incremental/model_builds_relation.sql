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
