{#- One row per human visitor, goal, period_grain and period_start in which
    the visitor completed the goal, however often: the numerator of the
    goal conversion rates. -#}
with

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}
    where visitor_id is not null

),

visitor_goal_days as (

    select distinct
        visitor_id,
        goal_id,
        activity_date
    from goal_events

),

periods as (

    {{ periods_from_days('visitor_goal_days', ['visitor_id', 'goal_id']) }}

),

final as (

    select * from periods

)

select * from final
