"""The synthetic event generator, scripts/generate_events.py: deterministic, and the shares it
promises land where stated. Everything is measured on the written Parquet files with DuckDB
and pyarrow, independently of the generator's own JSON summary (used only to cross-check)."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT_DIR / "scripts" / "generate_events.py"
EVENTS, SEED, DAYS, START = 200_000, 11, 90, dt.date(2026, 7, 1)
COLUMNS = ["event_id", "visitor_id", "session_id", "event_name", "occurred_at",
           "page_url", "referrer_url", "user_agent", "properties"]
BLANK = r"^[ \t\n\r\x0B\f]*$"


def generate(out: Path, seed=SEED, *extra: str) -> dict:
    """Run the generator (N = EVENTS over DAYS days unless `extra` says otherwise)."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", str(EVENTS), "--seed", str(seed),
         "--days", str(DAYS), "--output", str(out), *extra],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout)


def file_hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.glob("events-*.parquet"))}


def blank(column: str) -> str:
    return f"({column} is null or regexp_matches({column}, '{BLANK}'))"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    return out, generate(out)


@pytest.fixture(scope="module")
def con(generated):
    """DuckDB over the files: `raw` has every row with its file's day number (`file_day`,
    0 = the first file) and the UTC day number of occurred_at (`day`)."""
    out, _ = generated
    c = duckdb.connect()
    first = (START - dt.date(1970, 1, 1)).days
    c.execute(f"""
        create view raw as
        select
            * exclude (filename),
            regexp_extract(filename, 'events-([0-9-]+)[.]parquet', 1) as file_date,
            date_diff('day', date '1970-01-01',
                      cast(regexp_extract(filename, 'events-([0-9-]+)[.]parquet', 1) as date))
                - {first} as file_day,
            epoch_us(occurred_at) // 86400000000 - {first} as day
        from read_parquet('{out}/events-*.parquet', filename = true)
    """)
    yield c
    c.close()


def one(con, sql):
    return con.execute(sql).fetchone()


def test_files_columns_and_types(generated):
    out, summary = generated
    names = sorted(p.name for p in out.glob("*.parquet"))
    expected = [f"events-{START + dt.timedelta(days=d)}.parquet" for d in range(DAYS + 1)]
    assert names == expected
    assert not list(out.glob(".*"))  # no temporary files left behind
    want = pa.schema([(c, pa.timestamp("us", tz="UTC") if c == "occurred_at" else pa.string())
                      for c in COLUMNS])
    for name in names:
        assert pq.read_schema(out / name).remove_metadata() == want, name
    assert summary["files"] == len(names)


class TestDeterminism:
    """Smaller runs of their own (a class: pytest-xdist's loadscope runs it beside the
    module's other tests)."""

    @pytest.fixture(scope="class")
    @classmethod
    def runs(cls, tmp_path_factory):
        base = tmp_path_factory.mktemp("determinism")
        args = ["--events", "50000", "--days", str(DAYS)]
        return {name: (base / name, generate(base / name, seed, *args, *extra))
                for name, seed, extra in [("first", SEED, ["--workers", "0"]),
                                          ("again", SEED, ["--workers", "2"]),
                                          ("other", SEED + 1, [])]}

    def test_same_seed_same_bytes_whatever_the_workers(self, runs):
        (first, s1), (again, s2) = runs["first"], runs["again"]
        hashes = file_hashes(first)
        assert len(hashes) == DAYS + 1
        assert file_hashes(again) == hashes
        for key in ("rows", "duplicate_rows", "bot_visitors", "malformed_rows"):
            assert s1[key] == s2[key]

    def test_other_seed_other_bytes(self, runs):
        ours, theirs = file_hashes(runs["first"][0]), file_hashes(runs["other"][0])
        assert theirs.keys() == ours.keys()
        assert all(theirs[f] != ours[f] for f in ours)


def test_refuses_a_directory_with_event_files(generated):
    out, _ = generated
    proc = subprocess.run([sys.executable, str(SCRIPT), "--events", "1000", "--seed", "1",
                           "--output", str(out)], capture_output=True, text=True)
    assert proc.returncode != 0 and "already holds" in proc.stderr


def test_row_counts(con, generated):
    _, summary = generated
    first, extra, total = one(con, f"""
        select count(*) filter (where file_day < {DAYS}),
               count(*) filter (where file_day >= {DAYS}), count(*)
        from raw""")
    assert abs(first - EVENTS) <= 0.01 * EVENTS
    assert 0.007 <= extra / first <= 0.015
    assert (first, extra, total) == (summary["rows_first_days"], summary["rows_extra_days"],
                                     summary["rows"])
    per_file = dict(con.execute("select file_date, count(*) from raw group by 1").fetchall())
    assert {f"events-{d}.parquet": n for d, n in per_file.items()} == summary["rows_per_file"]


