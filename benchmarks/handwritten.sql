-- Hand-written DuckDB SQL for the four marts and the two audit tables, straight
-- from the raw Parquet files and the seeds: the engine limit the dbt build is
-- compared with (benchmarks/run_benchmark.py). Same rules as the dbt models
-- (README "What is counted", "How visitors are counted"; SPEC sections 1-4).
--
-- The runner fills in, by plain text replacement:
--   {raw_path}     SQL literal of the files: a glob or a list of paths
--   {seeds_dir}    path of seeds/ (no quotes)
--   {time_parts}   per raw row, once: spec_time_parts(occurred_at) for string
--                  times, null for typed ones
--   {time_value}   the UTC TIMESTAMP (microseconds) from occurred_at and
--                  time_parts: spec_time_from_parts(time_parts) for strings;
--                  epoch_us, or epoch_ns floored, for typed times
--   {time_text}    occurred_at as text (rejected_events, tie-break)
--   {time_tie_break}  "occurred_at_text nulls last," for string times, empty
--                  for typed ones (there the text is a function of the value,
--                  so it never breaks a tie the value left)
-- and runs it in a fresh database with the profile's settings (threads,
-- memory_limit, TimeZone UTC, preserve_insertion_order false).
--
-- Shape: three projections of the Parquet scan instead of one wide copy of
-- the rows (the columns a rule needs are read where it needs them): the
-- accepted rows' narrow columns once; all columns only for the ~1% of rows
-- whose event_id repeats; all columns only for rejected rows. Duplicates are
-- found with a hash aggregate, not a sort of every row. Bot user agents are
-- classified once per distinct user agent. The funnel is one ordered pass
-- per visitor (list_reduce over the visitor's step events).

create schema if not exists marts;
create schema if not exists audit;

-- ------------------------------------------------------------ definitions

create temp table funnels as
select
    funnel_id,
    funnel_name,
    cast(conversion_window_days as integer) as conversion_window_days,
    description
from read_csv('{seeds_dir}/funnels.csv', header = true, all_varchar = true);

create temp table goals as
select
    g.goal_id,
    g.goal_name,
    g.goal_type,
    g.event_name,
    g.page_path_pattern,
    g.funnel_id,
    cast(g.step_order as integer) as step_order,
    g.description,
    f.funnel_name,
    f.conversion_window_days
from read_csv('{seeds_dir}/goals.csv', header = true, all_varchar = true) as g
left join funnels as f on g.funnel_id = f.funnel_id;

create temp table bot_patterns as
select lower(pattern) as pattern
from read_csv('{seeds_dir}/bot_user_agent_patterns.csv', header = true,
              all_varchar = true);

create table marts.dim_goals as
select
    goal_id, goal_name, goal_type, event_name, page_path_pattern, funnel_id,
    step_order, description, funnel_name, conversion_window_days
from goals;

-- ------------------------------------------------- SPEC section 1: fates

-- SPEC's "empty": null, or only ASCII space, tab, LF, VT, FF, CR.
create temp macro blank(x) as
    x is null or ltrim(x, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)) = '';

create temp macro reject_reason(event_id, visitor_id, event_name, ts) as
    case
        when blank(event_id) then 'missing_event_id'
        when blank(visitor_id) then 'missing_visitor_id'
        when blank(event_name) then 'missing_event_name'
        when ts is null then 'invalid_occurred_at'
    end;

-- SPEC time strings (macros/parse_event_time.sql): trimmed ASCII whitespace,
-- YYYY-MM-DD, T or space, hh:mm[:ss[.fraction]], then Z, +hh:mm, -hh:mm,
-- +hhmm or -hhmm; the fraction truncated to microseconds; impossible
-- dates and times are null.
create temp macro spec_time_parts(t) as regexp_extract(
    t,
    '^[ \t\n\r\x0B\f]*([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}):([0-9]{2})'
    || '(?::([0-9]{2})(?:[.]([0-9]+))?)?(Z|([+-])([0-9]{2}):?([0-9]{2}))?'
    || '[ \t\n\r\x0B\f]*$',
    ['day', 'hh', 'mi', 'ss', 'fraction', 'zone', 'sign', 'zh', 'zm']
);

