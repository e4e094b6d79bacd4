"""Issue 17: funnel reach of the dbt models against ClickHouse's
`windowFunnel` (run in chdb), for order_mode `strict` and `ordered`, on the
domain of visitors where ClickHouse's rule and SPEC's provably coincide.

The modes used (chdb 4.4.0, ClickHouse 26.9; the timestamp is passed as
UInt64 microseconds, so the window is in microseconds)
-----------------------------------------------------------------------
* `strict` (SPEC 5) against windowFunnel(W, 'strict_order',
  'strict_increase'), every counted event of the visitor passed, the ones
  completing no step with every condition false;
* `ordered` (SPEC 3) against windowFunnel(W, 'strict_increase') and against
  windowFunnel(W, 'strict_increase', 'strict_once').

What windowFunnel does (the experiments are `CASES`, checked in
`test_window_funnel_modes_pinned` against ClickHouse and against SPEC's
brute-force oracle, funnel_options_oracle.py)
--------------------------------------------------------------------------
It sorts the visitor's (time, condition index) pairs, an event matching no
condition having index 0 (added only under 'strict_order') and an event
matching two conditions appearing once per condition; at one instant it
therefore orders the events matching no condition first, then by condition
index, never by event_id. It scans once, keeping per level only the latest
(first time, last time) of a chain that reached it: a step-k event extends
level k-1's kept chain when its time is <= first time + W (the window is
inclusive: exactly W counts, W + 1 microsecond does not) and, with
'strict_increase', > that chain's last time. 'strict_order' adds two stops,
both for good (no later restart is looked at): after the first step-1 event,
an event matching no condition ends the scan, and so does a step-k event
while level k-1 was never reached. 'strict_once' keeps every chain instead
of the latest one per level.

Where they differ (each is a row of `CASES`, with W = 10 and A, B, C the
steps 1, 2, 3, X an event completing no step, untimed events one apart;
levels ClickHouse / SPEC):
* strict, a restart after an intervention: A B X A B C is 2 / 3 (the scan
  stopped at X, SPEC starts a new chain after it);
* strict, a repeated or an earlier step is no intervention for ClickHouse:
  A B B C and A B A C are 3 / 2 (it extends the kept level-2 chain across
  the event; SPEC's chain must be consecutive);
* strict, a step whose previous level was never reached stops ClickHouse:
  A C A B C is 1 / 3; so does a step past the window followed by the next
  step (A@0 B@11 C@12 A@20 B@21 is 1 / 2);
* strict, a step that fails only by a tie leaves an older kept chain in
  place: A@0 B@1 A@5 B@5 C@6 is 3 / 2;
* strict, ties: SPEC orders one instant by event_id, ClickHouse puts the
  event matching no step first: A@0 X@0 B@1 C@2 (ids in that order) is 3 / 1,
  A@0 B@1 X@1 C@2 is 1 / 2; without 'strict_increase' one instant makes
  two steps (A@0 B@0 C@1 is 3 / 1);
* both modes, an event completing two steps is two pairs at one instant:
  A@0 AB@5 C@10 is 1 / 3 (strict and ordered; 'strict_once' gives 3 for
  ordered);
* ordered with 'strict_increase' only, SPEC 3's documented edge, a
  repeated step tied with the next step: A@0 B@5 B@10 C@10 is 2 / 3 and
  A@0 A@5 B@5 C@10 is 1 / 3 ('strict_once': 3 and 3).

Where they coincide (`strict_domain`, `ordered_domain`; the proofs)
-------------------------------------------------------------------
ordered, 'strict_increase' and 'strict_once': on every visitor (no
restriction). Not proved from the source; `test_domains_where_window_funnel
_agrees` checks it on random small visitors with every kind of tie and events
completing two steps, and 110,000 such visitors agreed while writing this.

ordered, 'strict_increase': when no event completes two steps and no two
events completing different steps share an instant. Proof: by induction
over the scan, level k's kept chain exists iff some chain reaches k, and its
first time is the latest start of such a chain (a step-1 event sets it to
its own time; a step-k event extends level k-1's latest start iff any start
is within W of it, and the new first time is >= the old one, starts only
growing). 'strict_increase' never refuses: level k-1's last time is that of
a step-(k-1) event, earlier than the step-k event's since none shares its
instant. So ClickHouse's level is SPEC's.

strict, 'strict_order' + 'strict_increase': when no event completes two
steps and, in SPEC's order (occurred_at, event_id), the visitor's events are
P R T, where
* P is every event before the first step-1 event f; any event of P at f's
  instant completes no step;
* R is the longest run of step events from f on: times strictly increase,
  and it is a sequence of attempts 1, 2, ..., j: each event is step 1, or
  the step after the previous event's when that event was within W of its
  attempt's step 1 (after a step past the window comes step 1 or R ends);
* T, the rest, has no step-1 event and starts with an event completing no
  step, strictly after R's last event.
Proof: P is skipped by ClickHouse (before any step 1, events matching no
condition are skipped and no step-k event finds level k-1) and starts no
SPEC chain; at f's instant an event of P is index 0, before f, as in SPEC.
In R, by induction each attempt's accepted events keep the chain (attempt
start, own time), so a step-k event is accepted iff it is within W of its
attempt's start (strictly later than the previous event, R having no ties)
-- exactly SPEC's test for the consecutive chain, the only SPEC chains in R
being attempt prefixes; a refused step is followed by a step 1, so no stale
chain is ever extended and no stop fires; the level is the longest accepted
prefix in both. ClickHouse stops at T's first event; SPEC's chains cannot
cross it (it completes no step) nor start in T (no step 1).

The data (a fixed seed, every event counted: human, unique event ids)
-------------------------------------------------------------------
2,000 visitors built inside the strict domain (`strict_shaped`; the test
asserts that every one is inside): other events before the first step
(cart and buy too, ties among them, an event completing no step at the
instant of the first step-1 event, earlier by event_id), restarts (1 2 |
1 2 3: repeated steps), steps at exactly the window past their attempt's
start, one microsecond and one second past it, an other event mid-chain
followed by later cart and buy events (ties among them); and 1,500 free
visitors (`free_shaped`: steps and other events at random, many ties, ids
shuffled, gaps summing to exactly the window and one microsecond past).
Each comparison takes every visitor that its domain's check admits: for
`strict` the 2,000 and about 800 free ones, for `ordered` with
'strict_increase' about 3,100 of 3,500, with 'strict_once' all. A third
funnel, `overlap` (view, cart, cart on /checkout%: a cart on /checkout
completes steps 2 and 3), is compared with 'strict_once' only: inside the
'strict_increase' domain no event completes two steps, so nobody could
reach its step 3 there. The test also checks that the domains are needed:
outside them ClickHouse does differ from the models.
"""
from __future__ import annotations

