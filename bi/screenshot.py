"""Save a PNG of the "Conversions" dashboard, for e-mail and slides.

    .venv-bi/bin/python bi/screenshot.py --url http://127.0.0.1:8088 \\
        --username viewer --password-file .superset/viewer_password \\
        docs/dashboard.png

Drives Debian's headless Chromium (/usr/bin/chromium, /usr/bin/chromedriver;
scripts/bi_setup.sh installs them) with a fresh profile: logs in, opens the
dashboard, waits until every chart has rendered (every chart holder of the
layout present, no loading spinner, each chart drawn as a canvas, SVG or
table), then sizes the window to the whole dashboard and saves it. Fails,
naming the chart, when a chart shows an error instead.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provision import CHART_NAMES  # noqa: E402  (standard library only)

from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH = 1600

# Per chart holder: "error" with its text, "loading", "empty", or "ok".
CHART_STATES_JS = """
const holders = [...document.querySelectorAll(
    '.dashboard-component-chart-holder[class*="dashboard-chart-id-"]')];
return holders.map(h => {
  const title = (h.querySelector('.header-title, [data-test="editable-title"]')
                 || {}).innerText || '';
  const error = h.querySelector(
      '.alert-danger, .ant-alert-error, [data-test="error-alert"], .error-message');
  if (error) return ['error', title, error.innerText.slice(0, 500)];
  if (h.querySelector('.loading, .ant-skeleton, [aria-label="Loading"], '
                      + '[data-test="loading-indicator"]'))
    return ['loading', title, ''];
  const drawn = h.querySelector(
      '.chart-container canvas, .chart-container svg, .chart-container table');
  return [drawn ? 'ok' : 'empty', title, ''];
});
"""


def chrome(user_data_dir: str) -> webdriver.Chrome:
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-quic", "--no-first-run",
                 "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars",
                 f"--user-data-dir={user_data_dir}",
                 f"--window-size={WIDTH},2400"]:
        options.add_argument(flag)
    # Debian's chromedriver, never one that Selenium Manager downloads.
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER),
                            options=options)


def log_in(driver, url: str, username: str, password: str, timeout: float):
    driver.get(f"{url}/login/")
    wait = WebDriverWait(driver, timeout)
    user = wait.until(EC.element_to_be_clickable(
        (By.CSS_SELECTOR, "input#username, input[name='username']")))
    user.clear()
    user.send_keys(username)
    secret = driver.find_element(
        By.CSS_SELECTOR, "input#password, input[name='password']")
    secret.clear()
    secret.send_keys(password + Keys.ENTER)
    wait.until(lambda d: "/login" not in d.current_url)


def wait_for_charts(driver, expected: int, timeout: float) -> list:
    """Until `expected` charts are drawn and none loads; raises on an error
    shown in a chart or on timeout, with each chart's state."""
    deadline = time.monotonic() + timeout
    stable_since = None
    while True:
        states = driver.execute_script(CHART_STATES_JS)
        errors = [s for s in states if s[0] == "error"]
        if errors:
            raise RuntimeError("charts show errors: " + "; ".join(
                f"{title!r}: {text}" for _, title, text in errors))
        done = (len(states) >= expected
                and all(s[0] == "ok" for s in states))
        if done:
            # Drawn and still drawn half a second later: animations and
            # late re-renders settled.
            stable_since = stable_since or time.monotonic()
            if time.monotonic() - stable_since >= 1.5:
                return states
        else:
            stable_since = None
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"after {timeout:.0f} s, expected {expected} drawn charts, "
                f"got: {states}")
        time.sleep(0.25)


def screenshot(url: str, username: str, password: str, output: Path, *,
               slug: str = "conversions", charts: int = len(CHART_NAMES),
               timeout: float = 120) -> Path:
    profile = tempfile.mkdtemp(prefix="bi-chromium-")
    driver = chrome(profile)
    try:
        driver.set_page_load_timeout(timeout)
        log_in(driver, url, username, password, timeout)
        driver.get(f"{url}/superset/dashboard/{slug}/?standalone=1")
        WebDriverWait(driver, timeout).until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, ".dashboard-component-chart-holder")))
        wait_for_charts(driver, charts, timeout)
        # The whole dashboard in one image: grow the window to it, let the
        # charts re-layout, check they are drawn again.
        # Charts drawn after the resize can make the grid taller: measure
        # again until it stops growing.
        size = None
        for _ in range(4):
            height = driver.execute_script("""
                const grid = document.querySelector('.grid-container')
                    || document.querySelector('.dashboard');
                const r = grid.getBoundingClientRect();
                return Math.ceil(r.bottom + window.scrollY + 24);
            """)
            wanted = max(900, min(int(height), 6000))
            if wanted == size:
                break
            size = wanted
            driver.set_window_size(WIDTH, size)
            # the window's height includes what is not page (headless
            # Chromium keeps some): add it, so the page itself is `size`
            inner = driver.execute_script("return window.innerHeight")
            if inner < size:
                driver.set_window_size(WIDTH, size + size - inner)
            time.sleep(1)
            wait_for_charts(driver, charts, timeout)
        output.parent.mkdir(parents=True, exist_ok=True)
        if not driver.save_screenshot(str(output)):
            raise RuntimeError(f"could not write {output}")
        return output
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path,
                        default=Path("docs/dashboard.png"))
    parser.add_argument("--url", default="http://127.0.0.1:8088")
    parser.add_argument("--username", default="viewer")
    parser.add_argument("--password-file", required=True, type=Path,
                        help="the file holding the user's password")
    parser.add_argument("--slug", default="conversions")
    parser.add_argument("--charts", type=int, default=len(CHART_NAMES),
                        help="how many charts the dashboard has")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args(argv)
    password = args.password_file.read_text().strip()
    if not password:
        parser.error(f"no password in {args.password_file}")
    started = time.monotonic()
    path = screenshot(args.url.rstrip("/"), args.username, password,
                      args.output, slug=args.slug, charts=args.charts,
                      timeout=args.timeout)
    print(f"screenshot: wrote {path} ({path.stat().st_size} bytes) in "
          f"{time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
