"""SPEC section 5 (funnel options) written again in plain Python, from the
SPEC text alone, as an independent oracle of funnel reach.

Deliberately naive: it enumerates every chain (ordered, strict) or every
span (any_order) of a visitor by brute force, so it is only meant for the
small visitors of generated test data. It shares no code with the models.

An event is a dict: event_id, us (microseconds, UTC), session_id (text or
None), props (dict or None: the parsed JSON properties), steps (the set of
step numbers 1..n of this funnel it completes) and excluded (the set of
indexes into the funnel's exclusions it matches). A visitor's events are
all their counted events, steps or not (strict order looks at all of them).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

HOUR_US = 3600 * 1_000_000


@dataclass
class Options:
    window_us: int
    n_steps: int
    order_mode: str = "ordered"
    count_within: str = "visitor"
    hold_constant: str | None = None
    # step number (2..n) -> hours
    max_hours: dict = field(default_factory=dict)
    # (from_step, to_step) per exclusion, same order as event["excluded"]
    exclusions: list = field(default_factory=list)


def _is_blank(value) -> bool:
    return value is None or value.strip(" \t\n\r\x0b\x0c") == ""


def _hold_value(event, key):
    """The value of `key` as text (the project's reading of "the same
    value": a string without its quotes, a number or boolean as JSON
    writes it, so 42 and "42" are one value); None when the properties
    are not a JSON object, lack the key or hold null there."""
    props = event.get("props")
    if not isinstance(props, dict) or key not in props:
        return None
    value = props[key]
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _scope(event, opts: Options):
    """The scope key of an event, or None when it joins no chain."""
    key = []
    if opts.count_within == "session":
        if _is_blank(event.get("session_id")):
            return None
        key.append(event["session_id"])
    if opts.hold_constant:
        value = _hold_value(event, opts.hold_constant)
        if value is None:
            return None
        key.append(value)
    return tuple(key)


def _voided(chain, exclusions, excluded_times):
    """True when an exclusion (f, t) has an excluded event strictly
    between the chain's step f and step t (both in the chain)."""
    for i, (f, t) in enumerate(exclusions):
        if t <= len(chain):
            lo, hi = chain[f - 1]["us"], chain[t - 1]["us"]
            if any(lo < x < hi for x in excluded_times[i]):
                return True
    return False


def _ordered_level(events, opts: Options) -> int:
    ordered = sorted(events, key=lambda e: (e["us"], e["event_id"]))
    # strict: the position of each event among the visitor's events within
    # the count_within scope (session, or all)
    position = {}
    if opts.order_mode == "strict":
        groups = {}
        for e in ordered:
            if opts.count_within == "session":
                if _is_blank(e.get("session_id")):
                    continue
                groups.setdefault(e["session_id"], []).append(e)
            else:
                groups.setdefault(None, []).append(e)
        for group in groups.values():
            for i, e in enumerate(group):
                position[id(e)] = (id(group), i)
    excluded_times = [[e["us"] for e in events if i in e["excluded"]]
                      for i in range(len(opts.exclusions))]
    best = 0

    def extend(chain):
        nonlocal best
        k = len(chain)
        best = max(best, k)
        if k == opts.n_steps or best == opts.n_steps:
            return
        first, last = chain[0], chain[-1]
        scope = _scope(first, opts)
        for e in ordered:
            if k + 1 not in e["steps"] or _scope(e, opts) != scope:
                continue
            if not e["us"] > last["us"]:
                continue
            if e["us"] - first["us"] > opts.window_us:
                continue
            hours = opts.max_hours.get(k + 1)
            if hours is not None and e["us"] - last["us"] > hours * HOUR_US:
                continue
            if opts.order_mode == "strict":
                group_last, i_last = position.get(id(last), (None, None))
                group_e, i_e = position.get(id(e), (None, None))
                if group_e is None or group_e != group_last or i_e != i_last + 1:
                    continue
            if _voided(chain + [e], opts.exclusions, excluded_times):
                continue
            extend(chain + [e])

    for e in ordered:
        if 1 in e["steps"] and _scope(e, opts) is not None:
            extend([e])
    return best


def _matching(span, n_steps) -> int:
    """Most distinct steps the span's events complete, one event per step
    (bipartite matching, augmenting paths)."""
    owner = {}

    def assign(i, seen):
        for step in span[i]["steps"]:
            if step in seen:
                continue
            seen.add(step)
            if step not in owner or assign(owner[step], seen):
                owner[step] = i
                return True
        return False

    return sum(assign(i, set()) for i in range(len(span)))


def _any_order_level(events, opts: Options) -> int:
    steps = [e for e in events if e["steps"] and _scope(e, opts) is not None]
    best = 0
    for start in steps:
        scope = _scope(start, opts)
        span = [e for e in steps if _scope(e, opts) == scope
                and start["us"] <= e["us"] <= start["us"] + opts.window_us]
        best = max(best, _matching(span, opts.n_steps))
    return best


def reach(events, opts: Options):
    """(level, cohort_us) of one visitor: the deepest level, and the time
    of the event that dates the cohort (first step-1 event; any_order: the
    first event completing any step); (0, None) when they never entered."""
    if opts.order_mode == "any_order":
        level = _any_order_level(events, opts)
        firsts = [e["us"] for e in events if e["steps"]]
    else:
        level = _ordered_level(events, opts)
        firsts = [e["us"] for e in events if 1 in e["steps"]]
    if level == 0:
        return 0, None
    return level, min(firsts)
