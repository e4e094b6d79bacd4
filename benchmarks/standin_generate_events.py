"""A stand-in for `scripts/generate_events.py`, for trying the benchmark
harness before (or without) the project's generator.

Same command line and the same output layout: one Parquet file per delivery
day, `DIR/events-YYYY-MM-DD.parquet`, the nine raw columns as strings except
`occurred_at` = timestamp('us', tz='UTC'); `--extra-days 1` adds one more day
with about 1.1% more events. The data is rough but has what the rules need:
duplicate deliveries (some in other files, some later, some at the same
time), bots (by pattern and without user agent), server-side purchases
without user agent, malformed rows, ties at the same instant, e-mail
addresses and query strings in URLs.

    python benchmarks/standin_generate_events.py --events 100000 --seed 1 \
        --days 90 --output /tmp/raw --extra-days 1

The benchmark uses it only when asked (`run_benchmark.py --generator`).
"""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

START = datetime(2026, 6, 1, tzinfo=timezone.utc)
DAY_US = 86_400_000_000

HUMAN_UAS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36",
]
BOT_UAS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0)", "python-requests/2.32.3",
    "curl/8.5.0", "Mozilla/5.0 HeadlessChrome/129.0", "Go-http-client/1.1",
]
NAMES = ["page_view", "add_to_cart", "begin_checkout", "purchase",
         "newsletter_signup", "video_start", "scroll", "click"]
NAME_P = [0.56, 0.12, 0.07, 0.04, 0.02, 0.04, 0.1, 0.05]
PATHS = ["/products/{}", "/products/{}", "/products/{}", "/", "/cart",
         "/help/shipping", "/help/shipping/eu", "/blog/post-{}", "/products",
         "/account/{}%40mail.example.com/orders", "/search"]
HOSTS = ["https://shop.example.com", "https://m.shop.example.com:8443",
         "http://shop.example.com"]
QUERIES = ["", "", "", "?utm_source=news&email=jane.doe@example.com",
           "?ref=list#top", "?token=abc123"]