import csv
import random
from datetime import timedelta

import pytest

from adversarial_events import EPOCH, HOUR, MINUTE, SECOND, like, utc_date
from conftest import copy_project, dbt_build, query, write_events
from funnel_options_oracle import Options, reach

pytestmark = pytest.mark.slow

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"
START_US = 1_790_812_800 * SECOND  # 2026-10-01 00:00 UTC
WINDOW_DAYS = 1
W = WINDOW_DAYS * 24 * HOUR
STEP_NAMES = ["view", "cart", "buy"]
NOISE = ["scroll", "error", "page_view"]
# funnel id -> (order_mode, its steps as (event_name, page_path_pattern))
FUNNELS = {
    "ordered": ("ordered", [(n, None) for n in STEP_NAMES]),
    "strict": ("strict", [(n, None) for n in STEP_NAMES]),
    "overlap": ("", [("view", None), ("cart", None), ("cart", "/checkout%")]),
}
MODES = {
    "strict_order": "'strict_order', 'strict_increase'",
    "increase": "'strict_increase'",
    "once": "'strict_increase', 'strict_once'",
    "order_only": "'strict_order'",  # pinned below, never compared
}


# ------------------------------------------------ the domains (see above)

def ordered_domain(events) -> bool:
    """No event completes two steps, no two events completing different
    steps share an instant. An event is (us, event_id, steps)."""
    at = {}
    for us, _, steps in events:
        if len(steps) > 1:
            return False
        if steps and at.setdefault(us, set(steps)) != set(steps):
            return False
    return True


