"""Shared helpers: run real `dbt` commands into temporary DuckDB files.

Every build gets its own DuckDB file, target and log folders, so tests never
touch the developer's `conversions.duckdb` and can run side by side.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_CSV = PROJECT_DIR / "sample_data" / "events.csv"
DBT = str(Path(sys.executable).with_name("dbt"))
RAW_COLUMNS = [
    "event_id", "visitor_id", "session_id", "event_name", "occurred_at",
    "page_url", "referrer_url", "user_agent", "properties",
]
PROJECT_FILES = [
    "dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests",
    "sample_data",
]


@dataclass
class DbtResult:
    returncode: int
    output: str
    db_path: Path

    def check(self) -> "DbtResult":
        assert self.returncode == 0, self.output[-6000:]
        return self


def dbt_env(project_dir: Path, work_dir: Path, db_path: Path,
            raw_path=None) -> dict:
    """The environment of a test's dbt run: its own DuckDB file, spill,
    target and log folders, and RAW_EVENTS_PATH (the sample when None)."""
    env = dict(os.environ)
    env.update({
        "DUCKDB_PATH": str(db_path),
        "DUCKDB_TEMP_DIRECTORY": str(work_dir / "duckdb_tmp"),
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    })
    if raw_path is not None:
        env["RAW_EVENTS_PATH"] = str(raw_path)
    else:
        env.pop("RAW_EVENTS_PATH", None)
    return env


def run_dbt(args, *, work_dir: Path, raw_path=None, project_dir=PROJECT_DIR,
            db_path=None, extra_env=None) -> DbtResult:
    """Run `dbt <args>` against `project_dir`, writing into `work_dir`."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = Path(db_path or work_dir / "conversions.duckdb")
    env = dbt_env(project_dir, work_dir, db_path, raw_path)
    env.update(extra_env or {})
    proc = subprocess.run(
        [DBT, *args, "--project-dir", str(project_dir)],
        cwd=project_dir, env=env, capture_output=True, text=True,
    )
    return DbtResult(proc.returncode, proc.stdout + proc.stderr, db_path)


def dbt_build(work_dir: Path, raw_path=None, **kwargs) -> DbtResult:
    """`dbt build` (seeds, models, unit and data tests) into `work_dir`."""
    return run_dbt(["build"], work_dir=work_dir, raw_path=raw_path, **kwargs)


def query(db_path: Path, sql: str, params=None) -> list[tuple]:
    """Rows of `sql` on a built database, opened read-only."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def served_tables() -> set[str]:
    """Every table the project builds in marts and audit: one per model,
    and one per version of a versioned model, named by its alias (the
    latest version's alias is the model's name: fct_funnel_diagnosis, and
    fct_funnel_diagnosis_v1)."""
    names = set()
    for schema in ("marts", "audit"):
        for path in (PROJECT_DIR / "models" / schema).rglob("*.yml"):
            for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
                for version in model.get("versions", [{}]):
                    # dbt's own alias for a version is name_v<v>
                    default = (f"{model['name']}_v{version['v']}" if "v" in version
                               else model["name"])
                    alias = (version.get("config") or {}).get("alias")
                    names.add(f"{schema}.{alias or default}")
    return names


def copy_project(dest: Path) -> Path:
    """A private copy of the project, for tests that edit seeds or models."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        src = PROJECT_DIR / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy2(src, dest / name)
    return dest


def write_events(path: Path, rows: list[dict]) -> Path:
    """Raw events as Parquet or CSV (by extension), every column as text."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string())
                      for c in RAW_COLUMNS})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        pa_csv.write_csv(table, path)
    return path


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> DbtResult:
    """The bundled sample, built once for the whole session."""
    return dbt_build(tmp_path_factory.mktemp("sample")).check()
