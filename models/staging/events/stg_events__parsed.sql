{#- One row per raw row: typed, with its rejection reason, and with the URL
    reduced to what may travel on (path, referrer host). -#}
with

raw_rows as (

    select * from {{ ref('stg_events__raw_rows') }}

),

time_parts as (

    select
        *,
        case
            when occurred_at_value is null
                then {{ event_time_parts('occurred_at') }}
        end as occurred_at_parts
    from raw_rows

),

typed as (

    select
        *,
        coalesce(
            occurred_at_value,
            {{ event_time_from_parts('occurred_at_parts') }}
        ) as occurred_at_utc
    from time_parts

),

final as (

    select
        event_id,
        visitor_id,
        session_id,
        event_name,
        occurred_at_utc as occurred_at,
        occurred_at as occurred_at_text,
        {{ url_path('page_url') }} as page_path,
        {{ url_host('referrer_url') }} as referrer_host,
        {{ url_query_parameter('page_url', 'utm_source') }} as utm_source,
        {{ url_query_parameter('page_url', 'utm_medium') }} as utm_medium,
        {{ url_query_parameter('page_url', 'utm_campaign') }} as utm_campaign,
        user_agent,
        properties,
        page_url,
        referrer_url,
        source_file,
        source_line,
        raw_row_id,
        case
            when is_unreadable then 'unreadable_row'
            when {{ is_blank('event_id') }} then 'missing_event_id'
            when {{ is_blank('visitor_id') }} then 'missing_visitor_id'
            when {{ is_blank('event_name') }} then 'missing_event_name'
            when occurred_at_utc is null then 'invalid_occurred_at'
        end as reject_reason
    from typed

)

select * from final
