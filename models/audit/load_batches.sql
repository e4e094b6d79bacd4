{#- One row per raw file loaded: when, how many rows, their fate, and how
    many arrived late (occurred more than var late_event_lookback_days
    before the newest event of the same file). -#}
with

raw_rows as (

    select * from {{ ref('stg_events__raw_rows') }}

),

classified as (

    select * from {{ ref('stg_events__classified') }}

),

file_times as (

    select
        source_file,
        max(occurred_at) as newest_occurred_at
    from classified
    group by source_file

),

files as (

    select
        source_file,
        min(file_index) as file_index,
        min(loaded_at) as loaded_at,
        min(source_file_size) as source_file_size
    from raw_rows
    group by source_file

),

fates as (

    select
        classified.source_file,
        count(*) as raw_rows,
        count(*) filter (
            where classified.event_status = 'rejected'
        ) as rejected_rows,
        count(*) filter (
            where classified.event_status = 'duplicate'
        ) as duplicate_rows,
        count(*) filter (where classified.event_status = 'bot') as bot_rows,
        count(*) filter (
            where classified.event_status = 'counted'
        ) as counted_rows,
        min(classified.occurred_at) as oldest_occurred_at,
        count(*) filter (
            where classified.occurred_at < file_times.newest_occurred_at
            - interval {{ var('late_event_lookback_days') | int }} days
        ) as late_rows
    from classified
    inner join file_times
        on classified.source_file = file_times.source_file
    group by classified.source_file

),

final as (

    select
        files.source_file,
        files.file_index,
        files.loaded_at,
        files.source_file_size,
        fates.raw_rows,
        fates.rejected_rows,
        fates.duplicate_rows,
        fates.bot_rows,
        fates.counted_rows,
        fates.oldest_occurred_at,
        file_times.newest_occurred_at,
        fates.late_rows
    from files
    inner join fates
        on files.source_file = fates.source_file
    inner join file_times
        on files.source_file = file_times.source_file

)

select * from final