create temp macro spec_time_from_parts(p) as
    case
        when p.day <> ''
            and try_cast(p.hh as integer) < 24
            and try_cast(p.mi as integer) < 60
            and coalesce(try_cast(nullif(p.ss, '') as integer), 0) < 60
            and coalesce(try_cast(nullif(p.zh, '') as integer), 0) < 24
            and coalesce(try_cast(nullif(p.zm, '') as integer), 0) < 60
            then try_cast(p.day as date)
                + to_hours(try_cast(p.hh as bigint))
                + to_minutes(try_cast(p.mi as bigint))
                + to_seconds(coalesce(try_cast(nullif(p.ss, '') as bigint), 0))
                + to_microseconds(coalesce(try_cast(
                    rpad(left(nullif(p.fraction, ''), 6), 6, '0') as bigint
                ), 0))
                - to_minutes(
                    case p.sign when '-' then -1 else 1 end
                    * coalesce(
                        try_cast(nullif(p.zh, '') as bigint) * 60
                        + try_cast(nullif(p.zm, '') as bigint),
                        0
                    )
                )
    end;

-- Every raw row, read where used (each use scans only the columns it
-- needs): the nine columns, the time as a UTC timestamp (ts, null when not
-- a time), where the row came from.
create temp view raw_events as
select
    event_id, visitor_id, session_id, event_name, occurred_at_text, page_url,
    referrer_url, user_agent, properties, source_file, source_line,
    {time_value} as ts
from (
    select
        *,
        {time_parts} as time_parts,
        {time_text} as occurred_at_text,
        filename as source_file,
        file_row_number + 1 as source_line
    from read_parquet({raw_path}, filename = true, file_row_number = true)
);

-- Accepted rows (not rejected), before deduplication: what every later rule
-- reads. page_url stays raw; its path is taken only where a goal needs one.
create temp table accepted as
select event_id, visitor_id, event_name, ts, page_url, user_agent
from (
    select event_id, visitor_id, event_name, page_url, user_agent, ts
    from raw_events
)
where reject_reason(event_id, visitor_id, event_name, ts) is null;

-- event_ids delivered more than once among accepted rows (~1%).
create temp table repeated_ids as
select event_id
from accepted
group by event_id
having count(*) > 1;

-- Those deliveries with every raw column, ranked: the earliest occurred_at
-- is kept; among equal times the smallest raw columns in SPEC order, nulls
-- last.
create temp table repeated_ranked as
select
    visitor_id, event_name, ts, page_url, user_agent,
    row_number() over (
        partition by event_id
        order by
            ts, visitor_id nulls last, session_id nulls last,
            event_name nulls last, {time_tie_break}
            page_url nulls last,
            referrer_url nulls last, user_agent nulls last,
            properties nulls last
    ) as delivery_rank
from (
    select *
    from raw_events
    where event_id in (select event_id from repeated_ids)
)
where reject_reason(event_id, visitor_id, event_name, ts) is null;

-- Accepted and not a duplicate: one row per event_id.
create temp table kept as
select visitor_id, event_name, ts, page_url, user_agent
from accepted
where event_id not in (select event_id from repeated_ids)
union all
select visitor_id, event_name, ts, page_url, user_agent
from repeated_ranked
where delivery_rank = 1;

-- Bots: any kept event with a user agent holding a pattern (literal, lower
-- case), or no kept event with a non-empty user agent.
create temp table user_agents as
select
    ua.user_agent,
    exists (
        select 1 from bot_patterns as p
        where contains(lower(ua.user_agent), p.pattern)
    ) as is_bot_agent,
    not blank(ua.user_agent) as is_present
from (select distinct user_agent from kept where user_agent is not null) as ua;

create temp table bot_visitors as
select kept.visitor_id
from kept
left join user_agents on kept.user_agent = user_agents.user_agent
group by kept.visitor_id
having bool_or(coalesce(user_agents.is_bot_agent, false))
    or not bool_or(coalesce(user_agents.is_present, false));

-- Counted events: kept events of human visitors.
create temp table counted as
select visitor_id, event_name, ts, page_url
from kept
where visitor_id not in (select visitor_id from bot_visitors);

-- ---------------------------------------------------------------- audit

