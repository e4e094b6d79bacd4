"""fct_micro_macro_lift and fct_funnel_diagnosis against plain Python.

The adversarial dataset (`adversarial_events.generate`: >5,000 human visitors
over six weeks across the September/October boundary, bots, duplicate
deliveries) plus a few crafted visitors for the lift window's edges is built
once with `dbt build`. Both marts are then recomputed here from the raw rows,
with no SQL: dedup (earliest occurred_at per event_id) and bot exclusion
redone, goals matched with `adversarial_events.completes`, funnel reach by
chains of strictly increasing times within the window (and within a
funnel's options: `adversarial_events.chain_scope` and `chain_level`), and
every row and column compared. The diagnosis is recomputed for several threshold settings
(`dbt run --select fct_funnel_diagnosis --vars ...` on a copy of the built
database), with exact rational arithmetic (`fractions.Fraction`) for the
threshold comparisons. The bundled sample is checked the same way.
"""
from __future__ import annotations

import csv
import math
import shutil
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest

from adversarial_events import (
    SEEDS_DIR, chain_level, chain_scope, completes, generate, is_blank,
    is_bot_user_agent, load_definitions, page_path, parse_time_us, utc_date,
)
from conftest import dbt_build, query, run_dbt, write_events
from spec_oracle import Coverage, classify, parse_time
from test_foundation import bot_patterns, read_sample_rows

pytestmark = pytest.mark.slow

SHOW = 6
DEFAULT_THRESHOLDS = (0.10, 30)   # falls_below_relative, min_entrants
THRESHOLD_VARIANTS = [(0.0, 0), (0.05, 10), (0.30, 100)]
LOOKBACK_DAYS = 3                  # var late_event_lookback_days
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"

LIFT_COLUMNS = [
    "period_start", "micro_goal_id", "micro_goal_name", "macro_goal_id",
    "macro_goal_name", "funnel_id", "is_micro_step_of_macro_funnel",
    "visitors_active", "visitors_with_micro", "visitors_without_micro",
    "with_micro_macro_converters", "without_micro_macro_converters",
    "with_micro_macro_rate", "without_micro_macro_rate", "lift",
    "micro_goal_role",
]
DIAGNOSIS_COLUMNS = [
    "funnel_id", "funnel_name", "week_start", "week_human_visitors",
    "entrants", "cohort_entrants", "macro_converters", "entry_rate",
    "macro_rate", "trailing_weeks", "trailing_human_visitors",
    "trailing_entrants", "trailing_cohort_entrants",
    "trailing_macro_converters", "trailing_entry_rate", "trailing_macro_rate",
    "micro_steps", "weakest_micro_step_order",
    "weakest_micro_goal_id", "weakest_micro_step_rate",
    "weakest_micro_step_trailing_rate", "largest_dropoff_step_order",
    "largest_dropoff_goal_id", "largest_dropoff_visitors",
    "entry_rate_falls_below", "micro_step_falls_below",
    "macro_rate_falls_below", "diagnosis", "falls_below_relative",
    "min_entrants", "data_through_date", "is_complete", "data_through",
    "is_final", "final_after", "covers_whole_period",
]
DIAGNOSIS_FLAGS = ["entry_rate_falls_below", "micro_step_falls_below",
                   "macro_rate_falls_below", "is_complete", "is_final",
                   "covers_whole_period"]


# ------------------------------------------------------------------ helpers

def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b


def _compare(title, expected: dict, actual: dict, columns) -> None:
    """expected/actual: key -> dict of column -> value, all columns."""
    missing = sorted(set(expected) - set(actual), key=repr)
    extra = sorted(set(actual) - set(expected), key=repr)
    differ = []
    for key in sorted(set(expected) & set(actual), key=repr):
        cols = [c for c in columns
                if not _same(expected[key][c], actual[key][c])]
        if cols:
            differ.append((key, {c: (expected[key][c], actual[key][c])
                                 for c in cols}))
    lines = [f"{title}: {len(missing)} missing, {len(extra)} unexpected, "
             f"{len(differ)} differing rows"]
    if missing:
        lines.append(f"  missing from the mart: {missing[:SHOW]}")
    if extra:
        lines.append(f"  only in the mart: {extra[:SHOW]}")
    for key, cols in differ[:SHOW]:
        lines.append(f"  {key}: (expected, mart) {cols}")
    assert not (missing or extra or differ), "\n".join(lines)


