{#- One row per month, micro goal and macro goal: does completing the micro
    goal go with completing the macro goal? Over the human visitors active
    in the month:

      A (with micro)    completed the micro goal in the month; converted
                        when they completed the macro goal strictly after
                        their first micro completion of the month and
                        within the macro goal's funnel window of it
                        (t_macro - t_first_micro <= window, inclusive), even
                        in the next month;
      B (without micro) active in the month without the micro goal;
                        converted when they completed the macro goal in
                        the month.

    micro_goal_role keeps the macro goal's own funnel steps (whose lift is
    the funnel's progression) apart from standalone micro goals.

    Linear in events: each visitor's first micro completion per goal and
    month is joined to that visitor's macro events only; B's converters are
    the month's macro converters minus those who are in A. -#}
with

visitor_periods as (

    select * from {{ ref('int_visitor_periods') }}
    where period_grain = 'month'

),

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}

),

goals as (

    select * from {{ ref('int_goals') }}

),

micro_goals as (

    select
        goal_id as micro_goal_id,
        goal_name as micro_goal_name,
        funnel_id as micro_funnel_id
    from goals
    where goal_type = 'micro'

),

macro_goals as (

    select
        goal_id as macro_goal_id,
        goal_name as macro_goal_name,
        funnel_id,
        cast(conversion_window_days as bigint) * 86400000000 as window_us
    from goals
    where goal_type = 'macro'

),

months as (

    select
        period_start,
        count(*) as visitors_active
    from visitor_periods
    group by period_start

),

micro_events as (

    select
        goal_events.visitor_id,
        goal_events.goal_id as micro_goal_id,
        {{ period_start('month', 'goal_events.activity_date') }}
            as period_start,
        goal_events.occurred_at
    from goal_events
    inner join micro_goals
        on goal_events.goal_id = micro_goals.micro_goal_id

),

first_micro as (

    select
        visitor_id,
        micro_goal_id,
        period_start,
        {{ epoch_us('min(occurred_at)') }} as first_micro_us
    from micro_events
    group by visitor_id, micro_goal_id, period_start

),

macro_events as (

    select
        goal_events.visitor_id,
        macro_goals.macro_goal_id,
        {{ period_start('month', 'goal_events.activity_date') }}
            as period_start,
        {{ epoch_us('goal_events.occurred_at') }} as occurred_us,
        macro_goals.window_us
    from goal_events
    inner join macro_goals
        on goal_events.goal_id = macro_goals.macro_goal_id

),

with_micro_converted as (

    select distinct
        first_micro.period_start,
        first_micro.micro_goal_id,
        macro_events.macro_goal_id,
        first_micro.visitor_id
    from first_micro
    inner join macro_events
        on
            first_micro.visitor_id = macro_events.visitor_id
            and first_micro.first_micro_us < macro_events.occurred_us
            and macro_events.occurred_us - first_micro.first_micro_us
            <= macro_events.window_us

),

macro_in_month as (

    select distinct
        visitor_id,
        macro_goal_id,
        period_start
    from macro_events

),

with_micro_counts as (

    select
        period_start,
        micro_goal_id,
        count(*) as visitors_with_micro
    from first_micro
    group by period_start, micro_goal_id

),

with_micro_converter_counts as (

    select
        period_start,
        micro_goal_id,
        macro_goal_id,
        count(*) as with_micro_macro_converters
    from with_micro_converted
    group by period_start, micro_goal_id, macro_goal_id

),

macro_month_counts as (

    select
        period_start,
        macro_goal_id,
        count(*) as macro_converters
    from macro_in_month
    group by period_start, macro_goal_id

),

macro_month_with_micro_counts as (

    -- the month's macro converters who also completed the micro goal in
    -- the month: they are in A, so not in B
    select
        macro_in_month.period_start,
        first_micro.micro_goal_id,
        macro_in_month.macro_goal_id,
        count(*) as macro_converters_with_micro
    from macro_in_month
    inner join first_micro
        on
            macro_in_month.visitor_id = first_micro.visitor_id
            and macro_in_month.period_start = first_micro.period_start
    group by
        macro_in_month.period_start,
        first_micro.micro_goal_id,
        macro_in_month.macro_goal_id

),

grid as (

    select
        months.period_start,
        months.visitors_active,
        micro_goals.micro_goal_id,
        micro_goals.micro_goal_name,
        macro_goals.macro_goal_id,
        macro_goals.macro_goal_name,
        macro_goals.funnel_id,
        coalesce(micro_goals.micro_funnel_id = macro_goals.funnel_id, false)
            as is_micro_step_of_macro_funnel,
        case
            when micro_goals.micro_funnel_id = macro_goals.funnel_id
                then 'funnel_step'
            when micro_goals.micro_funnel_id is not null
                then 'other_funnel_step'
            else 'standalone'
        end as micro_goal_role
    from months
    cross join micro_goals
    cross join macro_goals

),

counted as (

    select
        grid.*,
        coalesce(with_micro_counts.visitors_with_micro, 0)
            as visitors_with_micro,
        coalesce(with_micro_converter_counts.with_micro_macro_converters, 0)
            as with_micro_macro_converters,
        coalesce(macro_month_counts.macro_converters, 0)
        - coalesce(
            macro_month_with_micro_counts.macro_converters_with_micro, 0
        ) as without_micro_macro_converters
    from grid
    left join with_micro_counts
        on
            grid.period_start = with_micro_counts.period_start
            and grid.micro_goal_id = with_micro_counts.micro_goal_id
    left join with_micro_converter_counts
        on
            grid.period_start = with_micro_converter_counts.period_start
            and grid.micro_goal_id = with_micro_converter_counts.micro_goal_id
            and grid.macro_goal_id = with_micro_converter_counts.macro_goal_id
    left join macro_month_counts
        on
            grid.period_start = macro_month_counts.period_start
            and grid.macro_goal_id = macro_month_counts.macro_goal_id
    left join macro_month_with_micro_counts
        on
            grid.period_start = macro_month_with_micro_counts.period_start
            and grid.micro_goal_id = macro_month_with_micro_counts.micro_goal_id
            and grid.macro_goal_id
            = macro_month_with_micro_counts.macro_goal_id

),

rates as (

    select
        *,
        visitors_active - visitors_with_micro as visitors_without_micro,
        cast(with_micro_macro_converters as double)
        / nullif(visitors_with_micro, 0) as with_micro_macro_rate,
        cast(without_micro_macro_converters as double)
        / nullif(visitors_active - visitors_with_micro, 0)
            as without_micro_macro_rate
    from counted

),

lifts as (

    select
        *,
        with_micro_macro_rate / nullif(without_micro_macro_rate, 0) as lift
    from rates

),

final as (

    select
        period_start,
        micro_goal_id,
        micro_goal_name,
        macro_goal_id,
        macro_goal_name,
        funnel_id,
        is_micro_step_of_macro_funnel,
        visitors_active,
        visitors_with_micro,
        visitors_without_micro,
        with_micro_macro_converters,
        without_micro_macro_converters,
        with_micro_macro_rate,
        without_micro_macro_rate,
        lift,
        micro_goal_role
    from lifts

)

select * from final
