"""Generate the bundled sample of raw web tracking events: sample_data/events.csv.

The dbt project turns raw tracking events of https://shop.example.com into conversion
metrics. This script writes a small, realistic sample (~3,000 rows, ~360 visitors, UTC days
2026-10-01 .. 2026-10-21 plus a few late-September events) that exercises every rule the
project applies, so the models and tests can run against something that looks like real data:

* rejections, first reason wins: unreadable_row (raw lines with too few / too many fields),
  missing_event_id, missing_visitor_id, missing_event_name, invalid_occurred_at;
* retried deliveries of one event_id: identical copies, copies with a later time, and copies
  written later in the file with an EARLIER time (the earliest occurred_at is kept);
* bots: a bot user agent on any event, or no non-empty user agent at all; humans whose
  server-side purchase has an empty user agent must stay human;
* the purchase funnel (product view, add_to_cart, begin_checkout, purchase; 7-day window)
  with hand-made edge cases (see SPECIAL_CASES);
* sessions (30 minutes of inactivity), many spellings of a timestamp and UTC offsets,
  midnight / week / month boundaries, personal data in URLs, JSON and non-JSON properties;
* what the funnel options need (seeds/funnels.csv, seeds/funnel_exclusions.csv): an item_id in
  the properties of product page views and commerce events, with some visitors adding to cart
  another product than the one they viewed (CROSS_SELL); funnels spread over sessions; and a
  checkout error page (/checkout/error) after begin_checkout for some visitors (CHECKOUT_ERROR),
  some of whom then start checkout again and some pay straight from the error page.

The option choices draw from a random stream of their own and the error pages are added after
everything else is drawn, so that the rest of the sample is what it was before they existed;
the error pages' event_ids therefore come after all others.
Deterministic: the same --seed always gives a byte-identical file. Standard library only.
Usage: python scripts/generate_sample.py [--output PATH] [--seed N]
"""
import argparse
import contextlib
import csv
import hashlib
import io
import json
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

UTC = timezone.utc
SITE = "https://shop.example.com"
COLUMNS = ["event_id", "visitor_id", "session_id", "event_name", "occurred_at",
           "page_url", "referrer_url", "user_agent", "properties"]
FIRST_DAY = datetime(2026, 9, 26, tzinfo=UTC)  # a few visitors arrive in late September
END = datetime(2026, 10, 22, tzinfo=UTC)  # exclusive; 2026-10-01 is a Thursday
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "sample_data" / "events.csv"
N_HUMANS, SESSION_GAP = 325, timedelta(minutes=30)
# Funnel options: the share of (funnel) visitors who add to cart another product than the one
# they came for, who hit a checkout error page after begin_checkout, and of those who then buy,
# who start checkout again first (the others pay straight from the error page).
CROSS_SELL, CHECKOUT_ERROR, RESTART_AFTER_ERROR = 0.2, 0.35, 0.4
ERROR_CODES = ["payment_declined", "payment_declined", "address_invalid", "timeout"]

_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
_SAFARI = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64"
_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"
_CHROME, _MOBILE = f"{_WEBKIT} Chrome/129.0.0.0 Safari/537.36", "Mobile/15E148 Safari/604.1"
BROWSERS = [  # Chrome, Edge and Firefox on Windows, Firefox on Linux, Safari and Chrome on a Mac,
    f"{_WIN}) {_CHROME}", f"{_WIN}) {_CHROME} Edg/129.0.2792.79",  # iPhone, iPad, two Androids
    f"{_WIN}; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    f"{_MAC} {_SAFARI} Version/18.0 Safari/605.1.15", f"{_MAC} {_CHROME}",
    f"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) {_SAFARI} Version/18.0 {_MOBILE}",
    f"Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) {_SAFARI} Version/17.6 {_MOBILE}",
    f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {_WEBKIT} Chrome/129.0.6668.70 Mobile "
    "Safari/537.36",
    f"Mozilla/5.0 (Linux; Android 14; SM-S921B) {_WEBKIT} SamsungBrowser/26.0 Chrome/122.0.0.0 "
    "Mobile Safari/537.36"]
BOT_PATTERNS = ("bot", "crawler", "spider", "slurp", "headlesschrome", "phantomjs",
                "python-requests", "curl/", "wget/")
CRAWLERS = [  # one bot visitor each; mixed case on purpose
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    f"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) {_WEBKIT} Chrome/129.0.6668.70"
    " Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)",
    "Mozilla/5.0 (compatible; SiteAuditCRAWLER/2.3; +https://audit.example.org/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; MJ12BOT/v1.4.8; http://mj12bot.com/)",
    "Screaming Frog SEO Spider/19.4",
]
SCRIPTS = ["python-requests/2.31.0", "curl/8.4.0", "Wget/1.21.4"]
HEADLESS = [f"Mozilla/5.0 (X11; Linux x86_64) {_WEBKIT} HeadlessChrome/129.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
            "PhantomJS/2.1.1 Safari/538.1"]
