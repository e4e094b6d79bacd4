"""Issue 18 item 3: explained traffic.

- On the sample, `audit.traffic_classification` equals the plain-Python
  oracle (spec_oracle.traffic_reasons), adds up to
  `audit.event_reconciliation` and gives each day's human visitors of the
  rate marts; the shipped behavioural rules are all disabled.
- With a behavioural rule enabled (and a sweeping one left disabled),
  batches loaded one build at a time give what a full refresh gives; a
  visitor whose events exceed the rule only once a later batch arrives (a
  later event, or an earlier copy of an event) becomes a bot; a later bot
  user agent changes a behaviour bot's reason; the disabled rule changes
  nothing.
"""
from __future__ import annotations

import csv
import random

import pytest

from conftest import PROJECT_DIR, copy_project, query, run_dbt, write_events
from spec_oracle import classify, traffic_classification, traffic_reasons
from test_foundation import bot_patterns, read_sample_rows
from test_incremental import TABLES

PRODUCTION = ["build", "--exclude-resource-type", "unit_test"]
TRAFFIC = "select activity_date, traffic_class, reason, visitors, events " \
          "from audit.traffic_classification"
RULES = [
    {"rule_id": "burst", "description": "test: more than 3 in 60 s",
     "enabled": "true", "max_events": "3", "per_seconds": "60"},
    # would make nearly every visitor a bot, were it enabled
    {"rule_id": "a_sweep", "description": "test: more than 1 in a year",
     "enabled": "false", "max_events": "1", "per_seconds": "31536000"},
]


def traffic_table(db) -> dict:
    return {(day, cls, reason): (visitors, events)
            for day, cls, reason, visitors, events in query(db, TRAFFIC)}


def shipped_rules() -> list[dict]:
    with open(PROJECT_DIR / "seeds" / "bot_behaviour_rules.csv",
              newline="") as f:
        return list(csv.DictReader(f))


def test_sample_traffic_classification(sample_build):
    db = sample_build.db_path
    rows = read_sample_rows()
    fates = classify(rows, bot_patterns())
    assert all(r["enabled"] == "false" for r in shipped_rules())
    reasons = traffic_reasons(rows, fates, bot_patterns(), shipped_rules())
    expected = traffic_classification(rows, fates, reasons)
    assert traffic_table(db) == expected
    assert {reason for _, _, reason in expected} == {
        "human", "user_agent_pattern", "no_user_agent"}
    # adds up to the reconciliation, row for row and visitor for visitor
    [(bot_rows, counted_rows, bot_visitors, human_visitors)] = query(
        db, "select bot_rows, counted_rows, bot_visitors, human_visitors "
            "from audit.event_reconciliation")
    by_class = {"bot": 0, "human": 0}
    for (_, cls, _), (_, events) in expected.items():
        by_class[cls] += events
    assert (by_class["bot"], by_class["human"]) == (bot_rows, counted_rows)
    assert sum(r != "human" for r in reasons.values()) == bot_visitors
    assert sum(r == "human" for r in reasons.values()) == human_visitors
    # each day's human visitors are the rate marts' denominator
    daily = dict(query(db, "select period_start, max(human_visitors) from "
                           "marts.fct_goal_conversion_rates where "
                           "period_grain = 'day' group by period_start"))
    humans = {day: visitors for (day, cls, _), (visitors, _)
              in expected.items() if cls == "human"}
    assert humans == daily


