"""The lake: the warehouse's inputs and dbt's tables as Parquet, for an engine other than DuckDB.

With `engine: spark` one ingest serves both engines. Before dbt runs, what the dbt project reads
(its sources: raw.*, meta.*, config.*) is written from the warehouse as Parquet, which Spark
registers as tables (macro `register_lake`); dbt writes every model as Parquet beside them
(`location_root`); and the models are read back into the warehouse, so that the checks, the
publication, the dashboard, the deck and the exports work on them unchanged.

    <lake>/raw/<table>/<load_id>.parquet   the rows of one load, as the warehouse holds them now
    <lake>/raw/<table>/schema.parquet      no rows: the table's columns (Spark needs one file)
    <lake>/meta/<table>/data.parquet       the small tables, written whole
    <lake>/config/<table>/data.parquet
    <lake>/dbt/<schema>/<model>/           written by dbt on Spark

A load's file is written again only when its rows changed since it was written: a later load
marks rows of earlier ones (`_dropped_by_load_id`, `_repeated_in_load_id`); the file of a load
that was removed is deleted. The lake is `<workspace>/lake` unless $LEADJOURNEY_LAKE names
another folder (Workspace.lake).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

WHOLE_SCHEMAS = ("meta", "config")
STATE_FILE = "_loads.json"  # Spark skips files whose names start with _ or .
# What Parquet cannot carry, or Spark cannot read: the line hash (128 bits; the models only test
# it for null) and a column no row gave a type to. Timestamps (UTC) are written as instants, which
# Spark reads as its `timestamp` in the session's time zone, UTC.
TEXT_TYPES = ("UHUGEINT", "HUGEINT", '"NULL"')


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _select(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = "
        "current_database() AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table]).fetchall()
    return ", ".join(f'CAST("{name}" AS VARCHAR) AS "{name}"' if type_ in TEXT_TYPES
                     else f'timezone(\'UTC\', "{name}") AS "{name}"' if type_ == "TIMESTAMP"
                     else f'"{name}"' for name, type_ in columns)


def _write(con: duckdb.DuckDBPyConnection, query: str, path: Path, params: list | None = None) -> None:
    """COPY a query to a Parquet file, swapped in whole (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".writing")
    con.execute(f"COPY ({query}) TO {_quote(tmp)} (FORMAT parquet, COMPRESSION zstd)", params or [])
    os.replace(tmp, path)


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_type = 'BASE TABLE' ORDER BY 1", [schema]).fetchall()]


def write_sources(con: duckdb.DuckDBPyConnection, lake: Path) -> dict[str, int]:
    """Write what dbt reads into the lake; the files written, by schema (loads left as they were
    are not counted)."""
    written = {"raw": 0, **{s: 0 for s in WHOLE_SCHEMAS}}
    for table in _tables(con, "raw"):
        folder = lake / "raw" / table
        folder.mkdir(parents=True, exist_ok=True)
        select = _select(con, "raw", table)
        state_file = folder / STATE_FILE
        state = json.loads(state_file.read_text()) if state_file.exists() else {}
        if state.get("schema") != select:  # the columns changed: every file is written again
            state = {}
        # a load's rows and the marks later loads set on them
        loads = {load_id: [rows, str(marks)] for load_id, rows, marks in con.execute(
            f"SELECT _load_id, count(*), sum(hash(_dropped_by_load_id, _repeated_in_load_id)) "
            f"FROM raw.{table} GROUP BY _load_id").fetchall()}
        for load_id in sorted(set(state.get("loads", {})) - set(loads)):
            (folder / f"{load_id}.parquet").unlink(missing_ok=True)
        for load_id, digest in sorted(loads.items()):
            if state.get("loads", {}).get(load_id) != digest or not (folder / f"{load_id}.parquet").exists():
                _write(con, f"SELECT {select} FROM raw.{table} WHERE _load_id = ?",
                       folder / f"{load_id}.parquet", [load_id])
                written["raw"] += 1
        if not state or not (folder / "schema.parquet").exists():
            _write(con, f"SELECT {select} FROM raw.{table} WHERE false", folder / "schema.parquet")
            written["raw"] += 1
        state_file.write_text(json.dumps({"schema": select, "loads": loads}))
    for schema in WHOLE_SCHEMAS:
        tables = _tables(con, schema)
        for stale in (lake / schema).glob("*") if (lake / schema).is_dir() else []:
            if stale.name not in tables:
                shutil.rmtree(stale)
        for table in tables:
            _write(con, f"SELECT {_select(con, schema, table)} FROM {schema}.{table}",
                   lake / schema / table / "data.parquet")
            written[schema] += 1
    return written


