"""Issue 17 (funnel options, SPEC section 5), item 1: the optional seed
columns and seeds/funnel_exclusions.csv. A missing column or an empty cell
is the default; every invalid value fails the build naming the funnel or
goal (tests/definitions/assert_funnel_options_valid.sql)."""
from __future__ import annotations

import csv

import pytest

from conftest import copy_project, query, run_dbt

SEEDS_ONLY = ["build", "--select", "resource_type:seed"]


def rewrite(path, edit):
    """Rewrite a seed CSV: edit(fields, rows) -> (fields, rows)."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = list(reader.fieldnames), list(reader)
    fields, rows = edit(fields, rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def set_cells(table, key, values):
    """edit: set columns (added when missing) on the rows whose first
    column is `key`."""
    def edit(fields, rows):
        for column in values:
            if column not in fields:
                fields.append(column)
        for row in rows:
            if row[fields[0]] == key:
                row.update(values)
        return fields, rows
    return table, edit


def add_exclusion(**values):
    def edit(fields, rows):
        return fields, rows + [{"funnel_id": "purchase",
                                "event_name": "page_view", **values}]
    return "funnel_exclusions", edit


INVALID = {
    "unknown_order_mode": (
        set_cells("funnels", "purchase", {"order_mode": "sequential"}),
        'funnel "purchase" has order_mode "sequential" (expected ordered, '
        'strict or any_order)'),
    "unknown_count_within": (
        set_cells("funnels", "purchase", {"count_within": "day"}),
        'funnel "purchase" has count_within "day"'),
    "hold_constant_with_a_dot": (
        set_cells("funnels", "purchase", {"hold_constant": "item.id"}),
        'funnel "purchase" has hold_constant "item.id"'),
    "hold_constant_with_a_dash": (
        set_cells("funnels", "purchase", {"hold_constant": "item-id"}),
        'funnel "purchase" has hold_constant "item-id"'),
    "per_step_window_on_step_1": (
        set_cells("goals", "view_product",
                  {"max_hours_from_previous_step": "2"}),
        'goal "view_product" has max_hours_from_previous_step but is step 1'),
    "per_step_window_on_standalone_goal": (
        set_cells("goals", "video_start",
                  {"max_hours_from_previous_step": "2"}),
        'goal "video_start" has max_hours_from_previous_step but is no '
        'funnel step'),
    "per_step_window_zero": (
        set_cells("goals", "add_to_cart",
                  {"max_hours_from_previous_step": "0"}),
        'goal "add_to_cart" has max_hours_from_previous_step 0'),
    "exclusion_from_equals_to": (
        add_exclusion(from_step="3", to_step="3"),
        'an exclusion of funnel "purchase" (event "page_view") has '
        'from_step 3 and to_step 3 (expected 1 <= from_step < to_step <= 4'),
    "exclusion_from_after_to": (
        add_exclusion(from_step="3", to_step="2"),
        'has from_step 3 and to_step 2'),
    "exclusion_past_the_end": (
        add_exclusion(from_step="3", to_step="5"),
        'has from_step 3 and to_step 5'),
    "exclusion_step_0": (
        add_exclusion(from_step="0", to_step="2"),
        'has from_step 0 and to_step 2'),
    "exclusion_unknown_funnel": (
        ("funnel_exclusions", lambda fields, rows: (fields, rows + [{
            "funnel_id": "checkout", "event_name": "x", "from_step": "1",
            "to_step": "2"}])),
        'an exclusion of funnel "checkout" names an unknown funnel'),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_option_fails_naming_the_definition(tmp_path, case):
    (table, edit), message = INVALID[case]
    project = copy_project(tmp_path / "project")
    rewrite(project / "seeds" / f"{table}.csv", edit)
    build = run_dbt(SEEDS_ONLY, work_dir=tmp_path / "build",
                    project_dir=project)
    assert build.returncode != 0
    assert message in build.output, build.output[-3000:]


def test_seeds_without_the_optional_columns_read_as_defaults(tmp_path):
    """A user's seeds from before SPEC section 5: no option column at all,
    and empty option cells in the exclusions' place."""
    project = copy_project(tmp_path / "project")
    options = {"order_mode", "count_within", "hold_constant",
               "max_hours_from_previous_step"}
    for table in ("funnels", "goals"):
        rewrite(project / "seeds" / f"{table}.csv", lambda fields, rows: (
            [f for f in fields if f not in options],
            [{k: v for k, v in r.items() if k not in options} for r in rows]))
    (project / "seeds" / "funnel_exclusions.csv").write_text(
        "funnel_id,event_name,page_path_pattern,from_step,to_step,"
        "description\n")
    build = run_dbt([*SEEDS_ONLY, "int_goals"], work_dir=tmp_path / "build",
                    project_dir=project)
    assert "Compilation Error" not in build.output, build.output[-3000:]
    assert query(build.db_path, """
        select distinct order_mode, count_within, hold_constant,
            max_hours_from_previous_step
        from intermediate.int_goals where funnel_id is not null""") == [
        ("ordered", "visitor", None, None)]


def test_empty_option_cells_are_defaults(tmp_path):
    project = copy_project(tmp_path / "project")
    table, edit = set_cells("funnels", "purchase", {
        "order_mode": "", "count_within": " ", "hold_constant": ""})
    rewrite(project / "seeds" / f"{table}.csv", edit)
    build = run_dbt([*SEEDS_ONLY, "int_goals"], work_dir=tmp_path / "build",
                    project_dir=project)
    assert "assert_funnel_options_valid" in build.output
    assert query(build.db_path, """
        select distinct order_mode, count_within, hold_constant
        from intermediate.int_goals where funnel_id = 'purchase'""") == [
        ("ordered", "visitor", None)]
