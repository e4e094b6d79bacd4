"""Deterministic adversarial raw events for the funnel and rate oracles.

Used by `test_marts_against_oracle.py`. Nothing here reads the project's
SQL: the goal definitions come from the seed CSVs (`load_definitions`), the
events are built from them (`generate`), and the helpers that interpret an
event (`parse_time_us`, `page_path`, `like`) and a funnel's options
(`chain_scope`, `chain_level`) are plain Python written from SPEC, so the
oracles that use them stay independent of the models.

Every visitor gets an archetype label; some archetypes also carry the funnel
level worked out by hand (`Dataset.expected_level`), which the test uses to
check the Python oracle itself before trusting it.
"""
from __future__ import annotations

import csv
import json
import random
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
US = 1
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

# Six weeks, Monday 2026-09-14 .. Sunday 2026-10-25, across the
# September/October month boundary.
PERIOD_START = datetime(2026, 9, 14, tzinfo=timezone.utc)
PERIOD_DAYS = 42
MONTH_BOUNDARY = datetime(2026, 10, 1, tzinfo=timezone.utc)

SEED = 20261003

HUMAN_USER_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 "
    "Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36",
]
BLANK_USER_AGENTS = [None, "", "   ", "\t"]
HOSTS = [
    "https://shop.example.com", "https://shop.example.com:8443",
    "http://www.shop.example.com", "https://m.shop.example.com",
]
BACKGROUND_PATHS = [
    "/", "/about", "/cart", "/checkout", "/blog/brewing-guide",
    "/help/returns", "/help/shipping", "/help/shipping/eu", "/contact",
    "/search", "/collections/autumn", "/account/orders",
]
BACKGROUND_EVENTS = [
    "page_view", "page_view", "page_view", "page_view", "scroll",
    "click", "newsletter_signup", "video_start", "search",
]
TIME_STYLES = ["z6"] * 14 + ["z3", "z0", "naive", "offset", "offset_basic"]
OFFSETS = [
    timedelta(hours=5, minutes=30), timedelta(hours=-4), timedelta(hours=2),
    timedelta(hours=-9, minutes=-30), timedelta(hours=14),
    timedelta(hours=-12),
]


# ---------------------------------------------------------------- definitions

@dataclass(frozen=True)
class Goal:
    goal_id: str
    goal_type: str
    event_name: str
    page_path_pattern: str | None
    funnel_id: str | None
    step_order: int | None
    max_hours_from_previous_step: float | None = None


@dataclass(frozen=True)
class Exclusion:
    """A row of seeds/funnel_exclusions.csv (SPEC section 5)."""
    event_name: str
    page_path_pattern: str | None
    from_step: int
    to_step: int


@dataclass(frozen=True)
class Funnel:
    funnel_id: str
    window_days: int
    steps: tuple  # Goals ordered by step_order
    # SPEC section 5's options as the seeds set them; the defaults are
    # section 3's funnel
    order_mode: str = "ordered"
    count_within: str = "visitor"
    hold_constant: str | None = None
    exclusions: tuple = ()  # Exclusions

    @property
    def window_us(self) -> int:
        return self.window_days * DAY


@dataclass(frozen=True)
class Definitions:
    goals: tuple
    funnels: tuple
    bot_patterns: tuple

    @property
    def main_funnel(self) -> Funnel:
        return max(self.funnels, key=lambda f: (len(f.steps), f.funnel_id))


