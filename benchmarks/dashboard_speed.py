"""Per-page render times of the dashboard (Streamlit AppTest, server side) on a workspace.

    uv run python benchmarks/dashboard_speed.py [WORKSPACE] [--repeat N]

For each page and language: 'cold' clears Streamlit's data cache first (every query hits
serving.duckdb), 'warm' re-runs with the cache filled (what a user sees on the second visit or
after changing a widget back). Target: every page under 1 s cold, at 20k and at 1M leads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from dashboard.pages import PAGES as SECTIONS

ROOT = Path(__file__).resolve().parents[1]
PAGES = [name for _section, pages in SECTIONS for name, _title, _icon in pages]  # every page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workspace", nargs="?", default="workspace")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ws = Path(args.workspace).resolve()
    os.environ["LEADJOURNEY_WORKSPACE"] = str(ws)
    os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"  # AppTest's bare-mode warnings
    import duckdb
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    with duckdb.connect(str(ws / "serving.duckdb"), read_only=True) as con:
        cycles = con.execute("SELECT count(*) FROM marts.lead_journey").fetchone()[0]
    print(f"workspace {ws}: {cycles:,} lead cycles; {args.repeat} runs per page, median shown")
    print(f"{'page':<12} {'lang':<4} {'cold s':>8} {'warm s':>8}")
    worst = 0.0
    for lang in ("ja", "en"):
        for page in PAGES:
            cold, warm = [], []
            for _ in range(args.repeat):
                at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=300)
                at.query_params["lang"] = lang
                at.run()
                at.switch_page(f"app_pages/{page}.py")
                st.cache_data.clear()
                start = time.perf_counter()
                at.run()
                cold.append(time.perf_counter() - start)
                start = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - start)
                if at.exception:
                    raise SystemExit(f"{page} ({lang}) raised: {at.exception[0].value}")
            worst = max(worst, statistics.median(cold))
            print(f"{page:<12} {lang:<4} {statistics.median(cold):>8.2f} {statistics.median(warm):>8.2f}")
    print(f"slowest page (cold, median): {worst:.2f} s")


if __name__ == "__main__":
    main()
