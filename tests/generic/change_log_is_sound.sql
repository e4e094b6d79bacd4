{#- The rules of stg_events__classified, in one query, over the rows its
    latest build wrote (platform.model_builds; every row after a build in
    full, none after a build that found nothing new): a raw_row_id on every
    row; a known fate; a reject reason exactly on rejected rows; a known
    bot reason exactly on bot rows; and, over the whole table, each
    raw_row_id the build wrote once and each of its accepted event ids
    accepted once. Sound because a build rewrites (and
    stamps with processed_at = its built_at) every row whose fate it can
    change: a row it did not write was checked by the build that did.
    After a build in full, the keys are grouped over the table without the
    semi join to the written rows (the same rows, at half the cost); event
    ids are grouped by hash first, and only hashes seen twice by text.
    One row per broken rule and row. -#}
{% test change_log_is_sound(model) %}
{%- set latest = {'built_at': none, 'mode': none, 'rows_changed': none} %}
{%- set builds = model_builds_relation() %}
{%- if execute and adapter.get_relation(
        builds.database, builds.schema, builds.identifier) is not none %}
    {%- set found = run_query(
        'select cast(built_at as string), build_mode, rows_changed from '
        ~ model_builds_relation() ~ ' where model_name = '
        ~ sql_string(model.identifier)
        ~ ' order by build_number desc limit 1') %}
    {%- if found.rows | length > 0 %}
        {%- do latest.update({
            'built_at': found.rows[0][0],
            'mode': found.rows[0][1],
            'rows_changed': found.rows[0][2],
        }) %}
    {%- endif %}
{%- endif %}
{%- set whole_table = latest.mode != 'incremental' %}
{%- set wrote_nothing = latest.mode == 'incremental' and latest.rows_changed == 0 %}
{%- set accepted = "event_status in ('bot', 'counted')" %}
with

written as (

    select *
    from {{ model }}
    where
        {%- if latest.built_at is none %}
        processed_at = (select max(processed_at) from {{ model }})
        {%- else %}
        processed_at = cast({{ sql_string(latest.built_at) }} as timestamp)
        {%- endif %}

),

{%- if not wrote_nothing %}

accepted_hashes as (

    select hash(event_id) as event_hash
    from {{ model }}
    where
        {{ accepted }}
        {%- if not whole_table %}
        and hash(event_id) in (
            select hash(event_id) from written where {{ accepted }}
        )
        {%- endif %}
    group by hash(event_id)
    having count(*) > 1

),

{%- endif %}

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
    select 'bot_reason disagrees with event_status', cast(raw_row_id as string)
    from written
    where
        (event_status = 'bot') <> (bot_reason is not null)
        or not (
            bot_reason in ('user_agent_pattern', 'no_user_agent')
            or bot_reason like 'behaviour:%'
        )
    {%- if not wrote_nothing %}
    union all
    select 'raw_row_id repeated', cast(raw_row_id as string)
    from {{ model }}
    {%- if not whole_table %}
    where raw_row_id in (select raw_row_id from written)
    {%- endif %}
    group by raw_row_id
    having count(*) > 1
    union all
    select 'event_id accepted more than once', event_id
    from {{ model }}
    where
        {{ accepted }}
        and hash(event_id) in (select event_hash from accepted_hashes)
    group by event_id
    having count(*) > 1
    {%- endif %}

)

select * from problems
{% endtest %}
