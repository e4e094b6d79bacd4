-- Hand-written DuckDB SQL for the four marts and the two audit tables, straight
-- from the raw Parquet files and the seeds: the engine limit that the dbt
-- build is compared with (benchmarks/run_benchmark.py). Same rules as the
-- dbt models (README "What is counted" and "How visitors are counted", SPEC
-- sections 1 to 4), written for speed rather than for incremental builds.
-- SPEC section 5's funnel options are not implemented: a funnel that sets
-- them is counted by section 3 here, and run_benchmark.py leaves its rows
-- of fct_funnel_steps out of the comparison (funnels_with_options).
--
-- benchmarks/run_benchmark.py fills in, by plain text replacement:
--   {raw_path}        SQL string literal of the files (a glob, as RAW_EVENTS_PATH)
--   {seeds_dir}       path of the project's seeds/ folder (inside a literal)
--   {time_parts}      per raw row, once: spec_time_parts(occurred_at) for string
--                     times, null for Parquet timestamps
--   {time_value}      the UTC TIMESTAMP (microseconds) of a raw row, from
--                     occurred_at and time_parts: spec_time_from_parts(time_parts)
--                     for strings; make_timestamp(epoch_us(occurred_at)) for
--                     typed times (nanoseconds floored, as the project does)
--   {time_text}       the text of a raw occurred_at, as the project shows it
--                     (rejected_events; the tie-break of string times)
--   {time_tie_break}  "occurred_at_text nulls last," for string times; empty
--                     for typed ones (there the text is a function of the time,
--                     so it never breaks a tie that the time left)
-- and runs it in a fresh database file with the dbt profile's DuckDB settings
-- (threads, memory_limit, TimeZone UTC, preserve_insertion_order false).
-- Its windowFunnel check also reads the temporary tables funnel_events and
-- funnel_reach. Funnels of at most 10 steps, at most 62 goals (checked).
--
-- The formulation (measured at 10M rows on 2 cores; see the README of
-- benchmarks/ for what was tried):
-- * One scan of the files does the per-row work. The low-cardinality strings
--   (event_name, page_url, user_agent) are Parquet dictionary columns, and
--   what the rules read of them is computed once per distinct value and
--   joined on, which DuckDB does on the dictionary rather than per row:
--   which goals an event name has, which patterned goals a URL's page path
--   matches (LIKE), whether a user agent is a bot's or non-empty.
-- * Rows are kept narrow: a hash of event_id, event_id, visitor_id, the
--   time, a bit mask of the goals the event completes, two user agent
--   flags. The raw text of rejected rows rides along in a struct that is
--   null on accepted rows.
-- * Duplicates: a hash aggregate on the 64-bit hash of event_id finds the
--   repeated hashes; only their rows (~2%) are grouped by event_id itself (a
--   collision just makes a one-row group). When the earliest deliveries of
--   an event_id agree on everything the marts read (visitor, goals, agent
--   flags), any of them can be the one kept; only the others go through
--   the full SPEC tie-break on the raw columns (an empty set skips that
--   scan).
-- * One aggregate over the kept rows, per visitor and day (rows, agent
--   flags, OR of goal masks), gives the bots, the reconciliation and every
--   rate's numerator and denominator.
-- * The funnel: one ASOF join per step over the step events (faster than
--   the models' per-level window passes and than a per-visitor list_reduce).

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
from read_csv(
    '{seeds_dir}/bot_user_agent_patterns.csv', header = true, all_varchar = true
);

-- The funnel pass below is unrolled to 10 steps, as the models are
-- (var funnel_max_steps); a longer funnel stops the script.
select case
    when max(step_order) > 10
        then error('handwritten.sql handles funnels of at most 10 steps')
end
from goals;

create table marts.dim_goals as
select
    goal_id, goal_name, goal_type, event_name, page_path_pattern, funnel_id,
    step_order, description, funnel_name, conversion_window_days
from goals;

-- ------------------------------------------------------------- macros

-- SPEC's "empty": null, empty or only ASCII whitespace (space, tab, LF, VT,
-- FF, CR). The first-character test is only a shortcut before the regex
-- (ascii('') is 0).
create temp macro blank(x) as
    x is null
    or (ascii(x) <= 32 and regexp_full_match(x, '[ \t\n\r\x0B\f]*'));

create temp macro reject_reason(event_id, visitor_id, event_name, ts) as
    case
        when blank(event_id) then 'missing_event_id'
        when blank(visitor_id) then 'missing_visitor_id'
        when blank(event_name) then 'missing_event_name'
        when ts is null then 'invalid_occurred_at'
    end;

