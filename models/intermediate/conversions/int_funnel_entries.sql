{#- One row per human visitor and funnel they entered: the session of their
    first step-1 event (first touch) and what it says about them: the
    device (from its first user agent), the channel (from the utm
    parameters and referrer of its first event, by seeds/channel_rules.csv)
    and the landing page (the path of its first event). Without a session
    id, the entry event stands alone. -#}
with

events as (

    select * from {{ ref('stg_events__classified') }}
    where
        event_status = 'counted'
        {% if is_incremental() -%}
        and visitor_id in ({{ changed_visitors_sql() }})
        {%- endif %}

),

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}
    where
        step_order = 1
        {% if is_incremental() -%}
        and visitor_id in ({{ changed_visitors_sql() }})
        {%- endif %}

),

channel_rules as (

    select * from {{ ref('channel_rules') }}

),

entry_events as (

    select
        funnel_id,
        visitor_id,
        event_id,
        session_id,
        occurred_at
    from goal_events
    qualify row_number() over (
        partition by funnel_id, visitor_id order by occurred_at, event_id
    ) = 1

),

{#- the entry session's events: same visitor and session id, or the entry
    event alone when it has no session id -#}
session_events as (

    select
        entry_events.funnel_id,
        entry_events.visitor_id,
        entry_events.session_id as entry_session_id,
        events.occurred_at,
        events.event_id,
        events.page_path,
        events.referrer_host,
        events.utm_source,
        events.utm_medium,
        events.user_agent
    from entry_events
    inner join events
        on
            entry_events.visitor_id = events.visitor_id
            and (
                entry_events.session_id = events.session_id
                or (
                    {{ is_blank('entry_events.session_id') }}
                    and entry_events.event_id = events.event_id
                )
            )

),

sessions as (

    select
        funnel_id,
        visitor_id,
        any_value(entry_session_id) as entry_session_id,
        arg_min(
            struct_pack(page_path, referrer_host, utm_source, utm_medium),
            struct_pack(occurred_at, event_id)
        ) as first_event,
        arg_min(user_agent, struct_pack(occurred_at, event_id)) filter (
            where not {{ is_blank('user_agent') }}
        ) as user_agent
    from session_events
    group by funnel_id, visitor_id

),

channel_matches as (

    select
        sessions.funnel_id,
        sessions.visitor_id,
        min_by(channel_rules.channel, channel_rules.rule_order) as channel
    from sessions
    inner join channel_rules
        on case channel_rules.match_on
            when 'utm_medium'
                then sessions.first_event.utm_medium like channel_rules.pattern
            when 'utm_source'
                then sessions.first_event.utm_source like channel_rules.pattern
            when 'referrer_host'
                then sessions.first_event.referrer_host like channel_rules.pattern
            when 'no_referrer'
                then
                    sessions.first_event.referrer_host is null
                    and sessions.first_event.utm_medium is null
                    and sessions.first_event.utm_source is null
        end
    group by sessions.funnel_id, sessions.visitor_id

),

final as (

    select
        sessions.funnel_id,
        sessions.visitor_id,
        sessions.entry_session_id,
        {{ device_type('sessions.user_agent') }} as device_type,
        coalesce(channel_matches.channel, 'other') as channel,
        coalesce(sessions.first_event.page_path, '(none)') as landing_page,
        {{ source_processed_at() }} as source_processed_at
    from sessions
    left join channel_matches
        on
            sessions.funnel_id = channel_matches.funnel_id
            and sessions.visitor_id = channel_matches.visitor_id

)

select * from final