def strict_domain(events, window) -> bool:
    """The P R T shape of the module docstring."""
    if any(len(steps) > 1 for _, _, steps in events):
        return False
    seq = sorted((us, eid, min(steps, default=0)) for us, eid, steps in events)
    first = next((i for i, e in enumerate(seq) if e[2] == 1), None)
    if first is None:
        return True
    if any(us == seq[first][0] and step for us, _, step in seq[:first]):
        return False
    i, last, start, reached, past = first, None, 0, 0, False
    while i < len(seq) and seq[i][2]:
        us, _, step = seq[i]
        if last is not None and us <= last:
            return False
        if step == 1:
            start, reached = us, 1
        elif past or step != reached + 1:
            return False
        else:
            reached = step
        past, last, i = us - start > window, us, i + 1
    rest = seq[i:]
    return not rest or (rest[0][0] > last
                        and all(step != 1 for _, _, step in rest))


DOMAINS = {"strict_order": strict_domain,
           "increase": lambda events, _: ordered_domain(events),
           "once": lambda events, _: True}


def spec_level(events, order_mode, window) -> int:
    return reach([{"event_id": eid, "us": us, "session_id": None,
                   "props": None, "steps": set(steps), "excluded": set()}
                  for us, eid, steps in events],
                 Options(window_us=window, n_steps=3,
                         order_mode=order_mode))[0]


def window_funnel(parquet, conditions, window, modes) -> dict:
    """visitor_id -> {mode: level} from chdb, over a Parquet file with
    visitor_id and us (UInt64 microseconds) and the columns that the
    condition expressions read; every row is passed."""
    import chdb

    levels = ", ".join(
        f"windowFunnel({window}, {MODES[m]})(us, c1, c2, c3) AS {m}"
        for m in modes)
    columns = ", ".join(f"toUInt8(ifNull({c}, 0)) AS c{k}"
                        for k, c in enumerate(conditions, 1))
    frame = chdb.query(f"""
        SELECT visitor_id, {levels}
        FROM (SELECT toString(visitor_id) AS visitor_id,
                     toUInt64(us) AS us, {columns}
              FROM file('{parquet}', Parquet))
        GROUP BY visitor_id""", "DataFrame")
    return {r["visitor_id"]: {m: int(r[m]) for m in modes}
            for r in frame.to_dict("records")}


# ------------------------------------------------------ pinned experiments

