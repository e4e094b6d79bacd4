"""Hostile input: every raw row counts correctly or is rejected with a reason,
whatever its strings, and nothing in the data or the definitions runs as SQL.

Two builds of a private copy of the project whose goal and funnel seeds hold
quotes, LIKE wildcards, backslashes, SQL and Jinja in ids, names and page
path patterns, reading from RAW_EVENTS_PATH `it's a "dir"/my events.<ext>`:

* Parquet: crafted rows (every case below) and rows drawn by Hypothesis
  (hostile.generate: random Unicode and control characters, NUL included,
  in every string column; 100 kB strings; ids with quotes and SQL; JSON
  properties that are not JSON; times far in the past or future, out of
  range, at the edge of the offsets; whitespace-only ids), plus later
  deliveries of some of them;
* CSV (Python's csv module, RFC 4180) of other such rows, plus lines the
  parser cannot read (wrong number of fields, invalid UTF-8);
* and the smallest CSV with a line feed inside a quoted field, loaded alone.

Each build is compared with integration/spec_oracle.py, row by row (Parquet,
by source line) or as a multiset of rows (CSV, whose readable rows carry no
line number), and through the reconciliation, the rejected events, the goal
definitions and the conversions of the hostile LIKE patterns.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import hostile
from conftest import PROJECT_DIR, copy_project, query, run_dbt, served_tables

GENERATED_EXAMPLES = 25   # Hypothesis examples per build
ROWS_PER_EXAMPLE = 40     # rows per example
RAW_DIR = "it's a \"dir\""
OK_UA = hostile.BROWSERS[0]
SQL = hostile.SQL_FRAGMENTS


def crafted_rows() -> list[dict]:
    """One row per hostile case the brief lists, the rest of it valid."""
    def row(n, **values):
        base = {"event_id": f"c-{n}", "visitor_id": f"cv-{n % 7}",
                "session_id": None, "event_name": "page_view",
                "occurred_at": "2026-10-05T12:00:00Z",
                "page_url": "https://shop.example.com/", "referrer_url": None,
                "user_agent": OK_UA, "properties": None}
        base.update(values)
        return base

    rows = []
    for text in SQL + hostile.QUOTES + hostile.CONTROL + hostile.UNICODE_BLANKS:
        for column in ("event_id", "visitor_id", "session_id", "event_name",
                       "page_url", "referrer_url", "properties"):
            rows.append(row(len(rows), **{column: (
                f"{text}" if column != "event_id" else f"id {text}")}))
        rows.append(row(len(rows), user_agent=OK_UA + text))
    for text in hostile.WHITESPACE_ONLY + [""]:
        for column in ("event_id", "visitor_id", "event_name"):
            rows.append(row(len(rows), **{column: text}))
    for huge in hostile.HUGE:
        rows.append(row(len(rows), event_id=huge[:100_000], visitor_id=huge,
                        session_id=huge, page_url=hostile.HUGE_URL,
                        referrer_url=hostile.HUGE_URL, user_agent="UA " + huge,
                        properties=huge))
    for at in hostile.EDGE_TIMES:
        rows.append(row(len(rows), occurred_at=at))
    for properties in ["{", "{'a': 1}", "not json", "[1,", "{\"a\": NaN}",
                       "\x00{}", "{\"k\": \"'; drop table marts.dim_goals; --\"}",
                       '{"a": 1}']:
        rows.append(row(len(rows), properties=properties))
    # the hostile goal patterns: /it's/% and /back\slash/_% (no escape)
    paths = ["/it's/", "/it's/a", "/it's/a?x=1#y", "/its/a", "/it''s/a",
             "/It's/a", "/back\\slash/a", "/back\\slash/", "/backXslash/a",
             "/back/slash/a", "/back\\\\slash/a"]
    for n, path in enumerate(paths):
        for m, host in enumerate(["https://shop.example.com", "", "//h.example"]):
            rows.append(row(len(rows), visitor_id=f"path-{n}-{m}",
                            page_url=host + path,
                            occurred_at=f"2026-10-{10 + m:02d}T08:00:00Z"))
    # SQL and quotes in ids that repeat (duplicates) and bots by pattern
    rows.append(row(len(rows), event_id=SQL[0], visitor_id=SQL[1]))
    rows.append(row(len(rows), event_id=SQL[0], visitor_id=SQL[1],
                    occurred_at="2026-10-05T11:59:59Z"))
    rows.append(row(len(rows), event_id="it's", visitor_id="it's",
                    user_agent="Mozilla/5.0 (compatible; GoogleBot/2.1)"))
    # year 0: see test_year_zero_is_not_a_time
    rows.append(row(len(rows), event_id="c-year-zero",
                    occurred_at="0000-01-01T00:00:00Z"))
    return rows


def generated_rows(seed: int) -> tuple[list[dict], int]:
    batches = hostile.generate(GENERATED_EXAMPLES, ROWS_PER_EXAMPLE, seed)
    drawn = [r for batch in batches for r in batch]
    return hostile.with_retries(drawn, seed), len(batches)


UNREADABLE_LINES = [
    b"too,few,fields",
    b"1,2,3,4,5,6,7,8,9,10",
    b"u-1,uv-1,,page_view,2026-10-05T12:00:00Z,https://x.example/\xff\xfe,,UA,",
]


def build(project: Path, raw: Path, work: Path):
    return run_dbt(["build"], work_dir=work, raw_path=raw, project_dir=project)


@pytest.fixture(scope="module")
def hostile_builds(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    project = copy_project(base / "project")
    goals = hostile.write_hostile_seeds(project)
    raw_dir = base / RAW_DIR
    parquet_rows, parquet_examples = generated_rows(seed=20261124)
    parquet_rows = crafted_rows() + parquet_rows
    csv_rows, csv_examples = generated_rows(seed=20261125)
    csv_rows = crafted_rows() + csv_rows
    parquet = hostile.write_parquet(raw_dir / "my events.parquet", parquet_rows)
    csv_path = hostile.write_csv(raw_dir / "my events.csv", csv_rows)
    with open(csv_path, "ab") as f:
        for line in UNREADABLE_LINES:
            f.write(line + b"\r\n")
    # the smallest CSV of the kind: CRLF record ends (as Python's csv module
    # writes them) and a line feed inside a quoted field
    small_csv = base / "small" / "events.csv"
    small_csv.parent.mkdir()
    small_csv.write_bytes(
        b",".join(c.encode() for c in hostile.COLUMNS) + b"\r\n"
        b"e1,v1,,page_view,2026-10-01T10:00:00Z,https://shop.example.com/,,"
        b'Mozilla/5.0,"{""note"": ""line one\nline two""}"\r\n')
    with ThreadPoolExecutor(2) as pool:
        futures = {
            "parquet": pool.submit(build, project, parquet, base / "b_parquet"),
            "csv": pool.submit(build, project, csv_path, base / "b_csv"),
            "small_csv": pool.submit(
                run_dbt, ["build", "--select", "stg_events__raw_files",
                          "stg_events__raw_rows"],
                work_dir=base / "b_small", raw_path=small_csv),
        }
        results = {fmt: f.result() for fmt, f in futures.items()}
    patterns = hostile.bot_patterns(project)
    oracle_rows = {
        "parquet": parquet_rows,
        "csv": hostile.as_read_from_csv(csv_rows)
        + [{"_unreadable": True} for _ in UNREADABLE_LINES],
    }
    return {
        "results": results, "goals": goals, "patterns": patterns,
        "rows": oracle_rows,
        "fates": {fmt: hostile.classify(rows, patterns)
                  for fmt, rows in oracle_rows.items()},
        "examples": {"parquet": parquet_examples, "csv": csv_examples},
        "project": project,
    }


FORMATS = ["parquet", "csv"]
ROW_COLUMNS = ["event_id", "visitor_id", "session_id", "event_name",
               "occurred_at", "user_agent", "properties"]


def built(hostile_builds, fmt):
    result = hostile_builds["results"][fmt]
    result.check()
    return result.db_path


def test_many_rows_were_tried(hostile_builds):
    for fmt in FORMATS:
        rows = hostile_builds["rows"][fmt]
        assert hostile_builds["examples"][fmt] == GENERATED_EXAMPLES
        assert len(rows) >= 1000, (fmt, len(rows))
        fates = Counter(status for status, _ in hostile_builds["fates"][fmt])
        # every fate is exercised, with a fair share counted
        assert set(fates) == {"rejected", "duplicate", "bot", "counted"}
        assert fates["counted"] >= 100, fates


@pytest.mark.parametrize("fmt", FORMATS)
def test_build_succeeds_with_every_data_test(hostile_builds, fmt):
    result = hostile_builds["results"][fmt].check()
    assert "ERROR=0" in result.output and "WARN=0" in result.output


def test_csv_with_a_line_feed_in_a_quoted_field_loads(hostile_builds):
    """RFC 4180 allows a line break inside a quoted field; Python's csv
    module writes records ending in CRLF and keeps a value's own LF."""
    result = hostile_builds["results"]["small_csv"].check()
    [(properties,)] = query(result.db_path, "select properties from "
                                            "staging.stg_events__raw_rows")
    assert properties == '{"note": "line one\nline two"}'