SWITCHERS = ["PYTHON-REQUESTS/2.28.1",
             "Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)"]

PRODUCTS = {"blue-mug": ("SKU-101", 14.9), "red-mug": ("SKU-102", 14.9),
            "espresso-cups": ("SKU-103", 24.5), "french-press": ("SKU-104", 39.0),
            "pour-over-kettle": ("SKU-105", 54.9), "coffee-grinder": ("SKU-106", 89.0),
            "ceramic-teapot": ("SKU-107", 34.9), "tea-sampler": ("SKU-108", 19.9),
            "bamboo-tray": ("SKU-109", 22.0), "linen-napkins": ("SKU-110", 18.5),
            "oak-cutting-board": ("SKU-111", 45.0), "cast-iron-pan": ("SKU-112", 59.9),
            "glass-carafe": ("SKU-113", 27.5), "travel-tumbler": ("SKU-114", 21.9),
            "cold-brew-kit": ("SKU-115", 32.0), "chef-knife": ("SKU-116", 79.0)}
SLUGS = list(PRODUCTS)
BLOG = ["/blog/how-to-brew-pour-over", "/blog/choosing-a-teapot", "/blog/autumn-gift-guide",
        "/blog/caring-for-cast-iron"]
LANDINGS = [("/", 40), ("/products", 14), ("product", 20), ("blog", 15),
            ("/help/shipping", 5), ("/products-on-sale", 6)]
BROWSE = [("/", 12), ("/products", 20), ("/products?category=mugs", 6), ("product", 30),
          ("/products-on-sale", 4), ("/help/shipping", 6), ("/help/shipping/international", 3),
          ("/help/returns", 3), ("blog", 8), ("/about", 3), ("/cart", 4), ("/account/login", 3)]
REFERRERS = [("", 35), ("https://www.google.com/", 30), ("https://www.bing.com/search?q=mug", 8),
             ("https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example.com%2F", 10),
             ("https://mail.example.net/?email=someone@example.net", 7),
             ("https://duckduckgo.com/", 5), ("https://www.pinterest.com/", 5)]
UTM_CPC = "?utm_source=google&utm_medium=cpc&utm_campaign=autumn"
UTM_SOCIAL = "?utm_source=facebook&utm_medium=social&utm_campaign=autumn"
UTM_MAIL = "?utm_source=newsletter&utm_medium=email&utm_campaign=autumn"
PII_PATHS = ["/newsletter/confirm?email=jane.doe%40example.com", "/?email=john@example.org&ref=nl",
             "/account/verify?token=eyJhbGciOiJIUzI1NiJ9.secret",
             "/account/reset-password?reset_token=abc123", "/account/jane@example.com/orders"]
OFFSETS = ["+02:00", "-05:00", "+0530", "-0800", "+01:00", "+00:00"]
TIME_STYLES = [("z", 76), ("z_s", 5), ("offset", 8), ("naive_space", 3), ("naive_t", 2),
               ("space_z", 1.5), ("no_seconds", 1.5), ("micros", 2), ("padded", 1)]
ODD_IDS = ["007", "0042", "12345", "3f2b8c1e-7d4a-4b6e-9c1f-2a5d8e7b6c10"]
BAD_TIMES = ["yesterday", "2026-10-05", "2026-10-05T25:00:00Z", "2026-13-01T00:00:00Z",
             "2026-10-05T10:00:00 Europe/Paris", "epoch", "infinity", "", "1759658400",
             "2026-10-32T08:00:00Z", "10/05/2026 14:00"]
MALFORMED = ([("missing_event_id", {"event_id": v}) for v in ("", "  ", "", "  ")]
             + [("missing_visitor_id", {"visitor_id": v}) for v in ("", "\t", "", "\t")]
             + [("missing_event_name", {"event_name": v}) for v in ("", "  ", "", "\t")]
             + [("invalid_occurred_at", {"occurred_at": v}) for v in BAD_TIMES]
             + [("missing_event_id", {"event_id": "", "occurred_at": "epoch"}),  # first reason
                ("missing_visitor_id", {"visitor_id": "\t", "event_name": ""}),  # wins
                ("missing_event_name", {"event_name": " ", "occurred_at": "yesterday"})])
