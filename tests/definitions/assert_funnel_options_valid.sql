-- The optional columns of SPEC section 5, where set: order_mode is
-- ordered, strict or any_order; count_within is visitor or session;
-- hold_constant is a key of letters, digits and _; a goal's
-- max_hours_from_previous_step is > 0 and only on a funnel step >= 2; an
-- exclusion names a known funnel and an event, with
-- 1 <= from_step < to_step <= the funnel's last step.
{%- set order_mode = seed_column(ref('funnels'), 'order_mode', 'string',
    'funnels') %}
{%- set count_within = seed_column(ref('funnels'), 'count_within', 'string',
    'funnels') %}
{%- set hold_constant = seed_column(ref('funnels'), 'hold_constant',
    'string', 'funnels') %}
{%- set max_hours = seed_column(ref('goals'), 'max_hours_from_previous_step',
    'double', 'goals') %}
{{ fail_with_problems("
    with options as (
        select
            funnel_id,
            nullif(trim(" ~ order_mode ~ "), '') as order_mode,
            nullif(trim(" ~ count_within ~ "), '') as count_within,
            nullif(trim(" ~ hold_constant ~ "), '') as hold_constant
        from " ~ ref('funnels') ~ " as funnels
    ),
    steps as (
        select funnel_id, max(step_order) as last_step
        from " ~ ref('goals') ~ "
        where funnel_id is not null
        group by funnel_id
    ),
    exclusions as (
        select
            exclusions.*,
            steps.last_step,
            known.funnel_id as known_funnel_id
        from " ~ ref('funnel_exclusions') ~ " as exclusions
        left join " ~ ref('funnels') ~ " as known
            on exclusions.funnel_id = known.funnel_id
        left join steps
            on exclusions.funnel_id = steps.funnel_id
    )
    select 'funnel \"' || funnel_id || '\" has order_mode \"' || order_mode
        || '\" (expected ordered, strict or any_order)' as problem
    from options
    where order_mode not in ('ordered', 'strict', 'any_order')
    union all
    select 'funnel \"' || funnel_id || '\" has count_within \"'
        || count_within || '\" (expected visitor or session)'
    from options
    where count_within not in ('visitor', 'session')
    union all
    select 'funnel \"' || funnel_id || '\" has hold_constant \"'
        || hold_constant || '\" (expected a property key of letters, '
        || 'digits and _)'
    from options
    where not " ~ regexp_contains('hold_constant', "'^[A-Za-z0-9_]+$'") ~ "
    union all
    select 'goal \"' || goal_id || '\" has max_hours_from_previous_step '
        || cast(" ~ max_hours ~ " as string) || ' (expected a number > 0)'
    from " ~ ref('goals') ~ " as goals
    where " ~ max_hours ~ " <= 0
    union all
    select 'goal \"' || goal_id || '\" has max_hours_from_previous_step '
        || 'but is ' || case when step_order is null then 'no funnel step'
            else 'step ' || cast(step_order as string) end
        || ' (expected only on a step >= 2)'
    from " ~ ref('goals') ~ " as goals
    where " ~ max_hours ~ " is not null
        and (step_order is null or funnel_id is null or step_order < 2)
    union all
    select 'an exclusion of funnel \"' || coalesce(funnel_id, '')
        || '\" names an unknown funnel'
    from exclusions
    where known_funnel_id is null
    union all
    select 'an exclusion of funnel \"' || funnel_id || '\" has no event_name'
    from exclusions
    where known_funnel_id is not null and " ~ is_blank('event_name') ~ "
    union all
    select 'an exclusion of funnel \"' || funnel_id || '\" (event \"'
        || coalesce(event_name, '') || '\") has from_step '
        || coalesce(cast(from_step as string), 'empty') || ' and to_step '
        || coalesce(cast(to_step as string), 'empty')
        || ' (expected 1 <= from_step < to_step <= '
        || coalesce(cast(last_step as string), '0') || ', the last step)'
    from exclusions
    where known_funnel_id is not null and (
        from_step is null or to_step is null or from_step < 1
        or from_step >= to_step or to_step > coalesce(last_step, 0)
    )
") }}
