{#- Explained traffic: per activity date, the accepted rows (neither
    rejected nor duplicate) and their visitors by class and reason. A
    visitor has one reason (stg_events__classified.bot_reason, the first
    that applies), so each visitor counts once per date, and over all dates
    the events add up to audit.event_reconciliation's bot_rows and
    counted_rows. -#}
with

classified as (

    select * from {{ ref('stg_events__classified') }}

),

accepted as (

    select
        visitor_id,
        {{ event_date('occurred_at') }} as activity_date,
        case when event_status = 'bot' then 'bot' else 'human' end
            as traffic_class,
        coalesce(bot_reason, 'human') as reason
    from classified
    where event_status in ('bot', 'counted')

),

final as (

    select
        activity_date,
        traffic_class,
        reason,
        count(distinct visitor_id) as visitors,
        count(*) as events
    from accepted
    group by activity_date, traffic_class, reason

)

select * from final
