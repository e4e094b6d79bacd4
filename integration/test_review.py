"""scripts/review.sh, end to end from git refs in a throwaway repository.

A copy of the project is committed in a temporary git repository; each test
changes a definition (in the working tree, or committed on a branch), runs
the real command, and checks the review against a direct comparison of the
two builds' marts computed here in Python (rows keyed on the grain read from
the marts' yml), not with the review's SQL. The base build is kept in a
shared REVIEW_CACHE_DIR, so the module builds the base once and the head
once per review (about 10 s each on the sample).
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import PROJECT_DIR, copy_project

pytestmark = pytest.mark.slow

GIT = ["git", "-c", "user.name=review test", "-c", "user.email=review@test"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """The project committed on `main` in a fresh repository, with the
    scripts and the shared .venv."""
    root = copy_project(tmp_path_factory.mktemp("review") / "project")
    for name in ("scripts", "requirements.txt", "requirements.in", ".gitignore"):
        src = PROJECT_DIR / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, root / name)
    (root / ".venv").symlink_to((PROJECT_DIR / ".venv").resolve())
    subprocess.run(GIT + ["init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(GIT + ["add", "--", "."], cwd=root, check=True)
    subprocess.run(GIT + ["commit", "-q", "-m", "base"], cwd=root, check=True)
    return root


@pytest.fixture()
def clean(repo):
    """Each test starts on main with a clean working tree."""
    yield repo
    subprocess.run(GIT + ["checkout", "-q", "-f", "main"], cwd=repo, check=True)
    subprocess.run(GIT + ["clean", "-q", "-fd", "--", "seeds"], cwd=repo, check=True)


def review(repo: Path, *args, raw=None) -> tuple[subprocess.CompletedProcess, Path]:
    out = repo / "review"
    env = dict(os.environ, REVIEW_DIR=str(out),
               REVIEW_CACHE_DIR=str(repo.parent / "cache"))
    env.pop("RAW_EVENTS_PATH", None)
    if raw is not None:
        env["RAW_EVENTS_PATH"] = str(raw)
    proc = subprocess.run(["bash", "scripts/review.sh", *args], cwd=repo, env=env,
                          capture_output=True, text=True)
    return proc, out


def edit_seed(repo: Path, name: str, edit) -> None:
    path = repo / "seeds" / f"{name}.csv"
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = list(reader.fieldnames), list(reader)
    rows = edit(rows)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue())


def set_cells(key_col, key, **cells):
    def edit(rows):
        for r in rows:
            if r[key_col] == key:
                r.update(cells)
        return rows
    return edit


def add_step(rows):
    """video_start becomes step 2 of funnel purchase; later steps move on."""
    for r in rows:
        if r["funnel_id"] == "purchase" and int(r["step_order"]) >= 2:
            r["step_order"] = str(int(r["step_order"]) + 1)
        if r["goal_id"] == "video_start":
            r.update(funnel_id="purchase", step_order="2")
    return rows


def add_pattern(rows):
    return rows + [{"pattern": "samsungbrowser", "description": "test"}]


# ------------------------------------------------------- the direct comparison

def grains() -> dict[str, list[str]]:
    """Each mart table's grain, from the primary_key constraint in its yml."""
    out = {}
    for path in (PROJECT_DIR / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            for version in model.get("versions") or [{}]:
                pks = [c["columns"] for c in
                       version.get("constraints") or model.get("constraints") or []
                       if c["type"] == "primary_key"]
                default = (f"{model['name']}_v{version['v']}" if "v" in version
                           else model["name"])
                name = (version.get("config") or {}).get("alias") or default
                out[name] = pks[0]
    return out


def rows_of(db: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()


def direct_diff(base_db: Path, head_db: Path, table: str, grain: list[str]) -> dict:
    base = {tuple(r[g] for g in grain): r
            for r in rows_of(base_db, f"select * from marts.{table}")}
    head = {tuple(r[g] for g in grain): r
            for r in rows_of(head_db, f"select * from marts.{table}")}
    common = [k for k in base if k in head]
    return {
        "added": len(set(head) - set(base)),
        "removed": len(set(base) - set(head)),
        "changed": sum(1 for k in common if base[k] != head[k]),
        "base": base, "head": head,
    }


def databases(repo: Path, out: Path) -> tuple[Path, Path]:
    [base_db] = (repo.parent / "cache").glob("*/base.duckdb")
    return base_db, out / "build" / "head.duckdb"


def check_figures(repo: Path, out: Path) -> dict:
    """Every figure of review.json and review.md equals the direct
    comparison; returns the review's figures."""
    figures = json.loads((out / "review.json").read_text())
    md = (out / "review.md").read_text()
    base_db, head_db = databases(repo, out)
    by_name = {m["name"]: m for m in figures["marts"]}
    assert set(by_name) == set(grains())
    for table, grain in grains().items():
        direct = direct_diff(base_db, head_db, table, grain)
        mart = by_name[table]
        assert mart["grain"] == grain
        assert (mart["added"], mart["removed"], mart["changed"]) == (
            direct["added"], direct["removed"], direct["changed"]), table
        if any((direct["added"], direct["removed"], direct["changed"])):
            assert (f"| {table} | {', '.join(grain)} | " in md
                    and f"| {direct['added']} | {direct['removed']} | "
                    f"{direct['changed']} |" in md), table
        else:
            assert f"| {table} |" not in md
    # The largest goal rate change, and the headline, computed here.
    rates = direct_diff(base_db, head_db, "fct_goal_conversion_rates",
                        grains()["fct_goal_conversion_rates"])
    moves = [abs(rates["head"][k]["conversion_rate"] - rates["base"][k]["conversion_rate"])
             for k in rates["base"] if k in rates["head"]
             and None not in (rates["head"][k]["conversion_rate"],
                              rates["base"][k]["conversion_rate"])]
    largest = max(moves)
    if largest:
        assert f"{-largest * 100:+.1f} pt" in md or f"{largest * 100:+.1f} pt" in md
    sql = ("select conversion_rate from marts.fct_macro_conversion_rates "
           "where period_grain = 'month' order by period_start desc limit 1")
    before, after = (rows_of(db, sql)[0]["conversion_rate"] for db in (base_db, head_db))
    assert figures["headline"][0]["before_rate"] == before
    assert figures["headline"][0]["after_rate"] == after
    assert md.splitlines()[2].startswith("**Headline macro rate**")
    # one line per distinct figure: macro goals matching the same events
    # (the sample's three purchase goals) share one line naming them all
    heads = [line for line in md.splitlines()
             if line.startswith("**Headline macro rate** (")]
    distinct = {tuple(v for k, v in h.items() if k not in ("goal_id", "goal_name"))
                for h in figures["headline"]}
    assert len(heads) == len(distinct) < len(figures["headline"])
    for h in figures["headline"]:
        assert sum(h["goal_name"] in line for line in heads) == 1, h["goal_name"]
    recon = "select * from audit.event_reconciliation"
    b, h = rows_of(base_db, recon)[0], rows_of(head_db, recon)[0]
    for name, fig_b, fig_h in figures["reconciliation"]:
        assert (fig_b, fig_h) == (b[name], h[name])
        assert f"| {name} | {b[name]:,} | {h[name]:,} | {h[name] - b[name]:+,} |" in md
    # Visitors by traffic class, and the visitors that moved, from each
    # build's staging rows.
    status = ("select visitor_id, event_status, bot_reason "
              "from staging.stg_events__classified where event_status in ('counted', 'bot')")
    sides = {}
    for name, db in (("base", base_db), ("head", head_db)):
        per = {}
        for r in rows_of(db, status):
            reason = "human" if r["event_status"] == "counted" else f"bot: {r['bot_reason']}"
            visitors, events = per.setdefault(reason, (set(), [0]))
            visitors.add(r["visitor_id"])
            events[0] += 1
        sides[name] = per
    reasons = set(sides["base"]) | set(sides["head"])
    expected = {r: (len(sides["base"].get(r, (set(), [0]))[0]),
                    sides["base"].get(r, (set(), [0]))[1][0],
                    len(sides["head"].get(r, (set(), [0]))[0]),
                    sides["head"].get(r, (set(), [0]))[1][0]) for r in reasons}
    assert {row[0]: tuple(row[1:]) for row in figures["visitors"]["rows"]} == expected

    def who(side, bot):
        return set().union(*(v for r, (v, _) in sides[side].items()
                             if r.startswith("bot") == bot))
    to_bot = len(who("base", False) & who("head", True))
    to_human = len(who("base", True) & who("head", False))
    assert (figures["visitors"]["human_to_bot"], figures["visitors"]["bot_to_human"]) == (
        to_bot, to_human)
    if to_bot:
        assert f"{to_bot:,} visitor{'s' if to_bot != 1 else ''} moved from human to bot" in md
    if not (to_bot or to_human):
        assert "No visitor moved between human and bot." in md
    html = (out / "review.html").read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script" not in html
    if largest:   # the chart of the largest rate changes
        assert "<svg" in html and "<rect" in html
    return figures


CHANGES = {
    "goal_event": ("goals", set_cells("goal_id", "begin_checkout", event_name="add_to_cart"),
                   ["goal begin_checkout: event_name begin_checkout -> add_to_cart"]),
    "goal_path": ("goals", set_cells("goal_id", "view_product", page_path_pattern="/products/a%"),
                  ["goal view_product: page_path_pattern /products/% -> /products/a%"]),
    "funnel_step": ("goals", add_step,
                    ["goal video_start: funnel_id (empty) -> purchase; step_order (empty) -> 2",
                     "goal purchase: step_order 4 -> 5"]),
    "bot_pattern": ("bot_user_agent_patterns", add_pattern,
                    ["bot pattern 'samsungbrowser' added"]),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_uncommitted_change_is_named_and_measured(clean, kind):
    seed, edit, sentences = CHANGES[kind]
    edit_seed(clean, seed, edit)
    proc, out = review(clean, "main")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    md = (out / "review.md").read_text()
    for sentence in sentences:
        assert f"- {sentence}\n" in md
    figures = check_figures(clean, out)
    assert any(m["added"] or m["removed"] or m["changed"] for m in figures["marts"])
    if kind == "bot_pattern":
        assert "rows moved from counted to bot" in md
        assert figures["visitors"]["human_to_bot"] > 0


def test_committed_window_change_against_the_merge_base(clean):
    """A branch with a commit; no BASE_REF: the merge base with main."""
    subprocess.run(GIT + ["checkout", "-q", "-b", "shorter-window"], cwd=clean, check=True)
    edit_seed(clean, "funnels", set_cells("funnel_id", "purchase", conversion_window_days="3"))
    subprocess.run(GIT + ["commit", "-q", "-am", "window 3 days"], cwd=clean, check=True)
    proc, out = review(clean)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    md = (out / "review.md").read_text()
    assert "against `merge base with main" in md
    assert "- funnel purchase: conversion_window_days 7 -> 3\n" in md
    figures = check_figures(clean, out)
    changed = {m["name"] for m in figures["marts"] if m["changed"]}
    assert "fct_funnel_steps" in changed
    assert "fct_goal_conversion_rates" not in changed
    assert "Headline macro rate" in proc.stdout


def test_no_change_says_so(clean):
    proc, out = review(clean, "main")
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (out / "review.md").read_text()
    assert "No definition change" in md
    assert "No mart changes" in md
    assert "| fct_" not in md and "largest changes" not in md
    figures = check_figures(clean, out)
    assert not any(m["added"] or m["removed"] or m["changed"] for m in figures["marts"])


def test_unknown_base_ref_is_named(clean):
    proc, _ = review(clean, "no-such-branch")
    assert proc.returncode == 2
    assert "'no-such-branch' does not exist" in proc.stderr


def test_raw_events_matching_nothing_are_named(clean, tmp_path):
    missing = tmp_path / "nowhere" / "events-*.parquet"
    proc, _ = review(clean, "main", raw=missing)
    assert proc.returncode == 3
    assert f"'{missing}' matches no file" in proc.stderr


def test_raw_events_that_do_not_build_are_named(clean, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id,visitor_id\n1,a\n")   # seven columns missing
    proc, _ = review(clean, "main", raw=bad)
    assert proc.returncode == 4
    assert f"RAW_EVENTS_PATH '{bad}'" in proc.stderr and "failed" in proc.stderr


def test_ci_example_runs_the_review_on_definition_changes():
    workflow = yaml.safe_load((PROJECT_DIR / ".github/workflows/review.yml").read_text())
    on = workflow.get("on") or workflow.get(True)   # YAML 1.1 reads `on` as true
    paths = on["pull_request"]["paths"]
    assert {"seeds/**", "models/**", "macros/**"} <= set(paths)
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "scripts/review.sh" in runs and "review/review.md" in runs
    assert any(s.get("with", {}).get("fetch-depth") == 0 for s in steps)


def test_a_mart_or_column_on_one_side_only_is_named(tmp_path):
    """An older base (another contract): no dbt build, two small files and
    manifests written here, scripts/review.py run on them."""
    trees = {}
    for side, tables in {
        "base": {"fct_a": "select 1 as k, 10 as v, 'x' as old_col union all select 2, 20, 'y'",
                 "fct_gone": "select 1 as k"},
        "head": {"fct_a": "select 1 as k, 11 as v union all select 3, 30",
                 "fct_new": "select 1 as k"},
    }.items():
        tree = tmp_path / side
        (tree / "seeds").mkdir(parents=True)
        con = duckdb.connect(str(tmp_path / f"{side}.duckdb"))
        con.execute("create schema marts; create schema audit")
        con.execute("create table audit.event_reconciliation as select 5 as raw_rows, "
                    "0 as rejected_rows, 0 as duplicate_rows, 1 as bot_rows, 4 as counted_rows")
        for name, sql in tables.items():
            con.execute(f"create table marts.{name} as {sql}")
        con.close()
        nodes = {f"model.p.{n}": {"resource_type": "model", "schema": "marts", "alias": n,
                                  "constraints": [{"type": "primary_key", "columns": ["k"]}]}
                 for n in tables}
        (tree / "manifest.json").write_text(json.dumps({"nodes": nodes}))
        trees[side] = tree
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(PROJECT_DIR / ".venv/bin/python"), str(PROJECT_DIR / "scripts/review.py"),
         str(trees["base"]), str(trees["head"]), str(tmp_path / "base.duckdb"),
         str(tmp_path / "head.duckdb"), str(trees["base"] / "manifest.json"),
         str(trees["head"] / "manifest.json"), str(out), "old"],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    md = (out / "review.md").read_text()
    assert "| fct_a | k | 2 | 1 | 1 | 1 | v (1); columns only before: old_col |" in md
    assert "| fct_gone | k | 1 -> - | 0 | 1 | 0 | only in the base build |" in md
    assert "| fct_new | k | - -> 1 | 1 | 0 | 0 | only in the head build |" in md
    assert "fct_macro_conversion_rates is not in both builds" in md