# Hand-made funnel and calendar edge cases, one visitor each. Events are written as
# "<occurred_at exactly as written> <step> <product or path> [page]"; steps: view and cart (a
# product), checkout, buy, server_buy (server side: no page, user agent or session), page (path).
SPECIAL_CASES = {
    "repeat_steps": [
        "2026-10-06T18:00:00.000Z view blue-mug", "2026-10-06T18:01:12.400Z cart blue-mug",
        "2026-10-06T18:02:40.000Z view red-mug", "2026-10-06T18:03:05.000Z cart red-mug",
        "2026-10-06T18:04:30.000Z cart red-mug", "2026-10-06T18:06:00.000Z checkout red-mug",
        "2026-10-06T18:09:00.000Z buy red-mug"],
    "two_purchases_one_day": [
        "2026-10-08T09:10:00.000Z view french-press", "2026-10-08T09:12:00.000Z cart french-press",
        "2026-10-08T09:14:00Z checkout french-press", "2026-10-08T09:16:00Z buy french-press",
        "2026-10-08T16:40:00.000Z view glass-carafe", "2026-10-08T16:42:00.000Z cart glass-carafe",
        "2026-10-08T16:43:00Z checkout glass-carafe",
        "2026-10-08T16:45:03Z server_buy glass-carafe"],
    "purchase_before_cart": [
        "2026-10-09T12:00:00.000Z view chef-knife", "2026-10-09T12:05:00.000Z buy chef-knife",
        "2026-10-09T12:20:00.000Z cart tea-sampler", "2026-10-09T12:22:00Z checkout tea-sampler"],
    "cart_without_product_view": [  # quick-add from the listing page
        "2026-10-10T20:00:00.000Z page /", "2026-10-10T20:01:00.000Z page /products",
        "2026-10-10T20:02:00.000Z cart bamboo-tray /products",
        "2026-10-10T20:04:00.000Z checkout bamboo-tray"],
    "purchase_exactly_7_days": [  # 12:00+02:00 is 10:00Z
        "2026-10-05T12:00:00+02:00 view coffee-grinder", "2026-10-05T10:02Z cart coffee-grinder",
        "2026-10-12T09:58:00Z checkout coffee-grinder", "2026-10-12T10:00:00Z buy coffee-grinder"],
    "purchase_7_days_plus_1s": [  # 05:00-05:00 is 10:00Z
        "2026-10-05T05:00:00-05:00 view cast-iron-pan", "2026-10-05T10:03:00Z cart cast-iron-pan",
        "2026-10-12T09:59:00Z checkout cast-iron-pan", "2026-10-12T10:00:01Z buy cast-iron-pan"],
    "steps_same_instant": [  # cart and checkout at one instant, spelled differently
        "2026-10-14T15:30:00Z view ceramic-teapot", "2026-10-14T15:31:10.250Z cart ceramic-teapot",
        "2026-10-14T17:31:10.250+02:00 checkout ceramic-teapot",
        "2026-10-14T15:33:00.000Z buy ceramic-teapot"],
    "funnel_starts_two_dates": [
        "2026-10-03T11:00:00.000Z view linen-napkins", "2026-10-16T19:00:00Z view linen-napkins",
        "2026-10-16T19:02:00Z cart linen-napkins", "2026-10-16T19:05:00Z checkout linen-napkins"],
    "stall_then_deeper_chain": [
        "2026-10-02T20:00:00Z view travel-tumbler", "2026-10-02T20:03:00Z cart travel-tumbler",
        "2026-10-13T08:00:00Z view cold-brew-kit", "2026-10-13T08:04:00Z cart cold-brew-kit",
        "2026-10-13T08:08:00Z checkout cold-brew-kit",
        "2026-10-13T08:12:04Z server_buy cold-brew-kit"],
    "funnel_across_month_end": [  # 01:30+02:00 is 2026-09-30 23:30Z
        "2026-10-01T01:30:00+02:00 page /", "2026-09-30T23:50:00.000Z view pour-over-kettle",
        "2026-09-30T23:55:00Z cart pour-over-kettle",
        "2026-09-30T23:59:59.999Z checkout pour-over-kettle",
        "2026-10-01T00:00:05Z buy pour-over-kettle"],
    "session_across_week_end": [  # Sunday evening in -05:00 is already Monday in UTC
        "2026-10-04T23:41:00.000Z page /", "2026-10-04T23:52:30.500Z page /blog/autumn-gift-guide",
        "2026-10-04T19:05:00-05:00 page /products-on-sale",
        "2026-10-05 00:12:00 page /help/shipping"],
    "offsets_around_midnight": [  # 23:45Z on 10-09, then 00:50Z and 00:55Z on 10-10
        "2026-10-10T05:15:00+0530 page /", "2026-10-09T16:50:00-0800 page /help/returns",
        "2026-10-10T00:55:00 page /help/shipping/international"],
    "personal_data_in_urls": [f"2026-10-07T13:{5 * i:02d}:00Z page {p}"
                              for i, p in enumerate(PII_PATHS)],
}