def test_duplicate_deliveries(con, generated):
    _, summary = generated
    rows, duplicates = one(con, f"""
        select count(*), count(*) filter (where not {blank('event_id')})
                         - count(distinct event_id) filter (where not {blank('event_id')})
        from raw""")
    assert 0.005 <= duplicates / rows <= 0.015
    assert duplicates == summary["duplicate_rows"]
    # Copies in a later file than the first delivery: identical, later and earlier times.
    identical, later, earlier = one(con, f"""
        with ids as (
            select event_id, min(file_day) as first_file
            from raw where not {blank('event_id')}
            group by 1 having count(distinct file_day) > 1
        ),
        first_copy as (
            select r.event_id, min(r.occurred_at) as at
            from raw r join ids using (event_id)
            where r.file_day = ids.first_file group by 1
        )
        select count(*) filter (where r.occurred_at = f.at),
               count(*) filter (where r.occurred_at > f.at),
               count(*) filter (where r.occurred_at < f.at)
        from raw r join ids using (event_id) join first_copy f using (event_id)
        where r.file_day > ids.first_file""")
    assert identical > 0 and later > 0 and earlier > 0
    assert identical + later + earlier < duplicates / 2  # most copies are in the same file
    # Same-file copies are mostly byte-identical rows.
    same_file_identical = one(con, f"""
        select count(*) - count(distinct (event_id, visitor_id, session_id, event_name,
                                          occurred_at, page_url, referrer_url, user_agent,
                                          properties, file_day))
        from raw where not {blank('event_id')}""")[0]
    assert same_file_identical >= 0.6 * duplicates


def test_bots(con, generated):
    _, summary = generated
    with open(PROJECT_DIR / "seeds" / "bot_user_agent_patterns.csv", newline="") as f:
        patterns = [r["pattern"].lower() for r in csv.DictReader(f)]
    agents = [a for (a,) in con.execute("select distinct user_agent from raw "
                                        "where user_agent is not null").fetchall()]
    bot_agents = [a for a in agents if any(p in a.lower() for p in patterns)]
    assert any("googlebot" in a.lower() for a in bot_agents)
    assert any("headlesschrome" in a.lower() for a in bot_agents)
    assert any(a.lower().startswith("python-requests/") for a in bot_agents)
    con.execute("create or replace temp table bot_agents (user_agent varchar)")
    con.executemany("insert into bot_agents values (?)", [[a] for a in bot_agents])
    visitors, bots, by_pattern, without_agent, bot_rows = one(con, f"""
        with v as (
            select visitor_id,
                   bool_or(b.user_agent is not null) as by_pattern,
                   not bool_or(not {blank('r.user_agent')}) as without_agent,
                   count(*) as n
            from raw r left join bot_agents b on r.user_agent = b.user_agent
            where not {blank('visitor_id')}
            group by 1
        )
        select count(*), count(*) filter (where by_pattern or without_agent),
               count(*) filter (where by_pattern), count(*) filter (where without_agent),
               sum(n) filter (where by_pattern or without_agent)
        from v""")
    assert 0.02 <= bots / visitors <= 0.04
    assert by_pattern > 0 and without_agent > 0
    assert visitors == summary["distinct_visitors"]
    assert abs(bots - summary["bot_visitors"]) <= 0.01 * bots
    assert abs(bot_rows - summary["bot_rows"]) <= 0.01 * bot_rows
    # Server-side purchases without a user agent belong to visitors who browsed with one.
    server_side, their_visitors_human = one(con, f"""
        with s as (select distinct visitor_id from raw
                   where event_name = 'purchase' and {blank('user_agent')}
                   and not {blank('visitor_id')})
        select count(*), count(*) filter (where exists (
            select 1 from raw r where r.visitor_id = s.visitor_id
            and not {blank('r.user_agent')}))
        from s""")
    assert server_side > 0 and their_visitors_human == server_side


def test_malformed_rows(con, generated):
    _, summary = generated
    rows, bad, kinds = one(con, f"""
        select count(*),
               count(*) filter (where {blank('event_id')} or {blank('visitor_id')}
                                   or {blank('event_name')} or occurred_at is null),
               [count(*) filter (where {blank('event_id')}),
                count(*) filter (where {blank('visitor_id')}),
                count(*) filter (where {blank('event_name')}),
                count(*) filter (where occurred_at is null)]
        from raw""")
    assert 0.0005 <= bad / rows <= 0.002
    assert all(k > 0 for k in kinds)
    assert bad == summary["malformed_rows"]
    spellings = one(con, """
        select count(distinct coalesce(event_id, '<null>'))
        from raw where event_id is null or trim(event_id, ' \t\n') = ''""")[0]
    assert spellings >= 3  # null, empty and whitespace-only