def crafted_rows():
    """Visitors whose behaviour verdict only a later batch decides."""
    ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0"

    def event(eid, visitor, at, agent=ua):
        return {"event_id": eid, "visitor_id": visitor,
                "event_name": "page_view", "occurred_at": at,
                "user_agent": agent,
                "page_url": "https://shop.example.com/products/a"}
    return [
        # 3 events within a minute, the 4th arrives two batches later
        (1, event("t-late-1", "burst-late", "2026-10-05T10:00:00Z")),
        (1, event("t-late-2", "burst-late", "2026-10-05T10:00:10Z")),
        (1, event("t-late-3", "burst-late", "2026-10-05T10:00:20Z")),
        (3, event("t-late-4", "burst-late", "2026-10-05T10:00:30Z")),
        # the 4th event's counted copy is an hour later; an earlier copy
        # arrives in batch 2 and brings it into the minute
        (1, event("t-moved-1", "burst-moved", "2026-10-06T10:00:00Z")),
        (1, event("t-moved-2", "burst-moved", "2026-10-06T10:00:10Z")),
        (1, event("t-moved-3", "burst-moved", "2026-10-06T10:00:20Z")),
        (1, event("t-moved-4", "burst-moved", "2026-10-06T11:00:00Z")),
        (2, event("t-moved-4", "burst-moved", "2026-10-06T10:00:40Z")),
        # a behaviour bot at first, a bot user agent arrives later
        (1, event("t-agent-1", "burst-agent", "2026-10-07T10:00:00Z")),
        (1, event("t-agent-2", "burst-agent", "2026-10-07T10:00:01Z")),
        (1, event("t-agent-3", "burst-agent", "2026-10-07T10:00:02Z")),
        (1, event("t-agent-4", "burst-agent", "2026-10-07T10:00:03Z")),
        (2, event("t-agent-5", "burst-agent", "2026-10-08T10:00:00Z",
                  agent="Mozilla/5.0 (compatible; GoogleBot/2.1)")),
        # 4 events exactly 60 s apart first to last: not a burst
        (1, event("t-calm-1", "calm", "2026-10-09T10:00:00Z")),
        (2, event("t-calm-2", "calm", "2026-10-09T10:00:20Z")),
        (3, event("t-calm-3", "calm", "2026-10-09T10:00:40Z")),
        (3, event("t-calm-4", "calm", "2026-10-09T10:01:00Z")),
    ]


@pytest.fixture(scope="module")
def behaviour(tmp_path_factory):
    work = tmp_path_factory.mktemp("behaviour")
    project = copy_project(work / "project")
    with open(project / "seeds" / "bot_behaviour_rules.csv", "w",
              newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(RULES[0]))
        writer.writeheader()
        writer.writerows(RULES)
    rng = random.Random(20261207)
    split = {1: [], 2: [], 3: []}
    for row in read_sample_rows():
        if not row.get("_unreadable"):
            split[rng.choices([1, 2, 3], weights=[6, 3, 1])[0]].append(row)
    for batch, row in crafted_rows():
        split[batch].append(row)
    raw = work / "raw"
    db = work / "incremental.duckdb"
    for n in (1, 2, 3):
        write_events(raw / f"batch-{n}.parquet", split[n])
        run_dbt(PRODUCTION, work_dir=work / f"inc-{n}", project_dir=project,
                raw_path=raw / "*.parquet", db_path=db).check()
    full = run_dbt(PRODUCTION + ["--full-refresh"], work_dir=work / "full",
                   project_dir=project, raw_path=raw / "*.parquet").check()
    rows = split[1] + split[2] + split[3]
    return {"incremental": db, "full": full.db_path, "rows": rows}


def test_behaviour_rule_incremental_equals_full_refresh(behaviour):
    tables = dict(TABLES, **{"audit.traffic_classification": "*"})
    for name, columns in tables.items():
        sql = f"select {columns} from {name} order by all"
        incremental = query(behaviour["incremental"], sql)
        full = query(behaviour["full"], sql)
        assert incremental == full, name


def test_behaviour_rule_makes_bots_and_the_disabled_rule_nothing(behaviour):
    db = behaviour["incremental"]
    reasons = dict(query(
        db, "select distinct visitor_id, coalesce(bot_reason, 'human') "
            "from staging.stg_events__classified "
            "where event_status in ('bot', 'counted')"))
    assert reasons["burst-late"] == "behaviour:burst"
    assert reasons["burst-moved"] == "behaviour:burst"
    assert reasons["burst-agent"] == "user_agent_pattern"
    assert reasons["calm"] == "human"
    # the oracle with the enabled rule agrees, visitor for visitor and
    # in the audit table; with the disabled rule switched on it would not
    rows = behaviour["rows"]
    fates = classify(rows, bot_patterns())
    expected = traffic_reasons(rows, fates, bot_patterns(), RULES)
    assert reasons == expected
    assert traffic_table(db) == traffic_classification(rows, fates, expected)
    sweep = [dict(rule, enabled="true") for rule in RULES]
    assert traffic_reasons(rows, fates, bot_patterns(), sweep) != expected
    # the sample itself has visitors the rule catches
    sample_bots = {v for v, r in expected.items()
                   if r == "behaviour:burst" and not v.startswith("burst-")}
    assert sample_bots
    [(bot_rows, counted_rows)] = query(
        db, "select bot_rows, counted_rows from audit.event_reconciliation")
    by_class = {"bot": 0, "human": 0}
    for (_, cls, _), (_, events) in traffic_table(db).items():
        by_class[cls] += events
    assert (by_class["bot"], by_class["human"]) == (bot_rows, counted_rows)
