"""Builds killed mid-way, and readers during builds.

(a) `dbt build` killed with SIGKILL (the whole process group) at six
    moments, three of a full build and three of an incremental one, each
    followed by a plain re-run of `dbt build` to completion: every table of
    marts, audit, staging and intermediate then equals a clean full refresh
    of the same files, row for row (load-time columns excluded).
(b) scripts/build_and_swap.sh, killed mid-way and then run to completion,
    while a reader process opens the served file read-only again and again:
    every read sees every mart, and a fingerprint of all marts and audit
    tables that is the old complete build's or the new one's, never a mix.
    After the killed run the served file is byte for byte the old one.
(c) a reader opening a file read-only while a direct `dbt build` writes it
    gets DuckDB's lock error, never partial data.

The raw events are the bundled sample's lines split into three CSV files
(f1, f2: the full build; f3 arrives later: the incremental one), so
duplicates, bots and late events cross file boundaries.

Run as a script (`python test_faults.py reader DB OUT STOP`) this module is
the reader process of (b) and (c).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import copy_project, dbt_env, served_tables

HERE = Path(__file__).resolve().parent
PROJECT_DIR = HERE.parent
DBT = str(Path(sys.executable).with_name("dbt"))
# Columns that record when a build ran (or when a file was written), not
# what it computed; and load_batches' late rows, measured against the files
# of earlier builds (a full refresh loads every file in one build, so it
# calls none late; integration/test_definition_checks.py tests them).
LOAD_TIME_COLUMNS = ("loaded_at", "processed_at", "file_modified_at",
                     "late_rows", "earlier_newest_occurred_at")
COMPARED_SCHEMAS = ("marts", "audit", "staging", "intermediate")
LOCK_ERROR = re.compile(
    r'IO Error: Could not set lock on file "(?P<path>.+)": Conflicting lock '
    r'is held in (?P<program>.+) \(PID (?P<pid>\d+)\)')


# --------------------------------------------------------------- comparison

# Histories of the builds themselves: a plain build and a full refresh of
# the same data differ there by design (audit.restatements records what an
# incremental build changed after it was final; test_restatements.py).
HISTORY_TABLES = {"audit.restatements"}


def _table_queries(con, schemas):
    """(name, select) per base table: load-time columns left out, and
    source_file reduced to the file's name (each build reads its own
    folder of the same files). The CSV reader's scratch tables (raw_csv_*,
    emptied after every build; which exist depends on the path a build
    took) are not data and are left out."""
    tables = con.execute(
        "select c.table_schema, c.table_name, "
        "list(c.column_name order by c.ordinal_position) "
        "from information_schema.columns as c "
        "inner join information_schema.tables as t using (table_schema, table_name) "
        "where t.table_type = 'BASE TABLE' and c.table_schema in "
        f"({', '.join(repr(s) for s in schemas)}) "
        "and c.table_name not like 'raw\\_csv\\_%' escape '\\' "
        "group by all order by all"
    ).fetchall()
    out = []
    for schema, name, columns in tables:
        if f"{schema}.{name}" in HISTORY_TABLES:
            continue
        exprs = [f"regexp_extract(\"{c}\", '[^/]*$') as \"{c}\""
                 if c == "source_file" else f'"{c}"'
                 for c in columns if c not in LOAD_TIME_COLUMNS]
        out.append((f"{schema}.{name}",
                    f'select {", ".join(exprs)} from "{schema}"."{name}"'))
    return out


def snapshot(db_path, schemas=COMPARED_SCHEMAS) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {name: con.execute(f"{sql} order by all").fetchall()
                for name, sql in _table_queries(con, schemas)}
    finally:
        con.close()


def fingerprint_of(con) -> dict:
    """Row count and an order-free digest (the sum of the rows' hashes) of
    every table of marts and audit, in one query."""
    parts = [f"select '{name}' as name, count(*) as n, "
             f"cast(coalesce(sum(hash(t)), 0) as varchar) as digest "
             f"from ({sql}) as t"
             for name, sql in _table_queries(con, ("marts", "audit"))]
    if not parts:
        return {}
    rows = con.execute(" union all ".join(parts)).fetchall()
    return {name: [n, digest] for name, n, digest in rows}


def fingerprint(db_path) -> dict:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return fingerprint_of(con)
    finally:
        con.close()


def file_digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ----------------------------------------------------------- reader process

def reader_main(db_path: str, out_path: str, stop_path: str,
                go_path: str = "") -> None:
    """Open `db_path` read-only, fingerprint it, close; again until
    `stop_path` exists (starting once `go_path` exists, if given). One JSON
    line per attempt."""
    while go_path and not os.path.exists(go_path):
        time.sleep(0.01)
    with open(out_path, "w", encoding="utf-8") as out:
        while not os.path.exists(stop_path):
            started = time.time()
            record = {"started": started}
            try:
                con = duckdb.connect(db_path, read_only=True)
                record["connected"] = time.time()
                try:
                    record["fingerprint"] = fingerprint_of(con)
                finally:
                    con.close()
            except Exception as exc:  # noqa: BLE001 - every failure is data
                record["error"] = f"{type(exc).__name__}: {exc}"
            record["ended"] = time.time()
            out.write(json.dumps(record) + "\n")
            out.flush()
            time.sleep(0.3)


class Reader:
    """The reader as a separate process (DuckDB locks are per process)."""

    def __init__(self, db_path: Path, work: Path, wait_for_go=False):
        work.mkdir(parents=True, exist_ok=True)
        self.out = work / "reads.jsonl"
        self.stop_file = work / "stop"
        self.go_file = work / "go"
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "reader", str(db_path), str(self.out),
             str(self.stop_file), str(self.go_file) if wait_for_go else ""],
            cwd=HERE)
        if wait_for_go:
            return
        deadline = time.time() + 30
        while not self.records():
            assert self.proc.poll() is None, "reader process died"
            assert time.time() < deadline, "reader never read"
            time.sleep(0.05)

    def records(self) -> list[dict]:
        if not self.out.exists():
            return []
        lines = self.out.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def go(self) -> None:
        self.go_file.touch()

    def stop(self) -> list[dict]:
        self.stop_file.touch()
        self.proc.wait(timeout=60)
        return self.records()


# ----------------------------------------------------------------- dbt runs

def private_project(dest: Path) -> Path:
    """A copy of the project (models, seeds, ..., build_and_swap.sh and
    what it runs, .venv linked): every build of this module, over a minute and a half, sees
    one version of the project even while the tree is being edited."""
    copy_project(dest)
    (dest / "scripts" / "lib").mkdir(parents=True)
    for name in ("scripts/build_and_swap.sh", "scripts/bootstrap.sh",
                 "scripts/swap_db.py", "scripts/lib/lock.sh",
                 "scripts/export_bi.sh", "scripts/export_bi.py",
                 "requirements.txt"):
        shutil.copy2(PROJECT_DIR / name, dest / name)
    (dest / ".venv").symlink_to(PROJECT_DIR / ".venv")
    return dest


def faults_env(project: Path, work_dir: Path, db_path: Path, raw_path) -> dict:
    """conftest's dbt environment, with output unbuffered so that lines
    arrive as dbt writes them and kills land where meant."""
    env = dbt_env(project, work_dir, db_path, raw_path)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Kill:
    """Where to kill: `delay` seconds after the first output line that
    contains `line`, or `delay` seconds after the start if `line` is None."""
    label: str
    line: str | None
    delay: float = 0.0


@dataclass
class Run:
    returncode: int
    output: str
    pid: int
    killed_at: float | None = None

    def check(self) -> "Run":
        assert self.returncode == 0, self.output[-6000:]
        return self


def run(cmd, env, *, kill: Kill | None = None, on_line=None,
        timeout=300) -> Run:
    """Run `cmd` in its own process group; with `kill`, SIGKILL the whole
    group at that moment (and require that it happened). `on_line`: (text,
    callback) to call once when an output line contains text."""
    proc = subprocess.Popen(
        cmd, cwd=env["DBT_PROFILES_DIR"], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace",
        start_new_session=True)
    lines: list[str] = []
    armed = threading.Event()
    fired = threading.Event()
    killed_at: list[float] = []
    started = time.time()

    def fire():
        if not fired.is_set():
            fired.set()
            at = time.time()  # before the signal: the writer still alive
            try:
                os.killpg(proc.pid, signal.SIGKILL)
                killed_at.append(at)
            except ProcessLookupError:
                pass

    def pump():
        pending = on_line
        for line in proc.stdout:
            lines.append(line)
            if pending and pending[0] in line:
                pending[1]()
                pending = None
            if kill and kill.line and kill.line in line and not armed.is_set():
                armed.set()
                if kill.delay:
                    threading.Timer(kill.delay, fire).start()
                else:
                    fire()

    pumper = threading.Thread(target=pump, daemon=True)
    pumper.start()
    if kill and kill.line is None:
        while proc.poll() is None and time.time() - started < kill.delay:
            time.sleep(0.02)
        fire()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    pumper.join(timeout=30)
    output = "".join(lines)
    result = Run(proc.returncode, output, proc.pid,
                 killed_at[0] if killed_at else None)
    if kill:
        assert result.returncode == -signal.SIGKILL and killed_at, (
            f"kill point {kill.label!r} never came: the build ended with "
            f"{result.returncode}\n{output[-4000:]}")
    return result


def dbt(project, args, work_dir, db_path, raw_dir, **kwargs) -> Run:
    return run([DBT, *args, "--project-dir", str(project)],
               faults_env(project, work_dir, db_path, Path(raw_dir) / "*.csv"),
               **kwargs)


# ----------------------------------------------------------------- the data

def split_sample(folder: Path) -> list[Path]:
    """The sample's lines (unreadable ones included: it is read as bytes)
    dealt to three CSV files, each with the header."""
    import random
    header, *lines = (PROJECT_DIR / "sample_data" / "events.csv"
                      ).read_bytes().split(b"\n")
    lines = [line for line in lines if line]
    rng = random.Random(20261124)
    parts = {1: [], 2: [], 3: []}
    for line in lines:
        parts[rng.choices([1, 2, 3], weights=[5, 3, 2])[0]].append(line)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, part in parts.items():
        path = folder / f"events-{n}.csv"
        path.write_bytes(b"\n".join([header, *part]) + b"\n")
        paths.append(path)
    return paths


def raw_dir_with(folder: Path, files) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


# The kill points. Full builds start from an empty file with f1 and f2;
# incremental ones from a complete build of f1 and f2, with f3 added.
FULL_KILLS = [
    Kill("full: while raw files are recorded", "START sql incremental model "
         "staging.stg_events__raw_files", 0.2),
    Kill("full: classification starts", "START sql visitor_incremental model "
         "staging.stg_events__classified"),
    Kill("full: marts half built", "START sql derived_table model "
         "marts.fct_goal_conversion_rates"),
]
INCREMENTAL_KILLS = [
    Kill("incremental: raw files recorded, not classified", "OK created sql "
         "incremental model staging.stg_events__raw_files"),
    Kill("incremental: during the classification rewrite", "START sql "
         "visitor_incremental model staging.stg_events__classified", 0.15),
    Kill("incremental: visitor-level models half done", "START sql "
         "visitor_incremental model intermediate.int_visitor_goal_periods"),
]


FIRST_MODEL = "START sql incremental model staging.stg_events__raw_files"


@dataclass
class Chain:
    """One database: full build killed, re-run; f3 added, incremental build
    killed, re-run. Snapshots after each completed re-run."""
    full_kill: Kill
    incremental_kill: Kill
    with_reader: bool = False
    results: dict = field(default_factory=dict)


def run_chain(project, chain: Chain, files, work: Path) -> Chain:
    raw = raw_dir_with(work / "raw", files[:2])
    db = work / "chain.duckdb"
    killed = dbt(project, ["build"], work, db, raw, kill=chain.full_kill)
    rerun = dbt(project, ["build"], work, db, raw).check()
    chain.results["full"] = {"killed": killed, "rerun": rerun,
                             "snapshot": snapshot(db)}
    raw_dir_with(raw, files[2:])
    # The reader starts once dbt holds the file (its first model started):
    # a reader connected at the moment dbt opens the file makes the build
    # fail instead (README "Where the marts are").
    reader = (Reader(db, work / "reader", wait_for_go=True)
              if chain.with_reader else None)
    try:
        killed = dbt(project, ["build"], work, db, raw,
                     kill=chain.incremental_kill,
                     on_line=(FIRST_MODEL, reader.go) if reader else None)
    finally:
        reads = reader.stop() if reader else None
    assert "Loading 1 new raw events file(s) of 3" in killed.output
    rerun = dbt(project, ["build"], work, db, raw).check()
    chain.results["incremental"] = {"killed": killed, "rerun": rerun,
                                    "snapshot": snapshot(db), "reads": reads}
    return chain


def run_swaps(project, files, work: Path, ref12_db: Path, ref12_raw: Path):
    """The served file starts as the complete build of f1, f2 (ref12). While
    a reader reads it: build_and_swap.sh fails (no raw file), then, with f3
    added, is killed mid-build, then runs to completion."""
    folder = work / "it's a \"served\" dir"
    folder.mkdir(parents=True)
    served = folder / "conversions db.duckdb"
    shutil.copy(ref12_db, served)
    old_digest = file_digest(served)
    swap = ["bash", str(project / "scripts" / "build_and_swap.sh")]
    reader = Reader(served, work / "reader")
    try:
        failed = run(swap, faults_env(project, work, served,
                                   work / "nothing here" / "*.csv"))
        after_failure = file_digest(served)
        raw_dir_with(ref12_raw, files[2:])
        env = faults_env(project, work, served, ref12_raw / "*.csv")
        killed = run(swap, env, kill=Kill(
            "swap: mid-build", "START sql visitor_incremental model "
            "intermediate.int_funnel_chain"))
        after_kill = file_digest(served)
        time.sleep(1.0)  # reads of the served file after the kill
        swapped = run(swap, env).check()
        done = time.time()
        deadline = done + 30  # a few reads of the new served file
        while (sum(r["started"] > done for r in reader.records()) < 3
               and time.time() < deadline):
            time.sleep(0.1)
    finally:
        reads = reader.stop()
    return {"served": served, "old_digest": old_digest, "failed": failed,
            "after_failure": after_failure, "killed": killed,
            "after_kill": after_kill, "swapped": swapped, "reads": reads,
            "leftovers": sorted(p.name for p in folder.iterdir())}


# ------------------------------------------------------------------ fixture

def _reference(project, files, work: Path):
    """A clean full refresh of `files` into a new file (data tests left to
    the other builds)."""
    raw = raw_dir_with(work / "raw", files)
    db = work / "ref.duckdb"
    dbt(project, ["build", "--full-refresh", "--exclude-resource-type", "test",
         "unit_test"], work, db, raw).check()
    return db, raw


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    """Everything of this module, three builds at a time (a dbt build keeps
    a core about two-thirds busy): the references and the first chain,
    then the other chains, then the swaps."""
    base = tmp_path_factory.mktemp("faults")
    project = private_project(base / "project")
    files = split_sample(base / "files")
    chains = [Chain(f, i, with_reader=(n == 1))
              for n, (f, i) in enumerate(zip(FULL_KILLS, INCREMENTAL_KILLS))]
    with ThreadPoolExecutor(3) as pool:
        ref12 = pool.submit(_reference, project, files[:2], base / "ref12")
        ref123 = pool.submit(_reference, project, files, base / "ref123")
        futures = [pool.submit(run_chain, project, chain, files,
                               base / f"chain{n}")
                   for n, chain in enumerate(chains)]
        swaps = pool.submit(lambda: run_swaps(project, files, base / "swap",
                                              *ref12.result()))
        (ref12_db, _), (ref123_db, _) = ref12.result(), ref123.result()
        old, new = fingerprint(ref12_db), fingerprint(ref123_db)
        chains = [f.result() for f in futures]
        swaps = swaps.result()
    return {"ref12": snapshot(ref12_db), "ref123": snapshot(ref123_db),
            "old": old, "new": new, "chains": chains, "swaps": swaps}


def assert_same_tables(got, expected, label):
    assert sorted(got) == sorted(expected), (label, set(got) ^ set(expected))
    for name in expected:
        diff = set(got[name]) ^ set(expected[name])
        assert got[name] == expected[name], (
            label, name, len(got[name]), len(expected[name]),
            sorted(diff, key=str)[:4])


# -------------------------------------------------------------------- tests

def test_the_reference_builds_differ(faults):
    """f3 changes the marts, so old and new are told apart."""
    assert faults["old"] != faults["new"]
    assert set(faults["old"]) >= served_tables() - HISTORY_TABLES
    [(raw12, *_)] = faults["ref12"]["audit.event_reconciliation"]
    [(raw123, *_)] = faults["ref123"]["audit.event_reconciliation"]
    assert raw12 < raw123 == 2978


@pytest.mark.parametrize("n", range(len(FULL_KILLS)))
def test_killed_full_build_then_rerun_equals_full_refresh(faults, n):
    chain = faults["chains"][n]
    result = chain.results["full"]
    assert_same_tables(result["snapshot"], faults["ref12"],
                       chain.full_kill.label)


@pytest.mark.parametrize("n", range(len(INCREMENTAL_KILLS)))
def test_killed_incremental_build_then_rerun_equals_full_refresh(faults, n):
    chain = faults["chains"][n]
    result = chain.results["incremental"]
    assert_same_tables(result["snapshot"], faults["ref123"],
                       chain.incremental_kill.label)


def test_reader_during_direct_build_gets_lock_error_never_partial_data(faults):
    """The reader of chain 1 read from the moment its incremental build
    started its first model until the build was killed (during the
    classification rewrite). While dbt holds the file every read-only open
    fails with DuckDB's lock error, `IO Error: Could not set lock on file
    "<path>": Conflicting lock is held in <dbt's python> (PID <dbt's pid>).
    See also https://duckdb.org/docs/current/connect/concurrency`: no read
    ever gets in to see partial data."""
    chain = faults["chains"][1]
    killed = chain.results["incremental"]["killed"]
    reads = [r for r in chain.results["incremental"]["reads"]
             if r["started"] < killed.killed_at
             and r.get("connected", 0) < killed.killed_at]
    assert len(reads) >= 3, reads
    for r in reads:
        assert "fingerprint" not in r, "a read got in while dbt wrote the file"
        match = LOCK_ERROR.search(r["error"])
        assert match and "lock" in r["error"].lower(), r["error"]
        assert r["error"].startswith("IOException: IO Error: Could not set "
                                     "lock on file"), r["error"]
        assert match["pid"] == str(killed.pid), r["error"]
        assert Path(match["path"]).name == "chain.duckdb", r["error"]


def test_swap_readers_only_see_complete_databases(faults):
    swaps = faults["swaps"]
    reads = swaps["reads"]
    assert len(reads) >= 20
    errors = [r["error"] for r in reads if "error" in r]
    assert errors == [], errors[:3]
    expected_tables = served_tables() - HISTORY_TABLES
    seen = []
    for r in reads:
        fp = r["fingerprint"]
        assert expected_tables <= set(fp), expected_tables - set(fp)
        assert fp in (faults["old"], faults["new"]), sorted(
            name for name in fp
            if fp[name] not in (faults["old"].get(name), faults["new"].get(name)))
        label = "old" if fp == faults["old"] else "new"
        if not seen or seen[-1] != label:
            seen.append(label)
    assert seen == ["old", "new"], seen


def test_killed_swap_leaves_the_served_file_untouched(faults):
    swaps = faults["swaps"]
    assert swaps["killed"].returncode == -signal.SIGKILL
    assert swaps["after_kill"] == swaps["old_digest"]
    # the completed run replaced it with the new build, and cleaned up
    assert fingerprint(swaps["served"]) == faults["new"]
    assert "now serves the new build" in swaps["swapped"].output
    name = swaps["served"].name
    assert f"{name}.wal" not in swaps["leftovers"]
    assert f"{name}.next" not in swaps["leftovers"]
    assert f"{name}.next.wal" not in swaps["leftovers"]


def test_failed_swap_exits_non_zero_and_keeps_the_served_file(faults):
    """A build that fails (no raw file) leaves the served file as it was."""
    failed = faults["swaps"]["failed"]
    assert failed.returncode != 0
    assert "matches no file" in failed.output
    assert "untouched" in failed.output
    assert faults["swaps"]["after_failure"] == faults["swaps"]["old_digest"]


@pytest.mark.parametrize("name", ["it's.duckdb", 'say "cheese".duckdb'])
def test_swap_refuses_a_file_name_with_quotes(tmp_path, name):
    """dbt-duckdb names the database after the file and does not quote it:
    the script stops before copying anything (quotes in folders are fine,
    as the swaps above show)."""
    served = tmp_path / name
    served.write_bytes(b"not touched")
    env = faults_env(PROJECT_DIR, tmp_path, served, tmp_path / "*.csv")
    refused = run(["bash", str(PROJECT_DIR / "scripts" / "build_and_swap.sh")],
                  env)
    assert refused.returncode == 2
    assert "must not contain a quote" in refused.output
    assert served.read_bytes() == b"not touched"
    assert not Path(f"{served}.next").exists()


if __name__ == "__main__" and sys.argv[1:2] == ["reader"]:
    reader_main(*sys.argv[2:6])
