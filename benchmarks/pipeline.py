"""Benchmark: the whole pipeline at one size, against reading the files once and against pandas.

    uv run python benchmarks/pipeline.py --leads 20000
    uv run python benchmarks/pipeline.py --leads 1000000 --out bench-results/pipeline-1m.json

Generates the demo extracts once (seed 3, exported on 2026-10-30), then measures, each step in a fresh
child process (so its peak memory, max RSS of it and its children, is its own):

  floor        DuckDB reading every landing file once, all columns as text (a file that is not
               UTF-8, which DuckDB does not read, is read by polars with its bytes kept as they are)
  pandas       the headline funnel (leads, MQL, SQL, opportunities, won by month) a plain pandas
               script computes from the same files
  full run     `leadjourney run` on a fresh workspace, with its stages (ingest, dbt, checks,
               publication)
  no new file  the same run again: nothing changed
  one more day `leadjourney run` after the next day's extracts landed beside the first ones (the
               same company exported a day later: the generator's `as_of`)

Prints each time, its ratio to the floor and to pandas, source rows per second and peak memory,
and writes them as JSON (default bench-results/pipeline-<leads>.json).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pipelines.warehouse import machine_memory_bytes, threads

ROOT = Path(__file__).resolve().parent.parent
SEED = 3
END = "2026-10-30"  # exported at the start of Friday 30 October: Thursday is the last day held
NEXT_DAY = "2026-10-31"  # the next day's exports hold a working day more

CHILD = r"""
import json, resource, sys, time
step, ws = sys.argv[1], sys.argv[2]
started = time.perf_counter()
out = {}
if step == "generate":
    from datetime import date
    from pipelines.demo.generator import generate
    truth = generate(__import__("pathlib").Path(ws), leads=int(sys.argv[3]), seed=int(sys.argv[4]),
                     end_date=date.fromisoformat(sys.argv[5]), as_of=date.fromisoformat(sys.argv[6]))
    out["rows"] = sum(f["data_rows"] for f in truth["files"].values())
elif step == "floor":
    import duckdb, polars as pl
    from pathlib import Path
    con = duckdb.connect()
    rows = 0
    for path in sorted(p for p in Path(ws, "landing").rglob("*") if p.is_file()):
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:  # DuckDB reads UTF-8 only: polars reads it, bytes kept as they are
            rows += pl.read_csv(path, infer_schema=False, encoding="utf8-lossy",
                                truncate_ragged_lines=True).height
            continue
        rows += con.execute(
            "SELECT count(*) FROM read_csv(?, all_varchar = true, header = true, strict_mode = false, "
            "null_padding = true, ignore_errors = true)", [str(path)]).fetchone()[0]
    out["rows"] = rows
elif step == "pandas":
    from benchmarks.pandas_funnel import funnel
    out["rows"], out["months"] = funnel(ws)
else:
    from pipelines.runner import run_pipeline
    from pipelines.workspace import Workspace
    outcome = run_pipeline(Workspace(__import__("pathlib").Path(ws)))
    assert outcome.success, outcome.failures
    out["rows"] = sum(f["rows_read"] for f in outcome.files)
    out["stages"] = outcome.stages
    out["up_to_date"] = outcome.up_to_date
out["seconds"] = time.perf_counter() - started
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
           resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
out["peak_mb"] = peak / 1024
print(json.dumps(out))
"""


def _step(step: str, ws: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, step, str(ws), *args], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{step} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _landing_rows_and_bytes(ws: Path) -> tuple[int, int]:
    truth = json.loads((ws / "demo_truth.json").read_text(encoding="utf-8"))
    files = [p for p in (ws / "landing").rglob("*") if p.is_file()]
    return sum(f["data_rows"] for f in truth["files"].values()), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--dir", type=Path, default=None, help="Work folder (default: a temporary one).")
    args = parser.parse_args()
    out = args.out or ROOT / "bench-results" / f"pipeline-{args.leads}.json"
    work = Path(args.dir or tempfile.mkdtemp(prefix="leadjourney-bench-"))
    source, ws, nextday = work / "generated", work / "ws", work / "nextday"
    shutil.rmtree(ws, ignore_errors=True)
    results: dict[str, dict] = {}

    def report(name: str, m: dict) -> None:
        results[name] = m
        floor, pandas = results.get("floor"), results.get("pandas")
        ratio = lambda base: f"{m['seconds'] / base['seconds']:7.1f}x" if base else "       "  # noqa: E731
        rate = f"{m['rows'] / m['seconds']:>12,.0f}" if m.get("rows") else f"{'':>12}"
        print(f"{name:13} {m['seconds']:9.1f} {ratio(floor)} {ratio(pandas)} {rate} {m['peak_mb']:9,.0f}",
              flush=True)
        for stage, seconds in (m.get("stages") or {}).items():
            print(f"  {stage:11} {seconds:9.1f}", flush=True)

    print(f"{args.leads:,} leads, seed {SEED}, up to {END}; work folder {work}")
    if _generated(source, args.leads):  # kept in --dir from an earlier run of the same size
        print(f"reusing the extracts generated in {source}")
    else:
        shutil.rmtree(source, ignore_errors=True)
        report("generate", _step("generate", source, str(args.leads), str(SEED), END, END))
    rows, size = _landing_rows_and_bytes(source)
    print(f"{rows:,} source rows in {size / 1e6:,.0f} MB of landing files\n")
    print(f"{'step':13} {'seconds':>9} {'/floor':>8} {'/pandas':>8} {'rows/s':>12} {'peak MB':>9}")
    shutil.copytree(source, ws)
    report("floor", _step("floor", ws))
    report("pandas", _step("pandas", ws))
    report("full run", _step("run", ws))
    report("no new file", _step("run", ws))
    # one more day: the next day's exports land beside the first ones
    if not _generated(nextday, args.leads, NEXT_DAY):
        shutil.rmtree(nextday, ignore_errors=True)
        report("generate day", _step("generate", nextday, str(args.leads), str(SEED), END, NEXT_DAY))
    for path in (nextday / "landing").rglob("*"):
        if path.is_file():
            target = ws / "landing" / path.relative_to(nextday / "landing")
            if not target.exists():
                shutil.copy(path, target)
    report("one more day", _step("run", ws))
    full = results["full run"]["seconds"]
    summary = {
        "leads": args.leads, "source_rows": rows, "landing_mb": size / 1e6,
        "machine": {"cpus": threads(), "memory_gb": machine_memory_bytes() / 2**30,
                    "python": platform.python_version()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "steps": results,
        "ratios": {
            "full_run_to_floor": full / results["floor"]["seconds"],
            "full_run_to_pandas": full / results["pandas"]["seconds"],
            "ingest_rows_per_second": rows / results["full run"]["stages"]["ingest"],
            "no_new_file_to_full_run": results["no new file"]["seconds"] / full,
            "one_more_day_to_full_run": results["one more day"]["seconds"] / full,
        },
    }
    print("\n" + "\n".join(f"{k}: {v:,.3f}" if v is not None else f"{k}: -"
                            for k, v in summary["ratios"].items()))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written {out}")
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


def _generated(folder: Path, leads: int, as_of: str = END) -> bool:
    truth = folder / "demo_truth.json"
    if not truth.exists():
        return False
    made = json.loads(truth.read_text(encoding="utf-8"))["generator"]
    return (made["leads"], made.get("as_of"), made.get("seed")) == (leads, as_of, SEED)


if __name__ == "__main__":
    main()
