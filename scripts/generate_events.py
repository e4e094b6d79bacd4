"""Generate synthetic raw web tracking events as Parquet, one file per delivery day.

For benchmarks and load tests of the dbt project: N realistic raw events of the e-commerce
site https://shop.example.com, in the nine raw columns of the SPEC (all strings but
occurred_at, a Parquet timestamp('us', tz='UTC')), written as DIR/events-YYYY-MM-DD.parquet:
one file for each of --days days plus --extra-days (default 1) more days of about 1/days of N
each (build days 1..90, then add day 91 and run an incremental build).

    generate_events.py --events N --seed S --days 90 --output DIR [--extra-days 1]
                       [--start 2026-07-01] [--workers W] [--force] [--progress]

--events counts the rows of the first --days files (within a fraction of a percent); the
JSON summary printed on stdout at the end gives the exact totals (rows, visitors,
duplicates, bots, malformed rows by reject reason, late rows, the busiest visitors, bytes,
seconds, rows/s). The same seed and arguments always give byte-identical files, whatever
--workers (pinned Parquet writer options, deterministic row order, one random stream per
day). Files are written under a hidden temporary name, then renamed.

The data:
* visitors (`v-<n>`) with a heavy-tailed number of sessions (`s-<visitor_id>-<k>`) and
  events per session (most visitors 1-20 events), active over a few days around a random
  date; session starts follow a diurnal (UTC) pattern; plus a handful of human "power"
  visitors with thousands (N >= 100,000) to tens of thousands (N >= 10,000,000) of events
  who go through the funnel over and over;
* the bundled goals (seeds/goals.csv, funnels.csv, hard-coded here): the purchase funnel
  (page_view of /products/..., add_to_cart, begin_checkout, purchase; 7-day window) with
  drop-offs of about 40% / 30% / 50% / 50%, repeated steps, steps out of order (a purchase
  before the add_to_cart, an add_to_cart before any product view), steps weeks apart and
  a few steps at the same instant as the event before them;
  micro goals newsletter_signup, video_start and page views of /help/shipping...;
  page_view is ~80% of the events, with view_item, search, scroll, video_start, ...;
* page URLs mostly without query string, some with utm parameters, some with personal data
  (?email=..., ?token=...); referrers empty, search engines, social, e-mail, internal;
  properties compact JSON (a few rows not JSON, with control characters or long); the funnel's
  events carry a product's "item_id", so that a funnel can hold it constant (SPEC section 5):
  product page views, view_item and add_to_cart their product's, begin_checkout and purchase
  the visitor's favourite product's (the one of their step-1 product view);
* ~3% of visitors are bots (a crawler, script or headless user agent, in any case, or no
  user agent on any event; some switch to a bot user agent after a first browser event);
  ~25% of purchases are sent server-side: no user agent, page, referrer or session;
* ~1% of rows are duplicate deliveries of an event_id: mostly identical copies in the same
  file, some in a later file (identical, or with a later or an earlier occurred_at);
* ~0.1% of rows are malformed: null, empty or whitespace-only event_id, visitor_id or
  event_name, or null occurred_at (a few rows with two of these);
* ~2% of each file (from the 4th file on) are late arrivals that occurred 1-3 days before
  the delivery day, ~0.05% occurred 4-30 days before.

Vectorised with numpy: the visitors and their sessions are drawn up front (~250 bytes per
visitor), then the events are made and delivered day by day in this process, while --workers
processes (default: the CPUs, at most 4, from 2,000,000 events on) turn each day into its
file; memory stays bounded by a few days of events plus the visitor and session tables
(about 2.5 GB at 100,000,000 events).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SITE = "https://shop.example.com"
DAY_S = 86_400
SEC_US = 1_000_000
DAY_US = DAY_S * SEC_US
COLUMNS = ["event_id", "visitor_id", "session_id", "event_name", "occurred_at",
           "page_url", "referrer_url", "user_agent", "properties"]
# Parquet writer options, pinned: identical input gives identical bytes. The low-cardinality
# columns are written from dictionary arrays (no hashing), without min/max statistics (every
# row group holds every event name, ...: they would prune nothing); store_schema=False so
# that readers see the Parquet types (strings, timestamp UTC), not the in-memory
# dictionary types.
PARQUET_OPTIONS = dict(
    compression="zstd", compression_level=1, version="2.6", data_page_version="1.0",
    use_dictionary=["event_name", "page_url", "referrer_url", "user_agent", "properties"],
    write_statistics=["event_id", "visitor_id", "session_id", "occurred_at"],
    row_group_size=262_144, data_page_size=1 << 20,
    coerce_timestamps="us", allow_truncated_timestamps=False, store_schema=False,
    write_page_index=False, write_batch_size=1024, dictionary_pagesize_limit=1 << 20,
    use_byte_stream_split=False, use_compliant_nested_type=True)

# Shares (of visitors, events or rows).
BOT_SHARE = 0.03            # of visitors
DUP_SHARE = 0.0101          # of the delivered rows that get a copy (~1% of rows are copies)
DUP_CROSS_FILE = 0.2        # of the copies: delivered 1-3 files later
DUP_SAME_FILE_SHIFTED = 0.1  # of the same-file copies: with another occurred_at
MALFORMED_SHARE = 0.001     # of rows
LATE_SHARE, LATE_BEYOND_SHARE = 0.02, 0.0005  # of events: delivered 1-3 / 4-30 days late
SERVER_SIDE_PURCHASE = 0.25
WEIRD_PROPERTIES = 0.0002

# Events.
EVENT_NAMES = ["page_view", "view_item", "add_to_cart", "begin_checkout", "purchase",
               "newsletter_signup", "video_start", "search", "scroll"]
PV, VI, ATC, BC, PUR, NL, VS, SE, SC = range(9)
# Funnel step i (1..4) -> its event: page_view of /products/%, add_to_cart, begin_checkout,
# purchase (seeds/goals.csv, funnel "purchase"). The codes of steps 2..4 equal the step.
STEP_EVENTS = [PV, ATC, BC, PUR]
# Drop-offs among regular human visitors: P(product view), then each next step.
REACH_VIEW_ONE_EVENT, REACH_VIEW, REACH_CART, REACH_CHECKOUT, REACH_PURCHASE = \
    0.25, 0.45, 0.34, 0.6, 0.57
OUT_OF_ORDER, REPEAT_STEP, SAME_INSTANT_STEP = 0.06, 0.15, 0.03
# Event mix of human events after the first of a session (the first is a page_view).
HUMAN_MIX = [(PV, 0.68), (SC, 0.12), (VI, 0.10), (SE, 0.05), (VS, 0.02), (NL, 0.005),
             (PV, 0.025)]
POWER_MIX = [(PV, 0.58), (SC, 0.10), (VI, 0.10), (SE, 0.05), (VS, 0.03), (NL, 0.01),
             (ATC, 0.06), (BC, 0.04), (PUR, 0.03)]

# Pages. Non-product pages a visitor browses, weighted.
BROWSE = [("/", 22), ("/products", 14), ("/products-on-sale", 4), ("/collections/mugs", 5),
          ("/collections/tea", 4), ("/collections/kitchen", 3),
          ("/blog/how-to-brew-pour-over", 3), ("/blog/choosing-a-teapot", 2),
          ("/blog/autumn-gift-guide", 2), ("/blog/caring-for-cast-iron", 2),
          ("/help/shipping", 4), ("/help/shipping/international", 1.5), ("/help/returns", 2),
          ("/help/contact", 1), ("/about", 2), ("/account/login", 3), ("/account/orders", 1.5),
          ("/account/jane.doe@example.com/orders", 0.2), ("/cart", 4), ("/wishlist", 1)]
LISTING, BLOG_CODES = 1, [6, 7, 8, 9]
NAMED_PRODUCTS = ["blue-mug", "red-mug", "espresso-cups", "french-press", "pour-over-kettle",
                  "coffee-grinder", "ceramic-teapot", "tea-sampler", "bamboo-tray",
                  "linen-napkins", "oak-cutting-board", "cast-iron-pan", "glass-carafe",
                  "travel-tumbler", "cold-brew-kit", "chef-knife"]
N_PRODUCTS = 240
PRODUCT_SLUGS = NAMED_PRODUCTS + [f"sku-{100 + i}" for i in range(N_PRODUCTS - 16)]
SKUS = [f"SKU-{100 + i}" for i in range(N_PRODUCTS)]
PRICES = [round(float(p), 2) for p in
          np.random.default_rng(20260701).integers(5, 150, N_PRODUCTS) + 0.9]
SEARCH_PATH, CHECKOUT_PATH, CONFIRM_PATH = len(BROWSE), len(BROWSE) + 1, len(BROWSE) + 2
PRODUCT0 = len(BROWSE) + 3
PATHS = ([p for p, _ in BROWSE] + ["/search", "/checkout", "/checkout/confirmation"]
         + [f"/products/{s}" for s in PRODUCT_SLUGS])

# Query strings of page URLs: none, utm, personal data, search terms, filters.
UTM = ["?utm_source=google&utm_medium=cpc&utm_campaign=summer_sale",
       "?utm_source=facebook&utm_medium=social&utm_campaign=summer_sale",
       "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly",
       "?utm_source=instagram&utm_medium=social", "?gclid=Cj0KCQjw9Lm2BhCvARIsAOl9x"]
PII = ["?email=jane.doe%40example.com", "?email=john.smith@example.org&ref=nl",
       "?token=eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu", "?reset_token=9f8e7d6c5b4a3210",
       "?name=Jane+Doe&email=jane%40example.net", "?phone=%2B4915112345678"]
SEARCH_TERMS = ["teapot", "cast iron", "mug", "coffee grinder", "gift", "kettle", "tea",
                "espresso", "knife", "cold brew"]
FILTERS = ["?category=mugs", "?sort=price_asc", "?page=2", "#reviews"]
QUERIES = ([""] + UTM + PII + ["?q=" + t.replace(" ", "+") for t in SEARCH_TERMS] + FILTERS)
Q_UTM, Q_PII, Q_SEARCH = 1, 1 + len(UTM), 1 + len(UTM) + len(PII)
Q_FILTER = Q_SEARCH + len(SEARCH_TERMS)

# Referrers of a session's first event (None: null); later events have the previous page.
EXTERNAL_REFERRERS = [(None, 33), ("", 5), ("https://www.google.com/", 25),
                      ("https://www.bing.com/", 5), ("https://duckduckgo.com/", 3),
                      ("https://www.facebook.com/", 5), ("https://l.instagram.com/", 3),
                      ("https://t.co/", 2), ("https://www.pinterest.com/", 2),
                      ("https://mail.google.com/", 4), ("https://outlook.live.com/", 2),
                      ("https://news.example.net/?email=reader@example.net", 1),
                      ("android-app://com.google.android.gm/", 1)]
EXT_NULL = 0
REFERRERS = [r for r, _ in EXTERNAL_REFERRERS] + [SITE + p for p in PATHS]
REF_INTERNAL0 = len(EXTERNAL_REFERRERS)

# User agents: ten browsers (humans), then bots; "" is an empty user agent.
_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
_SAFARI = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64"
_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"
_CHROME, _MOBILE = f"{_WEBKIT} Chrome/129.0.0.0 Safari/537.36", "Mobile/15E148 Safari/604.1"
BROWSERS = [
    (f"{_WIN}) {_CHROME}", 22), (f"{_WIN}) {_CHROME} Edg/129.0.2792.79", 6),
    (f"{_WIN}; rv:131.0) Gecko/20100101 Firefox/131.0", 5),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0", 2),
    (f"{_MAC} {_SAFARI} Version/18.0 Safari/605.1.15", 10), (f"{_MAC} {_CHROME}", 6),
    (f"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) {_SAFARI} Version/18.0 {_MOBILE}",
     25),
    (f"Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) {_SAFARI} Version/17.6 {_MOBILE}", 5),
    (f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {_WEBKIT} Chrome/129.0.6668.70 Mobile "
     "Safari/537.36", 12),
    (f"Mozilla/5.0 (Linux; Android 14; SM-S921B) {_WEBKIT} SamsungBrowser/26.0 "
     "Chrome/122.0.0.0 Mobile Safari/537.36", 7)]
CRAWLERS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    f"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) {_WEBKIT} Chrome/129.0.6668.70"
    " Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; MJ12BOT/v1.4.8; http://mj12bot.com/)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)",
    "Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"]
SCRIPTS = ["python-requests/2.31.0", "Python-Requests/2.31", "curl/8.4.0", "Wget/1.21.4",
           "Go-http-client/2.0", "Java/17.0.8"]
HEADLESS = [f"Mozilla/5.0 (X11; Linux x86_64) {_WEBKIT} HeadlessChrome/129.0.0.0 Safari/537.36",
            f"Mozilla/5.0 (X11; Linux x86_64) {_WEBKIT} HEADLESSCHROME/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
            "PhantomJS/2.1.1 Safari/538.1"]
USER_AGENTS = [b for b, _ in BROWSERS] + CRAWLERS + SCRIPTS + HEADLESS + [""]
UA_CRAWLER0 = len(BROWSERS)
UA_SCRIPT0 = UA_CRAWLER0 + len(CRAWLERS)
UA_HEADLESS0 = UA_SCRIPT0 + len(SCRIPTS)
UA_EMPTY = len(USER_AGENTS) - 1
# Bot kinds: crawler, script, headless, no user agent at all, browser first then a bot.
BOT_KINDS = [0.45, 0.15, 0.10, 0.20, 0.10]

# Properties (JSON text); purchases get '{"order_id":"o-<n>",' + a per-product tail.
_j = lambda d: json.dumps(d, separators=(",", ":"))  # noqa: E731
PV_PROPS = ["{}", '{"lang":"en"}', '{"lang":"de"}', '{"lang":"fr"}']
PRODUCT_PV_PROPS = [_j({"item_id": k}) for k in SKUS]  # page views of a product page
SCROLL_PROPS = [_j({"percent": p}) for p in (25, 50, 75, 90, 100)]
SEARCH_PROPS = [_j({"query": t}) for t in SEARCH_TERMS]
NL_PROPS = ['{"list":"weekly"}', '{"list":"offers"}']
VIDEO_PROPS = [_j({"video_id": f"vid-{s}"}) for s in PRODUCT_SLUGS]
ITEM_PROPS = [_j({"item_id": k, "price": p, "currency": "EUR"}) for k, p in zip(SKUS, PRICES)]
CART_PROPS = [_j({"item_id": k, "value": p, "currency": "EUR", "quantity": 1})
              for k, p in zip(SKUS, PRICES)]
CHECKOUT_PROPS = [_j({"item_id": k, "value": p, "currency": "EUR", "items": 1})
                  for k, p in zip(SKUS, PRICES)]
WEIRD_PROPS = ["not json", '{"item_id":"SKU-101",', "null", '{"note":"tab\there\u0001"}',
               '{"blob":"' + "x" * 4000 + '"}', "<script>alert(1)</script>"]
PURCHASE_TAILS = [_j({"item_id": k, "value": p, "currency": "EUR", "items": 1})[1:]
                  for k, p in zip(SKUS, PRICES)]
PROPS = (PV_PROPS + SCROLL_PROPS + SEARCH_PROPS + NL_PROPS + VIDEO_PROPS + ITEM_PROPS
         + CART_PROPS + CHECKOUT_PROPS + PRODUCT_PV_PROPS + WEIRD_PROPS)
P_PV = 0
P_SCROLL = P_PV + len(PV_PROPS)
P_SEARCH = P_SCROLL + len(SCROLL_PROPS)
P_NL = P_SEARCH + len(SEARCH_PROPS)
P_VIDEO = P_NL + len(NL_PROPS)
P_ITEM = P_VIDEO + N_PRODUCTS
P_CART = P_ITEM + N_PRODUCTS
P_CHECKOUT = P_CART + N_PRODUCTS
P_PRODUCT_PV = P_CHECKOUT + N_PRODUCTS
P_WEIRD = P_PRODUCT_PV + N_PRODUCTS

# Malformed values: code 1..5 of a column -> null, empty, whitespace only.
BAD_VALUES = [None, "", " ", "\t", "  \n "]
REJECT_REASONS = ["missing_event_id", "missing_visitor_id", "missing_event_name",
                  "invalid_occurred_at"]
# Session starts by UTC hour (visitors mostly in Europe).
HOUR_WEIGHTS = [2, 1.5, 1, 1, 1, 1.5, 2.5, 4, 5, 5.5, 6, 6.5, 7, 6.5, 6, 6, 6, 6.5, 7.5, 8, 8,
                7, 5, 3.5]
REC_FIELDS = {"eid": np.int64, "vis": np.int32, "k": np.int32, "name": np.int8, "ts": np.int64,
              "path": np.int16, "query": np.int16, "ref": np.int16, "ua": np.int16,
              "props": np.int16, "prod": np.int16, "srv": np.bool_, "recv": np.int64,
              "dup": np.int8}
# dup: 0 plain, 1 an original that has a copy, 2 a same-file copy, 3 a copy in a later file,
# 4 and 5 a later-file copy with a later / an earlier occurred_at, 6 a shifted same-file copy.


def keep_freed_memory():
    """Ask glibc to serve large arrays from the heap and keep freed memory: the day-sized
    arrays are allocated and freed over and over, and fresh pages cost a page fault each.
    Only speed changes; harmless where glibc is absent."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: the largest allowed, 32 MiB
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def rng_for(seed, *stream):
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *stream])))


