{#- The totals over all raw rows loaded: the rows the files hold, counted
    from the files themselves (stg_events__raw_files), against the fates
    the rows were given. Human visitors are counted from
    int_visitor_periods (one row per human visitor and month), not from
    every counted row: at 100M rows the distinct count over the rows was
    most of this model's time. -#}
with

raw_files as (

    select * from {{ ref('stg_events__raw_files') }}

),

classified as (

    select * from {{ ref('stg_events__classified') }}

),

visitor_months as (

    select * from {{ ref('int_visitor_periods') }}
    where period_grain = 'month'

),

file_rows as (

    select cast(coalesce(sum(row_count), 0) as bigint) as raw_rows
    from raw_files

),

fates as (

    select
        count(*) as classified_rows,
        count(*) filter (where event_status = 'rejected') as rejected_rows,
        count(*) filter (where event_status = 'duplicate') as duplicate_rows,
        count(*) filter (where event_status = 'bot') as bot_rows,
        count(*) filter (where event_status = 'counted') as counted_rows
    from classified

),

bot_visitors as (

    select count(distinct visitor_id) as bot_visitors
    from classified
    where event_status = 'bot'

),

human_visitors as (

    select count(distinct visitor_id) as human_visitors
    from visitor_months

),

final as (

    select
        file_rows.raw_rows,
        fates.rejected_rows,
        fates.duplicate_rows,
        fates.bot_rows,
        fates.counted_rows,
        human_visitors.human_visitors,
        bot_visitors.bot_visitors
    from file_rows
    cross join fates
    cross join human_visitors
    cross join bot_visitors

)

select * from final
