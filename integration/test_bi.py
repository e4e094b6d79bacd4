"""Apache Superset pointed at the marts (scripts/dashboard.sh, bi/).

From scratch, in temporary folders: the sample built into its own DuckDB
file, scripts/dashboard.sh (which runs scripts/bi_setup.sh: .venv-bi and
Debian chromium, and scripts/export_bi.sh to write the served BI file) with
a fresh state folder on a free port of 127.0.0.1, provisioning twice,
every process's command line watched meanwhile, then:

- exactly one database, dataset per table, chart per name and dashboard;
- every chart's data endpoint returns the mart's figures, read directly
  with duckdb (the headline weekly macro rate and its interval, the funnel
  overall, for a segment and for a date range, the two lift charts, the
  timing in hours, the latest diagnosis in words);
- the funnel's label type is "name, value and percentage" in the
  installed Superset;
- while Superset is up the file opens read-only from another process, and
  Superset holds no lock on it (read-only, no pooled connection);
- a build renamed over the file (what scripts/build_and_swap.sh does) shows
  in the very next chart query;
- the dashboard renders in headless Chromium, as the viewer: a
  non-trivial PNG saved as a test artifact (BI_ARTIFACT_DIR, default
  integration/artifacts/);
- the sandbox (issue 16): Superset serves the BI file, not the build; as
  the viewer every chart returns the admin's data and SQL Lab (UI, API),
  explore and the database and dataset lists are refused; through the
  connection (SQL Lab as admin, and the database entry's own connect args
  through duckdb-engine) read_text, read_csv of another file, glob, COPY
  TO, ATTACH, INSTALL, SET enable_external_access and staging.* all fail
  on DuckDB's sandbox, nothing is written and the served file's bytes are
  unchanged; an entry edited without the sandbox, or one for another
  DuckDB file, gains nothing (bi/superset_config.py's mutator);
- processes and secrets: no password in dashboard.sh's output or in any
  process's command line during the start; the state folder 0700 and the
  secrets 0600; `dashboard.sh stop` leaves a process that is not this
  project's Superset alive; security headers; CSRF tokens expire.

The finalizer stops Superset with `dashboard.sh stop` and checks that it and
its workers are gone.
"""
from __future__ import annotations

import calendar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, query

sys.path.insert(0, str(PROJECT_DIR / "bi"))
import provision  # noqa: E402  (bi/provision.py: standard library only)

BI_PYTHON = PROJECT_DIR / ".venv-bi" / "bin" / "python"
ARTIFACT_DIR = Path(os.environ.get("BI_ARTIFACT_DIR")
                    or PROJECT_DIR / "integration" / "artifacts")
