"""Issue 18, item 1: the reporting calendar of SPEC section 6.

The bundled sample is built with reporting_timezone Australia/Sydney,
whose clocks go forward on Sunday 2026-10-04 (02:00 AEST -> 03:00 AEDT,
UTC+10 -> UTC+11), inside the sample's weeks. Every goal rate (day, week,
month), every funnel step count by cohort date and the finality columns
are computed again here in plain Python from the raw CSV: the rows' fates
by spec_oracle, local dates by zoneinfo, funnel reach by
funnel_options_oracle (each funnel with its options from the seeds).
An unknown zone stops the build naming it.
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from adversarial_events import completes, load_definitions, page_path, parse_time_us
from conftest import PROJECT_DIR, query, run_dbt
from funnel_options_oracle import Options, reach
from spec_oracle import classify, period_end, period_start
from test_foundation import bot_patterns, read_sample_rows

pytestmark = pytest.mark.slow

ZONE = "Australia/Sydney"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
DAY_US = 86400 * 1_000_000
LOOKBACK_DAYS = 3  # dbt_project.yml late_event_lookback_days


def local_date(us: int, zone: str) -> date:
    return (EPOCH + timedelta(microseconds=us)).astimezone(ZoneInfo(zone)).date()


def local_midnight_utc(day: date, zone: str) -> datetime:
    """The UTC time (naive, as stored) at which `day` begins in `zone`."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def seed_rows(name):
    with open(PROJECT_DIR / "seeds" / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def counted_events():
    rows = read_sample_rows()
    events = []
    for row, (status, _) in zip(rows, classify(rows, bot_patterns())):
        if status != "counted":
            continue
        try:
            props = json.loads(row["properties"]) if row["properties"] else None
        except ValueError:
            props = None
        events.append({
            "event_id": row["event_id"], "visitor_id": row["visitor_id"],
            "session_id": row["session_id"], "event_name": row["event_name"],
            "path": page_path(row["page_url"]),
            "us": parse_time_us(row["occurred_at"]), "props": props,
        })
    return events


def goal_rates(events, definitions, zone):
    """(grain, period_start, goal_id) -> (human_visitors, converting)."""
    humans, converting = defaultdict(set), defaultdict(set)
    for e in events:
        day = local_date(e["us"], zone)
        for grain in ("day", "week", "month"):
            start = period_start(grain, day)
            humans[(grain, start)].add(e["visitor_id"])
            for goal in definitions.goals:
                if completes(goal, e["event_name"], e["path"]):
                    converting[(grain, start, goal.goal_id)].add(e["visitor_id"])
    return {(grain, start, goal.goal_id): (
                len(visitors), len(converting[(grain, start, goal.goal_id)]))
            for (grain, start), visitors in humans.items()
            for goal in definitions.goals}


def funnel_options():
    """funnel_id -> (Options without the window's steps, exclusions as
    (event_name, page_path_pattern)), from the seeds as a user wrote them."""
    hours = defaultdict(dict)
    for g in seed_rows("goals.csv"):
        if g.get("max_hours_from_previous_step"):
            hours[g["funnel_id"]][int(g["step_order"])] = float(
                g["max_hours_from_previous_step"])
    exclusions = defaultdict(list)
    for x in seed_rows("funnel_exclusions.csv"):
        exclusions[x["funnel_id"]].append(
            (x["event_name"], x["page_path_pattern"] or None,
             int(x["from_step"]), int(x["to_step"])))
    out = {}
    for f in seed_rows("funnels.csv"):
        out[f["funnel_id"]] = (dict(
            order_mode=(f.get("order_mode") or "").strip() or "ordered",
            count_within=(f.get("count_within") or "").strip() or "visitor",
            hold_constant=(f.get("hold_constant") or "").strip() or None,
            max_hours=hours[f["funnel_id"]],
        ), exclusions[f["funnel_id"]])
    return out


def funnel_steps(events, definitions, zone):
    """(funnel_id, cohort_date, step_order) -> visitors_reached."""
    by_visitor = defaultdict(list)
    for e in sorted(events, key=lambda e: (e["us"], e["event_id"])):
        by_visitor[e["visitor_id"]].append(e)
    options = funnel_options()
    reached = defaultdict(int)
    for funnel in definitions.funnels:
        opts, exclusions = options[funnel.funnel_id]
        o = Options(window_us=funnel.window_days * DAY_US,
                    n_steps=len(funnel.steps),
                    exclusions=[(lo, hi) for _, _, lo, hi in exclusions],
                    **opts)
        for visitor_events in by_visitor.values():
            oracle_events = [{
                **e,
                "steps": {k for k, goal in enumerate(funnel.steps, 1)
                          if completes(goal, e["event_name"], e["path"])},
                "excluded": {i for i, (name, pattern, _, _)
                             in enumerate(exclusions)
                             if e["event_name"] == name and (
                                 pattern is None or completes(
                                     _Pattern(name, pattern), name, e["path"]))},
            } for e in visitor_events]
            level, cohort_us = reach(oracle_events, o)
            for k in range(1, level + 1):
                reached[(funnel.funnel_id, local_date(cohort_us, zone), k)] += 1
    return dict(reached)


class _Pattern:
    """A goal-like object for completes(): an event name and a LIKE pattern."""

    def __init__(self, event_name, page_path_pattern):
        self.event_name = event_name
        self.page_path_pattern = page_path_pattern


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("local-calendar")
    return run_dbt(["build", "--vars", f"{{reporting_timezone: {ZONE}}}"],
                   work_dir=work).check()


@pytest.fixture(scope="module")
def oracle():
    events = counted_events()
    definitions = load_definitions()
    return events, definitions


def test_the_sample_crosses_the_daylight_saving_change(oracle):
    events, _ = oracle
    zone = ZoneInfo(ZONE)
    offsets = {(EPOCH + timedelta(microseconds=e["us"])).astimezone(zone)
               .utcoffset() for e in events}
    assert offsets == {timedelta(hours=10), timedelta(hours=11)}
    # and the local calendar moves visitors between days: the test can fail
    moved = sum(local_date(e["us"], ZONE) != local_date(e["us"], "UTC")
                for e in events)
    assert moved > len(events) // 10


def test_goal_rates_by_local_date_match_python(local_build, oracle):
    events, definitions = oracle
    expected = goal_rates(events, definitions, ZONE)
    rows = query(local_build.db_path, """
        select period_grain, period_start, goal_id, human_visitors,
               converting_visitors
        from marts.fct_goal_conversion_rates""")
    actual = {(g, s, goal): (h, c) for g, s, goal, h, c in rows}
    assert len(actual) == len(rows)
    assert actual == expected
    assert expected != goal_rates(events, definitions, "UTC")


def test_funnel_steps_by_local_cohort_date_match_python(local_build, oracle):
    events, definitions = oracle
    expected = funnel_steps(events, definitions, ZONE)
    rows = query(local_build.db_path, """
        select funnel_id, cohort_date, step_order, visitors_reached
        from marts.fct_funnel_steps where visitors_reached > 0""")
    actual = {(f, d, k): n for f, d, k, n in rows}
    assert actual == expected
    assert expected != funnel_steps(events, definitions, "UTC")


def test_finality_bounds_are_local_midnights(local_build, oracle):
    events, _ = oracle
    data_through = max(EPOCH + timedelta(microseconds=e["us"])
                       for e in events).replace(tzinfo=None)
    first_day = min(local_date(e["us"], ZONE) for e in events)
    rows = query(local_build.db_path, """
        select distinct period_grain, period_start, data_through, final_after,
               is_final, covers_whole_period
        from marts.fct_goal_conversion_rates""")
    assert rows
    for grain, start, through, final_after, is_final, whole in rows:
        end = period_end(grain, start)
        want_final_after = local_midnight_utc(
            end + timedelta(days=LOOKBACK_DAYS), ZONE)
        assert through == data_through
        assert final_after == want_final_after, (grain, start)
        assert is_final == (data_through > want_final_after), (grain, start)
        assert whole == (start >= first_day and
                         local_midnight_utc(end, ZONE) <= data_through), (
            grain, start)
    # the week of the change is 167 hours long, and it is in the mart
    week = date(2026, 9, 28)
    assert any(g == "week" and s == week for g, s, *_ in rows)
    assert (local_midnight_utc(period_end("week", week), ZONE)
            - local_midnight_utc(week, ZONE)) == timedelta(hours=167)


def test_an_unknown_zone_stops_the_build_naming_it(tmp_path):
    result = run_dbt(["build", "--exclude-resource-type", "unit_test",
                      "--vars", "{reporting_timezone: Europe/Atlantis}"],
                     work_dir=tmp_path)
    assert result.returncode != 0
    assert "unknown time zone 'Europe/Atlantis'" in result.output



def test_every_unit_test_pins_its_reporting_timezone():
    """Unit tests hold fixed dates: each sets reporting_timezone itself, so
    that a project whose var is set elsewhere still passes them."""
    import yaml

    unpinned, count = [], 0
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        for test in (yaml.safe_load(path.read_text()) or {}).get(
                "unit_tests", []):
            count += 1
            zone = ((test.get("overrides") or {}).get("vars") or {}).get(
                "reporting_timezone")
            if not zone:
                unpinned.append(test["name"])
    assert count >= 40 and not unpinned, unpinned