def read_models(con: duckdb.DuckDBPyConnection, lake: Path, relations: list[tuple[str, str]]) -> int:
    """Replace the warehouse's dbt tables (schema, name) with what dbt wrote in the lake. Spark
    writes its session-time-zone timestamps as instants; they come back as UTC wall-clock times, as
    DuckDB's models hold them."""
    con.execute("SET TimeZone = 'UTC'")
    for schema, name in relations:
        files = lake / "dbt" / schema / name
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        # a partitioned table (an incremental one's dates) keeps its partitions in key=value folders
        con.execute(f"CREATE OR REPLACE TABLE {schema}.{name} AS SELECT * FROM "
                    f"read_parquet({_quote(files / '**' / '*.parquet')}, hive_partitioning = true)")
        zoned = [c for c, t in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = "
            "current_database() AND table_schema = ? AND table_name = ?", [schema, name]).fetchall()
            if t == "TIMESTAMP WITH TIME ZONE"]
        for column in zoned:
            con.execute(f'ALTER TABLE {schema}.{name} ALTER "{column}" TYPE TIMESTAMP')
    return len(relations)


def clear_seeds(lake: Path, manifest_path: Path) -> None:
    """Remove the seeds' folders before dbt loads them again: Spark drops a table written at a
    location of its own without its files, and a seed is inserted into the table it creates."""
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"]
    for node in nodes.values():
        if node["resource_type"] == "seed":
            shutil.rmtree(lake / "dbt" / node["schema"] / node["alias"], ignore_errors=True)


def built_relations(target_path: Path) -> list[tuple[str, str]]:
    """The tables (schema, name) the last dbt invocation built: its models and seeds that succeeded."""
    results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))["results"] \
        if (target_path / "run_results.json").exists() else []
    nodes = json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))["nodes"] \
        if results else {}
    return sorted((nodes[r["unique_id"]]["schema"], nodes[r["unique_id"]]["alias"]) for r in results
                  if r["status"] == "success" and r["unique_id"] in nodes
                  and nodes[r["unique_id"]]["resource_type"] in ("model", "seed"))


def spark_vars() -> dict:
    """What dbt on Spark is given as vars: the KPI functions (macro register_lake)."""
    from pipelines.kpi_functions import spark_functions

    return {"kpi_functions": spark_functions()}


def spark_env(ws) -> dict[str, str]:
    """What the dbt profile's `spark` target reads: the lake, the local metastore and warehouse
    folder, and the driver's memory (DuckDB's share of the machine: the two do not run at once)."""
    from pipelines.warehouse import memory_limit

    return {"LEADJOURNEY_LAKE": str(ws.lake), "LEADJOURNEY_SPARK_DIR": str(ws.spark_dir),
            "LEADJOURNEY_SPARK_MEMORY": memory_limit().lower().removesuffix("b"),
            "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
            "PYTHONWARNINGS": "ignore::FutureWarning"}  # pyspark on pandas 3: not used by dbt


def spark_missing() -> str | None:
    """Why the Spark engine cannot run here (its optional dependencies are not installed), or None."""
    from importlib.util import find_spec

    if find_spec("pyspark") is None or find_spec("dbt.adapters.spark") is None:
        return ("the Spark engine needs pyspark and dbt-spark, which the default install leaves out: "
                "install them with `uv sync --group spark`")
    return None
