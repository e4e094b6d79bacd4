-- audit.traffic_classification accounts for every accepted row: its bot
-- events are event_reconciliation's bot_rows, its human events the
-- counted_rows. One row when they disagree.
with

traffic as (

    select
        coalesce(sum(case when traffic_class = 'bot' then events end), 0)
            as bot_events,
        coalesce(sum(case when traffic_class = 'human' then events end), 0)
            as human_events
    from {{ ref('traffic_classification') }}

),

reconciliation as (

    select * from {{ ref('event_reconciliation') }}

)

select
    traffic.bot_events,
    reconciliation.bot_rows,
    traffic.human_events,
    reconciliation.counted_rows
from traffic
cross join reconciliation
where
    traffic.bot_events <> reconciliation.bot_rows
    or traffic.human_events <> reconciliation.counted_rows
