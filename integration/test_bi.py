"""Apache Superset pointed at the marts (scripts/dashboard.sh, bi/).

From scratch, in temporary folders: the sample built into its own DuckDB
file, scripts/dashboard.sh (which runs scripts/bi_setup.sh: .venv-bi and
Debian chromium) with a fresh state folder on a free port of 127.0.0.1,
provisioning twice, then:

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
- the dashboard renders in headless Chromium: a non-trivial PNG saved as a
  test artifact (BI_ARTIFACT_DIR, default integration/artifacts/).

The finalizer stops Superset by its process id and checks it is gone.
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


def run(cmd, env, timeout=1800) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f"{cmd} exited {proc.returncode}\n{proc.stdout[-6000:]}\n"
        f"{proc.stderr[-6000:]}")
    return proc


@pytest.fixture(scope="module")
def bi_db(sample_build, tmp_path_factory) -> Path:
    """A private copy of the sample build: only Superset and this module
    read it."""
    db = tmp_path_factory.mktemp("bi_db").resolve() / "conversions.duckdb"
    shutil.copy2(sample_build.db_path, db)
    return db


@pytest.fixture(scope="module")
def superset(bi_db, tmp_path_factory, request):
    state = tmp_path_factory.mktemp("superset_state")
    port = free_port()
    env = dict(os.environ, SUPERSET_STATE_DIR=str(state),
               SUPERSET_PORT=str(port), DUCKDB_PATH=str(bi_db))
    env.pop("SUPERSET_CONFIG_PATH", None)
    env.pop("SUPERSET_HOME", None)
    pid_file = state / "superset.pid"

    def stop():
        if pid_file.exists():
            stop_by_pid(int(pid_file.read_text()))
    request.addfinalizer(stop)

    started = time.monotonic()
    first = run(["bash", "scripts/dashboard.sh"], env)
    first_seconds = time.monotonic() - started
    # Provision again: scripts/dashboard.sh finds Superset running and only
    # provisions.
    second = run(["bash", "scripts/dashboard.sh"], env)
    assert "already running" in second.stdout
    pid = int(pid_file.read_text())
    assert process_alive(pid)
    print(f"\nBI: first dashboard.sh {first_seconds:.1f} s "
          f"(setup, init, start, provision)")
    url = f"http://127.0.0.1:{port}"
    password = (state / "admin_password").read_text().strip()
    assert url in first.stdout and password in first.stdout
    api = provision.Superset(url, "admin", password)
    return {"api": api, "url": url, "password": password, "pid": pid,
            "state": state, "env": env, "db": bi_db}


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

    # Registered read-only, with the file's absolute path.
    database = api.request(
        "GET", f"/api/v1/database/{databases[0]['id']}/connection")["result"]
    assert database["sqlalchemy_uri"] == f"duckdb:///{superset['db']}"
    extra = json.loads(database["extra"])
    assert extra["engine_params"]["connect_args"]["read_only"] is True


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
    if segment is None:
        sql = """select step_order, goal_name, sum(visitors_reached),
                        sum(visitors_dropped), sum(visitors_at_previous_step)
                 from marts.fct_funnel_steps group by all"""
        params = []
    else:
        sql = """select step_order, goal_name, sum(visitors_reached),
                        sum(visitors_dropped), sum(visitors_at_previous_step)
                 from marts.fct_funnel_steps_by_segment
                 where segment_value = ? group by all"""
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
        assert expected["4. Completed purchase"][0] == 19
    if segment == "mobile":
        assert expected["1. Viewed a product page"][0] == 52
        assert expected["4. Completed purchase"][0] == 4

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
    return provision.build_charts(DATASET_IDS, "purchase")


@pytest.mark.parametrize("name,where", [
    (provision.CHART_LIFT, "micro_goal_role != 'funnel_step'"),
    (provision.CHART_LIFT_STEPS, "micro_goal_role = 'funnel_step'"),
])
def test_lift_charts_are_the_lift_mart(superset, name, where):
    api, db = superset["api"], superset["db"]
    rows = chart_data(api, charts_by_name(api)[name]["id"])
    built = built_charts(api)[name]
    labels = [c["label"] for c in built[1]["all_columns"]]
    assert list(rows[0]) == labels
    assert len(rows) == 6
    assert {tuple(r[c] for c in labels) for r in rows} == labelled_mart_rows(
        db, built, where)
    if name == provision.CHART_LIFT:
        video = [r for r in rows if r["Micro goal"] == "Started a product video"
                 and r["Month"] == "2026-10"]
        assert video[0]["Lift (times as likely)"] == pytest.approx(
            (5 / 37) / (17 / 297), rel=1e-12)
        assert {r["Kind of goal"] for r in rows} == {"Standalone micro goal"}
    else:
        assert {r["Funnel step"] for r in rows} == {
            "Viewed a product page", "Added to cart", "Began checkout"}


def test_timing_chart_is_the_timing_mart_in_hours(superset):
    api, db = superset["api"], superset["db"]
    rows = chart_data(api, charts_by_name(api)[provision.CHART_TIMING]["id"])
    built = built_charts(api)[provision.CHART_TIMING]
    labels = [c["label"] for c in built[1]["all_columns"]]
    assert len(rows) == 6
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
    assert len(rows) == 1
    assert {tuple(r[c] for c in labels) for r in rows} == labelled_mart_rows(db, built)
    [(week_start, diagnosis, is_final, goal_id)] = query(db, """
        select week_start, diagnosis, is_final, largest_dropoff_goal_id
        from marts.fct_funnel_diagnosis
        where week_start = (select max(week_start) from marts.fct_funnel_diagnosis)""")
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
        where cohort_date >= date '2026-10-05' and cohort_date < date '2026-10-19'
        group by all"""))
    everything = dict(query(db, """
        select concat(step_order, '. ', goal_name), sum(visitors_reached)
        from marts.fct_funnel_steps group by all"""))
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
    env = dict(superset["env"], SUPERSET_PASSWORD=superset["password"])
    started = time.monotonic()
    run([str(BI_PYTHON), "bi/screenshot.py", "--url", superset["url"],
         str(png)], env, timeout=600)
    print(f"\nBI: screenshot {time.monotonic() - started:.1f} s -> {png}")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000
    stats = json.loads(run([str(BI_PYTHON), "-c", PNG_STATS, str(png)],
                           env).stdout)
    width, height = stats["size"]
    assert width == 1600 and height >= 1200, stats
    assert stats["colors"] > 200, stats
    assert stats["non_background"] > 0.2, stats
