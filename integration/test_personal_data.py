"""Personal data stops at staging, in every encoding.

A corpus of personal data (e-mail addresses, phone numbers, IPv4 and IPv6
addresses, session ids, user info, tokens) written plain, with `%2E`, `%40`,
a double-encoded `@` (`%2540`), mixed-case escapes (`%2e`), phones with `+`
and separators, IPv6 compressed with `::`, `;jsessionid=` in paths and in
referrer hosts, in page paths, query strings, fragments, referrers and
properties JSON values, in rows of every fate: counted, duplicate, bot, and
rejected for each reason. One build (Parquet), then:

* none of the corpus appears, case-insensitively, in any value (cast to
  text) of any base table of any schema except audit.rejected_events;
  marts and the aggregate audit tables are served tables and are searched
  like every other;
* the search is real: every corpus string is found by the same search in
  the raw rows (the view staging.stg_events__raw_rows), and the masked
  forms ([email], [phone], [ip], ;[param]) reach the stored paths;
* every stored page path equals the rule written independently in Python
  (adversarial_events.mask_personal_data);
* a landing page seen by one visitor never reaches the segment mart.

What this assumes (README, docs/security.md): a URL part is decoded only to
find personal data and keeps its spelling when none is found (SPEC matches
goal patterns on the path as it appears in the URL); audit.rejected_events
keeps the raw ids, event_name, occurred_at text and user_agent of rejected
rows so that tracking can be fixed, so the corpus is never put in those
columns. Views over the raw files (stg_events__raw_rows, stg_events__parsed)
read the user's own files where they lie and store nothing: they are not
searched, they are the positive control. Properties are stored by no table
(no model reads them yet). A phone number written as one run of digits
without `+` is not recognized (a product id looks the same): not seeded.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from adversarial_events import mask_personal_data, page_path
from conftest import dbt_build, query, write_events

BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.6 Safari/605.1.15")
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1)"
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFt"
       "ZSI6IkphbmUgRG9lIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
# Searched everywhere (lower-cased); each is in the raw rows.
SECRETS = [
    # e-mail addresses, every spelling
    "jane.doe", "jane%2Edoe", "jane%2edoe", "jane.doe%40", "jane.doe%2540",
    "j.smith+promo", "j.smith%2Bpromo", "kim.lee", "kim%2elee",
    # phone numbers
    "+44 20 7946 0958", "%2B44%2020%207946%200958", "+442079460958",
    "442079460958", "7946 0958", "7946-0958", "7946%200958", "(020) 7946",
    "+1-202-555-0143", "202-555-0143", "2025550143", "555-0143",
    # IP addresses
    "203.0.113.7", "203%2E0%2E113%2E7", "198.51.100.23",
    "2001:db8:85a3", "2001:0db8", "85a3::8a2e", "8a2e:370:7334", "fe80::1ff",
    # session ids, user info, tokens
    "jsessionid", "s3ss10n", "9f8e7d6c", "admin_user_x9", "hunter2pass",
    "abc123secret", JWT, JWT.split(".")[0], "eyJzdWIi", "Bearer",
    "4111111111111111",
]
IDN_EMAIL = "jöhn.døe@exämple.de"
EMAIL_LIKE = re.compile(r"@[a-z0-9-]+(\.[a-z0-9-]+)+", re.IGNORECASE)
# one visitor's own page: a token in the path, seen by a single visitor
SINGLE_VISITOR_PAGE = "/products/reset-tok-unique-9f3a"

PAGE_URLS = [
    "https://shop.example.com/products/jane.doe@example.com?v=1",
    "https://shop.example.com/products/jane%2Edoe%40example%2Ecom/x",
    "https://shop.example.com/products/jane%2edoe%2540example%2ecom",
    "https://shop.example.com/products/jane.doe%2540example.com",
    "https://shop.example.com/products/J.SMITH+PROMO@MAIL.EXAMPLE.CO.UK",
    "https://shop.example.com/products/j.smith%2Bpromo%40mail.example.co.uk?",
    "https://shop.example.com/products/kim%2elee%40example.org/orders",
    "https://shop.example.com/call/+442079460958",
    "https://shop.example.com/call/%2B44%2020%207946%200958",
    "https://shop.example.com/call/+44 20 7946 0958/x",
    "https://shop.example.com/call/(020) 7946-0958",
    "https://shop.example.com/call/+1-202-555-0143",
    "https://shop.example.com/call/202-555-0143",
    "https://shop.example.com/ip/203.0.113.7",
    "https://shop.example.com/ip/203%2E0%2E113%2E7/x",
    "https://shop.example.com/ip/2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    "https://shop.example.com/ip/2001:db8:85a3::8a2e:370:7334",
    "https://shop.example.com/ip/fe80::1ff:fe23:4567:890a",
    "https://shop.example.com/products/kettle;jsessionid=s3ss10n-9f8e7d6c",
    "https://shop.example.com/checkout;JSESSIONID=S3SS10N/next",
    "https://shop.example.com/products/kettle?email=jane.doe@example.com"
    "&token=abc123secret&ip=198.51.100.23",
    "https://shop.example.com/products/tea?sessionid=s3ss10n#access_token=" + JWT,
    "https://shop.example.com/cart?utm_source=jane.doe%2540example.com"
    "&utm_medium=%2B442079460958&utm_campaign=call%202025550143",
    "https://shop.example.com/cart?utm_source=kim.lee@example.org"
    "&utm_medium=203.0.113.7&utm_campaign=2001:db8:85a3::8a2e:370:7334",
    "https://shop.example.com/checkout#phone=+44 20 7946 0958&card=4111111111111111",
    "https://admin_user_x9:hunter2pass@shop.example.com/products/mug?p=hunter2pass",
    "/products/tea?token=abc123secret&auth=Bearer%20" + JWT,
    "https://shop.example.com/help/shipping?tel=555-0143",
    "https://shop.example.com/products/" + IDN_EMAIL + "/x",
]
REFERRERS = [
    None,
    "https://mail.example.org/inbox?to=jane.doe@example.com&phone=555-0143",
    "https://admin_user_x9:hunter2pass@partner.example.net/landing?t=abc123secret",
    "https://jane.doe@example.com/",
    "https://jane%2Edoe%2540example.com@partner.example.net:8443/x",
    "https://kim%2elee%40example.org/",
    "https://partner.example.net;jsessionid=s3ss10n-9f8e7d6c/x",
    "https://www.example.com;JSESSIONID=9f8e7d6c?q=1",
    "http://203.0.113.7/",
    "http://[2001:db8:85a3::8a2e:370:7334]:8080/x",
    "http://www.google.com/search?q=jane.doe%40example.com+7946+0958",
    "//cdn.example.net:8443/x?jwt=" + JWT,
    "android-app://com.example.mail/?user=j.smith+promo@mail.example.co.uk",
]
PROPERTIES = [
    None,
    '{"email": "jane.doe@example.com", "phone": "+44 20 7946 0958"}',
    '{"email": "jane%2Edoe%2540example.com", "ip": "203.0.113.7"}',
    '{"contact": {"tel": "+1-202-555-0143", "token": "abc123secret"}}',
    '{"auth": "Bearer ' + JWT + '", "ip6": "2001:db8:85a3::8a2e:370:7334"}',
    '{"password": "hunter2pass", "card": "4111111111111111", "item_id": "SKU-1"}',
    '{"session": "jsessionid=s3ss10n-9f8e7d6c", "from": "fe80::1ff:fe23:4567:890a"}',
    "not json: kim.lee@example.org 198.51.100.23",
]
EVENTS = ["page_view", "page_view", "add_to_cart", "begin_checkout", "purchase",
          "newsletter_signup", "video_start"]


def seeded_rows() -> list[dict]:
    """Every URL, referrer and properties value in rows of every fate."""
    rows = []
    n = 0

    def add(visitor, name, day, hour, agent=BROWSER, **values):
        nonlocal n
        n += 1
        row = {"event_id": f"pd-e{n:04d}", "visitor_id": visitor,
               "session_id": f"pd-s-{visitor}", "event_name": name,
               "occurred_at": f"2026-10-{day:02d}T{hour:02d}:{n % 60:02d}:00Z",
               "page_url": PAGE_URLS[n % len(PAGE_URLS)],
               "referrer_url": REFERRERS[n % len(REFERRERS)],
               "user_agent": agent,
               "properties": PROPERTIES[n % len(PROPERTIES)]}
        row.update(values)
        rows.append(row)
        return row

    # funnels with segments: 60 visitors, a step-1 page with an e-mail
    for v in range(60):
        visitor = f"pd-v{v:03d}"
        agent = BROWSER if v % 10 else BOT
        if v % 17 == 5:
            agent = None  # no user agent at all: a bot
        day = 1 + v % 20
        for k, name in enumerate(EVENTS[: 2 + v % 6]):
            add(visitor, name, day, 8 + k, agent)
        add(visitor, "page_view", day, 7, agent,
            page_url=f"https://shop.example.com/products/jane.doe@example.com?v={v}")
    # one visitor's own landing page
    add("pd-single", "page_view", 5, 6,
        page_url="https://shop.example.com" + SINGLE_VISITOR_PAGE)
    # every value in a counted row, a bot's row, a later duplicate and a
    # rejected row for each reason
    width = max(len(PAGE_URLS), len(REFERRERS), len(PROPERTIES))
    for k in range(width):
        values = {"page_url": PAGE_URLS[k % len(PAGE_URLS)],
                  "referrer_url": REFERRERS[k % len(REFERRERS)],
                  "properties": PROPERTIES[k % len(PROPERTIES)]}
        counted = add(f"pd-h{k:02d}", "page_view", 6, 10, **values)
        add(f"pd-b{k:02d}", "page_view", 6, 10, agent=BOT, **values)
        rows.append(dict(counted, occurred_at="2026-10-07T10:00:00Z"))
        add("pd-v000", "page_view", 3, 3, event_id="   ", **values)
        add(None, "page_view", 3, 3, **values)
        add("pd-v001", " ", 3, 3, **values)
        add("pd-v002", "page_view", 3, 3, occurred_at="yesterday", **values)
    return rows


@pytest.fixture(scope="module")
def personal_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("personal")
    rows = seeded_rows()
    raw = write_events(work / "raw" / "events.parquet", rows)
    return {"db": dbt_build(work / "build", raw_path=raw).check().db_path,
            "rows": rows}


def text_values(db: Path, table_type="BASE TABLE", exclude=()):
    """(table, column, value) of every non-null value of every column of
    every relation of `table_type` in every schema, cast to text."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            "select c.table_schema, c.table_name, c.column_name "
            "from information_schema.columns as c "
            "inner join information_schema.tables as t "
            "using (table_catalog, table_schema, table_name) "
            "where t.table_type = ? order by all", [table_type]).fetchall()
        for schema, table, column in columns:
            if f"{schema}.{table}" in exclude:
                continue
            for (value,) in con.execute(
                    f'select distinct cast("{column}" as varchar) '
                    f'from "{schema}"."{table}" where "{column}" is not null'
            ).fetchall():
                yield f"{schema}.{table}", column, value
    finally:
        con.close()


