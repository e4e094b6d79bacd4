#!/usr/bin/env python
"""Benchmark: the dbt build against hand-written DuckDB SQL and ClickHouse's
windowFunnel (chdb), on generated raw events; and the figures of the targets
of the issue "a build that costs what the engine costs".

    .venv/bin/python benchmarks/run_benchmark.py --events 1000000 [--seed 1]
        [--workdir DIR] [--keep] [--json PATH] [--skip-funnel-options]
        [--funnel-options-repeats N]

In one run, in a work folder (a new temporary folder unless --workdir),
every dbt build runs in a copy of the project whose definitions are the
shipped sample funnel alone with no option set (plus the standalone goals),
the rule benchmarks/handwritten.sql writes:

a. generate: scripts/generate_events.py --events N --seed S --days 90
   --extra-days 1 writes one Parquet file per delivery day into raw/; the
   extra (91st) day's file is moved aside;
b. dbt full build: the production build, `.venv/bin/dbt build --full-refresh
   --exclude-resource-type unit_test` from the project folder (seeds,
   models, data tests; unit tests are not part of a production build),
   DUCKDB_PATH=<work>/dbt.duckdb, RAW_EVENTS_PATH='<work>/raw/*.parquet',
   the profile's default settings (every env_var() of profiles.yml unset:
   memory_limit 4GB, 2 threads), dbt's target folder <work>/dbt_target (so
   the project is parsed from scratch);
c. dbt incremental build: the extra day's file is put back, `dbt build
   --exclude-resource-type unit_test` on the same database;
   then (untimed) the database size: the DuckDB file is opened in a child
   process, CHECKPOINTed (the WAL folded in) and closed, and its size is
   set against the total size of the 91 Parquet files;
d. no new file: the same `dbt build --exclude-resource-type unit_test`
   again right away, on the same database and files (nothing new to load);
e. empty input: a fresh folder <work>/empty (its own database, target and
   spill folders: a first build, parsed from scratch like b) whose raw
   folder holds one Parquet file of the nine raw columns, all strings, and
   no rows; `dbt build --full-refresh --exclude-resource-type unit_test`;
   then the same again on a new database file with the parse cached;
f. hand-written SQL: benchmarks/handwritten.sql on all files (the extra day
   included) into a fresh DuckDB file, in a child process, with the threads
   and memory_limit (and the other settings) of the profile's defaults;
g. chdb windowFunnel: the counted (deduplicated, human) funnel step events
   (written by an untimed run of the hand-written SQL) loaded into chdb, one
   windowFunnel per funnel giving every visitor's level;
h. checks (untimed): the dbt marts and audit tables after the incremental
   builds (c, then d) equal the hand-written ones row for row (rates within
   1e-9); only marts and audit tables are read, never a staging,
   intermediate or platform table; windowFunnel agrees with the
   hand-written per-visitor levels except on the documented edge (SPEC
   section 3: a repeated step sharing its timestamp with the next step,
   where ClickHouse is lower), and the funnel counts agree once those
   visitors are taken from SPEC;
i. funnel options (unless --skip-funnel-options), on the same database: the
   sample funnel "purchase" in three variants, each with its own seeds
   (funnels.csv, goals.csv, funnel_exclusions.csv) written into a copy of the
   project (the project's seeds are never touched), reduced to that funnel
   and the standalone goals: plain (no option, no exclusion); all
   options (order_mode strict, count_within session, hold_constant
   FUNNEL_OPTIONS_HOLD_CONSTANT, max_hours_from_previous_step on steps 2-4,
   one exclusion between steps 3 and 4); any_order (with count_within
   session and the same hold_constant; its pass reads neither gaps nor
   exclusions). Per variant: untimed, `dbt build --exclude-resource-type
   unit_test` of everything upstream of the funnel models (the seeds, whole,
   and their checks; staging, which rebuilds in full when the held keys
   change; int_goals and the goal matching); timed, `dbt build
   --full-refresh --exclude-resource-type unit_test -s` FUNNEL_MODELS (the
   goal matching, the funnel models, their marts and their tests: each
   variant rebuilds them in full, as a change of definitions does).
   Reported: wall and CPU time, ratio to plain, int_funnel_chain's node
   time (run_results.json) and its ratio, every model's node time, the
   visitors reached at each step (marts.fct_funnel_steps, all cohorts), and
   the untimed staging rebuild; checked: all options reach no more visitors
   than plain at any step.
   --funnel-options-repeats N runs the variants in turn N times (medians);
j. prints the machine, a table (wall time, CPU time, events per second,
   peak memory of each timed step), the ratios, where dbt's time goes
   (from run_results.json of the full and the no-new-file builds: the 8
   slowest nodes, model and test node time, wall time against node time),
   the checks and a "Targets" table (figure, limit, met):
     dbt full / hand-written         <= 3 below 50M events, <= 2 from 50M
     peak memory of the full build   <= 4 GiB from 50M events (shown always)
     dbt incremental / dbt full      <= 0.10
     no new file / dbt full          <= 0.05
     empty input                     <= 8 s
     database size / Parquet size    <= 2
     funnel, all options / plain     <= 1.5 (wall time of the timed build)
   --json writes every figure (steps, ratios, node times, sizes, targets,
   funnel_options).

Peak memory is the peak resident size of the whole process tree of a step
(the child and all its descendants), sampled from /proc every 50 ms (and at
least the child's own maximum from wait4). Exit status 0 when every step
(the funnel variants too) ran, the database size was measured and every
check passed, 1 otherwise; the targets are reported, met or not, and do not
change the exit status.

Each dbt invocation's run_results.json (and perf_info.json) is copied to
<work>/logs/ as run_results.<step>.json. The work folder is deleted at the
end unless --keep (a given --workdir must be new or empty).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The project the dbt builds run in: a copy in the work folder whose
# definitions are the shipped sample funnel alone, with no option (set in
# main: benchmark_project), so that the hand-written SQL, which writes
# SPEC section 3's plain rule, computes the same marts whatever options the
# shipped seeds use.
BENCH_PROJECT = PROJECT_DIR
BENCH_DIR = Path(__file__).resolve().parent
HANDWRITTEN_SQL = BENCH_DIR / "handwritten.sql"
DEFAULT_GENERATOR = PROJECT_DIR / "scripts" / "generate_events.py"
DAYS = 90
RATE_TOLERANCE = 1e-9
SAMPLE_SECONDS = 0.05

# The production build: seeds, models and data tests, not the unit tests
# (they test the SQL of the models on fixed inputs, not the data).
DBT_FULL_ARGS = ["build", "--full-refresh", "--exclude-resource-type", "unit_test"]
DBT_INCREMENTAL_ARGS = ["build", "--exclude-resource-type", "unit_test"]
# The nine raw columns (SPEC), in order; the empty input has them all as
# strings.
RAW_COLUMNS = ["event_id", "visitor_id", "session_id", "event_name",
               "occurred_at", "page_url", "referrer_url", "user_agent",
               "properties"]
SLOWEST_NODES = 8
LARGE_EVENTS = 50_000_000  # from here on the large-data limits apply
GIB = 2**30

# Funnel options (issue 17, SPEC section 5): the sample funnel plain and with
# options, same four steps. The option funnels hold this property key
# constant ("" leaves hold_constant empty; the generator writes item_id on
# the funnel's events).
FUNNEL_OPTIONS_HOLD_CONSTANT = "item_id"
FUNNEL_OPTIONS_FUNNEL = "purchase"
# max_hours_from_previous_step of the option funnel, by step_order
FUNNEL_OPTIONS_GAP_HOURS = {2: 24, 3: 24, 4: 2}
# its one exclusion: back on a product page between checkout and purchase
FUNNEL_OPTIONS_EXCLUSION = {
    "event_name": "page_view", "page_path_pattern": "/products/%",
    "from_step": 3, "to_step": 4,
    "description": "Back on a product page between checkout and purchase."}
# The timed build: the funnel models, their marts and their tests, from the
# goal matching on (int_goal_events_matched reads the held key's value).
# Not staging: stg_events__classified keeps the held keys' values, and
# rebuilds in full (untimed, before) when they change.
FUNNEL_MODELS = ["int_goals", "int_goal_events_matched", "int_funnel_chain",
                 "int_funnel_visitor_reach",
                 "int_funnel_entries", "int_funnel_visitor_steps",
                 "fct_funnel_steps", "fct_funnel_step_timing",
                 "fct_funnel_steps_by_segment", "fct_funnel_diagnosis"]
FUNNEL_OPTIONS_LIMIT = 1.5  # issue 17: every option on / plain
STAGING_MODEL = "stg_events__classified"

MARTS = {
    # table: grain (the key compared on)
    "marts.fct_funnel_steps": ["funnel_id", "cohort_date", "step_order"],
    "marts.fct_goal_conversion_rates": ["period_grain", "period_start", "goal_id"],
    "marts.fct_macro_conversion_rates": ["period_grain", "period_start", "goal_id"],
    "marts.dim_goals": ["goal_id"],
    "audit.event_reconciliation": [],
    "audit.rejected_events": None,  # no key: compared as a multiset of rows
}

# --------------------------------------------------------------- children

# The hand-written SQL in a child process: settings as the dbt profile sets
# them (SET after connecting, as dbt-duckdb does), then the whole script;
# optional statements after it (not timed) export what the chdb check needs.
HANDWRITTEN_CHILD = r"""
import json, sys, time
import duckdb
db, sql_path, settings, after = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4:]
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")  # output only, not timed work
for name, value in settings.items():
    con.execute(f"SET {name} = '" + str(value).replace("'", "''") + "'")
