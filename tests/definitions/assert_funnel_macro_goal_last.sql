-- Every funnel has exactly one macro goal, as its last step; every macro
-- goal belongs to a funnel.
{{ fail_with_problems("
    with per_funnel as (
        select
            funnels.funnel_id,
            count(goals.goal_id) filter (
                where goals.goal_type = 'macro'
            ) as macro_goals,
            " ~ ordered_string_agg(
                "case when goals.goal_type = 'macro' then goals.goal_id end",
                "', '", 'goals.goal_id') ~ " as macro_list,
            max(goals.step_order) as last_step,
            max(goals.step_order) filter (
                where goals.goal_type = 'macro'
            ) as macro_step
        from " ~ ref('funnels') ~ " as funnels
        left join " ~ ref('goals') ~ " as goals
            on funnels.funnel_id = goals.funnel_id
        group by funnels.funnel_id
    )
    select 'funnel \"' || funnel_id || '\" has ' || macro_goals
        || ' macro goals (' || coalesce(macro_list, 'none')
        || '); it needs exactly one, as its last step' as problem
    from per_funnel
    where macro_goals <> 1
    union all
    select 'funnel \"' || funnel_id || '\": macro goal \"' || macro_list
        || '\" is step ' || macro_step || ' but the last step is '
        || last_step
    from per_funnel
    where macro_goals = 1 and macro_step <> last_step
    union all
    select 'macro goal \"' || goal_id || '\" belongs to no funnel'
    from " ~ ref('goals') ~ "
    where goal_type = 'macro' and funnel_id is null
") }}
