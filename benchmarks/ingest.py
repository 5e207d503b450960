"""Benchmark: generate and ingest at several sizes; prints rows/s and peak memory.

    uv run python benchmarks/ingest.py                 # 10k, 100k and 1M leads
    uv run python benchmarks/ingest.py 10000 100000    # chosen sizes

Each size runs in a fresh child process, so peak memory (max RSS) is that step's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from datetime import date
from pathlib import Path
step, root, leads = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
started = time.perf_counter()
if step == "generate":
    from pipelines.demo.generator import generate
    truth = generate(root, leads=leads, seed=1, end_date=date(2026, 10, 31))
    rows = sum(f["data_rows"] for f in truth["files"].values())
else:
    from pipelines.ingest.loader import discover, ensure_schema, load_extract
    from pipelines.contract import EXTRACTS
    from pipelines.sources.mapping import load_sources
    files = discover(root / "landing", load_sources(None))
    from pipelines.warehouse import connect
    con = connect(root / "warehouse.duckdb")
    ensure_schema(con)
    rows = 0
    for name in EXTRACTS:
        rows += sum(r.rows_read for r in load_extract(con, files, name))
    con.close()
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb}))
"""


def main(sizes: list[int]) -> None:
    print(f"{'leads':>9} {'step':9} {'rows':>12} {'seconds':>8} {'rows/s':>10} {'peak MB':>8} "
          f"{'landing MB':>10}")
    for leads in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for step in ("generate", "ingest"):
                out = subprocess.run([sys.executable, "-c", CHILD, step, str(root), str(leads)],
                                     check=True, capture_output=True, text=True).stdout
                m = json.loads(out.strip().splitlines()[-1])
                size = sum(p.stat().st_size for p in (root / "landing").rglob("*") if p.is_file())
                print(f"{leads:>9,} {step:9} {m['rows']:>12,} {m['seconds']:>8.1f} "
                      f"{m['rows'] / m['seconds']:>10,.0f} {m['peak_mb']:>8,.0f} {size / 1e6:>10,.0f}",
                      flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
