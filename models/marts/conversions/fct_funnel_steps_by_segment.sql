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

segmented_reach as (

    {% for segment in ['device_type', 'channel', 'landing_page'] -%}
    select
        reach.funnel_id,
        reach.cohort_date,
        '{{ segment }}' as segment_type,
        entries.{{ segment }} as segment_value,
        reach.steps_reached
    from reach
    inner join entries
        on
            reach.funnel_id = entries.funnel_id
            and reach.visitor_id = entries.visitor_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

funnel_steps as (

    {{ funnel_steps_from_reach(
        'segmented_reach', 'goals',
        ['cohort_date', 'segment_type', 'segment_value']
    ) }}

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
        visitors_dropped
    from funnel_steps

)

select * from final
