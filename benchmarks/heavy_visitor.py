#!/usr/bin/env python
"""Benchmark: does one visitor with tens of thousands of goal events cost
more per event than ordinary visitors?

    .venv/bin/python benchmarks/heavy_visitor.py [--events 1000000]
        [--heavy-events 50000] [--repeats 2] [--seed 1] [--workdir DIR]
        [--keep] [--json PATH]

Two datasets of the same size are built with `dbt build --full-refresh`
(the profile's defaults, as run_benchmark.py runs it):

- spread: the generator's --events rows, plus --heavy-events goal events
  spread over ordinary visitors (10 each);
- heavy:  the same rows, but those --heavy-events goal events all belong to
  one visitor.

The added events are the same in both (names, pages, times, user agent,
event ids): only their visitor differs. The builds alternate (spread,
heavy, spread, heavy, ...) so that a change of machine load hits both. It
prints each build's wall and CPU time, the time of the visitor-level
models (the funnel chain and reach, goal periods, entries: where a
visitor's events are sorted and walked), and the ratios heavy / spread.
A step that cost more than linear time in a visitor's events would show
here: 50,000 events in one visitor is 2.5e9 pairs.

Exit status 0 when every build passed (models and tests) and the heavy
visitor's dataset cost at most --tolerance (default 1.15) times the spread
one, in median CPU time of the builds and of the visitor-level models; 1
otherwise.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
GENERATOR = PROJECT_DIR / "scripts" / "generate_events.py"
DAYS = 90
START = datetime(2026, 7, 1, tzinfo=timezone.utc)
HEAVY_VISITOR = "heavy-visitor-1"
VISITOR_MODELS = [
    "int_goal_events_matched", "int_funnel_chain", "int_funnel_visitor_reach",
    "int_funnel_entries", "int_visitor_goal_periods", "int_visitor_periods",
    "int_visitor_days",
]
# One cycle of a shopper's goal events: every funnel step, repeats, steps
# out of order, and the micro goals outside the funnel.
CYCLE = [
    ("page_view", "/products/mug"),
    ("page_view", "/products/teapot"),
    ("add_to_cart", "/products/teapot"),
    ("page_view", "/products/mug"),
    ("begin_checkout", "/checkout"),
    ("add_to_cart", "/products/mug"),
    ("purchase", "/checkout/thanks"),
    ("newsletter_signup", "/"),
    ("video_start", "/products/mug"),
    ("page_view", "/help/shipping"),
]


def load_runner():
    """benchmarks/run_benchmark.py, for its timing and profile helpers."""
    spec = importlib.util.spec_from_file_location(
        "run_benchmark", BENCH_DIR / "run_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def added_events(count: int, heavy: bool):
    """`count` goal events over the 90 days, in time order with a few
    delivered out of order; all of one visitor when `heavy`, else 10 per
    visitor."""
    import pyarrow as pa

    step = timedelta(days=DAYS) / (count + 1)
    rows = {c: [] for c in ("event_id", "visitor_id", "session_id", "event_name",
                            "occurred_at", "page_url", "referrer_url",
                            "user_agent", "properties")}
    for i in range(count):
        name, path = CYCLE[i % len(CYCLE)]
        # every 97th event is delivered before the one that preceded it
        at = START + step * (i + 1) - (step * 2 if i % 97 == 96 else timedelta(0))
        visitor = HEAVY_VISITOR if heavy else f"spread-visitor-{i // 10}"
        rows["event_id"].append(f"added-{i}")
        rows["visitor_id"].append(visitor)
        rows["session_id"].append(f"{visitor}-s{i // 25}")
        rows["event_name"].append(name)
        rows["occurred_at"].append(at)
        rows["page_url"].append(f"https://shop.example.com{path}")
        rows["referrer_url"].append(None)
        rows["user_agent"].append(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0")
        rows["properties"].append(None)
    types = {c: pa.string() for c in rows}
    types["occurred_at"] = pa.timestamp("us", tz="UTC")
    return pa.table({c: pa.array(v, types[c]) for c, v in rows.items()})


def model_seconds(run_results: Path) -> float:
    results = json.loads(run_results.read_text())["results"]
    return sum(r["execution_time"] for r in results
               if r["unique_id"].split(".")[-1] in VISITOR_MODELS
               and r["unique_id"].startswith("model."))


def heavy_visitor_rows(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select count(*) from staging.stg_events__classified"
            " where visitor_id = ? and event_status = 'counted'",
            [HEAVY_VISITOR]).fetchone()[0]
    finally:
        con.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000,
                    help="the generator's rows (default 1,000,000)")
    ap.add_argument("--heavy-events", type=int, default=50_000,
                    help="goal events of the heavy visitor (default 50,000)")
    ap.add_argument("--repeats", type=int, default=2,
                    help="builds of each dataset (default 2)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tolerance", type=float, default=1.15,
                    help="largest heavy / spread ratio that passes (default 1.15)")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.heavy_events < 10 or args.repeats < 1:
        ap.error("--heavy-events must be at least 10 and --repeats at least 1")

    runner = load_runner()
    work = runner.make_workdir(ap, args.workdir, "conversions-heavy-")
    logs = work / "logs"
    profile = runner.profile_defaults()
    ok = True
    try:
        import pyarrow.parquet as pq

        base = work / "base"
        gen = runner.run_timed(
            runner.Step("generate"),
            [sys.executable, str(GENERATOR), "--events", str(args.events),
             "--seed", str(args.seed), "--days", str(DAYS), "--extra-days", "0",
             "--output", str(base)],
            cwd=PROJECT_DIR, log_path=logs / "generate.log")
        if not gen.ok:
            print("generate failed:\n" + runner.tail(gen.log), file=sys.stderr)
            return 1
        base_rows = sum(runner.parquet_rows(f) for f in base.glob("*.parquet"))
        datasets = {}
        for kind in ("spread", "heavy"):
            folder = work / kind
            folder.mkdir()
            for f in base.glob("*.parquet"):
                (folder / f.name).symlink_to(f)
            pq.write_table(added_events(args.heavy_events, kind == "heavy"),
                           folder / "events-added.parquet")
            datasets[kind] = str(folder / "*.parquet")

        builds = {"spread": [], "heavy": []}
        for round_ in range(args.repeats):
            for kind in ("spread", "heavy"):
                run = work / f"{kind}-{round_}"
                run.mkdir()
                env = runner.dbt_env(run, datasets[kind], profile)
                step = runner.run_timed(
                    runner.Step(f"{kind} {round_ + 1}",
                                events=base_rows + args.heavy_events),
                    [runner.dbt_bin(), "build", "--full-refresh"],
                    env=env, cwd=PROJECT_DIR,
                    log_path=logs / f"{kind}-{round_}.log")
                record = {"wall_s": step.wall_s, "cpu_s": step.cpu_s,
                          "peak_rss_bytes": step.peak_rss_bytes,
                          "exit_code": step.exit_code}
                if step.ok:
                    record["visitor_models_s"] = model_seconds(
                        run / "dbt_target" / "run_results.json")
                    if kind == "heavy":
                        record["heavy_visitor_counted"] = heavy_visitor_rows(
                            run / "dbt.duckdb")
                else:
                    ok = False
                    print(f"{kind} build {round_ + 1} failed:\n"
                          + runner.tail(step.log), file=sys.stderr)
                builds[kind].append(record)
                shutil.rmtree(run / "dbt_duckdb_tmp", ignore_errors=True)
                (run / "dbt.duckdb").unlink(missing_ok=True)

        print(f"Machine: {runner.machine()['cpu_model']}, {runner.machine()['cores']}"
              f" cores; profile defaults {json.dumps(profile['settings'])}")
        print(f"Data: {base_rows:,} generated rows + {args.heavy_events:,} added goal"
              f" events (one visitor in 'heavy', {args.heavy_events // 10:,}"
              f" visitors in 'spread')\n")
        print(f"{'build':<10}{'wall s':>9}{'cpu s':>9}{'visitor models s':>18}"
              f"{'peak MiB':>10}  status")
        for round_ in range(args.repeats):
            for kind in ("spread", "heavy"):
                b = builds[kind][round_]
                models = b.get("visitor_models_s")
                print(f"{kind + ' ' + str(round_ + 1):<10}{b['wall_s']:>9.2f}"
                      f"{b['cpu_s']:>9.2f}"
                      f"{(f'{models:.2f}' if models is not None else '-'):>18}"
                      f"{b['peak_rss_bytes'] / 2**20:>10,.0f}"
                      f"  {'ok' if b['exit_code'] == 0 else 'FAILED'}")
        ratios = {}
        if ok:
            for key in ("wall_s", "cpu_s", "visitor_models_s"):
                ratios[key] = (statistics.median(b[key] for b in builds["heavy"])
                               / statistics.median(b[key] for b in builds["spread"]))
            counted = builds["heavy"][0]["heavy_visitor_counted"]
            print(f"\nheavy visitor: {counted:,} counted events")
            if counted != args.heavy_events:
                ok = False
                print(f"FAIL: the heavy visitor should have {args.heavy_events:,}")
            print(f"ratio heavy / spread, median wall:            {ratios['wall_s']:.3f}")
            print(f"ratio heavy / spread, median cpu:             {ratios['cpu_s']:.3f}")
            print(f"ratio heavy / spread, visitor-level models:   "
                  f"{ratios['visitor_models_s']:.3f}")
            if max(ratios["cpu_s"], ratios["visitor_models_s"]) > args.tolerance:
                ok = False
        print(f"\nheavy visitor: {'PASS' if ok else 'FAIL'}"
              f" (tolerance {args.tolerance})")
        if args.json:
            args.json.write_text(json.dumps({
                "ok": ok, "events": args.events, "heavy_events": args.heavy_events,
                "base_rows": base_rows, "builds": builds, "ratios": ratios,
                "machine": runner.machine(), "profile": profile}, indent=2))
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