def uniform(rng, n):
    return rng.random(n, dtype=np.float32)


class Discrete:
    """A small discrete distribution, drawn by lookup in a table of 2**16 equal-probability
    cells (each probability rounded to a multiple of 2**-16)."""

    def __init__(self, weights, values=None):
        w = np.asarray([x[1] if isinstance(x, tuple) else x for x in weights], np.float64)
        cum = np.cumsum(w) / w.sum()
        cell = (np.arange(1 << 16) + 0.5) / (1 << 16)
        idx = np.searchsorted(cum, cell, side="right").clip(0, len(w) - 1)
        values = np.arange(len(w)) if values is None else np.asarray(values)
        self.lut = values[idx].astype(np.int32)

    def draw(self, rng, n):
        raw = rng.bit_generator.random_raw((n + 3) // 4).view(np.uint16)[:n]
        return self.lut[raw]


BROWSE_DIST = Discrete(BROWSE)
BROWSER_DIST = Discrete(BROWSERS)
EXT_DIST = Discrete(EXTERNAL_REFERRERS)
HOUR_DIST = Discrete(HOUR_WEIGHTS)
PRODUCT_DIST = Discrete(1.0 / np.arange(1, N_PRODUCTS + 1) ** 1.1)
HUMAN_MIX_DIST = Discrete(HUMAN_MIX, [c for c, _ in HUMAN_MIX])
POWER_MIX_DIST = Discrete(POWER_MIX, [c for c, _ in POWER_MIX])
BOT_KIND_DIST = Discrete(BOT_KINDS)
# Events per human session: 35% bounce (1), else 1 + geometric(0.2), up to 120.
_geo = 0.2 * 0.8 ** np.arange(119)
HUMAN_SESSION_LEN = Discrete(np.concatenate([[0.35], 0.65 * _geo / _geo.sum()]),
                             np.arange(1, 121))
BOT_SESSIONS = Discrete(0.5 ** np.arange(1, 21), np.arange(1, 21))  # geometric(0.5)


def reflect(x, T):
    """Fold x into [0, T) by reflection (keeps a uniform distribution uniform)."""
    x = np.mod(x, 2.0 * T)
    return np.where(x >= T, 2.0 * T - x, x)


def diurnal_seconds(rng, n):
    return HOUR_DIST.draw(rng, n) * 3600 + rng.integers(0, 3600, n, dtype=np.int32)


def pareto_int(rng, n, scale, alpha, cap):
    """floor(scale * Pareto(alpha)), at most cap."""
    x = scale * (1 - uniform(rng, n)) ** np.float32(-1 / alpha)
    return np.minimum(np.floor(x), cap).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Visitors and sessions, drawn up front.

class Population:
    """Visitors (index 0..V-1; power visitors first), their funnel plans, and their sessions
    grouped by start day."""

    def __init__(self, events, seed, days, total_days):
        rng = rng_for(seed, 0)
        D, T = days, total_days
        self.T = T
        target = events / (1 + DUP_SHARE)  # unique events of sessions in the first D days
        # Power visitors: humans with thousands to tens of thousands of events.
        n_power = max(1, round(events / 2_000_000))
        floor = 2_500 if events >= 100_000 else max(1, int(events * 0.025))
        size = np.maximum(floor, (min(max(events * 0.004, 2_500), 40_000)
                                  * rng.uniform(0.6, 1.5, n_power)).astype(np.int64))
        size = size * T // D  # spread over all the days
        p_vis = np.repeat(np.arange(n_power), np.maximum(1, size // 25))
        p_len = rng.geometric(1 / 25, p_vis.size).astype(np.int64)
        p_day = rng.integers(0, T, p_vis.size).astype(np.int16)
        p_tod = diurnal_seconds(rng, p_vis.size)
        kinds, bot_kinds = [np.ones(n_power, np.int8)], [np.full(n_power, -1, np.int8)]
        svis, slen, sday, stod = [p_vis], [p_len], [p_day], [p_tod]
        first = np.bincount(p_vis, weights=p_len * (p_day < D), minlength=n_power)
        have, V = float(first.sum()), n_power
        cum = [np.cumsum(first)]
        block = max(1_000, int(target / 10.5 * 1.03))
        while have < target:
            kind, bkind, vis, length, day, tod = self._draw_block(rng, block, T)
            f = np.bincount(vis, weights=length * (day < D), minlength=block)
            cum.append(have + np.cumsum(f))
            kinds.append(kind), bot_kinds.append(bkind), svis.append(vis + V)
            slen.append(length), sday.append(day), stod.append(tod)
            have, V = have + float(f.sum()), V + block
            block = max(1_000, int(block * 0.1))
        cum = np.concatenate(cum)
        V = max(int(np.searchsorted(cum, target)) + 1, n_power)
        self.V = V
        self.kind = np.concatenate(kinds)[:V]
        self.bot_kind = np.concatenate(bot_kinds)[:V]
        vis = np.concatenate(svis)
        S = int(np.searchsorted(vis, V))  # sessions are contiguous by visitor
        vis = vis[:S].astype(np.int32)
        length = np.concatenate(slen)[:S]
        day = np.concatenate(sday)[:S]
        start_s = day.astype(np.int64) * DAY_S + np.concatenate(stod)[:S]
        del svis, slen, sday, stod
        # Order each visitor's sessions by time.
        shift = int(T * DAY_S).bit_length()
        order = np.argsort((vis.astype(np.int64) << shift) | start_s, kind="stable")
        length, day = length[order], day[order]
        start_us = start_s[order] * SEC_US + rng.integers(0, SEC_US, S)
        del order, start_s
        n = np.bincount(vis, weights=length, minlength=V).astype(np.int64)
        self.n = n
        self.ev_off = np.cumsum(n) - n
        sess_count = np.bincount(vis, minlength=V)
        sess_off = np.cumsum(sess_count) - sess_count
        k = (np.arange(S) - sess_off[vis] + 1).astype(np.int32)
        j0 = np.cumsum(length) - length - self.ev_off[vis]
        # Group the sessions by start day.
        by_day = np.argsort(day, kind="stable")
        self.day_bounds = np.searchsorted(day[by_day], np.arange(T + 1))
        self.s_vis = vis[by_day]
        self.s_len = length[by_day]
        self.s_start = start_us[by_day]
        self.s_k = k[by_day]
        self.s_j0 = j0[by_day]
        self.sessions = S
        del by_day, vis, length, start_us, k, j0, day
        self._plan(rng)

    @staticmethod
    def _draw_block(rng, m, T):
        """m regular visitors: kind (0 human, 2 bot) and their sessions."""
        is_bot = uniform(rng, m) < BOT_SHARE
        kind = np.where(is_bot, 2, 0).astype(np.int8)
        bot_kind = np.full(m, -1, np.int8)
        bots = np.flatnonzero(is_bot)
        bot_kind[bots] = BOT_KIND_DIST.draw(rng, bots.size)
        k = pareto_int(rng, m, 1, 1.6, 400)
        k[bots] = BOT_SESSIONS.draw(rng, bots.size)
        vis = np.repeat(np.arange(m), k)
        S = vis.size
        bot_s = np.flatnonzero(is_bot[vis])
        length = HUMAN_SESSION_LEN.draw(rng, S).astype(np.int64)
        length[bot_s] = pareto_int(rng, bot_s.size, 8, 1.6, 3000)
        center = uniform(rng, m) * np.float32(T)
        width = rng.standard_exponential(m, dtype=np.float32) * np.where(
            is_bot, np.float32(3), np.float32(8) * (1 + np.log(k.astype(np.float32))))
        offset = width[vis] * (uniform(rng, S) - np.float32(0.5))
        day = np.minimum(reflect(center[vis] + offset, T).astype(np.int16), T - 1)
        tod = diurnal_seconds(rng, S)
        tod[bot_s] = rng.integers(0, DAY_S, bot_s.size, dtype=np.int32)
        return kind, bot_kind, vis, length, day, tod

    def _plan(self, rng):
        """Per visitor: user agent, favourite product and funnel plan (event positions)."""
        V, n, kind = self.V, self.n, self.kind
        self.browser = BROWSER_DIST.draw(rng, V).astype(np.int16)  # humans, switchers' first
        ua = self.browser.copy()
        bk = self.bot_kind
        for code, first, count in ((0, UA_CRAWLER0, len(CRAWLERS)), (1, UA_SCRIPT0, len(SCRIPTS)),
                                   (2, UA_HEADLESS0, len(HEADLESS)), (3, UA_EMPTY, 1),
                                   (4, UA_CRAWLER0, len(CRAWLERS) + len(SCRIPTS))):
            m = np.flatnonzero(bk == code)
            ua[m] = first + rng.integers(0, count, m.size)
        self.ua = ua
        self.fav = PRODUCT_DIST.draw(rng, V).astype(np.int16)
        # Funnel stage reached by regular humans (1 view, 2 cart, 3 checkout, 4 purchase).
        human = kind == 0
        s1 = human & (uniform(rng, V) < np.where(n == 1, REACH_VIEW_ONE_EVENT, REACH_VIEW))
        s2 = s1 & (n >= 2) & (uniform(rng, V) < REACH_CART)
        s3 = s2 & (n >= 3) & (uniform(rng, V) < REACH_CHECKOUT)
        s4 = s3 & (n >= 4) & (uniform(rng, V) < REACH_PURCHASE)
        stage_all = s1.astype(np.int8) + s2 + s3 + s4
        self.stage = stage_all
        self.plan = np.full((V, 5), -1, np.int32)
        self.rep_name = np.full(V, ATC, np.int8)
        self.prod_from = np.where(human, np.iinfo(np.int32).max, 0).astype(np.int32)
        who = np.flatnonzero(s1)
        m, n, stage = who.size, n[who], stage_all[who].astype(np.int64)
        # Step positions among the visitor's events (index j, in time order): strictly
        # increasing; mostly close together (a few events apart), else spread out.
        u = np.sort(rng.random((m, 4)), axis=1)
        span = np.maximum(n - stage + 1, 1)[:, None]
        spread = np.floor(u * span).astype(np.int64) + np.arange(4)
        close = np.empty((m, 4), np.int64)
        close[:, 0] = spread[:, 0]
        close[:, 1:] = rng.geometric(0.45, (m, 3))
        close = np.cumsum(close, axis=1)
        last = np.take_along_axis(close, (stage - 1)[:, None], axis=1)[:, 0]
        use_close = (last < n) & (uniform(rng, m) < 0.7)
        pos = np.where(use_close[:, None], close, spread)
        pos[np.arange(4)[None, :] >= stage[:, None]] = -1
        # Out of order: a purchase before the add_to_cart, or an add_to_cart before any
        # product view.
        ooo = (stage >= 2) & (uniform(rng, m) < OUT_OF_ORDER)
        swap = ooo & (stage == 4)
        pos[swap, 1], pos[swap, 3] = pos[swap, 3], pos[swap, 1].copy()
        swap = ooo & (stage < 4)
        pos[swap, 0], pos[swap, 1] = pos[swap, 1], pos[swap, 0].copy()
        # A repeated step after the last planned one.
        top = pos.max(axis=1)
        rep = (stage >= 2) & (uniform(rng, m) < REPEAT_STEP) & (top < n - 1)
        rep_pos = np.where(rep, top + 1 + np.floor(uniform(rng, m) * np.maximum(n - top - 1, 1))
                           .astype(np.int64), -1)
        self.rep_name[who] = ATC + np.floor(uniform(rng, m) * np.maximum(stage - 1, 1))
        self.plan[who, :4] = pos
        self.plan[who, 4] = rep_pos
        # Product pages only from the first product view on (never for stage 0).
        self.prod_from[who] = pos[:, 0]


# ---------------------------------------------------------------------------------------------
# Events of the sessions that start on one day.

def make_events(pop, d, rng):
    lo, hi = int(pop.day_bounds[d]), int(pop.day_bounds[d + 1])
    slen = pop.s_len[lo:hi]
    E = int(slen.sum())
    sess = np.repeat(np.arange(hi - lo, dtype=np.int32), slen)
    first = np.cumsum(slen) - slen
    start = np.zeros(E, bool)
    start[first] = True
    v = pop.s_vis[lo:hi][sess]
    j = pop.s_j0[lo:hi][sess] + (np.arange(E) - first[sess])
    kind = pop.kind[v]
    bot = kind == 2
    bots, powers = np.flatnonzero(bot), np.flatnonzero(kind == 1)
    # Event names: a random mix, page_view first in a session, then the funnel plan.
    name = HUMAN_MIX_DIST.draw(rng, E).astype(np.int8)
    name[powers] = POWER_MIX_DIST.draw(rng, powers.size)
    name[start] = PV
    name[bots] = PV
    prod_ok = j >= pop.prod_from[v]
    name[(name == VI) & ~prod_ok] = SC
    # The planned steps (and repeated step) that fall into these sessions.
    sv, sj0 = pop.s_vis[lo:hi], pop.s_j0[lo:hi]
    splan = pop.plan[sv]
    inside = (splan >= sj0[:, None]) & (splan < (sj0 + slen)[:, None])
    srow, scol = np.nonzero(inside)
    at = first[srow] + splan[srow, scol] - sj0[srow]  # event index
    step = np.zeros(E, np.int8)  # 1..4: the planned funnel step at this event
    m = scol < 4
    step[at[m]] = scol[m] + 1
    rep = at[~m]
    rep = rep[step[rep] == 0]
    name[rep] = pop.rep_name[v[rep]]
    steps = at[m]
    name[steps] = np.array(STEP_EVENTS, np.int8)[scol[m]]
    del splan, inside

    # Times: humans seconds to minutes apart, bots a few seconds; 3% of the planned steps
    # 2..4 at the same instant as the event before them.
    gap = rng.standard_exponential(E, dtype=np.float32) * np.float32(45 * SEC_US)
    gap[bots] *= np.float32(2.5 / 45)
    gap = gap.astype(np.int64) + 1000
    tie = steps[(scol[m] > 0) & (uniform(rng, steps.size) < SAME_INSTANT_STEP)]
    gap[tie] = 0
    gap[start] = 0
    cs = np.cumsum(gap)
    ts = pop.s_start[lo:hi][sess] + cs - cs[first][sess]
    del gap, cs

    # Pages.
    fav = pop.fav[v]
    prod = PRODUCT_DIST.draw(rng, E).astype(np.int16)
    u = uniform(rng, E)
    use_fav = u < 0.5
    prod[use_fav & (kind == 0)] = fav[use_fav & (kind == 0)]
    path = BROWSE_DIST.draw(rng, E).astype(np.int16)
    on_product = prod_ok & ((u * 2) % 1 < np.where(bot, np.float32(0.5), np.float32(0.35)))
    path[on_product] = PRODUCT0 + prod[on_product]
    m = step == 1
    path[m] = PRODUCT0 + fav[m]
    prod[m] = fav[m]
    m = (name == VI) | ((name == VS) & prod_ok)
    path[m] = PRODUCT0 + prod[m]
    m = np.flatnonzero((name == VS) & ~prod_ok)
    path[m] = np.array(BLOG_CODES, np.int16)[rng.integers(0, len(BLOG_CODES), m.size)]
    m = name == ATC
    path[m] = np.where(prod_ok[m], PRODUCT0 + prod[m], LISTING)
    path[name == SE] = SEARCH_PATH
    path[name == BC] = CHECKOUT_PATH
    path[name == PUR] = CONFIRM_PATH
    is_product = path >= PRODUCT0
    product = np.where(is_product, path - PRODUCT0, prod).astype(np.int16)
    # A checkout and a purchase are of the visitor's favourite product (the one of their
    # step-1 product view): their item_id (properties) only, no page shows it.
    m = (name == BC) | (name == PUR)
    product[m] = fav[m]

    # Server-side purchases: no user agent, page, referrer or session.
    u = uniform(rng, E)
    srv = (name == PUR) & ~bot & (u < SERVER_SIDE_PURCHASE)

    # Query strings: filters 2%, personal data 1%, utm on 30% of the landings with a referrer.
    query = np.zeros(E, np.int16)
    m = np.flatnonzero(u < 0.03)
    query[m] = np.where(u[m] < 0.01, Q_PII + (u[m] * 1e4).astype(np.int16) % len(PII),
                        Q_FILTER + (u[m] * 1e4).astype(np.int16) % len(FILTERS))
    ext = EXT_DIST.draw(rng, E).astype(np.int16)
    m = np.flatnonzero(start & ~bot & (ext != EXT_NULL) & ((u * 7) % 1 < 0.3))
    query[m] = Q_UTM + (u[m] * 1e5).astype(np.int16) % len(UTM)
    search_term = ((u * 1e6).astype(np.int32) % len(SEARCH_TERMS)).astype(np.int16)
    m = name == SE
    query[m] = Q_SEARCH + search_term[m]
    query[(path == CHECKOUT_PATH) | (path == CONFIRM_PATH)] = 0

    # Referrers: external on a session's first event, else the previous page.
    ref = np.empty(E, np.int16)
    ref[1:] = REF_INTERNAL0 + path[:-1]
    ref[start] = ext[start]  # code 0: null
    ref[bots[start[bots]]] = EXT_NULL
    ref[srv] = -1

    # User agents.
    ua = pop.ua[v]
    bk = pop.bot_kind[v[bots]]
    empty = bots[bk == 3]
    ua[empty] = np.where(u[empty] < 0.5, UA_EMPTY, -1)
    switch = bots[(bk == 4) & (j[bots] == 0)]
    ua[switch] = pop.browser[v[switch]]
    m = np.flatnonzero(srv)
    ua[m] = np.where(u[m] < SERVER_SIDE_PURCHASE / 2, UA_EMPTY, -1)

    # Properties.
    props = np.full(E, -1, np.int16)
    u = uniform(rng, E)
    m = name == PV
    props[m & (u >= 0.45)] = P_PV
    m2 = m & (u >= 0.7)
    props[m2] = P_PV + 1 + (u[m2] * 1000).astype(np.int16) % 3
    m2 = m & is_product
    props[m2] = P_PRODUCT_PV + product[m2]
    m = np.flatnonzero(name == SC)
    props[m] = P_SCROLL + (u[m] * 1000).astype(np.int16) % len(SCROLL_PROPS)
    m = name == SE
    props[m] = P_SEARCH + search_term[m]
    m = name == NL
    props[m] = P_NL + (u[m] < 0.3)
    for code, base in ((VS, P_VIDEO), (VI, P_ITEM), (ATC, P_CART), (BC, P_CHECKOUT)):
        m = name == code
        props[m] = base + product[m]
    m = np.flatnonzero((props >= 0) & ((u * 997) % 1 < WEIRD_PROPERTIES))
    props[m] = P_WEIRD + (u[m] * 1e4).astype(np.int16) % len(WEIRD_PROPS)

    path[srv] = -1
    return {"eid": pop.ev_off[v] + j, "vis": v, "k": pop.s_k[lo:hi][sess], "name": name,
            "ts": ts, "path": path, "query": query, "ref": ref, "ua": ua, "props": props,
            "prod": product, "srv": srv}


def take(rec, idx):
    return {f: a[idx] for f, a in rec.items()}


def concat(recs):
    recs = [r for r in recs if r]
    if not recs:
        return {f: np.empty(0, t) for f, t in REC_FIELDS.items()}
    if len(recs) == 1:
        return {f: recs[0][f].astype(t, copy=False) for f, t in REC_FIELDS.items()}
    return {f: np.concatenate([r[f] for r in recs]).astype(t, copy=False)
            for f, t in REC_FIELDS.items()}


# ---------------------------------------------------------------------------------------------
# Delivery: duplicates, malformed rows, row order.

def deliver(rec, d, T, rng, pending):
    """The rows of delivery day d: duplicates added (some pushed to later days), malformed
    values chosen, in receive order. Returns (rows, bad codes: 4 x rows)."""
    plain = np.flatnonzero(rec["dup"] == 0)
    chosen = plain[uniform(rng, plain.size) < DUP_SHARE]
    rec["dup"][chosen] = 1
    c = chosen.size
    later = rng.integers(1, 4, c)
    cross = (uniform(rng, c) < DUP_CROSS_FILE) & (d + later < T)
    copies = take(rec, chosen)
    shift = rng.integers(SEC_US, 600 * SEC_US, c)
    variant = rng.integers(0, 3, c)  # cross-file: identical, later, earlier
    same_shifted = ~cross & (uniform(rng, c) < DUP_SAME_FILE_SHIFTED)
    sign = np.where(((variant == 1) & cross) | (same_shifted & (variant != 2)), 1,
                    np.where(((variant == 2) & cross) | same_shifted, -1, 0))
    copies["ts"] = copies["ts"] + sign * shift
    copies["dup"] = np.where(cross, np.where(sign > 0, 4, np.where(sign < 0, 5, 3)),
                             np.where(sign != 0, 6, 2)).astype(np.int8)
    copies["recv"] = np.where(cross, (d + later) * DAY_US + rng.integers(0, DAY_US, c),
                              copies["recv"] + rng.integers(SEC_US // 2, 600 * SEC_US, c))
    for delay in (1, 2, 3):
        m = cross & (later == delay)
        if m.any():
            pending.setdefault(d + delay, []).append(take(copies, m))
    # The rows: rec and the same-file copies, in order of the minute they were received
    # (a stable radix sort on 16 bits; within a minute, in the order they were made).
    same = ~cross
    recv = np.concatenate([rec["recv"], copies["recv"][same]])
    minute = ((recv - d * DAY_US) // (60 * SEC_US)).clip(0, 32767).astype(np.int16)
    order = np.argsort(minute, kind="stable")
    source = np.concatenate([np.arange(rec["eid"].size), chosen[same]])[order]
    rows = {f: a[source] for f, a in rec.items() if f not in ("ts", "dup", "recv")}
    for f in ("ts", "dup"):
        rows[f] = np.concatenate([rec[f], copies[f][same]])[order]
    rows["recv"] = recv[order]
    # Malformed rows (never one with a duplicate, so duplicates stay countable).
    total = rows["eid"].size
    plain = np.flatnonzero(rows["dup"] == 0)
    share = MALFORMED_SHARE * total / max(plain.size, 1)
    bad_rows = plain[uniform(rng, plain.size) < share]
    bad = np.zeros((4, total), np.int8)
    b = bad_rows.size
    reason = np.searchsorted(np.cumsum([0.3, 0.25, 0.25, 0.2]), rng.random(b)).clip(0, 3)
    value = rng.integers(1, len(BAD_VALUES) + 1, b)
    bad[reason, bad_rows] = np.where(reason == 3, 1, value)
    second = rng.random(b) < 0.15  # a second problem (the first reason wins)
    reason2 = np.minimum(reason + 1 + rng.integers(0, 3, b), 3)
    bad[reason2[second], bad_rows[second]] = np.where(
        reason2[second] == 3, 1, rng.integers(1, len(BAD_VALUES) + 1, int(second.sum())))
    return rows, bad


# ---------------------------------------------------------------------------------------------
# Strings and Parquet.

_HEX2 = np.array([list(f"{i:02x}".encode()) for i in range(256)], np.uint8).view(np.uint16)[:, 0]
_BLANKS = {2: b"", 3: b" ", 4: b"\t", 5: b"  \n "}  # BAD_VALUES codes 2..5 (1 is null)


def hex_digits(values, digits):
    """(n, digits) matrix of the lowest `digits` hex digits of values (uint64)."""
    be = values.astype(">u8").view(np.uint8).reshape(-1, 8)
    return _HEX2[be].view(np.uint8)[:, 16 - digits:]  # two characters per byte


_DEC4 = np.array([f"{i:04d}".encode() for i in range(10_000)], "S4").view(np.uint32)


def decimal_strings(values, width):
    """Fixed-width, zero-padded decimal text of values, as an 'S<width>' array."""
    groups = -(-width // 4)
    out = np.empty((values.size, groups), np.uint32)  # four digits each
    x = values.astype(np.int64, copy=True)
    for i in range(groups - 1, -1, -1):
        out[:, i] = _DEC4[x % 10_000]
        x //= 10_000
    mat = out.view(np.uint8).reshape(-1, 4 * groups)[:, 4 * groups - width:]
    return np.ascontiguousarray(mat).view(f"S{width}")[:, 0]


def string_array(mat, widths=None, valid=None, bad=None):
    """A pyarrow string array from the rows of a byte matrix, each cut to its width (all of
    it without `widths`); rows with `bad` code 1 are null, 2..5 empty or whitespace only."""
    n, w = mat.shape
    if widths is None:
        data = np.ascontiguousarray(mat).reshape(-1)
        lengths = None
        if bad is not None and bad.any():
            valid = bad != 1
            blank = np.flatnonzero(bad > 1)
            if blank.size:
                data = data.copy()
                lengths = np.full(n, w, np.int32)
                cut = []
                for r, b in zip(blank.tolist(), bad[blank].tolist()):
                    text = _BLANKS[b]
                    data[r * w:r * w + len(text)] = np.frombuffer(text, np.uint8)
                    cut.append(np.arange(r * w + len(text), (r + 1) * w))
                    lengths[r] = len(text)
                data = np.delete(data, np.concatenate(cut))
        if lengths is None:
            offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
        else:
            offsets = np.zeros(n + 1, np.int32)
            np.cumsum(lengths, out=offsets[1:])
    else:
        assert bad is None
        keep = np.arange(w, dtype=np.uint8)[None, :] < widths.astype(np.uint8)[:, None]
        data = mat[keep]
        offsets = np.zeros(n + 1, np.int32)
        np.cumsum(widths, out=offsets[1:])
    bitmap, nulls = None, 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        nulls = int(n - valid.sum())
    return pa.Array.from_buffers(pa.string(), n, [bitmap, pa.py_buffer(offsets),
                                                  pa.py_buffer(data)], null_count=nulls)


class Dictionary:
    """Distinct strings for codes into `values` (None: null). Parquet dictionary pages must
    not repeat a value (pyarrow then writes uninitialised bytes into the page)."""

    def __init__(self, values):
        distinct = {}
        self.remap = np.array([-1 if v is None else distinct.setdefault(v, len(distinct))
                               for v in values] + [-1], np.int32)  # code -1 -> -1
        self.values = pa.array(list(distinct), pa.string())


def dictionary_array(codes, dictionary: Dictionary, extra: pa.Array | None = None,
                     compact=True):
    """A dictionary array (codes < 0: null). Compacted: only the used entries of the
    dictionary, in their order; `extra` values (distinct, and distinct from the
    dictionary's) are appended for codes >= len(dictionary values)."""
    c = codes.astype(np.int32)
    n_static = len(dictionary.remap) - 1
    if extra is None:
        c = dictionary.remap[c]
    else:
        static = c < n_static
        c[static] = dictionary.remap[c[static]]
        c[~static] += len(dictionary.values) - n_static
    dictionary = dictionary.values
    valid = c >= 0
    all_valid = bool(valid.all())
    if compact:
        size = len(dictionary) + (len(extra) if extra is not None else 0)
        used = np.bincount(c[valid] if not all_valid else c, minlength=size) > 0
        if extra is not None:
            used[len(dictionary):] = True
        entries = np.flatnonzero(used)
        d = dictionary if extra is None else pa.concat_arrays([dictionary, extra])
        d = d.take(pa.array(entries))
        c = (np.cumsum(used, dtype=np.int32) - 1)[c]
    else:
        d = dictionary
    if not all_valid:
        c[~valid] = 0
    indices = pa.array(c, mask=None if all_valid else ~valid)
    return pa.DictionaryArray.from_arrays(indices, d)


class Renderer:
    """Turns delivered rows (code arrays) into a table of the nine raw columns."""

    def __init__(self, seed, V, base_us):
        r = rng_for(seed, 2)
        self.seed, self.base_us, self.V = seed, base_us, V
        self.vdigits = max(6, len(str(10 * V)))
        self.vmod = 10 ** self.vdigits
        a = int(r.integers(10 ** 5, min(10 ** 9, (1 << 62) // self.vmod)))
        a += 1 if a % 2 == 0 else 0
        self.va = a + (2 if a % 5 == 0 else 0)  # coprime with 10: a bijection mod 10**digits
        self.vb = int(r.integers(0, self.vmod))
        self.ea = int(r.integers(1 << 20, 1 << 22)) | 1  # odd: a bijection mod 2**40
        self.eb = int(r.integers(0, 1 << 40))
        self.names = Dictionary(EVENT_NAMES + BAD_VALUES[1:])
        self.pages = Dictionary([SITE + p + q for p in PATHS for q in QUERIES])
        self.refs = Dictionary(REFERRERS)
        self.uas = Dictionary(USER_AGENTS)
        self.props = Dictionary(PROPS)
        self.tails = np.array(PURCHASE_TAILS, dtype=object)
        self._vtext = None
        self._ktext = np.empty(0, "S1")

    def visitor_numbers(self, vis):
        return (np.asarray(vis).astype(np.int64) * self.va + self.vb) % self.vmod

    def visitor_id(self, vis):
        return f"v-{int(self.visitor_numbers(vis)):0{self.vdigits}d}"

    def event_numbers(self, eid):
        return (eid * self.ea + self.eb) & ((1 << 40) - 1)

    def visitor_text(self, vis):
        """(n, vdigits) matrix of the visitors' numbers (all visitors formatted once)."""
        if self._vtext is None:
            self._vtext = decimal_strings(self.visitor_numbers(np.arange(self.V)), self.vdigits)
        return self._vtext[vis].view(np.uint8).reshape(-1, self.vdigits)

    def session_text(self, k):
        """(n, digits) matrix of session numbers, left-aligned, and their widths."""
        top = int(k.max()) if k.size else 1
        if top >= self._ktext.size:
            size = 1 << max(10, top.bit_length())
            width = len(str(size))
            self._ktext = np.array([str(i).ljust(width).encode() for i in range(size)],
                                   f"S{width}")
            self._kwidth = np.array([len(str(i)) for i in range(size)], np.int64)
        width = self._ktext.dtype.itemsize
        return self._ktext[k].view(np.uint8).reshape(-1, width), self._kwidth[k]

    def table(self, rec, bad):
        n = rec["eid"].size
        # event_id: e-<seed>-<10 hex digits>
        pre = f"e-{self.seed}-".encode()
        mat = np.empty((n, len(pre) + 10), np.uint8)
        mat[:, :len(pre)] = np.frombuffer(pre, np.uint8)
        eid = self.event_numbers(rec["eid"])
        mat[:, len(pre):] = hex_digits(eid, 10)
        event_id = string_array(mat, bad=bad[0])
        # session_id s-<visitor_id>-<k> (null server-side); visitor_id v-<digits>
        vd = self.vdigits
        ktext, kwidth = self.session_text(rec["k"])
        mat = np.empty((n, 5 + vd + ktext.shape[1]), np.uint8)
        mat[:, :4] = np.frombuffer(b"s-v-", np.uint8)
        mat[:, 4:4 + vd] = self.visitor_text(rec["vis"])
        mat[:, 4 + vd] = ord("-")
        mat[:, 5 + vd:] = ktext
        session_id = string_array(mat, widths=5 + vd + kwidth, valid=~rec["srv"])
        visitor_id = string_array(mat[:, 2:4 + vd], bad=bad[1])
        # event_name, with malformed values (null or blank)
        name = rec["name"].astype(np.int16)
        m = bad[2] > 0
        name[m] = np.where(bad[2][m] == 1, -1, len(EVENT_NAMES) + bad[2][m] - 2)
        event_name = dictionary_array(name, self.names, compact=False)
        occurred = pa.array(rec["ts"] + self.base_us, pa.timestamp("us", tz="UTC"),
                            mask=bad[3] > 0 if bad[3].any() else None)
        page = np.where(rec["path"] >= 0, rec["path"].astype(np.int32) * len(QUERIES)
                        + rec["query"], -1)
        # properties: purchases '{"order_id":"o-<hex>",' + the product's tail
        props = rec["props"].astype(np.int32)
        purchase = np.flatnonzero(rec["name"] == PUR)
        extra = None
        if purchase.size:  # one entry per order (duplicate rows share theirs)
            order_eid, first, inverse = np.unique(eid[purchase], return_index=True,
                                                  return_inverse=True)
            orders = hex_digits(order_eid, 10).copy().view("S10")[:, 0]
            tails = self.tails[rec["prod"][purchase[first]]]
            extra = pa.array(['{"order_id":"o-' + o.decode() + '",' + t
                              for o, t in zip(orders.tolist(), tails.tolist())], pa.string())
            props[purchase] = len(PROPS) + inverse
        cols = [event_id, visitor_id, session_id, event_name, occurred,
                dictionary_array(page, self.pages), dictionary_array(rec["ref"], self.refs),
                dictionary_array(rec["ua"], self.uas, compact=False),
                dictionary_array(props, self.props, extra)]
        return pa.Table.from_arrays(cols, names=COLUMNS)


RENDER_FIELDS = ["eid", "vis", "k", "name", "ts", "path", "query", "ref", "ua", "props", "prod",
                 "srv"]


def write_file(renderer, rows, bad, path: Path):
    """Render and write one file (atomically: a hidden temporary file, then a rename)."""
    table = renderer.table(rows, bad)
    tmp = path.with_name("." + path.name + ".tmp")
    pq.write_table(table, tmp, **PARQUET_OPTIONS)
    os.replace(tmp, path)
    return path.stat().st_size


_RENDERERS = {}


def _start_worker():
    keep_freed_memory()


def _write_in_worker(renderer_args, rows, bad, path):
    if renderer_args not in _RENDERERS:
        _RENDERERS[renderer_args] = Renderer(*renderer_args)
    return write_file(_RENDERERS[renderer_args], rows, bad, Path(path))


class _Done:
    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


# ---------------------------------------------------------------------------------------------

def generate(events, seed, days, extra_days, start, output: Path, progress=False, workers=0):
    """Write the files; `workers` processes render and write them (0: this process)."""
    t0 = time.perf_counter()
    keep_freed_memory()
    pool = None
    if workers > 0:  # started first: they import numpy and pyarrow while the visitors are made
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                                   mp_context=multiprocessing.get_context("spawn"))
        for _ in range(workers):
            pool.submit(int)
    T = days + extra_days
    base_us = int(dt.datetime(start.year, start.month, start.day,
                              tzinfo=dt.timezone.utc).timestamp()) * SEC_US
    pop = Population(events, seed, days, T)
    renderer = Renderer(seed, pop.V, base_us)
    t_pop = time.perf_counter() - t0
    visitor_rows = np.zeros(pop.V, np.int64)
    stats = {"rows": 0, "rows_first_days": 0, "rows_extra_days": 0, "bytes": 0,
             "duplicate_rows": 0, "duplicate_rows_same_file": 0,
             "duplicate_rows_same_file_other_time": 0, "duplicate_rows_later_file": 0,
             "duplicate_rows_later_file_later_time": 0,
             "duplicate_rows_later_file_earlier_time": 0,
             "late_rows_1_3_days": 0, "late_rows_4_plus_days": 0,
             "server_side_purchases": 0, "weird_properties_rows": 0,
             "malformed_rows": 0, "malformed_by_reason": {r: 0 for r in REJECT_REASONS},
             "event_names": {name: 0 for name in EVENT_NAMES}}
    files = []
    pending: dict[int, list] = {}
    jobs = deque()
    for d in range(T):
        rng = rng_for(seed, 1, d)
        ev = make_events(pop, d, rng)
        od = ev["ts"] // DAY_US
        E = od.size
        u = uniform(rng, E)
        delay = np.zeros(E, np.int64)
        m = np.flatnonzero(u < LATE_SHARE + LATE_BEYOND_SHARE)
        delay[m] = np.where(u[m] < LATE_SHARE, 1 + (u[m] * 1e6).astype(np.int64) % 3,
                            4 + (u[m] * 1e6).astype(np.int64) % 27)
        delivery = od + delay
        delivery = np.where(delivery < T, delivery, od)
        ev["recv"] = ev["ts"] + rng.integers(SEC_US // 20, 3 * SEC_US, E)
        m = np.flatnonzero(delivery != od)
        ev["recv"][m] = delivery[m] * DAY_US + rng.integers(0, DAY_US, m.size)
        ev["dup"] = np.zeros(E, np.int8)
        delivery[od >= T] = -1  # after the last day: never delivered
        today = delivery == d
        if today.all():
            pending.setdefault(d, []).append(ev)
        else:
            pending.setdefault(d, []).append(take(ev, today))
            rest = np.flatnonzero(~today & (delivery >= 0))
            later, rest_day = take(ev, rest), delivery[rest]
            for day in np.unique(rest_day):
                pending.setdefault(int(day), []).append(take(later, rest_day == day))
        del ev, od, delivery, u, delay
        rows, bad = deliver(concat(pending.pop(d, [])), d, T, rng_for(seed, 3, d), pending)
        path = output / f"events-{(start + dt.timedelta(days=d)).isoformat()}.parquet"
        while len(jobs) > workers:  # at most workers + 1 files in flight
            stats["bytes"] += jobs.popleft().result()
        if pool is None:
            jobs.append(_Done(write_file(renderer, rows, bad, path)))
        else:
            jobs.append(pool.submit(_write_in_worker, (seed, pop.V, base_us),
                                    {f: rows[f] for f in RENDER_FIELDS}, bad, str(path)))
        # Bookkeeping, from the generator's own arrays.
        n = rows["eid"].size
        files.append({"file": path.name, "rows": n})
        stats["rows"] += n
        stats["rows_first_days" if d < days else "rows_extra_days"] += n
        counts = np.bincount(rows["dup"], minlength=7)
        stats["duplicate_rows"] += int(counts[2:].sum())
        stats["duplicate_rows_same_file"] += int(counts[2] + counts[6])
        stats["duplicate_rows_same_file_other_time"] += int(counts[6])
        stats["duplicate_rows_later_file"] += int(counts[3:6].sum())
        stats["duplicate_rows_later_file_later_time"] += int(counts[4])
        stats["duplicate_rows_later_file_earlier_time"] += int(counts[5])
        age = d - rows["ts"] // DAY_US
        stats["late_rows_1_3_days"] += int(((age >= 1) & (age <= 3) & (bad[3] == 0)).sum())
        stats["late_rows_4_plus_days"] += int(((age >= 4) & (bad[3] == 0)).sum())
        stats["server_side_purchases"] += int(rows["srv"].sum())
        stats["weird_properties_rows"] += int((rows["props"] >= P_WEIRD).sum())
        is_bad = np.flatnonzero((bad > 0).any(axis=0))
        stats["malformed_rows"] += int(is_bad.size)
        first_reason = np.argmax(bad[:, is_bad] > 0, axis=0)
        for r, c in enumerate(np.bincount(first_reason, minlength=4)):
            stats["malformed_by_reason"][REJECT_REASONS[r]] += int(c)
        names = rows["name"][bad[2] == 0]
        for code, c in enumerate(np.bincount(names, minlength=len(EVENT_NAMES))):
            stats["event_names"][EVENT_NAMES[code]] += int(c)
        np.add.at(visitor_rows, rows["vis"][bad[1] == 0], 1)
        if progress and (d % 10 == 9 or d == T - 1):
            el = time.perf_counter() - t0
            print(f"  {d + 1}/{T} files, {stats['rows']:,} rows, {el:.1f} s", file=sys.stderr)
    while jobs:
        stats["bytes"] += jobs.popleft().result()
    if pool is not None:
        pool.shutdown()
    assert not pending, sorted(pending)
    seen = visitor_rows > 0
    bots = seen & (pop.kind == 2)
    seconds = time.perf_counter() - t0
    top = np.argsort(visitor_rows, kind="stable")[::-1][:5]
    summary = {
        "output": str(output), "seed": seed, "events_requested": events, "days": days,
        "extra_days": extra_days, "start": start.isoformat(),
        "files": len(files), "first_file": files[0]["file"], "last_file": files[-1]["file"],
        "rows": stats.pop("rows"), "rows_first_days": stats.pop("rows_first_days"),
        "rows_extra_days": stats.pop("rows_extra_days"),
        "distinct_visitors": int(seen.sum()),
        "bot_visitors": int(bots.sum()), "bot_rows": int(visitor_rows[bots].sum()),
        "duplicate_rows": stats.pop("duplicate_rows"),
        "malformed_rows": stats.pop("malformed_rows"),
        "malformed_by_reason": stats.pop("malformed_by_reason"),
        "max_events_one_visitor": int(visitor_rows.max()),
        "top_visitors": {renderer.visitor_id(v): int(visitor_rows[v]) for v in top},
        "power_visitors_rows": sorted((int(x) for x in visitor_rows[pop.kind == 1]),
                                      reverse=True),
        "funnel_stage_visitors": {s: int(((pop.stage >= i) & seen & (pop.kind == 0)).sum())
                                  for i, s in enumerate(["regular_humans", "view_product",
                                                         "add_to_cart", "begin_checkout",
                                                         "purchase"])},
        "sessions": int(pop.sessions),
        **stats,
        "rows_per_file": {f["file"]: f["rows"] for f in files},
        "seconds": round(seconds, 2), "seconds_population": round(t_pop, 2),
    }
    summary["rows_per_second"] = round(summary["rows"] / seconds) if seconds else None
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, required=True,
                    help="rows of the first --days files (approximately)")
    ap.add_argument("--seed", type=int, required=True,
                    help="the same seed and arguments give the same bytes")
    ap.add_argument("--days", type=int, default=90, help="days of --events (default 90)")
    ap.add_argument("--extra-days", type=int, default=1,
                    help="more days after --days, about events/days rows each (default 1)")
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 7, 1),
                    help="the first delivery day, UTC (default 2026-07-01)")
    ap.add_argument("--output", type=Path, required=True, help="directory for the files")
    ap.add_argument("--force", action="store_true",
                    help="delete events-*.parquet files already in --output first")
    ap.add_argument("--progress", action="store_true", help="progress lines on stderr")
    ap.add_argument("--workers", type=int, default=None,
                    help="processes that render and write the files (default: 0 below "
                         "2,000,000 events, else the number of CPUs, at most 4); the files "
                         "are the same whatever the number")
    args = ap.parse_args(argv)
    if args.events < 1 or args.days < 1 or args.extra_days < 0 or args.seed < 0:
        ap.error("--events and --days must be >= 1, --extra-days and --seed >= 0")
    args.output.mkdir(parents=True, exist_ok=True)
    existing = sorted(args.output.glob("events-*.parquet"))
    if existing:
        if not args.force:
            ap.error(f"{args.output} already holds {len(existing)} events-*.parquet files "
                     f"(e.g. {existing[0].name}); use an empty directory or --force")
        for f in existing:
            f.unlink()
    workers = args.workers
    if workers is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
            (os.cpu_count() or 1)
        workers = 0 if args.events < 2_000_000 else min(4, cpus)
    summary = generate(args.events, args.seed, args.days, args.extra_days, args.start,
                       args.output, progress=args.progress, workers=workers)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