def leaks_in(values):
    leaks, scanned = [], 0
    for table, column, value in values:
        scanned += 1
        lowered = value.lower()
        for secret in SECRETS + [IDN_EMAIL]:
            if secret.lower() in lowered:
                leaks.append((table, column, secret, value[:120]))
        match = EMAIL_LIKE.search(value)
        if match:
            leaks.append((table, column, match.group(0), value[:120]))
    return leaks, scanned


def test_the_seeded_rows_reach_every_fate(personal_build):
    db = personal_build["db"]
    [(raw, rejected, duplicate, bot, counted)] = query(
        db, "select raw_rows, rejected_rows, duplicate_rows, bot_rows, "
            "counted_rows from audit.event_reconciliation")
    assert raw == len(personal_build["rows"])
    assert min(rejected, duplicate, bot, counted) > 0
    reasons = {r for (r,) in query(db, "select distinct reject_reason "
                                       "from audit.rejected_events")}
    assert {"missing_event_id", "missing_visitor_id", "missing_event_name",
            "invalid_occurred_at"} <= reasons
    statuses = query(db, """
        select count(distinct event_status) from staging.stg_events__classified
        where page_path like '%[email]%' or page_path like '%[phone]%'
           or page_path like '%[ip]%' or page_path like '%;[param]%'""")
    assert statuses == [(4,)]


