"""Issue 14: the platform under the marts.

- Definitions are part of the state: after a change to any definition seed
  or result-changing var, a plain `dbt build` gives what a full refresh
  gives, table for table, and its log names the change.
- Compiling is free of side effects: `dbt compile`, `dbt docs generate` and
  `dbt ls` on a fresh database leave it without a table or schema.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import copy_project, run_dbt
from test_faults import snapshot

PRODUCTION = ["build", "--exclude-resource-type", "unit_test"]


def edit_csv(path: Path, change) -> None:
    """Rewrite the seed at `path` with `change(rows) -> rows` (dicts)."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames)
        rows = change(list(reader))
    # a change may add an optional column
    fields += [k for row in rows for k in row if k not in fields]
    fields = list(dict.fromkeys(fields))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def goal_event(rows):
    for row in rows:
        if row["goal_id"] == "newsletter_signup":
            row["event_name"] = "video_start"
    return rows


def goal_path(rows):
    for row in rows:
        if row["goal_id"] == "view_product":
            row["page_path_pattern"] = "/products/%-%"
    return rows


def funnel_window(rows):
    for row in rows:
        row["conversion_window_days"] = "1"
    return rows


def hold_currency(rows):
    """A held key no shipped funnel holds yet (purchase_same_product holds
    item_id), on every funnel without one: the held keys change."""
    for row in rows:
        if not row.get("hold_constant"):
            row["hold_constant"] = "currency"
    return rows


def channel_rule(rows):
    for row in rows:
        if row["channel"] == "email":
            row["channel"] = "social"
    return rows


def bot_pattern(rows):
    return rows + [{"pattern": "firefox", "description": "test: a browser"}]


def bot_behaviour(rows):
    for row in rows:
        if row["rule_id"] == "events_per_minute":
            row["enabled"], row["max_events"] = "true", "3"
    return rows


# (name, seed file, change, vars, the definition the log must name)
CHANGES = [
    ("goal_event", "goals.csv", goal_event, None, "seed goals"),
    ("goal_path", "goals.csv", goal_path, None, "seed goals"),
    ("funnel_window", "funnels.csv", funnel_window, None, "seed funnels"),
    ("hold_constant", "funnels.csv", hold_currency, None, "hold_constant keys"),
    ("channel_rule", "channel_rules.csv", channel_rule, None,
     "seed channel_rules"),
    ("bot_pattern", "bot_user_agent_patterns.csv", bot_pattern, None,
     "seed bot_user_agent_patterns"),
    ("bot_behaviour", "bot_behaviour_rules.csv", bot_behaviour, None,
     "seed bot_behaviour_rules"),
    ("var_funnel_max_steps", None, None, "{funnel_max_steps: 6}",
     "var funnel_max_steps"),
    ("var_late_event_lookback_days", None, None,
     "{late_event_lookback_days: 30}", None),
    ("var_diagnosis_thresholds", None, None,
     "{diagnosis_thresholds: {falls_below_relative: 0.5, min_entrants: 5}}",
     None),
]


