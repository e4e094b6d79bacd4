"""Smoke test of benchmarks/run_benchmark.py: the whole benchmark (generate,
dbt full and incremental builds without unit tests, the same build with no
new file, a build on an empty input, hand-written SQL, chdb windowFunnel,
the database size, where dbt's time goes, the agreement checks, the sample
funnel plain and with options, and the targets table) at a small size; the
targets' limits by size; the option funnel's seeds; and the hand-written
SQL against a dbt build on delivery ties that only the full tie-break
decides."""
from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys

from conftest import PROJECT_DIR, dbt_build, write_events

BENCHMARK = PROJECT_DIR / "benchmarks" / "run_benchmark.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("run_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


STEPS = ["generate", "dbt full build", "dbt incremental build",
         "dbt no new file", "dbt empty input", "dbt empty input, parse cached",
         "hand-written SQL", "chdb windowFunnel"]
TARGETS = ["dbt full / hand-written", "peak memory, full build",
           "dbt incremental / dbt full", "no new file / dbt full",
           "empty input (parsed from scratch)", "empty input (parse cached)",
           "database size / Parquet size", "funnel, all options / plain"]
VARIANTS = ["plain", "all options", "any_order"]
# the models of the timed funnel build (run_results.json names)
FUNNEL_MODELS = {"int_goals", "int_goal_events_matched", "int_funnel_chain",
                 "int_funnel_visitor_reach", "int_funnel_entries",
                 "int_funnel_visitor_steps", "fct_funnel_steps", "fct_funnel_step_timing",
                 "fct_funnel_steps_by_segment", "fct_funnel_diagnosis.v1",
                 "fct_funnel_diagnosis.v2"}


def test_benchmark_runs_and_agrees(tmp_path):
    figures = tmp_path / "figures.json"
    proc = subprocess.run(
        [sys.executable, str(BENCHMARK), "--events", "20000", "--seed", "3",
         "--workdir", str(tmp_path / "work"), "--json", str(figures)],
        cwd=PROJECT_DIR, capture_output=True, text=True,
    )
    out = proc.stdout
    assert proc.returncode == 0, out[-6000:] + proc.stderr[-6000:]
    assert out.startswith("Machine: "), out[:500]
    for name in STEPS:
        assert f"\n{name} " in out, f"no table row for {name}:\n{out}"
    for column in ("wall s", "events/s", "peak MiB"):
        assert column in out
    assert "ratio dbt full / hand-written:" in out
    assert "ratio dbt incremental / dbt full:" in out
    assert "ratio dbt no new file / dbt full:" in out
    assert "ratio database size / Parquet size:" in out
    assert "\ndatabase size after the incremental build: " in out, out
    builds = ("dbt full build", "dbt incremental build", "dbt no new file")
    for name in builds:
        assert f"\nWhere the time goes, {name} (dbt build " in out, out
    assert out.count("slowest nodes:") == len(builds), out
    assert "\nagreement: PASS" in out, out
    assert "\nwindowFunnel check: PASS" in out, out
    options = out[out.index("\nFunnel options: "):out.index("\nTargets\n")]
    assert "timed: dbt build --full-refresh --exclude-resource-type unit_test" in options
    for name in VARIANTS:
        assert f"\n{name} " in options, options
        assert f"\n  {name} " in options, options  # what the variant sets
    assert "int_funnel_chain s" in options, options
    assert "FAILED" not in options, options
    assert "\nfunnel options check: PASS" in options, options
    assert "ratio funnel all options / plain:" in out
    assert "ratio funnel any_order / plain:" in out
    targets = out[out.index("\nTargets\n"):]
    for name in TARGETS:
        assert f"\n{name} " in targets, targets
    assert "n/a (from 50M events only)" in targets  # peak memory below 50M
    assert out.rstrip().endswith("benchmark: PASS"), out[-2000:]

    data = json.loads(figures.read_text())
    assert data["ok"] is True
    assert [s["name"] for s in data["steps"]] == STEPS
    steps = {s["name"]: s for s in data["steps"]}
    for step in data["steps"]:
        assert step["exit_code"] == 0
        assert step["wall_s"] > 0 and step["peak_rss_bytes"] > 0
    assert data["rows"]["extra_day"] > 0
    assert data["checks"]["agreement"]["ok"] and data["checks"]["funnel"]["ok"]
    # the production build: no unit tests in any timed dbt build
    for name in ("dbt full build", "dbt incremental build", "dbt no new file",
                 "dbt empty input", "dbt empty input, parse cached"):
        detail = steps[name]["detail"]
        assert detail["command"].endswith("--exclude-resource-type unit_test")
        assert ("--full-refresh" in detail["command"]) == (
            name.startswith(("dbt full build", "dbt empty input")))
        nodes = detail["nodes"]
        assert "unit_test" not in nodes["by_type"], (name, nodes["by_type"])
        assert nodes["by_type"]["model"]["nodes"] > 0
        assert nodes["by_type"]["test"]["nodes"] > 0
        assert nodes["node_seconds"] > 0 and nodes["threads"] == 2
        assert 0 < len(nodes["slowest"]) <= 8
        assert abs(nodes["outside_invocation_s"] + nodes["before_first_node_s"]
                   + nodes["node_phase_s"] + nodes["after_last_node_s"]
                   - steps[name]["wall_s"]) < 0.01
    assert steps["dbt no new file"]["events"] == 0
    size = data["database_size"]
    assert size["ok"] and size["parquet_files"] == 91
    assert size["db_bytes"] > 0 and size["parquet_bytes"] > 0
    assert size["wal_bytes"] == 0  # the CHECKPOINT folded the WAL in
    assert data["ratios"]["database size / Parquet size"] == size["ratio"]
    assert [t["target"] for t in data["targets"]] == TARGETS
    for t in data["targets"]:
        assert t["value"] is not None, t
        assert t["met"] == (t["value"] <= t["limit"] if t["applies"] else None), t
    block = data["funnel_options"]
    bench = load_benchmark()
    assert block["ok"] is True and block["narrows"]["ok"] is True
    assert block["hold_constant"] == (bench.FUNNEL_OPTIONS_HOLD_CONSTANT or None)
    assert block["timed_command"].startswith(
        "dbt build --full-refresh --exclude-resource-type unit_test --select ")
    assert [v["name"] for v in block["variants"]] == VARIANTS
    for v in block["variants"]:
        (run,) = v["runs"]
        assert run["exit_code"] == 0 and run["prepare"]["exit_code"] == 0, run
        # staging is built before, untimed
        assert "stg_events__classified" in run["prepare"]["model_seconds"]
        assert set(run["model_seconds"]) == FUNNEL_MODELS, run["model_seconds"]
        assert "unit_test" not in run["nodes"]["by_type"]
        assert run["nodes"]["by_type"]["test"]["nodes"] > 0
        assert v["wall_s"] == run["wall_s"] > 0
        assert v["int_funnel_chain_s"] == run["model_seconds"]["int_funnel_chain"] > 0
        assert len(v["visitors_reached"]) == 4 and v["visitors_reached"][0] > 0
    plain, options, any_order = block["variants"]
    assert plain["wall_ratio"] == 1.0 and plain["int_funnel_chain_ratio"] == 1.0
    assert options["wall_ratio"] == options["wall_s"] / plain["wall_s"]
    assert data["ratios"]["funnel all options / plain"] == options["wall_ratio"]
    assert data["ratios"]["funnel any_order / plain"] == any_order["wall_ratio"]
    # every option narrows the funnel, and they do change it here
    assert all(a <= b for a, b in zip(options["visitors_reached"],
                                      plain["visitors_reached"]))
    assert options["visitors_reached"] != plain["visitors_reached"]
    assert not (tmp_path / "work").exists()  # removed without --keep


