{#- One row per human visitor, funnel and step on the visitor's chain that
    reached deepest with the latest start: when that chain completed each
    step. From that start, each step is the earliest event completing it
    after the previous step (the greedy chain: from a fixed start it
    reaches as deep as any chain does). One pass per step, each joining one
    row per visitor with that visitor's events of the step. -#}
{%- set max_steps = var('funnel_max_steps') | int %}

with

reach as (

    select * from {{ ref('int_funnel_reach') }}
    where visitor_id is not null

),

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}
    where funnel_id is not null

),

step_1 as (

    select
        funnel_id,
        visitor_id,
        steps_reached,
        1 as step_order,
        deepest_chain_started_at as reached_at
    from reach

),
{% for step in range(2, max_steps + 1) %}
step_{{ step }} as (

    select
        previous.funnel_id,
        previous.visitor_id,
        previous.steps_reached,
        {{ step }} as step_order,
        min(goal_events.occurred_at) as reached_at
    from step_{{ step - 1 }} as previous
    inner join goal_events
        on
            previous.visitor_id = goal_events.visitor_id
            and previous.funnel_id = goal_events.funnel_id
            and goal_events.step_order = {{ step }}
            and previous.reached_at < goal_events.occurred_at
    where previous.steps_reached >= {{ step }}
    group by
        previous.funnel_id,
        previous.visitor_id,
        previous.steps_reached

),
{% endfor %}
chain_steps as (

    {% for step in range(1, max_steps + 1) -%}
    select
        funnel_id,
        visitor_id,
        step_order,
        reached_at
    from step_{{ step }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select * from chain_steps

)

select * from final
