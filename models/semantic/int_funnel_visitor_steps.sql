{#- One row per human visitor, funnel they entered and step of that funnel
    in the current definitions: whether the visitor reached the step and
    the step before it (SPEC's ordered, windowed reach, read from
    int_funnel_visitor_reach), under their cohort date. Every entrant has a
    row at every step, so the semantic layer's funnel metrics are queried
    by funnel and step, with their denominators on the same rows. A view:
    nothing is stored, MetricFlow's query reads it. -#}
{{ config(materialized='view', schema='intermediate') }}

with

reach as (

    select * from {{ ref('int_funnel_visitor_reach') }}

),

steps as (

    select * from {{ ref('int_goals') }}
    where funnel_id is not null

),

final as (

    select
        reach.visitor_id,
        reach.funnel_id,
        reach.cohort_date,
        steps.goal_id,
        steps.step_order,
        steps.step_order <= reach.steps_reached as is_step_reached,
        steps.step_order > 1
        and steps.step_order - 1 <= reach.steps_reached
            as is_previous_step_reached
    from reach
    inner join steps
        on reach.funnel_id = steps.funnel_id

)

select * from final
