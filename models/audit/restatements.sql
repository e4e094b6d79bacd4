{#- One row per mart row whose figures changed in a build after that row
    was final (SPEC section 4, finality): a late event older than
    late_event_lookback_days, a visitor later found to be a bot, or a
    definition change. The previous build's figures are in
    platform.published_figures (published_figures_relation); this build's
    are read from the marts (current_figures_sql) and then published by
    the post-hooks. A history: appended to, never rebuilt, also on
    --full-refresh. The first build of a database restates nothing. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
    post_hook=[
        "{{ publish_figures_clear() }}",
        "{{ publish_figures_write() }}",
    ],
) }}

with

published_all as (

    select * from {{ published_figures_relation() }}

),

-- per mart, how far the data reached at the previous build
previous_builds as (

    select
        mart,
        max(data_through) as data_through,
        max(published_at) as published_at,
        max(definitions) as definitions
    from published_all
    group by mart

),

current_figures as (

    {{ current_figures_sql() }}

),

mart_definitions as (

    select distinct
        mart,
        definitions
    from current_figures

),

restated as (

    -- rows that were final whose counts changed, or that are gone
    select
        published_all.mart,
        published_all.row_key,
        published_all.figures as old_figures,
        current_figures.figures as new_figures,
        published_all.final_after,
        published_all.published_at,
        published_all.definitions
    from published_all
    left join current_figures
        on
            published_all.mart = current_figures.mart
            and published_all.row_key = current_figures.row_key
    where
        published_all.is_final
        and (
            current_figures.figures is null
            or current_figures.figures <> published_all.figures
        )

    union all

    -- rows that appear for a period or cohort that was already final at
    -- the previous build (the data then reached past its final_after)
    select
        current_figures.mart,
        current_figures.row_key,
        null as old_figures,
        current_figures.figures as new_figures,
        current_figures.final_after,
        previous_builds.published_at,
        previous_builds.definitions
    from current_figures
    inner join previous_builds
        on current_figures.mart = previous_builds.mart
    left join published_all
        on
            current_figures.mart = published_all.mart
            and current_figures.row_key = published_all.row_key
    where
        published_all.row_key is null
        and previous_builds.data_through > current_figures.final_after

),

final as (

    select
        {{ run_timestamp() }} as restated_at,
        restated.mart,
        restated.row_key,
        restated.old_figures,
        restated.new_figures,
        restated.final_after,
        restated.published_at,
        case
            when restated.definitions = mart_definitions.definitions
                then 'new data'
            else 'definitions changed'
        end as cause
    from restated
    left join mart_definitions
        on restated.mart = mart_definitions.mart

)

select * from final
