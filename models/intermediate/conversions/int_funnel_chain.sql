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

    The funnel options of SPEC section 5 (int_goals; none set is exactly
    the rule above), all in the same passes:
      - count_within session: the scope adds the session id (scope_key);
        events without one join no chain;
      - max_hours_from_previous_step: the chain's step k-1 is the previous
        level's latest row before the event (it carries the latest start
        and is the nearest), so the bound is one more predicate on it;
      - strict: that row must also be the event just before, by its rank
        among the visitor's (or session's) counted events (one window pass
        ranks both, over the visitors with a strict step-2+ event only);
      - exclusions: every level carries the times of the chain's steps
        (step_j_us; each is nondecreasing with time, like the start, so the
        window max is the latest row's); a step-k event carries, per
        from_step f, the latest excluded event before it
        (excluded_after_f_us: one window pass over the step's events and
        their visitors' excluded events, linear however many there are),
        and the chain is void when that is later than its step f. The
        greedy chain (latest row at every level) is the latest at every
        step, so it is void only if every chain is.
    order_mode any_order has its own pass (any_order_* below, SPEC 5): a
    visitor reaches level k when some span [t, t + window] starting at one
    of their step events (in its scope) holds events completing k distinct
    steps, one event per step: the size of a maximum matching of events to
    steps. By Konig's theorem that is, per component C of steps that some
    event links (an event completing two steps links them), the minimum
    over S in C of |C| - |S| + (events in the span completing a step of
    S), summed over the components. Each subset S is one window count over
    the span, so the cost is the step events times the subsets of the
    funnel's components: one per step when no event completes two steps.
    Its rows: per span start and level k up to the span's, the start as
    both occurred_at and chain_started_at (any order has no step times;
    fct_funnel_step_timing leaves those funnels out).
      - hold_constant: the scope also adds the digest of the event's value
        of the key (int_goal_events_matched.held_value); events without
        one join no chain. Strict ranks stay per visitor or session (SPEC:
        consecutive within the scope of count_within) and exclusions per
        visitor (whatever the property values); the reach cohort stays the
        first step-1 event, with or without the key. -#}
{%- set max_steps = var('funnel_max_steps') | int %}
{#- The events a chain may combine: one partition of each window pass. -#}
{%- set chain_scope = ['funnel_id', 'visitor_id', 'scope_key'] %}
{%- set scope_columns = chain_scope | join(', ') %}

with

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}
    where funnel_id is not null

),

goals as (

    select * from {{ ref('int_goals') }}

),

exclusions as (

    select * from {{ ref('funnel_exclusions') }}

),

funnel_options as (

    select distinct
        funnel_id,
        order_mode,
        count_within
    from goals
    where funnel_id is not null

),

-- strict order: the visitors (by_session false) or sessions (true) whose
-- counted events are ranked, those with an event of a strict funnel's
-- step 2 or later (a step-1 event reaches level 1 whatever its rank). It
-- reads the goal events again, so that goal_events stays a single use
-- that DuckDB does not materialize.
strict_scopes as (

    select distinct
        strict_steps.visitor_id,
        coalesce(funnel_options.count_within = 'session', false) as by_session
    from {{ ref('int_goal_events_matched') }} as strict_steps
    inner join funnel_options
        on strict_steps.funnel_id = funnel_options.funnel_id
    where
        funnel_options.order_mode = 'strict'
        and strict_steps.step_order > 1

),

-- each counted event's rank among its visitor's counted events, or its
-- session's: one window pass for both. This and excluded_events each read
-- the counted events from staging: a shared CTE would be materialized
-- whole (all counted events, 7.8 GB at 100M) before either filters it.
event_ranks as (

    select
        events.event_id,
        strict_scopes.by_session,
        row_number() over (
            partition by
                events.visitor_id,
                strict_scopes.by_session,
                case when strict_scopes.by_session then events.session_id end
            order by events.occurred_at, events.event_id
        ) as event_rank
    from {{ ref('stg_events__classified') }} as events
    inner join strict_scopes
        on events.visitor_id = strict_scopes.visitor_id
    where events.event_status = 'counted'

),

excluded_events as (

    select
        exclusions.funnel_id,
        events.visitor_id,
        exclusions.from_step,
        exclusions.to_step,
        {{ epoch_us('events.occurred_at') }} as occurred_us
    from {{ ref('stg_events__classified') }} as events
    inner join exclusions
        on events.event_name = exclusions.event_name
    where
        events.event_status = 'counted'
        and (
            exclusions.page_path_pattern is null
            or events.page_path like exclusions.page_path_pattern
        )

),

step_events as (

    -- one row per event and funnel step it completes, in its scope
    select
        goal_events.funnel_id,
        goal_events.visitor_id,
        -- the session (count_within session) and the held value's digest
        -- (hold_constant; fixed length, so the two never run together)
        case
            when goals.count_within = 'session' then goal_events.session_id
            else ''
        end
        || '/'
        || coalesce(goal_events.held_value, '') as scope_key,
        goal_events.event_id,
        goal_events.step_order,
        {{ epoch_us('goal_events.occurred_at') }} as occurred_us,
        cast(goals.conversion_window_days as bigint)
        * 86400000000 as window_us,
        cast(goals.max_hours_from_previous_step * 3600000000 as bigint)
            as max_gap_us,
        coalesce(goals.order_mode = 'strict', false) as is_strict,
        coalesce(goals.order_mode = 'any_order', false) as is_any_order,
        event_ranks.event_rank
    from goal_events
    inner join goals
        on goal_events.goal_id = goals.goal_id
    left join event_ranks
        on
            goals.order_mode = 'strict'
            and goal_events.event_id = event_ranks.event_id
            and coalesce(goals.count_within = 'session', false)
            = event_ranks.by_session
    where
        (
            coalesce(goals.count_within, 'visitor') <> 'session'
            or not {{ is_blank('goal_events.session_id') }}
        )
        and (goals.hold_constant is null or goal_events.held_value is not null)

),

exclusion_ends as (

    select distinct
        funnel_id,
        to_step
    from exclusions

),

-- the step events at the to_step of an exclusion
exclusion_steps as (

    select
        step_events.funnel_id,
        step_events.visitor_id,
        step_events.step_order,
        step_events.occurred_us,
        step_events.event_id
    from step_events
    inner join exclusion_ends
        on
            step_events.funnel_id = exclusion_ends.funnel_id
            and step_events.step_order = exclusion_ends.to_step

),

exclusion_step_visitors as (

    select distinct
        funnel_id,
        visitor_id,
        step_order
    from exclusion_steps

),

-- those step events and the excluded events of their visitors
exclusion_rows as (

    select
        excluded_events.funnel_id,
        excluded_events.visitor_id,
        excluded_events.to_step as step_order,
        excluded_events.occurred_us,
        excluded_events.from_step,
        cast(null as {{ dbt.type_string() }}) as event_id,
        false as is_step_event
    from excluded_events
    inner join exclusion_step_visitors
        on
            excluded_events.funnel_id = exclusion_step_visitors.funnel_id
            and excluded_events.visitor_id = exclusion_step_visitors.visitor_id
            and excluded_events.to_step = exclusion_step_visitors.step_order
    union all
    select
        funnel_id,
        visitor_id,
        step_order,
        occurred_us,
        cast(null as integer) as from_step,
        event_id,
        true as is_step_event
    from exclusion_steps

),

-- per step event and from_step f of an exclusion ending at its step: the
-- latest excluded event strictly before it (any session or property), by
-- one window pass (linear, however many excluded events a visitor has)
exclusion_marks as (

    select
        {%- for f in range(1, max_steps) %}
        max(case when from_step = {{ f }} then occurred_us end)
            over previous_rows as excluded_after_{{ f }}_us,
        {%- endfor %}
        funnel_id,
        visitor_id,
        event_id,
        step_order,
        is_step_event
    from exclusion_rows
    window previous_rows as (
        partition by funnel_id, visitor_id, step_order
        order by occurred_us
        range between unbounded preceding and 1 preceding
    )

),

level_1 as (

    select
        {{ scope_columns }},
        occurred_us,
        window_us,
        event_rank,
        occurred_us as step_1_us
    from step_events
    where step_order = 1 and not is_any_order

),
{% for step in range(2, max_steps + 1) %}
candidates_{{ step }} as (

    select
        {{ scope_columns }},
        occurred_us,
        window_us,
        cast(null as bigint) as max_gap_us,
        false as is_strict,
        event_rank,
        {%- for j in range(1, step) %}
        step_{{ j }}_us,
        {%- endfor %}
        {%- for f in range(1, step) %}
        cast(null as bigint) as excluded_after_{{ f }}_us,
        {%- endfor %}
        false as is_step_event
    from level_{{ step - 1 }}
    union all
    select
        step_events.funnel_id,
        step_events.visitor_id,
        step_events.scope_key,
        step_events.occurred_us,
        step_events.window_us,
        step_events.max_gap_us,
        step_events.is_strict,
        step_events.event_rank,
        {%- for j in range(1, step) %}
        null as step_{{ j }}_us,
        {%- endfor %}
        {%- for f in range(1, step) %}
        exclusion_marks.excluded_after_{{ f }}_us,
        {%- endfor %}
        true as is_step_event
    from step_events
    left join exclusion_marks
        on
            step_events.funnel_id = exclusion_marks.funnel_id
            and step_events.visitor_id = exclusion_marks.visitor_id
            and step_events.event_id = exclusion_marks.event_id
            and step_events.step_order = exclusion_marks.step_order
            and exclusion_marks.is_step_event
    where step_events.step_order = {{ step }} and not step_events.is_any_order

),

extended_{{ step }} as (

    -- the previous level's latest row strictly before each event: its
    -- chain's step times and its rank (each a running max)
    select
        *,
        {%- for j in range(1, step) %}
        max(step_{{ j }}_us) over previous_rows as chain_step_{{ j }}_us,
        {%- endfor %}
        max(case when not is_step_event then event_rank end)
            over previous_rows as chain_rank
    from candidates_{{ step }}
    window previous_rows as (
        partition by {{ scope_columns }}
        order by occurred_us
        range between unbounded preceding and 1 preceding
    )

),

level_{{ step }} as (

    select
        {{ scope_columns }},
        occurred_us,
        window_us,
        event_rank,
        {%- for j in range(1, step) %}
        chain_step_{{ j }}_us as step_{{ j }}_us,
        {%- endfor %}
        occurred_us as step_{{ step }}_us
    from extended_{{ step }}
    where
        is_step_event
        and occurred_us - chain_step_1_us <= window_us
        and (
            max_gap_us is null
            or occurred_us - chain_step_{{ step - 1 }}_us <= max_gap_us
        )
        and (not is_strict or chain_rank = event_rank - 1)
        {%- for f in range(1, step) %}
        and coalesce(excluded_after_{{ f }}_us <= chain_step_{{ f }}_us, true)
        {%- endfor %}

),
{% endfor %}
-- any_order: one row per step event in its scope, with the set of the
-- funnel's steps it completes as a bit mask (bit k-1 for step k)
any_order_events as (

    select
        {{ scope_columns }},
        event_id,
        occurred_us,
        window_us,
        bit_or(cast(power(2, step_order - 1) as bigint)) as step_mask
    from step_events
    where is_any_order
    group by {{ scope_columns }}, event_id, occurred_us, window_us

),

any_order_masks_0 as (

    select distinct
        funnel_id,
        step_mask,
        step_mask as component_mask
    from any_order_events

),
{% for i in range(1, max_steps) %}
-- the steps linked to a mask's component by one more event
any_order_masks_{{ i }} as (

    select
        masks.funnel_id,
        masks.step_mask,
        bit_or(linked.step_mask) as component_mask
    from any_order_masks_{{ i - 1 }} as masks
    inner join any_order_masks_0 as linked
        on
            masks.funnel_id = linked.funnel_id
            and masks.component_mask & linked.step_mask <> 0
    group by masks.funnel_id, masks.step_mask

),
{% endfor %}
-- the numbers 0 .. 2^max_steps - 1, one bit per step (portable: no
-- series function)
bit_masks as (

    select
        {%- for bit in range(max_steps) %}
        bit_{{ bit }}.b * {{ 2 ** bit }}{{ ' +' if not loop.last }}
        {%- endfor %} as mask
    from (values (0), (1)) as bit_0 (b)
    {% for bit in range(1, max_steps) -%}
    cross join (values (0), (1)) as bit_{{ bit }} (b)
    {% endfor %}

),

-- the sweep's rows per event: +1 at e - window, the span start, -1 at e
sweep_kinds as (

    select
        0 as kind,
        1 as weight
    union all
    select
        1 as kind,
        0 as weight
    union all
    select
        2 as kind,
        -1 as weight

),

-- the levels 1 .. max_steps
levels as (

    {%- for step in range(1, max_steps + 1) %}
    select
        {{ step }} as step_order
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

-- every non-empty subset S of every component of each funnel
any_order_subsets as (

    select
        components.funnel_id,
        components.component_mask,
        cast(bit_masks.mask as bigint) as subset_mask
    from (
        select distinct
            funnel_id,
            component_mask
        from any_order_masks_{{ max_steps - 1 }}
    ) as components
    inner join bit_masks
        on
            bit_masks.mask > 0
            and bit_masks.mask & ~components.component_mask = 0

),

-- per span start t (each step event) and subset S: the events in the span
-- [t, t + window] completing a step of S, by a sweep (a plain running sum,
-- no frame of variable width): each such event e counts +1 from
-- t = e - window and -1 after t = e; at one instant the +1 rows come
-- first, then the span starts (kind 1), then the -1 rows
any_order_sweep as (

    select
        any_order_events.funnel_id,
        any_order_events.visitor_id,
        any_order_events.scope_key,
        any_order_subsets.subset_mask,
        sweep_kinds.kind,
        sweep_kinds.weight,
        any_order_events.event_id,
        any_order_events.occurred_us,
        any_order_subsets.component_mask,
        case sweep_kinds.kind
            when 0 then any_order_events.occurred_us - any_order_events.window_us
            else any_order_events.occurred_us
        end as at_us
    from any_order_events
    inner join any_order_subsets
        on any_order_events.funnel_id = any_order_subsets.funnel_id
    inner join sweep_kinds
        on
            sweep_kinds.kind = 1
            or any_order_events.step_mask & any_order_subsets.subset_mask <> 0

),

any_order_counts as (

    select
        *,
        sum(weight) over (
            partition by {{ scope_columns }}, subset_mask
            order by at_us, kind
            rows between unbounded preceding and current row
        ) as events_in_span
    from any_order_sweep

),

any_order_spans as (

    -- the maximum matching in each span (Konig: per component, the least
    -- of |C| - |S| + events completing S, S = {} giving |C|)
    select
        {{ scope_columns }},
        occurred_us,
        sum(component_level) as span_level
    from (
        select
            {{ scope_columns }},
            event_id,
            occurred_us,
            least(
                bit_count(component_mask),
                min(
                    bit_count(component_mask) - bit_count(subset_mask)
                    + events_in_span
                )
            ) as component_level
        from any_order_counts
        where kind = 1
        group by {{ scope_columns }}, event_id, occurred_us, component_mask
    ) as components
    group by {{ scope_columns }}, event_id, occurred_us

),

chain as (

    select
        any_order_spans.funnel_id,
        any_order_spans.visitor_id,
        any_order_spans.scope_key,
        levels.step_order,
        any_order_spans.occurred_us,
        any_order_spans.occurred_us as start_us
    from any_order_spans
    inner join levels
        on any_order_spans.span_level >= levels.step_order
    union all

    {% for step in range(1, max_steps + 1) -%}
    select
        {{ scope_columns }},
        {{ step }} as step_order,
        occurred_us,
        step_1_us as start_us
    from level_{{ step }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        funnel_id,
        visitor_id,
        step_order,
        {{ timestamp_from_epoch_us('occurred_us') }} as occurred_at,
        {{ timestamp_from_epoch_us('start_us') }} as chain_started_at
    from chain

)

select * from final
