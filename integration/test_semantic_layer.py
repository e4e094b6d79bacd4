"""The MetricFlow semantic layer against the marts, on the bundled sample.

A private copy of the project is built (`dbt build` writes
target/semantic_manifest.json into the copy, where `mf` looks for it), then
`mf query` runs with the copy as working directory and the same environment
as the build, writing CSV.

Where MetricFlow and SPEC agree, the figures must be equal, value for
value: every goal's rate, the macro rate, visitors and converters by day,
week (Monday) and month, and the first funnel step pair's conversion over
all time. Where they differ (docs/semantic_layer.md), nothing is asserted
but the shape of the metric.
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_project, dbt_build, dbt_env, query

MF = str(Path(sys.executable).with_name("mf"))
GRAINS = ["day", "week", "month"]
QUERY_NUMBERS = itertools.count()


@pytest.fixture(scope="module")
def semantic_build(tmp_path_factory) -> dict:
    project = copy_project(tmp_path_factory.mktemp("semantic") / "project")
    result = dbt_build(project, project_dir=project).check()
    manifest = json.loads((project / "target" / "semantic_manifest.json").read_text())
    goals = query(result.db_path,
                  "select goal_id, goal_type, funnel_id, step_order, conversion_window_days"
                  " from marts.dim_goals order by goal_id")
    return {"project": project, "db": result.db_path, "manifest": manifest,
            "goals": goals}


def mf_query(build: dict, metrics: list[str], group_by: list[str] | None = None) -> list[dict]:
    """Rows of `mf query`, through its --csv file."""
    project = build["project"]
    out = project / f"mf_query_{next(QUERY_NUMBERS)}.csv"
    args = [MF, "query", "--metrics", ",".join(metrics), "--csv", str(out), "--quiet"]
    if group_by:
        args += ["--group-by", ",".join(group_by)]
    proc = subprocess.run(args, cwd=project, capture_output=True, text=True,
                          env=dbt_env(project, project, build["db"]))
    assert proc.returncode == 0 and out.is_file(), proc.stdout[-3000:] + proc.stderr[-3000:]
    with out.open(newline="") as f:
        return list(csv.DictReader(f))


def number(text: str):
    """A CSV cell as int, float or None (an empty cell)."""
    if text == "":
        return None
    return int(text) if text.lstrip("-").isdigit() else float(text)


def period(text: str) -> dt.date:
    return dt.datetime.fromisoformat(text).date()


@pytest.fixture(scope="module")
def by_grain(semantic_build) -> dict:
    """Every visitor, converter and rate metric, by day, week and month."""
    metrics = ["human_visitors", "macro_converting_visitors", "macro_conversion_rate"]
    for goal_id, *_ in semantic_build["goals"]:
        metrics += [f"{goal_id}_converting_visitors", f"{goal_id}_conversion_rate"]
    return {grain: mf_query(semantic_build, metrics, [f"metric_time__{grain}"])
            for grain in GRAINS}


@pytest.mark.parametrize("grain", GRAINS)
def test_macro_conversion_rate_equals_the_mart(semantic_build, by_grain, grain):
    macro_goals = [g for g, goal_type, *_ in semantic_build["goals"] if goal_type == "macro"]
    # with one macro goal, the metric is that goal's row of the mart
    assert macro_goals == ["purchase"]
    expected = query(semantic_build["db"],
                     "select period_start, human_visitors, converting_visitors, conversion_rate"
                     " from marts.fct_macro_conversion_rates where period_grain = ?"
                     " order by period_start", [grain])
    got = sorted((period(r[f"metric_time__{grain}"]), number(r["human_visitors"]),
                  number(r["macro_converting_visitors"]), number(r["macro_conversion_rate"]))
                 for r in by_grain[grain])
    assert len(expected) > (1 if grain == "month" else 3)
    assert got == expected
    if grain == "week":
        assert all(start.weekday() == 0 for start, *_ in got)  # Mondays, as SPEC


@pytest.mark.parametrize("grain", GRAINS)
def test_every_goal_conversion_rate_equals_the_mart(semantic_build, by_grain, grain):
    expected = query(semantic_build["db"],
                     "select period_start, goal_id, human_visitors, converting_visitors,"
                     " conversion_rate from marts.fct_goal_conversion_rates"
                     " where period_grain = ? order by period_start, goal_id", [grain])
    got = sorted(
        (period(r[f"metric_time__{grain}"]), goal_id, number(r["human_visitors"]),
         number(r[f"{goal_id}_converting_visitors"]), number(r[f"{goal_id}_conversion_rate"]))
        for r in by_grain[grain] for goal_id, *_ in semantic_build["goals"])
    assert len(got) == len(expected) and len(semantic_build["goals"]) == 7
    assert got == expected
    # not all zero: the comparison has converters in it
    assert sum(row[3] for row in got) > 100


def funnel_pairs(goals) -> list[tuple[str, str, str, int]]:
    """(funnel_id, step k goal, step k+1 goal, window days) of the definitions."""
    steps = sorted((f, s, g, w) for g, _, f, s, w in goals if f is not None)
    return [(f, a, b, w) for (f, s, a, w), (f2, s2, b, _) in zip(steps, steps[1:])
            if f == f2 and s2 == s + 1]


def test_a_conversion_metric_per_funnel_step_pair_with_the_funnels_window(semantic_build):
    metrics = {m["name"]: m for m in semantic_build["manifest"]["metrics"]}
    pairs = funnel_pairs(semantic_build["goals"])
    assert len(pairs) == 3
    for funnel_id, base, conversion, window_days in pairs:
        metric = metrics[f"{funnel_id}_funnel_{base}_to_{conversion}"]
        assert metric["type"] == "conversion"
        params = metric["type_params"]["conversion_type_params"]
        assert params["entity"] == "visitor"
        assert params["window"] == {"count": window_days, "granularity": "day"}
        assert f"= '{base}'" in params["base_measure"]["filter"]["where_filters"][0][
            "where_sql_template"]
        assert params["conversion_measure"]["name"] == f"{conversion}_visitors"


def test_semantic_models_read_visitor_level_models_never_marts(semantic_build):
    manifest = json.loads((semantic_build["project"] / "target" / "manifest.json").read_text())
    semantic_models = manifest["semantic_models"].values()
    assert {m["name"] for m in semantic_models} == {"visitor_days", "goal_events"}
    for model in semantic_models:
        [parent] = model["depends_on"]["nodes"]
        node = manifest["nodes"][parent]
        assert node["name"].startswith("int_") and node["schema"] == "intermediate", parent
        assert node["access"] == "protected"


def test_first_step_pair_over_all_time_equals_funnel_reach(semantic_build):
    """Over all time, visitors who viewed a product and those who then added
    to cart within the window are SPEC's step 1 and 2 reach (no sample
    visitor has a step-2 event at the same second as, or exactly 7 days
    after, a product view: the two edges where the definitions differ)."""
    [row] = mf_query(semantic_build, ["view_product_converting_visitors",
                                      "purchase_funnel_view_product_to_add_to_cart"])
    [(step_1, step_2)] = query(
        semantic_build["db"],
        "select sum(visitors_reached) filter (where step_order = 1),"
        " sum(visitors_reached) filter (where step_order = 2)"
        " from marts.fct_funnel_steps where funnel_id = 'purchase'")
    assert number(row["view_product_converting_visitors"]) == step_1 > 100
    assert number(row["purchase_funnel_view_product_to_add_to_cart"]) == step_2 / step_1


def test_time_spine_covers_the_data_day_by_day(semantic_build):
    [(first, last, days, distinct_days)] = query(
        semantic_build["db"],
        "select min(date_day), max(date_day), count(*), count(distinct date_day)"
        " from semantic.metricflow_time_spine")
    assert (first, last) == (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
    assert days == distinct_days == (last - first).days + 1
    [(data_first, data_last)] = query(
        semantic_build["db"],
        "select min(activity_date), max(activity_date) from intermediate.int_visitor_days")
    assert first <= data_first <= data_last <= last


def test_conversion_window_is_the_documented_one(semantic_build):
    """docs/semantic_layer.md, differences 2 and 3: MetricFlow compares times
    truncated to the second, converts at the same instant and not at exactly
    the window. If a MetricFlow upgrade changes this SQL, the doc must
    change with it."""
    project = semantic_build["project"]
    proc = subprocess.run(
        [MF, "query", "--metrics", "purchase_funnel_view_product_to_add_to_cart",
         "--explain", "--quiet"],
        cwd=project, capture_output=True, text=True,
        env=dbt_env(project, project, semantic_build["db"]))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    sql = " ".join(proc.stdout.split())
    assert "DATE_TRUNC('second', occurred_at) AS metric_time__second" in sql
    window = re.search(
        r"\( (\w+)\.metric_time__second <= (\w+)\.metric_time__second \) AND"
        r" \( (\w+)\.metric_time__second > (\w+)\.metric_time__second - INTERVAL 7 day \)",
        sql)
    assert window, sql[-4000:]
    base, conversion = window.group(1), window.group(2)
    assert (window.group(3), window.group(4)) == (base, conversion)
    # the left side is the base (product views) and the right the conversion
    base_select = sql[:sql.index(f") {base} ")]
    assert base_select.rstrip().endswith("WHERE goal_event__goal_id = 'view_product'")
