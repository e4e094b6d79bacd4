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


def traffic_reasons(rows, fates, bot_patterns, rules=()):
    """Issue 18: each visitor with accepted rows (fate bot or counted, by
    `classify`) and their one reason, the first that applies:
    user_agent_pattern, no_user_agent, behaviour:<rule_id> (the enabled
    rules, dicts as in seeds/bot_behaviour_rules.csv, in rule_id order: more
    than max_events accepted events within less than per_seconds seconds),
    else human. `fates` decide only which rows are accepted."""
    patterns = [p.lower() for p in bot_patterns]
    times = defaultdict(list)
    has_agent, has_bot_agent = defaultdict(bool), defaultdict(bool)
    for row, (status, _) in zip(rows, fates):
        if status not in ("bot", "counted"):
            continue
        visitor, agent = row["visitor_id"], row.get("user_agent")
        times[visitor].append(parse_time(row["occurred_at"]))
        has_agent[visitor] |= not is_blank(agent)
        has_bot_agent[visitor] |= agent is not None and any(
            p in agent.lower() for p in patterns)
    enabled = sorted((r for r in rules if str(r["enabled"]).lower() == "true"),
                     key=lambda r: r["rule_id"])
    reasons = {}
    for visitor, stamps in times.items():
        stamps.sort()
        reason = "human"
        if has_bot_agent[visitor]:
            reason = "user_agent_pattern"
        elif not has_agent[visitor]:
            reason = "no_user_agent"
        else:
            for rule in enabled:
                n = int(rule["max_events"])
                window = timedelta(seconds=float(rule["per_seconds"]))
                if any(stamps[i + n] - stamps[i] < window
                       for i in range(len(stamps) - n)):
                    reason = f"behaviour:{rule['rule_id']}"
                    break
        reasons[visitor] = reason
    return reasons


def traffic_classification(rows, fates, reasons):
    """audit.traffic_classification written again: {(date, class, reason):
    (visitors, events)} over the accepted rows."""
    visitors, events = defaultdict(set), defaultdict(int)
    for row, (status, _) in zip(rows, fates):
        if status not in ("bot", "counted"):
            continue
        reason = reasons[row["visitor_id"]]
        key = (parse_time(row["occurred_at"]).date(),
               "human" if reason == "human" else "bot", reason)
        visitors[key].add(row["visitor_id"])
        events[key] += 1
    return {key: (len(visitors[key]), events[key]) for key in events}


# ------------------------------------------------------------ finality
# SPEC section 4, "Finality", written again: from the counted events' times
# (UTC datetimes) alone.

def period_start(grain: str, day):
    """The first day of the period (ISO week: Monday) holding `day`."""
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_end(grain: str, start):
    """The day after the period's last day (its end is that midnight)."""
    if grain == "day":
        return start + timedelta(days=1)
    if grain == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


class Coverage:
    """How far counted events reach: data_through (the latest counted event
    time), the first counted event's day, and the days with counted events."""

    def __init__(self, times):
        times = list(times)
        self.data_through = max(times) if times else None
        self.days = {t.date() for t in times}
        self.first_day = min(self.days) if self.days else None

    def final_after(self, end_day, days: int) -> datetime:
        return datetime.combine(end_day, datetime.min.time()) + timedelta(
            days=days)

    def is_final(self, final_after: datetime) -> bool:
        """Final once data_through is strictly later than final_after."""
        return self.data_through is not None and self.data_through > final_after

    def covers_whole_period(self, grain: str, start) -> bool:
        """Not before the first counted event's day and not ending after
        data_through (SPEC section 4)."""
        if self.data_through is None:
            return False
        end = period_end(grain, start)
        if start < self.first_day:
            return False
        return datetime.combine(end, datetime.min.time()) <= self.data_through

    def period_finality(self, grain: str, start, lookback_days: int) -> dict:
        final_after = self.final_after(period_end(grain, start), lookback_days)
        return {"data_through": self.data_through,
                "is_final": self.is_final(final_after),
                "final_after": final_after,
                "covers_whole_period": self.covers_whole_period(grain, start)}

    def cohort_finality(self, cohort_date, window_days: int) -> dict:
        final_after = self.final_after(cohort_date + timedelta(days=1),
                                       window_days)
        return {"data_through": self.data_through,
                "is_final": self.is_final(final_after),
                "final_after": final_after,
                "covers_whole_period": self.covers_whole_period(
                    "day", cohort_date)}