@dataclass
class Event:
    """One row. `at` is the instant meant (UTC), `text` how occurred_at is written."""
    visitor: str
    name: str
    at: datetime
    url: str = ""
    ref: str = ""
    ua: str = ""
    props: str = ""
    sessionless: bool = False  # server-side or cookieless: empty session_id
    text: str | None = None
    special: bool = False  # hand-made or already altered: never picked for another defect
    event_id: str = ""
    session: str = ""
    broken: dict = field(default_factory=dict)  # column overrides of a malformed row


def pick(rng, weighted):
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def jitter(rng, lo, hi):
    return timedelta(seconds=rng.randint(lo, hi), milliseconds=rng.randint(0, 999))


def page(path):
    return SITE + path if path else ""


def props(name, slug, qty=1, order_no=0):
    """Compact JSON properties of a commerce event; each names its product (item_id)."""
    sku, price = PRODUCTS[slug]
    data = {"item_id": sku, "value": round(price * qty, 2), "currency": "EUR"}
    if name == "add_to_cart":
        data["quantity"] = qty
    elif name == "purchase":
        data = {"order_id": f"o-{order_no:06d}", **data}
    else:
        data["items"] = qty
    return json.dumps(data, separators=(",", ":"))


def view_props(path, prop):
    """The properties of a page view: on a product page, `prop` plus the product's item_id."""
    if "/products/" not in path:
        return prop
    slug = path.split("/products/")[1].split("#")[0].split("?")[0]
    data = {**(json.loads(prop) if prop else {}), "item_id": PRODUCTS[slug][0]}
    return json.dumps(data, separators=(",", ":"))


def pick_path(rng, weighted, viewer, product):
    """A page path; only funnel viewers ever open a product page (others see the listing)."""
    path = pick(rng, weighted)
    if path == "blog":
        return rng.choice(BLOG)
    if path != "product":
        return path
    if not viewer:
        return "/products"
    slug = product if rng.random() < 0.6 else rng.choice(SLUGS)
    return f"/products/{slug}" + ("#reviews" if rng.random() < 0.08 else "")


def plan_session(rng, steps, product, viewer, orders, cart=None):
    """A human session: its referrer and [(event, path, properties, server_side)]."""
    ref, query = pick(rng, REFERRERS), ""
    if "google" in ref and rng.random() < 0.4:
        query = UTM_CPC
    elif "facebook" in ref:
        query = UTM_SOCIAL
    elif "mail.example" in ref:
        query = UTM_MAIL if rng.random() < 0.75 else "?email=john@example.org&ref=nl"
    paths = [pick_path(rng, LANDINGS, viewer, product) + query]
    paths += [pick_path(rng, BROWSE, viewer, product)
              for _ in range(pick(rng, [(0, 22), (1, 25), (2, 20), (3, 15), (4, 11), (6, 7)]))]
    paths += [rng.choice(PII_PATHS)] if rng.random() < 0.015 else []
    plan = []
    for path in paths:
        plan.append(("page_view", path, rng.choice(["", "", "{}", '{"lang":"en"}']), False))
        slug = path.split("/products/")[1].split("#")[0] if "/products/" in path else None
        if (slug or "/blog/" in path) and rng.random() < 0.25:
            plan.append(("scroll", path, f'{{"percent":{rng.choice([25, 50, 75, 100])}}}', False))
        if slug and rng.random() < 0.2:
            plan.append(("video_start", path, f'{{"video_id":"vid-{slug}"}}', False))
        if (path == "/" or "/blog/" in path) and rng.random() < 0.05:
            plan.append(("newsletter_signup", path, '{"list":"weekly"}', False))
        if rng.random() < 0.04:
            q = rng.choice(["mug", "teapot", "cast iron", "gift"])
            plan.append(("search", path, json.dumps({"query": q}), False))
            plan.append(("page_view", "/search?q=" + q.replace(" ", "+"), "", False))
    return ref, plan + (funnel_plan(rng, steps, product, orders, cart) if steps else [])


def funnel_plan(rng, steps, product, orders, cart=None):
    """The funnel steps (1-4) that happen in one session, with some repeats. `cart`: the product
    added to cart, checked out and bought, when not the one viewed (added from its page)."""
    ppath, qty, plan = f"/products/{product}", rng.choice([1, 1, 1, 2]), []
    cart = cart or product
    if 1 in steps or rng.random() < 0.6:  # later sessions often revisit the product
        plan.append(("page_view", ppath, "", False))
    if 2 in steps:
        plan.append(("add_to_cart", ppath, props("add_to_cart", cart, qty), False))
        if rng.random() < 0.15:  # the same step again
            plan.append(("add_to_cart", ppath, props("add_to_cart", cart), False))
        plan.append(("page_view", "/cart", "", False))
    if 3 in steps:
        plan.append(("page_view", "/checkout", "", False))
        plan.append(("begin_checkout", "/checkout", props("begin_checkout", cart, qty), False))
    if 4 in steps:
        orders.append(1)
        server = rng.random() < 0.4  # sent by the shop backend: no user agent, page or referrer
        plan += [] if server else [("page_view", "/checkout/confirmation", "", False)]
        plan.append(("purchase", "/checkout/confirmation",
                     props("purchase", cart, qty, 100000 + len(orders)), server))
    return plan