create table audit.event_reconciliation as
with
bot_rows as (
    select count(*) as n
    from kept
    where visitor_id in (select visitor_id from bot_visitors)
),
counted_rows as (
    select count(*) as n, count(distinct visitor_id) as visitors from counted
),
raw as (select count(*) as n from raw_events),
acc as (select count(*) as n from accepted),
dup as (select count(*) as n from repeated_ranked where delivery_rank > 1)
select
    raw.n as raw_rows,
    raw.n - acc.n as rejected_rows,
    dup.n as duplicate_rows,
    bot_rows.n as bot_rows,
    counted_rows.n as counted_rows,
    counted_rows.visitors as human_visitors,
    (select count(*) from bot_visitors) as bot_visitors
from raw, acc, dup, bot_rows, counted_rows;

create table audit.rejected_events as
select
    event_id,
    visitor_id,
    session_id,
    event_name,
    occurred_at_text as occurred_at,
    case when not blank(page_url) then regexp_replace(
        coalesce(nullif(regexp_replace(
            regexp_extract(page_url, '^[^?#]*'),
            '^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*',
            ''
        ), ''), '/'),
        '[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9-]+([.][A-Za-z0-9-]+)+',
        '[email]',
        'g'
    ) end as page_path,
    lower(nullif(regexp_extract(
        referrer_url,
        '^[ \t]*([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*@)?([^/?#:]*)',
        3
    ), '')) as referrer_host,
    user_agent,
    reject_reason,
    source_file,
    source_line
from (
    select
        *,
        reject_reason(event_id, visitor_id, event_name, ts) as reject_reason
    from raw_events
)
where reject_reason is not null;

-- ------------------------------------------------------- goal matching

-- A counted event completes a goal when the event names are equal and,
-- where the goal has a pattern, its page path is LIKE it. The path (the
-- url_path macro: up to the first ? or #, scheme and host dropped, / when
-- empty, e-mail addresses as [email]) is taken only for events whose name
-- has a patterned goal.
create temp table goal_events as
with
named as (
    select
        counted.visitor_id,
        counted.ts,
        goals.goal_id,
        goals.funnel_id,
        goals.step_order,
        goals.page_path_pattern,
        case when goals.page_path_pattern is not null
            and not blank(counted.page_url) then coalesce(nullif(regexp_replace(
                regexp_extract(counted.page_url, '^[^?#]*'),
                '^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*',
                ''
            ), ''), '/')
        end as bare_path
    from counted
    inner join goals on counted.event_name = goals.event_name
),
pathed as (
    select
        *,
        case
            when contains(bare_path, '@') or contains(bare_path, '%40')
                then regexp_replace(
                    bare_path,
                    '[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9-]+([.][A-Za-z0-9-]+)+',
                    '[email]', 'g')
            else bare_path
        end as page_path
    from named
)
select visitor_id, ts, goal_id, funnel_id, step_order
from pathed
where page_path_pattern is null or page_path like page_path_pattern;

-- ------------------------------------------------------ rates (SPEC 3)

create temp table visitor_days as
select distinct visitor_id, cast(ts as date) as activity_date
from counted;

create temp table visitor_goal_days as
select distinct visitor_id, goal_id, cast(ts as date) as activity_date
from goal_events;

-- Weeks and months from visitors, never from daily figures.
create temp table periods as
select 'day' as period_grain, activity_date as period_start,
    count(*) as human_visitors
from visitor_days
group by activity_date
union all
select 'week', cast(date_trunc('week', activity_date) as date),
    count(distinct visitor_id)
from visitor_days
group by cast(date_trunc('week', activity_date) as date)
union all
select 'month', cast(date_trunc('month', activity_date) as date),
    count(distinct visitor_id)
from visitor_days
group by cast(date_trunc('month', activity_date) as date);

create temp table converters as
select 'day' as period_grain, activity_date as period_start, goal_id,
    count(*) as converting_visitors
from visitor_goal_days
group by activity_date, goal_id
union all
select 'week', cast(date_trunc('week', activity_date) as date), goal_id,
    count(distinct visitor_id)
from visitor_goal_days
group by cast(date_trunc('week', activity_date) as date), goal_id
union all
select 'month', cast(date_trunc('month', activity_date) as date), goal_id,
    count(distinct visitor_id)
from visitor_goal_days
group by cast(date_trunc('month', activity_date) as date), goal_id;

