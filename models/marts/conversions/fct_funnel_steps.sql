with

reach as (

    select * from {{ ref('int_funnel_visitor_reach') }}

),

goals as (

    select * from {{ ref('int_goals') }}
    where funnel_id is not null

),

funnel_steps as (

    {{ funnel_steps_from_reach('reach', 'goals', ['cohort_date']) }}

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
        rate_from_previous_step,
        rate_from_previous_step_ci_lower,
        rate_from_previous_step_ci_upper,
        rate_from_first_step,
        rate_from_first_step_ci_lower,
        rate_from_first_step_ci_upper,
        visitors_dropped
    from funnel_steps

)

select * from final
