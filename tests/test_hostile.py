"""No SQL from user input (issue 13): hostile values through every entry point — the dashboard's
URL parameters, the mapping language (header names, null tokens, value labels, filters), landing
file names and the unload target — are data, never SQL: nothing raises, nothing is dropped, and
the values load (or are refused) as the text they are."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.loader import discover, ensure_schema, load_extract, unload
from pipelines.sources.mapping import load_sources
from tests.conftest import app_page, write_csv

HOSTILE = ["' OR '1'='1", "x'); DROP TABLE marts.lead_journey; --", '"; DROP TABLE meta.publication; --',
           "webinar,referral' UNION SELECT * FROM meta.load_manifest --", "<script>alert(1)</script>",
           "../../../../etc/passwd", "\x00", "%27%20OR%201=1", "2026-13", "é" * 5000]
URL_KEYS = ["channel", "campaign", "segment", "industry", "size", "region", "owner", "from", "to", "lang"]


@pytest.fixture(scope="module")
def served_copy(demo_workspace, tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("hostile") / "ws"
    ws.mkdir()
    shutil.copy(demo_workspace / "serving.duckdb", ws / "serving.duckdb")
    return ws


def _table_counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             "WHERE table_type = 'BASE TABLE' ORDER BY 1, 2").fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables}


@pytest.mark.parametrize("page", ["executive", "funnel", "bottlenecks", "weekly", "sla", "quality"])
def test_hostile_url_values_break_no_page_and_change_no_table(served_copy, monkeypatch, page):
    before = _table_counts(served_copy / "serving.duckdb")
    for value in HOSTILE:
        app_page(served_copy, page, monkeypatch, **{key: value for key in URL_KEYS})  # fails on an exception
    assert _table_counts(served_copy / "serving.duckdb") == before


HEADER = "Record ID'); DROP TABLE raw.ma_leads; --,Email,Create Date,Lifecycle Stage,Original Source"
SOURCES = """mappings:
  - name: hostile
    extract: ma_leads
    folder: ma
    files: ["*.csv"]
    null_values: ["'; DROP TABLE meta.quarantine; --"]
    columns:
      lead_id: "Record ID'); DROP TABLE raw.ma_leads; --"
      email: Email
      created_at: Create Date
      lifecycle_stage:
        column: Lifecycle Stage
        values: {"x' OR '1'='1": mql, "Lead": known}
      original_channel: Original Source
    filter:
      Lifecycle Stage: ["Lead", "x' OR '1'='1"]
"""


def test_hostile_mapping_values_and_file_names_load_as_text(tmp_path: Path):
    (tmp_path / "sources.yml").write_text(SOURCES, encoding="utf-8")
    name = "contacts'); DROP TABLE meta.load_manifest; --.csv"
    write_csv(tmp_path / "landing" / "ma" / name, "\n".join([
        HEADER,
        "1,a@x.co.jp,2026-04-01 10:00:00,x' OR '1'='1,'; DROP TABLE meta.quarantine; --",
        "2,b@x.co.jp,2026-04-01 10:00:00,Lead,\"x'); DROP TABLE raw.ma_leads; --\"",
        "3,c@x.co.jp,2026-04-01 10:00:00,Other,referral",
    ]) + "\n")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con)
    (load,) = load_extract(con, discover(tmp_path / "landing", load_sources(tmp_path / "sources.yml")),
                           "ma_leads")
    assert load.status == "loaded", load.message
    assert (load.rows_read, load.rows_loaded, load.rows_filtered) == (3, 2, 1)
    rows = con.execute("SELECT lead_id, lifecycle_stage, original_channel, _file_name FROM raw.ma_leads "
                       "ORDER BY lead_id").fetchall()
    assert rows == [("1", "mql", None, f"ma/{name}"),
                    ("2", "known", "x'); DROP TABLE raw.ma_leads; --", f"ma/{name}")]
    assert con.execute("SELECT file_name FROM meta.load_manifest").fetchone() == (f"ma/{name}",)
    for target in HOSTILE[:4] + ["%", "_"]:
        assert unload(con, target) == []
    assert con.execute("SELECT count(*) FROM raw.ma_leads").fetchone() == (2,)
    assert con.execute("SELECT count(*) FROM meta.load_manifest").fetchone() == (1,)
    con.close()