A, B, C, X = {1}, {2}, {3}, set()
# (what, events as (time, steps) in SPEC's order, ClickHouse's level by
# mode, SPEC's mode, SPEC's level); window 10
CASES = [
    ("no-step event between steps", [(0, A), (1, B), (2, X), (3, C)],
     {"strict_order": 2}, "strict", 2),
    ("restart after an intervention", [(0, A), (1, B), (2, X), (3, A),
                                       (4, B), (5, C)],
     {"strict_order": 2}, "strict", 3),
    ("restart without one", [(0, A), (1, B), (3, A), (4, B), (5, C)],
     {"strict_order": 3}, "strict", 3),
    ("repeated step", [(0, A), (1, B), (2, B), (3, C)],
     {"strict_order": 3}, "strict", 2),
    ("earlier step", [(0, A), (1, B), (2, A), (3, C)],
     {"strict_order": 3}, "strict", 2),
    ("step skipping one stops for good", [(0, A), (1, C), (4, A), (5, B),
                                          (6, C)],
     {"strict_order": 1}, "strict", 3),
    ("step past the window, then the next", [(0, A), (11, B), (12, C),
                                             (20, A), (21, B)],
     {"strict_order": 1}, "strict", 2),
    ("window inclusive", [(0, A), (5, B), (10, C)],
     {"strict_order": 3, "increase": 3, "once": 3}, "strict", 3),
    ("one past the window", [(0, A), (5, B), (11, C)],
     {"strict_order": 2, "increase": 2, "once": 2}, "ordered", 2),
    ("tie leaves an older chain", [(0, A), (1, B), (5, A), (5, B), (6, C)],
     {"strict_order": 3}, "strict", 2),
    ("no-step event tied after step 1 by event_id", [(0, A), (0, X), (1, B),
                                                      (2, C)],
     {"strict_order": 3}, "strict", 1),
    ("no-step event tied after step 2 by event_id", [(0, A), (1, B), (1, X),
                                                      (2, C)],
     {"strict_order": 1}, "strict", 2),
    ("one instant, two steps, without strict_increase",
     [(0, A), (0, B), (1, C)], {"order_only": 3, "strict_order": 1},
     "strict", 1),
    ("no-step event before the first step 1", [(0, X), (1, C), (2, A),
                                               (3, B), (4, C)],
     {"strict_order": 3}, "strict", 3),
    ("event completing two steps", [(0, A), (5, {1, 2}), (10, C)],
     {"strict_order": 1}, "strict", 3),
    ("event completing two steps, ordered", [(0, A), (5, {1, 2}), (10, C)],
     {"increase": 1, "once": 3}, "ordered", 3),
    ("documented edge, step 2", [(0, A), (5, B), (10, B), (10, C)],
     {"increase": 2, "once": 3}, "ordered", 3),
    ("documented edge, step 1", [(0, A), (5, A), (5, B), (10, C)],
     {"increase": 1, "once": 3}, "ordered", 3),
]