def stamp(rng, vid, ua, start, ref, plan):
    """Turn a planned session into events; gaps stay well under the 30-minute session gap."""
    events, t, current, page_ref = [], start, None, ref
    for i, (name, path, prop, server) in enumerate(plan):
        if i:
            t += jitter(rng, 6, 200) if name == "page_view" else jitter(rng, 1, 40)
        if name == "page_view":
            page_ref, current = (page(current) if current else ref), path
            prop = view_props(path, prop)
        events.append(Event(vid, name, t, "" if server else page(path), "" if server else page_ref,
                            "" if server else ua, prop,
                            sessionless=(server and rng.random() < 0.5) or rng.random() < 0.004))
    return events, t


def first_arrival(rng):
    """Few arrivals in late September, more at weekends and in the evening (UTC)."""
    days = [(FIRST_DAY + timedelta(days=d), 0.12 if d < 5 else 1.3 if (d - 5) % 7 in (2, 3) else 1)
            for d in range(26)]
    hours = [1, .6, .4, .3, .3, .4, .8, 1.5, 2, 2.2, 2.3, 2.3, 2.5, 2.4, 2.3, 2.3, 2.4, 2.6, 3,
             3.2, 3.2, 2.8, 2.2, 1.5]
    return pick(rng, days) + timedelta(hours=pick(rng, list(zip(range(24), hours)))) \
        + jitter(rng, 0, 3599)


def human(rng, aux, vid, orders):
    """1-5 sessions; funnel depth: product view 45%, then cart 33%, checkout 55%, buy 50%
    (a bit under the targets: the hand-made SPECIAL_CASES visitors almost all go deep).
    aux (the options' own stream): whether the cart holds another product than the one viewed."""
    ua, product = rng.choice(BROWSERS), rng.choice(SLUGS)
    cart = aux.choice([s for s in SLUGS if s != product]) if aux.random() < CROSS_SELL else None
    depth = next((k for k, p in enumerate((0.45, 0.33, 0.55, 0.5)) if rng.random() >= p), 4)
    n = pick(rng, [(1, 50), (2, 25), (3, 15), (4, 7), (5, 3)])
    stage_session, idx = [], rng.randrange(n)
    for _ in range(depth):  # steps go to non-decreasing sessions
        stage_session.append(idx)
        idx = min(n - 1, idx + 1) if rng.random() < 0.25 else idx
    events, t = [], first_arrival(rng)
    for s in range(n):
        if t >= END - timedelta(hours=1):
            break
        steps = [k + 1 for k, i in enumerate(stage_session) if i == s]
        ref, plan = plan_session(rng, steps, product, depth > 0, orders, cart)
        evs, t = stamp(rng, vid, ua, t, ref, plan)
        events += evs
        t += timedelta(minutes=rng.choice([35, 50, 120, 300, 900, 1500, 2900, 4400]))
        t += jitter(rng, 0, 3600)
    return events


def bot(rng, vid, i, orders):
    """Bots 0-11 crawl, 12-14 are scripts without session, 15-16 run the funnel headless,
    17-18 pose as Chrome but slip once, 19 mixes a spider agent with empty agents."""
    agent = (CRAWLERS + SCRIPTS + HEADLESS + SWITCHERS + ["Sogou web spider/4.0"])[i]
    start, events = FIRST_DAY + timedelta(days=4) + jitter(rng, 0, 17 * 86400), []
    for _ in range(rng.randint(1, 3)):
        if i in (15, 16):
            plan = funnel_plan(rng, [1, 2, 3, 4], rng.choice(SLUGS), orders)
        else:
            plan = [("page_view", pick_path(rng, BROWSE, True, rng.choice(SLUGS)), "", False)
                    for _ in range(rng.randint(4, 10 if i >= 12 else 25))]
        evs, end = stamp(rng, vid, BROWSERS[0] if i in (17, 18) else agent, start, "", plan)
        for ev in evs:
            ev.sessionless, ev.ref = 12 <= i <= 14, ""
            ev.ua = "" if i == 19 and rng.random() < 0.4 else ev.ua
        events += evs
        start = end + timedelta(hours=rng.randint(2, 80))
    if i in (17, 18):
        rng.choice(events).ua = agent
    return events


def no_agent(rng, vid):
    """A visitor none of whose events has a user agent (counts as a bot)."""
    ref, plan = plan_session(rng, [], rng.choice(SLUGS), True, [])
    return stamp(rng, vid, "", first_arrival(rng), ref, plan[:6])[0]


