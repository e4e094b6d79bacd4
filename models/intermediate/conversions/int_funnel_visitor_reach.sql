{#- One row per human visitor and funnel they entered, read from the chain
    (int_funnel_chain): the cohort date (the date of their first step-1
    event, also one that joins no chain under count_within session, SPEC
    section 5; under order_mode any_order, of their first event completing
    any step), the deepest step any chain reached (any_order: the most
    steps completed within one window), and the latest start of the chains
    that reached it. -#}
with

chain as (

    select * from {{ ref('int_funnel_chain') }}
    where visitor_id is not null

),

any_order_funnels as (

    select distinct funnel_id
    from {{ ref('int_goals') }}
    where order_mode = 'any_order'

),

step_1_events as (

    select
        goal_events.funnel_id,
        goal_events.visitor_id,
        min(goal_events.occurred_at) as first_step_at
    from {{ ref('int_goal_events_matched') }} as goal_events
    left join any_order_funnels
        on goal_events.funnel_id = any_order_funnels.funnel_id
    where
        goal_events.step_order = 1
        or any_order_funnels.funnel_id is not null
    group by goal_events.funnel_id, goal_events.visitor_id

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
        max(step_order) as steps_reached,
        max_by(latest_chain_started_at, step_order) as deepest_chain_started_at
    from levels
    group by funnel_id, visitor_id

),

final as (

    select
        deepest.funnel_id,
        deepest.visitor_id,
        {{ event_date('step_1_events.first_step_at') }} as cohort_date,
        step_1_events.first_step_at,
        deepest.steps_reached,
        deepest.deepest_chain_started_at
    from deepest
    inner join step_1_events
        on
            deepest.funnel_id = step_1_events.funnel_id
            and deepest.visitor_id = step_1_events.visitor_id

)

select * from final