-- SPEC time strings (macros/parse_event_time.sql): after trimming ASCII
-- whitespace, YYYY-MM-DD, T or a space, hh:mm[:ss[.fraction]], then Z,
-- +hh:mm, -hh:mm, +hhmm or -hhmm; the fraction truncated to microseconds;
-- impossible dates and times are null.
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

-- The path of a page URL (macros/url_parts.sql): up to the first ? or #,
-- scheme and host dropped, / when empty, e-mail addresses (also with @
-- written %40) as [email]; null for a blank URL.
create temp macro url_path(u) as
    case when not blank(u) then regexp_replace(
        coalesce(nullif(regexp_replace(
            regexp_extract(u, '^[^?#]*'),
            '^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*',
            ''
        ), ''), '/'),
        '[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9-]+([.][A-Za-z0-9-]+)+',
        '[email]',
        'g'
    ) end;

-- The lower-cased host of a URL with a scheme (or //), else null.
create temp macro url_host(u) as
    lower(nullif(regexp_extract(
        u,
        '^[ \t]*([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*@)?([^/?#:]*)',
        3
    ), ''));

-- Every raw row, read where it is used (a use reads only the columns it
-- needs): the nine raw columns, ts (the UTC time, null when not a time),
-- and where the row came from.
create temp view raw_events as
select
    event_id, visitor_id, session_id, event_name, occurred_at, page_url,
    referrer_url, user_agent, properties, source_file, source_line,
    {time_value} as ts
from (
    select
        *,
        {time_parts} as time_parts,
        filename as source_file,
        file_row_number + 1 as source_line
    from read_parquet({raw_path}, filename = true, file_row_number = true)
);

-- ------------------------------------------- goals as bits of a mask

-- Goal i (in goal_id order) is bit i of a BIGINT: which goals an event
-- completes is one number per row.
select case
    when count(*) > 62 then error('handwritten.sql handles at most 62 goals')
end
from goals;

create temp table goal_bits as
select
    *,
    cast(1 as bigint) << cast(row_number() over (order by goal_id) - 1 as integer)
        as bit
from goals;

set variable unpatterned_goals = (
    select coalesce(bit_or(bit), 0) from goal_bits where page_path_pattern is null
);

set variable funnel_goals = (
    select coalesce(bit_or(bit), 0) from goal_bits where funnel_id is not null
);

-- The goals of each event name.
create temp table event_name_goals as
select event_name, bit_or(bit) as goals
from goal_bits
group by event_name;

-- ------------------------------------- per distinct user agent and URL

-- A user agent is a bot's when it holds a pattern (literal, lower case).
create temp table user_agents as
select
    user_agent,
    exists (
        select 1 from bot_patterns
        where contains(lower(ua.user_agent), bot_patterns.pattern)
    ) as is_bot_agent,
    not blank(user_agent) as is_present
from (
    select distinct user_agent from raw_events where user_agent is not null
) as ua;

-- The patterned goals whose pattern a URL's page path is LIKE (only URLs
-- that match one).
create temp table page_url_goals as
select urls.page_url, bit_or(goal_bits.bit) as goals
from (
    select distinct page_url from raw_events where page_url is not null
) as urls
inner join goal_bits
    on goal_bits.page_path_pattern is not null
    and url_path(urls.page_url) like goal_bits.page_path_pattern
group by urls.page_url;

-- ----------------------------------------- SPEC section 1: each row's fate

-- Every raw row, narrow: its reject reason (null: accepted) and what the
-- later rules read: the goals it completes (event name and, for patterned
-- goals, page path), whether its user agent is a bot's or non-empty. The
-- raw values of a rejected row are kept for the audit.
create temp table staged as
select
    reject_reason(r.event_id, r.visitor_id, r.event_name, r.ts) as reject_reason,
    hash(r.event_id) as h,
    r.event_id,
    r.visitor_id,
    r.ts,
    coalesce(n.goals, 0)
    & (getvariable('unpatterned_goals') | coalesce(p.goals, 0)) as goals,
    coalesce(u.is_bot_agent, false) as ua_bot,
    coalesce(u.is_present, false) as ua_present,
    case when reject_reason is not null then {
        'session_id': r.session_id,
        'event_name': r.event_name,
        'occurred_at': r.occurred_at,
        'page_url': r.page_url,
        'referrer_url': r.referrer_url,
        'user_agent': r.user_agent,
        'source_file': r.source_file,
        'source_line': r.source_line
    } end as rejected_raw