# the changes after which the change log (stg_events__classified) is
# rebuilt in full (funnel_max_steps is part of every fingerprint)
FULL_CHANGE_LOG = {"bot_pattern", "bot_behaviour", "hold_constant",
                   "var_funnel_max_steps"}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The sample built once with the shipped definitions."""
    work = tmp_path_factory.mktemp("definitions-base")
    return run_dbt(PRODUCTION, work_dir=work).check().db_path


@pytest.mark.parametrize("name,seed,change,variables,named", CHANGES,
                         ids=[c[0] for c in CHANGES])
def test_definition_change_then_plain_build_equals_full_refresh(
        base, tmp_path, name, seed, change, variables, named):
    project = copy_project(tmp_path / "project")
    if seed:
        edit_csv(project / "seeds" / seed, change)
    extra = ["--vars", variables] if variables else []
    db = tmp_path / "changed.duckdb"
    shutil.copy(base, db)
    plain = run_dbt(PRODUCTION + extra, work_dir=tmp_path / "plain",
                    project_dir=project, db_path=db).check()
    full = run_dbt(PRODUCTION + ["--full-refresh"] + extra,
                   work_dir=tmp_path / "full", project_dir=project).check()
    after, expected, before = snapshot(db), snapshot(full.db_path), snapshot(base)
    assert after.keys() == expected.keys()
    for table in expected:
        assert after[table] == expected[table], f"{name}: {table} differs"
    if named:
        assert f"definitions changed: {named}" in plain.output
    # the change log is rebuilt in full only when what it reads changed:
    # of the funnels seed, only the held keys
    classified_full = "stg_events__classified: full build" in plain.output
    assert classified_full == (name in FULL_CHANGE_LOG), name
    if seed:
        # the change really moved some figures, so the test can fail
        assert any(before[t] != expected[t] for t in expected), name


def test_unchanged_definitions_build_incrementally(base, tmp_path):
    """No new file and no change: the visitor-level models are written
    incrementally and change nothing, and the marts and audit tables are
    kept as they are (no build record of theirs)."""
    db = tmp_path / "again.duckdb"
    shutil.copy(base, db)
    before = snapshot(db)
    again = run_dbt(PRODUCTION, work_dir=tmp_path / "again",
                    db_path=db).check()
    assert "definitions changed" not in again.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        records = con.execute(
            "select model_name, build_mode, rows_changed "
            "from platform.model_builds "
            "where built_at = (select max(built_at) from platform.model_builds) "
            "order by model_name").fetchall()
    finally:
        con.close()
    names = {name for name, _mode, _rows in records}
    assert "stg_events__classified" in names and "int_funnel_chain" in names
    assert all(mode == "incremental" and rows == 0
               for _name, mode, rows in records), records
    served = {table.split(".")[1] for table in before
              if table.split(".")[0] in ("marts", "audit")}
    assert served and not served & names, served & names
    assert snapshot(db) == before


@pytest.mark.parametrize("command", [["compile"], ["docs", "generate"], ["ls"]],
                         ids=["compile", "docs-generate", "ls"])
def test_commands_that_do_not_build_leave_the_database_empty(tmp_path, command):
    db = tmp_path / "fresh.duckdb"
    run_dbt(command, work_dir=tmp_path, db_path=db).check()
    if not db.exists():
        return
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables()").fetchall()
        schemas = con.execute(
            "select schema_name from duckdb_schemas() where not internal "
            "and schema_name <> 'main'").fetchall()
    finally:
        con.close()
    assert tables == [] and schemas == [], (tables, schemas)


def corrupt(db: Path, sql: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(sql)
    finally:
        con.close()


LATEST_CLASSIFIED_BUILD = (
    "(select max(built_at) from platform.model_builds"
    " where model_name = 'stg_events__classified')")


@pytest.mark.parametrize("problem,sql", [
    ("raw_row_id repeated",
     "insert into staging.stg_events__classified select * from"
     " staging.stg_events__classified where event_status = 'counted' limit 1"),
    ("event_id accepted more than once",
     "insert into staging.stg_events__classified select * replace ("
     " raw_row_id + 1000000 as raw_row_id) from"
     " staging.stg_events__classified where event_status = 'counted' limit 1"),
    ("reject_reason disagrees with event_status",
     "update staging.stg_events__classified set reject_reason ="
     " 'missing_event_id' where raw_row_id = (select min(raw_row_id) from"
     " staging.stg_events__classified where event_status = 'counted')"),
], ids=["raw_row_id", "event_id", "reject_reason"])
def test_change_log_test_fails_on_a_broken_row(base, tmp_path, problem, sql):
    """The change log's test fails on a broken row that the latest build
    wrote (after a build in full: any row)."""
    db = tmp_path / "broken.duckdb"
    shutil.copy(base, db)
    checked = ["test", "--select", "stg_events__classified",
               "--exclude-resource-type", "unit_test"]
    run_dbt(checked, work_dir=tmp_path / "clean", db_path=db).check()
    corrupt(db, sql)
    broken = run_dbt(checked, work_dir=tmp_path / "broken", db_path=db)
    assert broken.returncode != 0, problem
    assert "change_log_is_sound" in broken.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        compiled = next((tmp_path / "broken" / "target" / "compiled").rglob(
            "change_log_is_sound*.sql")).read_text()
        found = con.execute(compiled).fetchall()
    finally:
        con.close()
    assert problem in {row[0] for row in found}, found


def test_change_log_test_checks_the_rows_of_an_incremental_build(
        base, tmp_path):
    """After an incremental build, the rows it wrote are checked against the
    whole table: an accepted event id it wrote that an untouched older row
    also holds as accepted fails the test."""
    db = tmp_path / "incremental.duckdb"
    shutil.copy(base, db)
    corrupt(db, (
        "insert into staging.stg_events__classified select * replace ("
        " raw_row_id + 1000000 as raw_row_id, "
        f"{LATEST_CLASSIFIED_BUILD} as processed_at) from"
        " staging.stg_events__classified where event_status = 'counted'"
        " limit 1"))
    corrupt(db, ("update platform.model_builds set build_mode = 'incremental',"
                 " rows_changed = 1 where model_name = 'stg_events__classified'"
                 f" and built_at = {LATEST_CLASSIFIED_BUILD}"))
    broken = run_dbt(["test", "--select", "stg_events__classified",
                      "--exclude-resource-type", "unit_test"],
                     work_dir=tmp_path / "t", db_path=db)
    assert broken.returncode != 0
    assert "change_log_is_sound" in broken.output


def test_visitor_rows_hold_fails_on_a_repeated_grain(base, tmp_path):
    db = tmp_path / "broken.duckdb"
    shutil.copy(base, db)
    corrupt(db, "insert into intermediate.int_visitor_periods select * from"
                " intermediate.int_visitor_periods limit 1")
    broken = run_dbt(["test", "--select", "int_visitor_periods",
                      "--exclude-resource-type", "unit_test"],
                     work_dir=tmp_path / "t", db_path=db)
    assert broken.returncode != 0
    assert "visitor_rows_hold_int_visitor_periods" in broken.output
