{#- One row per human visitor, period_grain and period_start in which the
    visitor has any counted event: the denominator of every rate. -#}
with

events as (

    select * from {{ ref('stg_events__classified') }}
    where event_status = 'counted'

),

visitor_days as (

    select distinct
        visitor_id,
        {{ event_date('occurred_at') }} as activity_date
    from events

),

periods as (

    {{ periods_from_days('visitor_days', ['visitor_id']) }}

),

final as (

    select * from periods

)

select * from final
