"""Model contracts on the marts and audit tables, and the docs' lineage.

* Every model in models/marts/ and models/audit/ has an enforced contract
  whose columns carry a portable type (string, bigint, int, double, date,
  timestamp, boolean), is public, and starts with SPEC section 4's columns
  in SPEC's order.
* A copy of the project whose mart changes a column's type, renames a
  column or puts a null in a not-null column fails `dbt build` with the
  contract (or constraint) error, naming the column.
* `dbt docs generate` builds the catalog, and the manifest's parent_map has
  a path from the raw source to every mart but dim_goals (made from the goal
  seeds alone), to every audit table and to the Superset exposure.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, copy_project, run_dbt

SOURCE = "source.conversions.raw.events"
PORTABLE_TYPES = {"string", "bigint", "int", "double", "date", "timestamp", "boolean"}
# What DuckDB reports for each contract type (the catalog's column types).
DUCKDB_TYPES = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER",
                "double": "DOUBLE", "date": "DATE", "timestamp": "TIMESTAMP",
                "boolean": "BOOLEAN"}

# SPEC section 4: the columns each table must have, in this order, with
# "ids and names VARCHAR, dates DATE, counts BIGINT, rates DOUBLE" (step
# numbers are int, as in the goal seed). The marts' further columns (such as
# confidence intervals) may sit between them.
GOAL_RATE_COLUMNS = [
    ("period_grain", "string"), ("period_start", "date"), ("goal_id", "string"),
    ("goal_name", "string"), ("goal_type", "string"), ("funnel_id", "string"),
    ("human_visitors", "bigint"), ("converting_visitors", "bigint"),
    ("conversion_rate", "double"),
]
# SPEC section 4, "Finality": on every row of these three marts.
FINALITY_COLUMNS = [
    ("data_through", "timestamp"), ("is_final", "boolean"),
    ("final_after", "timestamp"), ("covers_whole_period", "boolean"),
]
SPEC_COLUMNS = {
    "fct_funnel_steps": [
        ("funnel_id", "string"), ("funnel_name", "string"), ("cohort_date", "date"),
        ("step_order", "int"), ("goal_id", "string"), ("goal_name", "string"),
        ("goal_type", "string"), ("visitors_reached", "bigint"),
        ("visitors_at_previous_step", "bigint"), ("rate_from_previous_step", "double"),
        ("rate_from_first_step", "double"), ("visitors_dropped", "bigint"),
        *FINALITY_COLUMNS,
    ],
    "fct_goal_conversion_rates": GOAL_RATE_COLUMNS + FINALITY_COLUMNS,
    "fct_macro_conversion_rates": GOAL_RATE_COLUMNS + FINALITY_COLUMNS,
    "dim_goals": [
        ("goal_id", "string"), ("goal_name", "string"), ("goal_type", "string"),
        ("event_name", "string"), ("page_path_pattern", "string"),
        ("funnel_id", "string"), ("step_order", "int"), ("description", "string"),
        ("funnel_name", "string"), ("conversion_window_days", "int"),
    ],
    "rejected_events": [
        ("event_id", "string"), ("visitor_id", "string"), ("session_id", "string"),
        ("event_name", "string"), ("occurred_at", "string"), ("page_path", "string"),
        ("referrer_host", "string"), ("user_agent", "string"),
        ("reject_reason", "string"),
    ],
    "event_reconciliation": [
        ("raw_rows", "bigint"), ("rejected_rows", "bigint"),
        ("duplicate_rows", "bigint"), ("bot_rows", "bigint"),
        ("counted_rows", "bigint"),
    ],
}
EXPOSED_MARTS = {
    "fct_macro_conversion_rates", "fct_funnel_steps", "fct_funnel_steps_by_segment",
    "fct_funnel_step_timing", "fct_micro_macro_lift",
    "fct_funnel_diagnosis.v2",   # the latest version, ref('fct_funnel_diagnosis')
    "dim_goals",
}


def contracted_model_names() -> list[str]:
    """Every model file under models/marts and models/audit, as its node
    name: `<model>.v<n>` for a version's file `<model>_v<n>.sql`."""
    return sorted(re.sub(r"_v(\d+)$", r".v\1", p.stem)
                  for folder in ("marts", "audit")
                  for p in (PROJECT_DIR / "models" / folder).rglob("*.sql"))


@pytest.fixture(scope="module")
def docs(sample_build, tmp_path_factory) -> dict:
    """`dbt docs generate` on a copy of the session's sample database."""
    work = tmp_path_factory.mktemp("docs")
    db = work / "docs.duckdb"
    shutil.copy2(sample_build.db_path, db)
    run_dbt(["docs", "generate"], work_dir=work, db_path=db).check()
    target = work / "target"
    assert (target / "index.html").is_file()
    return {
        "manifest": json.loads((target / "manifest.json").read_text()),
        "catalog": json.loads((target / "catalog.json").read_text()),
    }


def model_node(manifest: dict, name: str) -> dict:
    return manifest["nodes"][f"model.conversions.{name}"]


def test_every_mart_and_audit_table_has_an_enforced_public_contract(docs):
    names = contracted_model_names()
    # 14 tables, fct_funnel_diagnosis in two versions
    assert len(names) == 15, names
    for name in names:
        node = model_node(docs["manifest"], name)
        assert node["config"]["contract"]["enforced"] is True, name
        assert node["access"] == "public", name
        columns = node["columns"]
        assert columns, name
        for column in columns.values():
            assert column["data_type"] in PORTABLE_TYPES, (name, column["name"])