def _ratio(num, den):
    return num / den if den else None


def month_start(day: date) -> date:
    return day.replace(day=1)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def goal_names() -> dict:
    with open(SEEDS_DIR / "goals.csv", newline="", encoding="utf-8") as f:
        return {r["goal_id"]: r["goal_name"] for r in csv.DictReader(f)}


def funnel_names() -> dict:
    with open(SEEDS_DIR / "funnels.csv", newline="", encoding="utf-8") as f:
        return {r["funnel_id"]: r["funnel_name"] for r in csv.DictReader(f)}


# ------------------------------------------------------------------- oracles

def human_events_from_raw(rows, patterns):
    """Counted events of generated rows (no rejected rows among them):
    earliest copy per event_id, bots out. (visitor, event_name, us, path,
    session_id, properties)."""
    earliest = {}
    for row in rows:
        us = parse_time_us(row["occurred_at"])
        best = earliest.get(row["event_id"])
        if best is None or us < best[0]:
            earliest[row["event_id"]] = (us, row)
    by_visitor = defaultdict(list)
    for us, row in earliest.values():
        by_visitor[row["visitor_id"]].append((us, row))
    events = []
    for visitor, kept in by_visitor.items():
        agents = [row["user_agent"] for _, row in kept]
        if any(is_bot_user_agent(a, patterns) for a in agents) or all(
                is_blank(a) for a in agents):
            continue
        events.extend((visitor, row["event_name"], us,
                       page_path(row["page_url"]), row["session_id"],
                       row["properties"]) for us, row in kept)
    return events


def human_events_from_sample():
    """Counted events of the bundled sample, by the SPEC oracle's fates."""
    rows = read_sample_rows()
    events = []
    for row, (status, _) in zip(rows, classify(rows, bot_patterns())):
        if status != "counted":
            continue
        moment = parse_time(row["occurred_at"])
        us = (moment - parse_time("1970-01-01T00:00:00Z")) // timedelta(
            microseconds=1)
        events.append((row["visitor_id"], row["event_name"], us,
                       page_path(row["page_url"]), row["session_id"],
                       row["properties"]))
    return events


def lift_oracle(events, definitions):
    """(period_start, micro_goal_id, macro_goal_id) -> row dict, and the
    group-A converters per key (to check the crafted visitors)."""
    names = goal_names()
    micro = [g for g in definitions.goals if g.goal_type == "micro"]
    macro = [g for g in definitions.goals if g.goal_type == "macro"]
    window = {f.funnel_id: f.window_us for f in definitions.funnels}
    active = defaultdict(set)                 # month -> visitors
    first_micro = {}                          # (visitor, goal, month) -> us
    macro_times = defaultdict(list)           # (visitor, goal) -> [us]
    for visitor, name, us, path, *_ in events:
        month = month_start(utc_date(us))
        active[month].add(visitor)
        for goal in micro:
            if completes(goal, name, path):
                key = (visitor, goal.goal_id, month)
                first_micro[key] = min(first_micro.get(key, us), us)
        for goal in macro:
            if completes(goal, name, path):
                macro_times[(visitor, goal.goal_id)].append(us)
    rows, converters = {}, {}
    for month, visitors in active.items():
        for mi in micro:
            group_a = {v for v in visitors
                       if (v, mi.goal_id, month) in first_micro}
            group_b = visitors - group_a
            for ma in macro:
                w = window[ma.funnel_id]
                a_conv = {
                    v for v in group_a
                    if any(0 < t - first_micro[(v, mi.goal_id, month)] <= w
                           for t in macro_times.get((v, ma.goal_id), ()))
                }
                b_conv = {
                    v for v in group_b
                    if any(month_start(utc_date(t)) == month
                           for t in macro_times.get((v, ma.goal_id), ()))
                }
                a_rate = _ratio(len(a_conv), len(group_a))
                b_rate = _ratio(len(b_conv), len(group_b))
                key = (month, mi.goal_id, ma.goal_id)
                converters[key] = a_conv
                rows[key] = {
                    "period_start": month,
                    "micro_goal_id": mi.goal_id,
                    "micro_goal_name": names[mi.goal_id],
                    "macro_goal_id": ma.goal_id,
                    "macro_goal_name": names[ma.goal_id],
                    "funnel_id": ma.funnel_id,
                    "is_micro_step_of_macro_funnel":
                        mi.funnel_id == ma.funnel_id,
                    "micro_goal_role": (
                        "funnel_step" if mi.funnel_id == ma.funnel_id
                        else "other_funnel_step" if mi.funnel_id
                        else "standalone"),
                    "visitors_active": len(visitors),
                    "visitors_with_micro": len(group_a),
                    "visitors_without_micro": len(group_b),
                    "with_micro_macro_converters": len(a_conv),
                    "without_micro_macro_converters": len(b_conv),
                    "with_micro_macro_rate": a_rate,
                    "without_micro_macro_rate": b_rate,
                    "lift": (a_rate / b_rate
                             if a_rate is not None and b_rate else None),
                }
    return rows, converters