def test_funnel_option_seeds(tmp_path):
    """The variants' seeds: the shipped ones for plain; every option on the
    sample funnel for "all options" (the gaps on steps 2..4, one exclusion
    between checkout and purchase); any_order with its scope options."""
    bench = load_benchmark()

    def read(name):
        with open(tmp_path / name, newline="") as f:
            return list(csv.DictReader(f))

    shipped = {}
    for name in ("funnels.csv", "goals.csv", "funnel_exclusions.csv"):
        with open(PROJECT_DIR / "seeds" / name, newline="") as f:
            shipped[name] = list(csv.DictReader(f))
    plain, options, any_order = bench.funnel_option_variants("item_id")
    assert "hold_constant item_id" in options["label"]
    bench.write_variant_seeds(tmp_path, plain)
    # plain: the sample funnel alone, no option set, no exclusion, whatever
    # the shipped seeds use
    (funnel,) = read("funnels.csv")
    assert funnel["funnel_id"] == "purchase"
    assert (funnel["order_mode"], funnel["count_within"],
            funnel["hold_constant"]) == ("", "", "")
    assert read("funnel_exclusions.csv") == []
    assert all(r["max_hours_from_previous_step"] == ""
               for r in read("goals.csv"))
    assert {r["goal_id"] for r in read("goals.csv")} == {
        r["goal_id"] for r in shipped["goals.csv"]
        if r["funnel_id"] in ("", "purchase")}

    bench.write_variant_seeds(tmp_path, options)
    (funnel,) = [r for r in read("funnels.csv") if r["funnel_id"] == "purchase"]
    assert (funnel["order_mode"], funnel["count_within"], funnel["hold_constant"]) == (
        "strict", "session", "item_id")
    gaps = {int(r["step_order"]): r["max_hours_from_previous_step"]
            for r in read("goals.csv") if r["funnel_id"] == "purchase"}
    assert gaps[1] == "" and all(float(gaps[k]) > 0 for k in (2, 3, 4))
    goals = {(r["funnel_id"], r["step_order"]): r["event_name"] for r in read("goals.csv")}
    # the variant's exclusion only (the shipped one on purchase is not kept)
    (exclusion,) = read("funnel_exclusions.csv")
    assert exclusion["funnel_id"] == "purchase"
    assert (exclusion["from_step"], exclusion["to_step"]) == ("3", "4")
    assert goals[("purchase", "3")] == "begin_checkout"
    assert goals[("purchase", "4")] == "purchase"

    bench.write_variant_seeds(tmp_path, any_order)
    (funnel,) = [r for r in read("funnels.csv") if r["funnel_id"] == "purchase"]
    assert (funnel["order_mode"], funnel["count_within"], funnel["hold_constant"]) == (
        "any_order", "session", "item_id")
    assert read("funnel_exclusions.csv") == []
    assert all(r["max_hours_from_previous_step"] == ""
               for r in read("goals.csv"))
    # without the key (hold_constant not built yet), the cell is empty
    _, options, _ = bench.funnel_option_variants("")
    bench.write_variant_seeds(tmp_path, options)
    assert read("funnels.csv")[0]["hold_constant"] == ""


