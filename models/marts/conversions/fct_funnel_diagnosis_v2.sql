{#- One row per funnel and week (Monday): where does the funnel lose
    visitors this week compared with the four weeks before?

    The week's figures:
      entry rate   entrants / the week's human visitors, where entrants
                   are the human visitors who completed step 1 in the week,
                   whenever they first entered the funnel;
      step rates   from the week's cohorts (visitors whose cohort date falls
                   in the week, fct_funnel_steps summed over its dates):
                   micro step k (2..n-1) reached k / reached k-1, macro
                   rate reached n / reached 1 (the cohort entrants).
    Trailing figures are the same rates from the counts summed over the four
    previous calendar weeks, never averages of rates.

      insufficient_data     no trailing week with entrants, or the week or
                            its trailing weeks have fewer entrants, or fewer
                            cohort entrants, than min_entrants;
      not_reaching_funnel   otherwise, the entry rate or any micro step
                            rate falls below its trailing rate;
      late_funnel_friction  otherwise, the macro rate falls below its own;
      stable                otherwise.

    A rate falls below its trailing rate when rate < trailing * (1 -
    falls_below_relative), compared exactly on the integer counts behind
    the rates (a/b < c/d * x  <=>  a * d * 10^6 < c * b * (x * 10^6)), so a
    rate exactly at the threshold never falls below it through rounding;
    the threshold is taken to 6 decimal places. Settings: the var
    diagnosis_thresholds (docs/operations.md "Configuration").

    Finality (docs: finality_rule): the week's rates are final once the
    data pass its end plus late_event_lookback_days, its cohorts' once they
    pass its end plus the funnel's window: the row is final after the later
    of the two. is_complete is is_final. -#}
{%- set default_thresholds = {
    'falls_below_relative': 0.10,
    'min_entrants': 30,
} %}
{%- set thresholds = var('diagnosis_thresholds', default_thresholds) %}
{%- if thresholds is not mapping %}
    {{ exceptions.raise_compiler_error(
        "var diagnosis_thresholds must be a mapping with the keys "
        ~ default_thresholds.keys() | join(', ') ~ ", got " ~ thresholds) }}
{%- endif %}
{%- if 'holds_relative' in thresholds %}
    {{ exceptions.raise_compiler_error(
        "var diagnosis_thresholds: holds_relative is no longer used: a micro"
        ~ " step now falls below its trailing rate by falls_below_relative,"
        ~ " like the entry and macro rates (CHANGELOG); remove it") }}
{%- endif %}
{%- for key in thresholds if key not in default_thresholds %}
    {{ exceptions.raise_compiler_error(
        "var diagnosis_thresholds: unknown key '" ~ key ~ "'; the keys are "
        ~ default_thresholds.keys() | join(', ')) }}
{%- endfor %}
{%- set falls_below_relative = thresholds.get('falls_below_relative') %}
{%- if falls_below_relative is not number
    or falls_below_relative is sameas true
    or falls_below_relative is sameas false
    or falls_below_relative < 0
    or falls_below_relative >= 1 %}
    {{ exceptions.raise_compiler_error(
        "var diagnosis_thresholds: falls_below_relative must be a number in"
        ~ " [0, 1), got " ~ thresholds.get('falls_below_relative', 'nothing')) }}
{%- endif %}
{%- set min_entrants = whole_number_var(
    'diagnosis_thresholds.min_entrants',
    thresholds.get('min_entrants', 'nothing')) %}
{%- set falls_below_ppm = ((1 - falls_below_relative) * 1000000) | round | int %}
{%- set lookback_days = whole_number_var(
    'late_event_lookback_days', var('late_event_lookback_days')) %}

with

funnel_steps as (

    select * from {{ ref('fct_funnel_steps') }}

),

visitor_periods as (

    select * from {{ ref('int_visitor_periods') }}
    where period_grain = 'week'

),

visitor_goal_periods as (

    select * from {{ ref('int_visitor_goal_periods') }}
    where period_grain = 'week'

),

goals as (

    select * from {{ ref('int_goals') }}
    where funnel_id is not null

),

week_coverage as (

    select * from {{ ref('int_period_coverage') }}
    where period_grain = 'week'

),

steps as (

    select
        funnel_id,
        funnel_name,
        step_order,
        goal_id,
        conversion_window_days,
        coalesce(order_mode = 'any_order', false) as is_any_order,
        max(step_order) over (partition by funnel_id) as last_step_order
    from goals

),