@pytest.mark.parametrize("name", sorted(SPEC_COLUMNS))
def test_contract_has_spec_columns_in_order(docs, name):
    contract = [(c["name"], c["data_type"])
                for c in model_node(docs["manifest"], name)["columns"].values()]
    spec = SPEC_COLUMNS[name]
    # every SPEC column, with SPEC's type, in SPEC's order
    missing = [column for column in spec if column not in contract]
    assert missing == [], (name, contract)
    positions = [contract.index(column) for column in spec]
    assert positions == sorted(positions), (name, contract)


def test_catalog_types_match_the_contracts(docs):
    """The built tables have exactly the contract's columns, order and types."""
    for name in contracted_model_names():
        contract = [(c["name"], DUCKDB_TYPES[c["data_type"]])
                    for c in model_node(docs["manifest"], name)["columns"].values()]
        table = docs["catalog"]["nodes"][f"model.conversions.{name}"]["columns"]
        built = [(c["name"], c["type"])
                 for c in sorted(table.values(), key=lambda c: c["index"])]
        assert built == contract, name


def ancestors(parent_map: dict, node: str) -> set[str]:
    seen, todo = set(), [node]
    while todo:
        for parent in parent_map.get(todo.pop(), []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_lineage_runs_from_the_raw_source_to_every_mart_and_the_dashboard(docs):
    manifest = docs["manifest"]
    parent_map = manifest["parent_map"]
    assert SOURCE in manifest["sources"]
    # the only model that lists the files names the source
    assert parent_map["model.conversions.stg_events__raw_files"] == [SOURCE]
    for name in contracted_model_names():
        parents = ancestors(parent_map, f"model.conversions.{name}")
        if name == "dim_goals":
            # the goal definitions alone: no event reaches it
            assert parents == {"model.conversions.int_goals", "seed.conversions.goals",
                               "seed.conversions.funnels"}
        else:
            assert SOURCE in parents, name
    exposure_id = "exposure.conversions.superset_conversions_dashboard"
    exposure = manifest["exposures"][exposure_id]
    assert exposure["type"] == "dashboard"
    assert exposure["url"] == "http://127.0.0.1:8088/superset/dashboard/conversions/"
    assert exposure["owner"]["name"]
    assert {".".join(p.split(".")[2:]) for p in parent_map[exposure_id]} \
        == EXPOSED_MARTS
    assert SOURCE in ancestors(parent_map, exposure_id)
    # the docs site has every contracted table with its columns
    for name in contracted_model_names():
        assert docs["catalog"]["nodes"][f"model.conversions.{name}"]["columns"], name


def edit_final_select(project: Path, model: str, star: str) -> None:
    """Replace the model's last `select * from final` with `select <star>`."""
    path = next((project / "models").rglob(f"{model}.sql"))
    sql = path.read_text()
    edited, count = re.subn(r"select \* from final\s*$", f"select {star} from final\n", sql)
    assert count == 1, f"{path} no longer ends with `select * from final`"
    path.write_text(edited)


@pytest.mark.parametrize("model, star, expected", [
    # a type change: DuckDB's sum() of a bigint is a HUGEINT (here a sum
    # over one row, so only the type changes)
    ("fct_macro_conversion_rates",
     "* replace (sum(converting_visitors) over (partition by period_grain,"
     " period_start, goal_id) as converting_visitors)",
     [r"converting_visitors\s*\|\s*HUGEINT\s*\|\s*BIGINT\s*\|\s*data type mismatch"]),
    ("dim_goals", "* replace (cast(step_order as varchar) as step_order)",
     [r"step_order\s*\|\s*VARCHAR\s*\|\s*INTEGER\s*\|\s*data type mismatch"]),
    # a renamed column: the new name is extra, the contract's is missing
    ("dim_goals", "* rename (goal_name as goal_label)",
     [r"goal_label\s*\|\s*VARCHAR\s*\|\s*\|\s*missing in contract",
      r"goal_name\s*\|\s*\|\s*VARCHAR\s*\|\s*missing in definition"]),
], ids=["macro-rates-type", "dim-goals-type", "dim-goals-name"])
def test_changing_a_mart_without_its_contract_fails_the_build(
        tmp_path, model, star, expected):
    project = copy_project(tmp_path / "project")
    edit_final_select(project, model, star)
    result = run_dbt(["build", "--select", f"+{model}"], work_dir=tmp_path,
                     project_dir=project)
    assert result.returncode != 0, result.output[-3000:]
    assert "This model has an enforced contract that failed" in result.output
    for pattern in expected:
        assert re.search(pattern, result.output), result.output[-3000:]


def test_a_null_in_a_not_null_contract_column_fails_the_build(tmp_path):
    project = copy_project(tmp_path / "project")
    edit_final_select(project, "dim_goals",
                      "* replace (case when goal_id = 'purchase' then null"
                      " else goal_id end as goal_id)")
    result = run_dbt(["build", "--select", "+dim_goals"], work_dir=tmp_path,
                     project_dir=project)
    assert result.returncode != 0, result.output[-3000:]
    assert re.search(r"NOT NULL constraint failed: dim_goals(__dbt_tmp)?\.goal_id", result.output), (
        result.output[-3000:])
