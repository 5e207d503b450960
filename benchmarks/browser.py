"""The dashboard in a real browser: per page and language, the time from navigation to the last
chart drawn, and what a page cuts off at a screen width.

    uv run python benchmarks/browser.py WORKSPACE [--width 1440] [--repeat 2] [--out FILE]

Starts `leadjourney dashboard` on the workspace, opens every page in Chromium (Playwright, Debian's
/usr/bin/chromium) at the width, and per page and language prints:

  first_s  navigation to the page's title, its charts drawn and no element still running, the
           first time (Streamlit's query cache empty for the page: cold)
  load_s   the same, the best of --repeat loads (the cache filled: warm)
  charts   the charts drawn
  cut      what is cut off: a card's label or value ending in an ellipsis, a chart's tick label
           outside the chart
  scrolls  the tables wider than their frame (they scroll sideways: wide lead lists), by their
           first column's header

Writes the figures as JSON (default bench-results/browser-<width>.json). Target (issue 16): at
most 2 s per page on the 20k demo and 4 s at 1M, nothing cut at 1280 and 1440 px.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from dashboard.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

# What a page cuts off (and which tables scroll sideways), as JavaScript run in the page.
CUT = """() => {
  const cut = [], scrolls = [];
  const cards = '[data-testid="stMetricLabel"] p, [data-testid="stMetricValue"] div';
  for (const el of document.querySelectorAll(cards)) {
    if (el.scrollWidth > el.clientWidth + 1) cut.push('card: ' + el.textContent.trim());
  }
  for (const frame of document.querySelectorAll('[data-testid="stDataFrame"]')) {
    const scroller = frame.querySelector('.dvn-scroller');
    if (scroller && scroller.scrollWidth > scroller.clientWidth + 1) {
      const header = frame.querySelector('[role="columnheader"]');
      scrolls.push(header ? header.textContent.trim() : 'a table');
    }
  }
  for (const chart of document.querySelectorAll('.js-plotly-plot')) {
    const box = chart.getBoundingClientRect();
    for (const tick of chart.querySelectorAll('.xtick text, .ytick text')) {
      const r = tick.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) {
        cut.push('tick: ' + tick.textContent.trim());
        break;
      }
    }
  }
  return {cut, scrolls};
}"""


def _serve(ws: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "dashboard", "--workspace", str(ws),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the dashboard did not start")


def _drawn(page, timeout_s: float = 60) -> int:
    """Wait until nothing runs and the count of drawn charts holds still; returns it."""
    deadline, last, stable = time.monotonic() + timeout_s, -1, 0
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count()
        charts = page.locator(".js-plotly-plot").count()
        stable = stable + 1 if charts == last and not running else 0
        if stable >= 3:  # three checks 100 ms apart
            return charts
        last = charts
        page.wait_for_timeout(100)
    return last


def measure(ws: Path, width: int, repeat: int, port: int = 8611) -> list[dict]:
    from playwright.sync_api import sync_playwright

    proc = _serve(ws, port)
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            page = browser.new_page(viewport={"width": width, "height": 1000})
            names = [name for _section, pages in PAGES for name, _title, _icon in pages]
            for lang in ("ja", "en"):
                for name in names:
                    url = f"http://127.0.0.1:{port}/{'' if name == 'executive' else name}?lang={lang}"
                    times, charts, found = [], 0, {"cut": [], "scrolls": []}
                    for _ in range(repeat):
                        started = time.perf_counter()
                        page.goto(url)
                        page.wait_for_selector("h1", timeout=60_000)
                        charts = _drawn(page)
                        times.append(time.perf_counter() - started - 0.3)  # less the settle checks
                        found = page.evaluate(CUT)
                    results.append({"page": name, "lang": lang, "width": width, "first_s": round(times[0], 2),
                                    "load_s": round(min(times), 2), "charts": charts, **found})
                    cut = "cut: " + "; ".join(found["cut"]) if found["cut"] else "nothing cut"
                    wide = ", ".join(found["scrolls"])
                    scrolls = f"  (scroll sideways: {wide})" if wide else ""
                    print(f"{name:12} {lang}  first {times[0]:5.2f} s  best {min(times):5.2f} s  "
                          f"{charts:2} charts  {cut}{scrolls}", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results = measure(args.workspace.resolve(), args.width, args.repeat)
    worst = max(results, key=lambda r: r["first_s"])
    print(f"slowest: {worst['page']} ({worst['lang']}) first {worst['first_s']:.2f} s, "
          f"best {worst['load_s']:.2f} s; "
          f"pages with something cut: {sum(bool(r['cut']) for r in results)} of {len(results)}; "
          f"with a table scrolling sideways: {sum(bool(r['scrolls']) for r in results)}")
    out = args.out or ROOT / "bench-results" / f"browser-{args.width}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                               "machine": platform.platform(), "workspace": str(args.workspace),
                               "results": results}, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
