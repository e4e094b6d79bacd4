"""The front page and the column reference.

- README's query examples run, as written, with what `./scripts/build.sh`
  installs (`.venv`: dbt, its Python, MetricFlow), from the root of a
  freshly built copy of the project, and print the sample's figures;
- README stays short (at most 12 KB) and links every mart and audit table
  to its columns, one link away, at an anchor that exists;
- docs/columns.md is what scripts/mart_columns.py generates from the
  models' yml files (it fails while the file is stale).
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest

from conftest import PROJECT_DIR, copy_project, dbt_build, served_tables

README = PROJECT_DIR / "README.md"
COLUMNS = PROJECT_DIR / "docs" / "columns.md"


def readme_examples() -> str:
    """The ```sh block of README that queries the built marts."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), re.S)
    [block] = [b for b in blocks if "dbt show" in b]
    return block


def test_readme_is_short():
    assert len(README.read_bytes()) <= 12 * 1024


def test_every_mart_is_one_link_from_its_columns():
    readme = README.read_text()
    anchors = set(re.findall(r"^## (\w+)$", COLUMNS.read_text(), re.M))
    tables = {name.split(".")[1] for name in served_tables()}
    assert anchors == tables and len(tables) == 15
    linked = set(re.findall(r"\]\(docs/columns\.md#(\w+)\)", readme))
    assert linked <= anchors
    # the latest version of each mart; fct_funnel_diagnosis_v1 is kept
    # for its consumers until it is retired and is not linked from README
    marts = {name.split(".")[1] for name in served_tables()
             if name.startswith("marts.") and not name.endswith("_v1")}
    assert len(marts) == 8
    assert marts - linked == set(), "marts without a link to their columns"
    assert "rejected_events" in linked


def test_columns_page_is_generated_and_current():
    proc = subprocess.run(
        [str(PROJECT_DIR / ".venv" / "bin" / "python"), "scripts/mart_columns.py",
         "--check"], cwd=PROJECT_DIR, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = COLUMNS.read_text()
    # the descriptions' doc blocks are resolved, and new columns are there
    assert "{{" not in text and "`median_hours_from_previous_step`" in text
    assert "`micro_goal_role`" in text


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory):
    """A copy of the project built as ./scripts/build.sh does: the database
    at its root, target/ under it, .venv beside it."""
    project = copy_project(tmp_path_factory.mktemp("readme") / "project")
    dbt_build(project, project_dir=project).check()
    os.symlink(PROJECT_DIR / ".venv", project / ".venv")
    return project


def test_readme_examples_run_as_written(built_copy):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DBT_", "DUCKDB_", "RAW_EVENTS"))}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_examples()],
                          cwd=built_copy, env=env, capture_output=True, text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    # the week of 12 October: 11 of 121 visitors, 9.1%
    assert re.search(r"2026-10-12 \|\s+11 \|\s+121 \|\s+9\.1 \|", out), out[-4000:]
    # the purchase funnel: 147, 46, 29, 17
    for step, name, reached in [(1, "Viewed a product page", 147),
                                (4, "Completed purchase", 17)]:
        assert re.search(rf"│\s+{step} │ {name}\s+│\s+{reached} │", out), out[-4000:]
    # every goal's monthly rate, by name
    assert re.search(r"2026-10-01T00:00:00\s+Started a product video\s+0\.110778", out), \
        out[-4000:]
