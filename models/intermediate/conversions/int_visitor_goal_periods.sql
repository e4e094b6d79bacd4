{#- One row per human visitor, goal, period_grain and period_start in which
    the visitor completed the goal, however often: the numerator of the
    goal conversion rates. -#}
with

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}
    where visitor_id is not null {{ changed_visitors_filter() }}

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

    select
        *,
        {{ source_processed_at() }} as source_processed_at
    from periods

)

select *{{ visitor_bucket_column() }} from final
