"""Hostile raw events and definitions, generated with Hypothesis.

Shared by test_hostile_input.py and test_personal_data.py. Nothing here
reads the project's SQL: rows are dicts of the nine raw columns (text or
None), as integration/spec_oracle.py takes them.

Generation is deterministic (`derandomize=True`, no example database): a
few `@given` examples, each drawing a list of rows, are collected into one
dataset per build, so a handful of dbt builds see thousands of rows.
"""
from __future__ import annotations

import csv
import json
import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

import spec_oracle
from adversarial_events import mask_personal_data

COLUMNS = spec_oracle.COLUMNS
ASCII_WHITESPACE = spec_oracle.ASCII_WHITESPACE

# ------------------------------------------------------------------ strings

SQL_FRAGMENTS = [
    "'; drop table marts.dim_goals; --",
    "\") or 1=1 --",
    "'); delete from audit.rejected_events; --",
    "x' union select * from information_schema.tables --",
    "{{ log('jinja', info=true) }}",
    "{% raise %}",
    "$$; drop schema marts cascade; $$",
    "\\'; drop table staging.stg_events__raw_rows; --",
    "Robert'); DROP TABLE students;--",
]
QUOTES = ["'", "''", "\"", "\"\"", "`", "'\"'\"", "\\", "\\'", "it's", "O'Brien \"best\" %_\\"]
WHITESPACE_ONLY = [" ", "   ", "\t", "\n", "\r\n", "\x0b", "\x0c", " \t\r\n\x0b\x0c "]
# Not ASCII whitespace: an id made of these is not blank (SPEC "empty").
UNICODE_BLANKS = ["\u00a0", "\u2003", "\u3000", "\u200b", "\ufeff", "\u2028"]
CONTROL = ["\x00", "a\x00b", "\x01\x02\x1b[31m", "\x7f", "\x85", "\ud7ff", "\U0010ffff",
           "e\u0301", "\u202etxet", "😀👍🏽", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "İstanbul", "ǅ", "ﬀ"]
HOSTILE = SQL_FRAGMENTS + QUOTES + CONTROL + UNICODE_BLANKS

HUGE = [
    "x" * 100_000,
    ("'; drop table marts.dim_goals; -- " * 3000)[:100_000],
    "😀" * 25_000,  # 100 kB of UTF-8
    "a\x00" * 50_000,
]
HUGE_URL = ("https://shop.example.com/products/" + "p" * 50_000
            + "?token=" + "s" * 50_000)

EDGE_TIMES = [
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00-23:59", "9999-12-31T00:00:00+23:59",
    # valid times whose UTC value leaves years 1..9999
    "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
    "10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
    "99999-12-31T23:59:59Z", "2026-10-01T10:00:00+23:59",
    "2026-10-01T10:00:00-2359", "2026-10-01T10:00:00+24:00",
    "2026-10-01T10:00:00+00:60", "2026-10-01T10:00:00-00:00",
    "2026-10-01T24:00:00Z", "2026-10-01T23:59:60Z", "2026-02-29T10:00:00Z",
    "2024-02-29T10:00:00Z", "2026-10-01T10:00:00.1234567890123Z",
    "2026-10-01T10:00", "2026-10-01 10:00:00", " \t2026-10-01T10:00:00Z\r\n",
    "\u00a02026-10-01T10:00:00Z", "2026-10-01", "2026-10-01T10:00:00 UTC",
    "2026-10-01T10:00:00+05", "epoch", "now", "", "   ",
    "2026-10-01T10:00:00Z'; drop table marts.dim_goals; --",
    "２０２６-10-01T10:00:00Z", "2026-10-01T10:00:00z", "2026-10-01t10:00:00Z",
]

EVENT_NAMES = ["page_view", "add_to_cart", "begin_checkout", "purchase",
               "newsletter_signup", "video_start", "scroll"]
BROWSERS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15",
]
BOTS = ["Mozilla/5.0 (compatible; GoogleBot/2.1)", "python-requests/2.32",
        "curl/8.5.0", "Mozilla/5.0 HeadlessChrome/120", "UptimeRobot/2.0"]

# ---------------------------------------------------------------- strategies

any_char = st.characters(blacklist_categories=("Cs",))
any_text = st.text(any_char, max_size=24)
hostile = st.sampled_from(HOSTILE)


def weighted(*choices):
    """One of `(weight, strategy)` pairs, picked by weight (percent)."""
    total = sum(w for w, _ in choices)

    @st.composite
    def pick(draw):
        n = draw(st.integers(0, total - 1))
        for w, strategy in choices:
            if n < w:
                return draw(strategy)
            n -= w
        raise AssertionError

    return pick()