EXPECTED_DATASETS = provision.PHYSICAL_DATASETS + [provision.LATEST_DIAGNOSIS]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_alive(pid: int) -> bool:
    """Running (a zombie has exited: only its exit status is left)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop_by_pid(pid: int) -> None:
    """SIGTERM the gunicorn master (it stops its worker), SIGKILL after 30 s;
    then check that it and every process it had are gone."""
    family = [pid, *descendants(pid)]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while any(map(process_alive, family)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for leftover in filter(process_alive, family):
        os.kill(leftover, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(map(process_alive, family)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(process_alive, family)), (
        f"Superset processes still running: {family}")


class CommandLines:
    """Every process's command line seen while it runs (sampled from /proc
    every few milliseconds): what `ps -eo args` shows any user."""

    def __init__(self):
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.is_set():
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        raw = (entry / "cmdline").read_bytes()
                    except OSError:
                        continue
                    self.seen.add(raw.replace(b"\0", b" ").decode(
                        errors="replace"))
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run(cmd, env, timeout=1800) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{cmd} exited {proc.returncode}\n{proc.stdout[-6000:]}\n"
        f"{proc.stderr[-6000:]}")
    return proc


@pytest.fixture(scope="module")
def full_db(sample_build, tmp_path_factory) -> Path:
    """A private copy of the sample build: only Superset and this module
    read it. scripts/dashboard.sh writes the served BI file beside it."""
    db = tmp_path_factory.mktemp("bi_db").resolve() / "conversions.duckdb"
    shutil.copy2(sample_build.db_path, db)
    return db


@pytest.fixture(scope="module")
def superset(full_db, tmp_path_factory, request):
    # Not there yet: dashboard.sh makes it, private.
    state = tmp_path_factory.mktemp("superset") / "state"
    port = free_port()
    env = dict(os.environ, SUPERSET_STATE_DIR=str(state),
               SUPERSET_PORT=str(port), DUCKDB_PATH=str(full_db))
    for name in ["SUPERSET_CONFIG_PATH", "SUPERSET_HOME", "BI_DUCKDB_PATH",
                 "BI_SERVED_DUCKDB", "SUPERSET_PASSWORD"]:
        env.pop(name, None)
    served = full_db.with_name("conversions_bi.duckdb")
    assert not served.exists()
    pid_file = state / "superset.pid"

    def stop():
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text())
        family = [pid, *descendants(pid)]
        proc = subprocess.run(["bash", "scripts/dashboard.sh", "stop"],
                              cwd=PROJECT_DIR, env=env, capture_output=True,
                              text=True, timeout=120)
        if any(map(process_alive, family)):
            stop_by_pid(pid)
            pytest.fail(f"dashboard.sh stop left {family} running: "
                        f"{proc.stdout}{proc.stderr}")
        assert f"stopping Superset (pid {pid})" in proc.stdout, proc.stdout
    request.addfinalizer(stop)

    started = time.monotonic()
    with CommandLines() as command_lines:
        first = run(["bash", "scripts/dashboard.sh"], env)
    first_seconds = time.monotonic() - started
    # Provision again: scripts/dashboard.sh finds Superset running and only
    # provisions.
    with CommandLines() as again:
        second = run(["bash", "scripts/dashboard.sh"], env)
    assert "already running" in second.stdout
    pid = int(pid_file.read_text())
    assert process_alive(pid)
    print(f"\nBI: first dashboard.sh {first_seconds:.1f} s "
          f"(setup, export, init, start, provision)")
    url = f"http://127.0.0.1:{port}"
    password = (state / "admin_password").read_text().strip()
    viewer_password = (state / "viewer_password").read_text().strip()
    api = provision.Superset(url, "admin", password)
    viewer = provision.Superset(url, "viewer", viewer_password, csrf=False)
    return {"api": api, "viewer": viewer, "url": url, "password": password,
            "viewer_password": viewer_password, "pid": pid, "state": state,
            "env": env, "db": served, "full_db": full_db,
            "outputs": [first.stdout + first.stderr,
                        second.stdout + second.stderr],
            "command_lines": command_lines.seen | again.seen}


def charts_by_name(api) -> dict[str, dict]:
    charts = api.list("chart", ["id", "slice_name"])
    return {c["slice_name"]: c for c in charts}


def chart_data(api, chart_id: int, extra_filters=(),
               time_range: str | None = None) -> list[dict]:
    """The chart's rows from its data endpoint; with extra filters or a time
    range, its saved query posted with them added, or with its
    TEMPORAL_RANGE filter set to the range (what the dashboard's filters
    do)."""
    if not extra_filters and time_range is None:
        result = api.request("GET", f"/api/v1/chart/{chart_id}/data/")
    else:
        chart = api.request("GET", f"/api/v1/chart/{chart_id}")["result"]
        context = json.loads(chart["query_context"])
        filters = context["queries"][0]["filters"]
        filters += list(extra_filters)
        if time_range is not None:
            temporal = [f for f in filters if f["op"] == "TEMPORAL_RANGE"]
            assert len(temporal) == 1, filters
            temporal[0]["val"] = time_range
        result = api.request("POST", "/api/v1/chart/data", context)
    (only,) = result["result"]
    assert only.get("error") is None, only
    return only["data"]


def epoch_ms(day) -> float:
    """A date as Superset returns temporal values: epoch milliseconds."""
    return float(calendar.timegm(day.timetuple()) * 1000)


def test_provisioned_exactly_once(superset):
    api = superset["api"]
    databases = api.list("database", ["id", "database_name"])
    assert [d["database_name"] for d in databases] == ["conversions"]
    datasets = api.list("dataset", ["id", "table_name", "schema"])
    assert sorted(d["table_name"] for d in datasets) == sorted(EXPECTED_DATASETS)
    assert {d["schema"] for d in datasets} == {"marts"}
    charts = api.list("chart", ["id", "slice_name"])
    assert sorted(c["slice_name"] for c in charts) == sorted(provision.CHART_NAMES)
    dashboards = api.list("dashboard", ["id", "dashboard_title", "slug"])
    assert [(d["dashboard_title"], d["slug"]) for d in dashboards] == [
        ("Conversions", "conversions")]

    dashboard = api.request(
        "GET", f"/api/v1/dashboard/{dashboards[0]['id']}")["result"]
    position = json.loads(dashboard["position_json"])
    placed = sorted(c["meta"]["chartId"] for c in position.values()
                    if isinstance(c, dict) and c.get("type") == "CHART")
    assert placed == sorted(c["id"] for c in charts)
    filters = json.loads(dashboard["json_metadata"])[
        "native_filter_configuration"]
    assert [f["filterType"] for f in filters] == [
        "filter_time", "filter_select", "filter_select"]
    assert [f["targets"][0]["column"]["name"] for f in filters[1:]] == [
        "segment_type", "segment_value"]
    assert sorted(filters[0]["chartsInScope"]) == sorted(
        c["id"] for c in charts if c["slice_name"] in provision.DATE_COLUMNS)

    # Registered read-only and sandboxed, with the BI file's absolute path.
    database = api.request(
        "GET", f"/api/v1/database/{databases[0]['id']}/connection")["result"]
    assert database["sqlalchemy_uri"] == f"duckdb:///{superset['db']}"
    extra = json.loads(database["extra"])
    assert extra["engine_params"]["connect_args"] == {
        "read_only": True, "config": {
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "lock_configuration": True}}


def test_rate_chart_is_the_headline_mart(superset):
    api, db = superset["api"], superset["db"]
    chart = charts_by_name(api)[provision.CHART_RATE]
    rows = chart_data(api, chart["id"])
    mart = query(db, """
        select period_start, conversion_rate, conversion_rate_ci_lower,
               conversion_rate_ci_upper, converting_visitors, human_visitors
        from marts.fct_macro_conversion_rates
        where period_grain = 'week' and goal_id = 'purchase'
        order by period_start""")
    assert len(mart) == 5
    got = sorted(rows, key=lambda r: r["period_start"])
    assert [r["period_start"] for r in got] == [epoch_ms(m[0]) for m in mart]
    label = "Conversion rate"
    for row, (_, rate, lower, upper, converters, visitors) in zip(got, mart):
        assert row[label] == pytest.approx(converters / visitors, rel=1e-12)
        assert row[label] == pytest.approx(rate, rel=1e-12)
        assert row[f"{label}__yhat"] == pytest.approx(rate, rel=1e-12)
        assert row[f"{label}__yhat_lower"] == pytest.approx(lower, rel=1e-12)
        assert row[f"{label}__yhat_upper"] == pytest.approx(upper, rel=1e-12)
    # The README's figure: week of 12 October, 11 of 121 visitors.
    week = [r for r in got if r["period_start"] == epoch_ms(mart[3][0])][0]
    assert week[label] == pytest.approx(11 / 121, rel=1e-12)


def funnel_mart(db, segment=None) -> dict[str, tuple]:
    """The macro goal's funnel (purchase), overall or for one segment."""
    if segment is None:
        sql = """select step_order, goal_name, sum(visitors_reached),
                        sum(visitors_dropped), sum(visitors_at_previous_step)
                 from marts.fct_funnel_steps where funnel_id = 'purchase'
                 group by all"""
        params = []
    else:
        sql = """select step_order, goal_name, sum(visitors_reached),
                        sum(visitors_dropped), sum(visitors_at_previous_step)
                 from marts.fct_funnel_steps_by_segment
                 where funnel_id = 'purchase' and segment_value = ?
                 group by all"""
        params = [segment]
    rows = query(db, sql, params)
    first = {r[0]: r[2] for r in rows}[1]
    return {f"{step}. {name}": (reached, dropped,
                                None if previous is None else reached / previous,
                                reached / first)
            for step, name, reached, dropped, previous in rows}


