with

chain_steps as (

    select * from {{ ref('int_funnel_chain_steps') }}

),

reach as (

    select * from {{ ref('int_funnel_reach') }}

),

goals as (

    select * from {{ ref('int_goals') }}
    where funnel_id is not null

),

step_durations as (

    select
        chain_steps.funnel_id,
        {{ period_start('month', 'reach.cohort_date') }} as cohort_month,
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
    inner join reach
        on
            chain_steps.funnel_id = reach.funnel_id
            and chain_steps.visitor_id = reach.visitor_id

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
        timing.p90_seconds_from_first_step
    from timing
    inner join goals
        on
            timing.funnel_id = goals.funnel_id
            and timing.step_order = goals.step_order

)

select * from final