def _id(pool):
    return weighted((80, st.sampled_from(pool)), (6, hostile), (6, any_text),
                    (4, st.sampled_from(WHITESPACE_ONLY)), (4, st.none()))


EVENT_IDS = [f"e-{n}" for n in range(40)] + ["007", "E-1", "e-1 ", SQL_FRAGMENTS[0]]
VISITORS = [f"v-{n}" for n in range(20)] + [SQL_FRAGMENTS[1], "it's", "\x00", "\u00a0"]


@st.composite
def valid_times(draw):
    moment = draw(st.datetimes(min_value=datetime(2026, 9, 20),
                               max_value=datetime(2026, 10, 25)))
    style = draw(st.sampled_from(["Z", "Z6", "naive", "space", "offset",
                                  "basic", "minutes", "long"]))
    if style in ("offset", "basic"):
        minutes = draw(st.integers(-(23 * 60 + 59), 23 * 60 + 59))
        sign = "-" if minutes < 0 else "+"
        hh, mm = divmod(abs(minutes), 60)
        local = moment + timedelta(minutes=minutes)
        zone = f"{sign}{hh:02d}:{mm:02d}" if style == "offset" else f"{sign}{hh:02d}{mm:02d}"
        return local.strftime("%Y-%m-%dT%H:%M:%S.%f") + zone
    if style == "Z6":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == "naive":
        return moment.strftime("%Y-%m-%dT%H:%M:%S")
    if style == "space":
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if style == "minutes":
        return moment.strftime("%Y-%m-%dT%H:%MZ")
    if style == "long":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "999Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


PATHS = ["/", "/products/coffee", "/products/it's \"good\"", "/it's/here",
         "/it's/", "/its/x", "/it''s/x", "/back\\slash/a", "/back/slash/a",
         "/help/shipping", "/cart", "/a%20b/%27;--", "/%40/x",
         "/users/jane.doe@example.com/orders", "/u/a%40b.example.org/x"]


@st.composite
def urls(draw):
    scheme = draw(st.sampled_from(["https://", "http://", "//", "", "ftp://"]))
    userinfo = draw(st.sampled_from(["", "", "user:pass@", "a'b:c\"d@"]))
    host = draw(st.sampled_from(["shop.example.com", "SHOP.Example.COM:8443",
                                 "xn--bcher-kva.example", "[::1]", ""]))
    path = draw(st.one_of(st.sampled_from(PATHS), any_text.map(lambda t: "/" + t)))
    query = draw(st.sampled_from([
        "", "", "?utm_source=news&utm_medium=email", "?token=abc123secret",
        "?q=" + SQL_FRAGMENTS[0], "?e=jane.doe@example.com&x=1", "?", "?#",
        "?utm_medium=O'Brien%20\"x\"",
    ]))
    fragment = draw(st.sampled_from(["", "", "#top", "#access_token=xyz", "#"]))
    return scheme + (userinfo + host if scheme else "") + path + query + fragment


def _url():
    return weighted((75, urls()), (8, st.none()), (6, any_text), (6, hostile),
                    (4, st.sampled_from(WHITESPACE_ONLY)), (1, st.just(HUGE_URL)))


