{#- A visitor-level model's rules in one query: its `grain` (columns) is
    never null and unique, and every expression of `rules` (a list) is true
    on every row. Checked over the visitors the model's latest build
    recomputed (every visitor after a build in full): the visitors with
    change-log rows written after the watermark of the model's previous
    build (platform.model_builds). unique=false for a model whose rows may
    repeat (int_funnel_chain: two events of a step at the same instant). Sound because an incremental build
    rewrites every row of those visitors and no other row. One row per
    broken rule and key. -#}
{% test visitor_rows_hold(model, grain, rules=[], unique=true) %}
{%- set key = grain | join(", '|', ") %}
with

builds as (

    select
        build_mode,
        processed_through,
        row_number() over (order by build_number desc) as recency
    from {{ model_builds_relation() }}
    where model_name = {{ sql_string(model.identifier) }}

),

since as (

    select max(processed_through) as processed_after
    from builds
    where
        recency = 2
        and (select max(build_mode) from builds where recency = 1) = 'incremental'

),

scoped as (

    select *
    from {{ model }}
    where
        (select processed_after from since) is null
        or visitor_id in (
            select visitor_id
            from {{ change_log_relation() }}
            where processed_at > (select processed_after from since)
        )

),

problems as (

    {%- if unique %}
    select 'grain repeated' as problem, concat({{ key }}) as detail
    from scoped
    group by {{ grain | join(', ') }}
    having count(*) > 1
    union all
    {%- endif %}
    select 'grain has a null' as problem, concat({{ key }}) as detail
    from scoped
    where {{ grain | join(' is null or ') }} is null
    {%- for rule in rules %}
    union all
    select {{ sql_string('rule broken: ' ~ rule) }}, concat({{ key }})
    from scoped
    where not coalesce({{ rule }}, false)
    {%- endfor %}

)

select * from problems
{% endtest %}