funnels as (

    select distinct
        funnel_id,
        funnel_name,
        conversion_window_days
    from steps

),

human_weeks as (

    select
        period_start as week_start,
        count(*) as week_human_visitors
    from visitor_periods
    group by period_start

),

entrant_weeks as (

    -- visitors who completed step 1 in the week (order_mode any_order: any
    -- step, SPEC 5), whenever they first did
    select
        steps.funnel_id,
        visitor_goal_periods.period_start as week_start,
        count(distinct visitor_goal_periods.visitor_id) as entrants
    from visitor_goal_periods
    inner join steps
        on
            visitor_goal_periods.goal_id = steps.goal_id
            and (steps.step_order = 1 or steps.is_any_order)
    group by steps.funnel_id, visitor_goal_periods.period_start

),

cohort_steps as (

    select
        funnel_id,
        step_order,
        {{ period_start('week', 'cohort_date') }} as week_start,
        visitors_reached
    from funnel_steps

),

cohort_weeks as (

    select
        funnel_id,
        step_order,
        week_start,
        cast(sum(visitors_reached) as bigint) as visitors_reached
    from cohort_steps
    group by funnel_id, step_order, week_start

),

weeks as (

    select week_start from human_weeks
    union
    select week_start from cohort_weeks

),

funnel_weeks as (

    select
        funnels.funnel_id,
        funnels.funnel_name,
        funnels.conversion_window_days,
        weeks.week_start,
        coalesce(human_weeks.week_human_visitors, 0) as week_human_visitors,
        coalesce(entrant_weeks.entrants, 0) as entrants
    from funnels
    cross join weeks
    left join human_weeks
        on weeks.week_start = human_weeks.week_start
    left join entrant_weeks
        on
            funnels.funnel_id = entrant_weeks.funnel_id
            and weeks.week_start = entrant_weeks.week_start

),

funnel_weeks_trailing as (

    -- the four calendar weeks before the week (weeks without visitors
    -- have no row and add nothing)
    select
        *,
        cast(coalesce(sum(week_human_visitors) over previous_weeks, 0) as bigint)
            as trailing_human_visitors,
        cast(coalesce(sum(entrants) over previous_weeks, 0) as bigint)
            as trailing_entrants,
        cast(coalesce(
            sum(case when entrants > 0 then 1 else 0 end) over previous_weeks,
            0
        ) as integer) as trailing_weeks
    from funnel_weeks
    window previous_weeks as (
        partition by funnel_id
        order by week_start
        range between interval 28 days preceding and interval 7 days preceding
    )

),

weekly_steps as (

    select
        steps.funnel_id,
        steps.step_order,
        steps.goal_id,
        steps.last_step_order,
        weeks.week_start,
        coalesce(cohort_weeks.visitors_reached, 0) as visitors_reached
    from steps
    cross join weeks
    left join cohort_weeks
        on
            steps.funnel_id = cohort_weeks.funnel_id
            and steps.step_order = cohort_weeks.step_order
            and weeks.week_start = cohort_weeks.week_start

),

with_trailing as (

    select
        *,
        cast(coalesce(sum(visitors_reached) over previous_weeks, 0) as bigint)
            as trailing_visitors_reached
    from weekly_steps
    window previous_weeks as (
        partition by funnel_id, step_order
        order by week_start
        range between interval 28 days preceding and interval 7 days preceding
    )

),

with_previous_step as (

    select
        *,
        lag(visitors_reached) over funnel_week as visitors_at_previous_step,
        lag(trailing_visitors_reached) over funnel_week
            as trailing_visitors_at_previous_step
    from with_trailing
    window funnel_week as (
        partition by funnel_id, week_start
        order by step_order
    )

),

micro_step_rates as (

    -- steps 2..n-1: the micro steps after entry
    select
        funnel_id,
        week_start,
        step_order,
        goal_id,
        visitors_reached,
        visitors_at_previous_step,
        trailing_visitors_reached,
        trailing_visitors_at_previous_step,
        cast(visitors_reached as double)
        / nullif(visitors_at_previous_step, 0) as step_rate,
        cast(trailing_visitors_reached as double)
        / nullif(trailing_visitors_at_previous_step, 0) as trailing_step_rate
    from with_previous_step
    where step_order between 2 and last_step_order - 1

),

