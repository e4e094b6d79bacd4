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

final as (

    select
        *,
        cast(converting_visitors as double)
        / nullif(human_visitors, 0) as conversion_rate,
        {{ wilson_lower('converting_visitors', 'human_visitors') }}
            as conversion_rate_ci_lower,
        {{ wilson_upper('converting_visitors', 'human_visitors') }}
            as conversion_rate_ci_upper
    from counted

)

select * from final