@pytest.mark.parametrize("fmt", FORMATS)
def test_reconciliation_adds_up_to_the_rows_written(hostile_builds, fmt):
    db = built(hostile_builds, fmt)
    [(raw, rejected, duplicate, bot, counted)] = query(
        db, "select raw_rows, rejected_rows, duplicate_rows, bot_rows, "
            "counted_rows from audit.event_reconciliation")
    expected = Counter(s for s, _ in hostile_builds["fates"][fmt])
    assert raw == len(hostile_builds["rows"][fmt])
    assert raw == rejected + duplicate + bot + counted
    assert (rejected, duplicate, bot, counted) == (
        expected["rejected"], expected["duplicate"], expected["bot"],
        expected["counted"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_rejected_events_hold_every_rejected_row_with_its_reason(
        hostile_builds, fmt):
    db = built(hostile_builds, fmt)
    expected = Counter(r for s, r in hostile_builds["fates"][fmt] if r)
    got = dict(query(db, "select reject_reason, count(*) from "
                         "audit.rejected_events group by all"))
    assert got == dict(expected)


def _db_rows(db):
    """Each classified row with its raw values read back from its file by
    raw_row_id (the view stg_events__raw_rows reads the Parquet files the
    build loaded, where they lie): the row number in the file, the raw
    columns, the fate."""
    return query(db, f"""
        select
            classified.raw_row_id % 4294967296 + 1 as source_line,
            {", ".join(f"raw_rows.{c}" for c in ROW_COLUMNS)},
            classified.event_status, classified.reject_reason
        from staging.stg_events__classified as classified
        left join staging.stg_events__raw_rows as raw_rows
            on classified.raw_row_id = raw_rows.raw_row_id""")


# The columns stg_events__classified keeps as delivered on every row.
KEPT_COLUMNS = ["event_id", "visitor_id", "session_id", "event_name"]


def test_parquet_row_fates_match_the_oracle_row_by_row(hostile_builds):
    db = built(hostile_builds, "parquet")
    rows, fates = hostile_builds["rows"]["parquet"], hostile_builds["fates"]["parquet"]
    got = {line: values for line, *values in _db_rows(db)}
    assert sorted(got) == list(range(1, len(rows) + 1))
    wrong = []
    for i, (row, (status, reason)) in enumerate(zip(rows, fates)):
        expected = [row[c] for c in ROW_COLUMNS] + [status, reason]
        if got[i + 1] != expected:
            wrong.append((i, {c: (row[c] or "")[:80] for c in ROW_COLUMNS},
                          "expected", (status, reason),
                          "got", tuple(got[i + 1][-2:])))
    assert wrong == [], f"{len(wrong)} rows differ, e.g. {wrong[:3]}"


def test_csv_row_fates_match_the_oracle_as_a_multiset(hostile_builds):
    db = built(hostile_builds, "csv")
    rows, fates = hostile_builds["rows"]["csv"], hostile_builds["fates"]["csv"]
    expected = Counter(
        tuple(row.get(c) for c in KEPT_COLUMNS) + (status, reason)
        for row, (status, reason) in zip(rows, fates))
    got = Counter(query(db, f"""
        select {", ".join(KEPT_COLUMNS)}, event_status, reject_reason
        from staging.stg_events__classified"""))
    missing, extra = expected - got, got - expected
    show = lambda c: [tuple((v or "")[:60] for v in k) for k in list(c)[:3]]
    assert not missing and not extra, (
        f"{sum(missing.values())} expected rows missing, e.g. {show(missing)}; "
        f"{sum(extra.values())} unexpected, e.g. {show(extra)}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_injected_sql_never_ran_and_definitions_round_trip(hostile_builds, fmt):
    db = built(hostile_builds, fmt)
    tables = {f"{s}.{t}" for s, t in query(
        db, "select table_schema, table_name from information_schema.tables")}
    assert served_tables() <= tables
    for table in ("staging.stg_events__raw_files", "staging.stg_events__classified"):
        assert table in tables
    [(raw_rows,)] = query(db, "select sum(row_count) from staging.stg_events__raw_files")
    assert raw_rows == len(hostile_builds["rows"][fmt])
    goals = hostile_builds["goals"]
    got = query(db, "select goal_id, goal_name, page_path_pattern, funnel_id "
                    "from marts.dim_goals order by goal_id")
    expected = sorted((g["goal_id"], g["goal_name"], g["page_path_pattern"] or None,
                       g["funnel_id"] or None) for g in goals)
    assert got == expected
    [(funnel_name,)] = query(db, "select distinct funnel_name from marts.dim_goals "
                                 "where funnel_id = ?", [hostile.HOSTILE_FUNNEL_ID])
    assert funnel_name == "Purchase \"funnel\" it's 100%_"
    # every goal has a row in every month with human visitors
    [(months,)] = query(db, "select count(distinct period_start) from "
                            "marts.fct_goal_conversion_rates where period_grain = 'month'")
    [(rows,)] = query(db, "select count(*) from marts.fct_goal_conversion_rates "
                          "where period_grain = 'month'")
    assert rows == months * len(goals)


def _monthly_expectations(hostile_builds, fmt):
    """Per UTC month (years 1..9999): human visitors, and the converters of
    each goal with a page path pattern, from the oracle's counted rows."""
    rows, fates = hostile_builds["rows"][fmt], hostile_builds["fates"][fmt]
    humans = defaultdict(set)
    converters = defaultdict(set)
    patterned = [g for g in hostile_builds["goals"] if g["page_path_pattern"]]
    for row, (status, _) in zip(rows, fates):
        if status != "counted":
            continue
        micros = hostile.utc_micros(row["occurred_at"])
        if not 0 <= micros < hostile.MAX_MICROS:
            continue
        month = hostile.utc_month(micros)
        humans[month].add(row["visitor_id"])
        path = hostile.page_path(row["page_url"])
        for goal in patterned:
            if (row["event_name"] == goal["event_name"]
                    and hostile.like(path, goal["page_path_pattern"])):
                converters[(goal["goal_id"], month)].add(row["visitor_id"])
    return humans, converters, patterned


@pytest.mark.parametrize("fmt", FORMATS)
def test_monthly_visitors_and_like_patterns_match_the_oracle(hostile_builds, fmt):
    db = built(hostile_builds, fmt)
    humans, converters, patterned = _monthly_expectations(hostile_builds, fmt)
    got = query(db, """
        select goal_id,
               format('{:04d}-{:02d}', year(period_start), month(period_start)),
               human_visitors,
               converting_visitors
        from marts.fct_goal_conversion_rates
        where period_grain = 'month'
          and period_start between date '0001-01-01' and date '9999-12-31'""")
    got_humans = {month: n for _goal, month, n, _c in got}
    assert got_humans == {m: len(v) for m, v in humans.items()}
    for goal in patterned:
        got_conv = {month: c for goal_id, month, _n, c in got
                    if goal_id == goal["goal_id"] and c}
        expected = {m: len(v) for (g, m), v in converters.items()
                    if g == goal["goal_id"]}
        assert got_conv == expected, goal["goal_id"]
    # the crafted paths matched as LIKE does, without an escape character
    its = {m: v for (g, m), v in converters.items() if g == "it's \"shipping\""}
    assert any("path-0-0" in v for v in its.values())        # /it's/
    assert not any("path-3-0" in v for v in its.values())    # /its/a
    slash = {m: v for (g, m), v in converters.items() if g == "back\\slash"}
    assert any("path-6-0" in v for v in slash.values())      # /back\slash/a
    assert not any("path-7-0" in v for v in slash.values())  # /back\slash/


def test_year_zero_is_not_a_time(hostile_builds):
    """`0000-01-01T00:00:00Z` has the SPEC shape, but year 0 is no calendar
    year of the oracle (nor of Python, ISO 8601 without agreement, or most
    BI tools): the oracle rejects it as invalid_occurred_at."""
    db = built(hostile_builds, "parquet")
    [(reason,)] = query(db, "select reject_reason from staging.stg_events__classified "
                            "where event_id = 'c-year-zero'")
    assert reason == "invalid_occurred_at"