def funnel_levels(events, funnel):
    """visitor -> (time of the first step-1 event, deepest level over the
    chain scopes) for visitors with a step-1 event; level 0 when none of
    their step-1 events can start a chain (no session id under
    count_within session). The cohort is dated by the first step-1 event
    whatever its scope (SPEC 5)."""
    n = len(funnel.steps)
    first = {}
    scoped = defaultdict(lambda: defaultdict(lambda: [[] for _ in range(n)]))
    excluded = defaultdict(lambda: [[] for _ in funnel.exclusions])
    for visitor, name, us, path, session_id, properties in events:
        for i, exclusion in enumerate(funnel.exclusions):
            if completes(exclusion, name, path):
                excluded[visitor][i].append(us)
        steps = [i for i, goal in enumerate(funnel.steps)
                 if completes(goal, name, path)]
        if not steps:
            continue
        if 0 in steps:
            first[visitor] = min(first.get(visitor, us), us)
        scope = chain_scope(funnel, session_id, properties)
        if scope is not None:
            for i in steps:
                scoped[visitor][scope][i].append(us)
    out = {}
    for visitor, t1 in first.items():
        times = [sorted(t) for t in excluded[visitor]]
        level = 0
        for lists in scoped[visitor].values():
            level = max(level, chain_level([sorted(t) for t in lists],
                                           funnel, times))
        out[visitor] = (t1, level)
    return out


