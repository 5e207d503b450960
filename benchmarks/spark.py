"""Benchmark: the same workspace built on DuckDB and on local Spark (`leadjourney run --engine`).

    uv sync --group spark
    uv run python benchmarks/spark.py --leads 20000
    uv run python benchmarks/spark.py --leads 1000000 --dir /tmp/bench-1m

Generates the demo extracts once (seed 3, exported on 2026-10-30; kept in --dir/generated and reused
when there), then runs the pipeline on a fresh workspace per engine, each in a fresh child process,
and prints each run's time, its stages (ingest, dbt, checks, publication; on Spark the dbt stage
includes writing the lake and reading the models back) and its peak memory (the largest sum of the
resident memory of the run's process and its descendants: dbt, and Spark's JVM). Writes them as
JSON (default bench-results/spark-<leads>.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED, END = 3, "2026-10-30"

CHILD = r"""
import json, sys, time
from pathlib import Path
step, ws = sys.argv[1], Path(sys.argv[2])
started = time.perf_counter()
out = {}
if step == "generate":
    from datetime import date
    from pipelines.demo.generator import generate
    generate(ws, leads=int(sys.argv[3]), seed=int(sys.argv[4]), end_date=date.fromisoformat(sys.argv[5]))
else:
    from pipelines.runner import run_pipeline
    from pipelines.workspace import Workspace
    outcome = run_pipeline(Workspace(ws), engine=step)
    assert outcome.success, outcome.failures
    out["stages"] = outcome.stages
out["seconds"] = time.perf_counter() - started
print(json.dumps(out))
"""


def _tree_rss_mb(root: int) -> float:
    """The resident memory of a process and all its descendants now (from /proc)."""
    parents, rss = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid = int(stat.parent.name)
        parents[pid], rss[pid] = int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def _step(step: str, ws: Path, *args: str) -> dict:
    """Run a step in a child process; its peak memory is the largest sum of the resident memory of
    the child and its descendants (dbt, Spark's JVM), sampled every half second."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, step, str(ws), *args], cwd=ROOT,
                                stdout=out, stderr=err, text=True)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mb(proc.pid))
            time.sleep(0.5)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode:
        raise SystemExit(f"{step} failed:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--dir", type=Path, default=None, help="Work folder (default: a temporary one).")
    args = parser.parse_args()
    out = args.out or ROOT / "bench-results" / f"spark-{args.leads}.json"
    work = Path(args.dir or tempfile.mkdtemp(prefix="leadjourney-spark-"))
    source = work / "generated"
    if not (source / "landing").is_dir():
        _step("generate", source, str(args.leads), str(SEED), END)
    results = {}
    print(f"{'engine':8} {'seconds':>8} {'ingest':>7} {'dbt':>7} {'checks':>7} {'publish':>7} {'peak MB':>8}")
    for engine in ("duckdb", "spark"):
        ws = work / engine
        shutil.rmtree(ws, ignore_errors=True)
        shutil.copytree(source / "landing", ws / "landing")
        m = results[engine] = _step(engine, ws)
        s = m["stages"]
        print(f"{engine:8} {m['seconds']:8.1f} {s.get('ingest', 0):7.1f} {s.get('dbt', 0):7.1f} "
              f"{s.get('checks', 0):7.1f} {s.get('publication', 0):7.1f} {m['peak_mb']:8,.0f}", flush=True)
    print(f"Spark / DuckDB: run {results['spark']['seconds'] / results['duckdb']['seconds']:.1f}x, "
          f"dbt {results['spark']['stages']['dbt'] / results['duckdb']['stages']['dbt']:.1f}x")
    out.parent.mkdir(parents=True, exist_ok=True)
    measured_at = datetime.now(UTC).isoformat(timespec="seconds")
    out.write_text(json.dumps({"leads": args.leads, "measured_at": measured_at, "runs": results}, indent=1),
                   encoding="utf-8")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
