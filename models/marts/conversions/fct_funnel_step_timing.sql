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
        cast(date_trunc('month', reach.cohort_date) as date) as cohort_month,
        chain_steps.step_order,
        epoch(chain_steps.reached_at - lag(chain_steps.reached_at) over (
            partition by chain_steps.funnel_id, chain_steps.visitor_id
            order by chain_steps.step_order
        )) as seconds_from_previous_step,
        epoch(chain_steps.reached_at - first_value(chain_steps.reached_at) over (
            partition by chain_steps.funnel_id, chain_steps.visitor_id
            order by chain_steps.step_order
        )) as seconds_from_first_step
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
        quantile_cont(seconds_from_previous_step, 0.5)
            as median_seconds_from_previous_step,
        quantile_cont(seconds_from_previous_step, 0.9)
            as p90_seconds_from_previous_step,
        quantile_cont(seconds_from_first_step, 0.5)
            as median_seconds_from_first_step,
        quantile_cont(seconds_from_first_step, 0.9)
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
