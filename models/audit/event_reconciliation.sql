with

classified as (

    select * from {{ ref('stg_events__classified') }}

),

final as (

    select
        count(*) as raw_rows,
        count(*) filter (where event_status = 'rejected') as rejected_rows,
        count(*) filter (where event_status = 'duplicate') as duplicate_rows,
        count(*) filter (where event_status = 'bot') as bot_rows,
        count(*) filter (where event_status = 'counted') as counted_rows,
        count(distinct visitor_id) filter (
            where event_status = 'counted'
        ) as human_visitors,
        count(distinct visitor_id) filter (
            where event_status = 'bot'
        ) as bot_visitors
    from classified

)

select * from final
