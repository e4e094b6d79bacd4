with

classified as (

    select * from {{ ref('stg_events__classified') }}

),

final as (

    select
        event_id,
        visitor_id,
        session_id,
        event_name,
        occurred_at_text as occurred_at,
        page_path,
        referrer_host,
        user_agent,
        reject_reason,
        source_file,
        source_line
    from classified
    where event_status = 'rejected'

)

select * from final