started = time.perf_counter()
con.execute(open(sql_path).read())
seconds = time.perf_counter() - started
for statement in after:
    con.execute(statement)
con.close()
print(json.dumps({"sql_seconds": seconds}))
"""

# windowFunnel over the counted step events, one query per funnel. This chdb
# (ClickHouse 26.x) rejects DateTime64 as the timestamp argument, so the
# time goes in as microseconds (UInt64) and the window in microseconds.
CHDB_CHILD = r"""
import json, sys, time
import chdb
import pyarrow as pa
import pyarrow.parquet as pq
events, out, funnels, threads = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
def text(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
started = time.perf_counter()
tables = []
for f in funnels:
    conds = ", ".join(f"step_order = {k}" for k in range(1, f["steps"] + 1))
    sql = f'''
        SELECT
            funnel_id,
            visitor_id,
            windowFunnel({f["window_us"]}, 'strict_increase')(
                toUInt64(toUnixTimestamp64Micro(ts)), {conds}) AS level,
            toDate(minIf(ts, step_order = 1), 'UTC') AS cohort_date
        FROM file({text(events)}, Parquet)
        WHERE funnel_id = {text(f["funnel_id"])}
        GROUP BY funnel_id, visitor_id
        HAVING countIf(step_order = 1) > 0
        SETTINGS max_threads = {threads}
    '''
    tables.append(chdb.query(sql, "ArrowTable"))
table = pa.concat_tables(tables) if tables else pa.table({})
pq.write_table(table, out)
print(json.dumps({"query_seconds": time.perf_counter() - started, "visitors": table.num_rows}))
"""


# The database size: open the dbt database, CHECKPOINT (the WAL is folded
# into the file), close; the parent measures the file afterwards.
CHECKPOINT_CHILD = r"""
import sys
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CHECKPOINT")
con.close()
"""


# ------------------------------------------------------- process sampling

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _tree_rss(root: int, page: int) -> int:
    children = _children_map()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(pid, ()))
    return total


class TreeSampler(threading.Thread):
    """Peak summed RSS of a process and its descendants, every 50 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0
        self._stop_event = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def run(self):
        while not self._stop_event.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid, self._page))
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self):
        self._stop_event.set()
        self.join()


@dataclass
class Step:
    name: str
    events: int = 0
    events_label: str = ""
    wall_s: float | None = None
    cpu_s: float | None = None
    peak_rss_bytes: int | None = None
    exit_code: int | None = None
    log: str = ""
    load_before: float | None = None
    detail: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def events_per_s(self) -> float | None:
        if self.wall_s and self.events:
            return self.events / self.wall_s
        return None


def run_timed(step: Step, cmd: list[str], *, env=None, cwd=None,
              log_path: Path) -> Step:
    """Run `cmd` with stdout and stderr into log_path; fill in wall time,
    CPU time (the child and its waited-for descendants), peak tree RSS."""
    step.log = str(log_path)
    step.load_before = os.getloadavg()[0]
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        step.wall_s = time.perf_counter() - started
        sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)
    step.exit_code = proc.returncode
    step.cpu_s = usage.ru_utime + usage.ru_stime
    step.peak_rss_bytes = max(sampler.peak, usage.ru_maxrss * 1024)
    return step


def tail(path, lines=40) -> str:
    try:
        return "".join(Path(path).read_text(errors="replace")
                       .splitlines(keepends=True)[-lines:])
    except OSError:
        return ""


# ------------------------------------------------------------ environment

def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for dist in ("duckdb", "chdb", "dbt-core", "dbt-duckdb", "pyarrow"):
        try:
            from importlib.metadata import version
            versions[dist] = version(dist)
        except Exception:  # noqa: BLE001 - informative only
            versions[dist] = None
    return {"cpu_model": model, "cores": os.cpu_count(), "ram_bytes": ram,
            "load_average": os.getloadavg()[0], "versions": versions,
            "platform": platform.platform()}


_ENV_VAR = re.compile(r"env_var\(\s*['\"]([^'\"]+)['\"]\s*(?:,\s*['\"]([^'\"]*)['\"])?\s*\)")


def profile_defaults(profiles_dir: Path = PROJECT_DIR) -> dict:
    """The DuckDB settings and dbt threads of profiles.yml, every env_var()
    at its default (what a user gets with no variable set). DuckDB options
    given as config_options (set when connecting) count as settings too."""
    import yaml

    text = (Path(profiles_dir) / "profiles.yml").read_text()
    profiles = yaml.safe_load(text)
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    profile = profiles[project.get("profile", "conversions")]

    def resolve(value):
        if isinstance(value, str):
            m = _ENV_VAR.search(value)
            if m:
                value = m.group(2) or ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    target = resolve(profile.get("target", "duckdb"))
    output = profile["outputs"][target]
    settings = {k: resolve(v) for k, v in (output.get("config_options") or {}).items()}
    settings.update({k: resolve(v) for k, v in (output.get("settings") or {}).items()})
    return {
        "profiles_dir": str(profiles_dir),
        "target": target,
        "settings": settings,
        "dbt_threads": resolve(output.get("threads", 1)),
        "env_vars": sorted({m.group(1) for m in _ENV_VAR.finditer(text)}),
    }


