"""The dashboard's definitions (bi/provision.py), without a running
Superset: what the charts ask for, checked against the sample build.

- the funnel draws each step's count and rate, and the counts-and-rates
  table has both per step;
- a date range filter reaches every dated chart, through a TEMPORAL_RANGE
  filter on a date column the chart's mart has;
- every table column is labelled in words, and its SQL runs on the mart;
- the diagnosis and the lift's goal roles are shown in words, for every
  code the marts can hold;
- the funnel charts are the macro goal's funnel, and the lift charts its
  lift: they keep funnel steps apart from the standalone micro goals, and
  between them show every row of the mart for the macro goal;
- rows that are not final are marked once the mart has is_final.

test_bi.py runs the same charts in Superset and compares their data with
the marts.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import PROJECT_DIR, query

sys.path.insert(0, str(PROJECT_DIR / "bi"))
import provision  # noqa: E402  (bi/provision.py: standard library only)

DATASET_IDS = {table: number for number, table in enumerate(
    provision.PHYSICAL_DATASETS + [provision.LATEST_DIAGNOSIS], start=1)}
TABLE_OF = {number: table for table, number in DATASET_IDS.items()}


@pytest.fixture(scope="module")
def charts() -> dict[str, tuple[int, dict, dict]]:
    return provision.build_charts(DATASET_IDS, "purchase",
                                  macro_funnel="purchase")


def source(dataset_id: int) -> str:
    """The FROM of a dataset: the mart, or the virtual dataset's SQL."""
    table = TABLE_OF[dataset_id]
    if table == provision.LATEST_DIAGNOSIS:
        return f"({provision.LATEST_DIAGNOSIS_SQL}) as latest"
    return f"marts.{table}"


def run_raw_table(db, built, where: str = "true") -> list[dict]:
    """A raw table chart's rows, its labelled SQL run on the mart."""
    dataset_id, form_data, _ = built
    assert form_data["query_mode"] == "raw"
    columns = form_data["all_columns"]
    select = ", ".join(f'{c["sqlExpression"]} as "{c["label"]}"' for c in columns)
    rows = query(db, f"select {select} from {source(dataset_id)} where {where}")
    return [dict(zip([c["label"] for c in columns], row)) for row in rows]


def test_funnel_draws_count_and_rate_per_step(charts):
    _, form_data, query_ = charts[provision.CHART_FUNNEL]
    # Superset 6.1's funnel: 5 is "Category, Value and Percentage" (checked
    # against the installed Superset in test_bi.py)
    assert form_data["label_type"] == provision.FUNNEL_LABEL_KEY_VALUE_PERCENT == 5
    assert form_data["tooltip_label_type"] == 5
    assert form_data["show_labels"] is True
    assert form_data["percent_calculation_type"] == "prev_step"
    assert form_data["metric"]["label"] == "Visitors reached"
    _, table, _ = charts[provision.CHART_DROPOFF]
    assert [m["label"] for m in table["metrics"]] == [
        "Visitors reached", "Visitors dropped", "Rate from previous step",
        "Rate from first step"]
    assert [c["label"] for c in table["groupby"]] == ["Funnel", "Step"]
    # both are the macro goal's funnel: one funnel, so that the rate from
    # the first step is within it (the sample has three funnels)
    for name in (provision.CHART_FUNNEL, provision.CHART_DROPOFF):
        assert provision.eq_filter("funnel_id", "purchase") in (
            charts[name][1]["adhoc_filters"])


def test_date_range_filter_reaches_every_dated_chart(charts, sample_build):
    names = list(charts)
    chart_ids = {name: {"id": 100 + i} for i, name in enumerate(names)}
    filters = provision.native_filters(DATASET_IDS, chart_ids)
    [date_range] = [f for f in filters if f["filterType"] == "filter_time"]
    assert date_range["name"] == "Date range"
    dated = [n for n in names if n != provision.CHART_DIAGNOSIS]
    assert sorted(date_range["chartsInScope"]) == sorted(
        chart_ids[n]["id"] for n in dated)
    assert date_range["scope"]["excluded"] == [chart_ids[provision.CHART_DIAGNOSIS]["id"]]
    for name in dated:
        dataset_id, form_data, _ = charts[name]
        [temporal] = [f for f in form_data["adhoc_filters"]
                      if f["operator"] == "TEMPORAL_RANGE"]
        assert temporal["comparator"] == "No filter"
        # a DATE column of the chart's mart
        [(data_type,)] = query(
            sample_build.db_path,
            "select data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = ? and column_name = ?",
            [TABLE_OF[dataset_id], temporal["subject"]])
        assert data_type == "DATE", name
        # and the query the chart saves carries it
        context = provision.query_context(dataset_id, form_data, charts[name][2])
        assert {"col": temporal["subject"], "op": "TEMPORAL_RANGE",
                "val": "No filter"} in context["queries"][0]["filters"]


