"""Writers of a served database under one lock, safe swaps, the BI export.

scripts/build.sh (in place), scripts/build_and_swap.sh and
scripts/export_bi.sh share one lock per database (scripts/lib/lock.sh).
The raw events are the bundled sample split in two CSV files: A alone is
the "old" complete build, A and B the "new" one (a full refresh, built
directly with dbt as the reference). Checked here:

- a swap over a served file with a pending WAL (a writer killed before it
  checkpointed) folds the WAL in and serves the new build, with no WAL;
- build.sh started while a swap runs: with CONVERSIONS_LOCK_TIMEOUT=0 it
  stops at once (exit 75) without building; otherwise it waits, then
  builds, and its build is what is served;
- no flock on PATH: every script stops (exit 69) naming flock;
- export_bi.sh: exactly marts and three aggregate audit tables, equal to
  the source, no views, no WAL, 0600; a missing source is named;
- everything the scripts create (databases, lock file, spill folder,
  dbt's logs/ and target/) has no group or other permission bits, though
  the scripts are started with umask 022.

Five builds of the sample in all, two at a time.
"""
from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, SAMPLE_CSV, dbt_env, run_dbt, served_tables

SCRIPTS = PROJECT_DIR / "scripts"
BI_AUDIT_TABLES = {"audit.event_reconciliation", "audit.load_batches",
                   "audit.unmatched_definitions", "audit.traffic_classification",
                   "audit.restatements"}
FAST = ["--exclude-resource-type", "test"]  # data tests: other modules
MAKE_WAL = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("PRAGMA disable_checkpoint_on_shutdown")
con.execute("SET wal_autocheckpoint = '1TB'")
con.execute("create table main.wal_probe as select 42 as answer")
os._exit(0)  # no checkpoint, no clean close: the WAL stays
"""


# ------------------------------------------------------------------ helpers

def split_sample(folder: Path) -> tuple[Path, Path]:
    """The sample's rows in two CSV files, A (the first two thirds) and B."""
    with open(SAMPLE_CSV, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    cut = len(body) * 2 // 3
    paths = []
    for name, part in (("a", body[:cut]), ("b", body[cut:])):
        path = folder / name / f"events_{name}.csv"
        path.parent.mkdir(parents=True)
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *part])
        paths.append(path)
    return paths[0], paths[1]