def test_late_arrivals(con, generated):
    _, summary = generated
    rows, late, beyond = one(con, """
        select count(*),
               count(*) filter (where file_day - day between 1 and 3),
               count(*) filter (where file_day - day > 3)
        from raw where occurred_at is not null and file_day >= 4""")
    assert 0.01 <= late / rows <= 0.04
    assert beyond > 0 and beyond / rows < 0.005
    all_late, all_beyond, early = one(con, """
        select count(*) filter (where file_day - day between 1 and 3),
               count(*) filter (where file_day - day > 3),
               count(*) filter (where day > file_day)
        from raw where occurred_at is not null""")
    assert (all_late, all_beyond) == (summary["late_rows_1_3_days"],
                                      summary["late_rows_4_plus_days"])
    # Only a retry with a later time, just before midnight, can carry the next day's date.
    assert early <= 0.0001 * rows


def test_event_mix_and_power_visitor(con):
    counts = dict(con.execute("select event_name, count(*) from raw group by 1").fetchall())
    assert max(counts, key=counts.get) == "page_view"
    named = sum(n for k, n in counts.items() if k is not None and k.strip())
    assert 0.75 <= counts["page_view"] / named <= 0.85
    for name in ("view_item", "add_to_cart", "begin_checkout", "purchase",
                 "newsletter_signup", "video_start", "search", "scroll"):
        assert counts.get(name, 0) > 0, name
    top = one(con, f"select max(n) from (select count(*) n from raw "
                   f"where not {blank('visitor_id')} group by visitor_id)")[0]
    assert top >= 2_000


def test_funnel_and_urls(con):
    visitors, viewers, carts, checkouts, buyers = one(con, f"""
        with human as (
            select visitor_id from raw where not {blank('visitor_id')}
            group by 1 having bool_or(not {blank('user_agent')})
               and not bool_or(lower(user_agent) similar to '.*(bot|headless|python|curl).*')
        ),
        v as (
            select visitor_id,
                   bool_or(event_name = 'page_view'
                           and regexp_extract(page_url, '^https://[^/]+(/[^?#]*)', 1)
                               like '/products/%') as viewed,
                   bool_or(event_name = 'add_to_cart') as cart,
                   bool_or(event_name = 'begin_checkout') as checkout,
                   bool_or(event_name = 'purchase') as bought
            from raw join human using (visitor_id) group by 1
        )
        select count(*), count(*) filter (where viewed), count(*) filter (where cart),
               count(*) filter (where checkout), count(*) filter (where bought) from v""")
    assert 0.3 <= viewers / visitors <= 0.5
    assert 0.15 <= carts / viewers <= 0.45
    assert 0.3 <= checkouts / carts <= 0.7
    assert 0.3 <= buyers / checkouts <= 0.7
    # A purchase before any add_to_cart of the same visitor, and steps more than 7 days apart.
    before, far = one(con, """
        with t as (
            select visitor_id,
                   min(occurred_at) filter (where event_name = 'purchase') as bought,
                   min(occurred_at) filter (where event_name = 'add_to_cart') as cart,
                   min(occurred_at) filter (where page_url like '%/products/%') as viewed
            from raw group by 1
        )
        select count(*) filter (where bought < cart),
               count(*) filter (where bought > viewed + interval 7 days) from t""")
    assert before > 0 and far > 0
    shipping, utm, personal, plain = one(con, """
        select count(*) filter (where event_name = 'page_view'
                                and page_url like 'https://shop.example.com/help/shipping%'),
               count(*) filter (where page_url like '%?utm_source=google&utm_medium=cpc%'),
               count(*) filter (where page_url like '%?email=%' or page_url like '%?token=%'),
               count(*) filter (where page_url not like '%?%')
        from raw""")
    assert shipping > 0 and utm > 0 and personal > 0
    assert plain > 0.9 * one(con, "select count(page_url) from raw")[0]
    referrers = [r for (r,) in con.execute(
        "select distinct regexp_extract(referrer_url, '^[a-z-]+://([^/?]+)', 1) from raw")
        .fetchall()]
    for host in ("www.google.com", "www.facebook.com", "mail.google.com", "shop.example.com"):
        assert host in referrers, host
    assert one(con, "select count(*) from raw where referrer_url is null")[0] > 0
    sessions_ok = one(con, f"""
        select bool_and(session_id = 's-' || visitor_id || '-' || regexp_extract(session_id,
                                                                    '-([0-9]+)$', 1))
        from raw where session_id is not null and not {blank('visitor_id')}""")[0]
    assert sessions_ok
    json_ok = one(con, """
        select count(*) filter (where try(json(properties)) is not null), count(properties)
        from raw""")
    assert json_ok[0] >= 0.999 * json_ok[1]


def test_small_run_without_extra_day(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", "3000", "--seed", "3", "--days", "3",
         "--extra-days", "0", "--start", "2027-01-30", "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == [
        "events-2027-01-30.parquet", "events-2027-01-31.parquet", "events-2027-02-01.parquet"]
    rows = sum(pq.read_metadata(p).num_rows for p in tmp_path.glob("*.parquet"))
    assert rows == summary["rows"] and abs(rows - 3000) <= 0.05 * 3000