def test_targets_limits_by_size():
    """Below 50M events: full / hand-written at most 3, the peak memory
    shown but not applied; from 50M: at most 2 and 4 GiB."""
    bench = load_benchmark()
    full = bench.Step("dbt full build", exit_code=0, wall_s=10.0,
                      peak_rss_bytes=5 * 2**30)
    empty = bench.Step("dbt empty input", exit_code=0, wall_s=7.5)
    cached = bench.Step("dbt empty input, parse cached", exit_code=0, wall_s=9.0)
    ratios = {"dbt full / hand-written": 2.5, "dbt incremental / dbt full": 0.2,
              "dbt no new file / dbt full": 0.04, "funnel all options / plain": 1.6}
    small = {t["target"]: t for t in bench.target_rows(
        1_000_000, {s.name: s for s in (full, empty, cached)}, ratios,
        {"ratio": 1.5})}
    large = {t["target"]: t for t in bench.target_rows(
        50_000_000, {s.name: s for s in (full, empty, cached)}, ratios, {})}
    assert small["dbt full / hand-written"]["limit"] == 3
    assert small["dbt full / hand-written"]["met"] is True
    assert large["dbt full / hand-written"]["limit"] == 2
    assert large["dbt full / hand-written"]["met"] is False
    assert small["peak memory, full build"]["value"] == 5.0
    assert small["peak memory, full build"]["met"] is None
    assert large["peak memory, full build"]["met"] is False
    assert small["dbt incremental / dbt full"]["met"] is False
    assert small["no new file / dbt full"]["met"] is True
    assert small["empty input (parsed from scratch)"]["met"] is True
    assert small["empty input (parse cached)"]["met"] is False
    assert small["database size / Parquet size"]["met"] is True
    assert large["database size / Parquet size"]["met"] is None  # not measured
    assert small["funnel, all options / plain"]["limit"] == 1.5
    assert small["funnel, all options / plain"]["met"] is False


H = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
PRODUCT = "https://shop.example.com/products/"
T = "2026-09-01T10:00:00Z"


