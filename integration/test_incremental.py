"""Issue 5: incremental builds over batches of raw files give exactly what a
full refresh of the same files gives: late events, duplicates across
batches (an earlier copy arriving later takes the place of the counted
one), and visitors who turn out to be bots (or stop being bots) later."""
from __future__ import annotations

import os
import random
import shutil

import pytest

from adversarial_events import generate
from conftest import dbt_build, query, run_dbt, write_events
from test_foundation import read_sample_rows

TABLES = {
    "marts.fct_funnel_steps": "*",
    "marts.fct_goal_conversion_rates": "*",
    "marts.fct_macro_conversion_rates": "*",
    "marts.dim_goals": "*",
    "audit.rejected_events": "*",
    "audit.event_reconciliation": "*",
    # late rows are measured against earlier builds' files: a full refresh
    # loads all in one build (test_definition_checks.py tests them)
    "audit.load_batches":
        "* exclude (loaded_at, late_rows, earlier_newest_occurred_at)",
    "staging.stg_events__classified": "* exclude (processed_at)",
    "intermediate.int_goal_events_matched": "*",
    "intermediate.int_visitor_periods": "*",
    "intermediate.int_visitor_goal_periods": "*",
    "intermediate.int_funnel_chain": "*",
    "intermediate.int_funnel_visitor_reach": "*",
    "intermediate.int_funnel_entries": "*",
    "marts.fct_funnel_steps_by_segment": "*",
    "marts.fct_funnel_step_timing": "*",
    "marts.fct_micro_macro_lift": "*",
    "marts.fct_funnel_diagnosis": "*",
}


def crafted_rows():
    """Visitors whose fate only a later batch decides, as (batch, row)."""
    ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0"

    def event(eid, visitor, name, at, agent=ua, path="/"):
        return {"event_id": eid, "visitor_id": visitor, "event_name": name,
                "occurred_at": at, "user_agent": agent,
                "page_url": f"https://shop.example.com{path}"}
    return [
        # a browsing visitor whose bot user agent arrives two batches later
        (1, event("c-bot-1", "late-bot", "page_view", "2026-09-20T10:00:00Z",
                  path="/products/a")),
        (1, event("c-bot-2", "late-bot", "add_to_cart", "2026-09-20T10:05:00Z")),
        (3, event("c-bot-3", "late-bot", "page_view", "2026-09-19T10:00:00Z",
                  agent="Mozilla/5.0 (compatible; GoogleBot/2.1)")),
        # no user agent at first (a bot), a browser one arrives later
        (1, event("c-unbot-1", "late-human", "purchase", "2026-09-21T10:00:00Z",
                  agent=None)),
        (2, event("c-unbot-2", "late-human", "page_view", "2026-09-21T09:00:00Z",
                  path="/products/b")),
        # an earlier copy of a counted event arrives in a later batch
        (1, event("c-dup", "retry", "page_view", "2026-10-01T10:00:00Z",
                  path="/products/c")),
        (2, event("c-dup", "retry", "page_view", "2026-09-30T23:59:59Z",
                  path="/products/c")),
        (3, event("c-dup", "retry", "page_view", "2026-10-02T10:00:00Z",
                  path="/products/c")),
        (2, event("c-dup-2", "retry", "add_to_cart", "2026-10-01T10:00:01Z")),
        # an earlier step-1 event arrives late: the cohort date moves back
        (1, event("c-co-1", "cohort", "page_view", "2026-10-10T10:00:00Z",
                  path="/products/d")),
        (1, event("c-co-2", "cohort", "add_to_cart", "2026-10-10T10:01:00Z")),
        (3, event("c-co-3", "cohort", "page_view", "2026-10-04T10:00:00Z",
                  path="/products/d")),
    ]


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """Three Parquet batches: the adversarial dataset and the sample's
    readable rows, each row sent to a random batch, plus crafted rows."""
    rng = random.Random(20261105)
    rows = generate().rows + [r for r in read_sample_rows()
                              if not r.get("_unreadable")]
    split = {1: [], 2: [], 3: []}
    for row in rows:
        split[rng.choices([1, 2, 3], weights=[6, 3, 1])[0]].append(row)
    for batch, row in crafted_rows():
        split[batch].append(row)
    folder = tmp_path_factory.mktemp("batches")
    return [write_events(folder / f"batch-{n}.parquet", split[n])
            for n in (1, 2, 3)]


