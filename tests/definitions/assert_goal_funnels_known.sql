-- Every funnel_id of a goal is a funnel of the funnels seed, and
-- step_order is set exactly when funnel_id is.
{{ fail_with_problems("
    select 'goal \"' || goals.goal_id || '\" names unknown funnel \"'
        || goals.funnel_id || '\"' as problem
    from " ~ ref('goals') ~ " as goals
    left join " ~ ref('funnels') ~ " as funnels
        on goals.funnel_id = funnels.funnel_id
    where goals.funnel_id is not null and funnels.funnel_id is null
    union all
    select 'goal \"' || goal_id || '\" has '
        || case when funnel_id is null
            then 'a step_order but no funnel_id'
            else 'a funnel_id but no step_order' end
    from " ~ ref('goals') ~ "
    where (funnel_id is null) <> (step_order is null)
") }}
