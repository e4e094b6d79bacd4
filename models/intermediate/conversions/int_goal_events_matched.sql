{#- One row per counted (accepted, human) event and goal it completes: the
    event names match and, where the goal has a page_path_pattern, the page
    path is LIKE it (case-sensitive, no escape character). held_value: the
    digest of the event's value of the key its funnel holds constant. -#}
with

events as (

    select * from {{ ref('stg_events__classified') }}
    where event_status = 'counted'

),

goals as (

    select * from {{ ref('int_goals') }}

),

final as (

    select
        events.event_id,
        events.visitor_id,
        events.session_id,
        events.occurred_at,
        {{ event_date('events.occurred_at') }} as activity_date,
        goals.goal_id,
        goals.goal_type,
        goals.funnel_id,
        goals.step_order,
        {{ held_value('events.held_values', 'goals.hold_constant') }}
            as held_value
    from events
    inner join goals
        on events.event_name = goals.event_name
    where
        goals.page_path_pattern is null
        or events.page_path like goals.page_path_pattern

)

select * from final
