{#- One row per raw row with its fate (SPEC section 1), in this order:
    rejected (with a reason), duplicate (a later delivery of an event_id
    among the rows not rejected), bot (every accepted row of a bot visitor),
    counted. Query strings, full URLs and the raw time text of accepted rows
    stop here.

    Incremental: a build reads only the raw rows loaded since the last one
    (raw_row_id above the largest classified) and rewrites only the rows
    whose fate can change:
      - every row sharing an event_id with a new accepted row (the earliest
        copy wins, whichever load it came in);
      - every accepted row of a visitor whose bot verdict flips (a late bot
        user agent, or a first user agent, or a duplicate that no longer
        counts);
      - the new rejected rows.
    Every other row keeps its fate, so the table equals a full refresh.
    The materialization (visitor_incremental) replaces the returned rows by
    raw_row_id and stamps them with processed_at: downstream models
    recompute the visitors of rows written since they last ran. -#}
-- depends_on: {{ ref('stg_events__raw_rows') }}
{{ config(materialized='visitor_incremental', unique_key='raw_row_id') }}

{#- Among deliveries of one event_id at the same time, the row whose raw
    columns compare smallest, in SPEC order, nulls last, is kept; among
    identical copies, the first loaded (smallest raw_row_id). -#}
{%- set tie_break = [] %}
{%- for column in raw_event_columns() %}
    {%- do tie_break.append('competing.'
        ~ ('occurred_at_text' if column == 'occurred_at' else column)
        ~ ' nulls last') %}
{%- endfor %}

{%- set columns = [
    'raw_row_id', 'event_id', 'visitor_id', 'session_id', 'event_name',
    'occurred_at', 'occurred_at_text', 'page_path', 'referrer_host',
    'utm_source', 'utm_medium', 'utm_campaign', 'user_agent', 'properties', 'source_file', 'source_line', 'reject_reason',
] %}

with

parsed as {{ inline_cte() }} (

    select * from {{ ref('stg_events__parsed') }}

),

bot_patterns as (

    select lower(pattern) as pattern
    from {{ ref('bot_user_agent_patterns') }}

),

{% if is_incremental() -%}
history as {{ inline_cte() }} (

    select * from {{ this }}

),

{% endif -%}
new_rows as {{ inline_cte() }} (

    select * from parsed
    {% if is_incremental() -%}
    where raw_row_id > (select coalesce(max(raw_row_id), -1) from history)
    {%- endif %}

),

-- The fates are decided on these few columns; the wide text of a row
-- (URLs, user agent, properties) is only read again for the rows of a
-- repeated event_id, and when the row is written. At 100 million rows,
-- carrying it through the decision spilled past the disk.
new_keys as (

    select
        raw_row_id,
        event_id,
        visitor_id,
        user_agent
    from new_rows
    where reject_reason is null

),

{% if is_incremental() -%}
touched_event_ids as (

    select distinct event_id
    from new_keys

),

{% endif -%}

-- All non-rejected deliveries of the touched event ids, new and already
-- classified.
competing as (

    select * from new_keys
    {% if is_incremental() -%}
    union all
    select
        history.raw_row_id,
        history.event_id,
        history.visitor_id,
        history.user_agent
    from history
    semi join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    where history.event_status <> 'rejected'
    {%- endif %}

),

-- Only event ids delivered more than once need the tie-break sort, and
-- only their rows are read with the raw columns it compares.
repeated_event_ids as (

    select event_id
    from competing
    group by event_id
    having count(*) > 1

),

tie_break_rows as (

    select
        {%- for column in columns %}
        new_rows.{{ column }},
        {%- endfor %}
        new_rows.page_url,
        new_rows.referrer_url
    from new_rows
    semi join repeated_event_ids
        on new_rows.event_id = repeated_event_ids.event_id
    where new_rows.reject_reason is null
    {% if is_incremental() -%}
    union all
    select
        {%- for column in columns %}
        history.{{ column }},
        {%- endfor %}
        raw_rows.page_url,
        raw_rows.referrer_url
    from history
    semi join repeated_event_ids
        on history.event_id = repeated_event_ids.event_id
    inner join {{ ref('stg_events__raw_rows') }} as raw_rows
        on history.raw_row_id = raw_rows.raw_row_id
    where history.event_status <> 'rejected'
    {%- endif %}

),

duplicates as (

    select raw_row_id
    from (
        select
            competing.raw_row_id,
            row_number() over (
                partition by competing.event_id
                order by
                    competing.occurred_at,
                    {{ tie_break | join(',\n                    ') }},
                    competing.raw_row_id
            ) as delivery_rank
        from tie_break_rows as competing
    ) as ranked
    where delivery_rank > 1

),

-- The accepted rows of the affected visitors: the winners among the
-- touched ids, and (incremental) their other accepted rows, untouched.
accepted as (

    select
        competing.visitor_id,
        competing.user_agent
    from competing
    anti join duplicates
        on competing.raw_row_id = duplicates.raw_row_id
    {% if is_incremental() -%}
    union all
    select
        history.visitor_id,
        history.user_agent
    from history
    semi join (select distinct visitor_id from competing) as affected_visitors
        on history.visitor_id = affected_visitors.visitor_id
    anti join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    where history.event_status in ('bot', 'counted')
    {%- endif %}

),

user_agents as (

    select distinct user_agent
    from accepted
    where user_agent is not null

),

bot_user_agents as (

    select distinct user_agents.user_agent
    from user_agents
    inner join bot_patterns
        on contains(lower(user_agents.user_agent), bot_patterns.pattern)

),

visitor_verdicts as (

    select
        accepted.visitor_id,
        count(bot_user_agents.user_agent) > 0
        or not bool_or(not {{ is_blank('accepted.user_agent') }}) as is_bot
    from accepted
    left join bot_user_agents
        on accepted.user_agent = bot_user_agents.user_agent
    group by accepted.visitor_id

),

rewritten as (

    -- every new row
    select
        {%- for column in columns %}
        new_rows.{{ column }},
        {%- endfor %}
        case
            when new_rows.reject_reason is not null then 'rejected'
            when duplicates.raw_row_id is not null then 'duplicate'
            when visitor_verdicts.is_bot then 'bot'
            else 'counted'
        end as event_status
    from new_rows
    left join duplicates
        on new_rows.raw_row_id = duplicates.raw_row_id
    left join visitor_verdicts
        on new_rows.visitor_id = visitor_verdicts.visitor_id
    {% if is_incremental() -%}
    union all
    -- earlier rows of the touched event ids, and the untouched accepted
    -- rows of visitors whose bot verdict flipped
    select
        {%- for column in columns %}
        history.{{ column }},
        {%- endfor %}
        case
            when duplicates.raw_row_id is not null then 'duplicate'
            when visitor_verdicts.is_bot then 'bot'
            else 'counted'
        end as event_status
    from history
    left join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    left join duplicates
        on history.raw_row_id = duplicates.raw_row_id
    left join visitor_verdicts
        on history.visitor_id = visitor_verdicts.visitor_id
    where
        history.event_status <> 'rejected'
        and (
            touched_event_ids.event_id is not null
            or (
                history.event_status in ('bot', 'counted')
                and (history.event_status = 'bot') <> visitor_verdicts.is_bot
            )
        )
    {%- endif %}

),

final as (

    select * from rewritten

)

select * from final
