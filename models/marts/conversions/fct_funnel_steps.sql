with

reach as (

    select * from {{ ref('int_funnel_reach') }}

),

goals as (

    select * from {{ ref('int_goals') }}
    where funnel_id is not null

),

deepest_counts as (

    select
        funnel_id,
        cohort_date,
        steps_reached,
        count(*) as visitors
    from reach
    group by funnel_id, cohort_date, steps_reached

),

cohorts as (

    select distinct
        funnel_id,
        cohort_date
    from deepest_counts

),

steps as (

    select
        cohorts.funnel_id,
        cohorts.cohort_date,
        goals.funnel_name,
        goals.step_order,
        goals.goal_id,
        goals.goal_name,
        goals.goal_type
    from cohorts
    inner join goals
        on cohorts.funnel_id = goals.funnel_id

),

reached as (

    select
        steps.funnel_id,
        steps.funnel_name,
        steps.cohort_date,
        steps.step_order,
        steps.goal_id,
        steps.goal_name,
        steps.goal_type,
        cast(coalesce(sum(deepest_counts.visitors), 0) as bigint)
            as visitors_reached
    from steps
    left join deepest_counts
        on
            steps.funnel_id = deepest_counts.funnel_id
            and steps.cohort_date = deepest_counts.cohort_date
            and steps.step_order <= deepest_counts.steps_reached
    group by
        steps.funnel_id,
        steps.funnel_name,
        steps.cohort_date,
        steps.step_order,
        steps.goal_id,
        steps.goal_name,
        steps.goal_type

),

with_previous as (

    select
        *,
        lag(visitors_reached) over (
            partition by funnel_id, cohort_date order by step_order
        ) as visitors_at_previous_step,
        first_value(visitors_reached) over (
            partition by funnel_id, cohort_date order by step_order
        ) as visitors_at_first_step
    from reached

),

final as (

    select
        funnel_id,
        funnel_name,
        cohort_date,
        step_order,
        goal_id,
        goal_name,
        goal_type,
        visitors_reached,
        visitors_at_previous_step,
        cast(visitors_reached as double)
        / nullif(visitors_at_previous_step, 0) as rate_from_previous_step,
        cast(visitors_reached as double)
        / nullif(visitors_at_first_step, 0) as rate_from_first_step,
        visitors_at_previous_step - visitors_reached as visitors_dropped
    from with_previous

)

select * from final