from raw_events as r
left join event_name_goals as n on r.event_name = n.event_name
left join page_url_goals as p on r.page_url = p.page_url
left join user_agents as u on r.user_agent = u.user_agent;

create temp view accepted as
select h, event_id, visitor_id, ts, goals, ua_bot, ua_present
from staged
where reject_reason is null;

-- Hashes of event_id seen more than once among accepted rows.
create temp table repeated_hashes as
select h
from accepted
group by h
having count(*) > 1;

-- Their rows, at the earliest time of their event_id.
create temp table repeated as
select * from accepted where h in (select h from repeated_hashes);

create temp table first_deliveries as
select * exclude (first_ts)
from (
    select *, min(ts) over (partition by event_id) as first_ts from repeated
)
where ts = first_ts;

-- event_ids whose earliest deliveries differ in what the marts read: the
-- SPEC tie-break over the raw columns decides which one is kept.
create temp table ambiguous_ids as
select event_id
from first_deliveries
group by event_id
having count(distinct {
    'v': visitor_id, 'g': goals, 'b': ua_bot, 'u': ua_present
}) > 1;

-- The kept delivery of every repeated event_id.
create temp table winners as
select
    any_value(visitor_id) as visitor_id,
    min(ts) as ts,
    any_value(goals) as goals,
    bool_or(ua_bot) as ua_bot,
    bool_or(ua_present) as ua_present
from first_deliveries
where event_id not in (select event_id from ambiguous_ids)
group by event_id
union all
select
    ranked.visitor_id,
    ranked.ts,
    coalesce(n.goals, 0)
    & (getvariable('unpatterned_goals') | coalesce(p.goals, 0)),
    coalesce(u.is_bot_agent, false),
    coalesce(u.is_present, false)
from (
    select
        *,
        row_number() over (
            partition by event_id
            order by
                ts, visitor_id nulls last, session_id nulls last,
                event_name nulls last, {time_tie_break}
                page_url nulls last, referrer_url nulls last,
                user_agent nulls last, properties nulls last
        ) as delivery_rank
    from (
        select *, {time_text} as occurred_at_text
        from raw_events
        where event_id in (select event_id from ambiguous_ids)
    )
    where reject_reason(event_id, visitor_id, event_name, ts) is null
) as ranked
left join event_name_goals as n on ranked.event_name = n.event_name
left join page_url_goals as p on ranked.page_url = p.page_url
left join user_agents as u on ranked.user_agent = u.user_agent
where ranked.delivery_rank = 1;

-- Accepted and not a duplicate: one row per event_id.
create temp view kept as
select visitor_id, ts, goals, ua_bot, ua_present
from accepted
where h not in (select h from repeated_hashes)
union all
select visitor_id, ts, goals, ua_bot, ua_present
from winners;

-- One pass over the kept rows: per visitor and day, the rows, the user
-- agent flags and the goals completed.
create temp table kept_days as
select
    visitor_id,
    cast(ts as date) as activity_date,
    count(*) as kept_rows,
    bool_or(ua_bot) as any_bot_agent,
    bool_or(ua_present) as any_agent,
    bit_or(goals) as goals
from kept
group by visitor_id, cast(ts as date);

-- Bots: a kept event with a bot user agent, or no kept event with one.
create temp table visitors as
select
    visitor_id,
    bool_or(any_bot_agent) or not bool_or(any_agent) as is_bot,
    sum(kept_rows) as kept_rows
from kept_days
group by visitor_id;

create temp table bot_visitors as
select visitor_id from visitors where is_bot;

-- ---------------------------------------------------------------- audit

create table audit.event_reconciliation as
with
fates as (
    select
        count(*) as raw_rows,
        count(*) filter (where reject_reason is not null) as rejected_rows
    from staged
),
duplicates as (
    select count(*) - count(distinct event_id) as duplicate_rows from repeated
),
split as (
    select
        coalesce(sum(kept_rows) filter (where is_bot), 0) as bot_rows,
        coalesce(sum(kept_rows) filter (where not is_bot), 0) as counted_rows,
        count(*) filter (where not is_bot) as human_visitors,
        count(*) filter (where is_bot) as bot_visitors
    from visitors
)
select
    fates.raw_rows,
    fates.rejected_rows,
    duplicates.duplicate_rows,
    cast(split.bot_rows as bigint) as bot_rows,
    cast(split.counted_rows as bigint) as counted_rows,
    split.human_visitors,
    split.bot_visitors
