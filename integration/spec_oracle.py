"""SPEC section 1 written again in plain Python, as an independent oracle.

It shares no code with the dbt models: it reads raw rows (dicts of text or
None) and decides each row's fate (rejected with a reason, duplicate, bot,
counted) with the rules of SPEC section 1, so tests can compare the
project's audit tables and staging with it.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta

ASCII_WHITESPACE = " \t\n\r\x0b\x0c"
TIME_RE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]+))?)?"
    r"(Z|([+-])([0-9]{2}):?([0-9]{2}))?"
)
COLUMNS = ["event_id", "visitor_id", "session_id", "event_name", "occurred_at",
           "page_url", "referrer_url", "user_agent", "properties"]


def is_blank(value) -> bool:
    return value is None or value.strip(ASCII_WHITESPACE) == ""


def parse_time(text):
    """UTC datetime of a SPEC time string, or None when it is not a time."""
    if text is None:
        return None
    match = TIME_RE.fullmatch(text.strip(ASCII_WHITESPACE))
    if not match:
        return None
    y, mo, d, h, mi, s, frac, zone, sign, zh, zm = match.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0),
                         int((frac or "")[:6].ljust(6, "0")))
    except ValueError:
        return None
    if zone and zone != "Z":
        if int(zh) > 23 or int(zm) > 59:
            return None
        offset = timedelta(hours=int(zh), minutes=int(zm))
        value = value - offset if sign == "+" else value + offset
    return value


def reject_reason(row):
    if row.get("_unreadable"):
        return "unreadable_row"
    if is_blank(row.get("event_id")):
        return "missing_event_id"
    if is_blank(row.get("visitor_id")):
        return "missing_visitor_id"
    if is_blank(row.get("event_name")):
        return "missing_event_name"
    if parse_time(row.get("occurred_at")) is None:
        return "invalid_occurred_at"
    return None


def _none_last(value):
    return (value is None, value or "")


def classify(rows, bot_patterns):
    """Each row's fate, in input order: (status, reason)."""
    fates = [None] * len(rows)
    accepted_by_id = defaultdict(list)
    for i, row in enumerate(rows):
        reason = reject_reason(row)
        if reason:
            fates[i] = ("rejected", reason)
        else:
            accepted_by_id[row["event_id"]].append(i)
    kept = []
    for indexes in accepted_by_id.values():
        def key(i):
            row = rows[i]
            return (parse_time(row["occurred_at"]),
                    *[_none_last(row.get(c)) for c in COLUMNS])
        ordered = sorted(indexes, key=key)
        kept.append(ordered[0])
        for i in ordered[1:]:
            fates[i] = ("duplicate", None)
    patterns = [p.lower() for p in bot_patterns]
    has_agent, has_bot_agent = defaultdict(bool), defaultdict(bool)
    for i in kept:
        visitor, agent = rows[i]["visitor_id"], rows[i].get("user_agent")
        has_agent[visitor] |= not is_blank(agent)
        has_bot_agent[visitor] |= agent is not None and any(
            p in agent.lower() for p in patterns)
    for i in kept:
        visitor = rows[i]["visitor_id"]
        is_bot = has_bot_agent[visitor] or not has_agent[visitor]
        fates[i] = ("bot", None) if is_bot else ("counted", None)
    return fates
