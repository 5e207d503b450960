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
another folder or an object-store URL (`s3a://bucket/lake`, `gs://…`, `abfss://…`; Workspace.lake),
which leadjourney reaches through pyarrow's file systems with the store's usual credentials
(AWS_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_*) and Spark through its Hadoop connectors.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
from pyarrow import fs as pafs

WHOLE_SCHEMAS = ("meta", "config")
STATE_FILE = "_loads.json"  # Spark skips files whose names start with _ or .
# What Parquet cannot carry, or Spark cannot read: the line hash (128 bits; the models only test
# it for null) and a column no row gave a type to. Timestamps (UTC) are written as instants, which
# Spark reads as its `timestamp` in the session's time zone, UTC.
TEXT_TYPES = ("UHUGEINT", "HUGEINT", '"NULL"')


class Lake:
    """The lake's storage: a local folder, or an object store through pyarrow's file systems.
    Paths inside it are relative, `/`-separated (`raw/ma_leads/<load_id>.parquet`)."""

    def __init__(self, location: str | Path):
        self.location = str(location)
        scheme, _, rest = self.location.partition("://")
        if rest and scheme != "file":
            # Spark's Hadoop schemes for S3 are s3a (s3n of old); pyarrow's is s3
            url = ("s3" if scheme in ("s3a", "s3n") else scheme) + "://" + rest
            self.fs, self.root = pafs.FileSystem.from_uri(url)
            self.root = self.root.rstrip("/")
            self.local = False
        else:
            self.fs, self.root = pafs.LocalFileSystem(), str(Path(rest or self.location).resolve())
            self.local = True

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def exists(self, *parts: str) -> bool:
        return self.fs.get_file_info(self.path(*parts)).type != pafs.FileType.NotFound

    def names(self, *parts: str) -> list[str]:
        """What a folder holds (files and folders), by name; none if it does not exist."""
        selector = pafs.FileSelector(self.path(*parts), allow_not_found=True)
        return sorted(info.base_name for info in self.fs.get_file_info(selector))

    def read_text(self, *parts: str) -> str | None:
        if not self.exists(*parts):
            return None
        with self.fs.open_input_stream(self.path(*parts)) as stream:
            return stream.read().decode("utf-8")

    def write_text(self, text: str, *parts: str) -> None:
        self.fs.create_dir(self.path(*parts[:-1]), recursive=True)
        with self.fs.open_output_stream(self.path(*parts)) as stream:
            stream.write(text.encode("utf-8"))

    def delete(self, *parts: str) -> None:
        """Delete a file or a folder with what it holds; nothing if it does not exist."""
        info = self.fs.get_file_info(self.path(*parts))
        if info.type == pafs.FileType.Directory:
            self.fs.delete_dir(info.path)
        elif info.type == pafs.FileType.File:
            self.fs.delete_file(info.path)

    def write(self, con: duckdb.DuckDBPyConnection, query: str, params: list | None, *parts: str) -> None:
        """COPY a query to a Parquet file in the lake, swapped in whole (a reader never sees half
        of it): renamed into place in a folder, uploaded as one object to a store."""
        if self.local:
            target = Path(self.path(*parts))
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name("." + target.name + ".writing")
            _copy(con, query, params, tmp)
            os.replace(tmp, target)
            return
        with tempfile.TemporaryDirectory(prefix="leadjourney-lake-") as folder:
            tmp = Path(folder) / parts[-1]
            _copy(con, query, params, tmp)
            self.fs.create_dir(self.path(*parts[:-1]), recursive=True)
            pafs.copy_files(str(tmp), self.path(*parts), destination_filesystem=self.fs)

    def local_folder(self, *parts: str, scratch: str) -> Path:
        """A local folder holding what the lake's folder holds: the folder itself, or a copy of the
        store's in the scratch folder."""
        if self.local:
            return Path(self.path(*parts))
        copy = Path(scratch, *parts)
        if self.exists(*parts):
            pafs.copy_files(self.path(*parts), str(copy), source_filesystem=self.fs)
        return copy


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _copy(con: duckdb.DuckDBPyConnection, query: str, params: list | None, path: Path) -> None:
    con.execute(f"COPY ({query}) TO {_quote(path)} (FORMAT parquet, COMPRESSION zstd)", params or [])