def test_table_columns_are_labelled_in_words_and_run(charts, sample_build):
    tables = [n for n, (_, f, _) in charts.items() if f["viz_type"] == "table"]
    assert len(tables) == 5
    for name in tables:
        _, form_data, _ = charts[name]
        labels = [c["label"] for c in form_data.get("groupby", [])
                  + form_data.get("all_columns", [])]
        labels += [m["label"] for m in form_data.get("metrics", [])]
        assert labels, name
        for label in labels:
            # words: no column name with underscores, not lower case first
            assert "_" not in label and not label[0].islower(), (name, label)
        for label in form_data["column_config"]:
            assert label in labels, (name, label)
        if form_data["query_mode"] == "raw":
            rows = run_raw_table(sample_build.db_path, charts[name])
            assert rows, name
            # rows as they are: Superset groups by the columns when the
            # query has metrics, even an empty list
            context = provision.query_context(*charts[name])
            assert context["queries"][0]["metrics"] is None, name


def diagnosis_codes() -> set[str]:
    spec = yaml.safe_load((PROJECT_DIR / "models" / "marts" / "conversions"
                           / "fct_funnel_diagnosis.yml").read_text())
    [model] = spec["models"]
    [latest] = [v for v in model["versions"] if v["v"] == model["latest_version"]]
    [rows_hold] = [t["rows_hold"] for t in latest["data_tests"] if "rows_hold" in t]
    rule = rows_hold["arguments"]["rules"]["diagnosis is a known label"]
    return set(re.findall(r"'(\w+)'", rule))


def test_diagnosis_in_words(charts, sample_build):
    assert diagnosis_codes() == set(provision.DIAGNOSIS_LABELS) == {
        "insufficient_data", "late_funnel_friction", "not_reaching_funnel",
        "stable"}
    for words in provision.DIAGNOSIS_LABELS.values():
        assert "_" not in words and " " in words
    rows = run_raw_table(sample_build.db_path, charts[provision.CHART_DIAGNOSIS])
    # one row per funnel, every funnel
    funnels = query(sample_build.db_path,
                    "select distinct funnel_name from marts.fct_funnel_diagnosis")
    assert sorted(r["Funnel"] for r in rows) == sorted(f for (f,) in funnels)
    assert len(rows) == 3
    [row] = [r for r in rows if r["Funnel"] == "Purchase funnel"]
    # the sample's last week has 17 entrants, under min_entrants (30)
    assert row["Diagnosis"] == provision.DIAGNOSIS_LABELS["insufficient_data"]
    assert row["Final?"] == (
        "not yet: late events and conversions can still change it")
    assert row["Largest drop-off at"] == "Added to cart"
    assert row["Week (Monday)"] == "2026-10-19"
    # every code of the mart maps to its words
    codes = ", ".join(f"('{c}')" for c in sorted(provision.DIAGNOSIS_LABELS))
    mapped = query(sample_build.db_path,
                   f"select code, {provision.sql_case('code', provision.DIAGNOSIS_LABELS)}"
                   f" from (values {codes}) as t(code) order by code")
    assert mapped == sorted(provision.DIAGNOSIS_LABELS.items())


