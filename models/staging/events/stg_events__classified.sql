{{ config(materialized="table") }}

{#- One row per raw row with its fate (SPEC section 1), in this order:
    rejected (with a reason), duplicate (a later delivery of an event_id
    among the rows not rejected), bot (every accepted row of a bot visitor),
    counted. Query strings, full URLs and the raw time text of accepted rows
    stop here. -#}
{#- Among deliveries of one event_id at the same time, the row whose raw
    columns compare smallest, in SPEC order, nulls last, is kept. -#}
{%- set tie_break = [] %}
{%- for column in raw_event_columns() %}
    {%- do tie_break.append(
        ('occurred_at_text' if column == 'occurred_at' else column)
        ~ ' nulls last') %}
{%- endfor %}

with

parsed as (

    select * from {{ ref('stg_events__parsed') }}

),

bot_patterns as (

    select lower(pattern) as pattern
    from {{ ref('bot_user_agent_patterns') }}

),

ranked as (

    select
        *,
        reject_reason is null
        and row_number() over (
            partition by reject_reason is null, event_id
            order by occurred_at, {{ tie_break | join(', ') }}
        ) > 1 as is_duplicate
    from parsed

),

accepted as (

    select
        visitor_id,
        user_agent
    from ranked
    where reject_reason is null and not is_duplicate

),

bot_user_agents as (

    select distinct accepted.user_agent
    from accepted
    inner join bot_patterns
        on contains(lower(accepted.user_agent), bot_patterns.pattern)

),

bot_visitors as (

    select accepted.visitor_id
    from accepted
    left join bot_user_agents
        on accepted.user_agent = bot_user_agents.user_agent
    group by accepted.visitor_id
    having
        count(bot_user_agents.user_agent) > 0
        or not bool_or(not {{ is_blank('accepted.user_agent') }})

),

final as (

    select
        ranked.event_id,
        ranked.visitor_id,
        ranked.session_id,
        ranked.event_name,
        ranked.occurred_at,
        ranked.occurred_at_text,
        ranked.page_path,
        ranked.referrer_host,
        ranked.user_agent,
        ranked.properties,
        ranked.source_file,
        ranked.source_line,
        ranked.reject_reason,
        case
            when ranked.reject_reason is not null then 'rejected'
            when ranked.is_duplicate then 'duplicate'
            when bot_visitors.visitor_id is not null then 'bot'
            else 'counted'
        end as event_status
    from ranked
    left join bot_visitors
        on ranked.visitor_id = bot_visitors.visitor_id

)

select * from final
