"""Issue 3: the project builds on the sample, reads real exports in both
formats, reconciles every raw row, and stops with a clear message on bad
input or broken goal definitions."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from conftest import (PROJECT_DIR, RAW_COLUMNS, SAMPLE_CSV, copy_project,
                      dbt_build, query, run_dbt, write_events)
from spec_oracle import classify

MARTS = ["marts.fct_funnel_steps", "marts.fct_goal_conversion_rates",
         "marts.fct_macro_conversion_rates", "marts.dim_goals"]
AUDIT_COLUMNS = ("event_id, visitor_id, session_id, event_name, occurred_at, "
                 "page_path, referrer_host, user_agent, reject_reason")


def read_sample_rows():
    """The sample as the CSV module reads it: a line whose field count is
    not nine is unreadable; an empty field is null (as DuckDB reads it)."""
    rows = []
    with open(SAMPLE_CSV, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        for fields in reader:
            if len(fields) != len(header):
                rows.append({"_unreadable": True})
            else:
                rows.append({k: (v if v != "" else None)
                             for k, v in zip(header, fields)})
    return rows


def bot_patterns():
    with open(PROJECT_DIR / "seeds" / "bot_user_agent_patterns.csv") as f:
        return [r["pattern"] for r in csv.DictReader(f)]


def table(db, name, order_by="all"):
    return query(db, f"select * from {name} order by {order_by}")


def test_sample_builds_and_reconciles(sample_build):
    db = sample_build.db_path
    [(raw, rejected, duplicate, bot, counted)] = query(
        db, "select raw_rows, rejected_rows, duplicate_rows, bot_rows, "
            "counted_rows from audit.event_reconciliation")
    assert raw == rejected + duplicate + bot + counted
    rows = read_sample_rows()
    fates = classify(rows, bot_patterns())
    expected = Counter(status for status, _ in fates)
    assert (raw, rejected, duplicate, bot, counted) == (
        len(rows), expected["rejected"], expected["duplicate"],
        expected["bot"], expected["counted"])
    reasons = Counter(reason for status, reason in fates if reason)
    assert dict(query(db, "select reject_reason, count(*) from "
                          "audit.rejected_events group by all")) == reasons
    # every case the sample is meant to show is there
    assert set(reasons) == {"unreadable_row", "missing_event_id",
                            "missing_visitor_id", "missing_event_name",
                            "invalid_occurred_at"}
    assert duplicate > 0 and bot > 0
    for mart in MARTS:
        assert query(db, f"select count(*) from {mart}")[0][0] > 0, mart


def test_sample_meets_its_brief():
    rows = [r for r in read_sample_rows() if not r.get("_unreadable")]
    assert len(rows) >= 2000
    assert len({r["visitor_id"] for r in rows if r["visitor_id"]}) >= 300
    days = {r["occurred_at"][:10] for r in rows if r["occurred_at"]
            and r["occurred_at"][:4] == "2026"}
    assert len(days) >= 14
    urls = " ".join(r["page_url"] or "" for r in rows)
    assert "@" in urls and "token=" in urls
    assert any(r["occurred_at"] and r["occurred_at"].strip()[-6:-5] in "+-"
               for r in rows)


def test_ids_stay_text_and_no_query_string_travels(sample_build):
    db = sample_build.db_path
    assert query(db, "select count(*) from staging.stg_events__classified "
                     "where event_id = '007'")[0][0] >= 1
    leaked = query(db, "select page_path from staging.stg_events__classified "
                       "where page_path like '%?%' or page_path like '%@%' "
                       "or page_path like '%token=%'")
    assert leaked == []
    leaked = query(db, f"select {AUDIT_COLUMNS} from audit.rejected_events "
                       "where page_path like '%?%' or page_path like '%@%'")
    assert leaked == []


def test_parquet_and_csv_inputs_give_the_same_results(tmp_path):
    """The readable rows of the sample written as CSV and as Parquet (two
    files each, columns in another order and an extra column in one)."""
    rows = [r for r in read_sample_rows() if not r.get("_unreadable")]
    half = len(rows) // 2
    for fmt in ("csv", "parquet"):
        write_events(tmp_path / fmt / f"a.{fmt}", rows[:half])
        write_events(tmp_path / fmt / f"b.{fmt}", rows[half:])
    # the CSV files: one with reordered columns and an extra column
    reordered = tmp_path / "csv" / "b.csv"
    with open(reordered, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["extra", *reversed(RAW_COLUMNS)])
        writer.writeheader()
        for r in rows[half:]:
            writer.writerow({"extra": "x", **{c: r.get(c) for c in RAW_COLUMNS}})
    builds = {fmt: dbt_build(tmp_path / f"build_{fmt}",
                             raw_path=tmp_path / fmt / f"*.{fmt}").check()
              for fmt in ("csv", "parquet")}
    for name in [*MARTS, "audit.event_reconciliation"]:
        csv_rows = table(builds["csv"].db_path, name)
        assert csv_rows == table(builds["parquet"].db_path, name), name
    compare = f"select {AUDIT_COLUMNS} from audit.rejected_events order by all"
    assert (query(builds["csv"].db_path, compare)
            == query(builds["parquet"].db_path, compare))


def test_typed_parquet_timestamps_of_any_unit(tmp_path):
    """Parquet timestamps in s, ms, us (with a zone) in one glob, and ns with
    a non-UTC zone in another: all become UTC, truncated to microseconds."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datetime import datetime, timezone

    instant = datetime(2026, 10, 5, 12, 30, 15, 123456, tzinfo=timezone.utc)
    naive = instant.replace(tzinfo=None)
    expected = {"s": naive.replace(microsecond=0),
                "ms": naive.replace(microsecond=123000),
                "us": naive, "ns": naive}
    for unit, tz, folder in [("s", None, "micro"), ("ms", None, "micro"),
                             ("us", "UTC", "micro"), ("ns", "Europe/Paris", "nano")]:
        cols = {c: pa.array([unit], pa.string()) for c in RAW_COLUMNS}
        cols["occurred_at"] = pa.array([instant], pa.timestamp(unit, tz=tz))
        (tmp_path / folder).mkdir(exist_ok=True)
        pq.write_table(pa.table(cols), tmp_path / folder / f"{unit}.parquet")
    for folder in ("micro", "nano"):
        build = dbt_build(tmp_path / f"build_{folder}",
                          raw_path=tmp_path / folder / "*.parquet").check()
        got = dict(query(build.db_path, "select event_id, occurred_at from "
                                        "staging.stg_events__classified"))
        assert got == {u: t for u, t in expected.items() if u in got}
        assert len(got) == (3 if folder == "micro" else 1)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_empty_input_builds_empty_marts(tmp_path, fmt):
    path = write_events(tmp_path / f"empty.{fmt}", [])
    build = dbt_build(tmp_path / "build", raw_path=path).check()
    assert query(build.db_path, "select * from audit.event_reconciliation"
                 )[0][:5] == (0, 0, 0, 0, 0)
    for mart in MARTS[:3]:
        assert query(build.db_path, f"select count(*) from {mart}") == [(0,)]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_missing_column_fails_naming_column_and_file(tmp_path, fmt):
    good = write_events(tmp_path / "in" / f"a.{fmt}", [
        {"event_id": "e1", "visitor_id": "v1", "event_name": "page_view",
         "occurred_at": "2026-10-01T10:00:00Z"}])
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq
    bad = tmp_path / "in" / f"b.{fmt}"
    cols = {c: pa.array(["x"], pa.string()) for c in RAW_COLUMNS
            if c != "user_agent"}
    (pq.write_table if fmt == "parquet" else pa_csv.write_csv)(
        pa.table(cols), bad)
    build = dbt_build(tmp_path / "build", raw_path=tmp_path / "in" / f"*.{fmt}")
    assert build.returncode != 0
    assert "user_agent" in build.output and str(bad) in build.output
    assert good.exists()


