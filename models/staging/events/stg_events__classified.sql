{#- One row per raw row with its fate (SPEC section 1), in this order:
    rejected (with a reason), duplicate (a later delivery of an event_id
    among the rows not rejected), bot (every accepted row of a bot visitor),
    counted. Narrow: the ids, the time, the fate, and only what later
    models read (page path, referrer host, utm source and medium, device
    type, whether the user agent is a bot's, why a bot row's visitor is a
    bot (bot_reason), and the digests of the property values that funnels
    hold constant: held_values). A change of the held keys rebuilds it in
    full; any other change of the funnels seed does not (meta
    definitions_read_in_part). The raw text of a row is kept
    only when it is rejected (for audit.rejected_events); any other row
    leads back to its raw text by raw_row_id (stg_events__raw_files).

    Incremental: the rows of the files not classified yet are new, and only
    the rows whose fate can change are rewritten:
      - the accepted row of an event_id a new accepted row competes with
        (the earliest copy wins, whichever load it came in; its raw text is
        read back from its file for the tie-break, history_raw_rows_sql);
      - every accepted row of a visitor whose bot verdict or reason changes
        (a late bot user agent, or a first user agent, or a copy that no
        longer counts, or events that now exceed an enabled behavioural
        rule of bot_behaviour_rules);
      - the new rows.
    Every other row keeps its fate, so the table equals a full refresh. The
    materialization (visitor_incremental) replaces the returned rows by
    raw_row_id and stamps them with processed_at: downstream models
    recompute the visitors of rows written since they last ran. -#}
-- depends_on: {{ ref('stg_events__raw_rows') }}
-- depends_on: {{ ref('stg_events__raw_files') }}
-- depends_on: {{ ref('funnels') }}
-- depends_on: {{ ref('bot_behaviour_rules') }}
{{ config(
    materialized='visitor_incremental',
    unique_key='raw_row_id',
    meta={'definitions_read_in_part': {'funnels': 'hold_constant keys'}},
    post_hook="{{ empty_raw_csv_scratch() }}",
) }}

{#- Among deliveries of one event_id at the same time, the row whose raw
    columns compare smallest, in SPEC order, nulls last, is kept; among
    identical copies, the first loaded (smallest raw_row_id). -#}
{%- set tie_break = [] %}
{%- for column in raw_event_columns() %}
    {%- do tie_break.append('competing.'
        ~ ('occurred_at_text' if column == 'occurred_at' else column)
        ~ ' nulls last') %}
{%- endfor %}

{%- set kept_columns = [
    'raw_row_id', 'event_id', 'visitor_id', 'session_id', 'event_name',
    'occurred_at', 'page_path', 'referrer_host', 'utm_source', 'utm_medium',
    'device_type', 'is_bot_user_agent', 'held_values', 'reject_reason',
] %}
{%- set rejected_only_columns = ['occurred_at_text', 'user_agent', 'source_line'] %}
{#- The enabled behavioural rules, read from the seed when the model runs,
    so that the accepted rows are read once (one window per rule; Spark
    plans each read of a CTE again). -#}
{%- set behaviour_rules = enabled_behaviour_rules() %}

with

new_rows as {{ inline_cte() }} (

    select * from {{ ref('stg_events__parsed') }}
    {% if is_incremental() -%}
    -- only files not classified yet (also when this model is built alone,
    -- with a view left by an earlier build)
    where raw_row_id > (select coalesce(max(raw_row_id), -1) from {{ this }})
    {%- endif %}

),

bot_patterns as (

    select lower(pattern) as pattern
    from {{ ref('bot_user_agent_patterns') }}

),

-- Once per distinct user agent: the device and whether a bot pattern
-- occurs in it. Read from the raw rows, not the parsed ones: the URL rules
-- are not needed here (at 100M rows, DuckDB built the parsed rows' URL
-- join on the wrong side for this pass and ran out of memory).
user_agents as (

    select distinct user_agent
    from {{ ref('stg_events__raw_rows') }}
    where user_agent is not null
    {% if is_incremental() -%}
        and raw_row_id > (select coalesce(max(raw_row_id), -1) from {{ this }})
    {%- endif %}

),

bot_user_agents as (

    select distinct user_agents.user_agent
    from user_agents
    inner join bot_patterns
        on contains(lower(user_agents.user_agent), bot_patterns.pattern)

),

user_agent_verdicts as (

    select
        user_agents.user_agent,
        {{ device_type('user_agents.user_agent') }} as device_type,
        bot_user_agents.user_agent is not null as is_bot_user_agent
    from user_agents
    left join bot_user_agents
        on user_agents.user_agent = bot_user_agents.user_agent

),

-- The fates are decided on these few columns; the wide text of a row is
-- only read again for the rows of a repeated event_id.
new_keys as (

    select
        new_rows.raw_row_id,
        new_rows.event_id,
        new_rows.visitor_id,
        new_rows.occurred_at,
        coalesce(user_agent_verdicts.device_type, 'unknown') as device_type,
        coalesce(user_agent_verdicts.is_bot_user_agent, false)
            as is_bot_user_agent
    from new_rows
    left join user_agent_verdicts
        on new_rows.user_agent = user_agent_verdicts.user_agent
    where new_rows.reject_reason is null

),

{% if is_incremental() -%}
history as {{ inline_cte() }} (

    select * from {{ this }}

),

touched_event_ids as (

    select distinct event_id
    from new_keys

),

-- the accepted (winning) row of each touched event_id, already classified
history_winners as (

    select
        history.raw_row_id,
        history.event_id,
        history.visitor_id,
        history.occurred_at,
        history.device_type,
        history.is_bot_user_agent
    from history
    semi join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    where history.event_status in ('bot', 'counted')

),

{% endif -%}

-- All accepted deliveries of the touched event ids, new and already
-- classified.
competing as (

    select * from new_keys
    {% if is_incremental() -%}
    union all
    select * from history_winners
    {%- endif %}

),

-- Only event ids delivered more than once need the tie-break sort, and
-- only their rows are read with the raw columns it compares. Grouped by
-- hash first (8 bytes a row instead of the text), then by text among the
-- few rows whose hash repeats.
repeated_hashes as (

    select hash(event_id) as event_hash
    from competing
    group by hash(event_id)
    having count(*) > 1

),

repeated_event_ids as (

    select competing.event_id
    from competing
    where
        hash(competing.event_id)
        in (select repeated_hashes.event_hash from repeated_hashes)
    group by competing.event_id
    having count(*) > 1

),

tie_break_rows as (

    select
        new_rows.raw_row_id,
        new_rows.occurred_at,
        {%- for column in raw_event_columns() %}
        new_rows.{{ 'occurred_at_text' if column == 'occurred_at' else column }},
        {%- endfor %}
        new_rows.event_id as competing_event_id
    from new_rows
    semi join repeated_event_ids
        on new_rows.event_id = repeated_event_ids.event_id
    where new_rows.reject_reason is null
    {% if is_incremental() -%}
    union all
    select
        history.raw_row_id,
        history.occurred_at,
        {%- for column in raw_event_columns() %}
        history_raw.{{ 'occurred_at' if column == 'occurred_at' else column }}
            {{- ' as occurred_at_text' if column == 'occurred_at' }},
        {%- endfor %}
        history.event_id as competing_event_id
    from history
    semi join repeated_event_ids
        on history.event_id = repeated_event_ids.event_id
    inner join ({{ history_raw_rows_sql() }}) as history_raw
        on history.raw_row_id = history_raw.raw_row_id
    where history.event_status in ('bot', 'counted')
    {%- endif %}

),

duplicates as (

    select raw_row_id
    from (
        select
            competing.raw_row_id,
            row_number() over (
                partition by competing.competing_event_id
                order by
                    competing.occurred_at,
                    {{ tie_break | join(',\n                    ') }},
                    competing.raw_row_id
            ) as delivery_rank
        from tie_break_rows as competing
    ) as ranked
    where delivery_rank > 1

),

{% if is_incremental() -%}
-- The visitors of the new accepted rows and of the earlier winners they
-- compete with: the only ones whose verdict or rows can change.
affected_visitors as (

    select distinct visitor_id
    from competing

),

{% endif -%}

-- The accepted rows of the affected visitors: the winners among the
-- touched ids, and (incremental) their other accepted rows, untouched.
accepted as (

    select
        competing.visitor_id,
        competing.occurred_at,
        competing.device_type,
        competing.is_bot_user_agent
    from competing
    anti join duplicates
        on competing.raw_row_id = duplicates.raw_row_id
    {% if is_incremental() -%}
    union all
    select
        history.visitor_id,
        history.occurred_at,
        history.device_type,
        history.is_bot_user_agent
    from history
    semi join affected_visitors
        on history.visitor_id = affected_visitors.visitor_id
    anti join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    where history.event_status in ('bot', 'counted')
    {%- endif %}

),

-- One pass over the accepted rows of the affected visitors: per enabled
-- behavioural rule (enabled_behaviour_rules, read when the model runs), whether
-- the row lies less than per_seconds after the row max_events before it
-- in time order: then max_events + 1 rows lie that close, first to last.
-- Events at equal times may be numbered either way: the times at each
-- number are the same. No rule enabled: no window.
accepted_gaps as (

    select
        visitor_id,
        device_type,
        {%- for rule in behaviour_rules %}
        {{ epoch_us('occurred_at') }}
        - lag({{ epoch_us('occurred_at') }}, {{ rule.max_events }})
            over (partition by visitor_id order by occurred_at)
        < {{ rule.per_seconds * 1000000 }} as breaks_rule_{{ loop.index }},
        {%- endfor %}
        is_bot_user_agent
    from accepted

),

-- A visitor's one bot reason, the first that applies:
-- user_agent_pattern, then no_user_agent (no accepted event with a known
-- device), then behaviour:<rule_id> in rule_id order; null for a human.
visitor_verdicts as (

    select
        visitor_id,
        case
            when bool_or(is_bot_user_agent) then 'user_agent_pattern'
            when not bool_or(device_type <> 'unknown') then 'no_user_agent'
            {%- for rule in behaviour_rules %}
            when bool_or(coalesce(breaks_rule_{{ loop.index }}, false))
                then {{ sql_string('behaviour:' ~ rule.rule_id) }}
            {%- endfor %}
        end as bot_reason
    from accepted_gaps
    group by visitor_id

),

rewritten as (

    -- every new row
    select
        new_rows.raw_row_id,
        new_rows.event_id,
        new_rows.visitor_id,
        new_rows.session_id,
        new_rows.event_name,
        new_rows.occurred_at,
        new_rows.page_path,
        new_rows.referrer_host,
        new_rows.utm_source,
        new_rows.utm_medium,
        case
            when new_rows.reject_reason is null
                then coalesce(user_agent_verdicts.device_type, 'unknown')
        end as device_type,
        case
            when new_rows.reject_reason is null
                then coalesce(user_agent_verdicts.is_bot_user_agent, false)
        end as is_bot_user_agent,
        case
            when new_rows.reject_reason is null
                then {{ held_values('new_rows.properties') }}
        end as held_values,
        new_rows.reject_reason,
        {%- for column in rejected_only_columns %}
        case
            when new_rows.reject_reason is not null then new_rows.{{ column }}
        end as {{ column }},
        {%- endfor %}
        case
            when new_rows.reject_reason is not null then 'rejected'
            when duplicates.raw_row_id is not null then 'duplicate'
            when visitor_verdicts.bot_reason is not null then 'bot'
            else 'counted'
        end as event_status,
        case
            when
                new_rows.reject_reason is null
                and duplicates.raw_row_id is null
                then visitor_verdicts.bot_reason
        end as bot_reason
    from new_rows
    left join user_agent_verdicts
        on new_rows.user_agent = user_agent_verdicts.user_agent
    left join duplicates
        on new_rows.raw_row_id = duplicates.raw_row_id
    left join visitor_verdicts
        on new_rows.visitor_id = visitor_verdicts.visitor_id
    {% if is_incremental() -%}
    union all
    -- the earlier winners of the touched event ids, and the untouched
    -- accepted rows of visitors whose bot reason changed (to or from none:
    -- the verdict flipped): all of them rows
    -- of the affected visitors (an inner join, so that with no new row the
    -- table is not read at all)
    select
        {%- for column in kept_columns + rejected_only_columns %}
        history.{{ column }},
        {%- endfor %}
        case
            when duplicates.raw_row_id is not null then 'duplicate'
            when visitor_verdicts.bot_reason is not null then 'bot'
            else 'counted'
        end as event_status,
        case
            when duplicates.raw_row_id is null
                then visitor_verdicts.bot_reason
        end as bot_reason
    from history
    left join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    inner join affected_visitors
        on history.visitor_id = affected_visitors.visitor_id
    left join duplicates
        on history.raw_row_id = duplicates.raw_row_id
    left join visitor_verdicts
        on history.visitor_id = visitor_verdicts.visitor_id
    where
        history.event_status in ('bot', 'counted')
        and (
            touched_event_ids.event_id is not null
            or coalesce(history.bot_reason, '')
            <> coalesce(visitor_verdicts.bot_reason, '')
        )
    {%- endif %}

),

final as (

    select * from rewritten

)

select * from final
