"""Daily full exports: holding the lines the day before holds builds what reading them all builds.

Real runs (Dagster in this process, dbt, DuckDB files) of the demo's exports on two days: one
workspace holds day 2's unchanged lines (the default), the other reads day 2 in full (holding
switched off); every staging model, intermediate model and mart must say the same, but for the
lineage of a held row (the file and line its version was first read from).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.demo.generator import generate
from tests.conftest import DEMO_SEED

LEADS = 1500
END = date(2026, 10, 30)       # exported on Friday morning: Thursday is the last day held
NEXT_DAY = date(2026, 10, 31)  # a working day more
# where a version was read from (a held row keeps the file and line of its first export), and load
# ids (each workspace names its own loads)
LINEAGE = {"source_file", "source_line", "load_id", "removed_by_load_id", "last_seen_load_id"}
# every version of an SFA lead as loaded: reading day 2 in full loads each unchanged lead again
EVERY_LOADED_ROW = {("staging", "stg_sfa__lead_versions")}


def _land(landing: Path, ws: Path) -> None:
    for path in landing.rglob("*"):
        if path.is_file():
            target = ws / "landing" / path.relative_to(landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)


def _run(ws: Path, monkeypatch) -> None:
    from pipelines.runner import run_pipeline
    from pipelines.workspace import Workspace

    monkeypatch.setenv("DAGSTER_HOME", str(ws / ".dagster"))
    outcome = run_pipeline(Workspace(ws))
    assert outcome.success, outcome.failures


def _tables(con) -> list[tuple[str, str]]:
    return con.execute("SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN "
                       "('staging', 'intermediate', 'marts') ORDER BY 1, 2").fetchall()


@pytest.fixture(scope="module")
def two_days(tmp_path_factory) -> tuple[Path, Path, set[str]]:
    """Day 1 and day 2 of the demo company's exports (day 2 is a day later: a few records new,
    changed or deleted, the rest repeated line for line)."""
    root = tmp_path_factory.mktemp("days")
    for name, as_of in (("day1", END), ("day2", NEXT_DAY)):
        generate(root / name, leads=LEADS, seed=DEMO_SEED, end_date=END, as_of=as_of)
    # a few leads deleted in the SFA by day 2: every 40th line of its lead report goes
    (path,) = (root / "day2" / "landing" / "sfa").glob("sfa-leads-report-*.csv")
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(line for i, line in enumerate(lines) if i < 2 or i % 40))
    deleted = {line.split(b",")[0].decode("cp932") for i, line in enumerate(lines) if i >= 2 and not i % 40}
    return root / "day1" / "landing", root / "day2" / "landing", deleted


def test_holding_day_twos_unchanged_lines_builds_what_reading_them_builds(two_days, tmp_path, monkeypatch):
    from pipelines.ingest import loader

    day1, day2, deleted = two_days
    held, read = tmp_path / "held", tmp_path / "read"
    _land(day1, held)
    _run(held, monkeypatch)
    shutil.copytree(held, read)
    for ws in (held, read):
        _land(day2, ws)
        with monkeypatch.context() as m:
            if ws == read:
                m.setattr(loader, "_held_lines", lambda *_args: None)
            _run(ws, monkeypatch)

    con = duckdb.connect()
    con.execute(f"ATTACH '{held / 'warehouse.duckdb'}' AS held (READ_ONLY)")
    con.execute(f"ATTACH '{read / 'warehouse.duckdb'}' AS read (READ_ONLY)")
    def manifest(db: str, columns: str, where: str = "true") -> list[tuple]:
        return con.execute(f"SELECT extract, {columns} FROM {db}.meta.load_manifest WHERE {where} "
                           "ORDER BY extract, file_name").fetchall()

    day2_files = sorted(p.relative_to(day2).as_posix() for p in day2.rglob("*") if p.is_file())
    held_lines = manifest("held", "rows_held", f"list_contains({day2_files}, file_name)")
    assert len(held_lines) >= 4 and all(n > 0 for _, n in held_lines), held_lines
    assert all(n == 0 for _, n in manifest("read", "rows_held"))
    # the same rows read, loaded, quarantined, filtered out and flagged either way
    counts = ("file_name, rows_read, rows_loaded, rows_quarantined, rows_filtered, rows_flagged, "
              "records_unchanged")
    assert manifest("held", counts) == manifest("read", counts)
    # the raw layer grows by what changed, not by the export's size
    raw = {t: con.execute(f"SELECT (SELECT count(*) FROM held.raw.{t}), (SELECT count(*) FROM read.raw.{t})")
           .fetchone() for t in {e for e, _ in held_lines}}
    assert all(h < r for h, r in raw.values()), raw

    # the SFA leads deleted by day 2 have left the current marts, either way
    for db in ("held", "read"):
        assert {r for (r,) in con.execute(f"SELECT record_id FROM {db}.marts.removed_records").fetchall()} \
            == deleted, db

    tables = _tables(con.execute("USE held"))
    assert len(tables) > 50
    differ = []
    for schema, table in tables:
        columns = [(c, t) for c, t in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = 'held' "
            "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()
            if c not in LINEAGE]
        # floats to 12 significant digits: a sum's last bits depend on the order threads add in
        select = ", ".join(f'round("{c}", 11 - floor(log10(abs(nullif("{c}", 0))))::INT)' if t == "DOUBLE"
                           else f'"{c}"' for c, t in columns)
        op = "EXCEPT" if (schema, table) in EVERY_LOADED_ROW else "EXCEPT ALL"
        for a, b in (("held", "read"), ("read", "held")):
            n = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM {a}.{schema}.{table} {op} "
                            f"SELECT {select} FROM {b}.{schema}.{table})").fetchone()[0]
            if n:
                differ.append((schema, table, a, n))
    assert differ == []
