{#- One row per human visitor, UTC day with a counted event, and goal of
    the current definitions: whether the visitor completed the goal that
    day. Every goal gets every visitor-day, so a rate grouped by goal has
    its denominator (all human visitors) on the goal's own rows: the
    semantic layer's goal conversion rate is one metric queried by goal. A
    goal added to seeds/goals.csv has rows after the next build, a removed
    one has none. A view: nothing is stored, MetricFlow's query reads it. -#}
{{ config(materialized='view', schema='intermediate') }}

with

visitor_days as (

    select * from {{ ref('int_visitor_days') }}

),

goals as (

    select * from {{ ref('int_goals') }}

),

visitor_goal_days as (

    select * from {{ ref('int_visitor_goal_periods') }}
    where period_grain = 'day'

),

final as (

    select
        visitor_days.visitor_id,
        visitor_days.activity_date,
        goals.goal_id,
        visitor_goal_days.visitor_id is not null as has_completed_goal
    from visitor_days
    cross join goals
    left join visitor_goal_days
        on
            visitor_days.visitor_id = visitor_goal_days.visitor_id
            and visitor_days.activity_date = visitor_goal_days.period_start
            and goals.goal_id = visitor_goal_days.goal_id

)

select * from final
