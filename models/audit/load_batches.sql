{#- One row per raw file loaded: when, how many rows, their fate, and how
    many arrived late. A load is one build's files (one loaded_at); a row
    is late when it occurred more than var late_event_lookback_days before
    the newest event of the earlier loads. Nothing is late on the first
    load, and a file's own events (or its build's) never make it late. -#}
with

raw_files as (

    select * from {{ ref('stg_events__raw_files') }}

),

classified as (

    select * from {{ ref('stg_events__classified') }}

),

fates as (

    select
        {{ raw_file_index('raw_row_id') }} as file_index,
        count(*) filter (where event_status = 'rejected') as rejected_rows,
        count(*) filter (where event_status = 'duplicate') as duplicate_rows,
        count(*) filter (where event_status = 'bot') as bot_rows,
        count(*) filter (where event_status = 'counted') as counted_rows,
        min(occurred_at) as oldest_occurred_at,
        max(occurred_at) as newest_occurred_at
    from classified
    group by {{ raw_file_index('raw_row_id') }}

),

-- a load: the files one build recorded (one loaded_at)
loads as (

    select distinct loaded_at from raw_files

),

-- the newest event time of each load
load_newest as (

    select
        raw_files.loaded_at,
        max(fates.newest_occurred_at) as newest_occurred_at
    from raw_files
    inner join fates
        on raw_files.file_index = fates.file_index
    group by raw_files.loaded_at

),

-- for each load, the newest event time of the loads before it
earlier_newest as (

    select
        loads.loaded_at,
        max(load_newest.newest_occurred_at) as earlier_newest_occurred_at
    from loads
    inner join load_newest
        on loads.loaded_at > load_newest.loaded_at
    group by loads.loaded_at

),

late as (

    select
        raw_files.file_index,
        count(*) as late_rows
    from classified
    inner join raw_files
        on {{ raw_file_index('classified.raw_row_id') }} = raw_files.file_index
    inner join earlier_newest
        on raw_files.loaded_at = earlier_newest.loaded_at
    where
        classified.occurred_at < earlier_newest.earlier_newest_occurred_at
        - interval {{ var('late_event_lookback_days') | int }} days
    group by raw_files.file_index

),

-- the contract's column order; a file without rows counts 0 of each fate
final as (

    select  -- noqa: ST06
        raw_files.source_file,
        raw_files.file_index,
        raw_files.loaded_at,
        raw_files.file_size as source_file_size,
        raw_files.row_count as raw_rows,
        coalesce(fates.rejected_rows, 0) as rejected_rows,
        coalesce(fates.duplicate_rows, 0) as duplicate_rows,
        coalesce(fates.bot_rows, 0) as bot_rows,
        coalesce(fates.counted_rows, 0) as counted_rows,
        fates.oldest_occurred_at,
        fates.newest_occurred_at,
        coalesce(late.late_rows, 0) as late_rows,
        earlier_newest.earlier_newest_occurred_at
    from raw_files
    left join fates
        on raw_files.file_index = fates.file_index
    left join late
        on raw_files.file_index = late.file_index
    left join earlier_newest
        on raw_files.loaded_at = earlier_newest.loaded_at

)

select * from final