def special(rng, vid, case, orders):
    """A hand-made visitor from SPECIAL_CASES; times are written exactly as given."""
    names = {"view": "page_view", "cart": "add_to_cart", "checkout": "begin_checkout",
             "buy": "purchase", "server_buy": "purchase", "page": "page_view"}
    ua, events, last = rng.choice(BROWSERS), [], ""
    for line in SPECIAL_CASES[case]:
        words = line.split(" ")
        k = next(k for k, w in enumerate(words) if w in names)
        text, step, arg, name = " ".join(words[:k]), words[k], words[k + 1], names[words[k]]
        path = {"page": arg, "view": f"/products/{arg}", "cart": f"/products/{arg}",
                "checkout": "/checkout", "buy": "/checkout/confirmation"}.get(step, "")
        path = words[k + 2] if len(words) > k + 2 else path
        at = datetime.fromisoformat(text)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        orders += [1] if name == "purchase" else []
        prop = view_props(path, "") if name == "page_view" else props(name, arg, 1,
                                                                      100000 + len(orders))
        server = step == "server_buy"
        events.append(Event(vid, name, at, page(path), "" if server else last,
                            "" if server else ua, prop, server, text, True))
        last = page(path) if name == "page_view" else last
    return events


def spell(rng, ev):
    """Write ev.at in one of many accepted spellings; returns the text and the instant it means."""
    at, style = ev.at, pick(rng, TIME_STYLES)
    if style == "no_seconds" and (ev.name != "page_view" or "/products/" in ev.url):
        style = "z"  # only where dropping the seconds cannot reorder funnel steps
    ms = f".{at.microsecond // 1000:03d}"
    if style == "offset":
        off = rng.choice(OFFSETS)
        delta = timedelta(hours=int(off[1:3]), minutes=int(off[-2:])) * int(off[0] + "1")
        return f"{at.astimezone(timezone(delta)):%Y-%m-%dT%H:%M:%S}{ms}{off}", at
    if style == "micros":
        at = at.replace(microsecond=at.microsecond // 1000 * 1000 + rng.randint(0, 999))
        return f"{at:%Y-%m-%dT%H:%M:%S.%f}" + rng.choice(["Z", "+00:00"]), at
    if style in ("z_s", "naive_space"):
        at = at.replace(microsecond=0)
        return f"{at:%Y-%m-%dT%H:%M:%SZ}" if style == "z_s" else f"{at:%Y-%m-%d %H:%M:%S}", at
    if style == "no_seconds":
        at = at.replace(second=0, microsecond=0)
        return f"{at:%Y-%m-%dT%H:%M}" + rng.choice(["", "Z"]), at
    text = {"naive_t": f"{at:%Y-%m-%dT%H:%M:%S}{ms}", "space_z": f"{at:%Y-%m-%d %H:%M:%S}{ms}Z",
            "padded": f"  {at:%Y-%m-%dT%H:%M:%S}{ms}Z "}.get(style, f"{at:%Y-%m-%dT%H:%M:%S}{ms}Z")
    return text, at


def assign_sessions(events):
    """s-<visitor>-<n>: a new session after 30 minutes without events (sessionless skipped)."""
    last, count = {}, Counter()
    for ev in sorted(events, key=lambda e: e.at):
        if not ev.sessionless:
            count[ev.visitor] += ev.visitor not in last or ev.at - last[ev.visitor] > SESSION_GAP
            ev.session, last[ev.visitor] = f"s-{ev.visitor}-{count[ev.visitor]}", ev.at


def checkout_errors(aux, events, humans):
    """A checkout error page after the begin_checkout of some generated human visitors, before
    their next event (in the same session), each as (begin_checkout, [new events]): then the
    visitor leaves, pays from the error page, or (RESTART_AFTER_ERROR of those who go on to buy)
    opens the checkout and begins it again first."""
    by_visitor = {}
    for ev in sorted(events, key=lambda e: e.at):
        if ev.visitor in humans:
            by_visitor.setdefault(ev.visitor, []).append(ev)
    found = []
    for vid in sorted(by_visitor):
        evs = by_visitor[vid]
        for anchor in [ev for ev in evs if ev.name == "begin_checkout"]:
            if aux.random() >= CHECKOUT_ERROR:
                continue
            later = [ev for ev in evs if ev.at > anchor.at]
            buys = any(ev.name == "purchase" for ev in later)
            plan = [("page_view", "/checkout/error",
                     json.dumps({"error": aux.choice(ERROR_CODES)}, separators=(",", ":")))]
            if buys and aux.random() < RESTART_AFTER_ERROR:
                plan += [("page_view", "/checkout", ""), ("begin_checkout", "/checkout",
                                                          anchor.props)]
            span = timedelta(minutes=3)  # after the session's last event: leaves after the error
            if later and later[0].session == anchor.session:
                span = later[0].at - anchor.at
            elif later:  # stay well inside the session
                span = min(span, (later[0].at - anchor.at - SESSION_GAP) / 2)
            if span < timedelta(seconds=1):
                continue
            new, ref = [], anchor.url
            for k, (name, path, prop) in enumerate(plan, 1):
                at = anchor.at + span * k / (len(plan) + 1)
                at = at.replace(microsecond=at.microsecond // 1000 * 1000)
                new.append(Event(vid, name, at, page(path), ref, anchor.ua, prop,
                                 anchor.sessionless, f"{at:%Y-%m-%dT%H:%M:%S.%f}"[:-3] + "Z",
                                 True, session=anchor.session))
                ref = page(path) if name == "page_view" else ref
            found.append((anchor, [ev for ev in new if ev.at < END]))
    return sorted(found, key=lambda f: f[0].at)


def build_events(rng, aux):
    """All well-formed events of all visitors: spelled, sessions and ids assigned, by time; and
    the checkout errors (see checkout_errors), which have no event_id yet."""
    roles = ([("human", 0)] * N_HUMANS + [("special", c) for c in SPECIAL_CASES]
             + [("bot", i) for i in range(20)] + [("no_agent", i) for i in range(5)])
    rng.shuffle(roles)
    events, orders, cases, humans = [], [], {}, set()
    for k, (role, arg) in enumerate(roles):
        vid = f"v-{k + 1:04d}"
        if role == "special":
            events += special(rng, vid, arg, orders)
            cases[arg] = vid
        elif role == "human":
            events += human(rng, aux, vid, orders)
            humans.add(vid)
        else:
            events += bot(rng, vid, arg, orders) if role == "bot" else no_agent(rng, vid)
    events = [ev for ev in events if ev.at < END]
    for ev in events:
        if ev.text is None:
            ev.text, ev.at = spell(rng, ev)
    assign_sessions(events)
    events.sort(key=lambda e: (e.at, e.visitor))
    for n, ev in enumerate(events, 1):
        ev.event_id = f"e-{n:06d}"
    return events, checkout_errors(aux, events, humans), cases


def add_defects(rng, events):
    """Odd ids, non-JSON properties and malformed rows; then a ~5% local shuffle of the order."""
    plain = [ev for ev in events if not ev.special and ev.name == "page_view" and ev.ua]
    for ev, odd in zip(rng.sample(plain, len(ODD_IDS)), ODD_IDS):
        ev.event_id, ev.special = odd, True
    carts = [ev for ev in events if ev.name == "add_to_cart" and not ev.special]
    for ev, junk in zip(rng.sample(carts, 2), ["item_id=SKU-107;value=34.9", '{"item_id": SKU-1']):
        ev.props, ev.special = junk, True
    rows = list(events)
    for n, (_, broken) in enumerate(MALFORMED, len(events) + 1):
        rows.append(replace(rng.choice(plain), event_id=f"e-{n:06d}", special=True, broken=broken))
    rows.sort(key=lambda e: (e.at, e.event_id))
    for i in range(len(rows) - 1):
        if rng.random() < 0.05:
            j = min(len(rows) - 1, i + rng.randint(1, 4))
            rows[i], rows[j] = rows[j], rows[i]
    return rows


def add_retries(rng, rows):
    """~2% retried deliveries, each written shortly after the first copy: (file key, row)."""
    keyed, kinds = [(float(i), ev) for i, ev in enumerate(rows)], Counter()
    pool = [i for i, ev in enumerate(rows) if not ev.special]
    for n, i in enumerate(rng.sample(pool, round(len(rows) * 0.02))):
        kind = "earlier" if n < 5 else "later" if n < 25 else "identical"
        kinds[kind] += 1
        copy = replace(rows[i], special=True)
        if kind != "identical":  # the client re-stamped the retry
            copy.at += jitter(rng, 1, 600) if kind == "later" else -jitter(rng, 1, 90)
            copy.text = f"{copy.at:%Y-%m-%dT%H:%M:%S}.{copy.at.microsecond // 1000:03d}Z"
        keyed.append((i + rng.uniform(1, 15), copy))
    return keyed, kinds


def unreadable_lines(visitors):
    """Raw lines (not via csv.writer) with too few or too many fields: (file key, line)."""
    ua, (v1, v2, v3) = BROWSERS[3], visitors[41:42] + visitors[99:100] + visitors[150:151]
    return [(300.5, "e-broken-1,v-0007,s-x,page_view"),  # ua above has no comma to quote
            (900.5, f"e-broken-2,{v1},s-{v1}-1,page_view,2026-10-08T10:00:00Z,{SITE}/,,"),
            (1500.5, f"e-broken-3,{v2},s-{v2}-1,page_view,2026-10-11T09:12:00Z,{SITE}/,,{ua},{{}},"
                     "extra"),
            (2400.5, f"e-broken-4,{v3},s-{v3}-2,add_to_cart,2026-10-16T18:30:00Z,"
                     f"{SITE}/products/blue-mug,,{ua},item_id=SKU-101,value=14.9,currency=EUR")]


def add_errors(keyed, errors, first_id):
    """The checkout errors, each written right after its begin_checkout, numbered from
    first_id (after every other event, so that the other events keep their ids)."""
    key_of = {id(ev): k for k, ev in keyed}
    added = []
    for anchor, new in errors:
        for j, ev in enumerate(new, 1):
            ev.event_id = f"e-{first_id + len(added):06d}"
            added.append((key_of[id(anchor)] + 0.1 * j, ev))
    return keyed + added


def write_csv(path, keyed, raw_lines):
    """Write rows in file-key order; returns (data lines written, sha256 of the file)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    entries = [(k, 0, ev) for k, ev in keyed] + [(k, 1, line) for k, line in raw_lines]
    for _, raw, item in sorted(entries, key=lambda x: (x[0], x[1])):
        if raw:
            buf.write(item + "\n")
            continue
        row = dict(zip(COLUMNS, [item.event_id, item.visitor, item.session, item.name, item.text,
                                 item.url, item.ref, item.ua, item.props]), **item.broken)
        writer.writerow(row.values())
    data = buf.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(entries), hashlib.sha256(data).hexdigest()


def summarize(path, n_rows, sha, events, keyed, kinds, n_raw, cases, errors):
    """Print what was written and what was meant (valid events only, retries excluded)."""
    agents = {}
    for ev in events:
        agents.setdefault(ev.visitor, []).append(ev.ua.lower())
    bots = {v for v, uas in agents.items()
            if not any(uas) or any(p in ua for ua in uas for p in BOT_PATTERNS)}
    humans = [ev for ev in events if ev.visitor not in bots]
    reached = {step: len({e.visitor for e in humans if e.name == step})
               for step in ("add_to_cart", "begin_checkout", "purchase")}
    viewers = {e.visitor for e in humans if e.name == "page_view" and "/products/" in e.url}
    days = sorted({ev.at.date() for ev in events})
    print(f"wrote {path}: {n_rows} rows + header, sha256 {sha}")
    print(f"distinct visitors: {len({ev.visitor for _, ev in keyed if ev.visitor.strip()})} "
          f"({len(agents) - len(bots)} human, {len(bots)} bot, of which "
          f"{sum(not any(u) for u in agents.values())} without any user agent)")
    print(f"date range (UTC): {days[0]} .. {days[-1]} ({len(days)} days)")
    print(f"duplicates intended: {sum(kinds.values())} {dict(sorted(kinds.items()))}")
    print(f"malformed intended: {len(MALFORMED)} "
          f"{dict(sorted(Counter(r for r, _ in MALFORMED).items()))}")
    print(f"unreadable lines: {n_raw}")
    print(f"human funnel visitors: product_view {len(viewers)}, "
          + ", ".join(f"{k} {v}" for k, v in reached.items())
          + f"; server-side purchases: {sum(e.name == 'purchase' and not e.ua for e in humans)}")
    print("edge cases: " + ", ".join(f"{c}={v}" for c, v in sorted(cases.items())))
    items = {}
    for ev in humans:
        if ev.name in ("page_view", "add_to_cart") and ev.props.startswith('{"'):
            with contextlib.suppress(ValueError, KeyError):  # the non-JSON properties
                items.setdefault((ev.visitor, ev.name), set()).add(json.loads(ev.props)["item_id"])
    other = {v for (v, name), ids in items.items()
             if name == "add_to_cart" and not ids & items.get((v, "page_view"), set())}
    restarted = {a.visitor for a, new in errors if any(e.name == "begin_checkout" for e in new)}
    print(f"options: {len(other)} human visitors added to cart only products they did not view; "
          f"{len(errors)} hit the checkout error page, of whom {len(restarted)} began "
          "checkout again")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--seed", type=int, default=20261001)
    args = parser.parse_args()
    assert not any(p in ua.lower() for ua in BROWSERS for p in BOT_PATTERNS)
    rng, aux = random.Random(args.seed), random.Random(f"{args.seed}/options")
    events, errors, cases = build_events(rng, aux)
    keyed, kinds = add_retries(rng, add_defects(rng, events))
    keyed = add_errors(keyed, errors, len(events) + len(MALFORMED) + 1)
    raw = unreadable_lines(sorted({ev.visitor for ev in events}))
    n_rows, sha = write_csv(args.output, keyed, raw)
    errors_kept = [(a, new) for a, new in errors if new]
    summarize(args.output, n_rows, sha, events + [e for _, new in errors for e in new], keyed,
              kinds, len(raw), cases, errors_kept)


if __name__ == "__main__":
    main()
