{#- One row per goal that matched no counted event and per funnel without
    entrants, with what the counted events held instead: the 5 most
    frequent event names, and for a path pattern whose event name was
    seen, that event name's 5 most frequent page paths. Aggregates only.
    At the end of every build, report_unmatched_definitions (on-run-end)
    turns its rows into a warning, or an error with the var
    fail_on_unmatched_definitions. -#}
with

goals as (

    select * from {{ ref('int_goals') }}

),

funnels as (

    select * from {{ ref('funnels') }}

),

goal_events as (

    select * from {{ ref('int_goal_events_matched') }}

),

reach as (

    select * from {{ ref('int_funnel_visitor_reach') }}

),

events as (

    select * from {{ ref('stg_events__classified') }}
    where event_status = 'counted'

),

matched_goals as (

    select distinct goal_id from goal_events

),

entered_funnels as (

    select distinct funnel_id from reach

),

unmatched_goals as (

    select
        'goal' as definition_kind,
        goals.goal_id as definition_id,
        goals.goal_name as definition_name,
        goals.event_name,
        goals.page_path_pattern,
        'goal "' || goals.goal_id || '" (event_name "' || goals.event_name
        || '"' || coalesce(
            ', page_path_pattern "' || goals.page_path_pattern || '"', ''
        ) || ') matched no counted event' as finding
    from goals
    left join matched_goals
        on goals.goal_id = matched_goals.goal_id
    where matched_goals.goal_id is null

),

-- a funnel without entrants, with the event name and pattern of its step 1
empty_funnels as (

    select
        'funnel' as definition_kind,
        funnels.funnel_id as definition_id,
        funnels.funnel_name as definition_name,
        first_steps.event_name,
        first_steps.page_path_pattern,
        'funnel "' || funnels.funnel_id || '" has no entrants (step 1: goal "'
        || first_steps.goal_id || '", event_name "' || first_steps.event_name
        || '"' || coalesce(
            ', page_path_pattern "' || first_steps.page_path_pattern || '"', ''
        ) || ')' as finding
    from funnels
    inner join goals as first_steps
        on
            funnels.funnel_id = first_steps.funnel_id
            and first_steps.step_order = 1
    left join entered_funnels
        on funnels.funnel_id = entered_funnels.funnel_id
    where entered_funnels.funnel_id is null

),

unmatched as (

    select * from unmatched_goals
    union all
    select * from empty_funnels

),

event_name_counts as (

    select
        event_name,
        count(*) as event_count,
        row_number() over (
            order by count(*) desc, event_name
        ) as name_rank
    from events
    group by event_name

),

seen_event_names as (

    select
        {{ ordered_string_agg(
            "'\"' || event_name || '\" (' || cast(event_count as string) || ')'",
            "', '",
            'name_rank',
        ) }} as seen_event_names
    from event_name_counts
    where name_rank <= 5

),

-- page paths only of the event names of path patterns: a short scan
path_event_names as (

    select distinct event_name
    from unmatched
    where page_path_pattern is not null

),

page_path_counts as (

    select
        events.event_name,
        coalesce(events.page_path, '(none)') as page_path,
        count(*) as event_count,
        row_number() over (
            partition by events.event_name
            order by count(*) desc, coalesce(events.page_path, '(none)')
        ) as path_rank
    from events
    inner join path_event_names
        on events.event_name = path_event_names.event_name
    group by events.event_name, coalesce(events.page_path, '(none)')

),

seen_page_paths as (

    select
        event_name,
        {{ ordered_string_agg(
            "'\"' || page_path || '\" (' || cast(event_count as string) || ')'",
            "', '",
            'path_rank',
        ) }} as seen_page_paths
    from page_path_counts
    where path_rank <= 5
    group by event_name

),

final as (

    select
        unmatched.definition_kind,
        unmatched.definition_id,
        unmatched.definition_name,
        unmatched.event_name,
        unmatched.page_path_pattern,
        seen_event_names.seen_event_names,
        case
            when unmatched.page_path_pattern is not null
                then seen_page_paths.seen_page_paths
        end as seen_page_paths,
        unmatched.finding || '; event names seen: '
        || coalesce(seen_event_names.seen_event_names, 'none (no counted event)')
        || case
            when
                unmatched.page_path_pattern is not null
                and seen_page_paths.seen_page_paths is not null
                then
                    '; page paths seen for "' || unmatched.event_name || '": '
                    || seen_page_paths.seen_page_paths
            else ''
        end as problem
    from unmatched
    cross join seen_event_names
    left join seen_page_paths
        on unmatched.event_name = seen_page_paths.event_name

)

select * from final