def diagnosis_oracle(events, definitions, falls_below, min_entrants,
                     lookback_days=LOOKBACK_DAYS):
    """(funnel_id, week_start) -> row dict."""
    names = goal_names()
    f_names = funnel_names()
    falls_factor = 1 - Fraction(str(falls_below))
    humans = defaultdict(set)                 # week -> visitors
    for visitor, _, us, *_ in events:
        humans[week_start(utc_date(us))].add(visitor)
    coverage = Coverage(datetime(1970, 1, 1) + timedelta(microseconds=us)
                        for _, _, us, *_ in events)
    out = {}
    for funnel in definitions.funnels:
        n = len(funnel.steps)
        # entrants: visitors with a step-1 event in the week, whenever
        # they first entered
        entrants = defaultdict(set)
        for visitor, name, us, path, *_ in events:
            if completes(funnel.steps[0], name, path):
                entrants[week_start(utc_date(us))].add(visitor)
        reached = defaultdict(lambda: [0] * (n + 1))  # week -> [_, r1..rn]
        for first, level in funnel_levels(events, funnel).values():
            cohort_week = week_start(utc_date(first))
            for k in range(1, level + 1):
                reached[cohort_week][k] += 1
        weeks = set(humans) | set(reached)
        for week in weeks:
            r = reached.get(week, [0] * (n + 1))
            h = len(humans.get(week, ()))
            e = len(entrants.get(week, ()))
            previous = [week - timedelta(days=7 * j) for j in range(1, 5)]
            t = [sum(reached.get(p, [0] * (n + 1))[k] for p in previous)
                 for k in range(n + 1)]
            th = sum(len(humans.get(p, ())) for p in previous)
            te = sum(len(entrants.get(p, ())) for p in previous)
            trailing_weeks = sum(1 for p in previous if entrants.get(p))
            micro = []
            for k in range(2, n):
                has_ratio = r[k - 1] > 0 and t[k] > 0
                falling = (r[k - 1] > 0 and t[k - 1] > 0 and
                           Fraction(r[k], r[k - 1])
                           < Fraction(t[k], t[k - 1]) * falls_factor)
                ratio = (Fraction(r[k], r[k - 1]) / Fraction(t[k], t[k - 1])
                         if has_ratio else None)
                micro.append((k, falling, ratio))
            ranked = sorted((ratio, k) for k, _, ratio in micro
                            if ratio is not None)
            weakest = ranked[0][1] if ranked else None
            drops = [(r[k - 1] - r[k], k) for k in range(2, n + 1)]
            top = max(d for d, _ in drops)
            dropoff = min(k for d, k in drops if d == top) if top > 0 else None
            entry_falls = (trailing_weeks >= 1 and h > 0 and th > 0 and
                           Fraction(e, h) < Fraction(te, th) * falls_factor)
            macro_falls = (trailing_weeks >= 1 and r[1] > 0 and t[1] > 0 and
                           Fraction(r[n], r[1])
                           < Fraction(t[n], t[1]) * falls_factor)
            micro_falls = any(falling for _, falling, _ in micro)
            if trailing_weeks == 0 or min(e, te, r[1], t[1]) < min_entrants:
                label = "insufficient_data"
            elif entry_falls or micro_falls:
                label = "not_reaching_funnel"
            elif macro_falls:
                label = "late_funnel_friction"
            else:
                label = "stable"
            step_goal = {k: funnel.steps[k - 1].goal_id
                         for k in range(1, n + 1)}
            finality = coverage.period_finality(
                "week", week, max(lookback_days, funnel.window_days))
            out[(funnel.funnel_id, week)] = {
                "funnel_id": funnel.funnel_id,
                "funnel_name": f_names[funnel.funnel_id],
                "week_start": week,
                "week_human_visitors": h,
                "entrants": e,
                "cohort_entrants": r[1],
                "macro_converters": r[n],
                "entry_rate": _ratio(e, h),
                "macro_rate": _ratio(r[n], r[1]),
                "trailing_weeks": trailing_weeks,
                "trailing_human_visitors": th,
                "trailing_entrants": te,
                "trailing_cohort_entrants": t[1],
                "trailing_macro_converters": t[n],
                "trailing_entry_rate": _ratio(te, th),
                "trailing_macro_rate": _ratio(t[n], t[1]),
                "micro_steps": n - 2,
                "weakest_micro_step_order": weakest,
                "weakest_micro_goal_id": step_goal.get(weakest),
                "weakest_micro_step_rate":
                    _ratio(r[weakest], r[weakest - 1]) if weakest else None,
                "weakest_micro_step_trailing_rate":
                    _ratio(t[weakest], t[weakest - 1]) if weakest else None,
                "largest_dropoff_step_order": dropoff,
                "largest_dropoff_goal_id": step_goal.get(dropoff),
                "largest_dropoff_visitors":
                    r[dropoff - 1] - r[dropoff] if dropoff else None,
                "entry_rate_falls_below": entry_falls,
                "micro_step_falls_below": micro_falls,
                "macro_rate_falls_below": macro_falls,
                "diagnosis": label,
                "falls_below_relative": falls_below,
                "min_entrants": min_entrants,
                "data_through_date": coverage.data_through.date(),
                "is_complete": finality["is_final"],
                **finality,
            }
    return out


def read_mart(db_path, table, columns, key_columns):
    rows = query(db_path, f"select {', '.join(columns)} from marts.{table}")
    out = {}
    for row in rows:
        record = dict(zip(columns, row))
        key = tuple(record[c] for c in key_columns)
        assert key not in out, f"repeated key {key} in {table}"
        out[key] = record
    return out


def read_lift(db_path):
    return read_mart(db_path, "fct_micro_macro_lift", LIFT_COLUMNS,
                     ["period_start", "micro_goal_id", "macro_goal_id"])


def read_diagnosis(db_path):
    return read_mart(db_path, "fct_funnel_diagnosis", DIAGNOSIS_COLUMNS,
                     ["funnel_id", "week_start"])


# ---------------------------------------------------------- crafted visitors

