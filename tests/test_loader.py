"""The raw layer, manifest and quarantine in a real DuckDB file."""

from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.loader import discover, ensure_schema, load_extract
from pipelines.sources.mapping import load_mappings
from tests.conftest import write_csv

HEADER = "Record ID,Email,Create Date,Last Modified Date,Lifecycle Stage,Favourite Colour\n"


@pytest.fixture()
def warehouse(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con)
    yield con
    con.close()


def load(con, landing: Path):
    return load_extract(con, discover(landing, load_mappings(None)), "ma_leads")


def test_rows_read_equal_loaded_plus_quarantined_and_rerun_is_a_no_op(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-contacts-1.csv", HEADER +
              "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,red\n"
              "2,b@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n"
              "1,a@x.co.jp,2025-04-01 10:00,2025-04-02 10:00,Lead,red\n"
              "3,c@x.co.jp,someday,2025-04-01 10:00,Lead,\n")
    (result,) = load(warehouse, landing)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert result.quarantined_by_kind == {"duplicate_id": 1, "unparseable_date": 1}
    manifest = warehouse.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, status FROM meta.load_manifest").fetchall()
    assert manifest == [(4, 2, 2, "loaded")]
    dup = warehouse.execute("SELECT line_number, reason FROM meta.quarantine "
                            "WHERE reason_kind = 'duplicate_id'").fetchall()
    assert dup == [(4, "line 4: duplicate_id: 1 already on line 2 of this file")]
    assert warehouse.execute("SELECT _extra FROM raw.ma_leads WHERE lead_id = '1'").fetchone() == (
        '{"Favourite Colour":"red"}',)
    (again,) = load(warehouse, landing)
    assert again.status == "unchanged"
    assert warehouse.execute("SELECT count(*) FROM raw.ma_leads").fetchone() == (2,)
    assert warehouse.execute("SELECT count(*) FROM meta.quarantine").fetchone() == (2,)


def test_a_re_export_adds_new_versions_and_keeps_the_old(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-contacts-1.csv",
              HEADER + "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n")
    load(warehouse, landing)
    write_csv(landing / "ma" / "hubspot-contacts-2.csv",
              HEADER + "1,a@x.co.jp,2025-04-01 10:00,2025-05-01 09:00,Marketing Qualified Lead,\n")
    results = load(warehouse, landing)
    assert [r.status for r in results] == ["unchanged", "loaded"]
    versions = warehouse.execute(
        "SELECT lifecycle_stage, _file_name FROM raw.ma_leads ORDER BY modified_at").fetchall()
    assert versions == [("lead", "ma/hubspot-contacts-1.csv"), ("mql", "ma/hubspot-contacts-2.csv")]


def test_a_rejected_file_loads_nothing_is_recorded_once_and_retried(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-contacts-1.csv", "Record ID,Email\n1,a@x.co.jp\n")
    write_csv(landing / "ma" / "hubspot-contacts-2.csv",
              HEADER + "2,b@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n")
    results = load(warehouse, landing)
    assert [r.status for r in results] == ["rejected", "loaded"]
    assert "hubspot-contacts-1.csv" in results[0].message
    assert "'Create Date' (created_at)" in results[0].message
    load(warehouse, landing)
    rows = warehouse.execute("SELECT file_name, status, rows_read FROM meta.load_manifest "
                             "ORDER BY file_name").fetchall()
    assert rows == [("ma/hubspot-contacts-1.csv", "rejected", 0),
                    ("ma/hubspot-contacts-2.csv", "loaded", 1)]
    assert warehouse.execute("SELECT count(*) FROM raw.ma_leads").fetchone() == (1,)


def test_schema_gains_columns_a_newer_contract_adds(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.ma_leads (lead_id VARCHAR)")
    ensure_schema(con)
    columns = {r[0] for r in con.execute("DESCRIBE raw.ma_leads").fetchall()}
    assert {"lead_id", "created_at", "mql_at", "_load_id", "_extra"} <= columns
