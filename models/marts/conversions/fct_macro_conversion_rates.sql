with

goal_rates as (

    select * from {{ ref('fct_goal_conversion_rates') }}

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
        conversion_rate
    from goal_rates
    where goal_type = 'macro'

)

select * from final