# (visitor, [(event_name, occurred_at)], expected: is the visitor a group-A
# converter of (month, newsletter_signup, purchase)?)
CRAFTED = [
    ("lift-before", [("purchase", "2026-10-05T10:00:00Z"),
                     ("newsletter_signup", "2026-10-06T10:00:00Z")],
     ("2026-10-01", False)),
    ("lift-exact", [("newsletter_signup", "2026-10-10T10:00:00Z"),
                    ("purchase", "2026-10-17T10:00:00Z")],
     ("2026-10-01", True)),
    ("lift-plus-1s", [("newsletter_signup", "2026-10-10T10:00:00Z"),
                      ("purchase", "2026-10-17T10:00:01Z")],
     ("2026-10-01", False)),
    ("lift-plus-1us", [("newsletter_signup", "2026-10-10T10:00:00.000000Z"),
                       ("purchase", "2026-10-17T10:00:00.000001Z")],
     ("2026-10-01", False)),
    ("lift-first-only", [("newsletter_signup", "2026-10-02T10:00:00Z"),
                         ("newsletter_signup", "2026-10-12T10:00:00Z"),
                         ("purchase", "2026-10-13T10:00:00Z")],
     ("2026-10-01", False)),
    ("lift-same-instant", [("newsletter_signup", "2026-10-08T10:00:00Z"),
                           ("purchase", "2026-10-08T10:00:00Z")],
     ("2026-10-01", False)),
    ("lift-next-month", [("newsletter_signup", "2026-09-28T12:00:00Z"),
                         ("purchase", "2026-10-02T12:00:00Z")],
     ("2026-09-01", True)),
    ("lift-next-month-late", [("newsletter_signup", "2026-09-20T12:00:00Z"),
                              ("purchase", "2026-10-02T12:00:00Z")],
     ("2026-09-01", False)),
    # 23:30 on 30 September at -02:00 is 1 October 01:30 UTC: October
    ("lift-utc-month", [("newsletter_signup", "2026-09-30T23:30:00-02:00"),
                        ("purchase", "2026-10-08T01:30:00Z")],
     ("2026-10-01", True)),
]


# Diagnosis edges, in 2025 (far from the generated weeks): pairs of a base
# week and the week after it, each pair 6 weeks after the last, so that a
# pair's second week trails its base week alone. Base week: 100 human
# visitors, 50 / 30 / 30 / 20 reaching the purchase funnel's four steps
# (entry 0.5, step rates 0.6 and 1.0, macro 0.4). Second week: the human
# visitors, the four reach counts, and the label at the default thresholds.
DIAGNOSIS_BASE = (100, (50, 30, 30, 20))
DIAGNOSIS_CASES = [
    # macro exactly 10% under (0.36): does not fall; steps 2 and 3 exactly
    # at their trailing rates, a tie for the weakest step
    ("macro_at", 100, (50, 30, 30, 18), "stable"),
    ("macro_past", 100, (50, 30, 30, 17), "late_funnel_friction"),
    # step 3 a little under its trailing rate (not 10%): the macro decides
    ("step_3_slips", 100, (50, 30, 29, 17), "late_funnel_friction"),
    # step 3 exactly 10% under (0.9), then past it
    ("step_3_at", 100, (50, 30, 27, 18), "stable"),
    ("step_3_past", 100, (50, 30, 26, 17), "not_reaching_funnel"),
    ("entry_at", 100, (45, 27, 27, 18), "stable"),
    ("entry_past", 100, (44, 27, 27, 18), "not_reaching_funnel"),
    # three drop-offs of 10: the largest is the earliest, step 2; step 3
    # falls to 0.75 of its trailing 1.0
    ("dropoff_tie", 100, (50, 40, 30, 20), "not_reaching_funnel"),
    # 29 entrants, one under min_entrants; then exactly 30 (entry falls)
    ("few_entrants", 100, (29, 17, 17, 12), "insufficient_data"),
    ("min_entrants", 100, (30, 18, 18, 12), "not_reaching_funnel"),
]
DIAGNOSIS_FIRST_WEEK = date(2025, 1, 6)


def diagnosis_case_weeks():
    """[(case, base week, second week)]"""
    return [(case, DIAGNOSIS_FIRST_WEEK + timedelta(weeks=6 * i),
             DIAGNOSIS_FIRST_WEEK + timedelta(weeks=6 * i + 1))
            for i, (case, *_) in enumerate(DIAGNOSIS_CASES)]


def _event(visitor, i, name, at, path="/"):
    return {
        "event_id": f"{visitor}-{i}", "visitor_id": visitor,
        "session_id": f"{visitor}-s", "event_name": name, "occurred_at": at,
        "page_url": f"https://shop.example.com{path}", "referrer_url": None,
        "user_agent": UA, "properties": None,
    }


