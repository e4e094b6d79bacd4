"""Issue 15 (no silent wrong numbers), items 1 and 5.

* A goal that matches no counted event, and a funnel without entrants, are
  named at the end of the build with the event names (and page paths) that
  were seen: a warning by default, a failed build with the same message
  when the var fail_on_unmatched_definitions is true. The names and counts
  expected are computed here from the raw sample with the plain-Python
  oracle, not read back from the project.
* audit.load_batches calls a row late when it occurred more than
  late_event_lookback_days before the newest event of the files loaded by
  earlier builds: nothing on the first load, and never because of the
  file's own events or those of files loaded in the same build.
"""
from __future__ import annotations

import csv
from collections import Counter
from datetime import timedelta

from conftest import PROJECT_DIR, copy_project, query, run_dbt, write_events
from hostile import page_path
from spec_oracle import classify, parse_time
from test_foundation import read_sample_rows

PRODUCTION = ["build", "--exclude-resource-type", "unit_test"]
FAIL = ["--vars", "{fail_on_unmatched_definitions: true}"]
HEADER = "definition(s) matched nothing"


def counted_sample_rows():
    with open(PROJECT_DIR / "seeds" / "bot_user_agent_patterns.csv") as f:
        patterns = [r["pattern"] for r in csv.DictReader(f)]
    rows = read_sample_rows()
    return [row for row, (status, _) in zip(rows, classify(rows, patterns))
            if status == "counted"]


def top_five(counter: Counter) -> str:
    """'"name" (count)', most frequent first, ties by name (code points)."""
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f'"{name}" ({count})' for name, count in ranked[:5])


def edit_goals(project, edits):
    """edits: {goal_id: {column: new value}} on the bundled goal seed."""
    path = project / "seeds" / "goals.csv"
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, goals = reader.fieldnames, list(reader)
    for goal in goals:
        goal.update(edits.get(goal["goal_id"], {}))
    assert {g["goal_id"] for g in goals} >= set(edits)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(goals)