from fates, duplicates, split;

create table audit.rejected_events as
select
    event_id,
    visitor_id,
    session_id,
    event_name,
    {time_text} as occurred_at,
    url_path(page_url) as page_path,
    url_host(referrer_url) as referrer_host,
    user_agent,
    reject_reason,
    source_file,
    source_line
from (
    select event_id, visitor_id, reject_reason, unnest(rejected_raw)
    from staged
    where reject_reason is not null
);

-- ------------------------------------------------------ rates (SPEC 3)

-- Human visitors per day with the goals they completed that day.
create temp table visitor_days as
select visitor_id, activity_date, goals
from kept_days
where visitor_id not in (select visitor_id from bot_visitors);

create temp table visitor_goal_days as
select visitor_days.visitor_id, goal_bits.goal_id, visitor_days.activity_date
from visitor_days
inner join goal_bits on visitor_days.goals & goal_bits.bit <> 0
where visitor_days.goals <> 0;

-- Weeks (from Monday) and months from visitors, never from daily figures.
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

-- Counted events completing funnel steps, one row per step completed.
create temp table funnel_events as
select
    kept.visitor_id,
    goal_bits.funnel_id,
    goal_bits.step_order,
    epoch_us(kept.ts) as us,
    cast(goal_bits.conversion_window_days as bigint) * 86400000000 as window_us
from kept
inner join goal_bits
    on kept.goals & goal_bits.bit <> 0 and goal_bits.funnel_id is not null
where
    kept.goals & getvariable('funnel_goals') <> 0
    and kept.visitor_id not in (select visitor_id from bot_visitors);

-- Level by level: a step-k event reaches k when the latest level-(k-1)
-- event strictly before it (ASOF) carries a start within the window. The
-- latest one carries the latest start (a level's start never decreases
-- with time), which is the best start for every later step. Ties at one
-- instant carry the same start, so whichever ASOF picks is right.
create temp table level_1 as
select visitor_id, funnel_id, us, us as start_us
from funnel_events
where step_order = 1;

create temp macro next_level(previous, step) as table
select e.visitor_id, e.funnel_id, e.us, p.start_us
from (select * from funnel_events where step_order = step) as e
asof inner join query_table(previous) as p
    on e.visitor_id = p.visitor_id
    and e.funnel_id = p.funnel_id
    and e.us > p.us
where e.us - p.start_us <= e.window_us;

create temp table level_2 as select * from next_level('level_1', 2);
create temp table level_3 as select * from next_level('level_2', 3);
create temp table level_4 as select * from next_level('level_3', 4);
create temp table level_5 as select * from next_level('level_4', 5);
create temp table level_6 as select * from next_level('level_5', 6);
create temp table level_7 as select * from next_level('level_6', 7);
create temp table level_8 as select * from next_level('level_7', 8);
create temp table level_9 as select * from next_level('level_8', 9);
create temp table level_10 as select * from next_level('level_9', 10);

-- Reaching k implies reaching k - 1, so the deepest step is 1 plus the
-- number of deeper levels a visitor appears in.
create temp table funnel_reach as
with
entries as (
    select visitor_id, funnel_id, min(us) as first_us
    from level_1
    group by visitor_id, funnel_id
),
deeper as (
    select visitor_id, funnel_id, count(*) as levels
    from (
        select distinct visitor_id, funnel_id, 2 as level from level_2
        union all select distinct visitor_id, funnel_id, 3 from level_3
        union all select distinct visitor_id, funnel_id, 4 from level_4
        union all select distinct visitor_id, funnel_id, 5 from level_5
        union all select distinct visitor_id, funnel_id, 6 from level_6
        union all select distinct visitor_id, funnel_id, 7 from level_7
        union all select distinct visitor_id, funnel_id, 8 from level_8
        union all select distinct visitor_id, funnel_id, 9 from level_9
        union all select distinct visitor_id, funnel_id, 10 from level_10
    )
    group by visitor_id, funnel_id
)
select
    entries.funnel_id,
    entries.visitor_id,
    cast(make_timestamp(entries.first_us) as date) as cohort_date,
    cast(1 + coalesce(deeper.levels, 0) as integer) as steps_reached
from entries
left join deeper
    on entries.visitor_id = deeper.visitor_id
    and entries.funnel_id = deeper.funnel_id;

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
