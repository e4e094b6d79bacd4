"""The same project on Spark (dbt-spark's `session` method, a local PySpark).

The bundled sample as Parquet (sample_data/events.parquet) is built twice,
on Spark and on DuckDB, with `dbt build` (seeds, models, unit tests and data
tests), both with reporting_timezone Australia/Sydney (SPEC section 6: its
clocks go forward on 2026-10-04, inside the sample), so that local dates,
local period ends and finality bounds are compared too. Every mart and audit table must be equal row for row (rates within
1e-9), and every unit test must pass on both targets. Spark's tables are
Parquet files under its warehouse folder, read back here with DuckDB.
"""
from __future__ import annotations

import datetime
import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, copy_project, query, run_dbt

SAMPLE_PARQUET = PROJECT_DIR / "sample_data" / "events.parquet"
SCHEMAS = ("marts", "audit")
# Times a build stamps on its rows: when it ran, not what it computed.
RUN_TIME_COLUMNS = {"loaded_at", "processed_at", "file_modified_at"}
# load_batches' late rows are measured against the files of earlier builds:
# three incremental builds and one full build differ there by design.
LOAD_HISTORY_COLUMNS = {"late_rows", "earlier_newest_occurred_at"}
TOLERANCE = 1e-9
# a reporting time zone with a daylight-saving change inside the sample
ZONE = "Australia/Sydney"


def spark_env(work_dir: Path) -> dict:
    return {
        "DBT_TARGET": "spark",
        "SPARK_WAREHOUSE_DIR": str(work_dir / "warehouse"),
        "SPARK_METASTORE_DIR": str(work_dir / "metastore"),
    }


def unit_test_results(work_dir: Path) -> dict:
    results = json.loads((work_dir / "target" / "run_results.json").read_text())
    return {r["unique_id"]: r["status"] for r in results["results"]
            if r["unique_id"].startswith("unit_test.")}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.fail("java is not installed: scripts/spark_setup.sh installs it")
    spark_dir = tmp_path_factory.mktemp("spark")
    duck_dir = tmp_path_factory.mktemp("duckdb_parquet")
    local = ["--vars", f"{{reporting_timezone: {ZONE}}}"]
    spark = run_dbt(["build", *local], work_dir=spark_dir,
                    raw_path=SAMPLE_PARQUET,
                    extra_env=spark_env(spark_dir)).check()
    duck = run_dbt(["build", *local], work_dir=duck_dir,
                   raw_path=SAMPLE_PARQUET).check()
    return spark_dir, spark, duck_dir, duck


def spark_table(work_dir: Path, schema: str, table: str) -> str:
    folder = work_dir / "warehouse" / f"{schema}.db" / table
    assert folder.is_dir(), f"Spark wrote no table {schema}.{table} ({folder})"
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = false)"


