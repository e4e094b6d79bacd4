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
    processed_at records the build that last wrote a row; downstream models
    recompute the visitors of rows written since they last ran. -#}
-- depends_on: {{ ref('stg_events__raw_rows') }}
{{ config(
    materialized='incremental',
    incremental_strategy=(
        'insert_overwrite' if target.type == 'spark' else 'delete+insert'
    ),
    unique_key='raw_row_id',
    partition_by=('visitor_bucket' if target.type == 'spark' else none),
    on_schema_change='fail',
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

{%- set columns = [
    'raw_row_id', 'event_id', 'visitor_id', 'session_id', 'event_name',
    'occurred_at', 'occurred_at_text', 'page_path', 'referrer_host',
    'utm_source', 'utm_medium', 'utm_campaign', 'user_agent', 'properties', 'source_file', 'source_line', 'reject_reason',
] %}

with

parsed as (

    select * from {{ ref('stg_events__parsed') }}

),

bot_patterns as (

    select lower(pattern) as pattern
    from {{ ref('bot_user_agent_patterns') }}

),

history as (

    {% if is_incremental() -%}
    select * from {{ this }}
    {%- else -%}
    select
        {{ columns | join(',\n        ') }},
        cast(null as string) as event_status
    from parsed
    where false
    {%- endif %}

),

new_rows as (

    select * from parsed
    {% if is_incremental() -%}
    where raw_row_id > (select coalesce(max(raw_row_id), -1) from history)
    {%- endif %}

),

touched_event_ids as (

    select distinct event_id
    from new_rows
    where reject_reason is null

),

-- All non-rejected deliveries of the touched event ids, new and already
-- classified, with the raw URLs the tie-break needs.
competing as (

    select
        {{ columns | join(',\n        ') }},
        page_url,
        referrer_url
    from new_rows
    where reject_reason is null
    {% if is_incremental() -%}
    union all
    select
        {%- for column in columns %}
        history.{{ column }},
        {%- endfor %}
        raw_rows.page_url,
        raw_rows.referrer_url
    from history
    inner join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    inner join {{ ref('stg_events__raw_rows') }} as raw_rows
        on history.raw_row_id = raw_rows.raw_row_id
    where history.event_status <> 'rejected'
    {%- endif %}

),

-- Only event ids delivered more than once need the tie-break sort.
repeated_event_ids as (

    select event_id
    from competing
    group by event_id
    having count(*) > 1

),

ranked as (

    select
        competing.*,
        false as is_duplicate
    from competing
    anti join repeated_event_ids
        on competing.event_id = repeated_event_ids.event_id
    union all
    select
        competing.*,
        row_number() over (
            partition by competing.event_id
            order by
                competing.occurred_at,
                {{ tie_break | join(',\n                ') }},
                competing.raw_row_id
        ) > 1 as is_duplicate
    from competing
    semi join repeated_event_ids
        on competing.event_id = repeated_event_ids.event_id

),

affected_visitors as (

    select distinct visitor_id from ranked

),

-- The accepted rows of the affected visitors: the winners among the
-- touched ids, and their other accepted rows, untouched.
accepted as (

    select
        visitor_id,
        user_agent
    from ranked
    where not is_duplicate
    union all
    select
        history.visitor_id,
        history.user_agent
    from history
    inner join affected_visitors
        on history.visitor_id = affected_visitors.visitor_id
    anti join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    where history.event_status in ('bot', 'counted')

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

    select
        {%- for column in columns %}
        ranked.{{ column }},
        {%- endfor %}
        case
            when ranked.is_duplicate then 'duplicate'
            when visitor_verdicts.is_bot then 'bot'
            else 'counted'
        end as event_status
    from ranked
    left join visitor_verdicts
        on ranked.visitor_id = visitor_verdicts.visitor_id
    union all
    select
        {{ columns | join(',\n        ') }},
        'rejected' as event_status
    from new_rows
    where reject_reason is not null
    {% if is_incremental() -%}
    union all
    -- untouched accepted rows of visitors whose bot verdict flipped
    select
        {%- for column in columns %}
        history.{{ column }},
        {%- endfor %}
        case
            when visitor_verdicts.is_bot then 'bot' else 'counted'
        end as event_status
    from history
    inner join visitor_verdicts
        on history.visitor_id = visitor_verdicts.visitor_id
    anti join touched_event_ids
        on history.event_id = touched_event_ids.event_id
    where
        history.event_status in ('bot', 'counted')
        and (history.event_status = 'bot') <> visitor_verdicts.is_bot
    {%- endif %}

),

final as (

    select
        *,
        {{ run_timestamp() }} as processed_at
    from rewritten

)

select *{{ visitor_bucket_column() }} from final
