{#- One row per human visitor and funnel they entered: the session of their
    first step-1 event (first touch) and what it says about them: the
    device (from its first non-blank user agent), the channel (from the utm
    parameters and referrer of its first event, by seeds/channel_rules.csv)
    and the landing page (the path of its first event). Without a session
    id, the entry event stands alone. -#}
with

events as (

    select * from {{ ref('stg_events__classified') }}
    where event_status = 'counted'

),

any_order_funnels as (

    select distinct funnel_id
    from {{ ref('int_goals') }}
    where order_mode = 'any_order'

),

goal_events as (

    -- the entry events: step 1, or any step under order_mode any_order
    select goal_events_matched.*
    from {{ ref('int_goal_events_matched') }} as goal_events_matched
    left join any_order_funnels
        on goal_events_matched.funnel_id = any_order_funnels.funnel_id
    where
        goal_events_matched.step_order = 1
        or any_order_funnels.funnel_id is not null

),

channel_rules as (

    select * from {{ ref('channel_rules') }}

),

entry_events as (

    select
        funnel_id,
        visitor_id,
        {{ min_by_nonnull('event_id', ['occurred_at', 'event_id']) }} as event_id,
        {{ min_by_nonnull('session_id', ['occurred_at', 'event_id']) }} as session_id
    from goal_events
    group by funnel_id, visitor_id

),

-- the entry session's events: same visitor and session id, or the entry
-- event alone when it has no session id
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
        events.device_type
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
        {{ min_by_nonnull('page_path', ['occurred_at', 'event_id']) }} as landing_page,
        {{ min_by_nonnull('referrer_host', ['occurred_at', 'event_id']) }}
            as referrer_host,
        {{ min_by_nonnull('utm_source', ['occurred_at', 'event_id']) }} as utm_source,
        {{ min_by_nonnull('utm_medium', ['occurred_at', 'event_id']) }} as utm_medium,
        {{ min_by_nonnull(
            'device_type', ['occurred_at', 'event_id'],
            where="device_type <> 'unknown'"
        ) }} as device_type
    from session_events
    group by funnel_id, visitor_id

),

channel_matches as (

    select
        sessions.funnel_id,
        sessions.visitor_id,
        {{ min_by_nonnull('channel_rules.channel', ['channel_rules.rule_order']) }}
            as channel
    from sessions
    inner join channel_rules
        on (
            channel_rules.match_on = 'utm_medium'
            and sessions.utm_medium like channel_rules.pattern
        )
        or (
            channel_rules.match_on = 'utm_source'
            and sessions.utm_source like channel_rules.pattern
        )
        or (
            channel_rules.match_on = 'referrer_host'
            and sessions.referrer_host like channel_rules.pattern
        )
        or (
            channel_rules.match_on = 'no_referrer'
            and sessions.referrer_host is null
            and sessions.utm_medium is null
            and sessions.utm_source is null
        )
    group by sessions.funnel_id, sessions.visitor_id

),

final as (

    select
        sessions.funnel_id,
        sessions.visitor_id,
        sessions.entry_session_id,
        coalesce(sessions.device_type, 'unknown') as device_type,
        coalesce(channel_matches.channel, 'other') as channel,
        coalesce(sessions.landing_page, '(none)') as landing_page
    from sessions
    left join channel_matches
        on
            sessions.funnel_id = channel_matches.funnel_id
            and sessions.visitor_id = channel_matches.visitor_id

)

select * from final