create table marts.fct_goal_conversion_rates as
select
    periods.period_grain,
    periods.period_start,
    goals.goal_id,
    goals.goal_name,
    goals.goal_type,
    goals.funnel_id,
    periods.human_visitors,
    coalesce(converters.converting_visitors, 0) as converting_visitors,
    cast(coalesce(converters.converting_visitors, 0) as double)
    / nullif(periods.human_visitors, 0) as conversion_rate
from periods
cross join goals
left join converters
    on periods.period_grain = converters.period_grain
    and periods.period_start = converters.period_start
    and goals.goal_id = converters.goal_id;

create table marts.fct_macro_conversion_rates as
select *
from marts.fct_goal_conversion_rates
where goal_type = 'macro';

-- ----------------------------------------------------- funnel (SPEC 3)

create temp table funnel_meta as
select
    funnel_id,
    cast(max(step_order) as integer) as n_steps,
    cast(any_value(conversion_window_days) as bigint) * 86400000000 as window_us
from goals
where funnel_id is not null
group by funnel_id;

create temp table funnel_events as
select visitor_id, funnel_id, step_order, ts, epoch_us(ts) as us
from goal_events
where funnel_id is not null;

-- One ordered pass per visitor and funnel over their step events, sorted by
-- time and, at one instant, by step descending (so an event never extends
-- a chain through another event at the same instant). The state holds, per
-- step k, the latest start (step-1 time) of a chain that reached k: a
-- step-k event extends the level-(k-1) chain when it lies within the
-- window of that start; a later start is always at least as good, so the
-- latest one is all that is kept. The deepest step is the number of steps
-- with a state.
create temp table funnel_reach as
with
per_visitor as (
    select
        visitor_id,
        funnel_id,
        min(ts) filter (where step_order = 1) as first_step_at,
        list({'us': us, 'step': step_order} order by us, step_order desc)
            as step_events
    from funnel_events
    group by visitor_id, funnel_id
    having count(*) filter (where step_order = 1) > 0
)
select
    per_visitor.funnel_id,
    per_visitor.visitor_id,
    cast(per_visitor.first_step_at as date) as cohort_date,
    per_visitor.first_step_at,
    length(list_filter(
        list_reduce(
            per_visitor.step_events,
            lambda state, e: list_transform(state, lambda s, k: case
                when k <> e.step then s
                when k = 1 then e.us
                when e.us - state[k - 1] <= funnel_meta.window_us
                    then greatest(s, state[k - 1])
                else s
            end),
            list_transform(range(funnel_meta.n_steps), lambda i: cast(null as bigint))
        ),
        lambda s: s is not null
    )) as steps_reached
from per_visitor
inner join funnel_meta on per_visitor.funnel_id = funnel_meta.funnel_id;

create table marts.fct_funnel_steps as
with
deepest_counts as (
    select funnel_id, cohort_date, steps_reached, count(*) as visitors
    from funnel_reach
    group by funnel_id, cohort_date, steps_reached
),
cohorts as (
    select distinct funnel_id, cohort_date from deepest_counts
),
reached as (
    select
        cohorts.funnel_id,
        goals.funnel_name,
        cohorts.cohort_date,
        goals.step_order,
        goals.goal_id,
        goals.goal_name,
        goals.goal_type,
        cast(coalesce(sum(deepest_counts.visitors), 0) as bigint)
            as visitors_reached
    from cohorts
    inner join goals on cohorts.funnel_id = goals.funnel_id
    left join deepest_counts
        on cohorts.funnel_id = deepest_counts.funnel_id
        and cohorts.cohort_date = deepest_counts.cohort_date
        and goals.step_order <= deepest_counts.steps_reached
    group by all
),
with_previous as (
    select
        *,
        lag(visitors_reached) over (
            partition by funnel_id, cohort_date order by step_order
        ) as visitors_at_previous_step,
        first_value(visitors_reached) over (
            partition by funnel_id, cohort_date order by step_order
        ) as visitors_at_first_step
    from reached
)
select
    funnel_id,
    funnel_name,
    cohort_date,
    step_order,
    goal_id,
    goal_name,
    goal_type,
    visitors_reached,
    visitors_at_previous_step,
    cast(visitors_reached as double)
    / nullif(visitors_at_previous_step, 0) as rate_from_previous_step,
    cast(visitors_reached as double)
    / nullif(visitors_at_first_step, 0) as rate_from_first_step,
    visitors_at_previous_step - visitors_reached as visitors_dropped
from with_previous;
