{#- The rules of stg_events__classified, in one query, over the rows the
    latest build wrote (every row after a build in full): a raw_row_id on
    every row; a known fate; a reject reason exactly on rejected rows; and,
    over the whole table, each raw_row_id the build wrote once and each of
    its accepted event ids accepted once. Sound because a build rewrites
    (and stamps with processed_at) every row whose fate it can change: a
    row it did not write was checked by the build that did. One row per
    broken rule and row. -#}
{% test change_log_is_sound(model) %}
with

written as (

    select *
    from {{ model }}
    where processed_at = (select max(processed_at) from {{ model }})

),

problems as (

    select 'raw_row_id is null' as problem, event_id as detail
    from written
    where raw_row_id is null
    union all
    select 'unknown event_status', cast(raw_row_id as string)
    from written
    where
        event_status is null
        or event_status not in ('rejected', 'duplicate', 'bot', 'counted')
    union all
    select 'reject_reason disagrees with event_status', cast(raw_row_id as string)
    from written
    where (event_status = 'rejected') <> (reject_reason is not null)
    union all
    select 'raw_row_id repeated', cast(raw_row_id as string)
    from {{ model }}
    where raw_row_id in (select raw_row_id from written)
    group by raw_row_id
    having count(*) > 1
    union all
    select 'event_id accepted more than once', event_id
    from {{ model }}
    where
        event_status in ('bot', 'counted')
        and event_id in (
            select event_id from written
            where event_status in ('bot', 'counted')
        )
    group by event_id
    having count(*) > 1

)

select * from problems
{% endtest %}
