{#- One row per funnel, cohort date and step, segment, from visitor-level
    reach (macro funnel_steps_from_reach), with the cohort's finality
    (docs: finality_rule): final once data_through passes the cohort date's
    end plus the funnel's window. A landing page is a segment of a funnel
    only when at least var min_segment_visitors distinct visitors entered
    the funnel on it (over all cohort dates); the entries on rarer pages
    count once each under (other). -#}
{%- set min_segment_visitors = whole_number_var(
    'min_segment_visitors', var('min_segment_visitors'), 1) %}

with

reach as (

    select * from {{ ref('int_funnel_visitor_reach') }}

),

entries as (

    select * from {{ ref('int_funnel_entries') }}

),

goals as (

    select * from {{ ref('int_goals') }}
    where funnel_id is not null

),

cohort_coverage as (

    select * from {{ ref('int_period_coverage') }}
    where period_grain = 'day'

),

landing_page_visitors as (

    select
        funnel_id,
        landing_page,
        count(distinct visitor_id) as visitors
    from entries
    group by funnel_id, landing_page

),

-- one row per visitor and funnel, the rare landing pages as (other)
segmented_entries as (

    select
        entries.funnel_id,
        entries.visitor_id,
        entries.device_type,
        entries.channel,
        case
            when
                landing_page_visitors.visitors >= {{ min_segment_visitors }}
                or entries.landing_page = '(none)'
                then entries.landing_page
            else '(other)'
        end as landing_page
    from entries
    inner join landing_page_visitors
        on
            entries.funnel_id = landing_page_visitors.funnel_id
            and entries.landing_page = landing_page_visitors.landing_page

),

funnel_windows as (

    select distinct
        funnel_id,
        conversion_window_days
    from goals

),

segmented_reach as (

    {% for segment in ['device_type', 'channel', 'landing_page'] -%}
    select
        reach.funnel_id,
        reach.cohort_date,
        '{{ segment }}' as segment_type,
        segmented_entries.{{ segment }} as segment_value,
        reach.steps_reached
    from reach
    inner join segmented_entries
        on
            reach.funnel_id = segmented_entries.funnel_id
            and reach.visitor_id = segmented_entries.visitor_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

funnel_steps as (

    {{ funnel_steps_from_reach(
        'segmented_reach', 'goals',
        ['cohort_date', 'segment_type', 'segment_value']
    ) }}

),

with_finality as (

    select
        funnel_steps.*,
        cohort_coverage.data_through,
        {{ final_after(
            'cohort_coverage.period_end',
            'funnel_windows.conversion_window_days'
        ) }} as final_after,
        coalesce(cohort_coverage.covers_whole_period, false)
            as covers_whole_period
    from funnel_steps
    left join funnel_windows
        on funnel_steps.funnel_id = funnel_windows.funnel_id
    left join cohort_coverage
        on funnel_steps.cohort_date = cohort_coverage.period_start

),

final as (

    select
        funnel_id,
        funnel_name,
        cohort_date,
        segment_type,
        segment_value,
        step_order,
        goal_id,
        goal_name,
        goal_type,
        visitors_reached,
        visitors_at_previous_step,
        rate_from_previous_step,
        rate_from_previous_step_ci_lower,
        rate_from_previous_step_ci_upper,
        rate_from_first_step,
        rate_from_first_step_ci_lower,
        rate_from_first_step_ci_upper,
        visitors_dropped,
        data_through,
        {{ is_final('data_through', 'final_after') }} as is_final,
        final_after,
        covers_whole_period
    from with_finality

)

select * from final