def test_path_matching_no_file_fails_naming_it(tmp_path):
    missing = tmp_path / "nowhere" / "*.parquet"
    build = dbt_build(tmp_path / "build", raw_path=missing)
    assert build.returncode != 0
    assert f"'{missing}' matches no file" in build.output


def test_path_with_quotes_and_spaces(tmp_path):
    path = write_events(tmp_path / "it's a dir" / "my events.csv", [
        {"event_id": "e1", "visitor_id": "v1", "event_name": "page_view",
         "occurred_at": "2026-10-01T10:00:00Z", "user_agent": "Mozilla/5.0",
         "page_url": "https://shop.example.com/products/mug"}])
    build = dbt_build(tmp_path / "build", raw_path=path).check()
    assert query(build.db_path, "select counted_rows from "
                                "audit.event_reconciliation") == [(1,)]


def test_large_csv_reads_its_header_and_numbers_lines_in_order(tmp_path):
    """A CSV several read buffers long, read with the profile's
    preserve_insertion_order = false: the header must still be the first
    line read, and raw_row_id must follow the file's line order. Before the
    fix, a parallel scan returned a data line as the header in 82 of 200
    probes; four reads make a miss unlikely (0.59^4 = 12%)."""
    rows = [{"event_id": f"e{i:06d}", "visitor_id": f"v{i % 977}",
             "event_name": "page_view", "occurred_at": "2026-10-01T10:00:00Z",
             "page_url": "https://shop.example.com/p/" + "x" * (i % 150)}
            for i in range(200_000)]
    path = write_events(tmp_path / "big.csv", rows)
    misordered = """
        select count(*) from (
            select event_id, row_number() over (order by raw_row_id) - 1 as n
            from staging.stg_events__raw_rows
        ) where event_id <> 'e' || lpad(cast(n as varchar), 6, '0')"""
    for attempt in range(4):
        run = run_dbt(["run", "--full-refresh", "-s", "stg_events__raw_files",
                       "stg_events__raw_rows"],
                      work_dir=tmp_path / "build", raw_path=path).check()
        assert query(run.db_path, "select count(*) from staging.stg_events__raw_rows"
                     ) == [(200_000,)], attempt
        assert query(run.db_path, misordered) == [(0,)], attempt


