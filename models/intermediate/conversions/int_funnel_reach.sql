{#- One row per human visitor and funnel they entered: the cohort date (the
    date of their first step-1 event) and the deepest step reached by any
    chain (SPEC section 3): events e1..ek completing steps 1..k with
    strictly increasing times and tk - t1 <= the funnel's window.

    Level by level, each a single window pass: a step-k event extends a
    chain when some level-(k-1) event strictly before it carries a start
    within the window. Among the chains that could extend, the latest start
    is always the best one, so each level keeps, per event, only the latest
    start: the running max over the earlier level's events. Cost grows with
    the number of step events (n log n for the sort), never with their
    square, however many times a visitor restarts. -#}
{%- set max_steps = var('funnel_max_steps') | int %}

with

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}
    where funnel_id is not null

),

goals as (

    select * from {{ ref('int_goals') }}

),

funnel_events as (

    select
        goal_events.visitor_id,
        goal_events.funnel_id,
        goal_events.step_order,
        goal_events.occurred_at,
        {{ epoch_us('goal_events.occurred_at') }} as occurred_us,
        cast(goals.conversion_window_days as bigint)
        * 86400000000 as window_us
    from goal_events
    inner join goals
        on goal_events.goal_id = goals.goal_id

),

level_1 as (

    select
        visitor_id,
        funnel_id,
        occurred_us,
        window_us,
        occurred_us as start_us
    from funnel_events
    where step_order = 1

),
{% for step in range(2, max_steps + 1) %}
candidates_{{ step }} as (

    select
        visitor_id,
        funnel_id,
        occurred_us,
        window_us,
        start_us,
        false as is_step_event
    from level_{{ step - 1 }}
    union all
    select
        visitor_id,
        funnel_id,
        occurred_us,
        window_us,
        null as start_us,
        true as is_step_event
    from funnel_events
    where step_order = {{ step }}

),

extended_{{ step }} as (

    select
        *,
        max(start_us) over (
            partition by visitor_id, funnel_id
            order by occurred_us
            range between unbounded preceding and 1 preceding
        ) as latest_start_us
    from candidates_{{ step }}

),

level_{{ step }} as (

    select
        visitor_id,
        funnel_id,
        occurred_us,
        window_us,
        latest_start_us as start_us
    from extended_{{ step }}
    where
        is_step_event
        and occurred_us - latest_start_us <= window_us

),
{% endfor %}
reached_levels as (

    {% for step in range(1, max_steps + 1) -%}
    select
        visitor_id,
        funnel_id,
        {{ step }} as step_order,
        max(start_us) as latest_start_us
    from level_{{ step }}
    group by visitor_id, funnel_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

entries as (

    select
        visitor_id,
        funnel_id,
        min(occurred_at) as first_step_at
    from funnel_events
    where step_order = 1
    group by visitor_id, funnel_id

),

deepest as (

    select
        visitor_id,
        funnel_id,
        max(step_order) as steps_reached,
        max_by(latest_start_us, step_order) as deepest_start_us
    from reached_levels
    group by visitor_id, funnel_id

),

final as (

    select
        entries.funnel_id,
        entries.visitor_id,
        {{ event_date('entries.first_step_at') }} as cohort_date,
        entries.first_step_at,
        deepest.steps_reached,
        {{ timestamp_from_epoch_us("deepest.deepest_start_us") }} as deepest_chain_started_at
    from entries
    inner join deepest
        on
            entries.visitor_id = deepest.visitor_id
            and entries.funnel_id = deepest.funnel_id

)

select * from final
