{#- The headline: the macro goals' rows of fct_goal_conversion_rates, with
    the previous period of the same grain and the p-value of the change.
    Only whole periods are compared: the previous period's figures and the
    p-value are null unless both periods cover the whole period. -#}
with

goal_rates as (

    select * from {{ ref('fct_goal_conversion_rates') }}
    where goal_type = 'macro'

),

with_previous as (

    -- a previous period only where both cover the whole period
    select
        current_period.*,
        previous_period.human_visitors as previous_human_visitors,
        previous_period.converting_visitors as previous_converting_visitors,
        previous_period.conversion_rate as previous_conversion_rate
    from goal_rates as current_period
    left join goal_rates as previous_period
        on
            current_period.covers_whole_period
            and previous_period.covers_whole_period
            and current_period.goal_id = previous_period.goal_id
            and current_period.period_grain = previous_period.period_grain
            and previous_period.period_start = case current_period.period_grain
                when 'day' then current_period.period_start - 1
                when 'week' then current_period.period_start - 7
                else cast(current_period.period_start - interval 1 month as date)
            end

),

tested as (

    select
        *,
        {{ two_proportion_z(
            'converting_visitors', 'human_visitors',
            'previous_converting_visitors', 'previous_human_visitors'
        ) }} as change_z
    from with_previous

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
        is_final,
        final_after,
        covers_whole_period,
        previous_human_visitors,
        previous_converting_visitors,
        previous_conversion_rate,
        {{ normal_two_sided_p_value('change_z') }} as change_p_value
    from tested

)

select * from final
