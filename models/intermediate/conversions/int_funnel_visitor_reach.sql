{#- One row per human visitor and funnel they entered, read from the chain
    (int_funnel_chain): the cohort date (the date of their first step-1
    event), the deepest step any chain reached, and the latest start of the
    chains that reached it. -#}
with

chain as (

    select * from {{ ref('int_funnel_chain') }}
    where visitor_id is not null

),

levels as (

    select
        funnel_id,
        visitor_id,
        step_order,
        min(occurred_at) as first_reached_at,
        max(chain_started_at) as latest_chain_started_at
    from chain
    group by funnel_id, visitor_id, step_order

),

deepest as (

    -- every level below the deepest has rows too (a chain to step k runs
    -- through steps 1..k-1), and level 1 is every step-1 event
    select
        funnel_id,
        visitor_id,
        min(case when step_order = 1 then first_reached_at end) as first_step_at,
        max(step_order) as steps_reached,
        max_by(latest_chain_started_at, step_order) as deepest_chain_started_at
    from levels
    group by funnel_id, visitor_id

),

final as (

    select
        funnel_id,
        visitor_id,
        {{ event_date('first_step_at') }} as cohort_date,
        first_step_at,
        steps_reached,
        deepest_chain_started_at
    from deepest

)

select * from final
