{#- Version 1, deprecated (contract 0.5.0; removed after 2027-06-30):
    the diagnosis as it was until 0.4.0, kept as
    marts.fct_funnel_diagnosis_v1 so that a dashboard can move over to
    version 2 (marts.fct_funnel_diagnosis). Its thresholds are the var
    diagnosis_thresholds_v1. It misreads returning visitors (entry only at
    a visitor's first step-1 event ever) and calls every week complete by
    its own rule rather than the finality rule: see CHANGELOG.md 0.5.0.

    One row per funnel and week (Monday): where does the funnel lose
    visitors this week compared with the four weeks before?

    The week's figures are those of its cohorts (visitors whose cohort date
    falls in the week, fct_funnel_steps summed over the week's dates); the
    trailing figures are the same rates computed from the counts summed
    over the four previous calendar weeks, never averages of rates.

      late_funnel_friction  every micro step after entry (steps 2..n-1)
                            holds its trailing step rate while the macro
                            rate (last step / entrants) falls below its own;
      not_reaching_funnel   otherwise, the entry rate (entrants / the
                            week's human visitors) falls below its own;
      stable                otherwise, and wherever trailing figures are
                            missing (no entrants in the 4 previous weeks).

    A week is complete when the data reach the end of every entrant's
    window: the latest day with counted events is at least week_start + 7
    + the funnel's conversion_window_days. Until then the week's entrants
    can still convert, and its macro rate (so a late_funnel_friction label)
    is provisional.

    Thresholds: the var diagnosis_thresholds_v1.
    rate falls below trailing:  rate <  trailing * (1 - falls_below_relative)
    rate holds at trailing:     rate >= trailing * (1 - holds_relative)
    Both are compared exactly, on the integer counts behind the rates
    (a/b < c/d * x  <=>  a * d * 10^6 < c * b * (x * 10^6)), so a rate
    exactly at the threshold never falls below it through rounding; the
    thresholds are taken to 6 decimal places. -#}
{%- set default_thresholds = {
    'falls_below_relative': 0.10,
    'holds_relative': 0.0,
} %}
{%- set thresholds = var('diagnosis_thresholds_v1', default_thresholds) %}
{%- if thresholds is not mapping %}
    {{ exceptions.raise_compiler_error(
        "var diagnosis_thresholds_v1 must be a mapping with the keys "
        ~ default_thresholds.keys() | join(', ') ~ ", got " ~ thresholds) }}
{%- endif %}
{%- for key in thresholds if key not in default_thresholds %}
    {{ exceptions.raise_compiler_error(
        "var diagnosis_thresholds_v1: unknown key '" ~ key ~ "'; the keys are "
        ~ default_thresholds.keys() | join(', ')) }}
{%- endfor %}
{%- for key in default_thresholds %}
    {%- if key not in thresholds
        or thresholds[key] is not number
        or thresholds[key] is sameas true
        or thresholds[key] is sameas false
        or thresholds[key] < 0
        or thresholds[key] >= 1 %}
        {{ exceptions.raise_compiler_error(
            "var diagnosis_thresholds_v1: " ~ key ~ " must be a number in"
            ~ " [0, 1), got " ~ thresholds.get(key, 'nothing')) }}
    {%- endif %}
{%- endfor %}
{%- set falls_below_relative = thresholds['falls_below_relative'] | float %}
{%- set holds_relative = thresholds['holds_relative'] | float %}
{%- set falls_below_ppm = ((1 - falls_below_relative) * 1000000) | round | int %}
{%- set holds_ppm = ((1 - holds_relative) * 1000000) | round | int %}

with

funnel_steps as (

    select * from {{ ref('fct_funnel_steps') }}

),

visitor_periods as (

    select * from {{ ref('int_visitor_periods') }}
    where period_grain in ('day', 'week')

),

goals as (

    select * from {{ ref('int_goals') }}
    where funnel_id is not null

),

steps as (

    select
        funnel_id,
        funnel_name,
        step_order,
        goal_id,
        conversion_window_days,
        max(step_order) over (partition by funnel_id) as last_step_order
    from goals

),

data_horizon as (

    -- the latest day with counted events: how far the data reach
    select max(period_start) as data_through_date
    from visitor_periods
    where period_grain = 'day'

),

human_weeks as (

    select
        period_start as week_start,
        count(*) as week_human_visitors
    from visitor_periods
    where period_grain = 'week'
    group by period_start

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

weekly_steps as (

    select
        steps.funnel_id,
        steps.funnel_name,
        steps.step_order,
        steps.goal_id,
        steps.conversion_window_days,
        steps.last_step_order,
        weeks.week_start,
        coalesce(human_weeks.week_human_visitors, 0) as week_human_visitors,
        coalesce(cohort_weeks.visitors_reached, 0) as visitors_reached
    from steps
    cross join weeks
    left join human_weeks
        on weeks.week_start = human_weeks.week_start
    left join cohort_weeks
        on
            steps.funnel_id = cohort_weeks.funnel_id
            and steps.step_order = cohort_weeks.step_order
            and weeks.week_start = cohort_weeks.week_start

),

with_trailing as (

    -- the four calendar weeks before the week (weeks without visitors
    -- have no row and add nothing)
    select
        *,
        cast(coalesce(sum(visitors_reached) over previous_weeks, 0) as bigint)
            as trailing_visitors_reached,
        cast(coalesce(sum(week_human_visitors) over previous_weeks, 0) as bigint)
            as trailing_human_visitors,
        cast(coalesce(
            sum(case when visitors_reached > 0 then 1 else 0 end)
                over previous_weeks,
            0
        ) as integer) as trailing_weeks_with_visitors
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
        -- step_rate >= trailing_step_rate * (1 - holds_relative), exactly
        coalesce(
            visitors_at_previous_step > 0
            and trailing_visitors_at_previous_step > 0
            and cast(visitors_reached as decimal(38, 0))
            * trailing_visitors_at_previous_step * 1000000
            >= cast(trailing_visitors_reached as decimal(38, 0))
            * visitors_at_previous_step * {{ holds_ppm }},
            false
        ) as is_holding
    from micro_step_rates

),

micro_summary as (

    select
        funnel_id,
        week_start,
        count(*) as micro_steps,
        count_if(is_holding) as micro_steps_held
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

entries as (

    select
        funnel_id,
        funnel_name,
        conversion_window_days,
        week_start,
        week_human_visitors,
        trailing_human_visitors,
        visitors_reached as entrants,
        trailing_visitors_reached as trailing_entrants,
        trailing_weeks_with_visitors as trailing_weeks
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
        entries.*,
        macro_steps.macro_converters,
        macro_steps.trailing_macro_converters,
        cast(entries.entrants as double)
        / nullif(entries.week_human_visitors, 0) as entry_rate,
        cast(entries.trailing_entrants as double)
        / nullif(entries.trailing_human_visitors, 0) as trailing_entry_rate,
        cast(macro_steps.macro_converters as double)
        / nullif(entries.entrants, 0) as macro_rate,
        cast(macro_steps.trailing_macro_converters as double)
        / nullif(entries.trailing_entrants, 0) as trailing_macro_rate,
        coalesce(micro_summary.micro_steps, 0) as micro_steps,
        -- vacuously true for a funnel without micro steps after entry
        coalesce(micro_summary.micro_steps_held, 0)
        = coalesce(micro_summary.micro_steps, 0) as micro_steps_holding,
        -- entry_rate < trailing_entry_rate * (1 - falls_below_relative)
        coalesce(
            entries.trailing_weeks >= 1
            and entries.week_human_visitors > 0
            and entries.trailing_human_visitors > 0
            and cast(entries.entrants as decimal(38, 0))
            * entries.trailing_human_visitors * 1000000
            < cast(entries.trailing_entrants as decimal(38, 0))
            * entries.week_human_visitors * {{ falls_below_ppm }},
            false
        ) as entry_rate_falls_below,
        -- macro_rate < trailing_macro_rate * (1 - falls_below_relative)
        coalesce(
            entries.trailing_weeks >= 1
            and entries.entrants > 0
            and entries.trailing_entrants > 0
            and cast(macro_steps.macro_converters as decimal(38, 0))
            * entries.trailing_entrants * 1000000
            < cast(macro_steps.trailing_macro_converters as decimal(38, 0))
            * entries.entrants * {{ falls_below_ppm }},
            false
        ) as macro_rate_falls_below,
        weakest_micro_steps.step_order as weakest_micro_step_order,
        weakest_micro_steps.goal_id as weakest_micro_goal_id,
        weakest_micro_steps.step_rate as weakest_micro_step_rate,
        weakest_micro_steps.trailing_step_rate
            as weakest_micro_step_trailing_rate,
        dropoffs.step_order as largest_dropoff_step_order,
        dropoffs.goal_id as largest_dropoff_goal_id,
        dropoffs.visitors_dropped as largest_dropoff_visitors,
        data_horizon.data_through_date,
        coalesce(
            data_horizon.data_through_date >= {{ dbt.dateadd(
                'day', '7 + entries.conversion_window_days',
                'entries.week_start') }},
            false
        ) as is_complete
    from entries
    inner join macro_steps
        on
            entries.funnel_id = macro_steps.funnel_id
            and entries.week_start = macro_steps.week_start
    left join micro_summary
        on
            entries.funnel_id = micro_summary.funnel_id
            and entries.week_start = micro_summary.week_start
    left join weakest_micro_steps
        on
            entries.funnel_id = weakest_micro_steps.funnel_id
            and entries.week_start = weakest_micro_steps.week_start
            and weakest_micro_steps.weakness_rank = 1
    left join dropoffs
        on
            entries.funnel_id = dropoffs.funnel_id
            and entries.week_start = dropoffs.week_start
            and dropoffs.dropoff_rank = 1
            and dropoffs.visitors_dropped > 0
    cross join data_horizon

),

final as (

    select
        funnel_id,
        funnel_name,
        week_start,
        week_human_visitors,
        entrants,
        macro_converters,
        entry_rate,
        macro_rate,
        trailing_weeks,
        trailing_human_visitors,
        trailing_entrants,
        trailing_macro_converters,
        trailing_entry_rate,
        trailing_macro_rate,
        micro_steps,
        micro_steps_holding,
        weakest_micro_step_order,
        weakest_micro_goal_id,
        weakest_micro_step_rate,
        weakest_micro_step_trailing_rate,
        largest_dropoff_step_order,
        largest_dropoff_goal_id,
        largest_dropoff_visitors,
        entry_rate_falls_below,
        macro_rate_falls_below,
        case
            when micro_steps_holding and macro_rate_falls_below
                then 'late_funnel_friction'
            when entry_rate_falls_below
                then 'not_reaching_funnel'
            else 'stable'
        end as diagnosis,
        cast({{ falls_below_relative }} as double) as falls_below_relative,
        cast({{ holds_relative }} as double) as holds_relative,
        data_through_date,
        is_complete
    from figures

)

select * from final
