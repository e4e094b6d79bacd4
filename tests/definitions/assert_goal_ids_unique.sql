-- goal_id is set and unique.
{{ fail_with_problems("
    select 'goal \"' || goal_id || '\" is defined ' || count(*) || ' times'
        as problem
    from " ~ ref('goals') ~ "
    where goal_id is not null
    group by goal_id
    having count(*) > 1
    union all
    select 'a goal named \"' || coalesce(goal_name, '') || '\" has no goal_id'
    from " ~ ref('goals') ~ "
    where " ~ is_blank('goal_id')
) }}
