with

goals as (

    select * from {{ ref('int_goals') }}

),

final as (

    select
        goal_id,
        goal_name,
        goal_type,
        event_name,
        page_path_pattern,
        funnel_id,
        step_order,
        description,
        funnel_name,
        conversion_window_days
    from goals

)

select * from final