micro_steps as (

    select
        *,
        -- step_rate / trailing_step_rate, from the counts in one division;
        -- null without a rate or a trailing rate above 0 (the counts never
        -- grow along the funnel, so the trailing count at the step before
        -- is 0 only when the trailing count at the step is too)
        cast(visitors_reached * trailing_visitors_at_previous_step as double)
        / nullif(visitors_at_previous_step * trailing_visitors_reached, 0)
            as rate_to_trailing,
        -- step_rate < trailing_step_rate * (1 - falls_below_relative),
        -- exactly; false without both rates
        coalesce(
            visitors_at_previous_step > 0
            and trailing_visitors_at_previous_step > 0
            and cast(visitors_reached as decimal(38, 0))
            * trailing_visitors_at_previous_step * 1000000
            < cast(trailing_visitors_reached as decimal(38, 0))
            * visitors_at_previous_step * {{ falls_below_ppm }},
            false
        ) as is_falling
    from micro_step_rates

),

micro_summary as (

    select
        funnel_id,
        week_start,
        count(*) as micro_steps,
        count_if(is_falling) as micro_steps_falling
    from micro_steps
    group by funnel_id, week_start

),

weakest_micro_steps as (

    -- lowest step_rate / trailing_step_rate; ties: the earliest step
    select
        funnel_id,
        week_start,
        step_order,
        goal_id,
        step_rate,
        trailing_step_rate,
        row_number() over (
            partition by funnel_id, week_start
            order by rate_to_trailing, step_order
        ) as weakness_rank
    from micro_steps
    where rate_to_trailing is not null

),

dropoffs as (

    -- largest visitors_dropped of steps 2..n; ties: the earliest step
    select
        funnel_id,
        week_start,
        step_order,
        goal_id,
        visitors_at_previous_step - visitors_reached as visitors_dropped,
        row_number() over (
            partition by funnel_id, week_start
            order by visitors_at_previous_step - visitors_reached desc, step_order
        ) as dropoff_rank
    from with_previous_step
    where step_order >= 2

),

cohort_entries as (

    select
        funnel_id,
        week_start,
        visitors_reached as cohort_entrants,
        trailing_visitors_reached as trailing_cohort_entrants
    from with_trailing
    where step_order = 1

),

macro_steps as (

    select
        funnel_id,
        week_start,
        visitors_reached as macro_converters,
        trailing_visitors_reached as trailing_macro_converters
    from with_trailing
    where step_order = last_step_order

),