@pytest.mark.parametrize("segment", [None, "mobile", "email"])
def test_funnel_charts_are_the_funnel_marts(superset, segment):
    api, db = superset["api"], superset["db"]
    charts = charts_by_name(api)
    extra = [] if segment is None else [
        {"col": "segment_value", "op": "IN", "val": [segment]}]
    expected = funnel_mart(db, segment)
    assert len(expected) == 4
    if segment is None:
        assert expected["1. Viewed a product page"][0] == 147
        assert expected["4. Completed purchase"][0] == 17
    if segment == "mobile":
        assert expected["1. Viewed a product page"][0] == 52
        assert expected["4. Completed purchase"][0] == 3

    funnel = chart_data(api, charts[provision.CHART_FUNNEL]["id"], extra)
    assert {r["Step"]: r["Visitors reached"] for r in funnel} == {
        step: e[0] for step, e in expected.items()}
    # Sorted as the funnel draws it: widest first.
    assert [r["Step"] for r in funnel] == sorted(expected)

    dropoff = chart_data(api, charts[provision.CHART_DROPOFF]["id"], extra)
    assert [r["Step"] for r in dropoff] == sorted(expected)
    for row in dropoff:
        reached, dropped, rate_previous, rate_first = expected[row["Step"]]
        assert row["Funnel"] == "Purchase funnel"
        assert row["Visitors reached"] == reached
        assert row["Visitors dropped"] == dropped
        if rate_previous is None:
            assert row["Rate from previous step"] is None
        else:
            assert row["Rate from previous step"] == pytest.approx(
                rate_previous, rel=1e-12)
        assert row["Rate from first step"] == pytest.approx(rate_first,
                                                            rel=1e-12)


def labelled_mart_rows(db, built, where: str = "true") -> set:
    """The rows a raw table chart should show: its labelled SQL run on the
    mart (or on the virtual dataset's SQL) with duckdb."""
    dataset_id, form_data, _ = built
    columns = form_data["all_columns"]
    table = ({v: k for k, v in DATASET_IDS.items()})[dataset_id]
    source = (f"({provision.LATEST_DIAGNOSIS_SQL}) as latest"
              if table == provision.LATEST_DIAGNOSIS else f"marts.{table}")
    select = ", ".join(c["sqlExpression"] for c in columns)
    return set(query(db, f"select {select} from {source} where {where}"))


DATASET_IDS: dict[str, int] = {}


def built_charts(api) -> dict:
    """bi/provision.py's chart definitions with the datasets' real ids."""
    datasets = api.list("dataset", ["id", "table_name"])
    DATASET_IDS.clear()
    DATASET_IDS.update({d["table_name"]: d["id"] for d in datasets})
    return provision.build_charts(DATASET_IDS, "purchase",
                                  macro_funnel="purchase")


@pytest.mark.parametrize("name,where", [
    (provision.CHART_LIFT,
     "macro_goal_id = 'purchase' and micro_goal_role = 'standalone'"),
    (provision.CHART_LIFT_STEPS,
     "macro_goal_id = 'purchase' and micro_goal_role != 'standalone'"),
])
def test_lift_charts_are_the_lift_mart(superset, name, where):
    api, db = superset["api"], superset["db"]
    rows = chart_data(api, charts_by_name(api)[name]["id"])
    built = built_charts(api)[name]
    labels = [c["label"] for c in built[1]["all_columns"]]
    assert list(rows[0]) == labels
    [(mart_rows,)] = query(
        db, f"select count(*) from marts.fct_micro_macro_lift where {where}")
    # 2 months x 3 standalone goals; x 3 purchase steps and 4 steps of the
    # other funnels
    assert len(rows) == mart_rows == (6 if name == provision.CHART_LIFT else 14)
    assert {tuple(r[c] for c in labels) for r in rows} == labelled_mart_rows(
        db, built, where)
    if name == provision.CHART_LIFT:
        video = [r for r in rows if r["Micro goal"] == "Started a product video"
                 and r["Month"] == "2026-10"]
        assert video[0]["Lift (times as likely)"] == pytest.approx(
            (5 / 37) / (17 / 297), rel=1e-12)
        assert {r["Kind of goal"] for r in rows} == {"Standalone micro goal"}
    else:
        own = {r["Funnel step"] for r in rows
               if r["Kind of goal"] == provision.ROLE_LABELS["funnel_step"]}
        assert own == {"Viewed a product page", "Added to cart", "Began checkout"}