def _bitmask_parquet(path, visitors):
    """visitor -> [(us, event_id, steps)] as Parquet: visitor_id, us, s
    (bit k-1 set when the event completes step k)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    flat = [(v, us, sum(1 << (k - 1) for k in steps))
            for v, events in visitors.items() for us, _, steps in events]
    pq.write_table(pa.table({
        "visitor_id": pa.array([f[0] for f in flat], pa.string()),
        "us": pa.array([f[1] for f in flat], pa.uint64()),
        "s": pa.array([f[2] for f in flat], pa.uint8()),
    }), path)
    return path


BIT_CONDITIONS = [f"bitTest(s, {k})" for k in range(3)]


def test_window_funnel_modes_pinned(tmp_path):
    visitors = {what: [(t, f"{i:02d}", frozenset(s))
                       for i, (t, s) in enumerate(events)]
                for what, events, _, _, _ in CASES}
    got = window_funnel(_bitmask_parquet(tmp_path / "c.parquet", visitors),
                        BIT_CONDITIONS, 10, list(MODES))
    for what, _, ch_levels, mode, level in CASES:
        assert {m: got[what][m] for m in ch_levels} == ch_levels, what
        assert spec_level(visitors[what], mode, 10) == level, what


def test_domains_where_window_funnel_agrees(tmp_path):
    """Random small visitors: inside each domain ClickHouse equals the SPEC
    oracle; outside it they differ somewhere (the restriction is needed)."""
    rng = random.Random(1717)
    kinds = [X, A, A, B, B, C, C, {1, 2}, {2, 3}]
    visitors = {}
    for v in range(4000):
        t, events = 0, []
        for i in range(rng.randint(1, 8)):
            t += rng.choice([0, 0, 1, 2, 3, 5, 10, 11])
            events.append((t, f"{i:02d}", frozenset(
                rng.choice(kinds if v % 2 else kinds[:7]))))
        if rng.random() < 0.3:
            ids = [e[1] for e in events]
            rng.shuffle(ids)
            events = [(us, eid, s) for (us, _, s), eid in zip(events, ids)]
        visitors[f"v{v}"] = events
    got = window_funnel(_bitmask_parquet(tmp_path / "f.parquet", visitors),
                        BIT_CONDITIONS, 10, list(MODES))
    spec = {v: {m: spec_level(e, m, 10) for m in ("ordered", "strict")}
            for v, e in visitors.items()}
    for mode, domain in DOMAINS.items():
        spec_mode = "strict" if mode == "strict_order" else "ordered"
        inside = {v for v, e in visitors.items() if domain(e, 10)}
        wrong = [(v, got[v][mode], spec[v][spec_mode], sorted(visitors[v]))
                 for v in inside if got[v][mode] != spec[v][spec_mode]]
        assert not wrong, (mode, wrong[:5])
        assert len(inside) >= 1000, (mode, len(inside))
        if mode != "once":
            assert any(got[v][mode] != spec[v][spec_mode]
                       for v in set(visitors) - inside), mode


# ----------------------------------------------------- the dbt comparison

def strict_shaped(rng, t):
    """(us, event_name) of one visitor built inside the strict domain."""
    seq = []
    for i in range(rng.choice([0, 0, 1, 2, 3])):  # P
        t += rng.choice([0, 0, 1, SECOND, HOUR]) if i else 0
        seq.append((t, rng.choice(NOISE + ["cart", "buy"])))
    t += rng.choice([1, SECOND, HOUR])
    if rng.random() < 0.2:  # at step 1's instant, earlier by event_id
        seq.append((t, rng.choice(NOISE)))
    for _ in range(rng.choice([1, 1, 2, 3])):  # R: attempts
        start = t
        for k in range(rng.choice([1, 2, 3, 3, 3])):
            if k:
                t = rng.choice([t + rng.choice([1, SECOND, 59 * SECOND, HOUR,
                                                6 * HOUR, 12 * HOUR])]
                               + [x for x in (start + W, start + W + 1,
                                              start + W + SECOND) if x > t])
            seq.append((t, STEP_NAMES[k]))
            if t - start > W:
                break
        t += rng.choice([1, SECOND, 30 * MINUTE, 2 * HOUR, W])
    if rng.random() < 0.6:  # T: a stopper, then no step 1
        seq.append((t, rng.choice(NOISE)))
        for _ in range(rng.randint(0, 3)):
            t += rng.choice([0, 0, 1, SECOND, HOUR, W])
            seq.append((t, rng.choice(NOISE + ["cart", "cart", "buy"])))
    return seq


def free_shaped(rng, t):
    seq = []
    for i in range(rng.randint(2, 9)):
        t += rng.choice([0, 0, 1, SECOND, HOUR, 6 * HOUR, 12 * HOUR,
                         12 * HOUR + 1, W, W + 1]) if i else 0
        seq.append((t, rng.choice(STEP_NAMES * 2 + NOISE)))
    return seq


def generate(seed=17):
    rng = random.Random(seed)
    rows = []
    for v in range(3500):
        visitor = f"{'s' if v < 2000 else 'f'}{v:04d}"
        t = START_US + rng.randrange(20 * 86400) * SECOND
        seq = (strict_shaped if v < 2000 else free_shaped)(rng, t)
        ids = list(range(len(seq)))
        if v >= 2000 and rng.random() < 0.3:
            rng.shuffle(ids)
        for (us, name), i in zip(seq, ids):
            path = rng.choice(["/p/1", "/checkout"] if name == "cart"
                              else ["/p/1"])
            rows.append({
                "event_id": f"{visitor}-{i:02d}", "visitor_id": visitor,
                "session_id": "s", "event_name": name,
                "occurred_at": (EPOCH + timedelta(microseconds=us)
                                ).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "page_url": f"https://shop.example.com{path}",
                "user_agent": UA, "us": us, "path": path,
            })
    rng.shuffle(rows)
    return rows


def write_seeds(project):
    funnels = [["funnel_id", "funnel_name", "conversion_window_days",
                "description", "order_mode"]]
    goals = [["goal_id", "goal_name", "goal_type", "event_name",
              "page_path_pattern", "funnel_id", "step_order", "description"]]
    for fid, (mode, steps) in FUNNELS.items():
        funnels.append([fid, fid, WINDOW_DAYS, "", mode])
        goals += [[f"{fid}_{k}", f"{fid} {k}", "macro" if k == 3 else "micro",
                   name, pattern or "", fid, k, ""]
                  for k, (name, pattern) in enumerate(steps, 1)]
    # no exclusions (the shipped ones name the shipped funnels)
    exclusions = [["funnel_id", "event_name", "page_path_pattern", "from_step",
                   "to_step", "description"]]
    for name, table in (("funnels", funnels), ("goals", goals),
                        ("funnel_exclusions", exclusions)):
        with open(project / "seeds" / f"{name}.csv", "w", newline="") as f:
            csv.writer(f).writerows(table)


def condition(name, pattern):
    cond = f"event_name = '{name}'"
    return cond + (f" AND path LIKE '{pattern}'" if pattern else "")


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """funnel -> visitor -> (events as (us, event_id, steps), the model's
    (steps_reached, cohort_date), windowFunnel's {mode: level})."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = generate()
    work = tmp_path_factory.mktemp("chdb_options")
    project = copy_project(work / "project")
    write_seeds(project)
    build = dbt_build(work / "build", write_events(work / "raw.parquet", rows),
                      project_dir=project).check()
    reached = {(f, v): (n, d) for f, v, n, d in query(
        build.db_path,
        "select funnel_id, visitor_id, steps_reached, cohort_date "
        "from intermediate.int_funnel_visitor_reach")}
    counted = work / "counted.parquet"
    pq.write_table(pa.table({
        c: [r[c] for r in rows] for c in ("visitor_id", "event_id",
                                          "event_name", "path")
    } | {"us": pa.array([r["us"] for r in rows], pa.uint64())}), counted)
    out = {}
    for fid, (_, steps) in FUNNELS.items():
        levels = window_funnel(counted, [condition(*s) for s in steps], W,
                               list(MODES))
        events = {}
        for r in rows:
            events.setdefault(r["visitor_id"], []).append((
                r["us"], r["event_id"], frozenset(
                    k for k, (name, pattern) in enumerate(steps, 1)
                    if r["event_name"] == name
                    and (pattern is None or like(r["path"], pattern)))))
        out[fid] = {v: (e, reached.get((fid, v), (0, None)), levels[v])
                    for v, e in events.items()}
    return out


COMPARISONS = [("strict", "strict_order"), ("ordered", "increase"),
               ("ordered", "once"), ("overlap", "once")]


@pytest.mark.parametrize("fid,mode", COMPARISONS)
def test_reach_equals_window_funnel_inside_the_domain(compared, fid, mode):
    inside = {v: x for v, x in compared[fid].items() if DOMAINS[mode](x[0], W)}
    wrong = [(v, dbt[0], ch[mode], sorted(e)) for v, (e, dbt, ch)
             in inside.items() if dbt[0] != ch[mode]]
    assert not wrong, (len(wrong), wrong[:5])
    # the comparison can fail: many visitors, at every level
    assert len(inside) >= 1000, len(inside)
    assert {1, 2, 3} <= {dbt[0] for _, dbt, _ in inside.values()}
    if fid == "strict":
        assert all(v in inside for v in compared[fid] if v.startswith("s"))
        # strict's rule matters inside: it is lower than ordered's somewhere
        assert any(dbt[0] < compared["ordered"][v][1][0]
                   for v, (_, dbt, _) in inside.items())
    if mode != "once":
        # outside the domain ClickHouse's rule is not SPEC's
        assert any(dbt[0] != ch[mode] for v, (e, dbt, ch)
                   in compared[fid].items() if v not in inside)


def test_cohort_dates(compared):
    """The cohort date is the UTC date of the first step-1 event."""
    for fid, visitors in compared.items():
        for v, (events, (level, cohort), _) in visitors.items():
            firsts = [us for us, _, steps in events if 1 in steps]
            assert cohort == (utc_date(min(firsts)) if firsts else None), (
                fid, v)
            assert (level > 0) == bool(firsts), (fid, v)