def user_agents():
    bot = st.sampled_from(BOTS).flatmap(lambda b: st.sampled_from(
        [b, b.upper(), b.lower(), "prefix " + b + " suffix"]))
    browser = st.tuples(st.sampled_from(BROWSERS), st.sampled_from(
        ["", "", " ", "\x00", " it's", " (\u00a0)"])).map("".join)
    return weighted((77, browser), (3, bot), (5, st.none()),
                    (4, st.sampled_from(WHITESPACE_ONLY + [""])), (5, any_text),
                    (5, hostile), (1, st.sampled_from(HUGE)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | any_text
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=6)


def _properties():
    return weighted(
        (30, st.none()),
        (30, json_values.map(lambda v: json.dumps(v, ensure_ascii=False))),
        (15, st.dictionaries(any_text, json_values, max_size=3).map(json.dumps)),
        (10, any_text), (6, hostile),
        (8, st.sampled_from(["{", "{'a': 1}", "[1,", "null", "{\"a\": NaN}",
                             "\x00{}"])),
        (1, st.sampled_from(HUGE)),
    )


def column_strategies():
    """One strategy per raw column."""
    numbered = (lambda prefix, n: st.integers(0, n).map(
        lambda i: f"{prefix}-{i}"))
    return {
        "event_id": weighted((74, numbered("e", 4000)),
                             (8, st.sampled_from(EVENT_IDS)), (6, hostile),
                             (4, any_text), (4, st.sampled_from(WHITESPACE_ONLY)),
                             (4, st.none())),
        "visitor_id": weighted((78, numbered("v", 250)),
                               (6, st.sampled_from(VISITORS)), (4, hostile),
                               (4, any_text), (4, st.sampled_from(WHITESPACE_ONLY)),
                               (4, st.none())),
        "session_id": weighted((40, st.none()),
                               (40, st.sampled_from(["s-1", "s-2"])),
                               (10, any_text), (10, hostile)),
        "event_name": weighted((82, st.sampled_from(EVENT_NAMES)),
                               (5, hostile), (5, any_text),
                               (4, st.sampled_from(WHITESPACE_ONLY)),
                               (4, st.none())),
        "occurred_at": weighted((80, valid_times()),
                                (12, st.sampled_from(EDGE_TIMES)),
                                (4, any_text), (4, st.none())),
        "page_url": _url(),
        "referrer_url": _url(),
        "user_agent": user_agents(),
        "properties": _properties(),
    }


def batches(size: int):
    """A list of `size` rows, drawn column by column (Hypothesis draws a
    long list of small values much faster than one of nine-field rows)."""
    columns = column_strategies()
    return st.tuples(*[st.lists(columns[c], min_size=size, max_size=size)
                       for c in COLUMNS]).map(
        lambda values: [dict(zip(COLUMNS, row)) for row in zip(*values)])


def generate(examples: int, rows_per_example: int, seed: int) -> list[list[dict]]:
    """`examples` lists of `rows_per_example` rows each, the same for a
    given seed. Keep rows_per_example near 40: a much longer example
    outgrows Hypothesis's buffer and generation stalls."""
    collected: list[list[dict]] = []

    @hypothesis_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(batches(rows_per_example))
    def draw(batch):
        collected.append(batch)

    draw()
    return collected


def with_retries(rows_: list[dict], seed: int) -> list[dict]:
    """The rows plus later deliveries of some of them (same event_id, a
    time, user agent or URL changed or not), as trackers retry."""
    import random
    rng = random.Random(seed)
    out = list(rows_)
    for row in rng.sample(rows_, k=len(rows_) // 8):
        copy = dict(row)
        change = rng.choice(["same", "occurred_at", "user_agent", "page_url",
                             "visitor_id"])
        if change != "same":
            donor = rng.choice(rows_)
            copy[change] = donor[change]
        out.insert(rng.randrange(len(out) + 1), copy)
    return out


# ----------------------------------------------------------------- writers

def write_parquet(path: Path, rows_: list[dict]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({c: pa.array([r.get(c) for r in rows_], pa.string())
                      for c in COLUMNS})
    pq.write_table(table, path)
    return path


def write_csv(path: Path, rows_: list[dict]) -> Path:
    """RFC 4180 with Python's csv module: CRLF line ends, fields quoted when
    they hold a comma, a quote or a line break."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for r in rows_:
            writer.writerow(["" if r.get(c) is None else r[c] for c in COLUMNS])
    return path


def as_read_from_csv(rows_: list[dict]) -> list[dict]:
    """The rows as a CSV reader returns them: an empty field is null."""
    return [{c: (None if r.get(c) in (None, "") else r[c]) for c in COLUMNS}
            for r in rows_]


# ------------------------------------------------------------------ oracle

_ORACLE_PARSE_TIME = spec_oracle.parse_time
_EPOCH = datetime(1970, 1, 1)
_YEAR_1 = datetime(1, 1, 1)


def _parse_time_wide(text):
    """spec_oracle.parse_time as microseconds since 0001-01-01 UTC. The
    oracle decides what is a time; only where it raises OverflowError (a
    valid time whose UTC value leaves Python's years 1..9999, such as
    0001-01-01T00:00:00+00:01) is the value worked out here, from the local
    time and the offset."""
    try:
        value = _ORACLE_PARSE_TIME(text)
    except OverflowError:
        match = spec_oracle.TIME_RE.fullmatch(text.strip(ASCII_WHITESPACE))
        y, mo, d, h, mi, s, frac, _zone, sign, zh, zm = match.groups()
        local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0),
                         int((frac or "")[:6].ljust(6, "0")))
        offset = (int(zh) * 60 + int(zm)) * 60_000_000
        micros = (local - _YEAR_1) // timedelta(microseconds=1)
        return micros - offset if sign == "+" else micros + offset
    if value is None:
        return None
    return (value - _YEAR_1) // timedelta(microseconds=1)


@contextmanager
def wide_time_oracle():
    """spec_oracle with _parse_time_wide: the same decisions, in integers
    that order every time, also past year 9999 or before year 1."""
    with mock.patch.object(spec_oracle, "parse_time", _parse_time_wide):
        yield


def classify(rows_: list[dict], bot_patterns) -> list[tuple]:
    with wide_time_oracle():
        return spec_oracle.classify(rows_, bot_patterns)


def utc_micros(text):
    """UTC microseconds since 0001-01-01 of an accepted time, else None."""
    return _parse_time_wide(text)


# --------------------------------------------------------------- URL rules

_SCHEME_HOST = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/]*")


def page_path(url):
    """README: the path (up to ? or #, `/` when empty, a URL without scheme
    and host is a path), its personal data masked by the oracles' one rule
    (adversarial_events.mask_personal_data)."""
    if url is None or url.strip(ASCII_WHITESPACE) == "":
        return None
    before = re.match(r"^[^?#]*", url, flags=re.DOTALL).group(0)
    path = _SCHEME_HOST.sub("", before, count=1) or "/"
    return mask_personal_data(path)


def like(text, pattern) -> bool:
    """SQL LIKE, case-sensitive, no escape character."""
    if text is None:
        return False
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
                    for ch in pattern)
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


# ---------------------------------------------------------- hostile seeds

HOSTILE_FUNNEL_ID = "o'funnel \"1\""
HOSTILE_GOALS = {
    # goal_id -> overrides of the bundled seeds/goals.csv row
    "view_product": {"goal_name": "O'Brien \"best\" %_\\",
                     "description": "\") or 1=1 --"},
    "newsletter_signup": {"goal_id": "'; drop table marts.dim_goals; --",
                          "goal_name": "{{ log('jinja in a seed') }}"},
    "view_shipping_info": {"goal_id": "it's \"shipping\"",
                           "goal_name": "it's a path with a quote",
                           "page_path_pattern": "/it's/%"},
}
EXTRA_GOALS = [
    {"goal_id": "back\\slash", "goal_name": "100% _literal_ \\ backslash",
     "goal_type": "micro", "event_name": "page_view",
     "page_path_pattern": "/back\\slash/_%", "funnel_id": "", "step_order": "",
     "description": "LIKE without an escape character: \\ is a plain backslash"},
]


def write_hostile_seeds(project_dir: Path) -> list[dict]:
    """Rewrite the private copy's goals and funnels seeds with quotes, LIKE
    wildcards, SQL and Jinja in ids, names and patterns (the funnel's
    exclusions follow its new id); returns the goals as written."""
    seeds = project_dir / "seeds"
    with open(seeds / "funnels.csv", newline="", encoding="utf-8") as f:
        funnels = list(csv.DictReader(f))
    for funnel in funnels:
        if funnel["funnel_id"] == "purchase":
            funnel["funnel_id"] = HOSTILE_FUNNEL_ID
            funnel["funnel_name"] = "Purchase \"funnel\" it's 100%_"
            funnel["description"] = SQL_FRAGMENTS[0]
    _write_dicts(seeds / "funnels.csv", funnels)
    with open(seeds / "funnel_exclusions.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, exclusions = list(reader.fieldnames), list(reader)
    for exclusion in exclusions:
        if exclusion["funnel_id"] == "purchase":
            exclusion["funnel_id"] = HOSTILE_FUNNEL_ID
    with open(seeds / "funnel_exclusions.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(exclusions)
    with open(seeds / "goals.csv", newline="", encoding="utf-8") as f:
        goals = list(csv.DictReader(f))
    for goal in goals:
        overrides = HOSTILE_GOALS.get(goal["goal_id"], {})
        if goal["funnel_id"] == "purchase":
            goal["funnel_id"] = HOSTILE_FUNNEL_ID
        goal.update(overrides)
    goals += [dict(g) for g in EXTRA_GOALS]
    _write_dicts(seeds / "goals.csv", goals)
    return goals


def _write_dicts(path: Path, records: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)


def bot_patterns(project_dir: Path) -> list[str]:
    with open(project_dir / "seeds" / "bot_user_agent_patterns.csv",
              newline="", encoding="utf-8") as f:
        return [r["pattern"] for r in csv.DictReader(f)]


MAX_MICROS = (datetime(9999, 12, 31, 23, 59, 59, 999999)
              - datetime(1, 1, 1)) // timedelta(microseconds=1) + 1


def utc_month(micros: int) -> str:
    """YYYY-MM of microseconds since 0001-01-01 (0 <= micros < MAX_MICROS)."""
    moment = datetime(1, 1, 1) + timedelta(microseconds=micros)
    return f"{moment.year:04d}-{moment.month:02d}"