def dbt_env(work: Path, raw_glob: str, profile: dict) -> dict:
    env = dict(os.environ)
    for name in profile["env_vars"]:  # every setting at its default ...
        env.pop(name, None)
    env.update({  # ... but these, which say where things go
        "DUCKDB_PATH": str(work / "dbt.duckdb"),
        "RAW_EVENTS_PATH": raw_glob,
        "DUCKDB_TEMP_DIRECTORY": str(work / "dbt_duckdb_tmp"),
        "DBT_PROFILES_DIR": profile["profiles_dir"],
        "DBT_TARGET_PATH": str(work / "dbt_target"),
        "DBT_LOG_PATH": str(work / "dbt_logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    })
    return env


def dbt_bin() -> str:
    candidate = PROJECT_DIR / ".venv" / "bin" / "dbt"
    if candidate.exists():
        return str(candidate)
    return str(Path(sys.executable).with_name("dbt"))


def run_dbt(step: Step, args: list[str], env: dict, log_path: Path,
            keep_as: Path, threads: int, cwd: Path | None = None) -> Step:
    """Time `dbt <args>` from the project folder (BENCH_PROJECT unless
    `cwd`; as run_timed); keep the
    invocation's run_results.json as `keep_as` and summarise from it where
    the time went (step.detail['nodes'])."""
    results = Path(env["DBT_TARGET_PATH"]) / "run_results.json"
    results.unlink(missing_ok=True)  # never read an earlier invocation's
    run_timed(step, [dbt_bin(), *args], env=env, cwd=cwd or BENCH_PROJECT,
              log_path=log_path)
    step.detail["command"] = "dbt " + " ".join(args)
    step.detail["summary"] = dbt_summary(step.log)
    if results.exists():
        shutil.copy2(results, keep_as)
        step.detail["run_results"] = str(keep_as)
        try:
            step.detail["nodes"] = node_times(keep_as, step.wall_s, threads)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            step.detail["nodes"] = {"error": f"run_results.json unreadable: {e}"}
    return step


def _instant(text):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def node_times(run_results: Path, wall_s: float | None, threads: int,
               slowest: int = SLOWEST_NODES) -> dict:
    """Where a dbt invocation's time went, from its run_results.json: node
    execution times by resource type (model, test, seed, ...), the slowest
    nodes, and the wall time cut at dbt's own instants (invocation start,
    first node start, last node end, results written)."""
    data = json.loads(Path(run_results).read_text())
    meta = data.get("metadata") or {}
    nodes, starts, ends = [], [], []
    for r in data.get("results") or []:
        uid = r.get("unique_id") or ""
        parts = uid.split(".")
        nodes.append({
            "name": parts[2] if len(parts) > 2 else uid,
            "type": parts[0],
            "status": str(r.get("status")),
            "seconds": float(r.get("execution_time") or 0.0),
        })
        for t in r.get("timing") or []:
            if t.get("started_at"):
                starts.append(_instant(t["started_at"]))
            if t.get("completed_at"):
                ends.append(_instant(t["completed_at"]))
    by_type: dict[str, dict] = {}
    for n in nodes:
        entry = by_type.setdefault(n["type"], {"nodes": 0, "seconds": 0.0})
        entry["nodes"] += 1
        entry["seconds"] += n["seconds"]
    node_seconds = sum(n["seconds"] for n in nodes)
    report = {
        "nodes": len(nodes),
        "threads": threads,
        "node_seconds": node_seconds,
        "by_type": dict(sorted(by_type.items(), key=lambda kv: -kv[1]["seconds"])),
        "slowest": sorted(nodes, key=lambda n: -n["seconds"])[:slowest],
        "dbt_elapsed_s": data.get("elapsed_time"),
        "wall_s": wall_s,
        "overhead_s": (None if wall_s is None
                       else wall_s - node_seconds / max(threads, 1)),
    }
    began = _instant(meta.get("invocation_started_at"))
    written = _instant(meta.get("generated_at"))
    if began and written:
        report["invocation_s"] = (written - began).total_seconds()
        if wall_s is not None:
            report["outside_invocation_s"] = wall_s - report["invocation_s"]
        if starts and ends:
            report["before_first_node_s"] = (min(starts) - began).total_seconds()
            report["node_phase_s"] = (max(ends) - min(starts)).total_seconds()
            report["after_last_node_s"] = (written - max(ends)).total_seconds()
    return report


def database_size(db: Path, parquet_files: list[Path], log_path: Path) -> dict:
    """The dbt database's size once CHECKPOINTed in a child process (the WAL
    folded in), against the total size of the Parquet input files."""
    wal = Path(str(db) + ".wal")

    def size(path):
        return path.stat().st_size if path.exists() else 0

    out = {"db_path": str(db),
           "db_bytes_before_checkpoint": size(db),
           "wal_bytes_before_checkpoint": size(wal),
           "parquet_files": len(parquet_files),
           "parquet_bytes": sum(size(f) for f in parquet_files)}
    with open(log_path, "wb") as log:
        proc = subprocess.run([sys.executable, "-c", CHECKPOINT_CHILD, str(db)],
                              stdout=log, stderr=subprocess.STDOUT)
    out["exit_code"] = proc.returncode
    out["log"] = str(log_path)
    out["ok"] = proc.returncode == 0 and db.exists() and out["parquet_bytes"] > 0
    if out["ok"]:
        out["db_bytes"] = size(db)
        out["wal_bytes"] = size(wal)
        out["ratio"] = (out["db_bytes"] + out["wal_bytes"]) / out["parquet_bytes"]
    return out


def write_empty_input(path: Path) -> Path:
    """One Parquet file of the nine raw columns, all strings, no rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({c: pa.array([], pa.string()) for c in RAW_COLUMNS}),
                   path)
    return path


def target_rows(events: int, by_name: dict, ratios: dict, size: dict,
                funnel_options: dict | None = None) -> list[dict]:
    """The targets of the issue: figure, limit, met (None: not measured, or
    the limit does not apply at this size)."""
    large = events >= LARGE_EVENTS
    full = by_name.get("dbt full build")
    empty = by_name.get("dbt empty input")
    rows = []

    def add(target, value, limit, unit, applies=True, note=""):
        would = None if value is None else value <= limit
        rows.append({"target": target, "value": value, "limit": limit,
                     "unit": unit, "applies": applies, "note": note,
                     "met": would if applies else None, "would_meet": would})

    add("dbt full / hand-written", ratios.get("dbt full / hand-written"),
        2.0 if large else 3.0, "x",
        note=("from 50M events" if large else "below 50M events"))
    add("peak memory, full build",
        full.peak_rss_bytes / GIB if full and full.ok and full.peak_rss_bytes else None,
        4.0, "GiB", applies=large, note="from 50M events")
    add("dbt incremental / dbt full", ratios.get("dbt incremental / dbt full"),
        0.10, "x")
    add("no new file / dbt full", ratios.get("dbt no new file / dbt full"),
        0.05, "x")
    add("empty input (parsed from scratch)",
        empty.wall_s if empty and empty.ok else None, 8.0, "s")
    cached = by_name.get("dbt empty input, parse cached")
    add("empty input (parse cached)",
        cached.wall_s if cached and cached.ok else None, 8.0, "s")
    add("database size / Parquet size", size.get("ratio"), 2.0, "x")
    held = (funnel_options or {}).get("hold_constant")
    add("funnel, all options / plain", ratios.get("funnel all options / plain"),
        FUNNEL_OPTIONS_LIMIT, "x",
        note="" if held or not (funnel_options or {}).get("variants")
        else "hold_constant not set")
    return rows


# ------------------------------------------------------- hand-written SQL

def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def time_kind(raw_glob: str) -> str:
    """'text', 'timestamp' or 'timestamp_ns': how the files store occurred_at
    (the type DuckDB unifies them to, as the project's reader decides)."""
    import duckdb

    con = duckdb.connect()
    try:
        kind = con.execute(
            "describe select occurred_at from read_parquet(?, union_by_name = true)",
            [raw_glob]).fetchall()[0][1]
    finally:
        con.close()
    if kind == "VARCHAR":
        return "text"
    if kind.startswith("TIMESTAMP"):
        return "timestamp_ns" if kind.endswith("_NS") else "timestamp"
    raise SystemExit(f"occurred_at is {kind}: not a timestamp or a string")


def render_handwritten(raw_glob: str, kind: str) -> str:
    if kind == "text":
        parts = {
            "time_parts": "spec_time_parts(occurred_at)",
            "time_value": "spec_time_from_parts(time_parts)",
            "time_text": "occurred_at",
            "time_tie_break": "occurred_at_text nulls last,",
        }
    else:
        value = ("make_timestamp((epoch_ns(occurred_at) - ((epoch_ns(occurred_at)"
                 " % 1000) + 1000) % 1000) // 1000)" if kind == "timestamp_ns"
                 else "make_timestamp(epoch_us(occurred_at))")
        parts = {
            "time_parts": "null",
            "time_value": value,
            "time_text": f"strftime({value}, '%Y-%m-%dT%H:%M:%S.%fZ')",
            "time_tie_break": "",
        }
    parts["raw_path"] = sql_literal(raw_glob)
    parts["seeds_dir"] = str(BENCH_PROJECT / "seeds").replace("'", "''")
    sql = HANDWRITTEN_SQL.read_text()
    for name, value in parts.items():
        sql = sql.replace("{" + name + "}", value)
    return sql


def duckdb_settings(profile: dict, temp_dir: Path) -> dict:
    settings = dict(profile["settings"])
    settings["temp_directory"] = str(temp_dir)
    return settings


def handwritten_cmd(db: Path, sql_path: Path, settings: dict,
                    after: list[str] = ()) -> list[str]:
    return [sys.executable, "-c", HANDWRITTEN_CHILD, str(db), str(sql_path),
            json.dumps(settings), *after]


def run_handwritten(raw_glob: str, db: Path, work: Path, profile: dict,
                    log_path: Path, name="hand-written SQL") -> Step:
    """Render and run handwritten.sql into a fresh `db` (timed)."""
    sql_path = work / "handwritten.rendered.sql"
    sql_path.write_text(render_handwritten(raw_glob, time_kind(raw_glob)))
    if db.exists():
        db.unlink()
    step = Step(name)
    run_timed(step, handwritten_cmd(
        db, sql_path, duckdb_settings(profile, work / "hw_duckdb_tmp")),
        log_path=log_path)
    if step.ok:
        try:
            step.detail = json.loads(Path(log_path).read_text().strip().splitlines()[-1])
        except (ValueError, IndexError):
            pass
    return step


# ---------------------------------------------------------------- checks

def funnels_with_options() -> list[str]:
    """The funnels of the seeds that set a SPEC section 5 option the
    hand-written SQL does not implement (order_mode, count_within,
    hold_constant, a step's max_hours_from_previous_step): it counts them
    by section 3, so their funnel rows are not compared. (Exclusions are
    not implemented either; the generated data holds no event that the
    bundled one matches, and a funnel's rows would differ if it did.)"""
    import csv

    defaults = {"order_mode": "ordered", "count_within": "visitor",
                "hold_constant": ""}
    found = set()
    with open(PROJECT_DIR / "seeds" / "funnels.csv", newline="") as f:
        for r in csv.DictReader(f):
            if any((r.get(c) or "").strip() not in ("", d)
                   for c, d in defaults.items()):
                found.add(r["funnel_id"])
    with open(PROJECT_DIR / "seeds" / "goals.csv", newline="") as f:
        for r in csv.DictReader(f):
            if (r.get("max_hours_from_previous_step") or "").strip():
                found.add(r["funnel_id"])
    return sorted(found)


def compare_databases(dbt_db: Path, hw_db: Path, show: int = 5) -> dict:
    """Every mart and audit table of the hand-written database against the
    dbt one: same columns (the hand-written ones must exist in dbt's), the
    same rows (by grain; rates within RATE_TOLERANCE; rejected_events as a
    multiset), but the funnel rows of funnels_with_options(). Returns
    {table: {...}} plus 'ok'."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"attach {sql_literal(str(dbt_db))} as d (read_only)")
    con.execute(f"attach {sql_literal(str(hw_db))} as h (read_only)")
    skipped = funnels_with_options()
    report, ok = {}, True
    for table, key in MARTS.items():
        schema, name = table.split(".")
        src = {db: f"{db}.{table}" for db in ("d", "h")}
        if table == "marts.fct_funnel_steps" and skipped:
            listed = ", ".join(sql_literal(f) for f in skipped)
            src = {db: f"(select * from {db}.{table} where funnel_id not in ({listed}))"
                   for db in ("d", "h")}

        def columns(db):
            return con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = ? and schema_name = ? and table_name = ? "
                "order by column_index", [db, schema, name]).fetchall()

        d_cols, h_cols = columns("d"), columns("h")
        entry = {"rows_dbt": None, "rows_handwritten": None}
        if src["d"] != f"d.{table}":
            entry["funnels_not_compared"] = skipped
        report[table] = entry
        if not d_cols or not h_cols:
            entry["error"] = ("missing in the dbt database" if not d_cols
                              else "missing in the hand-written database")
            ok = False
            continue
        d_types = dict(d_cols)
        missing = [c for c, _ in h_cols if c not in d_types]
        if missing:
            entry["error"] = f"columns missing in the dbt table: {missing}"
            ok = False
            continue
        entry["extra_dbt_columns"] = [c for c, _ in d_cols if c not in dict(h_cols)]
        entry["type_differences"] = {
            c: [d_types[c], t] for c, t in h_cols if d_types[c] != t}
        cols = [c for c, _ in h_cols]
        collist = ", ".join(f'"{c}"' for c in cols)
        entry["rows_dbt"] = con.execute(f"select count(*) from {src['d']}").fetchone()[0]
        entry["rows_handwritten"] = con.execute(
            f"select count(*) from {src['h']}").fetchone()[0]
        if key is None or not key:
            only_d = con.execute(
                f"select {collist} from {src['d']} except all "
                f"select {collist} from {src['h']}").fetchall()
            only_h = con.execute(
                f"select {collist} from {src['h']} except all "
                f"select {collist} from {src['d']}").fetchall()
            entry["only_dbt"] = len(only_d)
            entry["only_handwritten"] = len(only_h)
            entry["examples"] = [
                {"only_dbt": [str(v) for v in r]} for r in only_d[:show]] + [
                {"only_handwritten": [str(v) for v in r]} for r in only_h[:show]]
            entry["ok"] = not only_d and not only_h
        else:
            keys = " and ".join(f'd."{k}" is not distinct from h."{k}"' for k in key)
            conds = []
            for c in cols:
                if c in key:
                    continue
                if d_types[c] in ("DOUBLE", "FLOAT", "REAL") or dict(h_cols)[c] in (
                        "DOUBLE", "FLOAT"):
                    conds.append(
                        f'not ((d."{c}" is null and h."{c}" is null) or '
                        f'abs(d."{c}" - h."{c}") <= {RATE_TOLERANCE})')
                else:
                    conds.append(f'd."{c}" is distinct from h."{c}"')
            differ = " or ".join(conds) or "false"
            keycols = ", ".join(f'coalesce(d."{k}", h."{k}")' for k in key)
            rows = con.execute(f"""
                select {keycols},
                    d."{key[0]}" is null as only_h, h."{key[0]}" is null as only_d
                from (select *, 1 as present from {src['d']}) as d
                full outer join (select *, 1 as present from {src['h']}) as h
                    on {keys}
                where d.present is null or h.present is null or ({differ})
            """).fetchall()
            dup = {}
            for db in ("d", "h"):
                klist = ", ".join(f'"{k}"' for k in key)
                dup[db] = con.execute(
                    f"select count(*) from (select {klist} from {src[db]} "
                    f"group by all having count(*) > 1)").fetchone()[0]
            entry["differing_rows"] = len(rows)
            entry["repeated_keys"] = {"dbt": dup["d"], "handwritten": dup["h"]}
            entry["examples"] = [[str(v) for v in r] for r in rows[:show]]
            entry["ok"] = not rows and not dup["d"] and not dup["h"]
        ok = ok and entry["ok"]
    con.close()
    report["ok"] = ok
    return report


def compare_funnel(work: Path, hw_db: Path, show: int = 5) -> dict:
    """chdb windowFunnel levels against the hand-written per-visitor levels
    (SPEC), allowing only the documented edge; then the funnel counts."""
    import duckdb

    chdb_dir = work / "chdb"
    con = duckdb.connect()
    con.execute(f"attach {sql_literal(str(hw_db))} as h (read_only)")
    ev = sql_literal(str(chdb_dir / "funnel_events.parquet"))
    spec = sql_literal(str(chdb_dir / "spec_levels.parquet"))
    ch = sql_literal(str(chdb_dir / "chdb_levels.parquet"))
    con.execute(f"""
        create temp table pairs as
        select
            coalesce(s.funnel_id, c.funnel_id) as funnel_id,
            coalesce(s.visitor_id, c.visitor_id) as visitor_id,
            s.steps_reached as spec_level, cast(c.level as integer) as chdb_level,
            s.cohort_date as spec_cohort, cast(c.cohort_date as date) as chdb_cohort
        from read_parquet({spec}) as s
        full outer join read_parquet({ch}) as c
            on s.funnel_id = c.funnel_id and s.visitor_id = c.visitor_id
    """)
    con.execute(f"""
        create temp table differing as
        select * from pairs
        where spec_level is not null and chdb_level is not null
            and spec_level <> chdb_level
    """)
    # the documented shape: a step k with at least two events, one of them
    # at the same instant as a step k+1 event
    con.execute(f"""
        create temp table shaped as
        with e as (
            select * from read_parquet({ev})
            where (funnel_id, visitor_id) in (select funnel_id, visitor_id from differing)
        ),
        repeated as (
            select funnel_id, visitor_id, step_order from e
            group by all having count(*) >= 2
        )
        select distinct a.funnel_id, a.visitor_id
        from e as a
        inner join e as b
            on a.funnel_id = b.funnel_id and a.visitor_id = b.visitor_id
            and b.step_order = a.step_order + 1 and a.ts = b.ts
        where (a.funnel_id, a.visitor_id, a.step_order) in (select * from repeated)
    """)
    result = {
        "visitors": con.execute("select count(*) from pairs").fetchone()[0],
        "only_spec": con.execute(
            "select count(*) from pairs where chdb_level is null").fetchone()[0],
        "only_chdb": con.execute(
            "select count(*) from pairs where spec_level is null").fetchone()[0],
        "cohort_differs": con.execute(
            "select count(*) from pairs where spec_cohort <> chdb_cohort").fetchone()[0],
        "level_differs": con.execute("select count(*) from differing").fetchone()[0],
    }
    undocumented = con.execute("""
        select funnel_id, visitor_id, spec_level, chdb_level from differing
        where not (chdb_level < spec_level
                   and (funnel_id, visitor_id) in (select * from shaped))
    """).fetchall()
    result["level_differs_documented"] = result["level_differs"] - len(undocumented)
    result["level_differs_undocumented"] = len(undocumented)
    result["undocumented_examples"] = [[str(v) for v in r] for r in undocumented[:show]]
    # counts per (funnel, cohort, step): chdb's levels, the differing
    # visitors' levels taken from SPEC, against the mart
    counts = """
        select funnel_id, cohort_date, step_order, count(*) as visitors
        from ({levels}) as l
        inner join (select distinct funnel_id, step_order from h.marts.fct_funnel_steps) as s
            using (funnel_id)
        where l.level >= s.step_order
        group by all
    """
    adjusted = """
        select funnel_id, visitor_id, chdb_cohort as cohort_date, chdb_level as level
        from pairs where chdb_level is not null
            and (funnel_id, visitor_id) not in (select funnel_id, visitor_id from differing)
        union all
        select funnel_id, visitor_id, spec_cohort, spec_level from differing
    """
    pure = """select funnel_id, visitor_id, chdb_cohort as cohort_date,
                     chdb_level as level from pairs where chdb_level is not null"""

    def cells_differing(levels_sql):
        return con.execute(f"""
            select count(*) from (
                select funnel_id, cohort_date, step_order, visitors_reached as n
                from h.marts.fct_funnel_steps where visitors_reached > 0
            ) as m
            full outer join ({counts.format(levels=levels_sql)}) as c
                using (funnel_id, cohort_date, step_order)
            where m.n is distinct from c.visitors
        """).fetchone()[0]

    result["count_cells_differing_adjusted"] = cells_differing(adjusted)
    result["count_cells_differing_raw_chdb"] = cells_differing(pure)
    result["ok"] = (result["only_spec"] == 0 and result["only_chdb"] == 0
                    and result["cohort_differs"] == 0
                    and not undocumented
                    and result["count_cells_differing_adjusted"] == 0
                    and result["visitors"] > 0)
    con.close()
    return result


# ---------------------------------------------------------------- output

def fmt_bytes(n) -> str:
    return "-" if n is None else f"{n / 2**20:,.0f}"


def fmt_num(x, digits=1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def print_report(info: dict, steps: list[Step], ratios: dict, checks: dict,
                 out=sys.stdout):
    m = info["machine"]
    ram = f"{m['ram_bytes'] / 2**30:.1f} GiB" if m["ram_bytes"] else "?"
    print(f"Machine: {m['cpu_model']}, {m['cores']} cores, {ram} RAM; "
          f"load average {m['load_average']:.2f} at start", file=out)
    v = m["versions"]
    print(f"Software: Python {v['python']}, duckdb {v['duckdb']}, chdb {v['chdb']}, "
          f"dbt-core {v['dbt-core']}, dbt-duckdb {v['dbt-duckdb']}", file=out)
    p = info["profile"]
    where = ("" if Path(p["profiles_dir"]) == PROJECT_DIR
             else f" of {p['profiles_dir']}/profiles.yml")
    print(f"Settings: DuckDB {json.dumps(p['settings'])}, dbt threads "
          f"{p['dbt_threads']} (profile defaults{where}; spill folders in the work "
          "folder)", file=out)
    r = info["rows"]
    print(f"Data: --events {info['events']} --seed {info['seed']}: "
          f"{r['first_days']:,} rows in {info['days']} daily files + "
          f"{r['extra_day']:,} in the extra day = {r['total']:,} rows "
          f"(occurred_at: {info.get('time_kind')})", file=out)
    print(file=out)
    header = (f"{'step':<22} {'events':>12} {'':<19} {'wall s':>8} {'cpu s':>8} "
              f"{'events/s':>12} {'peak MiB':>9}  status")
    print(header, file=out)
    print("-" * len(header), file=out)
    for s in steps:
        status = "ok" if s.ok else f"FAILED ({s.exit_code})"
        print(f"{s.name:<22} {s.events:>12,} {s.events_label:<19} "
              f"{fmt_num(s.wall_s, 2):>8} {fmt_num(s.cpu_s, 2):>8} "
              f"{fmt_num(s.events_per_s, 0):>12} {fmt_bytes(s.peak_rss_bytes):>9}  "
              f"{status}", file=out)
    inner = []
    for s in steps:
        for key in ("sql_seconds", "query_seconds"):
            if s.detail.get(key) is not None:
                inner.append(f"{s.name} {s.detail[key]:.2f} s")
    if inner:
        print("in the child process, without start-up: " + ", ".join(inner), file=out)
    for s in steps:
        if s.detail.get("summary"):
            print(f"{s.name}: {s.detail['summary']}", file=out)
    by_name = {s.name: s for s in steps}
    if ("dbt full build" in by_name and not by_name["dbt full build"].ok
            and "dbt incremental build" in by_name):
        print("note: the full build failed, so the incremental build finished "
              "its work: its time is not that of an incremental build", file=out)
    busy = [s for s in steps if s.load_before is not None
            and s.load_before > 0.5 * (m["cores"] or 1)]
    if busy:
        print(f"note: the machine was busy (1-minute load average up to "
              f"{max(s.load_before for s in busy):.1f} on {m['cores']} cores at the "
              "start of a step): wall times are inflated; cpu s less so", file=out)
    print(file=out)
    for name, value in ratios.items():
        print(f"ratio {name}: {fmt_num(value, 2)}", file=out)
    size = info.get("database_size")
    if size:
        if size.get("ok"):
            print(f"database size after the incremental build: "
                  f"{size['db_bytes'] / 2**20:,.1f} MiB (CHECKPOINTed; before: "
                  f"{size['db_bytes_before_checkpoint'] / 2**20:,.1f} MiB + WAL "
                  f"{size['wal_bytes_before_checkpoint'] / 2**20:,.1f} MiB) against "
                  f"{size['parquet_bytes'] / 2**20:,.1f} MiB in "
                  f"{size['parquet_files']} Parquet files: ratio {size['ratio']:.2f}",
                  file=out)
        else:
            print("database size: not measured ("
                  + (size.get("error") or f"CHECKPOINT exit {size.get('exit_code')}, "
                     f"log {size.get('log')}") + ")", file=out)
    for s in steps:
        if s.name in ("dbt full build", "dbt incremental build",
                      "dbt no new file"):
            print(file=out)
            print_where(s, out)
    brief = [s for s in steps if s.name in ("dbt empty input", "dbt empty input, parse cached")]
    if brief:
        print(file=out)
        for s in brief:
            print_where(s, out, nodes=False)
    print(file=out)
    agreement = checks.get("agreement")
    if agreement is not None:
        print(f"agreement: {'PASS' if agreement['ok'] else 'FAIL'} "
              "(dbt marts and audit tables after the incremental builds, +1 day "
              "then no new file, = hand-written, rates within 1e-9)", file=out)
        for table, e in agreement.items():
            if table == "ok":
                continue
            if "error" in e:
                print(f"  {table}: {e['error']}", file=out)
                continue
            diff = (e.get("differing_rows") if "differing_rows" in e
                    else e.get("only_dbt", 0) + e.get("only_handwritten", 0))
            line = (f"  {table}: {e['rows_dbt']:,} rows dbt, "
                    f"{e['rows_handwritten']:,} hand-written, {diff} differing")
            if e.get("type_differences"):
                line += f", types differ {e['type_differences']}"
            if e.get("extra_dbt_columns"):
                line += (f"; dbt's extra columns, not compared: "
                         + ", ".join(e["extra_dbt_columns"]))
            if e.get("funnels_not_compared"):
                line += ("; funnels with SPEC 5 options, which the hand-written "
                         "SQL does not implement, not compared: "
                         + ", ".join(e["funnels_not_compared"]))
            print(line, file=out)
            for ex in e.get("examples", [])[:3]:
                print(f"      e.g. {ex}", file=out)
    else:
        print("agreement: FAIL (not run: a step failed)", file=out)
    funnel = checks.get("funnel")
    if funnel is not None:
        print(f"windowFunnel check: {'PASS' if funnel['ok'] else 'FAIL'}: "
              f"{funnel['visitors']:,} funnel entrants, "
              f"{funnel['level_differs']} differ from SPEC levels "
              f"({funnel['level_differs_documented']} in the documented edge, "
              f"{funnel['level_differs_undocumented']} not), "
              f"{funnel['cohort_differs']} cohort dates differ, "
              f"{funnel['only_spec'] + funnel['only_chdb']} entrants on one side only; "
              f"funnel cells differing from the mart: "
              f"{funnel['count_cells_differing_raw_chdb']} with chdb's levels, "
              f"{funnel['count_cells_differing_adjusted']} with the documented "
              "visitors taken from SPEC", file=out)
        for ex in funnel.get("undocumented_examples", [])[:3]:
            print(f"      e.g. {ex}", file=out)
    else:
        print("windowFunnel check: FAIL (not run: a step failed)", file=out)
    if info.get("funnel_options"):
        print(file=out)
        if info["funnel_options"].get("error"):
            print(f"Funnel options: not run ({info['funnel_options']['error']})", file=out)
        else:
            print_funnel_options(info["funnel_options"], out)
    if info.get("targets"):
        print(file=out)
        print_targets(info["targets"], out)


def print_where(step: Step, out=sys.stdout, nodes=True):
    """Where a dbt step's time went (from its run_results.json); without
    `nodes`, only the wall time's parts and the node time summed."""
    n = step.detail.get("nodes")
    if not n or "error" in n:
        print(f"Where the time goes, {step.name}: "
              f"{(n or {}).get('error', 'no run_results.json')}", file=out)
        return
    print(f"Where the time goes, {step.name} ({step.detail.get('command')}; "
          f"run_results.json: {n['nodes']} nodes, {n['threads']} threads):", file=out)
    if n.get("node_phase_s") is not None:
        print(f"  wall {n['wall_s']:.2f} s = {n['outside_invocation_s']:.2f} s "
              f"before/after dbt's invocation (Python start-up, imports) + "
              f"{n['before_first_node_s']:.2f} s before the first node (parse, "
              f"connection, cache) + {n['node_phase_s']:.2f} s from the first "
              f"node's start to the last node's end + {n['after_last_node_s']:.2f} s "
              "after it (artifacts)", file=out)
    else:
        print(f"  wall {fmt_num(n['wall_s'], 2)} s", file=out)
    kinds = ", ".join(f"{kind} {v['seconds']:.2f} s in {v['nodes']}"
                      for kind, v in n["by_type"].items())
    print(f"  node execution time summed {n['node_seconds']:.2f} s ({kinds}); "
          f"/ {n['threads']} threads = {n['node_seconds'] / max(n['threads'], 1):.2f} s; "
          f"wall minus that = {fmt_num(n['overhead_s'], 2)} s (dbt's own overhead, "
          "roughly)", file=out)
    if not nodes:
        return
    print(f"  {len(n['slowest'])} slowest nodes:", file=out)
    for x in n["slowest"]:
        status = "" if x["status"] in ("success", "pass") else f"  ({x['status']})"
        print(f"    {x['seconds']:7.2f} s  {x['type']:<5}  {x['name']}{status}", file=out)


def print_targets(rows: list[dict], out=sys.stdout):
    """The targets table: figure, limit, met."""
    def figure(r):
        if r["value"] is None:
            return "-"
        if r["unit"] == "x":
            return f"{r['value']:.3f}" if r["value"] < 1 else f"{r['value']:.2f}"
        return f"{r['value']:.2f} {r['unit']}"

    def limit(r):
        number = f"{r['limit']:.2f}" if r["limit"] < 1 else f"{r['limit']:g}"
        text = f"<= {number}" + ("" if r["unit"] == "x" else f" {r['unit']}")
        return text + (f" ({r['note']})" if r["note"] else "")

    def met(r):
        if not r["applies"]:
            return f"n/a ({r['note']} only)"
        if r["met"] is None:
            return "no (not measured)"
        return "yes" if r["met"] else "no"

    width = max(len(r["target"]) for r in rows)
    lwidth = max(len(limit(r)) for r in rows)
    lines = [f"{r['target']:<{width}}  {figure(r):>10}  {limit(r):<{lwidth}}  {met(r)}"
             for r in rows]
    header = f"{'target':<{width}}  {'figure':>10}  {'limit':<{lwidth}}  met"
    print("Targets", file=out)
    print(header, file=out)
    print("-" * max(len(line) for line in [header, *lines]), file=out)
    for line in lines:
        print(line, file=out)
    applying = [r for r in rows if r["applies"]]
    print(f"targets met: {sum(1 for r in applying if r['met'])} of {len(applying)} "
          "that apply at this size (reported only: they do not change PASS/FAIL)",
          file=out)


# ------------------------------------------------------------------ main

def parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def funnel_definitions() -> list[dict]:
    import csv

    with open(BENCH_PROJECT / "seeds" / "funnels.csv", newline="") as f:
        funnels = {r["funnel_id"]: int(r["conversion_window_days"])
                   for r in csv.DictReader(f)}
    steps: dict[str, int] = {}
    with open(BENCH_PROJECT / "seeds" / "goals.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["funnel_id"]:
                steps[r["funnel_id"]] = max(steps.get(r["funnel_id"], 0),
                                            int(r["step_order"]))
    return [{"funnel_id": fid, "window_us": days * 86_400_000_000,
             "steps": steps.get(fid, 0)} for fid, days in funnels.items()
            if steps.get(fid)]


# ------------------------------------------------------- funnel options

def funnel_option_variants(hold_constant: str = FUNNEL_OPTIONS_HOLD_CONSTANT
                           ) -> list[dict]:
    """The variants of the sample funnel: name, what is set, and the seed
    changes (funnels.csv options, goals.csv max hours by step, exclusions).
    "any_order" has its own pass, which reads neither the gaps nor the
    exclusions, so it sets only the options that apply to it."""
    hold = hold_constant or ""
    held = (f"hold_constant {hold}" if hold
            else "hold_constant not set (FUNNEL_OPTIONS_HOLD_CONSTANT)")
    gaps = " / ".join(str(h) for h in FUNNEL_OPTIONS_GAP_HOURS.values())
    steps = " / ".join(str(k) for k in FUNNEL_OPTIONS_GAP_HOURS)
    x = FUNNEL_OPTIONS_EXCLUSION
    return [
        {"name": "plain", "funnel_options": {}, "gap_hours": {}, "exclusions": [],
         "label": "the shipped sample funnel with no option set (section 3)"},
        {"name": "all options",
         "funnel_options": {"order_mode": "strict", "count_within": "session",
                            "hold_constant": hold},
         "gap_hours": dict(FUNNEL_OPTIONS_GAP_HOURS),
         "exclusions": [{"funnel_id": FUNNEL_OPTIONS_FUNNEL, **x}],
         "label": (f"order_mode strict, count_within session, {held}, "
                   f"max_hours_from_previous_step {gaps} on steps {steps}, "
                   f"exclusion {x['event_name']} on {x['page_path_pattern']} "
                   f"between steps {x['from_step']} and {x['to_step']}")},
        {"name": "any_order",
         "funnel_options": {"order_mode": "any_order", "count_within": "session",
                            "hold_constant": hold},
         "gap_hours": {}, "exclusions": [],
         "label": f"order_mode any_order, count_within session, {held}"},
    ]


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    import csv

    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, fields: list[str], rows: list[dict]):
    import csv

    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_variant_seeds(seeds_dir: Path, variant: dict,
                        shipped: Path = PROJECT_DIR / "seeds") -> None:
    """The shipped definitions reduced to the sample funnel (and the
    standalone goals), with exactly the variant's options on it, into
    seeds_dir: whatever options the shipped seeds use (other funnels, an
    exclusion on the sample funnel), plain is section 3's plain funnel."""
    options = ("order_mode", "count_within", "hold_constant")
    fields, rows = _read_csv(shipped / "funnels.csv")
    fields += [name for name in options if name not in fields]
    rows = [r for r in rows if r["funnel_id"] == FUNNEL_OPTIONS_FUNNEL]
    for r in rows:
        r.update({name: "" for name in options})
        r.update(variant["funnel_options"])
    _write_csv(seeds_dir / "funnels.csv", fields, rows)

    fields, rows = _read_csv(shipped / "goals.csv")
    column = "max_hours_from_previous_step"
    if column not in fields:
        fields.append(column)
    rows = [r for r in rows
            if r["funnel_id"] in ("", FUNNEL_OPTIONS_FUNNEL)]
    for r in rows:
        step = int(r["step_order"]) if r["step_order"] else None
        r[column] = (str(variant["gap_hours"][step])
                     if step in variant["gap_hours"] else "")
    _write_csv(seeds_dir / "goals.csv", fields, rows)

    fields, _ = _read_csv(shipped / "funnel_exclusions.csv")
    rows = [{k: str(v) for k, v in x.items()} for x in variant["exclusions"]]
    _write_csv(seeds_dir / "funnel_exclusions.csv", fields, rows)


def _variant_failed(run: dict, build: str, log, what: str) -> None:
    """Record a funnel options variant's failed build and print its log's tail."""
    run["error"] = f"{build}: {dbt_error(log)}"
    print(f"funnel options, {what} (log {log}):\n{tail(log)}", file=sys.stderr)


def options_project(folder: Path) -> Path:
    """A copy of the project's definitions (dbt_project.yml, models, macros,
    tests, seeds) whose seeds the variants rewrite: the project's own seeds
    are never touched."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shutil.copy2(PROJECT_DIR / "dbt_project.yml", folder / "dbt_project.yml")
    for name in ("models", "macros", "tests", "seeds"):
        shutil.copytree(PROJECT_DIR / name, folder / name)
    return folder


def model_seconds(run_results: Path) -> dict:
    """Execution time of each model of a dbt invocation (versions as
    name.v1), from its run_results.json."""
    data = json.loads(Path(run_results).read_text())
    out = {}
    for r in data.get("results") or []:
        parts = (r.get("unique_id") or "").split(".")
        if parts[0] == "model" and len(parts) > 2:
            out[".".join(parts[2:])] = float(r.get("execution_time") or 0.0)
    return out


def funnel_step_totals(db: Path, funnel_id: str) -> list[int]:
    """Visitors reaching each step of the funnel, all cohorts together, from
    marts.fct_funnel_steps (step 1 first)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select step_order, sum(visitors_reached) from marts.fct_funnel_steps "
            "where funnel_id = ? group by step_order order by step_order",
            [funnel_id]).fetchall()
    finally:
        con.close()
    return [int(n) for _, n in rows]


def dbt_error(log_path: str) -> str:
    """The first error message of a dbt log (dbt's "... Error: ..." line),
    else its summary line."""
    for line in tail(log_path, 200).splitlines():
        m = re.search(r"\b[A-Z][A-Za-z ]*Error: .*", line)
        if m:
            return m.group(0).strip()
    return dbt_summary(log_path) or "failed"


def _median(values):
    import statistics

    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def run_funnel_options(work: Path, raw_glob: str, profile: dict, logs: Path,
                       threads: int, repeats: int = 1,
                       hold_constant: str = FUNNEL_OPTIONS_HOLD_CONSTANT) -> dict:
    """The sample funnel plain and with options, on the database of the
    steps before. Per variant and round: its seeds into a copy of the
    project, then, untimed, `dbt build` of everything upstream of the funnel
    models (the seeds and their checks; staging, which rebuilds when the
    held keys change; int_goals and the goal matching), then, timed, `dbt
    build --full-refresh` of FUNNEL_MODELS and their tests.
    Rounds run the variants in turn; the figures are the medians."""
    project = options_project(work / "funnel_options" / "project")
    env = dbt_env(work, raw_glob, profile)
    env["DBT_TARGET_PATH"] = str(work / "funnel_options" / "target")
    # before: everything upstream of the funnel models and all that the
    # variant changes there (seeds, held values, goal matching), so the
    # models the timed build does not select read the variant's definitions
    rest = [m for m in FUNNEL_MODELS
            if m not in ("int_goals", "int_goal_events_matched")]
    prep_args = ["build", "--exclude-resource-type", "unit_test",
                 "--select", *[f"+{m}" for m in FUNNEL_MODELS], "--exclude", *rest]
    timed_args = ["build", "--full-refresh", "--exclude-resource-type", "unit_test",
                  "--select", *FUNNEL_MODELS]
    variants = funnel_option_variants(hold_constant)
    block = {"funnel_id": FUNNEL_OPTIONS_FUNNEL, "hold_constant": hold_constant or None,
             "models": FUNNEL_MODELS, "repeats": repeats,
             "prepare_command": "dbt " + " ".join(prep_args),
             "timed_command": "dbt " + " ".join(timed_args),
             "variants": [{**variant, "runs": []} for variant in variants]}
    ok = True
    for rnd in range(repeats):
        for variant in block["variants"]:
            tag = variant["name"].replace(" ", "_") + f".{rnd + 1}"
            run = {"round": rnd + 1}
            variant["runs"].append(run)
            write_variant_seeds(project / "seeds", variant)
            prep = Step(f"prepare {variant['name']}")
            prep_results = logs / f"run_results.funnel_options.prepare.{tag}.json"
            run_dbt(prep, prep_args, env, logs / f"funnel_options.prepare.{tag}.log",
                    prep_results, threads, cwd=project)
            run["prepare"] = {"wall_s": prep.wall_s, "exit_code": prep.exit_code,
                              "log": prep.log, "summary": prep.detail.get("summary")}
            if prep_results.exists():
                run["prepare"]["model_seconds"] = model_seconds(prep_results)
            if not prep.ok:
                ok = False
                _variant_failed(run, "untimed dbt build", prep.log,
                                f"{variant['name']}: the untimed build before it failed")
                continue
            timed = Step(f"funnel {variant['name']}")
            keep = logs / f"run_results.funnel_options.{tag}.json"
            run_dbt(timed, timed_args, env, logs / f"funnel_options.{tag}.log",
                    keep, threads, cwd=project)
            run.update({"wall_s": timed.wall_s, "cpu_s": timed.cpu_s,
                        "peak_rss_bytes": timed.peak_rss_bytes,
                        "exit_code": timed.exit_code, "load_before": timed.load_before,
                        "log": timed.log, "summary": timed.detail.get("summary"),
                        "nodes": timed.detail.get("nodes")})
            if not timed.ok:
                ok = False
                _variant_failed(run, "timed dbt build", timed.log,
                                f"{variant['name']} failed")
                continue
            try:
                run["model_seconds"] = model_seconds(keep)
                run["int_funnel_chain_s"] = run["model_seconds"].get("int_funnel_chain")
                run["visitors_reached"] = funnel_step_totals(work / "dbt.duckdb",
                                                             FUNNEL_OPTIONS_FUNNEL)
            except Exception as e:  # noqa: BLE001 - reported, fails the run
                ok = False
                run["error"] = f"{type(e).__name__}: {e}"
    plain = block["variants"][0]
    for variant in block["variants"]:
        runs = [r for r in variant["runs"] if r.get("exit_code") == 0]
        variant["wall_s"] = _median(r["wall_s"] for r in runs)
        variant["cpu_s"] = _median(r["cpu_s"] for r in runs)
        variant["int_funnel_chain_s"] = _median(r.get("int_funnel_chain_s") for r in runs)
        variant["visitors_reached"] = runs[-1].get("visitors_reached") if runs else None
        ok = ok and len(runs) == repeats
    for variant in block["variants"]:
        for key in ("wall_s", "int_funnel_chain_s"):
            base, value = plain.get(key), variant.get(key)
            variant[key.removesuffix("_s") + "_ratio"] = (
                value / base if value is not None and base else None)
    # every option narrows the funnel: at no step more visitors than plain
    narrowed = block["variants"][1]
    a, b = narrowed.get("visitors_reached"), plain.get("visitors_reached")
    if a is not None and b is not None:
        block["narrows"] = {
            "ok": len(a) <= len(b) and all(x <= y for x, y in zip(a, b)),
            "all_options": a, "plain": b}
        ok = ok and block["narrows"]["ok"]
    block["ok"] = ok
    return block


def print_funnel_options(block: dict, out=sys.stdout):
    """The funnel options block: the variants, then variant, seconds, ratio
    to plain, int_funnel_chain's node time, visitors reached."""
    print(f'Funnel options: the sample funnel "{block["funnel_id"]}" plain and with '
          "options, on the database of the steps above", file=out)
    if block.get("skipped"):
        print("  skipped (--skip-funnel-options)", file=out)
        return
    print(f"  timed: {block['timed_command']}", file=out)
    print(f"  before each, untimed: its seeds into a copy of the project, then "
          f"{block['prepare_command']}", file=out)
    width = max(len(v["name"]) for v in block["variants"])
    for v in block["variants"]:
        print(f"  {v['name']:<{width}}  {v['label']}", file=out)
    if block["repeats"] > 1:
        print(f"  {block['repeats']} rounds, variants in turn: medians", file=out)
    header = (f"{'variant':<{width}}  {'wall s':>8} {'/ plain':>8} {'cpu s':>8} "
              f"{'int_funnel_chain s':>18} {'/ plain':>8}  visitors reached, step 1..n")
    print(header, file=out)
    print("-" * len(header), file=out)
    for v in block["variants"]:
        reached = v.get("visitors_reached")
        print(f"{v['name']:<{width}}  {fmt_num(v.get('wall_s'), 2):>8} "
              f"{fmt_num(v.get('wall_ratio'), 2):>8} {fmt_num(v.get('cpu_s'), 2):>8} "
              f"{fmt_num(v.get('int_funnel_chain_s'), 2):>18} "
              f"{fmt_num(v.get('int_funnel_chain_ratio'), 2):>8}  "
              + (" / ".join(f"{n:,}" for n in reached) if reached is not None
                 else "FAILED"), file=out)
    for v in block["variants"]:
        for run in v["runs"]:
            if run.get("model_seconds"):
                models = ", ".join(f"{name} {sec:.2f}" for name, sec in sorted(
                    run["model_seconds"].items(), key=lambda kv: -kv[1]))
                print(f"  {v['name']}, round {run['round']}, model node s: {models}",
                      file=out)
    staged = [f"{v['name']} {fmt_num(r['prepare']['model_seconds'].get(STAGING_MODEL), 2)} s"
              for v in block["variants"] for r in v["runs"]
              if (r.get("prepare") or {}).get("model_seconds")]
    if staged:
        print(f"  untimed, {STAGING_MODEL} in the build before (rebuilt in full when "
              "the held keys change): " + ", ".join(staged), file=out)
    for v in block["variants"]:
        for run in v["runs"]:
            if run.get("error"):
                print(f"  {v['name']}, round {run['round']}: FAILED: {run['error']}",
                      file=out)
    loads = [r["load_before"] for v in block["variants"] for r in v["runs"]
             if r.get("load_before") is not None]
    cores = os.cpu_count() or 1
    if loads and max(loads) > 0.5 * cores:
        print(f"note: the machine was busy (1-minute load average up to {max(loads):.1f} "
              f"on {cores} cores at the start of a timed build): compare the "
              "ratios with care", file=out)
    narrows = block.get("narrows")
    if narrows:
        print(f"funnel options check: {'PASS' if narrows['ok'] else 'FAIL'} (all "
              "options reach no more visitors than plain at any step)", file=out)
    else:
        print("funnel options check: FAIL (not run: a variant failed)", file=out)


def make_workdir(ap: argparse.ArgumentParser, workdir: Path | None,
                 prefix: str) -> Path:
    """The work folder: --workdir (new or empty) or a new temporary one,
    with an empty logs/ folder."""
    if workdir:
        work = workdir.resolve()
        if work.exists() and any(work.iterdir()):
            ap.error(f"--workdir {work} is not empty")
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix=prefix))
    (work / "logs").mkdir()
    return work


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="dbt build vs hand-written DuckDB SQL vs chdb windowFunnel "
                    "on generated events")
    ap.add_argument("--events", type=int, required=True,
                    help="events of the 90 days (the generator's --events)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path,
                    help="work folder (new or empty; default: a temporary one)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work folder (data, databases, logs)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR,
                    help="the data generator (default scripts/generate_events.py)")
    ap.add_argument("--profiles-dir", type=Path, default=PROJECT_DIR,
                    help="folder of the profiles.yml that dbt uses (default: the "
                         "project's; for trying other settings)")
    ap.add_argument("--skip-funnel-options", action="store_true",
                    help="skip the last step: the sample funnel plain and with "
                         "options")
    ap.add_argument("--funnel-options-repeats", type=int, default=1, metavar="N",
                    help="rounds of the funnel options step (variants in turn; "
                         "medians reported; default 1)")
    args = ap.parse_args(argv)

    work = make_workdir(ap, args.workdir, "conversions-benchmark-")
    logs = work / "logs"
    raw, extra = work / "raw", work / "extra"
    raw_glob = str(raw / "*.parquet")
    profile = profile_defaults(args.profiles_dir.resolve())
    global BENCH_PROJECT
    BENCH_PROJECT = options_project(work / "project")
    write_variant_seeds(BENCH_PROJECT / "seeds", funnel_option_variants()[0])
    info = {"events": args.events, "seed": args.seed, "days": DAYS,
            "workdir": str(work), "machine": machine(), "profile": profile,
            "rows": {"first_days": 0, "extra_day": 0, "total": 0}}
    steps: list[Step] = []
    checks: dict = {}
    ratios: dict = {}
    try:
        # a. generate
        gen = Step("generate")
        steps.append(gen)
        run_timed(gen, [sys.executable, str(args.generator), "--events", str(args.events),
                        "--seed", str(args.seed), "--days", str(DAYS),
                        "--output", str(raw), "--extra-days", "1"],
                  cwd=PROJECT_DIR, log_path=logs / "generate.log")
        files = sorted(raw.glob("events-*.parquet")) if gen.ok else []
        if not gen.ok or len(files) != DAYS + 1:
            print(f"generate failed or wrote {len(files)} files, not {DAYS + 1}:\n"
                  + tail(gen.log), file=sys.stderr)
            gen.exit_code = gen.exit_code or 1
            return finish(info, steps, ratios, checks, args, work)
        extra.mkdir()
        extra_file = files[-1]
        first = sum(parquet_rows(f) for f in files[:-1])
        extra_rows = parquet_rows(extra_file)
        info["rows"] = {"first_days": first, "extra_day": extra_rows,
                        "total": first + extra_rows}
        info["extra_file"] = extra_file.name
        gen.events, gen.events_label = first + extra_rows, "rows written"
        shutil.move(str(extra_file), extra / extra_file.name)
        info["time_kind"] = time_kind(raw_glob)

        # b. dbt full build on the 90 days (the production build)
        env = dbt_env(work, raw_glob, profile)
        threads = int(profile["dbt_threads"])
        full = Step("dbt full build", first, f"rows, {DAYS} days")
        steps.append(full)
        run_dbt(full, DBT_FULL_ARGS, env, logs / "dbt_full.log",
                logs / "run_results.full.json", threads)

        # c. the extra day, incremental build
        shutil.move(str(extra / extra_file.name), raw / extra_file.name)
        inc = Step("dbt incremental build", extra_rows, "new rows, 1 day")
        steps.append(inc)
        run_dbt(inc, DBT_INCREMENTAL_ARGS, env, logs / "dbt_incremental.log",
                logs / "run_results.incremental.json", threads)
        inc.detail["total_rows"] = first + extra_rows
        # the database size after it (untimed; a child process CHECKPOINTs)
        info["database_size"] = (
            database_size(work / "dbt.duckdb", sorted(raw.glob("*.parquet")),
                          logs / "database_size.log") if inc.ok
            else {"ok": False, "error": "the incremental build failed"})

        # d. the same build again, no new file
        nonew = Step("dbt no new file", 0, "new rows, no file")
        steps.append(nonew)
        run_dbt(nonew, DBT_INCREMENTAL_ARGS, env, logs / "dbt_no_new_file.log",
                logs / "run_results.no_new_file.json", threads)

        # e. empty input: a fresh database on one Parquet file of no rows
        empty_work = work / "empty"
        write_empty_input(empty_work / "raw" / "events-2026-07-01.parquet")
        empty_env = dbt_env(empty_work, str(empty_work / "raw" / "*.parquet"), profile)
        empty = Step("dbt empty input", 0, "rows, 1 empty file")
        steps.append(empty)
        run_dbt(empty, DBT_FULL_ARGS, empty_env, logs / "dbt_empty_input.log",
                logs / "run_results.empty_input.json", threads)
        # e'. the same on a new database file, the parse cached (same
        # profile and target folder: dbt reuses its partial parse), as a
        # user's second build on empty input is
        for leftover in empty_work.glob("dbt.duckdb*"):
            leftover.unlink()
        empty_cached = Step("dbt empty input, parse cached", 0, "rows, 1 empty file")
        steps.append(empty_cached)
        run_dbt(empty_cached, DBT_FULL_ARGS, empty_env,
                logs / "dbt_empty_input_cached.log",
                logs / "run_results.empty_input_cached.json", threads)

        # d. hand-written SQL on all files
        hw_db = work / "handwritten.duckdb"
        hw = run_handwritten(raw_glob, hw_db, work, profile, logs / "handwritten.log")
        hw.events, hw.events_label = first + extra_rows, "rows, all files"
        steps.append(hw)

        # e. chdb windowFunnel on the counted step events
        ch = Step("chdb windowFunnel")
        steps.append(ch)
        if hw.ok:
            chdb_dir = work / "chdb"
            chdb_dir.mkdir()
            prep = Step("prepare chdb input (untimed)")
            prep_db = work / "prepare.duckdb"
            exports = [
                "copy (select visitor_id, funnel_id, step_order, "
                "cast(make_timestamp(us) as timestamptz) as ts from funnel_events) to "
                + sql_literal(str(chdb_dir / "funnel_events.parquet")) + " (format parquet)",
                "copy (select funnel_id, visitor_id, cohort_date, steps_reached "
                "from funnel_reach) to "
                + sql_literal(str(chdb_dir / "spec_levels.parquet")) + " (format parquet)",
            ]
            run_timed(prep, handwritten_cmd(
                prep_db, work / "handwritten.rendered.sql",
                duckdb_settings(profile, work / "hw_duckdb_tmp"), exports),
                log_path=logs / "prepare_chdb.log")
            prep_db.unlink(missing_ok=True)
            info["prepare_chdb"] = asdict(prep)
            if prep.ok:
                ch.events = parquet_rows(chdb_dir / "funnel_events.parquet")
                ch.events_label = "step events"
                threads = profile["settings"].get("threads", "2")
                run_timed(ch, [sys.executable, "-c", CHDB_CHILD,
                               str(chdb_dir / "funnel_events.parquet"),
                               str(chdb_dir / "chdb_levels.parquet"),
                               json.dumps(funnel_definitions()), threads],
                          log_path=logs / "chdb.log")
                if ch.ok:
                    try:
                        ch.detail = json.loads(Path(ch.log).read_text().strip().splitlines()[-1])
                    except (ValueError, IndexError):
                        pass
            else:
                ch.exit_code = prep.exit_code
                print("preparing the chdb input failed:\n" + tail(prep.log),
                      file=sys.stderr)

        # f. checks
        for s in (full, inc, nonew, empty, empty_cached, hw, ch):
            if not s.ok:
                print(f"{s.name} failed (log {s.log}):\n{tail(s.log)}", file=sys.stderr)
        if inc.ok and hw.ok:
            checks["agreement"] = compare_databases(work / "dbt.duckdb", hw_db)
        if ch.ok:
            checks["funnel"] = compare_funnel(work, hw_db)

        # i. the sample funnel plain and with options (same database)
        if args.skip_funnel_options:
            info["funnel_options"] = {"skipped": True, "ok": True}
        elif full.ok and inc.ok:
            info["funnel_options"] = run_funnel_options(
                work, raw_glob, profile, logs, int(profile["dbt_threads"]),
                repeats=max(1, args.funnel_options_repeats))
        else:
            info["funnel_options"] = {"ok": False, "error": "the dbt builds failed"}

        if full.ok and hw.ok:
            ratios["dbt full / hand-written"] = full.wall_s / hw.wall_s
        if full.ok and inc.ok:
            ratios["dbt incremental / dbt full"] = inc.wall_s / full.wall_s
        if full.ok and nonew.ok:
            ratios["dbt no new file / dbt full"] = nonew.wall_s / full.wall_s
        if info["database_size"].get("ok"):
            ratios["database size / Parquet size"] = info["database_size"]["ratio"]
        for v in info["funnel_options"].get("variants", [])[1:]:
            if v.get("wall_ratio") is not None:
                ratios[f"funnel {v['name']} / plain"] = v["wall_ratio"]
        return finish(info, steps, ratios, checks, args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def dbt_summary(log_path: str) -> str:
    for line in reversed(tail(log_path, 60).splitlines()):
        if "Done. PASS=" in line:
            return line[line.index("Done."):].strip()
    return ""


STEPS = ["generate", "dbt full build", "dbt incremental build",
         "dbt no new file", "dbt empty input", "dbt empty input, parse cached",
         "hand-written SQL", "chdb windowFunnel"]


def finish(info, steps, ratios, checks, args, work) -> int:
    ok = (bool(steps) and all(s.ok for s in steps)
          and [s.name for s in steps] == STEPS
          and info.get("database_size", {}).get("ok", False)
          and checks.get("agreement", {}).get("ok", False)
          and checks.get("funnel", {}).get("ok", False)
          and info.get("funnel_options", {}).get("ok", False))
    info["targets"] = target_rows(info["events"], {s.name: s for s in steps},
                                  ratios, info.get("database_size") or {},
                                  info.get("funnel_options") or {})
    print_report(info, steps, ratios, checks)
    if args.keep:
        print(f"\nwork folder kept: {work}")
    print(f"\nbenchmark: {'PASS' if ok else 'FAIL'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            **info,
            "steps": [{**asdict(s), "events_per_s": s.events_per_s} for s in steps],
            "ratios": ratios,
            "checks": checks,
            "ok": ok,
        }, indent=2, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
