{#- The funnel chain (SPEC section 3), computed once, level by level: one
    row per human visitor, funnel, step k and event completing step k that
    ends a chain e1..ek (events completing steps 1..k with strictly
    increasing times, tk - t1 <= the funnel's window), carrying the latest
    start t1 among the chains it ends (chain_started_at). Level 1 is every
    step-1 event, its own start.

    Each level is one window pass over a chain scope (chain_scope below):
    the previous level's rows and the step's events, in time order. A
    step-k event extends the chains that end strictly before it; of those,
    the latest start is always the best (whatever comes next, it leaves the
    most of the window), so each row keeps only that start: the running max
    of the previous level's starts. Cost grows with the number of step
    events (n log n for the sort), never with their square, however many
    times a visitor restarts.

    Within a scope and level, the starts never decrease with time (each is
    a running max), so the latest start before an event is the start of the
    previous level's latest row before it: the chain's step k-1.

    Read from here (nothing else computes a chain):
      - reach (int_funnel_visitor_reach): the deepest level with a row, the
        latest start at that level, the first step-1 event;
      - the step times of the deepest chain (fct_funnel_step_timing): at
        each level, the earliest row carrying that chain's start.

    Where the funnel options of SPEC section 5 go:
      - a chain scope (count_within session, hold_constant): more columns
        in chain_scope, taken along in step_events, whose where drops the
        events that join no chain (no session id, no property value); a
        chain is then named by its scope and start, so reach takes the
        deepest chain's scope along for the timing;
      - a bound between consecutive steps (max_hours_from_previous_step):
        one more predicate in level_k on the time of the chain's step k-1
        (the max of the previous level's occurred_us over the same window
        as latest_start_us);
      - strict order: the same, on the rank of the events among all of the
        visitor's events: step k-1 must be the event just before. -#}
{%- set max_steps = var('funnel_max_steps') | int %}
{#- The events a chain may combine: one partition of each window pass. -#}
{%- set chain_scope = ['funnel_id', 'visitor_id'] %}
{%- set scope_columns = chain_scope | join(', ') %}

with

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}
    where funnel_id is not null

),

goals as (

    select * from {{ ref('int_goals') }}

),

step_events as (

    -- one row per event and funnel step it completes
    select
        goal_events.funnel_id,
        goal_events.visitor_id,
        goal_events.step_order,
        {{ epoch_us('goal_events.occurred_at') }} as occurred_us,
        cast(goals.conversion_window_days as bigint)
        * 86400000000 as window_us
    from goal_events
    inner join goals
        on goal_events.goal_id = goals.goal_id

),

level_1 as (

    select
        {{ scope_columns }},
        occurred_us,
        window_us,
        occurred_us as start_us
    from step_events
    where step_order = 1

),
{% for step in range(2, max_steps + 1) %}
candidates_{{ step }} as (

    select
        {{ scope_columns }},
        occurred_us,
        window_us,
        start_us,
        false as is_step_event
    from level_{{ step - 1 }}
    union all
    select
        {{ scope_columns }},
        occurred_us,
        window_us,
        null as start_us,
        true as is_step_event
    from step_events
    where step_order = {{ step }}

),

extended_{{ step }} as (

    select
        *,
        max(start_us) over (
            partition by {{ scope_columns }}
            order by occurred_us
            range between unbounded preceding and 1 preceding
        ) as latest_start_us
    from candidates_{{ step }}

),

level_{{ step }} as (

    select
        {{ scope_columns }},
        occurred_us,
        window_us,
        latest_start_us as start_us
    from extended_{{ step }}
    where
        is_step_event
        and occurred_us - latest_start_us <= window_us

),
{% endfor %}
chain as (

    {% for step in range(1, max_steps + 1) -%}
    select
        {{ scope_columns }},
        {{ step }} as step_order,
        occurred_us,
        start_us
    from level_{{ step }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        {{ scope_columns }},
        step_order,
        {{ timestamp_from_epoch_us('occurred_us') }} as occurred_at,
        {{ timestamp_from_epoch_us('start_us') }} as chain_started_at
    from chain

)

select * from final
