"""Generate synthetic raw web tracking events as Parquet, one file per delivery day.

For benchmarks and load tests of the dbt project: N realistic raw events of the e-commerce
site https://shop.example.com, in the nine raw columns of the SPEC (all strings but
occurred_at, a Parquet timestamp('us', tz='UTC')), written as DIR/events-YYYY-MM-DD.parquet:
one file for each of --days days plus --extra-days (default 1) more days of about 1/days of N
each (build days 1..90, then add day 91 and run an incremental build).

    generate_events.py --events N --seed S --days 90 --output DIR [--extra-days 1]
                       [--start 2026-07-01] [--force]

--events counts the rows of the first --days files (within a fraction of a percent); the
JSON summary printed at the end gives the exact totals. The same seed and arguments always
give byte-identical files (fixed Parquet writer options, deterministic row order).

The data:
* visitors (`v-<n>`) with a heavy-tailed number of sessions (`s-<visitor_id>-<k>`) and
  events per session (most visitors 1-20 events), active over a few days around a random
  date; session starts follow a diurnal (UTC) pattern; plus a handful of human "power"
  visitors with thousands (N >= 100,000) to tens of thousands (N >= 10,000,000) of events
  who go through the funnel over and over;
* the bundled goals (seeds/goals.csv, funnels.csv, hard-coded here): the purchase funnel
  (page_view of /products/..., add_to_cart, begin_checkout, purchase; 7-day window) with
  drop-offs of about 40% / 30% / 50% / 50%, repeated steps, steps out of order (a purchase
  before the add_to_cart, an add_to_cart before any product view) and steps weeks apart;
  micro goals newsletter_signup, video_start and page views of /help/shipping...;
  page_view is ~80% of the events, with view_item, search, scroll, video_start, ...;
* page URLs mostly without query string, some with utm parameters, some with personal data
  (?email=..., ?token=...); referrers empty, search engines, social, e-mail, internal;
  properties compact JSON (a few rows not JSON, with control characters or long);
* ~3% of visitors are bots (a crawler, script or headless user agent, in any case, or no
  user agent on any event; some switch to a bot user agent after a first browser event);
  ~25% of purchases are sent server-side: no user agent, page, referrer or session;
* ~1% of rows are duplicate deliveries of an event_id: mostly identical copies in the same
  file, some in a later file (identical, or with a later or an earlier occurred_at);
* ~0.1% of rows are malformed: null, empty or whitespace-only event_id, visitor_id or
  event_name, or null occurred_at (a few rows with two of these);
* ~2% of each file (from the 4th file on) are late arrivals that occurred 1-3 days before
  the delivery day, ~0.05% occurred 4-30 days before.

Vectorised with numpy: the visitors and their sessions are drawn up front (a few hundred
bytes per visitor), then the events are made, delivered and written day by day, so memory
stays bounded by about one day of events (plus the visitor and session tables).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SITE = "https://shop.example.com"
DAY_S = 86_400
SEC_US = 1_000_000
DAY_US = DAY_S * SEC_US
COLUMNS = ["event_id", "visitor_id", "session_id", "event_name", "occurred_at",
           "page_url", "referrer_url", "user_agent", "properties"]
SCHEMA = pa.schema([(c, pa.timestamp("us", tz="UTC") if c == "occurred_at" else pa.string())
                    for c in COLUMNS])
# Parquet writer options, pinned: identical input gives identical bytes.
PARQUET_OPTIONS = dict(
    compression="zstd", compression_level=3, version="2.6", data_page_version="1.0",
    use_dictionary=["event_name", "page_url", "referrer_url", "user_agent", "properties"],
    write_statistics=True, row_group_size=262_144, data_page_size=1 << 20,
    coerce_timestamps="us", allow_truncated_timestamps=False, store_schema=True,
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
    0.25, 0.45, 0.32, 0.5, 0.5
OUT_OF_ORDER, REPEAT_STEP = 0.06, 0.15
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
SCROLL_PROPS = [_j({"percent": p}) for p in (25, 50, 75, 90, 100)]
SEARCH_PROPS = [_j({"query": t}) for t in SEARCH_TERMS]
NL_PROPS = ['{"list":"weekly"}', '{"list":"offers"}']
VIDEO_PROPS = [_j({"video_id": f"vid-{s}"}) for s in PRODUCT_SLUGS]
ITEM_PROPS = [_j({"item_id": k, "price": p, "currency": "EUR"}) for k, p in zip(SKUS, PRICES)]
CART_PROPS = [_j({"item_id": k, "value": p, "currency": "EUR", "quantity": 1})
              for k, p in zip(SKUS, PRICES)]
CHECKOUT_PROPS = [_j({"value": p, "currency": "EUR", "items": 1}) for p in PRICES]
WEIRD_PROPS = ["not json", '{"item_id":"SKU-101",', "null", '{"note":"tab\there\u0001"}',
               '{"blob":"' + "x" * 4000 + '"}', "<script>alert(1)</script>"]
PURCHASE_TAILS = [_j({"value": p, "currency": "EUR", "items": 1})[1:] for p in PRICES]
PROPS = (PV_PROPS + SCROLL_PROPS + SEARCH_PROPS + NL_PROPS + VIDEO_PROPS + ITEM_PROPS
         + CART_PROPS + CHECKOUT_PROPS + WEIRD_PROPS)
P_PV = 0
P_SCROLL = P_PV + len(PV_PROPS)
P_SEARCH = P_SCROLL + len(SCROLL_PROPS)
P_NL = P_SEARCH + len(SEARCH_PROPS)
P_VIDEO = P_NL + len(NL_PROPS)
P_ITEM = P_VIDEO + N_PRODUCTS
P_CART = P_ITEM + N_PRODUCTS
P_CHECKOUT = P_CART + N_PRODUCTS
P_WEIRD = P_CHECKOUT + N_PRODUCTS

# Malformed values: code 1..5 of a column -> null, empty, whitespace only.
BAD_VALUES = [None, "", " ", "\t", "  \n "]
REJECT_REASONS = ["missing_event_id", "missing_visitor_id", "missing_event_name",
                  "invalid_occurred_at"]
# Session starts by UTC hour (visitors mostly in Europe).
HOUR_WEIGHTS = [2, 1.5, 1, 1, 1, 1.5, 2.5, 4, 5, 5.5, 6, 6.5, 7, 6.5, 6, 6, 6, 6.5, 7.5, 8, 8,
                7, 5, 3.5]
REC_FIELDS = {"eid": np.int64, "vis": np.int64, "k": np.int32, "name": np.int8, "ts": np.int64,
              "path": np.int16, "query": np.int16, "ref": np.int16, "ua": np.int16,
              "props": np.int16, "prod": np.int16, "srv": np.bool_, "recv": np.int64,
              "dup": np.int8}
# dup: 0 plain, 1 an original that has a copy, 2 a same-file copy, 3 a copy in a later file,
# 4 and 5 a later-file copy with a later / an earlier occurred_at, 6 a shifted same-file copy.


def cdf(weights):
    w = np.asarray([x[1] if isinstance(x, tuple) else x for x in weights], dtype=np.float64)
    c = np.cumsum(w)
    return c / c[-1]


def pick(rng, table, n):
    """n draws of indices 0..len-1 with the given cumulative probabilities."""
    return np.searchsorted(table, rng.random(n), side="right").clip(0, len(table) - 1)


BROWSE_CDF = cdf(BROWSE)
BROWSER_CDF = cdf(BROWSERS)
EXT_CDF = cdf(EXTERNAL_REFERRERS)
HOUR_CDF = cdf(HOUR_WEIGHTS)
PRODUCT_CDF = cdf(1.0 / np.arange(1, N_PRODUCTS + 1) ** 1.1)
HUMAN_MIX_CDF, HUMAN_MIX_CODES = cdf(HUMAN_MIX), np.array([c for c, _ in HUMAN_MIX], np.int8)
POWER_MIX_CDF, POWER_MIX_CODES = cdf(POWER_MIX), np.array([c for c, _ in POWER_MIX], np.int8)
BOT_KIND_CDF = cdf(BOT_KINDS)


def rng_for(seed, *stream):
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *stream])))


def reflect(x, T):
    """Fold x into [0, T) by reflection (keeps a uniform distribution uniform)."""
    x = np.mod(x, 2.0 * T)
    return np.where(x >= T, 2.0 * T - x, x)


def diurnal_seconds(rng, n):
    hour = pick(rng, HOUR_CDF, n)
    return hour * 3600 + rng.integers(0, 3600, n)


# ---------------------------------------------------------------------------------------------
# Visitors and sessions, drawn up front.

class Population:
    """Visitors (index 0..V-1; power visitors first) and their sessions, grouped by day."""

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
        pk = np.maximum(1, size // 25)
        p_vis = np.repeat(np.arange(n_power), pk)
        p_len = rng.geometric(1 / 25, p_vis.size).astype(np.int64)
        p_day = rng.integers(0, T, p_vis.size)
        p_tod = diurnal_seconds(rng, p_vis.size)
        kinds, bot_kinds, svis, slen, sday, stod = [np.ones(n_power, np.int8)], \
            [np.full(n_power, -1, np.int8)], [p_vis], [p_len], [p_day], [p_tod]
        first = np.bincount(p_vis, weights=p_len * (p_day < D), minlength=n_power)
        have, V = float(first.sum()), n_power
        cum = [np.cumsum(first)]
        block = max(1_000, int(target / 9.0 * 1.05))
        while have < target:
            kind, bkind, vis, length, day, tod = self._draw_block(rng, block, T)
            f = np.bincount(vis, weights=length * (day < D), minlength=block)
            cum.append(have + np.cumsum(f))
            kinds.append(kind), bot_kinds.append(bkind), svis.append(vis + V)
            slen.append(length), sday.append(day), stod.append(tod)
            have, V = have + float(f.sum()), V + block
        cum = np.concatenate(cum)
        V = int(np.searchsorted(cum, target)) + 1 if cum[-1] >= target else V
        V = max(V, n_power)
        self.V = V
        self.kind = np.concatenate(kinds)[:V]
        self.bot_kind = np.concatenate(bot_kinds)[:V]
        vis = np.concatenate(svis)
        keep = vis < V
        vis = vis[keep]
        length = np.concatenate(slen)[keep]
        day = np.concatenate(sday)[keep]
        tod = np.concatenate(stod)[keep]
        del svis, slen, sday, stod
        # Order each visitor's sessions by time (they are contiguous by visitor).
        start_s = day * DAY_S + tod
        shift = int(T * DAY_S).bit_length()
        order = np.argsort((vis << shift) | start_s, kind="stable")
        vis, length, day = vis[order], length[order], day[order]
        start_us = start_s[order] * SEC_US + rng.integers(0, SEC_US, vis.size)
        del order, start_s, tod
        n = np.bincount(vis, weights=length, minlength=V).astype(np.int64)
        self.n = n
        self.ev_off = np.cumsum(n) - n
        sess_count = np.bincount(vis, minlength=V)
        sess_off = np.cumsum(sess_count) - sess_count
        k = (np.arange(vis.size) - sess_off[vis] + 1).astype(np.int32)
        j0 = (np.cumsum(length) - length - self.ev_off[vis]).astype(np.int64)
        # Group the sessions by start day.
        by_day = np.argsort(day, kind="stable")
        self.day_bounds = np.searchsorted(day[by_day], np.arange(T + 1))
        self.s_vis = vis[by_day]
        self.s_len = length[by_day]
        self.s_start = start_us[by_day]
        self.s_k = k[by_day]
        self.s_j0 = j0[by_day]
        del by_day, vis, length, start_us, k, j0, day
        self._plan(rng)

    @staticmethod
    def _draw_block(rng, m, T):
        """m regular visitors: kind (0 human, 2 bot) and their sessions."""
        is_bot = rng.random(m) < BOT_SHARE
        kind = np.where(is_bot, 2, 0).astype(np.int8)
        bot_kind = np.where(is_bot, pick(rng, BOT_KIND_CDF, m), -1).astype(np.int8)
        k_h = np.minimum(np.floor((1 - rng.random(m)) ** (-1 / 1.6)), 400).astype(np.int64)
        k_b = rng.geometric(0.5, m).astype(np.int64)
        k = np.where(is_bot, k_b, k_h)
        vis = np.repeat(np.arange(m), k)
        S = vis.size
        bot_s = is_bot[vis]
        l_h = np.where(rng.random(S) < 0.35, 1, 1 + rng.geometric(0.2, S))
        l_b = np.minimum(np.floor(8 * (1 - rng.random(S)) ** (-1 / 1.6)), 3000).astype(np.int64)
        length = np.where(bot_s, l_b, l_h).astype(np.int64)
        center = rng.random(m) * T
        width = rng.exponential(1.0, m) * np.where(is_bot, 3.0, 8.0 * (1 + np.log(k)))
        day = np.minimum(reflect(center[vis] + width[vis] * (rng.random(S) - 0.5), T)
                         .astype(np.int64), T - 1)
        tod = np.where(bot_s, rng.integers(0, DAY_S, S), diurnal_seconds(rng, S))
        return kind, bot_kind, vis, length, day, tod

    def _plan(self, rng):
        """Per visitor: user agent, favourite product and funnel plan (event positions)."""
        V, n, kind = self.V, self.n, self.kind
        human = kind == 0
        ua = pick(rng, BROWSER_CDF, V).astype(np.int16)
        crawler = UA_CRAWLER0 + rng.integers(0, len(CRAWLERS), V)
        script = UA_SCRIPT0 + rng.integers(0, len(SCRIPTS), V)
        headless = UA_HEADLESS0 + rng.integers(0, len(HEADLESS), V)
        bk = self.bot_kind
        bot_ua = np.select([bk == 0, bk == 1, bk == 2, bk == 3, bk == 4],
                           [crawler, script, headless, np.full(V, UA_EMPTY),
                            np.where(rng.random(V) < 0.5, crawler, script)], ua)
        self.ua = np.where(kind == 2, bot_ua, ua).astype(np.int16)
        self.browser = ua  # switchers' first event
        self.fav = pick(rng, PRODUCT_CDF, V).astype(np.int16)
        # Funnel stage reached by regular humans (1 view, 2 cart, 3 checkout, 4 purchase).
        s1 = human & (rng.random(V) < np.where(n == 1, REACH_VIEW_ONE_EVENT, REACH_VIEW))
        s2 = s1 & (n >= 2) & (rng.random(V) < REACH_CART)
        s3 = s2 & (n >= 3) & (rng.random(V) < REACH_CHECKOUT)
        s4 = s3 & (n >= 4) & (rng.random(V) < REACH_PURCHASE)
        stage = (s1.astype(np.int64) + s2 + s3 + s4)
        # Step positions among the visitor's events (index j, in time order): strictly
        # increasing; mostly close together (a few events apart), else spread out.
        u = np.sort(rng.random((V, 4)), axis=1)
        span = np.maximum(n - stage + 1, 1)[:, None]
        spread = np.floor(u * span).astype(np.int64) + np.arange(4)
        close = np.empty((V, 4), np.int64)
        close[:, 0] = spread[:, 0]
        close[:, 1:] = rng.geometric(0.45, (V, 3))
        close = np.cumsum(close, axis=1)
        last = np.take_along_axis(close, np.maximum(stage - 1, 0)[:, None], axis=1)[:, 0]
        use_close = (last < n) & (rng.random(V) < 0.7)
        pos = np.where(use_close[:, None], close, spread)
        pos[np.arange(4)[None, :] >= stage[:, None]] = -1
        # Out of order: a purchase before the add_to_cart, or an add_to_cart before any
        # product view.
        ooo = (stage >= 2) & (rng.random(V) < OUT_OF_ORDER)
        swap = ooo & (stage == 4)
        pos[swap, 1], pos[swap, 3] = pos[swap, 3], pos[swap, 1].copy()
        swap = ooo & (stage < 4)
        pos[swap, 0], pos[swap, 1] = pos[swap, 1], pos[swap, 0].copy()
        # A repeated step after the last planned one.
        top = pos.max(axis=1)
        rep = (stage >= 2) & (rng.random(V) < REPEAT_STEP) & (top < n - 1)
        rep_pos = np.where(rep, top + 1 + np.floor(rng.random(V) * np.maximum(n - top - 1, 1))
                           .astype(np.int64), -1)
        self.rep_name = (ATC + np.floor(rng.random(V) * np.maximum(stage - 1, 1))) \
            .astype(np.int8)
        self.plan = np.concatenate([pos, rep_pos[:, None]], axis=1).astype(np.int32)
        # Product pages only from the first product view on (never for stage 0).
        self.prod_from = np.where(stage >= 1, pos[:, 0], np.iinfo(np.int32).max) \
            .astype(np.int64)
        self.prod_from[kind != 0] = 0
        self.stage = stage.astype(np.int8)


# ---------------------------------------------------------------------------------------------
# Events of the sessions that start on one day.

def make_events(pop, d, rng):
    lo, hi = int(pop.day_bounds[d]), int(pop.day_bounds[d + 1])
    slen = pop.s_len[lo:hi]
    E = int(slen.sum())
    sess = np.repeat(np.arange(hi - lo), slen)
    first = np.cumsum(slen) - slen
    i = np.arange(E) - first[sess]
    v = pop.s_vis[lo:hi][sess]
    j = pop.s_j0[lo:hi][sess] + i
    kind = pop.kind[v]
    bot, power = kind == 2, kind == 1
    start = i == 0
    # Times: humans a few seconds to minutes apart, bots a few seconds.
    gap = np.where(bot, rng.exponential(2.5, E), rng.lognormal(math.log(30), 1.0, E))
    gap = (gap * SEC_US).astype(np.int64) + 1000
    gap[start] = 0
    cs = np.cumsum(gap)
    ts = pop.s_start[lo:hi][sess] + cs - cs[first][sess]
    del gap, cs

    # Event names: a random mix, page_view first in a session, then the funnel plan.
    name = np.where(power, POWER_MIX_CODES[pick(rng, POWER_MIX_CDF, E)],
                    HUMAN_MIX_CODES[pick(rng, HUMAN_MIX_CDF, E)])
    name[start | bot] = PV
    prod_ok = j >= pop.prod_from[v]
    name[(name == VI) & ~prod_ok] = SC
    plan = pop.plan[v]
    step = np.zeros(E, np.int8)  # 1..4: the planned funnel step at this event
    for s in range(4):
        step[plan[:, s] == j] = s + 1
    rep = (plan[:, 4] == j) & (step == 0)
    name[rep] = pop.rep_name[v[rep]]
    is_step = step > 0
    name[is_step] = np.array(STEP_EVENTS, np.int8)[step[is_step] - 1]

    # Pages.
    fav = pop.fav[v].astype(np.int64)
    rand_prod = pick(rng, PRODUCT_CDF, E)
    prod = np.where(rng.random(E) < 0.5, fav, rand_prod)
    prod = np.where(power, rand_prod, prod)
    browse = pick(rng, BROWSE_CDF, E)
    on_product = prod_ok & (rng.random(E) < np.where(bot, 0.5, 0.35))
    path = np.where(on_product, PRODUCT0 + prod, browse)
    path[step == 1] = PRODUCT0 + fav[step == 1]
    m = (name == VI) | ((name == VS) & prod_ok)
    path[m] = PRODUCT0 + prod[m]
    m = (name == VS) & ~prod_ok
    path[m] = np.array(BLOG_CODES)[rng.integers(0, len(BLOG_CODES), int(m.sum()))]
    m = name == ATC
    path[m] = np.where(prod_ok[m], PRODUCT0 + np.where(power[m], prod[m], fav[m]), LISTING)
    path[name == SE] = SEARCH_PATH
    path[name == BC] = CHECKOUT_PATH
    path[name == PUR] = CONFIRM_PATH
    product = np.where(path >= PRODUCT0, path - PRODUCT0, np.where(power, prod, fav))

    # Server-side purchases: no user agent, page, referrer or session.
    srv = (name == PUR) & ~bot & (rng.random(E) < SERVER_SIDE_PURCHASE)

    # Query strings.
    query = np.zeros(E, np.int64)
    u = rng.random(E)
    query[u < 0.03] = Q_FILTER + rng.integers(0, len(FILTERS), int((u < 0.03).sum()))
    query[u < 0.01] = Q_PII + rng.integers(0, len(PII), int((u < 0.01).sum()))
    ext = pick(rng, EXT_CDF, E)
    m = start & ~bot & (ext != EXT_NULL) & (rng.random(E) < 0.3)
    query[m] = Q_UTM + rng.integers(0, len(UTM), int(m.sum()))
    search_term = rng.integers(0, len(SEARCH_TERMS), E)
    query[name == SE] = Q_SEARCH + search_term[name == SE]
    query[(path == CHECKOUT_PATH) | (path == CONFIRM_PATH)] = 0

    # Referrers: external on a session's first event, else the previous page.
    ref = np.empty(E, np.int64)
    ref[1:] = REF_INTERNAL0 + path[:-1]
    ref[start] = ext[start]  # code 0: null
    ref[bot & start] = -1
    ref[srv] = -1

    # User agents.
    ua = pop.ua[v].astype(np.int64)
    empty_bot = pop.bot_kind[v] == 3
    ua[empty_bot] = np.where(rng.random(int(empty_bot.sum())) < 0.5, UA_EMPTY, -1)
    switch = (pop.bot_kind[v] == 4) & (j == 0)
    ua[switch] = pop.browser[v[switch]]
    ua[srv] = np.where(rng.random(int(srv.sum())) < 0.5, UA_EMPTY, -1)

    # Properties.
    props = np.full(E, -1, np.int64)
    m = name == PV
    pv_pick = rng.random(E)
    props[m & (pv_pick >= 0.45)] = P_PV
    m2 = m & (pv_pick >= 0.7)
    props[m2] = P_PV + 1 + (pv_pick[m2] * 1000).astype(np.int64) % 3
    m = name == SC
    props[m] = P_SCROLL + rng.integers(0, len(SCROLL_PROPS), int(m.sum()))
    m = name == SE
    props[m] = P_SEARCH + search_term[m]
    m = name == NL
    props[m] = P_NL + (rng.random(int(m.sum())) < 0.3)
    for code, base in ((VS, P_VIDEO), (VI, P_ITEM), (ATC, P_CART), (BC, P_CHECKOUT)):
        m = name == code
        props[m] = base + product[m]
    m = (props >= 0) & (rng.random(E) < WEIRD_PROPERTIES)
    props[m] = P_WEIRD + rng.integers(0, len(WEIRD_PROPS), int(m.sum()))

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
    return {f: np.concatenate([r[f] for r in recs]).astype(t, copy=False)
            for f, t in REC_FIELDS.items()}


# ---------------------------------------------------------------------------------------------
# Strings.

def fixed_width(prefix: str, values, digits: int, base: int, suffix: str = ""):
    """A string array prefix + values in `base` (10 or 16), zero-padded to `digits`."""
    p, s = prefix.encode(), suffix.encode()
    n, w = values.size, len(p) + digits + len(s)
    data = np.empty((n, w), np.uint8)
    data[:, :len(p)] = np.frombuffer(p, np.uint8)
    if s:
        data[:, len(p) + digits:] = np.frombuffer(s, np.uint8)
    alphabet = np.frombuffer(b"0123456789abcdef", np.uint8)
    x = values.astype(np.int64, copy=True)
    for i in range(digits - 1, -1, -1):
        data[:, len(p) + i] = alphabet[x % base]
        x //= base
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(data.reshape(-1))])


def codes_to_strings(dictionary: pa.Array, codes):
    codes = np.asarray(codes)
    null = codes < 0
    idx = pa.array(codes.astype(np.int32), mask=null if null.any() else None)
    return pc.take(dictionary, idx)


def apply_bad(col: pa.Array, bad):
    m = bad > 0
    if not m.any():
        return col
    repl = pc.take(pa.array(BAD_VALUES, pa.string()), pa.array(bad[m].astype(np.int32) - 1))
    return pc.replace_with_mask(col, pa.array(m), repl)


class Renderer:
    def __init__(self, seed, V, base_us):
        r = rng_for(seed, 2)
        self.seed, self.base_us = seed, base_us
        self.vdigits = max(6, len(str(10 * V)))
        self.vmod = 10 ** self.vdigits
        a = int(r.integers(10 ** 5, min(10 ** 9, (1 << 62) // self.vmod)))
        self.va = a + (1 if a % 2 == 0 else 0)
        self.va += 2 if self.va % 5 == 0 else 0
        self.vb = int(r.integers(0, self.vmod))
        self.ea = int(r.integers(1 << 20, 1 << 22)) | 1
        self.eb = int(r.integers(0, 1 << 40))
        self.names = pa.array(EVENT_NAMES, pa.string())
        self.pages = pa.array([SITE + p for p in PATHS], pa.string())
        self.queries = pa.array(QUERIES, pa.string())
        self.refs = pa.array(REFERRERS, pa.string())
        self.uas = pa.array(USER_AGENTS, pa.string())
        self.props = pa.array(PROPS, pa.string())
        self.tails = pa.array(PURCHASE_TAILS, pa.string())

    def visitor_numbers(self, vis):
        return (vis * self.va + self.vb) % self.vmod

    def table(self, rec, bad):
        n = rec["eid"].size
        eid = (rec["eid"] * self.ea + self.eb) & ((1 << 40) - 1)
        event_id = fixed_width(f"e-{self.seed}-", eid, 10, 16)
        vnum = self.visitor_numbers(rec["vis"])
        visitor_id = fixed_width("v-", vnum, self.vdigits, 10)
        session_id = pc.binary_join_element_wise(
            fixed_width("s-v-", vnum, self.vdigits, 10, "-"),
            pc.cast(pa.array(rec["k"]), pa.string()), "")
        srv = rec["srv"]
        if srv.any():
            session_id = pc.if_else(pa.array(srv), pa.scalar(None, pa.string()), session_id)
        page_url = pc.binary_join_element_wise(codes_to_strings(self.pages, rec["path"]),
                                               codes_to_strings(self.queries, rec["query"]), "")
        props = codes_to_strings(self.props, rec["props"])
        purchase = rec["name"] == PUR
        if purchase.any():
            order = fixed_width('{"order_id":"o-', eid[purchase], 10, 16, '",')
            tails = codes_to_strings(self.tails, rec["prod"][purchase])
            props = pc.replace_with_mask(props, pa.array(purchase),
                                         pc.binary_join_element_wise(order, tails, ""))
        occurred = pa.array(rec["ts"] + self.base_us, pa.timestamp("us", tz="UTC"),
                            mask=bad[3] > 0 if bad[3].any() else None)
        cols = [apply_bad(event_id, bad[0]), apply_bad(visitor_id, bad[1]), session_id,
                apply_bad(codes_to_strings(self.names, rec["name"]), bad[2]), occurred,
                page_url, codes_to_strings(self.refs, rec["ref"]),
                codes_to_strings(self.uas, rec["ua"]), props]
        assert all(len(c) == n for c in cols)
        return pa.Table.from_arrays(cols, schema=SCHEMA)


def write_table(table, path: Path):
    tmp = path.with_name("." + path.name + ".tmp")
    pq.write_table(table, tmp, **PARQUET_OPTIONS)
    os.replace(tmp, path)
    return path.stat().st_size


# ---------------------------------------------------------------------------------------------

def deliver(rec, d, T, rng, pending):
    """The rows of delivery day d: duplicates added (some pushed to later days), malformed
    values chosen, in receive order. Returns (rows, bad codes)."""
    n = rec["eid"].size
    plain = np.flatnonzero(rec["dup"] == 0)
    chosen = plain[rng.random(plain.size) < DUP_SHARE]
    rec["dup"][chosen] = 1
    c = chosen.size
    later = rng.integers(1, 4, c)
    cross = (rng.random(c) < DUP_CROSS_FILE) & (d + later < T)
    copies = take(rec, chosen)
    shift = rng.integers(SEC_US, 600 * SEC_US, c)
    variant = rng.integers(0, 3, c)  # cross-file: identical, later, earlier
    same_shifted = ~cross & (rng.random(c) < DUP_SAME_FILE_SHIFTED)
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
    rows = concat([rec, take(copies, ~cross)])
    # Malformed rows (never one with a duplicate, so duplicates stay countable).
    total = rows["eid"].size
    plain = np.flatnonzero(rows["dup"] == 0)
    share = MALFORMED_SHARE * total / max(plain.size, 1)
    bad_rows = plain[rng.random(plain.size) < share]
    bad = np.zeros((4, total), np.int8)
    b = bad_rows.size
    reason = pick(rng, cdf([0.3, 0.25, 0.25, 0.2]), b)
    value = rng.integers(1, len(BAD_VALUES) + 1, b)
    bad[reason, bad_rows] = np.where(reason == 3, 1, value)
    second = rng.random(b) < 0.15  # a second problem (the first reason wins)
    reason2 = np.minimum(reason + 1 + rng.integers(0, 3, b), 3)
    bad[reason2[second], bad_rows[second]] = rng.integers(1, len(BAD_VALUES) + 1,
                                                          int(second.sum()))
    order = np.argsort(rows["recv"], kind="stable")
    return take(rows, order), bad[:, order], n


def generate(events, seed, days, extra_days, start, output: Path, progress=False):
    t0 = time.perf_counter()
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
    writer = ThreadPoolExecutor(max_workers=1)
    job = None
    for d in range(T):
        rng = rng_for(seed, 1, d)
        ev = make_events(pop, d, rng)
        od = ev["ts"] // DAY_US
        keep = od < T
        u = rng.random(od.size)
        delay = np.where(u < LATE_SHARE, rng.integers(1, 4, od.size),
                         np.where(u < LATE_SHARE + LATE_BEYOND_SHARE,
                                  rng.integers(4, 31, od.size), 0))
        delivery = od + delay
        delivery = np.where(delivery < T, delivery, od)
        ev["recv"] = np.where(delivery == od,
                              ev["ts"] + rng.integers(SEC_US // 20, 3 * SEC_US, od.size),
                              delivery * DAY_US + rng.integers(0, DAY_US, od.size))
        ev["dup"] = np.zeros(od.size, np.int8)
        for day in np.unique(delivery[keep]):
            pending.setdefault(int(day), []).append(take(ev, keep & (delivery == day)))
        del ev, od, keep, delivery, u, delay
        rows, bad, _ = deliver(concat(pending.pop(d, [])), d, T, rng_for(seed, 3, d), pending)
        table = renderer.table(rows, bad)
        date = start + dt.timedelta(days=d)
        path = output / f"events-{date.isoformat()}.parquet"
        if job is not None:
            stats["bytes"] += job.result()
        job = writer.submit(write_table, table, path)
        # Bookkeeping (from the generator's own arrays).
        n = table.num_rows
        files.append({"file": path.name, "rows": n})
        stats["rows"] += n
        stats["rows_first_days" if d < days else "rows_extra_days"] += n
        dup = rows["dup"]
        counts = np.bincount(dup, minlength=7)
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
        is_bad = (bad > 0).any(axis=0)
        stats["malformed_rows"] += int(is_bad.sum())
        first_reason = np.argmax(bad > 0, axis=0)[is_bad]
        for r, c in enumerate(np.bincount(first_reason, minlength=4)):
            stats["malformed_by_reason"][REJECT_REASONS[r]] += int(c)
        names = rows["name"][bad[2] == 0]
        for code, c in enumerate(np.bincount(names, minlength=len(EVENT_NAMES))):
            stats["event_names"][EVENT_NAMES[code]] += int(c)
        visitor_rows += np.bincount(rows["vis"][bad[1] == 0], minlength=pop.V)
        if progress and (d % 10 == 9 or d == T - 1):
            el = time.perf_counter() - t0
            print(f"  {d + 1}/{T} files, {stats['rows']:,} rows, {el:.1f} s", file=sys.stderr)
    stats["bytes"] += job.result()
    writer.shutdown()
    assert not pending, sorted(pending)
    seen = visitor_rows > 0
    bots = seen & (pop.kind == 2)
    seconds = time.perf_counter() - t0
    power = np.sort(visitor_rows[pop.kind == 1])[::-1]
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
        "max_events_one_visitor": int(visitor_rows.max()) if pop.V else 0,
        "top_visitors": {f"v-{int(renderer.visitor_numbers(v)):0{renderer.vdigits}d}":
                         int(visitor_rows[v]) for v in top},
        "power_visitors_rows": [int(x) for x in power],
        "funnel_stage_visitors": {s: int(((pop.stage >= i) & seen).sum()) for i, s in
                                  enumerate(["any", "view_product", "add_to_cart",
                                             "begin_checkout", "purchase"])},
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
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--extra-days", type=int, default=1,
                    help="more days after --days, about events/days rows each (default 1)")
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 7, 1),
                    help="the first delivery day, UTC (default 2026-07-01)")
    ap.add_argument("--output", type=Path, required=True, help="directory for the files")
    ap.add_argument("--force", action="store_true",
                    help="delete events-*.parquet files already in --output first")
    ap.add_argument("--progress", action="store_true", help="progress lines on stderr")
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
    summary = generate(args.events, args.seed, args.days, args.extra_days, args.start,
                       args.output, progress=args.progress)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
