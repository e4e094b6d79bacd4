{#- One row per period grain, period and goal: the share of the period's
    human visitors who completed the goal, with its Wilson interval and the
    period's finality (docs: finality_rule): final once data_through passes
    the period's end plus var late_event_lookback_days days. -#}
{%- set lookback_days = whole_number_var(
    'late_event_lookback_days', var('late_event_lookback_days')) %}

with

visitor_periods as (

    select * from {{ ref('int_visitor_periods') }}

),

visitor_goal_periods as (

    select * from {{ ref('int_visitor_goal_periods') }}

),

goals as (

    select * from {{ ref('int_goals') }}

),

period_coverage as (

    select * from {{ ref('int_period_coverage') }}

),

periods as (

    select
        period_grain,
        period_start,
        count(*) as human_visitors
    from visitor_periods
    group by period_grain, period_start

),

converters as (

    select
        period_grain,
        period_start,
        goal_id,
        count(*) as converting_visitors
    from visitor_goal_periods
    group by period_grain, period_start, goal_id

),

counted as (

    select
        periods.period_grain,
        periods.period_start,
        goals.goal_id,
        goals.goal_name,
        goals.goal_type,
        goals.funnel_id,
        periods.human_visitors,
        coalesce(converters.converting_visitors, 0) as converting_visitors
    from periods
    cross join goals
    left join converters
        on
            periods.period_grain = converters.period_grain
            and periods.period_start = converters.period_start
            and goals.goal_id = converters.goal_id

),

rated as (

    select
        *,
        cast(converting_visitors as double)
        / nullif(human_visitors, 0) as conversion_rate,
        {{ wilson_lower('converting_visitors', 'human_visitors') }}
            as conversion_rate_ci_lower,
        {{ wilson_upper('converting_visitors', 'human_visitors') }}
            as conversion_rate_ci_upper
    from counted

),

with_finality as (

    select
        rated.*,
        period_coverage.data_through,
        {{ final_after('period_coverage.period_end', lookback_days) }}
            as final_after,
        coalesce(period_coverage.covers_whole_period, false)
            as covers_whole_period
    from rated
    left join period_coverage
        on
            rated.period_grain = period_coverage.period_grain
            and rated.period_start = period_coverage.period_start

),

final as (

    select
        period_grain,
        period_start,
        goal_id,
        goal_name,
        goal_type,
        funnel_id,
        human_visitors,
        converting_visitors,
        conversion_rate,
        conversion_rate_ci_lower,
        conversion_rate_ci_upper,
        data_through,
        {{ is_final('data_through', 'final_after') }} as is_final,
        final_after,
        covers_whole_period
    from with_finality

)

select * from final