def _read_csv(name):
    with open(SEEDS_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _option(row, column):
    """An optional seed cell: None when the column is missing or blank."""
    value = row.get(column)
    return None if value is None or value.strip() == "" else value.strip()


def load_definitions() -> Definitions:
    goals = tuple(
        Goal(
            goal_id=row["goal_id"],
            goal_type=row["goal_type"],
            event_name=row["event_name"],
            page_path_pattern=row["page_path_pattern"] or None,
            funnel_id=row["funnel_id"] or None,
            step_order=int(row["step_order"]) if row["step_order"] else None,
            max_hours_from_previous_step=(
                float(_option(row, "max_hours_from_previous_step"))
                if _option(row, "max_hours_from_previous_step") else None),
        )
        for row in _read_csv("goals.csv")
    )
    exclusions = [
        (row["funnel_id"], Exclusion(row["event_name"],
                                     row["page_path_pattern"] or None,
                                     int(row["from_step"]), int(row["to_step"])))
        for row in (_read_csv("funnel_exclusions.csv")
                    if (SEEDS_DIR / "funnel_exclusions.csv").exists() else [])
    ]
    funnels = []
    for row in _read_csv("funnels.csv"):
        steps = sorted(
            (g for g in goals if g.funnel_id == row["funnel_id"]),
            key=lambda g: g.step_order,
        )
        funnels.append(Funnel(
            row["funnel_id"], int(row["conversion_window_days"]), tuple(steps),
            order_mode=_option(row, "order_mode") or "ordered",
            count_within=_option(row, "count_within") or "visitor",
            hold_constant=_option(row, "hold_constant"),
            exclusions=tuple(x for f, x in exclusions if f == row["funnel_id"])))
    patterns = tuple(row["pattern"].lower()
                     for row in _read_csv("bot_user_agent_patterns.csv"))
    return Definitions(goals, tuple(funnels), patterns)


# ------------------------------------------------------- event interpretation

_TRIM = " \t\n\r\x0b\f"


def is_blank(text) -> bool:
    return text is None or text.strip(_TRIM) == ""


def parse_time_us(text: str) -> int:
    """Microseconds since the epoch (UTC) of an ISO-8601 string; no zone is
    UTC; a fraction beyond microseconds is truncated."""
    text = text.strip(_TRIM)
    match = re.match(r"^(.*[T ]\d\d:\d\d(?::\d\d)?)(?:\.(\d+))?(.*)$", text)
    head, fraction, zone = match.groups()
    if fraction:
        fraction = (fraction + "000000")[:6]
    moment = datetime.fromisoformat(head + ("." + fraction if fraction else "")
                                    + zone)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - EPOCH
    return (delta.days * DAY + delta.seconds * SECOND + delta.microseconds)


def utc_date(us: int) -> date:
    return (EPOCH + timedelta(microseconds=us)).date()


_SCHEME_HOST = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*")


def page_path(url):
    """The path of a page URL: the text after the host up to the first ? or
    #, `/` when that is empty, its personal data masked
    (`mask_personal_data`); None for a blank URL."""
    if is_blank(url):
        return None
    before_query = re.match(r"^[^?#]*", url).group(0)
    path = _SCHEME_HOST.sub("", before_query, count=1)
    return mask_personal_data(path or "/")


# Personal data in URL parts (models/docs.md, personal_data_masking),
# written from the rule: decode the escapes of the characters personal data
# is recognized by (an escaped % three times first, then each other escape
# once, in a fixed order), then mask.
_ESCAPE_ORDER = (["%40", "%2E", "%2e", "%2B", "%2b", "%2D", "%2d", "%3A", "%3a",
                  "%3B", "%3b", "%20", "%28", "%29"]
                 + [f"%3{d}" for d in range(10)]
                 + [f"%{h}{i}" for i in range(1, 7) for h in (4, 6)])
_LEFT_ENCODED = re.compile(r"%(40|2[0589BbDdEe]|3[0-9AaBb]|4[1-6]|6[1-6])")
_NOT_WORD_BEFORE = r"(?<![0-9A-Za-z_])"
_NOT_WORD_AFTER = r"(?![0-9A-Za-z_])"
_NOT_IN_ADDRESS = "/@?#;,:<>()\\[\\]{}\"\t\n\f\r "
_HEX = "[0-9A-Fa-f]{1,4}"


def percent_decoded(text: str) -> str:
    for _ in range(3):
        text = text.replace("%25", "%")
    for escape in _ESCAPE_ORDER:
        text = text.replace(escape, chr(int(escape[1:], 16)))
    return "[undecodable]" if _LEFT_ENCODED.search(text) else text


def _ipv4(match):
    octets = match.group(0).split(".")
    ok = all(o == str(int(o)) and int(o) <= 255 for o in octets)
    return "[ip]" if ok else match.group(0)


def _separated_phone(match):
    digits = sum(ch.isdigit() for ch in match.group(0))
    return "[phone]" if digits >= 9 else match.group(0)


_MASKS = [
    (re.compile(r";[^/]*"), ";[param]"),
    (re.compile(f"[^{_NOT_IN_ADDRESS}]+@[^.{_NOT_IN_ADDRESS}]+"
                f"(?:\\.[^.{_NOT_IN_ADDRESS}]+)+"), "[email]"),
    (re.compile(_NOT_WORD_BEFORE + r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}"
                + _NOT_WORD_AFTER), _ipv4),
    (re.compile(f"{_NOT_WORD_BEFORE}{_HEX}(?::{_HEX}){{7}}{_NOT_WORD_AFTER}"
                f"|{_NOT_WORD_BEFORE}{_HEX}(?::{_HEX}){{0,6}}::"
                f"(?:{_HEX}(?::{_HEX}){{0,6}})?"
                f"|::{_HEX}(?::{_HEX}){{0,6}}{_NOT_WORD_AFTER}"), "[ip]"),
    (re.compile(r"\+\(?[0-9](?:[ ().-]{0,2}[0-9]){6,}"), "[phone]"),
    (re.compile(r"\(?" + _NOT_WORD_BEFORE + r"[0-9]{1,8}[ ()-]{1,2}[0-9]"
                r"(?:[ ()-]{0,2}[0-9])*" + _NOT_WORD_AFTER), _separated_phone),
]