def raw_glob(folder: Path, *files: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    return str(folder / "*.csv")


def script_env(work: Path, db: Path, raw, **extra) -> dict:
    env = dbt_env(PROJECT_DIR, work, db, raw)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def start(script: str, env: dict, *args) -> subprocess.Popen:
    """A script of scripts/, started with umask 022 (the scripts must make
    their files private themselves)."""
    return subprocess.Popen(
        ["bash", str(SCRIPTS / script), *args], cwd=PROJECT_DIR, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        umask=0o022)


def finish(proc: subprocess.Popen, timeout=600) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def run_script(script: str, env: dict, *args) -> tuple[int, str]:
    return finish(start(script, env, *args))


def ok(result: tuple[int, str]) -> str:
    code, out = result
    assert code == 0, out[-6000:]
    return out


def marts(db: Path) -> dict[str, list[tuple]]:
    """Every base table of schema marts, rows sorted; the file is opened
    read-only, as a dashboard does."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [n for (n,) in con.execute(
            "select table_name from duckdb_tables() "
            "where schema_name = 'marts' order by 1").fetchall()]
        return {n: con.execute(f'select * from marts."{n}" order by all')
                .fetchall() for n in names}
    finally:
        con.close()


def scalar(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def wait_for(predicate, timeout=120, what=""):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# ------------------------------------------------------------------ fixture

def build_old(base: Path, file_a: Path) -> dict:
    """build.sh in place into a new file: the old complete build (A)."""
    work = base / "old"
    db = work / "conversions.duckdb"
    env = script_env(work, db, raw_glob(work / "raw", file_a))
    out = ok(run_script("build.sh", env, *FAST))
    return {"work": work, "db": db, "out": out}


def build_reference(base: Path, file_a: Path, file_b: Path) -> Path:
    """The new complete build (A and B): a full refresh with dbt itself."""
    work = base / "ref"
    raw = raw_glob(work / "raw", file_a, file_b)
    return run_dbt(["build", "--full-refresh", *FAST], work_dir=work,
                   raw_path=raw).check().db_path


def swap_with_pending_wal(base: Path, old_db: Path, files) -> dict:
    work = base / "wal"
    work.mkdir()
    served = work / "served.duckdb"
    shutil.copyfile(old_db, served)  # 0644: the test's umask
    subprocess.run([sys.executable, "-c", MAKE_WAL, str(served)], check=True)
    wal_before = Path(f"{served}.wal").exists()
    env = script_env(work, served, raw_glob(work / "raw", *files))
    result = run_script("build_and_swap.sh", env, *FAST)
    return {"work": work, "served": served, "wal_before": wal_before,
            "result": result}


def build_during_swap(base: Path, old_db: Path, files) -> dict:
    """build_and_swap.sh of A and B over the old build; once it holds the
    lock, build.sh of the same file twice: without waiting, then waiting."""
    work = base / "during"
    work.mkdir()
    served = work / "served.duckdb"
    shutil.copyfile(old_db, served)
    raw = raw_glob(work / "raw", *files)
    lock = Path(f"{served}.lock")
    swap = start("build_and_swap.sh", script_env(work, served, raw), *FAST)
    wait_for(lambda: lock.exists()
             and lock.read_text().startswith("build_and_swap (pid")
             or swap.poll() is not None, what="the swap to take the lock")
    assert swap.poll() is None, "the swap ended before the builds started"
    t0 = time.monotonic()
    no_wait = run_script("build.sh", script_env(
        work, served, raw, CONVERSIONS_LOCK_TIMEOUT=0), *FAST)
    no_wait_seconds = time.monotonic() - t0
    waiting = start("build.sh", script_env(work, served, raw), *FAST)
    started_during_swap = swap.poll() is None
    swap_result = finish(swap)
    waited = finish(waiting)
    return {"work": work, "served": served, "swap": swap_result,
            "no_wait": no_wait, "no_wait_seconds": no_wait_seconds,
            "waiting": waited, "started_during_swap": started_during_swap}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("swap")
    files = split_sample(base / "files")
    with ThreadPoolExecutor(2) as pool:
        old = pool.submit(build_old, base, files[0])
        ref = pool.submit(build_reference, base, *files)
        old, ref = old.result(), ref.result()
        wal = pool.submit(swap_with_pending_wal, base, old["db"], files)
        during = pool.submit(build_during_swap, base, old["db"], files)
        wal, during = wal.result(), during.result()
    return {"base": base, "old": old, "ref": ref, "wal": wal,
            "during": during, "old_marts": marts(old["db"]),
            "new_marts": marts(ref)}


# -------------------------------------------------------------------- tests

def test_the_two_builds_differ(runs):
    """B changes the marts, so old and new are told apart."""
    assert set(runs["old_marts"]) == set(runs["new_marts"])
    assert set(runs["new_marts"]) >= {t.split(".")[1] for t in served_tables()
                                       if t.startswith("marts.")}
    assert runs["old_marts"] != runs["new_marts"]


def test_swap_folds_a_pending_wal_of_the_served_file(runs):
    wal = runs["wal"]
    served = wal["served"]
    assert wal["wal_before"], "the test did not leave a WAL to fold"
    out = ok(wal["result"])
    assert "has a pending WAL: folding it in" in out
    assert "now serves the new build" in out
    for leftover in (".wal", ".next", ".next.wal"):
        assert not Path(f"{served}{leftover}").exists(), leftover
    # it opens read-only (the WAL of the old file would make this fail),
    # serves the new build, and kept what the WAL held
    assert marts(served) == runs["new_marts"]
    assert scalar(served, "select answer from main.wal_probe") == 42
    # opens again, read-write and read-only, with no WAL left
    duckdb.connect(str(served)).close()
    assert marts(served) == runs["new_marts"]
    assert not Path(f"{served}.wal").exists()


def test_build_without_waiting_stops_during_a_swap(runs):
    during = runs["during"]
    code, out = during["no_wait"]
    assert code == 75, out[-3000:]
    assert "is locked by another writer" in out
    assert "build_and_swap (pid" in out  # who holds it
    assert "CONVERSIONS_LOCK_TIMEOUT=0" in out
    assert "Running with dbt" not in out  # it did not build
    assert during["no_wait_seconds"] < 60


def test_build_started_during_a_swap_waits_and_is_served(runs):
    during = runs["during"]
    served = during["served"]
    assert during["started_during_swap"]
    assert "now serves the new build" in ok(during["swap"])
    out = ok(during["waiting"])
    assert "waiting up to 600 s" in out
    assert "for the lock on" in out and "build_and_swap (pid" in out
    assert "got the lock" in out
    # its build ran after the swap's, on the swapped file, and is served
    assert out.index("got the lock") < out.index("Running with dbt")
    # platform.model_builds: one built_at per dbt invocation; the old
    # build's, then the swap's, then this one's
    builds = "select count(distinct built_at) from platform.model_builds"
    assert scalar(served, builds) == scalar(runs["old"]["db"], builds) + 2
    assert marts(served) in (runs["old_marts"], runs["new_marts"])
    assert marts(served) == runs["new_marts"]
    assert not Path(f"{served}.wal").exists()
    assert not Path(f"{served}.next").exists()


@pytest.fixture(scope="module")
def no_flock_path(tmp_path_factory) -> str:
    """A PATH with every program of the usual folders but flock."""
    bin_dir = tmp_path_factory.mktemp("no_flock_bin")
    for folder in ("/usr/local/bin", "/usr/bin", "/bin"):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = Path(folder) / name
            if name != "flock" and not (bin_dir / name).exists() \
                    and os.access(target, os.X_OK) and target.is_file():
                (bin_dir / name).symlink_to(target)
    assert shutil.which("bash", path=str(bin_dir))
    assert shutil.which("flock", path=str(bin_dir)) is None
    return str(bin_dir)


@pytest.mark.parametrize("script", ["build.sh", "build_and_swap.sh",
                                    "export_bi.sh"])
def test_missing_flock_is_an_error(runs, tmp_path, no_flock_path, script):
    served = tmp_path / "served.duckdb"
    shutil.copyfile(runs["old"]["db"], served)
    before = served.read_bytes()
    env = script_env(tmp_path, served, tmp_path / "*.csv",
                     PATH=no_flock_path)
    code, out = run_script(script, env)
    assert code == 69, out[-3000:]
    assert "flock" in out and "not on PATH" in out
    assert served.read_bytes() == before
    assert not Path(f"{served}.next").exists()
    assert not (tmp_path / "served_bi.duckdb").exists()


def bi_tables(db: Path) -> tuple[set[str], int, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {f"{s}.{t}" for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables()").fetchall()}
        views = con.execute("select count(*) from duckdb_views() "
                            "where not internal").fetchone()[0]
        schemas = sorted(s for (s,) in con.execute(
            "select distinct schema_name from duckdb_tables()").fetchall())
        return tables, views, schemas
    finally:
        con.close()


def table_rows(db: Path, names) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {n: con.execute(f"select * from {n} order by all").fetchall()
                for n in names}
    finally:
        con.close()


def test_export_bi_holds_marts_and_aggregate_audit_tables(runs):
    old = runs["old"]
    source, bi = old["db"], old["work"] / "conversions_bi.duckdb"
    assert "export_bi:" in old["out"] and bi.exists()  # build.sh exported
    tables, views, schemas = bi_tables(bi)
    expected = {t for t in served_tables() if t.startswith("marts.")}
    expected |= BI_AUDIT_TABLES
    assert tables == expected
    assert "audit.rejected_events" not in tables
    assert schemas == ["audit", "marts"]
    assert views == 0
    assert table_rows(bi, sorted(tables)) == table_rows(source, sorted(tables))
    # column names and types as in the source
    describe = {t: scalar_rows(bi, f"describe {t}") for t in tables}
    assert describe == {t: scalar_rows(source, f"describe {t}")
                        for t in tables}
    assert not Path(f"{bi}.wal").exists()
    assert not Path(f"{bi}.tmp").exists()
    assert stat.S_IMODE(bi.stat().st_mode) == 0o600


def scalar_rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[:2] for r in con.execute(sql).fetchall()]
    finally:
        con.close()


def test_export_bi_after_a_swap_is_the_new_build(runs):
    served = runs["wal"]["served"]
    bi = served.with_name("served_bi.duckdb")
    assert marts(bi) == runs["new_marts"]
    assert not Path(f"{bi}.wal").exists()


def test_export_bi_paths_and_a_stale_wal(runs, tmp_path):
    """BI_DUCKDB_PATH's default without the .duckdb suffix, an explicit
    BI_DUCKDB_PATH, and a stale WAL of the BI file removed, not applied."""
    source = tmp_path / "built"
    shutil.copyfile(runs["old"]["db"], source)
    env = script_env(tmp_path, source, None)
    ok(run_script("export_bi.sh", env))
    default_bi = tmp_path / "built_bi.duckdb"
    assert marts(default_bi) == runs["old_marts"]
    explicit = tmp_path / "elsewhere" / "dash.duckdb"
    explicit.parent.mkdir()
    # a stale WAL beside the BI file: it belongs to no file written here
    shutil.copyfile(runs["old"]["db"], explicit)
    subprocess.run([sys.executable, "-c", MAKE_WAL, str(explicit)], check=True)
    assert Path(f"{explicit}.wal").exists()
    ok(run_script("export_bi.sh", dict(env, BI_DUCKDB_PATH=str(explicit))))
    assert not Path(f"{explicit}.wal").exists()
    assert marts(explicit) == runs["old_marts"]
    tables, _, _ = bi_tables(explicit)
    assert "main.wal_probe" not in tables


def test_export_bi_missing_source_names_it(tmp_path):
    missing = tmp_path / "no such.duckdb"
    code, out = run_script("export_bi.sh", script_env(tmp_path, missing, None))
    assert code == 66, out
    assert str(missing) in out and "does not exist" in out
    assert not (tmp_path / "no such_bi.duckdb").exists()


def created_paths(work: Path, served: Path) -> list[Path]:
    """What the scripts created in a scenario's folder: the databases, the
    lock file, DuckDB's spill folder and dbt's logs/ and target/, with
    everything in them."""
    bi = served.with_name(served.name.removesuffix(".duckdb") + "_bi.duckdb")
    paths = [served, bi, Path(f"{served}.lock"), work / "duckdb_tmp",
             work / "logs", work / "target"]
    for folder in paths[3:]:
        paths.extend(folder.rglob("*"))
    return paths


@pytest.mark.parametrize("scenario", ["old", "wal", "during"])
def test_created_files_and_folders_are_private(runs, scenario):
    run = runs[scenario]
    served = run.get("served") or run["db"]
    paths = created_paths(run["work"], served)
    for required in paths[:6]:
        assert required.exists(), required
    assert len(paths) > 10
    public = [f"{p} {stat.filemode(p.stat().st_mode)}" for p in paths
              if not private(p)]
    assert public == []
