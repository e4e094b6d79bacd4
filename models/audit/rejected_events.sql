with

classified as (

    select * from {{ ref('stg_events__classified') }}

),

raw_files as (

    select * from {{ ref('stg_events__raw_files') }}

),

final as (

    select
        classified.event_id,
        classified.visitor_id,
        classified.session_id,
        classified.event_name,
        classified.occurred_at_text as occurred_at,
        classified.page_path,
        classified.referrer_host,
        classified.user_agent,
        classified.reject_reason,
        raw_files.source_file,
        classified.source_line
    from classified
    inner join raw_files
        on {{ raw_file_index('classified.raw_row_id') }} = raw_files.file_index
    where classified.event_status = 'rejected'

)

select * from final