def test_lift_keeps_funnel_steps_apart(charts, sample_build):
    db = sample_build.db_path
    purchase = "macro_goal_id = 'purchase'"
    others = run_raw_table(db, charts[provision.CHART_LIFT],
                           f"{purchase} and micro_goal_role = 'standalone'")
    steps = run_raw_table(db, charts[provision.CHART_LIFT_STEPS],
                          f"{purchase} and micro_goal_role != 'standalone'")
    # the charts' own filters are those
    for name, operator in [(provision.CHART_LIFT, "=="),
                           (provision.CHART_LIFT_STEPS, "!=")]:
        filters = charts[name][1]["adhoc_filters"]
        [role] = [f for f in filters if f["subject"] == "micro_goal_role"]
        assert (role["operator"], role["comparator"]) == (operator, "standalone")
        assert provision.eq_filter("macro_goal_id", "purchase") in filters
    # every row of the macro goal: each month, each other goal
    [(total, months, goals)] = query(
        db, "select count(*), count(distinct period_start),"
            f" count(distinct micro_goal_id) from marts.fct_micro_macro_lift where {purchase}")
    [(micro_goals,)] = query(db, "select count(*) from marts.dim_goals"
                                 " where goal_type = 'micro'")
    assert len(others) + len(steps) == total == months * goals
    assert (months, goals) == (2, micro_goals)
    # its funnel's steps, and the other funnels' steps (the same add to
    # cart, begin checkout and product view events), apart
    kinds = {r["Funnel step"]: r["Kind of goal"] for r in steps}
    assert {s for s, k in kinds.items()
            if k == provision.ROLE_LABELS["funnel_step"]} == {
        "Viewed a product page", "Added to cart", "Began checkout"}
    assert {k for s, k in kinds.items() if s not in (
        "Viewed a product page", "Added to cart", "Began checkout")} == {
        provision.ROLE_LABELS["other_funnel_step"]}
    assert {r["Micro goal"] for r in others} == {
        "Newsletter signup", "Started a product video", "Read shipping information"}
    assert {r["Kind of goal"] for r in others} == {"Standalone micro goal"}
    october = {r["Micro goal"]: r for r in others if r["Month"] == "2026-10"}
    assert october["Started a product video"]["Lift (times as likely)"] == pytest.approx(
        (5 / 37) / (17 / 297), rel=1e-12)
    assert set(provision.ROLE_LABELS) == {"funnel_step", "other_funnel_step", "standalone"}


def test_timing_in_hours(charts, sample_build):
    rows = run_raw_table(sample_build.db_path, charts[provision.CHART_TIMING])
    # every funnel's timing rows
    [(timed,)] = query(sample_build.db_path,
                       "select count(*) from marts.fct_funnel_step_timing")
    assert len(rows) == timed
    assert {r["Funnel"] for r in rows if r["Step"] == "2. Added to cart"} == {
        "Purchase funnel"}
    for row in rows:
        assert row["Median hours from previous step"] == pytest.approx(
            row["Median seconds from previous step"] / 3600, rel=1e-12)
    cart_to_checkout = [r for r in rows if r["Cohort month"] == "2026-10"
                        and r["Funnel"] == "Purchase funnel"
                        and r["Step"] == "3. Began checkout"]
    assert cart_to_checkout[0]["90% within (hours)"] == pytest.approx(74.4, abs=0.05)


def test_non_final_rows_are_marked_once_the_mart_has_is_final():
    # today's marts: nothing to mark, the rate chart as it was
    assert provision.finality_marks({"conversion_rate", "period_start"}) == {}
    plain = provision.build_charts(DATASET_IDS, "purchase",
                                   macro_funnel="purchase")[provision.CHART_RATE]
    assert "Not final yet" not in [m["label"] for m in plain[1]["metrics"]]
    # with SPEC section 4's columns: a series of the non-final weeks' rates
    marks = provision.finality_marks({"conversion_rate", "is_final", "final_after"})
    built = provision.build_charts(DATASET_IDS, "purchase",
                                   {"fct_macro_conversion_rates": marks},
                                   macro_funnel="purchase")
    metrics = built[provision.CHART_RATE][1]["metrics"]
    [mark] = [m for m in metrics if m["label"] == "Not final yet"]
    con = duckdb.connect()
    try:
        got = con.execute(
            f"select period_start, {mark['sqlExpression']} from (values"
            " (1, 0.1::double, true), (2, 0.2::double, false), (2, 0.2, false)) as"
            " t(period_start, conversion_rate, is_final)"
            " group by period_start order by period_start").fetchall()
    finally:
        con.close()
    assert got == [(1, None), (2, 0.2)]
    # pivoted like the other series
    [pivot, _] = built[provision.CHART_RATE][2]["post_processing"]
    assert "Not final yet" in pivot["options"]["aggregates"]