BROKEN_DEFINITIONS = {
    # name: (edit of goals.csv lines, text the error must contain)
    "gap_in_steps": (("begin_checkout,", ",purchase,3,", ",purchase,5,"),
                     'funnel "purchase" has steps [1, 2, 4, 5]'),
    "two_macro_goals": (("add_to_cart,", ",micro,", ",macro,"),
                        'funnel "purchase" has 2 macro goals'),
    "macro_not_last": (("purchase,", ",purchase,4,", ",purchase,0,"),
                       'macro goal "purchase" is step 0'),
    "unknown_funnel": (("video_start,", ',,,,"', ',,checkout,1,"'),
                       'goal "video_start" names unknown funnel "checkout"'),
    "duplicate_goal_id": (("video_start,", "video_start,", "add_to_cart,"),
                          'goal "add_to_cart" is defined 2 times'),
    "macro_without_funnel": (("video_start,", ",micro,", ",macro,"),
                             'macro goal "video_start" belongs to no funnel'),
    "bad_goal_type": (("video_start,", ",micro,", ",main,"),
                      'goal "video_start" has goal_type "main"'),
}


@pytest.mark.parametrize("case", sorted(BROKEN_DEFINITIONS))
def test_broken_goal_definition_fails_naming_it(tmp_path, case):
    (line_start, old, new), message = BROKEN_DEFINITIONS[case]
    project = copy_project(tmp_path / "project")
    goals = project / "seeds" / "goals.csv"
    lines = goals.read_text().splitlines(keepends=True)
    edited = [ln.replace(old, new, 1) if ln.startswith(line_start) else ln
              for ln in lines]
    assert edited != lines, "the edit did not apply"
    goals.write_text("".join(edited))
    build = run_dbt(["build", "--select", "resource_type:seed"],
                    work_dir=tmp_path / "build", project_dir=project)
    assert build.returncode != 0
    assert message in build.output, build.output[-3000:]


def test_broken_funnel_window_fails_and_stops_the_marts(tmp_path):
    project = copy_project(tmp_path / "project")
    funnels = project / "seeds" / "funnels.csv"
    funnels.write_text(funnels.read_text().replace("Purchase funnel,7,",
                                                   "Purchase funnel,0,"))
    build = dbt_build(tmp_path / "build", project_dir=project)
    assert build.returncode != 0
    assert 'funnel "purchase" has conversion_window_days 0' in build.output
    assert "SKIP relation marts.fct_funnel_steps" in build.output
