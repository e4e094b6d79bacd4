{#- The totals over all raw rows loaded: the rows the files hold, counted
    from the files themselves (stg_events__raw_files), against the fates
    the rows were given. -#}
with

raw_files as (

    select * from {{ ref('stg_events__raw_files') }}

),

classified as (

    select * from {{ ref('stg_events__classified') }}

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
        count(*) filter (where event_status = 'counted') as counted_rows,
        count(distinct visitor_id) filter (
            where event_status = 'counted'
        ) as human_visitors,
        count(distinct visitor_id) filter (
            where event_status = 'bot'
        ) as bot_visitors
    from classified

),

final as (

    select
        file_rows.raw_rows,
        fates.rejected_rows,
        fates.duplicate_rows,
        fates.bot_rows,
        fates.counted_rows,
        fates.human_visitors,
        fates.bot_visitors
    from file_rows
    cross join fates

)

select * from final
