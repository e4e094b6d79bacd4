"""Issue 18, item 2: restatements on record.

The sample is built, then late events of a new human visitor, dated in its
first week (long final by then), arrive in a second file and an
incremental build runs. audit.restatements must hold exactly the rows that
a direct comparison of the marts before and after finds: every row that
was final before whose counts changed (or that is gone), with the old and
new counts, and nothing else; the build warns. A build with nothing new
restates nothing."""
from __future__ import annotations

import shutil

import pytest

from conftest import query, run_dbt, write_events
from test_foundation import read_sample_rows

pytestmark = pytest.mark.slow

PRODUCTION = ["build", "--exclude-resource-type", "unit_test"]
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
           "(KHTML, like Gecko) Chrome/129.0 Safari/537.36")
# mart -> (grain columns, count columns): written from SPEC section 4's
# marts with finality, independently of macros/restatements
MARTS = {
    "fct_macro_conversion_rates": (
        ["period_grain", "period_start", "goal_id"],
        ["human_visitors", "converting_visitors"]),
    "fct_goal_conversion_rates": (
        ["period_grain", "period_start", "goal_id"],
        ["human_visitors", "converting_visitors"]),
    "fct_funnel_steps": (
        ["funnel_id", "cohort_date", "step_order"], ["visitors_reached"]),
    "fct_funnel_steps_by_segment": (
        ["funnel_id", "cohort_date", "segment_type", "segment_value",
         "step_order"], ["visitors_reached"]),
    "fct_funnel_diagnosis": (
        ["funnel_id", "week_start"],
        ["week_human_visitors", "entrants", "cohort_entrants",
         "macro_converters"]),
}


def text(names, values):
    return ", ".join(f"{n}={'(null)' if v is None else v}"
                     for n, v in zip(names, values))


def marts(db):
    """(mart, row_key) -> (figures, is_final)."""
    out = {}
    for mart, (key, figures) in MARTS.items():
        for row in query(db, f"select {', '.join(key + figures)}, is_final "
                             f"from marts.{mart}"):
            out[(mart, text(key, row[:len(key)]))] = (
                text(figures, row[len(key):-1]), row[-1])
    return out


def late_rows():
    """A new human visitor on Tuesday 2026-09-29, three weeks before the
    end of the data: product view, cart, checkout, purchase."""
    steps = [("page_view", "/products/late-mug"), ("add_to_cart", "/cart"),
             ("begin_checkout", "/checkout"), ("purchase", "/checkout/done")]
    return [{"event_id": f"late-{i}", "visitor_id": "late-visitor",
             "session_id": "late-session", "event_name": name,
             "occurred_at": f"2026-09-29T10:0{i}:00Z",
             "page_url": f"https://shop.example.com{path}",
             "referrer_url": None, "user_agent": BROWSER,
             "properties": '{"item_id": "late-mug"}'}
            for i, (name, path) in enumerate(steps)]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    work = tmp_path_factory.mktemp("restatements")
    raw = work / "raw"
    write_events(raw / "1-sample.parquet",
                 [r for r in read_sample_rows() if not r.get("_unreadable")])
    db = work / "conversions.duckdb"
    glob = str(raw / "*.parquet")
    first = run_dbt(PRODUCTION, work_dir=work / "first", raw_path=glob,
                    db_path=db).check()
    before = marts(db)
    before_db = work / "before.duckdb"
    shutil.copy(db, before_db)
    write_events(raw / "2-late.parquet", late_rows())
    late = run_dbt(PRODUCTION, work_dir=work / "late", raw_path=glob,
                   db_path=db).check()
    after = marts(db)
    after_db = work / "after.duckdb"
    shutil.copy(db, after_db)
    again = run_dbt(PRODUCTION, work_dir=work / "again", raw_path=glob,
                    db_path=db).check()
    return {"first": first, "late": late, "again": again, "db": db,
            "before": before, "after": after, "before_db": before_db,
            "after_db": after_db}


def restatements(db):
    return query(db, "select restated_at, mart, row_key, old_figures, "
                     "new_figures, cause from audit.restatements")


def test_first_build_restates_nothing(builds):
    assert restatements(builds["before_db"]) == []


def test_late_events_write_exactly_the_restated_final_rows(builds):
    before, after = builds["before"], builds["after"]
    expected = {
        (mart, key, old, after.get((mart, key), (None,))[0])
        for (mart, key), (old, was_final) in before.items()
        if was_final and after.get((mart, key), (None,))[0] != old
    }
    # and the rows new in a period or cohort already final before: the
    # previous data_through past their final_after
    through = {mart: t for mart, t in query(builds["before_db"], " union all ".join(
        f"select '{m}', max(data_through) from marts.{m}" for m in MARTS))}
    for mart, (key_columns, figures) in MARTS.items():
        for row in query(builds["after_db"],
                         f"select {', '.join(key_columns + figures)}, final_after "
                         f"from marts.{mart}"):
            key = text(key_columns, row[:len(key_columns)])
            if (mart, key) not in before and through[mart] > row[-1]:
                expected.add((mart, key, None, text(figures, row[len(key_columns):-1])))
    # the late visitor really changed final rows of every restated mart
    assert {mart for mart, *_ in expected} == set(MARTS), expected
    assert any("period_grain=week, period_start=2026-09-28" in key
               for _, key, _, _ in expected)
    rows = restatements(builds["after_db"])
    assert {(m, k, o, n) for _, m, k, o, n, _ in rows} == expected
    assert len(rows) == len(expected)
    assert {cause for *_, cause in rows} == {"new data"}
    assert len({at for at, *_ in rows}) == 1
    # rows that were not final before are not restatements
    not_final = {(m, k) for (m, k), (_, fin) in before.items() if not fin}
    assert not_final and not any((m, k) in not_final for _, m, k, *_ in rows)


def test_the_build_that_restates_warns(builds):
    assert "warn_on_restated_final_figures" in builds["late"].output
    line = next(line for line in builds["late"].output.splitlines()
                if "warn_on_restated_final_figures" in line and "WARN" in line)
    assert "WARN" in line
    assert not any("warn_on_restated_final_figures" in line and "WARN" in line
                   for line in builds["first"].output.splitlines())


def test_a_build_without_new_data_restates_nothing_more(builds):
    assert restatements(builds["db"]) == restatements(builds["after_db"])
