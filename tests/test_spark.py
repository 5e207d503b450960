"""The Spark engine: the lake it reads, and the same dbt project built on Spark giving the marts
DuckDB gives (`leadjourney run --engine spark` on the 2k-lead demo, a real local Spark).

The Spark tests need the optional group (`uv sync --group spark`); without it they are skipped,
unless LEADJOURNEY_REQUIRE_SPARK=1 (CI) makes that a failure.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines import lake
from pipelines.workspace import SettingsError, Workspace
from tests.conftest import cli

needs_spark = pytest.mark.skipif(
    lake.spark_missing() is not None and os.environ.get("LEADJOURNEY_REQUIRE_SPARK") != "1",
    reason="the Spark engine's optional group is not installed (uv sync --group spark)")


# --- the lake, without Spark ---------------------------------------------------------------------

def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA meta; CREATE SCHEMA config")
    con.execute("CREATE TABLE raw.ma_leads (lead_id VARCHAR, created_at TIMESTAMP, _load_id VARCHAR, "
                "_dropped_by_load_id VARCHAR, _repeated_in_load_id VARCHAR, _line_hash UHUGEINT)")
    con.execute("CREATE TABLE raw.ma_activities (activity_id VARCHAR, _load_id VARCHAR, "
                "_dropped_by_load_id VARCHAR, _repeated_in_load_id VARCHAR)")
    con.execute("CREATE TABLE meta.load_manifest (load_id VARCHAR)")
    con.execute("CREATE TABLE config.rules (as_of_fixed TIMESTAMP, nothing_yet INTEGER)")
    con.execute("INSERT INTO config.rules VALUES (NULL, NULL)")
    con.execute("INSERT INTO raw.ma_leads VALUES "
                "('L1', '2026-04-01 00:30:00', 'a', NULL, NULL, 340282366920938463463374607431768211455), "
                "('L2', '2026-04-02 09:00:00', 'a', NULL, NULL, 7), "
                "('L1', '2026-04-01 00:30:00', 'b', NULL, NULL, 340282366920938463463374607431768211455)")
    return con


def _files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.parquet"))}


def test_the_lake_holds_a_file_per_load_written_again_only_when_later_loads_mark_its_rows(tmp_path: Path):
    con = _warehouse(tmp_path / "w.duckdb")
    root = tmp_path / "lake"
    assert lake.write_sources(con, root) == {"raw": 4, "meta": 1, "config": 1}  # 2 loads, 2 schemas
    leads = root / "raw" / "ma_leads"
    assert sorted(p.name for p in leads.iterdir() if not p.name.startswith("_")) == \
        ["a.parquet", "b.parquet", "schema.parquet"]
    # a table with no load yet still has its columns, for Spark to read
    assert [p.name for p in (root / "raw" / "ma_activities").glob("*.parquet")] == ["schema.parquet"]
    check = duckdb.connect()
    check.execute("SET TimeZone = 'UTC'")
    rows = check.execute(f"SELECT lead_id, created_at, _line_hash FROM read_parquet('{leads}/a.parquet') "
                         "ORDER BY 1").fetchall()
    # the time as an instant (UTC), the 128-bit hash as text
    assert [(r[0], r[1].isoformat(), r[2]) for r in rows] == [
        ("L1", "2026-04-01T00:30:00+00:00", "340282366920938463463374607431768211455"),
        ("L2", "2026-04-02T09:00:00+00:00", "7")]
    before = _files(leads)

    assert lake.write_sources(con, root)["raw"] == 0  # nothing changed: nothing written
    assert _files(leads) == before

    con.execute("UPDATE raw.ma_leads SET _repeated_in_load_id = 'b' WHERE _load_id = 'a' AND lead_id = 'L1'")
    assert lake.write_sources(con, root)["raw"] == 1
    after = _files(leads)
    assert after["a.parquet"] != before["a.parquet"] and after["b.parquet"] == before["b.parquet"]
    assert check.execute(f"SELECT count(_repeated_in_load_id) FROM read_parquet('{leads}/a.parquet')"
                         ).fetchone()[0] == 1

    con.execute("DELETE FROM raw.ma_leads WHERE _load_id = 'b'")  # the load was removed
    con.execute("DROP TABLE config.rules")
    lake.write_sources(con, root)
    assert not (leads / "b.parquet").exists() and (leads / "a.parquet").exists()
    assert not (root / "config" / "rules").exists()


def test_the_engine_is_the_workspaces_setting_unless_the_command_names_one(tmp_path: Path):
    ws = Workspace(tmp_path)
    assert ws.engine() == "duckdb"
    ws.settings_file.write_text("engine: spark\n", encoding="utf-8")
    assert ws.engine() == "spark" and ws.engine("duckdb") == "duckdb"
    ws.settings_file.write_text("engine: postgres\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="'postgres' is not one of duckdb, spark"):
        ws.engine()
    ws.settings_file.write_text("engine: spark\nthreads: 8\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"workspace.yml: unknown setting\(s\) threads"):
        ws.engine()


# --- the same project on Spark -------------------------------------------------------------------

@pytest.fixture(scope="module")
def spark_workspace(demo_workspace: Path, tmp_path_factory) -> Path:
    """The demo's landing files and rules, run with `--engine spark`."""
    ws = tmp_path_factory.mktemp("spark") / "ws"
    shutil.copytree(demo_workspace / "landing", ws / "landing")
    for name in ("leadjourney.yml", "sources.yml"):
        if (demo_workspace / name).exists():
            shutil.copy(demo_workspace / name, ws / name)
    cli("run", "--workspace", str(ws), "--engine", "spark")
    return ws


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b  # exact
    return a == b