def test_the_search_finds_every_secret_in_the_raw_rows(personal_build):
    """Positive control: the same search, over the view of the raw files,
    finds every corpus string; the masked forms reach the stored paths."""
    leaks, _scanned = leaks_in(text_values(personal_build["db"], "VIEW"))
    found = {secret for _table, _column, secret, _value in leaks}
    assert set(SECRETS + [IDN_EMAIL]) <= found, set(SECRETS) - found
    paths = {p for (p,) in query(personal_build["db"],
                                 "select distinct page_path "
                                 "from staging.stg_events__classified")}
    for marker in ("[email]", "[phone]", "[ip]", ";[param]"):
        assert any(marker in p for p in paths), marker
    hosts = {h for (h,) in query(personal_build["db"],
                                 "select distinct referrer_host "
                                 "from staging.stg_events__classified")}
    assert {"partner.example.net", "www.example.com", "example.com",
            "example.org", "[ip]"} <= hosts, hosts


def test_no_personal_data_in_any_stored_table(personal_build):
    """Every base table of every schema (staging, intermediate, marts,
    audit, platform, seeds) but audit.rejected_events."""
    leaks, scanned = leaks_in(text_values(
        personal_build["db"], exclude={"audit.rejected_events"}))
    assert scanned > 1000
    assert leaks == [], f"{len(leaks)} leaks, e.g. {leaks[:5]}"


