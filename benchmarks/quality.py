"""Benchmark: all data-quality suites on a built warehouse; prints seconds and rows per suite.

    uv run leadjourney demo --workspace /tmp/big --leads 1000000    # once (a few minutes)
    uv run python benchmarks/quality.py /tmp/big
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def main(workspace: Path) -> None:
    started = time.perf_counter()
    from expectations.runner import run_suite
    from expectations.suites import SUITES
    from pipelines.workspace import Workspace

    imported = time.perf_counter()
    ws = Workspace.resolve(workspace)
    with tempfile.TemporaryDirectory() as tmp:  # validate a copy: the benchmark records nothing
        copy = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(ws.warehouse, copy)
        con = duckdb.connect(str(copy))
        rules = ws.rules()
        leads = con.execute("SELECT count(*) FROM marts.lead_journey").fetchone()[0]
        print(f"lead cycles: {leads:,}; importing GX: {imported - started:.1f}s")
        print(f"{'suite':32} {'rows':>10} {'expectations':>12} {'seconds':>8}")
        total = 0.0
        for suite in SUITES:
            t0 = time.perf_counter()
            rows = con.execute(f"SELECT count(*) FROM ({suite.query(rules)})").fetchone()[0]
            outcome = run_suite(con, suite, rules, "benchmark")
            seconds = time.perf_counter() - t0
            total += seconds
            print(f"{suite.name:32} {rows:>10,} {len(outcome.rows):>12} {seconds:>8.1f}")
        con.close()
    print(f"{'all suites':32} {'':>10} {'':>12} {total:>8.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "workspace"))