def warning_lines(output: str) -> list[str]:
    """The report's lines: its header line, then one per definition."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if HEADER in line)
    report = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith("  - "):
            break
        report.append(line)
    return report


def test_sample_reports_nothing(sample_build):
    assert HEADER not in sample_build.output
    assert "[WARNING]" not in sample_build.output
    assert query(sample_build.db_path,
                 "select count(*) from audit.unmatched_definitions") == [(0,)]


def test_misspelt_goal_warns_naming_it_then_fails_with_the_var(tmp_path):
    project = copy_project(tmp_path / "project")
    edit_goals(project, {"purchase": {"event_name": "purchse"}})
    seen = top_five(Counter(r["event_name"] for r in counted_sample_rows()))
    expected = (f'  - goal "purchase" (event_name "purchse") matched no '
                f'counted event; event names seen: {seen}')

    warned = run_dbt(PRODUCTION, work_dir=tmp_path / "build",
                     project_dir=project).check()
    report = warning_lines(warned.output)
    assert report[0].endswith(
        f"[WARNING]: 1 {HEADER}, so nothing is counted for them; check "
        "their event_name and page_path_pattern against what was seen "
        "(audit.unmatched_definitions; this fails the build when var "
        "fail_on_unmatched_definitions is true, now false):"), report
    assert report[1:] == [expected]
    assert query(warned.db_path,
                 "select definition_kind, definition_id, event_name "
                 "from audit.unmatched_definitions"
                 ) == [("goal", "purchase", "purchse")]

    failed = run_dbt([*PRODUCTION, *FAIL], work_dir=tmp_path / "build",
                     project_dir=project)
    assert failed.returncode == 1, failed.output[-3000:]
    assert "Completed with 1 error" in failed.output
    report = warning_lines(failed.output)
    assert report[0].endswith(
        f"1 {HEADER}, so nothing is counted for them; check "
        "their event_name and page_path_pattern against what was seen "
        "(audit.unmatched_definitions; this fails the build when var "
        "fail_on_unmatched_definitions is true, now true):"), report
    assert report[1:] == [expected]
    assert "[WARNING]" not in failed.output


def test_path_goal_and_funnel_without_entrants_are_named(tmp_path):
    """view_product (step 1 of the funnel) with a misspelt event name, so
    the funnel has no entrants; view_shipping_info with a misspelt path:
    its event name is seen, so the page paths of page_view are listed."""
    project = copy_project(tmp_path / "project")
    edit_goals(project, {
        "view_product": {"event_name": "page_veiw"},
        "view_shipping_info": {"page_path_pattern": "/help/shiping%"},
    })
    counted = counted_sample_rows()
    names = top_five(Counter(r["event_name"] for r in counted))
    paths = top_five(Counter(page_path(r["page_url"]) or "(none)"
                             for r in counted if r["event_name"] == "page_view"))
    build = run_dbt(PRODUCTION, work_dir=tmp_path / "build",
                    project_dir=project).check()
    assert warning_lines(build.output)[1:] == [
        '  - goal "view_product" (event_name "page_veiw", page_path_pattern '
        f'"/products/%") matched no counted event; event names seen: {names}',
        '  - goal "view_shipping_info" (event_name "page_view", '
        'page_path_pattern "/help/shiping%") matched no counted event; event '
        f'names seen: {names}; page paths seen for "page_view": {paths}',
        '  - funnel "purchase" has no entrants (step 1: goal "view_product", '
        'event_name "page_veiw", page_path_pattern "/products/%"); event '
        f'names seen: {names}',
    ]
    assert query(build.db_path,
                 "select definition_kind, definition_id "
                 "from audit.unmatched_definitions order by all") == [
        ("funnel", "purchase"), ("goal", "view_product"),
        ("goal", "view_shipping_info")]


# ------------------------------------------------------------- late rows

UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0"


def event(eid, at, name="page_view"):
    return {"event_id": eid, "visitor_id": f"v-{eid}", "event_name": name,
            "occurred_at": at, "user_agent": UA,
            "page_url": "https://shop.example.com/"}


# build number -> {file name: rows}. Build 1 (a, b) is the first load: its
# rows are far older than its own newest events, yet none is late. Build 2
# (c, d) is measured against build 1's newest (b: 10-30 00:00), never
# against c's own 11-30 or d's. Build 3 (e) against 11-30.
LOADS = {
    1: {"a.parquet": [event("a1", "2026-09-01T00:00:00Z"),
                      event("a2", "2026-10-20T12:00:00Z")],
        "b.parquet": [event("b1", "2026-10-10T00:00:00Z"),
                      event("b2", "2026-10-30T00:00:00Z")]},
    2: {"c.parquet": [event("c1", "2026-10-26T23:59:59Z"),   # late
                      event("c2", "2026-10-27T00:00:00Z"),   # the boundary
                      event("c3", "2026-10-01T00:00:00Z"),   # late
                      event("c4", "not a time"),             # rejected
                      event("c5", "2026-11-30T00:00:00Z")],
        "d.parquet": [event("d1", "2026-11-20T00:00:00Z"),
                      event("d2", "2026-10-02T00:00:00Z")]},  # late
    3: {"e.parquet": [event("e1", "2026-11-26T23:59:59Z"),   # late
                      event("e2", "2026-11-27T00:00:00Z"),
                      event("e3", "2026-12-05T00:00:00Z")]},
}


def expected_late_rows(lookback_days=3):
    """Per file: rows older than the newest valid time of earlier builds'
    files minus the lookback (plain Python over LOADS)."""
    late, newest_before = {}, None
    for build in sorted(LOADS):
        times = {name: [parse_time(r["occurred_at"]) for r in rows]
                 for name, rows in LOADS[build].items()}
        for name, file_times in times.items():
            late[name] = 0 if newest_before is None else sum(
                t is not None and t < newest_before - timedelta(days=lookback_days)
                for t in file_times)
        newest = max(t for ts in times.values() for t in ts if t is not None)
        newest_before = max(newest, newest_before or newest)
    return late


def late_rows(db):
    return dict(query(db, "select regexp_extract(source_file, '[^/]*$'), "
                          "late_rows from audit.load_batches"))


def test_late_rows_are_late_against_earlier_loads_only(tmp_path):
    expected = expected_late_rows()
    assert expected == {"a.parquet": 0, "b.parquet": 0, "c.parquet": 2,
                        "d.parquet": 1, "e.parquet": 1}
    raw = tmp_path / "raw"
    db = tmp_path / "loads.duckdb"
    for build, files in LOADS.items():
        for name, rows in files.items():
            write_events(raw / name, rows)
        run_dbt(PRODUCTION, work_dir=tmp_path / "inc", db_path=db,
                raw_path=raw / "*.parquet").check()
        assert late_rows(db) == {name: expected[name] for n in LOADS
                                 if n <= build for name in LOADS[n]}, build
    references = dict(query(
        db, "select regexp_extract(source_file, '[^/]*$'), "
            "strftime(earlier_newest_occurred_at, '%m-%d %H:%M') "
            "from audit.load_batches"))
    assert references == {"a.parquet": None, "b.parquet": None,
                          "c.parquet": "10-30 00:00", "d.parquet": "10-30 00:00",
                          "e.parquet": "11-30 00:00"}
    # a full refresh loads every file in one build: nothing is late
    full = run_dbt([*PRODUCTION, "--full-refresh"], work_dir=tmp_path / "full",
                   raw_path=raw / "*.parquet").check()
    assert set(late_rows(full.db_path).values()) == {0}