def test_rejected_events_hold_masked_urls_only(personal_build):
    """audit.rejected_events keeps raw ids and user agents (README), but its
    page_path and referrer_host are masked like everywhere else."""
    leaks, scanned = leaks_in(
        ("audit.rejected_events", column, value)
        for column in ("page_path", "referrer_host")
        for (value,) in query(personal_build["db"],
                              f"select distinct {column} from audit.rejected_events "
                              f"where {column} is not null"))
    assert scanned > 10 and leaks == []


def test_stored_paths_equal_the_rule_written_in_python(personal_build):
    pairs = query(personal_build["db"], """
        select distinct raw.page_url, classified.page_path
        from staging.stg_events__classified as classified
        inner join staging.stg_events__raw_rows as raw
            on classified.raw_row_id = raw.raw_row_id""")
    assert len(pairs) > len(PAGE_URLS)
    wrong = [(url, path, page_path(url)) for url, path in pairs
             if path != page_path(url)]
    assert wrong == []


def test_utm_values_are_masked(personal_build):
    values = {row for row in query(personal_build["db"], """
        select distinct utm_source, utm_medium
        from staging.stg_events__classified where utm_source is not null""")}
    assert values == {("[email]", "[phone]"), ("[email]", "[ip]")}


def test_marts_hold_no_visitor_session_or_event_ids(personal_build):
    ids = re.compile(r"pd-(v\d|e\d|s-|h\d|b\d|single)")
    found = [(t, c, v[:80]) for t, c, v in text_values(personal_build["db"])
             if t.startswith("marts.") and ids.search(v)]
    assert found == []


def test_a_page_of_one_visitor_is_no_segment(personal_build):
    """min_segment_visitors (10): the single visitor's landing page is
    counted under (other); the e-mail page, landed on by dozens, is a
    segment, masked; every landing page value has >= 10 entrants."""
    db = personal_build["db"]
    marts = " ".join(v for t, _c, v in text_values(db) if t.startswith("marts."))
    assert "reset-tok-unique-9f3a" not in marts
    assert "reset-tok-unique-9f3a" in " ".join(
        p for (p,) in query(db, "select page_path from staging.stg_events__classified "
                                "where page_path is not null"))
    entrants = dict(query(db, """
        select segment_value, sum(visitors_reached)
        from marts.fct_funnel_steps_by_segment
        where segment_type = 'landing_page' and step_order = 1
        group by segment_value"""))
    assert "/products/[email]" in entrants and "(other)" in entrants
    assert all(n >= 10 for v, n in entrants.items() if v not in ("(other)", "(none)"))
    # (other) and the pages add up to fct_funnel_steps: each visitor once
    [(total,)] = query(db, "select sum(visitors_reached) from marts.fct_funnel_steps "
                           "where step_order = 1")
    assert sum(entrants.values()) == total


@pytest.mark.parametrize("text, masked", [
    ("/products/12345678901234", "/products/12345678901234"),
    ("/orders/550e8400-e29b-41d4-a716-446655440000",
     "/orders/550e8400-e29b-41d4-a716-446655440000"),
    ("/u/jane.doe%2540example.com", "/u/[email]"),
    ("/ip/2001:db8::1", "/ip/[ip]"),
    ("/call/555-0143", "/call/555-0143"),
    ("/thank%20you", "/thank%20you"),
])
def test_the_python_rule_on_its_edges(text, masked):
    """The oracle's own edges (the SQL's are dbt unit tests)."""
    assert mask_personal_data(text) == masked
