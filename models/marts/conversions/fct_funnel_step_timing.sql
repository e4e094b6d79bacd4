{#- One row per funnel, cohort month and step after the first: how long
    the visitors took to each step, on their chain that reached deepest with
    the latest start S (int_funnel_visitor_reach): step 1 at S, and each
    step k the earliest event completing it after step k-1 (the greedy
    chain from S, which reaches as deep as any chain from S).

    Read from int_funnel_chain: step k is the earliest level-k row carrying
    the start S. Every event of the greedy chain carries S (a later start
    before it would reach as deep through the rest of the chain, and S is
    the latest that does), and every level-k row carrying S comes after a
    level-(k-1) row carrying S, so after the greedy step k-1. No row
    carries S beyond the deepest step.

    Each duration is given in seconds and again in hours (seconds / 3600),
    the unit a reader compares. Funnels with order_mode any_order have no
    step times (SPEC 5: no order) and no rows here. -#}
with

chain as (

    select * from {{ ref('int_funnel_chain') }}

),

any_order_funnels as (

    select distinct funnel_id
    from {{ ref('int_goals') }}
    where order_mode = 'any_order'

),

reach as (

    -- funnels with order_mode any_order have no step times
    select visitor_reach.*
    from {{ ref('int_funnel_visitor_reach') }} as visitor_reach
    left join any_order_funnels
        on visitor_reach.funnel_id = any_order_funnels.funnel_id
    where any_order_funnels.funnel_id is null

),

goals as (

    select * from {{ ref('int_goals') }}
    where funnel_id is not null

),

chain_steps as (

    -- the deepest chain's steps 1..steps_reached (no chain with its start
    -- goes deeper)
    select
        chain.funnel_id,
        chain.visitor_id,
        reach.cohort_date,
        chain.step_order,
        min(chain.occurred_at) as reached_at
    from chain
    inner join reach
        on
            chain.funnel_id = reach.funnel_id
            and chain.visitor_id = reach.visitor_id
            and chain.chain_started_at = reach.deepest_chain_started_at
    group by
        chain.funnel_id,
        chain.visitor_id,
        reach.cohort_date,
        chain.step_order

),

step_durations as (

    select
        chain_steps.funnel_id,
        {{ period_start('month', 'chain_steps.cohort_date') }} as cohort_month,
        chain_steps.step_order,
        cast(
            {{ epoch_us('chain_steps.reached_at') }}
            - lag({{ epoch_us('chain_steps.reached_at') }}) over (
                partition by chain_steps.funnel_id, chain_steps.visitor_id
                order by chain_steps.step_order
            ) as double
        ) / 1000000 as seconds_from_previous_step,
        cast(
            {{ epoch_us('chain_steps.reached_at') }}
            - first_value({{ epoch_us('chain_steps.reached_at') }}) over (
                partition by chain_steps.funnel_id, chain_steps.visitor_id
                order by chain_steps.step_order
            ) as double
        ) / 1000000 as seconds_from_first_step
    from chain_steps

),

timing as (

    select
        funnel_id,
        cohort_month,
        step_order,
        count(*) as visitors_timed,
        percentile_cont(0.5) within group (order by seconds_from_previous_step)
            as median_seconds_from_previous_step,
        percentile_cont(0.9) within group (order by seconds_from_previous_step)
            as p90_seconds_from_previous_step,
        percentile_cont(0.5) within group (order by seconds_from_first_step)
            as median_seconds_from_first_step,
        percentile_cont(0.9) within group (order by seconds_from_first_step)
            as p90_seconds_from_first_step
    from step_durations
    where step_order > 1
    group by funnel_id, cohort_month, step_order

),

final as (

    select
        timing.funnel_id,
        goals.funnel_name,
        timing.cohort_month,
        timing.step_order,
        goals.goal_id,
        goals.goal_name,
        goals.goal_type,
        timing.visitors_timed,
        timing.median_seconds_from_previous_step,
        timing.p90_seconds_from_previous_step,
        timing.median_seconds_from_first_step,
        timing.p90_seconds_from_first_step,
        -- the same durations in hours (new columns go at the end)
        timing.median_seconds_from_previous_step / 3600
            as median_hours_from_previous_step,
        timing.p90_seconds_from_previous_step / 3600
            as p90_hours_from_previous_step,
        timing.median_seconds_from_first_step / 3600
            as median_hours_from_first_step,
        timing.p90_seconds_from_first_step / 3600
            as p90_hours_from_first_step
    from timing
    inner join goals
        on
            timing.funnel_id = goals.funnel_id
            and timing.step_order = goals.step_order

)

select * from final