def mask_personal_data(text: str) -> str:
    """The text as given when its decoded form holds no personal data, else
    the decoded form with [email], [phone], [ip], ;[param] in place of it
    ([undecodable] when an escape is left after decoding)."""
    decoded = percent_decoded(text)
    masked = decoded
    for pattern, replacement in _MASKS:
        masked = pattern.sub(replacement, masked)
    return masked if masked != decoded or decoded == "[undecodable]" else text


def like(text, pattern) -> bool:
    """SQL LIKE, case-sensitive, no escape character: % any run, _ one."""
    if text is None:
        return False
    regex = "".join(
        ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
        for ch in pattern
    )
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def completes(goal: Goal, event_name, path) -> bool:
    if event_name != goal.event_name:
        return False
    return goal.page_path_pattern is None or like(path, goal.page_path_pattern)


def held_value(properties, key):
    """The value of `key` in JSON properties, as text (SPEC 5 hold_constant:
    values compare as text, so 42 and "42" are one value; a string is its
    own text, anything else its JSON text); None when the properties are
    not a JSON object or lack the key, or it is JSON null."""
    try:
        data = json.loads(properties) if properties else None
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get(key) is None:
        return None
    value = data[key]
    return value if isinstance(value, str) else json.dumps(value)


def chain_scope(funnel: Funnel, session_id, properties):
    """What every event of one chain shares under the funnel's options
    (SPEC 5): () with neither, else the session id (count_within session)
    and the held value (hold_constant); None when the event joins no chain
    (no session id, or no value)."""
    scope = ()
    if funnel.count_within == "session":
        if is_blank(session_id):
            return None
        scope += (session_id,)
    if funnel.hold_constant:
        value = held_value(properties, funnel.hold_constant)
        if value is None:
            return None
        scope += (value,)
    return scope


def chain_level(times_per_step, funnel: Funnel, excluded_times=()) -> int:
    """The deepest step of any chain of one scope (SPEC 3, with section 5's
    per-step windows and exclusions; ordered funnels only): times t1 < t2 <
    ... < tk of steps 1..k (times_per_step: sorted times per step) with
    tk - t1 <= the window, t(j) - t(j-1) <= a step's max hours, and, per
    exclusion (excluded_times[i]: the sorted times of the visitor's events,
    in any scope, matching funnel.exclusions[i]), no such event strictly
    between t(from_step) and t(to_step). Every chain is followed, merged
    only when they end at the same time with the same open exclusions, so
    the result is exact."""
    assert funnel.order_mode == "ordered", funnel.order_mode
    window = funnel.window_us
    hours = {k: g.max_hours_from_previous_step * HOUR
             for k, g in enumerate(funnel.steps, 1)
             if g.max_hours_from_previous_step is not None}

    def opened(step, t, still):
        return still + tuple((i, t) for i, x in enumerate(funnel.exclusions)
                             if x.from_step == step)

    def voided(i, t_from, t_to):
        times = excluded_times[i]
        return bisect_right(times, t_from) < bisect_left(times, t_to)

    best = 0
    for start in sorted(set(times_per_step[0])):
        states, level = {(start, opened(1, start, ()))}, 1
        for step in range(2, len(times_per_step) + 1):
            times, following = times_per_step[step - 1], set()
            for last, open_ in states:
                for t in times[bisect_right(times, last):]:
                    if t - start > window or t - last > hours.get(step, window):
                        break
                    if any(funnel.exclusions[i].to_step == step
                           and voided(i, t_from, t) for i, t_from in open_):
                        continue
                    still = tuple((i, t_from) for i, t_from in open_
                                  if funnel.exclusions[i].to_step != step)
                    following.add((t, opened(step, t, still)))
            if not following:
                break
            states, level = following, step
        best = max(best, level)
        if best == len(times_per_step):
            break
    return best