figures as (

    select
        funnel_weeks_trailing.*,
        cohort_entries.cohort_entrants,
        cohort_entries.trailing_cohort_entrants,
        macro_steps.macro_converters,
        macro_steps.trailing_macro_converters,
        cast(funnel_weeks_trailing.entrants as double)
        / nullif(funnel_weeks_trailing.week_human_visitors, 0) as entry_rate,
        cast(funnel_weeks_trailing.trailing_entrants as double)
        / nullif(funnel_weeks_trailing.trailing_human_visitors, 0)
            as trailing_entry_rate,
        cast(macro_steps.macro_converters as double)
        / nullif(cohort_entries.cohort_entrants, 0) as macro_rate,
        cast(macro_steps.trailing_macro_converters as double)
        / nullif(cohort_entries.trailing_cohort_entrants, 0)
            as trailing_macro_rate,
        coalesce(micro_summary.micro_steps, 0) as micro_steps,
        coalesce(micro_summary.micro_steps_falling, 0) > 0
            as micro_step_falls_below,
        -- entry_rate < trailing_entry_rate * (1 - falls_below_relative)
        coalesce(
            funnel_weeks_trailing.trailing_weeks >= 1
            and funnel_weeks_trailing.week_human_visitors > 0
            and funnel_weeks_trailing.trailing_human_visitors > 0
            and cast(funnel_weeks_trailing.entrants as decimal(38, 0))
            * funnel_weeks_trailing.trailing_human_visitors * 1000000
            < cast(funnel_weeks_trailing.trailing_entrants as decimal(38, 0))
            * funnel_weeks_trailing.week_human_visitors * {{ falls_below_ppm }},
            false
        ) as entry_rate_falls_below,
        -- macro_rate < trailing_macro_rate * (1 - falls_below_relative)
        coalesce(
            funnel_weeks_trailing.trailing_weeks >= 1
            and cohort_entries.cohort_entrants > 0
            and cohort_entries.trailing_cohort_entrants > 0
            and cast(macro_steps.macro_converters as decimal(38, 0))
            * cohort_entries.trailing_cohort_entrants * 1000000
            < cast(macro_steps.trailing_macro_converters as decimal(38, 0))
            * cohort_entries.cohort_entrants * {{ falls_below_ppm }},
            false
        ) as macro_rate_falls_below,
        (
            funnel_weeks_trailing.trailing_weeks = 0
            or funnel_weeks_trailing.entrants < {{ min_entrants }}
            or funnel_weeks_trailing.trailing_entrants < {{ min_entrants }}
            or cohort_entries.cohort_entrants < {{ min_entrants }}
            or cohort_entries.trailing_cohort_entrants < {{ min_entrants }}
        ) as is_insufficient,
        weakest_micro_steps.step_order as weakest_micro_step_order,
        weakest_micro_steps.goal_id as weakest_micro_goal_id,
        weakest_micro_steps.step_rate as weakest_micro_step_rate,
        weakest_micro_steps.trailing_step_rate
            as weakest_micro_step_trailing_rate,
        dropoffs.step_order as largest_dropoff_step_order,
        dropoffs.goal_id as largest_dropoff_goal_id,
        dropoffs.visitors_dropped as largest_dropoff_visitors,
        week_coverage.data_through,
        -- the later of the week's rates' bound (lookback) and its last
        -- cohort day's (the funnel's window)
        {{ final_after(
            'week_coverage.period_end',
            'greatest(funnel_weeks_trailing.conversion_window_days, '
            ~ lookback_days ~ ')'
        ) }} as final_after,
        coalesce(week_coverage.covers_whole_period, false)
            as covers_whole_period
    from funnel_weeks_trailing
    inner join cohort_entries
        on
            funnel_weeks_trailing.funnel_id = cohort_entries.funnel_id
            and funnel_weeks_trailing.week_start = cohort_entries.week_start
    inner join macro_steps
        on
            funnel_weeks_trailing.funnel_id = macro_steps.funnel_id
            and funnel_weeks_trailing.week_start = macro_steps.week_start
    left join micro_summary
        on
            funnel_weeks_trailing.funnel_id = micro_summary.funnel_id
            and funnel_weeks_trailing.week_start = micro_summary.week_start
    left join weakest_micro_steps
        on
            funnel_weeks_trailing.funnel_id = weakest_micro_steps.funnel_id
            and funnel_weeks_trailing.week_start = weakest_micro_steps.week_start
            and weakest_micro_steps.weakness_rank = 1
    left join dropoffs
        on
            funnel_weeks_trailing.funnel_id = dropoffs.funnel_id
            and funnel_weeks_trailing.week_start = dropoffs.week_start
            and dropoffs.dropoff_rank = 1
            and dropoffs.visitors_dropped > 0
    left join week_coverage
        on funnel_weeks_trailing.week_start = week_coverage.period_start

),

final as (

    select
        funnel_id,
        funnel_name,
        week_start,
        week_human_visitors,
        entrants,
        cohort_entrants,
        macro_converters,
        entry_rate,
        macro_rate,
        trailing_weeks,
        trailing_human_visitors,
        trailing_entrants,
        trailing_cohort_entrants,
        trailing_macro_converters,
        trailing_entry_rate,
        trailing_macro_rate,
        micro_steps,
        weakest_micro_step_order,
        weakest_micro_goal_id,
        weakest_micro_step_rate,
        weakest_micro_step_trailing_rate,
        largest_dropoff_step_order,
        largest_dropoff_goal_id,
        largest_dropoff_visitors,
        entry_rate_falls_below,
        micro_step_falls_below,
        macro_rate_falls_below,
        case
            when is_insufficient then 'insufficient_data'
            when entry_rate_falls_below or micro_step_falls_below
                then 'not_reaching_funnel'
            when macro_rate_falls_below then 'late_funnel_friction'
            else 'stable'
        end as diagnosis,
        cast({{ falls_below_relative }} as double) as falls_below_relative,
        cast({{ min_entrants }} as bigint) as min_entrants,
        {{ event_date('data_through') }} as data_through_date,
        {{ is_final('data_through', 'final_after') }} as is_complete,
        data_through,
        {{ is_final('data_through', 'final_after') }} as is_final,
        final_after,
        covers_whole_period
    from figures

)

select * from final