def _mart_rows(con: duckdb.DuckDBPyConnection, catalog: str, table: str, columns: list[str],
               floats: set[str]) -> list[tuple]:
    order = ", ".join(f'"{c}"' for c in sorted(columns, key=lambda c: c in floats))
    return con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in columns)} "
                       f"FROM {catalog}.marts.{table} ORDER BY {order}").fetchall()


@needs_spark
def test_every_mart_built_on_spark_equals_duckdbs(demo_workspace: Path, spark_workspace: Path):
    con = duckdb.connect()
    con.execute(f"ATTACH '{demo_workspace / 'serving.duckdb'}' AS d (READ_ONLY)")
    con.execute(f"ATTACH '{spark_workspace / 'serving.duckdb'}' AS s (READ_ONLY)")

    def tables(catalog: str) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for table, column, type_ in con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                f"WHERE table_catalog = '{catalog}' AND table_schema = 'marts'").fetchall():
            found.setdefault(table, {})[column] = type_
        return found

    duck, spark = tables("d"), tables("s")
    assert sorted(spark) == sorted(duck) and len(duck) >= 30
    assert con.execute("SELECT run_id IS NOT NULL FROM s.meta.publication").fetchone()[0]
    differing = {}
    for table, types in sorted(duck.items()):
        assert sorted(spark[table]) == sorted(types), table
        # a snapshot is dated by the run's day in the business time zone: the two runs may straddle
        # midnight, so the date is left out of the comparison
        columns = [c for c in types if not (table == "pipeline_snapshot_daily" and c == "snapshot_date")]
        floats = {c for c in columns if types[c] in ("DOUBLE", "FLOAT")}
        a, b = (_mart_rows(con, catalog, table, columns, floats) for catalog in ("d", "s"))
        assert len(a) == len(b), f"{table}: {len(a)} rows on DuckDB, {len(b)} on Spark"
        bad = [(c, x, y) for ra, rb in zip(a, b, strict=True) for c, x, y in zip(columns, ra, rb, strict=True)
               if not _same(x, y)]
        if bad:
            differing[table] = bad[:3]
    assert not differing, json.dumps(differing, default=str, indent=1)


@needs_spark
def test_the_dbt_unit_tests_pass_on_spark(spark_workspace: Path):
    done = cli("dbt", "--workspace", str(spark_workspace), "--engine", "spark",
               "test", "--select", "test_type:unit", check=False)
    results = json.loads((spark_workspace / ".dbt" / "target-spark" / "run_results.json").read_text())
    statuses = {r["unique_id"]: r["status"] for r in results["results"]
                if r["unique_id"].startswith("unit_test.")}
    assert len(statuses) >= 40 and set(statuses.values()) == {"pass"}, \
        {k: v for k, v in statuses.items() if v != "pass"} or done.stdout[-2000:]