def is_bot_user_agent(user_agent, patterns) -> bool:
    if user_agent is None:
        return False
    lowered = user_agent.lower()
    return any(p in lowered for p in patterns)


# ----------------------------------------------------------------- generator

@dataclass
class Dataset:
    rows: list
    archetype: dict                      # visitor_id -> label
    expected_level: dict = field(default_factory=dict)  # visitor -> B level
    expected_cohort: dict = field(default_factory=dict)  # visitor -> date
    documented_disagreement: set = field(default_factory=set)
    bots: set = field(default_factory=set)
    duplicate_rows: int = 0

    @property
    def humans(self):
        return set(self.archetype) - self.bots


def _fill(pattern: str, filler: str) -> str:
    return pattern.replace("%", filler, 1).replace("%", "").replace("_", "x")


class _Generator:
    def __init__(self, definitions: Definitions, seed: int = SEED):
        self.d = definitions
        self.f = definitions.main_funnel
        self.n = len(self.f.steps)
        self.w = self.f.window_us
        self.rng = random.Random(seed)
        self.rows = []
        self.ds = Dataset(rows=self.rows, archetype={})
        self.event_counter = 0
        self.visitor_counter = 0
        self.funnel_event_names = {g.event_name for f in definitions.funnels
                                   for g in f.steps}
        self.t0 = int((PERIOD_START - EPOCH).total_seconds()) * SECOND
        self.t_end = self.t0 + PERIOD_DAYS * DAY
        for ua in HUMAN_USER_AGENTS:
            assert not is_bot_user_agent(ua, definitions.bot_patterns), ua
        self.decoy_paths = self._decoy_paths()

    # -- small helpers -----------------------------------------------------
    def visitor(self, archetype: str, bot: bool = False) -> dict:
        self.visitor_counter += 1
        vid = f"v-{self.visitor_counter:06d}"
        self.ds.archetype[vid] = archetype
        if bot:
            self.ds.bots.add(vid)
        return {"id": vid, "ua": self.rng.choice(HUMAN_USER_AGENTS),
                "session": 0}

    def fmt(self, us: int, style: str | None = None) -> str:
        style = style or self.rng.choice(TIME_STYLES)
        moment = EPOCH + timedelta(microseconds=us)
        if style == "z3" and us % 1000 == 0:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.") + \
                f"{moment.microsecond // 1000:03d}Z"
        if style == "z0" and us % SECOND == 0:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        if style == "naive":
            return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
        if style in ("offset", "offset_basic"):
            offset = self.rng.choice(OFFSETS)
            text = moment.astimezone(timezone(offset)).isoformat(
                timespec="microseconds")
            if style == "offset_basic":
                text = text[:-3] + text[-2:]
            return text
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def emit(self, v: dict, event_name: str, us: int, url=None, ua="visitor",
             style=None, properties=None) -> dict:
        self.event_counter += 1
        row = {
            "event_id": f"e-{self.event_counter:08d}",
            "visitor_id": v["id"],
            "session_id": f"s-{v['id']}-{v['session']}",
            "event_name": event_name,
            "occurred_at": self.fmt(us, style),
            "page_url": url,
            "referrer_url": self.rng.choice(
                [None, "https://www.google.com/", "https://shop.example.com/"]),
            "user_agent": v["ua"] if ua == "visitor" else ua,
            "properties": properties,
        }
        self.rows.append(row)
        return row

    def url(self, path: str) -> str:
        suffix = self.rng.choice(["", "", "?utm_source=news&utm_medium=mail",
                                  "#reviews", "?q=1#top"])
        return self.rng.choice(HOSTS) + path + suffix

    def step_url(self, goal: Goal):
        if goal.page_path_pattern is None:
            if goal.event_name == "purchase" and self.rng.random() < 0.2:
                return None        # server-side purchase: no page at all
            return self.url(self.rng.choice(BACKGROUND_PATHS))
        filler = self.rng.choice(["pour-over-kettle", "grinder-c2", "", "a/b"])
        return self.url(_fill(goal.page_path_pattern, filler))

    def step(self, v, k: int, us: int, style=None):
        """An event completing step k (1-based) of the main funnel."""
        goal = self.f.steps[k - 1]
        return self.emit(v, goal.event_name, us, self.step_url(goal),
                         style=style)

    def completes_any_step(self, event_name, url) -> bool:
        path = page_path(url)
        return any(completes(g, event_name, path)
                   for f in self.d.funnels for g in f.steps)

    def background(self, v, around_us: int, count: int):
        """Events that complete no funnel step (other goals allowed)."""
        for _ in range(count):
            us = around_us + self.rng.randint(-3 * HOUR, 3 * HOUR)
            us = min(max(us, self.t0), self.t_end - 1)
            for _attempt in range(20):
                name = self.rng.choice(BACKGROUND_EVENTS)
                url = self.url(self.rng.choice(BACKGROUND_PATHS))
                if not self.completes_any_step(name, url):
                    break
            else:
                continue
            self.emit(v, name, us, url)

    def _decoy_paths(self):
        """Paths that look like step 1's pattern but do not match it."""
        pattern = self.f.steps[0].page_path_pattern
        if pattern is None:
            return []
        matching = _fill(pattern, "pour-over-kettle")
        prefix = pattern.split("%")[0]
        bare = prefix.rstrip("/") or "/x"
        candidates = [
            bare, bare + "-on-sale", bare + "-on-sale/kettle",
            bare.upper() + "/kettle", matching.upper(), "/en" + matching,
            bare + "?next=" + matching, bare + "#" + matching,
            "/search?q=" + matching,
            # no path at all: the pattern only in the query or the fragment
            # (hash routing); the path is "/"
            "?next=" + matching, "#" + matching,
        ]
        decoys = [c for c in candidates
                  if not like(page_path("https://shop.example.com" + c),
                              pattern)]
        assert decoys, f"no non-matching decoy path for pattern {pattern!r}"
        return decoys

    def decoy(self, v, us: int):
        goal = self.f.steps[0]
        path = self.rng.choice(self.decoy_paths)
        url = self.rng.choice(HOSTS) + path
        assert not self.completes_any_step(goal.event_name, url), url
        return self.emit(v, goal.event_name, us, url)

    def random_start(self, margin_days: float = 0) -> int:
        """A random instant in the period, leaving `margin_days` at the end."""
        span = PERIOD_DAYS * DAY - int(margin_days * DAY) - HOUR
        return self.t0 + self.rng.randrange(0, max(span, DAY))

    def gap(self) -> int:
        kind = self.rng.random()
        if kind < 0.45:
            return self.rng.randint(1, 30 * MINUTE)
        if kind < 0.75:
            return self.rng.randint(30 * MINUTE, 2 * DAY)
        return self.rng.randint(2 * DAY, self.w + 3 * DAY)

    def expect(self, v, level: int, cohort_us: int):
        self.ds.expected_level[v["id"]] = level
        self.ds.expected_cohort[v["id"]] = utc_date(cohort_us)

    # -- archetypes --------------------------------------------------------
    def organic(self, count: int):
        """Random browsing with random funnel journeys (some out of order,
        repeated, abandoned, server-side purchases, decoy page views)."""
        for _ in range(count):
            v = self.visitor("organic")
            for _journey in range(self.rng.choice([1, 1, 1, 2, 2, 3])):
                v["session"] += 1
                us = self.random_start()
                self.background(v, us, self.rng.randint(1, 4))
                if self.rng.random() < 0.15:
                    self.decoy(v, us - self.rng.randint(1, HOUR))
                depth = self.rng.choices(range(0, self.n + 1),
                                         weights=[3] + [4] * self.n)[0]
                for k in range(1, depth + 1):
                    if k > 1 and self.rng.random() < 0.1:
                        # out of order: a later step first
                        j = self.rng.randint(k, self.n)
                        self.step(v, j, max(us - self.rng.randint(0, HOUR),
                                            self.t0))
                    self.step(v, k, us)
                    if self.rng.random() < 0.1:
                        self.step(v, k, us + self.rng.randint(0, 2 * HOUR))
                    us += self.gap()
                    if us >= self.t_end:
                        break

    def ties(self, count: int):
        """Step k and step k+1 at the same instant (once each): the chain
        stops at k."""
        for i in range(count):
            v = self.visitor("tie")
            k = 1 + i % (self.n - 1)
            t1 = self.random_start(self.f.window_days) // SECOND * SECOND
            us = t1
            for j in range(1, self.n + 1):
                self.step(v, j, us)
                if j != k:
                    us += self.rng.randint(1, 6 * HOUR)
            self.background(v, t1, 3)
            self.expect(v, k, t1)

    def out_of_order(self, count: int):
        """Step 3 before step 2 (and later steps after): reaches step 2;
        half of them do step 3 again later and reach the end."""
        if self.n < 3:
            return
        for i in range(count):
            v = self.visitor("out_of_order")
            t1 = self.random_start(self.f.window_days)
            self.step(v, 1, t1)
            self.step(v, 3, t1 + 10 * MINUTE)
            self.step(v, 2, t1 + 20 * MINUTE)
            for j in range(4, self.n + 1):
                self.step(v, j, t1 + (20 + j) * MINUTE)
            level = 2
            if i % 2:
                # a second step 3 after step 2 completes the chain
                self.step(v, 3, t1 + 21 * MINUTE)
                level = self.n
            self.background(v, t1, 2)
            self.expect(v, level, t1)

    def window_boundary(self, count: int):
        """Last step exactly at t1 + window (reaches the end), one second or
        one microsecond past it (stops one step short), and a restart whose
        later start makes the late last step fit."""
        for i in range(count):
            kind = ["exact", "plus_1s", "plus_1us", "exact", "restart"][i % 5]
            v = self.visitor(f"window_{kind}")
            t1 = self.random_start(self.f.window_days + 1)
            if i % 3 == 0:
                t1 = t1 // SECOND * SECOND  # whole seconds, some z0 strings
            self.step(v, 1, t1)
            for j in range(2, self.n):
                self.step(v, j, t1 + j * HOUR)
            last = t1 + self.w + {"exact": 0, "plus_1s": SECOND,
                                  "plus_1us": US, "restart": 30 * MINUTE}[kind]
            if kind == "restart":
                self.step(v, 1, t1 + HOUR)
            self.step(v, self.n, last)
            self.background(v, t1, 2)
            level = self.n if kind in ("exact", "restart") else self.n - 1
            self.expect(v, level, t1)

    def restarts(self, count: int):
        """Visitors starting the funnel 5-50 times, with random later steps
        sprinkled in; half of them finish with a full chain."""
        for i in range(count):
            v = self.visitor("restarts")
            starts = self.rng.randint(5, 50)
            us = self.random_start(self.f.window_days + 2)
            first = us
            for _ in range(starts):
                self.step(v, 1, us)
                if self.rng.random() < 0.5:
                    k = self.rng.randint(2, self.n)
                    self.step(v, k, us + self.rng.randint(-HOUR, 3 * HOUR))
                us += self.rng.choice([self.rng.randint(1, HOUR),
                                       self.rng.randint(HOUR, DAY // 2)])
            if i % 2 == 0:
                us = min(us, self.t_end - (self.n + 2) * HOUR)
                for k in range(2, self.n + 1):
                    self.step(v, k, us + k * HOUR)
            self.background(v, first, 3)

    def later_deeper(self, count: int):
        """A first chain that stops at step 2, then, more than a window
        later, a second chain that goes to the end: counted under the first
        entry's date with the deeper level."""
        for _ in range(count):
            v = self.visitor("later_deeper")
            t1 = self.t0 + self.rng.randrange(0, 10 * DAY)
            self.step(v, 1, t1)
            self.step(v, 2, t1 + 5 * MINUTE)
            t2 = t1 + self.w + self.rng.randint(DAY, 15 * DAY)
            v["session"] += 1
            for k in range(1, self.n + 1):
                self.step(v, k, t2 + k * 2 * HOUR)
            self.background(v, t2, 2)
            self.expect(v, self.n, t1)

    def repeated_steps(self, count: int):
        """Every step repeated (distinct times, some step 1 twice at the same
        instant): reaches the end, cohort = first step 1."""
        for _ in range(count):
            v = self.visitor("repeated_steps")
            t1 = self.random_start(self.f.window_days)
            us = t1
            for k in range(1, self.n + 1):
                for _rep in range(self.rng.randint(2, 4)):
                    self.step(v, k, us)
                    if not (k == 1 and self.rng.random() < 0.3):
                        us += self.rng.randint(1, HOUR)
                us += self.rng.randint(1, HOUR)
            self.expect(v, self.n, t1)

    def two_dates(self, count: int):
        """Step 1 late on one day and again on a later date; only the later
        entry leads to the last step within the window."""
        for _ in range(count):
            v = self.visitor("two_dates")
            day = self.t0 + self.rng.randrange(0, PERIOD_DAYS - 12) * DAY
            t1 = day + 23 * HOUR + self.rng.randint(0, HOUR - 1)
            t1b = day + self.rng.randint(2, 3) * DAY + 10 * HOUR
            self.step(v, 1, t1)
            self.step(v, 1, t1b)
            for k in range(2, self.n):
                self.step(v, k, t1b + (k - 1) * HOUR)
            self.step(v, self.n, t1b + self.w - HOUR)   # > t1 + window
            self.expect(v, self.n, t1)

    def calendar_edges(self, count: int):
        """Activity at the last microsecond of a Sunday / September and the
        first of the next Monday / October, some written with offsets."""
        sundays = [self.t0 + (7 * w + 7) * DAY for w in range(5)]  # Mondays
        month = int((MONTH_BOUNDARY - EPOCH).total_seconds()) * SECOND
        edges = sundays + [month]
        other_goals = [g for g in self.d.goals if g.funnel_id is None]
        for i in range(count):
            v = self.visitor("calendar_edges")
            edge = edges[i % len(edges)]
            before, after = edge - US, edge
            style = ["z6", "offset", "offset_basic", "naive"][i % 4]
            if i % 3 == 0:
                self.step(v, 1, before, style=style)
                self.step(v, 2, after, style=style)
                self.expect(v, 2, before)
            elif i % 3 == 1:
                goal = other_goals[i % len(other_goals)] if other_goals else None
                if goal is not None:
                    url = self.url(_fill(goal.page_path_pattern or "/", "-x"))
                    self.emit(v, goal.event_name, before, url, style=style)
                self.emit(v, "page_view", after, self.url("/"), style=style)
            else:
                self.emit(v, "page_view", before, self.url("/about"),
                          style=style)
                self.step(v, 1, after, style=style)
                self.step(v, self.n, after + DAY, style=style)
                self.expect(v, 1 if self.n > 2 else 2, after)

    def clickhouse_disagreement(self, count: int):
        """The documented edge: a repeated step k event at the same instant as
        the step k+1 event (1@0s, 2@5s, 2@10s, 3@10s). SPEC's chain
        1@0 < 2@5 < 3@10 reaches step 3 (and further steps after it);
        ClickHouse's windowFunnel keeps only the latest step-2 event (10 s)
        and cannot take the step-3 event at 10 s."""
        for i in range(count):
            v = self.visitor("clickhouse_disagreement")
            k = 1 + i % (self.n - 1)
            t1 = self.random_start(self.f.window_days) // SECOND * SECOND
            us = t1
            for j in range(1, k + 1):
                self.step(v, j, us)
                us += 5 * SECOND
            tie = us                      # 5 s after the first step k
            self.step(v, k, tie)          # the repeated step k ...
            self.step(v, k + 1, tie)      # ... at the instant of step k+1
            for j in range(k + 2, self.n + 1):
                self.step(v, j, tie + (j - k - 1) * 10 * SECOND)
            self.background(v, t1, 2)
            self.expect(v, self.n, t1)
            self.ds.documented_disagreement.add(v["id"])

    def decoys(self, count: int):
        """Page views that look like step 1 but do not match its pattern,
        then later steps: never entered (or entered only by a real step 1)."""
        for i in range(count):
            v = self.visitor("decoys")
            us = self.random_start(self.f.window_days)
            self.decoy(v, us)
            self.decoy(v, us + MINUTE)
            for k in range(2, self.n + 1):
                self.step(v, k, us + k * MINUTE)
            if i % 4 == 0:
                real = us + 10 * MINUTE
                self.step(v, 1, real)
                self.step(v, 2, real + MINUTE)
                self.expect(v, 2, real)

    def mixed_user_agents(self, count: int):
        """Humans with some blank user agents: one non-empty agent suffices."""
        for _ in range(count):
            v = self.visitor("mixed_user_agents")
            us = self.random_start(self.f.window_days)
            for j in range(1, self.n + 1):
                ua = self.rng.choice(BLANK_USER_AGENTS) if j % 2 else "visitor"
                self.emit(v, self.f.steps[j - 1].event_name, us + j * MINUTE,
                          self.step_url(self.f.steps[j - 1]), ua=ua)
            self.emit(v, "page_view", us, self.url("/"),
                      ua=self.rng.choice(BLANK_USER_AGENTS))
            self.expect(v, self.n, us + MINUTE)

    def bot_user_agent(self, pattern: str, i: int) -> str:
        shown = [pattern, pattern.upper(), pattern.title()][i % 3]
        return f"Mozilla/5.0 (compatible; {shown}/2.1; +https://example.org)"

    def bots(self, count: int):
        """Declared bots (pattern in any case), blank-agent bots, a bot that
        completes the whole funnel, and bots with one bot event among
        browser-looking ones."""
        patterns = self.d.bot_patterns
        for i in range(count):
            kind = ["declared", "blank", "full_funnel", "one_bot_event"][i % 4]
            v = self.visitor(f"bot_{kind}", bot=True)
            if kind == "declared":
                v["ua"] = self.bot_user_agent(patterns[i % len(patterns)], i)
            elif kind == "blank":
                v["ua"] = self.rng.choice(BLANK_USER_AGENTS)
            elif kind == "full_funnel":
                v["ua"] = self.bot_user_agent(patterns[i % len(patterns)], i)
            t1 = self.random_start(self.f.window_days)
            for k in range(1, self.n + 1):
                self.step(v, k, t1 + k * MINUTE)
            self.background(v, t1, 3)
            if kind == "one_bot_event":
                self.emit(v, "page_view", t1 + HOUR, self.url("/"),
                          ua=self.bot_user_agent(
                              patterns[(i // 4) % len(patterns)], i))
        # and one bot that completes the funnel at every step, twice
        v = self.visitor("bot_full_funnel", bot=True)
        v["ua"] = self.bot_user_agent(patterns[0], 0)
        for start in (self.t0 + DAY, self.t0 + 20 * DAY):
            for k in range(1, self.n + 1):
                self.step(v, k, start + k * MINUTE)

    def duplicates(self, share: float):
        """Retries of funnel (and some other) events: the same row with a
        later occurred_at (1 us to 9 days later), or the identical row."""
        originals = list(self.rows)
        added = 0
        for row in originals:
            funnel = row["event_name"] in self.funnel_event_names
            if self.rng.random() >= (share if funnel else share / 4):
                continue
            copy = dict(row)
            us = parse_time_us(row["occurred_at"])
            roll = self.rng.random()
            if roll < 0.1:
                pass                                      # identical resend
            else:
                delay = self.rng.choice([US, SECOND, HOUR, DAY, self.w + DAY,
                                         9 * DAY, self.rng.randint(1, DAY)])
                copy["occurred_at"] = self.fmt(us + delay)
            self.rows.append(copy)
            added += 1
        self.ds.duplicate_rows = added

    def build(self) -> Dataset:
        self.organic(3200)
        self.ties(200)
        self.out_of_order(200)
        self.window_boundary(250)
        self.restarts(300)
        self.later_deeper(200)
        self.repeated_steps(200)
        self.two_dates(150)
        self.calendar_edges(180)
        self.clickhouse_disagreement(150)
        self.decoys(200)
        self.mixed_user_agents(100)
        self.bots(120)
        self.duplicates(0.08)
        self.rng.shuffle(self.rows)
        return self.ds


def generate(definitions: Definitions | None = None, seed: int = SEED
             ) -> Dataset:
    return _Generator(definitions or load_definitions(), seed).build()