def comparable(value):
    """Spark's Parquet timestamps are marked UTC-adjusted, which DuckDB
    reads as time-zone aware: compare them as naive UTC, as DuckDB's are."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def rows_equal(left: list[tuple], right: list[tuple]) -> list[str]:
    problems = []
    if len(left) != len(right):
        return [f"{len(left)} rows on DuckDB, {len(right)} on Spark"]
    for index, (a, b) in enumerate(zip(left, right)):
        for column, (x, y) in enumerate(zip(a, b)):
            if isinstance(x, float) or isinstance(y, float):
                if x is None or y is None:
                    same = x is None and y is None
                else:
                    same = abs(float(x) - float(y)) <= TOLERANCE or (
                        math.isnan(x) and math.isnan(y))
            else:
                same = comparable(x) == comparable(y)
            if not same:
                problems.append(f"row {index} column {column}: {x!r} vs {y!r}")
    return problems[:10]


def test_unit_tests_pass_on_both_targets(builds):
    spark_dir, _, duck_dir, _ = builds
    on_spark, on_duckdb = unit_test_results(spark_dir), unit_test_results(duck_dir)
    assert len(on_duckdb) >= 20
    assert on_spark.keys() == on_duckdb.keys()
    assert set(on_spark.values()) == {"pass"}, on_spark
    assert set(on_duckdb.values()) == {"pass"}, on_duckdb


def test_marts_and_audit_equal_on_spark_and_duckdb(builds):
    spark_dir, _, _, duck = builds
    tables = query(duck.db_path, f"""
        select table_schema, table_name
        from information_schema.tables
        where table_schema in {SCHEMAS!r} and table_type = 'BASE TABLE'
        order by 1, 2""")
    assert len(tables) >= 11, tables
    con = duckdb.connect(str(duck.db_path), read_only=True)
    try:
        compared = 0
        for schema, table in tables:
            columns = [name for (name,) in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table]).fetchall() if name not in RUN_TIME_COLUMNS]
            select = ", ".join(f'"{c}"' for c in columns)
            order = ", ".join(str(i + 1) for i in range(len(columns)))
            on_duckdb = con.execute(
                f"select {select} from {schema}.{table} order by {order}").fetchall()
            spark_columns = [name for (name,) in con.execute(
                f"select name from parquet_schema("
                f"'{spark_dir}/warehouse/{schema}.db/{table}/*.parquet')"
                " where num_children is null or num_children = 0").fetchall()]
            assert sorted(set(spark_columns) - RUN_TIME_COLUMNS) == sorted(columns), (
                schema, table, spark_columns)
            on_spark = con.execute(
                f"select {select} from {spark_table(spark_dir, schema, table)}"
                f" order by {order}").fetchall()
            problems = rows_equal(on_duckdb, on_spark)
            assert not problems, f"{schema}.{table}: " + "; ".join(problems)
            compared += len(on_duckdb)
        assert compared > 500
    finally:
        con.close()


def test_headline_figures_on_spark(builds):
    """The Spark build counts the sample as SPEC says, not just as DuckDB
    does: figures checked by hand on the sample (the Parquet copy holds the
    CSV's rows but its 4 unreadable lines)."""
    spark_dir, _, _, _ = builds
    con = duckdb.connect()
    reconciliation = con.execute(
        f"select * from {spark_table(spark_dir, 'audit', 'event_reconciliation')}"
    ).fetchdf()
    assert len(reconciliation) == 1
    row = reconciliation.iloc[0]
    assert (row["raw_rows"], row["rejected_rows"], row["duplicate_rows"],
            row["bot_rows"], row["counted_rows"]) == (2974, 26, 58, 432, 2458)
    assert (row["human_visitors"], row["bot_visitors"]) == (338, 25)
    funnel = con.execute(
        f"select step_order, sum(visitors_reached) from"
        f" {spark_table(spark_dir, 'marts', 'fct_funnel_steps')}"
        " where funnel_id = 'purchase' group by step_order"
        " order by step_order").fetchall()
    assert funnel == [(1, 147), (2, 46), (3, 29), (4, 17)], funnel


def test_broken_definition_names_the_funnel_on_spark(tmp_path):
    """The definition checks raise on Spark too, naming what to fix."""
    project = copy_project(tmp_path / "project")
    goals = project / "seeds" / "goals.csv"
    lines = goals.read_text().splitlines()
    lines = [line.replace(",purchase,3,", ",purchase,5,") for line in lines]
    goals.write_text("\n".join(lines) + "\n")
    work = tmp_path / "work"
    result = run_dbt(["build", "--select", "resource_type:seed",
                      "assert_funnel_steps_contiguous"],
                     work_dir=work, project_dir=project, raw_path=SAMPLE_PARQUET,
                     extra_env=spark_env(work))
    assert result.returncode != 0
    assert 'funnel "purchase" has steps [1, 2, 4, 5]' in result.output, result.output[-3000:]


# Incremental builds on Spark: three batches, each built (seeds and models) on
# the tables the earlier ones left, must give what a full build of all three
# gives. Many buckets (almost one visitor each) so that a bucket can lose
# its only visitor (one who turns out to be a bot) and must end up empty.
INCREMENTAL_TABLES = [
    "marts.fct_funnel_steps", "marts.fct_funnel_steps_by_segment",
    "marts.fct_goal_conversion_rates", "marts.fct_macro_conversion_rates",
    "marts.fct_funnel_step_timing", "marts.fct_micro_macro_lift",
    "marts.fct_funnel_diagnosis", "audit.rejected_events",
    "audit.event_reconciliation", "audit.load_batches",
    "staging.stg_events__classified",
    "intermediate.int_goal_events_matched", "intermediate.int_visitor_periods",
    "intermediate.int_visitor_goal_periods", "intermediate.int_funnel_chain",
    "intermediate.int_funnel_visitor_reach", "intermediate.int_funnel_entries",
]
SPARK_BUCKETS = 1024


@pytest.fixture(scope="module")
def incremental_builds(tmp_path_factory):
    import random

    from conftest import write_events
    from test_foundation import read_sample_rows
    from test_incremental import crafted_rows

    rng = random.Random(20261123)
    split = {1: [], 2: [], 3: []}
    # the sample's first 40 visitors (few visitors: few buckets to write)
    rows = [row for row in read_sample_rows() if not row.get("_unreadable")]
    visitors = sorted({row.get("visitor_id") or "" for row in rows})[:40]
    for row in rows:
        if (row.get("visitor_id") or "") in visitors:
            split[rng.choices([1, 2, 3], weights=[6, 3, 1])[0]].append(row)
    for batch, row in crafted_rows():
        split[batch].append(row)
    work = tmp_path_factory.mktemp("spark_incremental")
    raw = work / "raw"
    raw.mkdir()
    spark_dir = work / "spark"
    variables = ["--vars", f"{{spark_visitor_buckets: {SPARK_BUCKETS}}}"]
    for n in (1, 2, 3):
        write_events(raw / f"batch-{n}.parquet", split[n])
        # seeds and models; the tests run in the other Spark build
        result = run_dbt(["build", "--exclude", "resource_type:test",
                          "resource_type:unit_test", *variables],
                         work_dir=spark_dir,
                         raw_path=raw / "*.parquet",
                         extra_env=spark_env(spark_dir)).check()
        assert f"Loading 1 new raw events file(s) of {n}" in result.output
    full = run_dbt(["build"], work_dir=work / "duckdb",
                   raw_path=raw / "*.parquet").check()
    return spark_dir, full.db_path


def test_incremental_on_spark_equals_a_full_build(incremental_builds):
    spark_dir, duckdb_path = incremental_builds
    con = duckdb.connect(str(duckdb_path), read_only=True)
    try:
        for name in INCREMENTAL_TABLES:
            schema, table = name.split(".")
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = ?"
                " order by ordinal_position", [schema, table]).fetchall()
                if c not in RUN_TIME_COLUMNS | LOAD_HISTORY_COLUMNS]
            select = ", ".join(f'"{c}"' for c in columns)
            order = ", ".join(str(i + 1) for i in range(len(columns)))
            expected = con.execute(
                f"select {select} from {name} order by {order}").fetchall()
            actual = con.execute(
                f"select {select} from {spark_table(spark_dir, schema, table)}"
                f" order by {order}").fetchall()
            problems = rows_equal(expected, actual)
            assert not problems, f"{name}: " + "; ".join(problems)
        # The late bot entered the funnel in batch 1 and turned out to be a
        # bot in batch 3: its bucket of int_funnel_visitor_reach held no one
        # else, so the bucket had to be dropped, not overwritten.
        folder = spark_dir / "warehouse" / "staging.db" / "stg_events__classified"
        buckets = dict(con.execute(
            f"select visitor_id, any_value(visitor_bucket) from read_parquet("
            f"'{folder}/**/*.parquet', hive_partitioning = true)"
            " group by visitor_id").fetchall())
        entrants = [v for (v,) in con.execute(
            "select visitor_id from intermediate.int_funnel_visitor_reach"
        ).fetchall()]
        assert "late-bot" not in entrants
        assert buckets["late-bot"] not in {buckets[v] for v in entrants}
        reach = (spark_dir / "warehouse" / "intermediate.db"
                 / "int_funnel_visitor_reach")
        assert not (reach / f"visitor_bucket={buckets['late-bot']}").exists()
    finally:
        con.close()
