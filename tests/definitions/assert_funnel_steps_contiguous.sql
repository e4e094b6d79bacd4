-- In every funnel, step_order runs 1..n without gaps or repeats, n >= 2,
-- and n is within var funnel_max_steps.
{{ fail_with_problems("
    with steps as (
        select
            funnels.funnel_id,
            count(goals.goal_id) as step_count,
            count(distinct goals.step_order) as distinct_steps,
            min(goals.step_order) as first_step,
            max(goals.step_order) as last_step,
            " ~ ordered_string_agg(
                'cast(goals.step_order as string)', "', '", 'goals.step_order'
            ) ~ " as step_list
        from " ~ ref('funnels') ~ " as funnels
        left join " ~ ref('goals') ~ " as goals
            on funnels.funnel_id = goals.funnel_id
        group by funnels.funnel_id
    )
    select 'funnel \"' || funnel_id || '\" has steps ['
        || coalesce(step_list, '') || ']: '
        || case
            when step_count < 2 then 'a funnel needs at least 2 steps'
            when distinct_steps < step_count then 'a step_order is repeated'
            else 'step_order must run 1..' || step_count || ' without gaps'
        end as problem
    from steps
    where step_count < 2
        or distinct_steps < step_count
        or first_step <> 1
        or last_step <> step_count
    union all
    select 'funnel \"' || funnel_id || '\" has ' || step_count
        || ' steps; the project unrolls at most "
        ~ var('funnel_max_steps') ~ " (raise var funnel_max_steps)'
    from steps
    where step_count > " ~ var('funnel_max_steps') ~ "
") }}