def test_timing_chart_is_the_timing_mart_in_hours(superset):
    api, db = superset["api"], superset["db"]
    rows = chart_data(api, charts_by_name(api)[provision.CHART_TIMING]["id"])
    built = built_charts(api)[provision.CHART_TIMING]
    labels = [c["label"] for c in built[1]["all_columns"]]
    [(mart_rows,)] = query(db, "select count(*) from marts.fct_funnel_step_timing")
    assert len(rows) == mart_rows > 6  # every funnel's
    assert {tuple(r[c] for c in labels) for r in rows} == labelled_mart_rows(db, built)
    for row in rows:
        assert row["Median hours from previous step"] == pytest.approx(
            row["Median seconds from previous step"] / 3600, rel=1e-12)


def test_diagnosis_chart_is_the_latest_week_in_words(superset):
    api, db = superset["api"], superset["db"]
    rows = chart_data(api,
                      charts_by_name(api)[provision.CHART_DIAGNOSIS]["id"])
    built = built_charts(api)[provision.CHART_DIAGNOSIS]
    labels = [c["label"] for c in built[1]["all_columns"]]
    assert len(rows) == 3  # one per funnel
    assert {tuple(r[c] for c in labels) for r in rows} == labelled_mart_rows(db, built)
    [(week_start, diagnosis, is_final, goal_id)] = query(db, """
        select week_start, diagnosis, is_final, largest_dropoff_goal_id
        from marts.fct_funnel_diagnosis
        where funnel_id = 'purchase' and week_start = (
            select max(week_start) from marts.fct_funnel_diagnosis)""")
    rows = [r for r in rows if r["Funnel"] == "Purchase funnel"]
    # the sample's last week has 17 entrants, under min_entrants (30)
    assert (diagnosis, is_final, goal_id) == (
        "insufficient_data", False, "add_to_cart")
    # the sample's last week, in words
    assert rows[0]["Week (Monday)"] == str(week_start)
    assert rows[0]["Diagnosis"] == provision.DIAGNOSIS_LABELS[diagnosis]
    assert rows[0]["Final?"] == (
        "not yet: late events and conversions can still change it")
    assert rows[0]["Largest drop-off at"] == "Added to cart"


def test_date_range_filters_the_dated_charts(superset):
    """The dashboard's date range, as its native time filter sets it: the
    rate chart keeps the weeks starting in it, the funnel the cohorts."""
    api, db = superset["api"], superset["db"]
    charts = charts_by_name(api)
    time_range = "2026-10-05 : 2026-10-19"   # end excluded
    rate = chart_data(api, charts[provision.CHART_RATE]["id"],
                      time_range=time_range)
    weeks = query(db, """
        select period_start from marts.fct_macro_conversion_rates
        where period_grain = 'week' and goal_id = 'purchase'
          and period_start >= date '2026-10-05' and period_start < date '2026-10-19'
        order by 1""")
    assert len(weeks) == 2
    assert sorted(r["period_start"] for r in rate) == [epoch_ms(w) for (w,) in weeks]
    funnel = chart_data(api, charts[provision.CHART_FUNNEL]["id"],
                        time_range=time_range)
    expected = dict(query(db, """
        select concat(step_order, '. ', goal_name), sum(visitors_reached)
        from marts.fct_funnel_steps
        where funnel_id = 'purchase'
          and cohort_date >= date '2026-10-05' and cohort_date < date '2026-10-19'
        group by all"""))
    everything = dict(query(db, """
        select concat(step_order, '. ', goal_name), sum(visitors_reached)
        from marts.fct_funnel_steps where funnel_id = 'purchase' group by all"""))
    assert expected != everything
    assert {r["Step"]: r["Visitors reached"] for r in funnel} == expected


def test_funnel_label_type_is_count_and_rate_in_this_superset(superset):
    """FUNNEL_LABEL_KEY_VALUE_PERCENT is, in the installed Superset's own
    bundle, the funnel's "Category, Value and Percentage"."""
    assets = next((PROJECT_DIR / ".venv-bi" / "lib").glob(
        "python*/site-packages/superset/static/assets"))
    found = set()
    for bundle in assets.glob("*.js"):
        text = bundle.read_text(errors="replace")
        if "KeyValuePercent" in text:
            found |= set(re.findall(
                r'KeyValuePercent=(\d+)\]="KeyValuePercent"', text))
    assert found == {str(provision.FUNNEL_LABEL_KEY_VALUE_PERCENT)}