def snapshot(db):
    return {name: query(db, f"select {cols} from {name} order by all")
            for name, cols in TABLES.items()}


@pytest.fixture(scope="module")
def builds(batches, tmp_path_factory):
    work = tmp_path_factory.mktemp("incremental")
    raw = work / "raw"
    raw.mkdir()
    db = work / "incremental.duckdb"
    states = []
    for batch in batches:
        shutil.copy(batch, raw / batch.name)
        build = dbt_build(work / "inc", raw_path=raw / "*.parquet",
                          db_path=db).check()
        states.append(query(db, "select * from audit.event_reconciliation"))
        assert f"Loading 1 new raw events file(s) of {len(states)}" in build.output
    again = dbt_build(work / "inc", raw_path=raw / "*.parquet", db_path=db).check()
    assert "No new raw events files" in again.output
    full = run_dbt(["build", "--full-refresh"], work_dir=work / "full",
                   raw_path=raw / "*.parquet").check()
    return {"incremental": db, "full": full.db_path, "states": states}


def test_incremental_equals_full_refresh(builds):
    incremental, full = snapshot(builds["incremental"]), snapshot(builds["full"])
    for name in TABLES:
        assert len(incremental[name]) == len(full[name]), name
        diff = set(incremental[name]) ^ set(full[name])
        assert incremental[name] == full[name], (name, sorted(diff, key=str)[:5])


def test_batches_really_changed_earlier_verdicts(builds):
    db = builds["incremental"]
    status = dict(query(db, "select event_id || '@' || "
                            "strftime(occurred_at, '%Y-%m-%dT%H:%M:%SZ'), "
                            "event_status from staging.stg_events__classified "
                            "where event_id like 'c-%'"))
    assert status["c-bot-1@2026-09-20T10:00:00Z"] == "bot"
    assert status["c-unbot-1@2026-09-21T10:00:00Z"] == "counted"
    assert status["c-dup@2026-09-30T23:59:59Z"] == "counted"
    assert status["c-dup@2026-10-01T10:00:00Z"] == "duplicate"
    assert status["c-dup@2026-10-02T10:00:00Z"] == "duplicate"
    [(cohort,)] = query(db, "select cohort_date"
                            " from intermediate.int_funnel_visitor_reach"
                            " where visitor_id = 'cohort'")
    assert str(cohort) == "2026-10-04"
    # each batch added rows, and the reconciliation grew with them
    raws = [state[0][0] for state in builds["states"]]
    assert raws[0] < raws[1] < raws[2]
    for (raw, rejected, duplicate, bot, counted, *_), in builds["states"]:
        assert raw == rejected + duplicate + bot + counted


@pytest.mark.parametrize("change", ["rewritten", "touched"])
def test_changed_file_stops_the_build(tmp_path, change):
    """A loaded file rewritten with other rows, or only given a new
    modification time (its size unchanged), is refused by name."""
    raw = tmp_path / "raw"
    path = write_events(raw / "a.parquet", [
        {"event_id": "e1", "visitor_id": "v1", "event_name": "page_view",
         "occurred_at": "2026-10-01T10:00:00Z", "user_agent": "Mozilla/5.0"}])
    db = tmp_path / "db.duckdb"
    dbt_build(tmp_path / "b1", raw_path=raw / "*.parquet", db_path=db).check()
    if change == "rewritten":
        write_events(path, [
            {"event_id": f"e{i}", "visitor_id": "v1",
             "event_name": "page_view", "occurred_at": "2026-10-01T10:00:00Z",
             "user_agent": "Mozilla/5.0"}
            for i in range(50)])
    else:
        size, modified = path.stat().st_size, path.stat().st_mtime
        os.utime(path, (modified + 3600, modified + 3600))
        assert path.stat().st_size == size
    build = dbt_build(tmp_path / "b2", raw_path=raw / "*.parquet", db_path=db)
    assert build.returncode != 0
    assert f"'{path}' changed since it was loaded" in build.output
    assert "--full-refresh" in build.output