def funnel_week_rows(week, humans, reach, definitions, label):
    """Visitors of one week: reach[k-1] of them complete steps 1..k (on
    the Tuesday, a minute apart), the rest of `humans` only browse."""
    funnel = definitions.main_funnel
    assert len(funnel.steps) == len(reach)
    rows = []
    levels = [reach[k] - (reach[k + 1] if k + 1 < len(reach) else 0)
              for k in range(len(reach))] + [humans - reach[0]]
    tuesday = week + timedelta(days=1)
    n = 0
    for level, count in enumerate(levels, start=1):
        for _ in range(count):
            n += 1
            visitor = f"diag-{label}-{week}-{n}"
            at = f"{tuesday}T10:{n % 60:02d}:00Z"
            if level > len(reach):
                rows.append(_event(visitor, 0, "page_view", at))
                continue
            for k, goal in enumerate(funnel.steps[:level], start=1):
                path = (goal.page_path_pattern.replace("%", "kettle")
                        if goal.page_path_pattern else "/")
                rows.append(_event(visitor, k, goal.event_name,
                                   f"{tuesday}T1{k}:{n % 60:02d}:00Z", path))
    return rows


def crafted_rows(definitions):
    rows = []
    for visitor, events, _ in CRAFTED:
        for i, (name, at) in enumerate(events):
            rows.append(_event(visitor, i, name, at))
    for (case, humans, reach, _), (_, base, second) in zip(
            DIAGNOSIS_CASES, diagnosis_case_weeks()):
        rows += funnel_week_rows(base, *DIAGNOSIS_BASE, definitions, case)
        rows += funnel_week_rows(second, humans, reach, definitions, case)
    return rows


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def definitions():
    return load_definitions()


@pytest.fixture(scope="module")
def rows(definitions):
    return generate(definitions).rows + crafted_rows(definitions)


@pytest.fixture(scope="module")
def events(rows, definitions):
    return human_events_from_raw(rows, definitions.bot_patterns)


@pytest.fixture(scope="module")
def build(tmp_path_factory, rows):
    work = tmp_path_factory.mktemp("lift_diagnosis")
    raw = write_events(work / "events.parquet", rows)
    started = time.monotonic()
    result = dbt_build(work, raw).check()
    print(f"dbt build of {len(rows)} rows: "
          f"{time.monotonic() - started:.1f}s")
    result.raw_path = raw
    return result


@pytest.fixture(scope="module")
def lift_expected(events, definitions):
    return lift_oracle(events, definitions)


# --------------------------------------------------------------------- tests

def test_crafted_lift_edges_in_the_oracle(lift_expected):
    """The Python oracle itself gives the hand-worked outcome of each crafted
    visitor (so the comparison below exercises every window edge)."""
    _, converters = lift_expected
    wrong = []
    for visitor, _, (month, converts) in CRAFTED:
        key = (date.fromisoformat(month), "newsletter_signup", "purchase")
        if (visitor in converters[key]) != converts:
            wrong.append((visitor, month, converts))
    assert not wrong, f"oracle disagrees with the hand-worked cases: {wrong}"


def test_crafted_diagnosis_edges_in_the_oracle(events, definitions):
    """The Python oracle gives each crafted week the hand-worked label, and
    the edges are there: exact boundaries, a drop-off tie."""
    expected = diagnosis_oracle(events, definitions, *DEFAULT_THRESHOLDS)
    funnel = definitions.main_funnel.funnel_id
    got = {}
    for (case, _, reach, label), (_, base, second) in zip(
            DIAGNOSIS_CASES, diagnosis_case_weeks()):
        row = expected[(funnel, second)]
        got[case] = (row["entrants"], row["trailing_weeks"], row["diagnosis"])
        assert row["entrants"] == reach[0] and row["trailing_weeks"] == 1, (
            case, row)
        assert row["diagnosis"] == label, (case, row)
        # the base week has no trailing week
        assert expected[(funnel, base)]["diagnosis"] == "insufficient_data"
    assert expected[(funnel, diagnosis_case_weeks()[0][2])][
        "weakest_micro_step_order"] == 2
    assert expected[(funnel, diagnosis_case_weeks()[-1][2])][
        "largest_dropoff_step_order"] == 2


def test_micro_macro_lift_matches_python(build, lift_expected, definitions):
    expected, _ = lift_expected
    actual = read_lift(build.db_path)
    _compare("fct_micro_macro_lift vs Python (month, micro, macro)",
             expected, actual, LIFT_COLUMNS)
    months = {k[0] for k in expected}
    assert {date(2026, 9, 1), date(2026, 10, 1)} <= months
    micro = [g for g in definitions.goals if g.goal_type == "micro"]
    macro = [g for g in definitions.goals if g.goal_type == "macro"]
    assert len(actual) == len(months) * len(micro) * len(macro)
    # the data is not degenerate: both groups convert somewhere
    assert any(r["lift"] is not None and r["lift"] > 1
               for r in actual.values())
    assert any(r["with_micro_macro_converters"] > 0
               and r["without_micro_macro_converters"] > 0
               for r in actual.values())