def file_locks(path: Path) -> list[tuple[str, int]]:
    """(READ|WRITE, pid) of every POSIX lock on the file, from /proc/locks."""
    inode = path.stat().st_ino
    locks = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1] == "->":
            fields = fields[:1] + fields[2:]
        if int(fields[5].split(":")[2]) == inode:
            locks.append((fields[3], int(fields[4])))
    return locks


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print(con.execute("select count(*) from marts.fct_funnel_steps").fetchone()[0])
con.close()
"""


def test_superset_holds_no_lock(superset):
    api, db = superset["api"], superset["db"]
    superset_pids = {superset["pid"], *descendants(superset["pid"])}
    # During a query (a slow one, through SQL Lab) Superset holds a shared
    # read lock on the file, never a write lock.
    (database,) = api.list("database", ["id", "database_name"])
    outcome: dict = {}

    def slow_query():
        try:
            outcome["result"] = api.request("POST", "/api/v1/sqllab/execute/", {
                "database_id": database["id"], "schema": "marts",
                "sql": "select count(*) as n from marts.fct_funnel_steps, "
                       "range(6000000) t(i) "
                       "where hash(i + visitors_reached) % 7 = 0",
                "runAsync": False, "client_id": "bilocks01", "tab": "locks",
                "tmp_table_name": "", "select_as_cta": False,
                "ctas_method": "TABLE", "queryLimit": 10, "expand_data": True})
        except Exception as err:  # reported below, in the test's thread
            outcome["error"] = err

    query_thread = threading.Thread(target=slow_query)
    query_thread.start()
    seen = set()
    while query_thread.is_alive():
        seen |= {kind for kind, pid in file_locks(db) if pid in superset_pids}
        time.sleep(0.01)
    query_thread.join()
    assert "error" not in outcome, outcome["error"]
    assert outcome["result"]["data"][0]["n"] > 0
    assert seen == {"READ"}, seen
    # After queries (the chart tests', these) it holds none at all.
    for chart in charts_by_name(api).values():
        chart_data(api, chart["id"])
    assert not [lock for lock in file_locks(db) if lock[1] in superset_pids]
    # Another process reads the file read-only while Superset is up...
    reader = subprocess.run([sys.executable, "-c", READER, str(db), "ro"],
                            capture_output=True, text=True)
    assert reader.returncode == 0, reader.stderr
    assert int(reader.stdout) > 0
    # ...and even opens it for writing: Superset keeps no connection open
    # between queries (a read-only one would block this), so a build or
    # swap never meets a lock held by the dashboard.
    writer = subprocess.run([sys.executable, "-c", READER, str(db), "rw"],
                            capture_output=True, text=True)
    assert writer.returncode == 0, writer.stderr
    # Superset opens the file anew for each query: while another process
    # holds it for writing, Superset's query fails on DuckDB's lock (which
    # is why builds go through build_and_swap.sh, never in place), and
    # once that process is gone, queries work again.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb, time; "
         "con = duckdb.connect(sys.argv[1]); print('open', flush=True); "
         "time.sleep(60)", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        rate_chart = charts_by_name(api)[provision.CHART_RATE]["id"]
        with pytest.raises(provision.SupersetError, match="lock"):
            chart_data(api, rate_chart)
    finally:
        holder.kill()
        holder.wait()
    assert len(chart_data(api, rate_chart)) == 5


def test_swapped_in_build_is_served_at_once(superset):
    """The deployment of docs/bi.md: scripts/build_and_swap.sh renames a
    finished build over the served file; Superset's next query reads the new
    file (no cached data, no connection kept on the old one)."""
    api, db = superset["api"], superset["db"]
    rate_chart = charts_by_name(api)[provision.CHART_RATE]["id"]
    label = "Conversion rate"
    before = sorted(chart_data(api, rate_chart), key=lambda r: r["period_start"])
    original = db.with_name("original.duckdb")
    shutil.copy2(db, original)
    # A "new build": a copy of the file with the rates halved, checkpointed.
    new = db.with_name(db.name + ".next")
    shutil.copy2(db, new)
    con = duckdb.connect(str(new))
    con.execute("update marts.fct_macro_conversion_rates "
                "set conversion_rate = conversion_rate / 2")
    con.execute("checkpoint")
    con.close()
    assert not Path(str(new) + ".wal").exists()
    os.replace(new, db)
    try:
        after = sorted(chart_data(api, rate_chart),
                       key=lambda r: r["period_start"])
        assert [r[label] for r in after] == pytest.approx(
            [r[label] / 2 for r in before], rel=1e-12)
        assert max(r[label] for r in before) > 0
    finally:
        os.replace(original, db)
    assert sorted(chart_data(api, rate_chart),
                  key=lambda r: r["period_start"]) == before


PNG_STATS = """
import json, sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
small = image.resize((image.width // 4, image.height // 4))
pixels = list(small.getdata())
background = max(set(pixels), key=pixels.count)
print(json.dumps({
    "size": image.size,
    "colors": len(set(pixels)),
    "non_background": sum(p != background for p in pixels) / len(pixels),
}))
"""


def test_dashboard_screenshot(superset):
    ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
    png = ARTIFACT_DIR / "dashboard.png"
    png.unlink(missing_ok=True)
    env = superset["env"]
    started = time.monotonic()
    # As the viewer, under the security headers' Content-Security-Policy.
    run([str(BI_PYTHON), "bi/screenshot.py", "--url", superset["url"],
         "--username", "viewer", "--password-file",
         str(superset["state"] / "viewer_password"), str(png)],
        env, timeout=600)
    print(f"\nBI: screenshot {time.monotonic() - started:.1f} s -> {png}")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000
    stats = json.loads(run([str(BI_PYTHON), "-c", PNG_STATS, str(png)],
                           env).stdout)
    width, height = stats["size"]
    assert width == 1600 and height >= 1200, stats
    assert stats["colors"] > 200, stats
    assert stats["non_background"] > 0.2, stats


# --- the sandbox (issue 16) ---------------------------------------------------

AUDIT_EXPORTED = {"event_reconciliation", "load_batches",
                  "unmatched_definitions", "traffic_classification",
                  "restatements"}


def test_superset_serves_the_bi_file_not_the_build(superset):
    """The served file holds the marts and the aggregate audit tables only:
    no staging (the raw URLs, with e-mail addresses), no rejected rows."""
    served, full = superset["db"], superset["full_db"]
    assert served != full and served.exists()
    tables = set(query(served, "select schema_name, table_name "
                               "from duckdb_tables()"))
    assert {schema for schema, _ in tables} <= {"marts", "audit"}
    assert {t for s, t in tables if s == "audit"} <= AUDIT_EXPORTED
    assert ("marts", "fct_macro_conversion_rates") in tables
    assert query(full, "select count(*) from duckdb_tables() "
                       "where schema_name = 'staging'")[0][0] > 0 or query(
        full, "select count(*) from duckdb_views() "
              "where schema_name = 'staging'")[0][0] > 0


def test_viewer_sees_every_chart(superset):
    api, viewer = superset["api"], superset["viewer"]
    charts = charts_by_name(api)
    assert sorted(charts) == sorted(provision.CHART_NAMES)
    for name, chart in charts.items():
        rows = chart_data(viewer, chart["id"])
        assert rows, name
        assert rows == chart_data(api, chart["id"]), name
    # The dashboard's filters too (a query posted with an extra filter).
    funnel = chart_data(viewer, charts[provision.CHART_FUNNEL]["id"],
                        [{"col": "segment_value", "op": "IN",
                          "val": ["mobile"]}])
    assert {r["Step"]: r["Visitors reached"] for r in funnel}[
        "1. Viewed a product page"] == 52


class Browser:
    """A logged-in browser session (form login, session cookie), redirects
    not followed: what the UI routes answer."""

    def __init__(self, url: str, username: str, password: str):
        import http.cookiejar
        import urllib.parse
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect)
        status, _, page = self.get("/login/")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert status == 200 and token, page[:500]
        status, headers, _ = self.get("/login/", urllib.parse.urlencode({
            "username": username, "password": password,
            "csrf_token": token.group(1)}).encode())
        assert status == 302 and "/login" not in headers["Location"]

    def get(self, path: str, data: bytes | None = None, headers=None):
        import urllib.error
        import urllib.request
        req = urllib.request.Request(self.url + path, data=data,
                                     headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return (response.status, response.headers,
                        response.read().decode(errors="replace"))
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read().decode(errors="replace")


def test_viewer_is_refused_sql_lab_and_everything_else(superset):
    browser = Browser(superset["url"], "viewer", superset["viewer_password"])
    status, _, page = browser.get("/superset/dashboard/conversions/")
    assert status == 200
    token = re.search(r'csrf_token"[^>]*value="([^"]+)"', page).group(1)
    (database,) = superset["api"].list("database", ["id", "database_name"])
    # SQL Lab: the UI route, its bootstrap API, running a query (with the
    # page's CSRF token, so the refusal is the permission's).
    for path in ["/sqllab/", "/sqllab/history/", "/api/v1/sqllab/",
                 "/explore/", "/databaseview/list/", "/tablemodelview/list/",
                 "/api/v1/database/", "/api/v1/dataset/",
                 "/api/v1/security/roles/", "/api/v1/query/"]:
        status, _, _ = browser.get(path)
        assert status in (302, 401, 403), (path, status)
    status, _, body = browser.get(
        "/api/v1/sqllab/execute/",
        json.dumps({"database_id": database["id"], "sql": "select 1",
                    "runAsync": False, "schema": "marts"}).encode(),
        {"Content-Type": "application/json", "X-CSRFToken": token,
         "Referer": superset["url"] + "/"})
    assert status == 403, body
    # Through the API with its token, too.
    viewer = superset["viewer"]
    for method, path in [("GET", "/api/v1/sqllab/"),
                         ("GET", "/api/v1/database/"),
                         ("GET", f"/api/v1/database/{database['id']}"),
                         ("GET", "/api/v1/dataset/")]:
        with pytest.raises(provision.SupersetError, match="HTTP 40[13]"):
            viewer.request(method, path)

    # The role is exactly what viewing takes, plus the dashboard's datasets.
    api = superset["api"]
    (role,) = [r for r in api.list("security/roles", ["id", "name"])
               if r["name"] == provision.VIEWER_ROLE]
    granted = {(p["permission_name"], p["view_menu_name"]) for p in api.request(
        "GET", f"/api/v1/security/roles/{role['id']}/permissions/")["result"]}
    datasets = {d["id"]: d["table_name"]
                for d in api.list("dataset", ["id", "table_name"])}
    assert granted == set(provision.VIEWER_PERMISSIONS) | {
        ("datasource_access", f"[conversions].[{table}](id:{dataset_id})")
        for dataset_id, table in datasets.items()}
    assert not any("SQL" in view or "sqllab" in perm.lower()
                   for perm, view in granted)
    (user,) = [u for u in api.list("security/users", ["id", "username"])
               if u["username"] == "viewer"]
    roles = api.request("GET", f"/api/v1/security/users/{user['id']}")[
        "result"]["roles"]
    assert [r["name"] for r in roles] == [provision.VIEWER_ROLE]


def sql_lab(api, database_id: int, sql: str) -> dict:
    return api.request("POST", "/api/v1/sqllab/execute/", {
        "database_id": database_id, "schema": "marts", "sql": sql,
        "runAsync": False, "client_id": f"sb{uuid.uuid4().hex[:9]}",
        "tab": "sandbox", "tmp_table_name": "", "select_as_cta": False,
        "ctas_method": "TABLE", "queryLimit": 10, "expand_data": True})


SANDBOX_ERROR = re.compile(
    r"file system operations are disabled by configuration"
    r"|configuration has been locked"
    r"|Loading external extensions is disabled")


def hostile_statements(outside: Path) -> list[tuple[str, str]]:
    """(statement, what its failure must say): each would read or write
    outside the served file, or lift the sandbox, on a plain read-only
    connection."""
    return [
        ("select * from read_text('/etc/passwd')", "sandbox"),
        (f"select * from read_csv('{outside / 'outside.csv'}')", "sandbox"),
        ("select * from glob('/etc/*')", "sandbox"),
        (f"copy (select 1 as x) to '{outside / 'x.duckdb'}'", "sandbox"),
        (f"attach '{outside / 'y.duckdb'}'", "sandbox"),
        (f"attach '{outside / 'y.duckdb'}' (read_only false)", "sandbox"),
        ("install json", "sandbox"),
        ("set enable_external_access = true", "sandbox"),
        ("reset enable_external_access", "sandbox"),
        ("set lock_configuration = false", "sandbox"),
        ("select * from staging.stg_events__raw_rows", "staging"),
    ]


def sha256(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder outside the served file, with a CSV a plain connection
    reads."""
    (tmp_path / "outside.csv").write_text("a,b\n1,2\n")
    return tmp_path


def test_connection_is_sandboxed_in_sql_lab(superset, outside):
    api, served = superset["api"], superset["db"]
    before = sha256(served)
    (database,) = api.list("database", ["id", "database_name"])
    assert sql_lab(api, database["id"], "select count(*) as n from "
                   "marts.fct_funnel_steps")["data"][0]["n"] > 0
    for sql, kind in hostile_statements(outside):
        with pytest.raises(provision.SupersetError) as failed:
            sql_lab(api, database["id"], sql)
        message = str(failed.value)
        if kind == "sandbox":
            assert SANDBOX_ERROR.search(message), (sql, message)
        else:
            assert "staging" in message and "does not exist" in message
    assert sorted(p.name for p in outside.iterdir()) == ["outside.csv"]
    assert sha256(served) == before


ENTRY_CONNECTION = """
import json, sys
from sqlalchemy import create_engine, text
uri, extra, statements = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
engine = create_engine(uri, **extra["engine_params"])
outcomes = []
with engine.connect() as con:
    n = con.execute(text("select count(*) from marts.fct_funnel_steps")).scalar()
    for sql in statements:
        try:
            con.execute(text(sql)).fetchall()
            outcomes.append(None)
        except Exception as err:
            outcomes.append(str(err))
print(json.dumps({"rows": n, "outcomes": outcomes}))
"""


def test_the_entrys_own_connect_args_sandbox_duckdb(superset, outside):
    """The database entry's engine parameters as Superset stores them,
    through the same duckdb-engine and SQLAlchemy as Superset's."""
    api, served = superset["api"], superset["db"]
    before = sha256(served)
    (database,) = api.list("database", ["id", "database_name"])
    entry = api.request(
        "GET", f"/api/v1/database/{database['id']}/connection")["result"]
    statements = hostile_statements(outside)
    result = json.loads(run([str(BI_PYTHON), "-c", ENTRY_CONNECTION,
                             entry["sqlalchemy_uri"], entry["extra"],
                             json.dumps([s for s, _ in statements])],
                            superset["env"]).stdout)
    assert result["rows"] > 0
    for (sql, kind), outcome in zip(statements, result["outcomes"]):
        assert outcome is not None, f"{sql} succeeded"
        if kind == "sandbox":
            assert SANDBOX_ERROR.search(outcome), (sql, outcome)
    assert sorted(p.name for p in outside.iterdir()) == ["outside.csv"]
    assert sha256(served) == before


def test_sandbox_holds_whatever_the_entry_says(superset, outside):
    """bi/superset_config.py's DB_CONNECTION_MUTATOR: an admin who edits the
    entry's connect args away gets the sandbox still; an entry for another
    DuckDB file (the build, with staging) opens nothing."""
    api, served = superset["api"], superset["db"]
    (database,) = api.list("database", ["id", "database_name"])
    entry = api.request(
        "GET", f"/api/v1/database/{database['id']}/connection")["result"]
    api.request("PUT", f"/api/v1/database/{database['id']}", {
        "extra": json.dumps({"engine_params": {"connect_args": {}},
                             "metadata_params": {}})})
    try:
        for sql, kind in hostile_statements(outside)[:6]:
            with pytest.raises(provision.SupersetError,
                               match=SANDBOX_ERROR.pattern):
                sql_lab(api, database["id"], sql)
    finally:
        api.request("PUT", f"/api/v1/database/{database['id']}",
                    {"extra": entry["extra"]})
    assert sorted(p.name for p in outside.iterdir()) == ["outside.csv"]
    with pytest.raises(provision.SupersetError, match="serves only"):
        api.request("POST", "/api/v1/database/", {
            "database_name": "the whole build",
            "sqlalchemy_uri": f"duckdb:///{superset['full_db']}",
            "expose_in_sqllab": True})
    assert [d["database_name"] for d in api.list(
        "database", ["id", "database_name"])] == ["conversions"]


def test_a_wal_written_beside_the_served_file_is_dropped(superset):
    """What DuckDB's sandbox still lets through: COPY into the database
    file's own WAL path. The next connection removes it before opening the
    file (bi/superset_config.py), so nothing written by a query is ever
    read as part of the served file."""
    api, served = superset["api"], superset["db"]
    before = sha256(served)
    (database,) = api.list("database", ["id", "database_name"])
    wal = Path(str(served) + ".wal")
    try:
        sql_lab(api, database["id"],
                "copy (select 'not a wal' as junk) "
                f"to '{wal}' (use_tmp_file false, header false)")
        written = wal.exists()
    except provision.SupersetError as err:
        written = False
        assert SANDBOX_ERROR.search(str(err)), err
    # Either DuckDB refused it, or it is gone by the next query.
    assert sql_lab(api, database["id"], "select count(*) as n from "
                   "marts.fct_funnel_steps")["data"][0]["n"] > 0
    assert not wal.exists(), f"written: {written}"
    assert sha256(served) == before


# --- processes and secrets ----------------------------------------------------

def test_passwords_never_printed_nor_on_a_command_line(superset):
    state = superset["state"]
    secrets = [superset["password"], superset["viewer_password"],
               (state / "secret_key").read_text().strip()]
    assert all(len(secret) >= 16 for secret in secrets)
    for output in superset["outputs"]:
        for secret in secrets:
            assert secret not in output
    # The paths are printed instead.
    assert str(state / "admin_password") in superset["outputs"][0]
    assert str(state / "viewer_password") in superset["outputs"][0]
    # The watch saw the start: gunicorn, Superset's commands, provisioning.
    seen = superset["command_lines"]
    assert any("gunicorn" in c and "superset.app:create_app()" in c
               for c in seen)
    assert any("bi/admin_user.py" in c for c in seen)
    assert any("bi/provision.py" in c for c in seen)
    for command_line in seen:
        for secret in secrets:
            assert secret not in command_line, command_line


def test_state_folder_private(superset):
    state = superset["state"]
    assert state.stat().st_mode & 0o777 == 0o700
    for name in ["secret_key", "admin_password", "viewer_password"]:
        assert (state / name).stat().st_mode & 0o777 == 0o600, name


def test_stop_leaves_a_process_that_is_not_ours(superset, tmp_path):
    """A pid file naming an unrelated process (a reused pid), or another
    state folder's Superset: `stop` signals neither, and drops the file."""
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    env = dict(superset["env"], SUPERSET_STATE_DIR=str(state))
    sleeper = subprocess.Popen(["sleep", "300"])
    try:
        for pid in [sleeper.pid, superset["pid"]]:
            (state / "superset.pid").write_text(f"{pid}\n")
            proc = run(["bash", "scripts/dashboard.sh", "stop"], env,
                       timeout=120)
            assert "not this project's Superset" in proc.stderr, proc
            assert "stopping" not in proc.stdout
            assert process_alive(pid)
            assert not (state / "superset.pid").exists()
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()
    # `stop` never made the folder private: it was not made here.
    assert state.stat().st_mode & 0o777 == 0o755
    # The real one is still up.
    assert process_alive(superset["pid"])
    assert chart_data(superset["api"], charts_by_name(superset["api"])[
        provision.CHART_RATE]["id"])


def test_security_headers(superset):
    import urllib.request
    for path in ["/login/", "/health"]:
        with urllib.request.urlopen(superset["url"] + path,
                                    timeout=30) as response:
            headers = response.headers
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'self'" in csp
        assert re.search(r"script-src 'self' 'strict-dynamic' 'nonce-", csp)
        assert "unsafe-eval" not in csp


CONFIG = """
import json, runpy, sys
config = runpy.run_path(sys.argv[1])
print(json.dumps({k: config[k] for k in [
    "WTF_CSRF_ENABLED", "WTF_CSRF_TIME_LIMIT", "TALISMAN_ENABLED",
    "DUCKDB_SANDBOX"]}))
"""


def test_csrf_tokens_expire(superset):
    """The configuration the running Superset was started with (its
    SUPERSET_CONFIG_PATH, read back from the process's environment)."""
    environ = dict(line.split("=", 1) for line in Path(
        f"/proc/{superset['pid']}/environ").read_bytes().decode().split("\0")
        if "=" in line)
    config_path = environ["SUPERSET_CONFIG_PATH"]
    assert config_path == str(PROJECT_DIR / "bi" / "superset_config.py")
    assert environ["BI_SERVED_DUCKDB"] == str(superset["db"])
    config = json.loads(run([str(BI_PYTHON), "-c", CONFIG, config_path],
                            dict(superset["env"], **environ)).stdout)
    assert config["WTF_CSRF_ENABLED"] is True
    assert 0 < config["WTF_CSRF_TIME_LIMIT"] <= 3600
    assert config["TALISMAN_ENABLED"] is True
    assert config["DUCKDB_SANDBOX"] == {
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "lock_configuration": True,
        "temp_directory": ""}
