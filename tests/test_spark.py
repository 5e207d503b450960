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
from datetime import date, datetime
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


@pytest.fixture(scope="module")
def s3_server():
    """A local S3 (moto's server): the object store the lake may live on."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["folder", "s3"])
def lake_location(request, tmp_path: Path, monkeypatch) -> str:
    """The lake in a local folder, and in a bucket (`s3a://`, Spark's scheme) on a local S3."""
    if request.param == "folder":
        return str(tmp_path / "lake")
    from pyarrow import fs as pafs

    endpoint = request.getfixturevalue("s3_server")
    for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    bucket = f"lake-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    pafs.S3FileSystem(endpoint_override=endpoint, allow_bucket_creation=True).create_dir(bucket)
    return f"s3a://{bucket}/team/lake"


def _files(store: lake.Lake, *folder: str) -> dict[str, int | None]:
    """The folder's Parquet files and when each was written (a local file's; a store's objects
    carry the second only, which tells no rewrite apart)."""
    infos = store.fs.get_file_info([store.path(*folder, n) for n in store.names(*folder)])
    return {i.base_name: i.mtime_ns if store.local else None for i in infos
            if i.base_name.endswith(".parquet")}


def _parquet(store: lake.Lake, query: str, *file: str) -> list[tuple]:
    import pyarrow.parquet as pq

    check = duckdb.connect()
    check.execute("SET TimeZone = 'UTC'")
    check.register("parquet_file", pq.read_table(store.path(*file), filesystem=store.fs))
    return check.execute(query.replace("FILE", "parquet_file")).fetchall()


def test_the_lake_holds_a_file_per_load_written_again_only_when_later_loads_mark_its_rows(
        tmp_path: Path, lake_location: str):
    con = _warehouse(tmp_path / "w.duckdb")
    store = lake.Lake(lake_location)
    assert lake.write_sources(con, lake_location) == {"raw": 4, "meta": 1, "config": 1}  # 2 loads
    assert store.names("raw", "ma_leads") == [lake.STATE_FILE, "a.parquet", "b.parquet", "schema.parquet"]
    # a table with no load yet still has its columns, for Spark to read
    assert list(_files(store, "raw", "ma_activities")) == ["schema.parquet"]
    rows = _parquet(store, "SELECT lead_id, created_at, _line_hash FROM FILE ORDER BY 1",
                    "raw", "ma_leads", "a.parquet")
    # the time as an instant (UTC), the 128-bit hash as text
    assert [(r[0], r[1].isoformat(), r[2]) for r in rows] == [
        ("L1", "2026-04-01T00:30:00+00:00", "340282366920938463463374607431768211455"),
        ("L2", "2026-04-02T09:00:00+00:00", "7")]
    before = _files(store, "raw", "ma_leads")

    assert lake.write_sources(con, lake_location)["raw"] == 0  # nothing changed: nothing written
    assert _files(store, "raw", "ma_leads") == before

    con.execute("UPDATE raw.ma_leads SET _repeated_in_load_id = 'b' WHERE _load_id = 'a' AND lead_id = 'L1'")
    assert lake.write_sources(con, lake_location)["raw"] == 1
    after = _files(store, "raw", "ma_leads")
    if store.local:
        assert after["a.parquet"] != before["a.parquet"] and after["b.parquet"] == before["b.parquet"]
    assert _parquet(store, "SELECT count(_repeated_in_load_id) FROM FILE", "raw", "ma_leads",
                    "a.parquet") == [(1,)]

    con.execute("DELETE FROM raw.ma_leads WHERE _load_id = 'b'")  # the load was removed
    con.execute("DROP TABLE config.rules")
    lake.write_sources(con, lake_location)
    assert store.names("raw", "ma_leads") == [lake.STATE_FILE, "a.parquet", "schema.parquet"]
    assert store.names("config") == [] and store.names("meta") == ["load_manifest"]


def test_the_models_spark_wrote_come_back_into_the_warehouse_in_utc(tmp_path: Path, lake_location: str):
    """What Spark writes: instants (its session is UTC), a partitioned table's key in folders."""
    store = lake.Lake(lake_location)
    spark_like = duckdb.connect()
    spark_like.execute("SET TimeZone = 'Asia/Tokyo'")  # the instant is what counts, not the zone
    for partition, lead in (("2026-10-01", "L1"), ("2026-10-02", "L2")):
        store.write(spark_like, f"SELECT '{lead}' AS lead_id, TIMESTAMPTZ '2026-10-01 09:00:00+09' "
                    "AS mql_at, 12.5::DECIMAL(38,2) AS arr", None,
                    "dbt", "marts", "journey_daily", f"snapshot_date={partition}", "part-00000.parquet")
    store.write_text("", "dbt", "marts", "journey_daily", "_SUCCESS")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert lake.read_models(con, lake_location, [("marts", "journey_daily")]) == 1
    assert con.execute("SELECT lead_id, mql_at, arr, snapshot_date FROM marts.journey_daily ORDER BY 1"
                       ).fetchall() == [
        ("L1", datetime(2026, 10, 1, 0, 0), Decimal("12.50"), date(2026, 10, 1)),
        ("L2", datetime(2026, 10, 1, 0, 0), Decimal("12.50"), date(2026, 10, 2))]
    assert con.execute("SELECT data_type FROM information_schema.columns WHERE column_name = 'mql_at'"
                       ).fetchone() == ("TIMESTAMP",)
    lake.clear_seeds(lake_location, _manifest(tmp_path, ("marts", "journey_daily")))
    assert not store.exists("dbt", "marts", "journey_daily")


def _manifest(folder: Path, seed: tuple[str, str]) -> Path:
    path = folder / "manifest.json"
    path.write_text(json.dumps({"nodes": {"seed.x": {"resource_type": "seed", "schema": seed[0],
                                                     "alias": seed[1]}}}), encoding="utf-8")
    return path


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