def _select(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = "
        "current_database() AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table]).fetchall()
    return ", ".join(f'CAST("{name}" AS VARCHAR) AS "{name}"' if type_ in TEXT_TYPES
                     else f'timezone(\'UTC\', "{name}") AS "{name}"' if type_ == "TIMESTAMP"
                     else f'"{name}"' for name, type_ in columns)


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_type = 'BASE TABLE' ORDER BY 1", [schema]).fetchall()]


def write_sources(con: duckdb.DuckDBPyConnection, location: str | Path) -> dict[str, int]:
    """Write what dbt reads into the lake; the files written, by schema (loads left as they were
    are not counted)."""
    lake = Lake(location)
    written = {"raw": 0, **{s: 0 for s in WHOLE_SCHEMAS}}
    for table in _tables(con, "raw"):
        select = _select(con, "raw", table)
        state = json.loads(lake.read_text("raw", table, STATE_FILE) or "{}")
        if state.get("schema") != select:  # the columns changed: every file is written again
            state = {}
        present = set(lake.names("raw", table))
        # a load's rows and the marks later loads set on them
        loads = {load_id: [rows, str(marks)] for load_id, rows, marks in con.execute(
            f"SELECT _load_id, count(*), sum(hash(_dropped_by_load_id, _repeated_in_load_id)) "
            f"FROM raw.{table} GROUP BY _load_id").fetchall()}
        for load_id in sorted(set(state.get("loads", {})) - set(loads)):
            lake.delete("raw", table, f"{load_id}.parquet")
        for load_id, digest in sorted(loads.items()):
            if state.get("loads", {}).get(load_id) != digest or f"{load_id}.parquet" not in present:
                lake.write(con, f"SELECT {select} FROM raw.{table} WHERE _load_id = ?", [load_id],
                           "raw", table, f"{load_id}.parquet")
                written["raw"] += 1
        if not state or "schema.parquet" not in present:
            lake.write(con, f"SELECT {select} FROM raw.{table} WHERE false", None,
                       "raw", table, "schema.parquet")
            written["raw"] += 1
        lake.write_text(json.dumps({"schema": select, "loads": loads}), "raw", table, STATE_FILE)
    for schema in WHOLE_SCHEMAS:
        tables = _tables(con, schema)
        for stale in set(lake.names(schema)) - set(tables):
            lake.delete(schema, stale)
        for table in tables:
            lake.write(con, f"SELECT {_select(con, schema, table)} FROM {schema}.{table}", None,
                       schema, table, "data.parquet")
            written[schema] += 1
    return written


def read_models(con: duckdb.DuckDBPyConnection, location: str | Path,
                relations: list[tuple[str, str]]) -> int:
    """Replace the warehouse's dbt tables (schema, name) with what dbt wrote in the lake. Spark
    writes its session-time-zone timestamps as instants; they come back as UTC wall-clock times, as
    DuckDB's models hold them."""
    lake = Lake(location)
    con.execute("SET TimeZone = 'UTC'")
    with tempfile.TemporaryDirectory(prefix="leadjourney-lake-") as scratch:
        for schema, name in relations:
            files = lake.local_folder("dbt", schema, name, scratch=scratch)
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
            if not lake.local:
                shutil.rmtree(files)  # one model's copy at a time
    return len(relations)


def clear_seeds(location: str | Path, manifest_path: Path) -> None:
    """Remove the seeds' folders before dbt loads them again: Spark drops a table written at a
    location of its own without its files, and a seed is inserted into the table it creates."""
    lake = Lake(location)
    nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"]
    for node in nodes.values():
        if node["resource_type"] == "seed":
            lake.delete("dbt", node["schema"], node["alias"])


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
