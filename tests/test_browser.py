"""The dashboard in a real browser (Debian's chromium through Playwright): every page in both
languages renders its key charts without an exception, while `leadjourney run` rebuilds and
republishes the same workspace beside it. Screenshots go to bench-results/screenshots/.

Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the test is skipped, unless
LEADJOURNEY_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks.browser import CUT

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("LEADJOURNEY_CHROMIUM", "/usr/bin/chromium"))
SHOTS = ROOT / "bench-results" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
# Page url path -> title (ja, en) and the charts that must have drawn.
PAGES = {
    "": (("経営サマリー", "Executive overview"), ("exec_arr", "exec_mql", "exec_funnel")),
    "funnel": (("ファネル", "Funnel"), ("funnel_cohort_chart", "funnel_trend_chart")),
    "bottlenecks": (("ボトルネック", "Bottlenecks"), ("gaps_chart", "time_in_stage_chart")),
    "pipeline": (("パイプラインと予測", "Pipeline & forecast"),
                 ("pipeline_forecast", "pipeline_progression", "pipeline_trend")),
    "campaigns": (("キャンペーン・チャネル", "Campaigns & channels"), ("campaigns_channel_chart",)),
    "departments": (("部門別 KPI", "Department KPIs"), ("departments_chart_marketing",)),
    "scoring": (("リード品質・スコアリング", "Lead quality & scoring"),
                ("verdict_chart", "bands_chart", "whatif_chart", "reasons_chart")),
    "accounts": (("アカウント", "Accounts"), ("segment_arr_chart", "relationship_chart")),
    "weekly": (("今週の対応", "This week"), ()),
    "sla": (("SLA", "SLA"), ("sla_month_chart", "sla_team_chart", "speed_chart")),
    "quality": (("データ品質", "Data quality"),
                ("dq_history_chart", "completeness_chart", "quarantine_chart")),
    "review": (("月次レビュー", "Monthly review"), ()),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("LEADJOURNEY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} not found (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


@pytest.fixture()
def served(demo_workspace, tmp_path):
    """A copy of the demo workspace served by `leadjourney dashboard` on a free port."""
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace, ws, ignore=shutil.ignore_patterns("decks"))
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "dashboard", "--workspace", str(ws),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise AssertionError(f"dashboard did not start:\n{proc.stdout.read()}")
        time.sleep(0.5)
    yield ws, base
    proc.terminate()
    proc.wait(timeout=20)


def test_every_page_in_both_languages_while_a_run_writes(browser, served):
    ws, base = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pipelines.cli", "run", "--workspace", str(ws), "--rebuild"]
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    visits_during_run = 0
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        for lang_index, lang in enumerate(("ja", "en")):
            for path, (titles, charts) in PAGES.items():
                running = run.poll() is None
                page.goto(f"{base}/{path}?lang={lang}")
                page.wait_for_selector(f"h1:has-text('{titles[lang_index]}')", timeout=60_000)
                for key in charts:
                    page.wait_for_selector(f".st-key-{key} .main-svg", timeout=60_000)
                if path == "review":
                    page.wait_for_selector(".st-key-deck_download button", timeout=60_000)
                if path == "weekly":  # the first list and its download
                    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
                    page.wait_for_selector(".st-key-dl_weekly_handoffs button", timeout=60_000)
                page.wait_for_timeout(500)
                assert page.locator('[data-testid="stException"]').count() == 0, f"{path} ({lang}) raised"
                assert page.locator('[data-testid="stAlertContentError"]').count() == 0
                page.screenshot(path=str(SHOTS / f"{path or 'executive'}_{lang}.png"), full_page=True)
                visits_during_run += running and run.poll() is None
    finally:
        page.close()
        output, _ = run.communicate(timeout=900)
    assert run.returncode == 0, output
    assert "NOT published" not in output and "published: " in output
    assert visits_during_run >= 3, "the pipeline run finished before the dashboard was exercised"
    # After the new publication the dashboard answers from the new copy.
    page = browser.new_page()
    page.goto(f"{base}/funnel?lang=en")
    page.wait_for_selector(".st-key-funnel_trend_chart .main-svg", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


@pytest.mark.parametrize("width", [1280, 1440])
def test_nothing_is_cut_off_at_a_laptop_width(browser, served, width):
    """Every page in both languages at 1280 and 1440 px: no card's label or value ends in an
    ellipsis, no chart's tick label falls outside the chart (benchmarks/browser.py's check; a
    wide lead list may scroll sideways, as a data grid does)."""
    _ws, base = served
    page = browser.new_page(viewport={"width": width, "height": 1000})
    cut = {}
    for lang_index, lang in enumerate(("ja", "en")):
        for path, (titles, charts) in PAGES.items():
            page.goto(f"{base}/{path}?lang={lang}")
            page.wait_for_selector(f"h1:has-text('{titles[lang_index]}')", timeout=60_000)
            for key in charts:
                page.wait_for_selector(f".st-key-{key} .main-svg", timeout=60_000)
            page.wait_for_timeout(300)
            if found := page.evaluate(CUT)["cut"]:
                cut[f"{path or 'executive'} ({lang})"] = found
    page.close()
    assert not cut, cut


def test_a_click_on_a_bar_opens_its_drill_down_and_writes_it_to_the_url(browser, served):
    _ws, base = served
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{base}/bottlenecks?lang=en")
    page.wait_for_selector(".st-key-gaps_chart .main-svg", timeout=60_000)
    page.wait_for_function("() => new URLSearchParams(location.search).get('drill') !== null", timeout=30_000)
    before = page.evaluate("() => new URLSearchParams(location.search).get('drill')")  # the first bar's
    second = page.locator(".st-key-gaps_chart .barlayer .trace").first.locator(".point").nth(1)
    # plotly takes the click on its drag layer above the bars and finds the bar under the pointer
    second.scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)  # clear of the app's header bar
    page.wait_for_timeout(300)
    box = second.bounding_box()
    page.mouse.click(box["x"] + min(20, box["width"] / 2), box["y"] + box["height"] / 2)
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('drill') !== '{before}'",
                           timeout=30_000)
    page.wait_for_timeout(500)
    drill = page.evaluate("() => new URLSearchParams(location.search).get('drill')")
    # the drill-down's count names the transition clicked ("SQL→won · Did not convert")
    label = " ".join(page.locator('[data-testid="stMetricLabel"]').all_inner_texts())
    page.close()
    names = {"mql_to_sql": "MQL→SQL", "sql_to_opportunity": "SQL→opportunity",
             "opportunity_to_won": "Opportunity→won", "sql_to_won": "SQL→won", "mql_to_won": "MQL→won"}
    assert drill in names and drill != before and f"{names[drill]} · Did not convert" in label


def test_a_click_on_a_funnel_stage_lists_its_leads(browser, served):
    _ws, base = served
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{base}/funnel?lang=en")
    page.wait_for_selector(".st-key-funnel_cohort_chart .main-svg", timeout=60_000)
    page.wait_for_function("() => new URLSearchParams(location.search).get('drill') === 'mql'",
                           timeout=30_000)
    stages = page.locator(".st-key-funnel_cohort_chart .funnellayer .trace").first.locator(".point")
    third = stages.nth(2)  # MQL, SAL, SQL
    third.scroll_into_view_if_needed()
    page.mouse.wheel(0, 200)  # clear of the app's header bar
    page.wait_for_timeout(300)
    box = third.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => new URLSearchParams(location.search).get('drill') === 'sql'",
                           timeout=30_000)
    page.wait_for_timeout(500)
    label = " ".join(page.locator('[data-testid="stMetricLabel"]').all_inner_texts())
    page.close()
    assert "SQL · Reached it" in label