def build(n_events: int, seed: int, days: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    n_visitors = max(20, n_events // 12)
    weights = rng.pareto(1.5, n_visitors) + 1.0
    weights /= weights.sum()
    visitor = rng.choice(n_visitors, size=n_events, p=weights)
    vis_start = rng.integers(0, days * DAY_US, n_visitors)
    offset = (rng.exponential(1.5, n_events) * DAY_US).astype(np.int64)
    us = np.minimum(vis_start[visitor] + offset, days * DAY_US - 1)
    rounding = rng.choice([1, 1000, 1_000_000], size=n_events, p=[.7, .2, .1])
    us = us - us % rounding

    kind = rng.choice(len(NAMES), size=n_events, p=NAME_P)
    path_kind = rng.integers(0, len(PATHS), n_events)
    item = rng.integers(1, 500, n_events)
    host = rng.integers(0, len(HOSTS), n_events)
    query = rng.integers(0, len(QUERIES), n_events)

    is_bot = rng.random(n_visitors) < 0.03
    bot_kind = rng.integers(-2, len(BOT_UAS), n_visitors)  # <0: no agent
    human_ua = rng.integers(0, len(HUMAN_UAS), n_visitors)

    event_id = [f"evt-{seed}-{i:09d}" for i in range(n_events)]
    visitor_id = [f"v{seed}-{v:07d}" for v in visitor]
    session_id = [f"s{v}-{u // (DAY_US // 4)}" for v, u in zip(visitor, us)]
    names = [NAMES[k] for k in kind]
    urls = []
    uas = []
    for i in range(n_events):
        p = PATHS[path_kind[i]].format(item[i]) if kind[i] == 0 else \
            ("/cart" if kind[i] in (1, 2) else "/checkout/done" if kind[i] == 3
             else "/products/{}".format(item[i]))
        urls.append(HOSTS[host[i]] + p + QUERIES[query[i]])
        v = visitor[i]
        if is_bot[v]:
            uas.append(None if bot_kind[v] < 0 else BOT_UAS[bot_kind[v]])
        elif kind[i] == 3 and item[i] % 3 == 0:
            uas.append(None)  # server-side purchase
        else:
            uas.append(HUMAN_UAS[human_ua[v]])
    table = pa.table({
        "event_id": pa.array(event_id, pa.string()),
        "visitor_id": pa.array(visitor_id, pa.string()),
        "session_id": pa.array(session_id, pa.string()),
        "event_name": pa.array(names, pa.string()),
        "occurred_at": pa.array(us, pa.int64()),
        "page_url": pa.array(urls, pa.string()),
        "referrer_url": pa.array(
            np.where(query % 2 == 0, "https://www.google.com/search?q=x", None),
            pa.string()),
        "user_agent": pa.array(uas, pa.string()),
        "properties": pa.array(
            [f'{{"item_id": "{x}"}}' if x % 5 else "not json" for x in item],
            pa.string()),
    })
    # ~1% duplicate deliveries: same id, same or another time
    n_dup = n_events // 100
    src = rng.integers(0, n_events, n_dup)
    dups = table.take(pa.array(src))
    shift = rng.choice([0, 0, 1_000_000, -1_000_000, 3 * DAY_US], size=n_dup)
    times = np.clip(us[src] + shift, 0, days * DAY_US - 1)
    dups = dups.set_column(4, "occurred_at", pa.array(times, pa.int64()))
    table = pa.concat_tables([table, dups])
    # ~0.1% malformed rows
    n = table.num_rows
    bad = rng.integers(0, n, max(1, n // 1000))
    which = rng.integers(0, 4, len(bad))
    cols = {c: table.column(c).to_pylist() for c in
            ("event_id", "visitor_id", "event_name")}
    occ = table.column("occurred_at").to_numpy().astype(object)
    for row, w in zip(bad, which):
        if w == 0:
            cols["event_id"][row] = None if row % 2 else "  "
        elif w == 1:
            cols["visitor_id"][row] = "" if row % 2 else None
        elif w == 2:
            cols["event_name"][row] = "\t" if row % 2 else None
        else:
            occ[row] = None
    for c, values in cols.items():
        table = table.set_column(table.schema.get_field_index(c), c,
                                 pa.array(values, pa.string()))
    table = table.set_column(4, "occurred_at", pa.array(list(occ), pa.int64()))
    return table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--output", required=True)
    ap.add_argument("--extra-days", type=int, default=0)
    args = ap.parse_args(argv)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    extra_events = int(round(args.events * 0.011)) * args.extra_days
    table = build(args.events + extra_events, args.seed,
                  args.days + args.extra_days)
    us = table.column("occurred_at").to_numpy(zero_copy_only=False)
    rng = np.random.default_rng(args.seed + 7)
    # delivery day: the event's own day; rows without a time go anywhere
    day = np.where(np.isnan(us.astype(float)),
                   rng.integers(0, args.days, len(us)),
                   np.nan_to_num(us.astype(float)) // DAY_US).astype(int)
    # the extra days hold only ~1.1% of events per day: move the surplus back
    over = day >= args.days
    keep_extra = rng.random(len(day)) < (extra_events / max(1, over.sum()))
    day = np.where(over & ~keep_extra, rng.integers(0, args.days, len(day)), day)
    epoch_us = int(START.timestamp()) * 1_000_000
    ts = pc.cast(pc.add(table.column("occurred_at"), epoch_us),
                 pa.timestamp("us", tz="UTC"))
    table = table.set_column(4, "occurred_at", ts)
    day_arr = pa.array(day)
    for d in range(args.days + args.extra_days):
        part = table.filter(pc.equal(day_arr, d))
        name = (START + timedelta(days=d)).strftime("events-%Y-%m-%d.parquet")
        pq.write_table(part, out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