def tie_rows():
    """Deliveries of one event_id at one instant that differ in what the
    marts read, so that only the SPEC tie-break (raw columns in order,
    nulls last; for string times the time text first) picks the one kept.
    Each case shows in the marts if the wrong copy is kept."""
    rows = []

    def ev(event_id, visitor, name, at, url=None, ua=H, session="s",
           referrer=None, props=None):
        rows.append(dict(event_id=event_id, visitor_id=visitor, session_id=session,
                         event_name=name, occurred_at=at, page_url=url,
                         referrer_url=referrer, user_agent=ua, properties=props))

    for v in ["va", "vb", "vc", "vd", "ve", "vf"]:
        ev(f"base-{v}", v, "page_view", "2026-09-01T09:00:00Z", PRODUCT + "a")
    # visitor_id decides: va keeps an add_to_cart
    ev("E1", "vb", "page_view", T, PRODUCT + "x")
    ev("E1", "va", "add_to_cart", T, PRODUCT + "x")
    # session_id null is last: the add_to_cart is kept, not the purchase
    ev("E2", "vc", "purchase", T, session=None)
    ev("E2", "vc", "add_to_cart", T, session="s1")
    # the same instant written two ways: the time text decides (08:00Z first)
    ev("base-vj", "vj", "page_view", "2026-08-31T09:00:00Z", "https://shop.example.com/")
    ev("E3", "vj", "page_view", "2026-09-01T10:00:00+02:00", "https://shop.example.com/about")
    ev("E3", "vj", "page_view", "2026-09-01T08:00:00Z", PRODUCT + "z")
    # user agents: the bot's compares smaller: ve becomes a bot
    ev("E4", "ve", "add_to_cart", T, ua=H)
    ev("E4", "ve", "add_to_cart", T, ua=BOT)
    # event_name decides before user_agent
    ev("E5", "vf", "begin_checkout", T, ua=None, props='{"a":1}')
    ev("E5", "vf", "purchase", T, ua=H, props='{"a":2}')
    # page_url null is last
    ev("E6", "vf", "page_view", "2026-09-02T10:00:00Z", None)
    ev("E6", "vf", "page_view", "2026-09-02T10:00:00Z", PRODUCT + "y")
    # the earliest time wins whatever the other columns
    ev("E7", "va", "page_view", "2026-09-03T10:00:00Z", PRODUCT + "q")
    ev("E7", "vb", "purchase", "2026-09-03T11:00:00Z", PRODUCT + "q")
    ev("E7", "vc", "purchase", "2026-09-03T10:00:01Z")
    # blank and null user agents: a visitor without one is a bot
    ev("E8", "vg", "page_view", T, PRODUCT + "x", ua="  ")
    ev("E8", "vg", "page_view", T, PRODUCT + "x", ua=None)
    # referrer_url null is last: the copy with a referrer (human agent) is kept
    ev("base-vh", "vh", "page_view", "2026-09-04T09:00:00Z", PRODUCT + "r")
    ev("E9", "vh", "page_view", "2026-09-04T10:00", PRODUCT + "r",
       referrer="https://www.google.com/")
    ev("E9", "vh", "page_view", "2026-09-04T10:00", PRODUCT + "r", ua=BOT)
    # user_agent null is last: the curl copy is kept, vk is a bot
    ev("base-vk", "vk", "page_view", "2026-09-05T09:00:00Z", PRODUCT + "k")
    ev("E11", "vk", "page_view", "2026-09-05T10:00", PRODUCT + "k", ua=None)
    ev("E11", "vk", "page_view", "2026-09-05T10:00", PRODUCT + "k", ua="curl/8.5")
    # upper case sorts first; a pattern matches in any case
    ev("E10", "vi", "page_view", T, PRODUCT + "n", ua=H.upper())
    ev("E10", "vi", "page_view", T, PRODUCT + "n", ua=H + " HeadlessChrome")
    # a rejected row and an unparseable time
    ev("R1", " ", "page_view", T, PRODUCT + "x")
    ev("R2", "va", "page_view", "2026-02-30T10:00:00Z", PRODUCT + "x?email=a@b.example")
    return rows


def test_handwritten_sql_equals_dbt_on_delivery_ties(tmp_path):
    bench = load_benchmark()
    raw = write_events(tmp_path / "raw" / "events.parquet", tie_rows())
    built = dbt_build(tmp_path / "dbt", raw).check()
    work = tmp_path / "hw"
    work.mkdir()
    step = bench.run_handwritten(str(raw), work / "hw.duckdb", work,
                                 bench.profile_defaults(), work / "hw.log")
    assert step.ok, bench.tail(step.log)
    report = bench.compare_databases(built.db_path, work / "hw.duckdb")
    assert report["ok"], json.dumps(report, indent=2, default=str)
    assert report["audit.rejected_events"]["rows_dbt"] == 2


def test_heavy_visitor_benchmark_runs_and_counts_the_visitor_once(tmp_path):
    """benchmarks/heavy_visitor.py at a small size: both datasets build and
    pass their tests, the heavy visitor's events are all counted, and the
    figures are printed. The tolerance is opened wide: timing is the
    benchmark's business, not this test's."""
    script = PROJECT_DIR / "benchmarks" / "heavy_visitor.py"
    figures = tmp_path / "heavy.json"
    proc = subprocess.run(
        [sys.executable, str(script), "--events", "20000", "--heavy-events",
         "2000", "--repeats", "1", "--seed", "3", "--tolerance", "100",
         "--workdir", str(tmp_path / "work"), "--json", str(figures)],
        cwd=PROJECT_DIR, capture_output=True, text=True,
    )
    out = proc.stdout
    assert proc.returncode == 0, out[-6000:] + proc.stderr[-6000:]
    assert "heavy visitor: 2,000 counted events" in out, out
    assert "ratio heavy / spread, visitor-level models:" in out, out
    assert out.rstrip().endswith("heavy visitor: PASS (tolerance 100.0)"), out
    data = json.loads(figures.read_text())
    assert data["ok"] is True and data["heavy_events"] == 2000
    for kind in ("spread", "heavy"):
        (build,) = data["builds"][kind]
        assert build["exit_code"] == 0 and build["visitor_models_s"] > 0
    assert not (tmp_path / "work").exists()
