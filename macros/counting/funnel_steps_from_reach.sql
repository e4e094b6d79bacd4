{#- The funnel-step rows of fct_funnel_steps from visitor-level reach:
    `reach` has funnel_id, steps_reached and the `keys` (cohort_date, and a
    segment for fct_funnel_steps_by_segment), one row per visitor; `goals`
    has the funnel steps. One row per funnel, key values and step, for
    every key combination with entrants: visitors reaching at least the
    step, the previous step's, rates and drop-off. -#}
{% macro funnel_steps_from_reach(reach, goals, keys) -%}
    {%- set key_list = keys | join(', ') -%}
    with deepest_counts as (
        select
            funnel_id,
            {{ key_list }},
            steps_reached,
            count(*) as visitors
        from {{ reach }}
        group by funnel_id, {{ key_list }}, steps_reached
    ),

    groups as (
        select distinct
            funnel_id,
            {{ key_list }}
        from deepest_counts
    ),

    steps as (
        select
            groups.*,
            {{ goals }}.funnel_name,
            {{ goals }}.step_order,
            {{ goals }}.goal_id,
            {{ goals }}.goal_name,
            {{ goals }}.goal_type
        from groups
        inner join {{ goals }}
            on groups.funnel_id = {{ goals }}.funnel_id
    ),

    reached as (
        select
            steps.funnel_id,
            {%- for key in keys %}
            steps.{{ key }},
            {%- endfor %}
            steps.funnel_name,
            steps.step_order,
            steps.goal_id,
            steps.goal_name,
            steps.goal_type,
            cast(coalesce(sum(deepest_counts.visitors), 0) as bigint)
                as visitors_reached
        from steps
        left join deepest_counts
            on
                steps.funnel_id = deepest_counts.funnel_id
                {%- for key in keys %}
                and steps.{{ key }} = deepest_counts.{{ key }}
                {%- endfor %}
                and steps.step_order <= deepest_counts.steps_reached
        group by
            steps.funnel_id,
            {%- for key in keys %}
            steps.{{ key }},
            {%- endfor %}
            steps.funnel_name,
            steps.step_order,
            steps.goal_id,
            steps.goal_name,
            steps.goal_type
    ),

    with_previous as (
        select
            *,
            lag(visitors_reached) over (
                partition by funnel_id, {{ key_list }} order by step_order
            ) as visitors_at_previous_step,
            first_value(visitors_reached) over (
                partition by funnel_id, {{ key_list }} order by step_order
            ) as visitors_at_first_step
        from reached
    )

    select
        funnel_id,
        funnel_name,
        {{ key_list }},
        step_order,
        goal_id,
        goal_name,
        goal_type,
        visitors_reached,
        visitors_at_previous_step,
        cast(visitors_reached as double)
        / nullif(visitors_at_previous_step, 0) as rate_from_previous_step,
        {{ wilson_lower('visitors_reached', 'visitors_at_previous_step') }}
            as rate_from_previous_step_ci_lower,
        {{ wilson_upper('visitors_reached', 'visitors_at_previous_step') }}
            as rate_from_previous_step_ci_upper,
        cast(visitors_reached as double)
        / nullif(visitors_at_first_step, 0) as rate_from_first_step,
        {{ wilson_lower('visitors_reached', 'visitors_at_first_step') }}
            as rate_from_first_step_ci_lower,
        {{ wilson_upper('visitors_reached', 'visitors_at_first_step') }}
            as rate_from_first_step_ci_upper,
        visitors_at_previous_step - visitors_reached as visitors_dropped,
        visitors_at_first_step
    from with_previous
{%- endmacro %}