def test_funnel_diagnosis_matches_python(build, events, definitions):
    expected = diagnosis_oracle(events, definitions, *DEFAULT_THRESHOLDS)
    actual = read_diagnosis(build.db_path)
    _compare("fct_funnel_diagnosis vs Python (funnel, week)", expected,
             actual, DIAGNOSIS_COLUMNS)
    weeks = {k[1] for k in expected}
    assert len(weeks) >= 6 and all(w.weekday() == 0 for w in weeks)
    # both values of every flag are compared
    for flag in DIAGNOSIS_FLAGS:
        assert {r[flag] for r in actual.values()} == {True, False}, flag


@pytest.fixture(scope="module")
def variant_runs(build, tmp_path_factory):
    """The diagnosis rebuilt with other thresholds, on a copy of the
    database: (falls_below, min_entrants) -> path of the database."""
    out = {}
    for falls_below, min_entrants in THRESHOLD_VARIANTS:
        work = tmp_path_factory.mktemp("thresholds")
        db = work / "conversions.duckdb"
        shutil.copy(build.db_path, db)
        run_dbt(["run", "--select", "fct_funnel_diagnosis", "--vars",
                 "{diagnosis_thresholds: {falls_below_relative: "
                 f"{falls_below}, min_entrants: {min_entrants}}}}}"],
                work_dir=work, raw_path=build.raw_path, db_path=db).check()
        out[(falls_below, min_entrants)] = db
    return out


@pytest.mark.parametrize("thresholds", THRESHOLD_VARIANTS,
                         ids=lambda t: f"falls{t[0]}-min{t[1]}")
def test_funnel_diagnosis_thresholds_from_var(variant_runs, events,
                                              definitions, thresholds):
    expected = diagnosis_oracle(events, definitions, *thresholds)
    actual = read_diagnosis(variant_runs[thresholds])
    _compare(f"fct_funnel_diagnosis with thresholds {thresholds}",
             expected, actual, DIAGNOSIS_COLUMNS)


def test_every_label_is_exercised(events, definitions):
    """Across the threshold settings the comparisons above cover every
    label, so none of the branches goes unchecked."""
    labels = set()
    for thresholds in [DEFAULT_THRESHOLDS, *THRESHOLD_VARIANTS]:
        labels |= {r["diagnosis"] for r in diagnosis_oracle(
            events, definitions, *thresholds).values()}
    assert labels == {"insufficient_data", "late_funnel_friction",
                      "not_reaching_funnel", "stable"}, labels


@pytest.mark.parametrize("value, message", [
    ("{falls_below_relative: 1.5, min_entrants: 30}",
     "falls_below_relative must be a number in [0, 1)"),
    ("{falls_below_relative: 0.1, min_entrants: 30, fall: 0.2}",
     "unknown key 'fall'"),
    ("{falls_below_relative: 0.1}",
     "min_entrants must be a whole number >= 0, got nothing"),
    ("{falls_below_relative: 0.1, min_entrants: 2.5}",
     "min_entrants must be a whole number >= 0, got 2.5"),
    ("{falls_below_relative: 0.1, holds_relative: 0}",
     "holds_relative is no longer used"),
])
def test_bad_thresholds_stop_the_build(tmp_path, value, message):
    result = run_dbt(["compile", "--select", "fct_funnel_diagnosis",
                      "--vars", f"{{diagnosis_thresholds: {value}}}"],
                     work_dir=tmp_path)
    assert result.returncode != 0
    assert message in result.output, result.output[-3000:]


def test_sample_lift_and_diagnosis_match_python(sample_build, definitions):
    events = human_events_from_sample()
    expected_lift, _ = lift_oracle(events, definitions)
    _compare("sample fct_micro_macro_lift", expected_lift,
             read_lift(sample_build.db_path), LIFT_COLUMNS)
    expected = diagnosis_oracle(events, definitions, *DEFAULT_THRESHOLDS)
    _compare("sample fct_funnel_diagnosis", expected,
             read_diagnosis(sample_build.db_path), DIAGNOSIS_COLUMNS)
