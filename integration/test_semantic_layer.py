"""The MetricFlow semantic layer against the marts, on the bundled sample.

A private copy of the project is built (`dbt build` writes
target/semantic_manifest.json into the copy, where `mf` looks for it), then
`mf query` runs with the copy as working directory and the same environment
as the build, writing CSV.

Goals and funnel steps are dimensions of the metrics (the entity `goal`),
never names of metrics. The figures must equal the marts', value for
value: every goal's rate, the macro rate, visitors and converters by day,
week (Monday) and month; the funnel's reach and rates by funnel, step and
cohort date. After the goals are redefined (one added, one removed, a
funnel step removed), the next plain build is enough: `mf query` by goal
returns the new goal's figures, equal to the mart's, and nothing for the
removed ones.
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_project, dbt_build, dbt_env, query

MF = str(Path(sys.executable).with_name("mf"))
GRAINS = ["day", "week", "month"]
QUERY_NUMBERS = itertools.count()
GOAL_METRICS = ["goal_human_visitors", "goal_converting_visitors",
                "goal_conversion_rate"]
FUNNEL_METRICS = ["funnel_visitors_reached", "funnel_visitors_at_previous_step",
                  "funnel_rate_from_previous_step", "funnel_rate_from_first_step"]
FUNNEL_STEP = ["goal__funnel_id", "goal__step_order", "goal"]
# the bundled definitions: three funnels, each ending in its macro goal
MACRO_GOALS = ["purchase", "same_product_purchase", "session_purchase"]
N_GOALS = 13


def build(project: Path) -> dict:
    result = dbt_build(project, project_dir=project).check()
    manifest = json.loads((project / "target" / "semantic_manifest.json").read_text())
    goals = query(result.db_path,
                  "select goal_id, goal_type, funnel_id, step_order, conversion_window_days"
                  " from marts.dim_goals order by goal_id")
    return {"project": project, "db": result.db_path, "manifest": manifest,
            "goals": goals}


@pytest.fixture(scope="module")
def semantic_build(tmp_path_factory) -> dict:
    return build(copy_project(tmp_path_factory.mktemp("semantic") / "project"))


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


def goal_rates_by_mf(build: dict, grain: str) -> list[tuple]:
    """(period, goal_id, human visitors, converters, rate) from `mf query`
    of the goal metrics, by goal."""
    rows = mf_query(build, GOAL_METRICS, ["goal", f"metric_time__{grain}"])
    return sorted((period(r[f"metric_time__{grain}"]), r["goal"],
                   *(number(r[m]) for m in GOAL_METRICS)) for r in rows)


def goal_rates_in_mart(build: dict, grain: str) -> list[tuple]:
    return query(build["db"],
                 "select period_start, goal_id, human_visitors, converting_visitors,"
                 " conversion_rate from marts.fct_goal_conversion_rates"
                 " where period_grain = ? order by period_start, goal_id", [grain])


@pytest.mark.parametrize("grain", GRAINS)
def test_macro_conversion_rate_equals_the_mart(semantic_build, grain):
    macro_goals = [g for g, goal_type, *_ in semantic_build["goals"] if goal_type == "macro"]
    # one macro goal per bundled funnel, each the purchase event: completing
    # any of them (the metric) is completing each, so the metric is each
    # goal's rows of the mart
    assert macro_goals == MACRO_GOALS
    assert query(semantic_build["db"],
                 "select distinct event_name, page_path_pattern from marts.dim_goals"
                 " where goal_type = 'macro'") == [("purchase", None)]
    by_goal = {goal: query(semantic_build["db"],
                           "select period_start, human_visitors, converting_visitors,"
                           " conversion_rate from marts.fct_macro_conversion_rates"
                           " where period_grain = ? and goal_id = ? order by period_start",
                           [grain, goal])
               for goal in macro_goals}
    expected = by_goal["purchase"]
    assert all(rows == expected for rows in by_goal.values())
    rows = mf_query(semantic_build, ["human_visitors", "macro_converting_visitors",
                                     "macro_conversion_rate"], [f"metric_time__{grain}"])
    got = sorted((period(r[f"metric_time__{grain}"]), number(r["human_visitors"]),
                  number(r["macro_converting_visitors"]), number(r["macro_conversion_rate"]))
                 for r in rows)
    assert len(expected) > (1 if grain == "month" else 3)
    assert got == expected
    if grain == "week":
        assert all(start.weekday() == 0 for start, *_ in got)  # Mondays, as SPEC


@pytest.mark.parametrize("grain", GRAINS)
def test_goal_conversion_rate_by_goal_equals_the_mart(semantic_build, grain):
    expected = goal_rates_in_mart(semantic_build, grain)
    got = goal_rates_by_mf(semantic_build, grain)
    assert {goal for _, goal, *_ in got} == {g for g, *_ in semantic_build["goals"]}
    assert len(semantic_build["goals"]) == N_GOALS
    assert got == expected
    # not all zero: the comparison has converters in it
    assert sum(row[3] for row in got) > 100


def funnel_by_mf(build: dict, group_by: list[str]) -> list[dict]:
    return mf_query(build, FUNNEL_METRICS, FUNNEL_STEP + group_by)


def test_funnel_metrics_by_step_and_cohort_date_equal_the_mart(semantic_build):
    expected = query(semantic_build["db"],
                     "select cohort_date, funnel_id, step_order, goal_id, visitors_reached,"
                     " coalesce(visitors_at_previous_step, 0), rate_from_previous_step,"
                     " rate_from_first_step from marts.fct_funnel_steps order by all")
    rows = funnel_by_mf(semantic_build, ["metric_time__day"])
    got = sorted((period(r["metric_time__day"]), r["goal__funnel_id"],
                  number(r["goal__step_order"]), r["goal"],
                  *(number(r[m]) for m in FUNNEL_METRICS)) for r in rows)
    assert len(expected) > 40
    assert got == expected
    assert all(row[6] is None for row in got if row[2] == 1)  # null at step 1


def test_funnel_metrics_over_all_time_are_the_reach(semantic_build):
    rows = funnel_by_mf(semantic_build, [])
    got = {(r["goal__funnel_id"], number(r["goal__step_order"])):
           (number(r["funnel_visitors_reached"]), number(r["funnel_rate_from_first_step"]))
           for r in rows}
    reach = {(funnel, step): n for funnel, step, n in query(
        semantic_build["db"],
        "select funnel_id, step_order, sum(visitors_reached) from marts.fct_funnel_steps"
        " group by all")}
    # docs/marts.md and docs/semantic_layer.md: the purchase funnel (without
    # the chains through a checkout error), the one-session checkout and
    # the same-product purchase
    assert {step: n for (funnel, step), n in reach.items() if funnel == "purchase"} == {
        1: 147, 2: 46, 3: 29, 4: 17}
    assert {step: n for (funnel, step), n in reach.items()
            if funnel == "checkout_in_session"} == {1: 47, 2: 25, 3: 14}
    assert {step: n for (funnel, step), n in reach.items()
            if funnel == "purchase_same_product"} == {1: 147, 2: 38, 3: 18}
    assert got == {(funnel, step): (n, n / reach[funnel, 1])
                   for (funnel, step), n in reach.items()}


def test_no_metric_is_named_after_a_goal_or_funnel(semantic_build):
    """Nothing to regenerate when the seeds change: goals and funnels are
    dimensions, so no metric or measure name carries a goal or funnel id."""
    manifest = semantic_build["manifest"]
    names = [m["name"] for m in manifest["metrics"]]
    names += [measure["name"] for model in manifest["semantic_models"]
              for measure in model["measures"]]
    ids = {g for g, *_ in semantic_build["goals"]}
    ids |= {f for _, _, f, *_ in semantic_build["goals"] if f}
    assert len(names) > 10
    assert not [(n, i) for n in names for i in ids if i in n]
    assert "goal_conversion_rate" in names and "funnel_visitors_reached" in names


def test_semantic_models_read_visitor_level_models_never_marts(semantic_build):
    manifest = json.loads((semantic_build["project"] / "target" / "manifest.json").read_text())
    semantic_models = manifest["semantic_models"].values()
    assert {m["name"] for m in semantic_models} == {
        "goals", "visitor_days", "goal_visitor_days", "funnel_visitor_steps"}
    for model in semantic_models:
        [parent] = model["depends_on"]["nodes"]
        node = manifest["nodes"][parent]
        assert node["name"].startswith("int_") and node["schema"] == "intermediate", parent
        assert node["access"] == "protected"


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


# --- redefined goals: the next build is enough --------------------------------

NEW_GOAL = {"goal_id": "view_returns_help", "goal_name": "Read the returns policy",
            "goal_type": "micro", "event_name": "page_view",
            "page_path_pattern": "/help/returns%", "funnel_id": "", "step_order": "",
            "description": "test: a goal added after the first build"}
REMOVED_GOAL = "video_start"
REMOVED_STEP = "begin_checkout"


def redefine(rows: list[dict]) -> list[dict]:
    """One standalone goal added, one removed, and the purchase funnel's
    step 3 removed (purchase becomes step 3; its exclusion, between steps 3
    and 4, goes with it)."""
    kept = [r for r in rows if r["goal_id"] not in (REMOVED_GOAL, REMOVED_STEP)]
    for row in kept:
        if row["goal_id"] == "purchase":
            row["step_order"] = "3"
    return kept + [NEW_GOAL]


@pytest.fixture(scope="module")
def redefined_build(tmp_path_factory) -> dict:
    project = copy_project(tmp_path_factory.mktemp("redefined") / "project")
    before = build(project)
    assert REMOVED_GOAL in {r["goal"] for r in mf_query(before, GOAL_METRICS, ["goal"])}
    seed = project / "seeds" / "goals.csv"
    with seed.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, redefine(list(reader))
    with seed.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    exclusions = project / "seeds" / "funnel_exclusions.csv"
    exclusions.write_text(exclusions.read_text().splitlines()[0] + "\n")
    # the next plain build, into the same database: nothing regenerated
    return build(project)


@pytest.mark.parametrize("grain", GRAINS)
def test_added_goal_is_queryable_after_the_next_build(redefined_build, grain):
    got = goal_rates_by_mf(redefined_build, grain)
    expected = goal_rates_in_mart(redefined_build, grain)
    assert got == expected
    new = [row for row in got if row[1] == NEW_GOAL["goal_id"]]
    assert new == [row for row in expected if row[1] == NEW_GOAL["goal_id"]]
    assert len(new) > (1 if grain == "month" else 3)
    assert sum(row[3] for row in new) >= 20  # it has converters
    # the removed goals return nothing
    assert not [row for row in got if row[1] in (REMOVED_GOAL, REMOVED_STEP)]


def test_removed_goal_returns_nothing_even_when_asked_for(redefined_build):
    rows = mf_query(redefined_build, GOAL_METRICS + FUNNEL_METRICS, ["goal"])
    assert {r["goal"] for r in rows} == {g for g, *_ in redefined_build["goals"]}
    assert REMOVED_GOAL not in {r["goal"] for r in rows}
    [(n,)] = query(redefined_build["db"], "select count(*) from marts.fct_goal_conversion_rates"
                   " where goal_id = ?", [REMOVED_GOAL])
    assert n == 0


def test_funnel_follows_the_redefined_steps(redefined_build):
    rows = funnel_by_mf(redefined_build, [])
    got = sorted((number(r["goal__step_order"]), r["goal"],
                  number(r["funnel_visitors_reached"])) for r in rows
                 if r["goal__funnel_id"] == "purchase")
    expected = query(redefined_build["db"],
                     "select step_order, goal_id, sum(visitors_reached)"
                     " from marts.fct_funnel_steps where funnel_id = 'purchase'"
                     " group by all order by all")
    assert [(s, g) for s, g, _ in got] == [
        (1, "view_product"), (2, "add_to_cart"), (3, "purchase")]
    assert got == expected
