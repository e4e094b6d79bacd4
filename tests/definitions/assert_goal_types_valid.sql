-- goal_type is macro or micro, and every goal names an event.
{{ fail_with_problems("
    select 'goal \"' || goal_id || '\" has goal_type \"'
        || coalesce(goal_type, '') || '\" (expected macro or micro)' as problem
    from " ~ ref('goals') ~ "
    where goal_type is null or goal_type not in ('macro', 'micro')
    union all
    select 'goal \"' || goal_id || '\" has no event_name'
    from " ~ ref('goals') ~ "
    where " ~ is_blank('event_name')
) }}
