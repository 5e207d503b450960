"""Load landing files into the warehouse's raw layer, with a manifest and a quarantine.

Raw tables (`raw.<extract>`) are append-only: every version of every record, with the load id,
file name and line number it came from. Each file loads in one transaction: its good rows into
the raw table, its bad rows into `meta.quarantine`, one row into `meta.load_manifest`. A file whose
content (SHA-256) was loaded before is skipped, so re-running over the same landing folder is a
no-op. For every loaded file, rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.contract import DUCKDB_TYPES, EXTRACTS, META_COLUMNS, Extract, raw_table_ddl
from pipelines.ingest.reader import FileRejected, ReadStats, file_sha256, read_file
from pipelines.sources.mapping import FOLDERS, MappingError, SourceMapping, match_mapping

MANIFEST_DDL = """
CREATE TABLE IF NOT EXISTS meta.load_manifest (
  load_id VARCHAR PRIMARY KEY,
  extract VARCHAR,
  mapping VARCHAR,
  file_name VARCHAR,          -- path under landing/, e.g. sfa/sfa-leads-report.csv
  sha256 VARCHAR,
  size_bytes BIGINT,
  encoding VARCHAR,
  status VARCHAR,             -- loaded | rejected
  rows_read BIGINT,
  rows_loaded BIGINT,
  rows_quarantined BIGINT,
  rows_flagged BIGINT,
  lines_skipped BIGINT,       -- blank lines and report trailer lines
  extra_columns VARCHAR,      -- export columns kept in _extra (JSON list)
  missing_columns VARCHAR,    -- optional mapped columns the file does not have (JSON list)
  message VARCHAR,
  loaded_at TIMESTAMP,
  duration_s DOUBLE
)"""

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS meta.quarantine (
  load_id VARCHAR,
  extract VARCHAR,
  file_name VARCHAR,
  line_number BIGINT,
  raw_text VARCHAR,
  reason_kind VARCHAR,
  reason_field VARCHAR,
  reason VARCHAR,
  quarantined_at TIMESTAMP
)"""


@dataclass
class FileLoad:
    file_name: str
    extract: str | None
    mapping: str | None
    status: str  # loaded | unchanged | rejected | unmatched
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_flagged: int = 0
    message: str = ""
    load_id: str | None = None
    quarantined_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status in ("rejected", "unmatched")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and meta schemas and tables; add columns a newer contract introduced."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(MANIFEST_DDL)
    con.execute(QUARANTINE_DDL)
    for extract in EXTRACTS.values():
        con.execute(raw_table_ddl(extract))
        existing = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ?", [extract.name]).fetchall()}
        wanted = {f.name: DUCKDB_TYPES[f.type] for f in extract.fields} | META_COLUMNS
        for name, type_ in wanted.items():
            if name not in existing:
                con.execute(f'ALTER TABLE raw.{extract.name} ADD COLUMN "{name}" {type_}')


@dataclass
class LandingFile:
    path: Path
    name: str  # relative to landing/
    mapping: SourceMapping | None
    error: str | None = None


def discover(landing: Path, mappings: list[SourceMapping]) -> list[LandingFile]:
    """Every file under landing/{ma,sfa,crm}/ with the mapping that reads it (or why none does)."""
    found = []
    for folder in FOLDERS:
        base = landing / folder
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            if path.name.startswith("."):
                continue
            rel = path.relative_to(landing).as_posix()
            try:
                found.append(LandingFile(path, rel, match_mapping(mappings, folder, path.name)))
            except MappingError as exc:
                found.append(LandingFile(path, rel, None, str(exc)))
    return found


def _new_load_id(extract: str, sha: str) -> str:
    return f"{extract}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{sha[:8]}"


def load_file(con: duckdb.DuckDBPyConnection, lf: LandingFile,
              progress: Callable[[str, int], None] | None = None) -> FileLoad:
    """Load one landing file (already matched to its mapping) in one transaction."""
    mapping = lf.mapping
    assert mapping is not None
    extract = mapping.contract
    started = time.perf_counter()
    sha = file_sha256(lf.path)
    previous = con.execute(
        "SELECT load_id FROM meta.load_manifest WHERE sha256 = ? AND status = 'loaded' LIMIT 1",
        [sha]).fetchone()
    if previous:
        return FileLoad(lf.name, extract.name, mapping.name, "unchanged", load_id=previous[0],
                        message=f"already loaded as {previous[0]}")
    load_id = _new_load_id(extract.name, sha)
    stats = ReadStats()
    con.execute("BEGIN TRANSACTION")
    try:
        _create_stage(con, extract)
        for good, bad in read_file(lf.path, mapping, stats):
            if good.height:
                con.execute("INSERT INTO _stage BY NAME SELECT * FROM good")
            if bad.height:
                _insert_quarantine(con, bad, load_id, extract.name, lf.name)
            if progress:
                progress(lf.name, stats.rows_read)
        duplicates = _move_duplicates_and_load(con, extract, load_id, lf.name)
        counts = dict(con.execute(
            "SELECT reason_kind, count(*) FROM meta.quarantine WHERE load_id = ? GROUP BY 1",
            [load_id]).fetchall())
        rows_loaded, rows_flagged = con.execute(
            f"SELECT count(*), count(_flags) FROM raw.{extract.name} WHERE _load_id = ?",
            [load_id]).fetchone()
        rows_quarantined = sum(counts.values())
        if rows_loaded + rows_quarantined != stats.rows_read:
            raise RuntimeError(
                f"{lf.name}: row accounting failed: read {stats.rows_read}, loaded {rows_loaded}, "
                f"quarantined {rows_quarantined}")
        message = (f"{duplicates} duplicate id(s)" if duplicates else "")
        _insert_manifest(con, load_id, extract.name, mapping.name, lf, sha, stats, "loaded",
                         rows_loaded, rows_quarantined, rows_flagged, message,
                         time.perf_counter() - started)
        con.execute("DROP TABLE IF EXISTS _stage")
        con.execute("COMMIT")
    except FileRejected as exc:
        con.execute("ROLLBACK")
        return _reject(con, lf, extract, mapping, sha, stats, str(exc), started)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return FileLoad(lf.name, extract.name, mapping.name, "loaded", stats.rows_read, rows_loaded,
                    rows_quarantined, rows_flagged, message, load_id, counts)


def _reject(con, lf, extract, mapping, sha, stats, message, started) -> FileLoad:
    load_id = _new_load_id(extract.name, sha)
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM meta.load_manifest WHERE sha256 = ? AND status = 'rejected'", [sha])
    _insert_manifest(con, load_id, extract.name, mapping.name, lf, sha, stats, "rejected",
                     0, 0, 0, message, time.perf_counter() - started)
    con.execute("COMMIT")
    return FileLoad(lf.name, extract.name, mapping.name, "rejected", message=message,
                    load_id=load_id)


def _create_stage(con, extract: Extract) -> None:
    cols = [f'"{f.name}" {DUCKDB_TYPES[f.type]}' for f in extract.fields]
    cols += ["_line_number BIGINT", "_flags VARCHAR", "_extra VARCHAR", "_raw_text VARCHAR"]
    con.execute("CREATE OR REPLACE TEMP TABLE _stage (" + ", ".join(cols) + ")")


def _insert_quarantine(con, bad, load_id: str, extract: str, file_name: str) -> None:
    con.execute(
        "INSERT INTO meta.quarantine SELECT ?, ?, ?, _line_number, _raw_text, reason_kind, "
        "nullif(reason_field, ''), reason, (now() AT TIME ZONE 'UTC') FROM bad",
        [load_id, extract, file_name])


def _move_duplicates_and_load(con, extract: Extract, load_id: str, file_name: str) -> int:
    key = ", ".join(f'"{k}"' for k in extract.key)
    key_text = " || '/' || ".join(f'coalesce("{k}"::VARCHAR, \'\')' for k in extract.key)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ranked AS
        SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY _line_number) AS _rn,
               min(_line_number) OVER (PARTITION BY {key}) AS _first_line
        FROM _stage""")
    duplicates = con.execute(f"""
        INSERT INTO meta.quarantine
        SELECT ?, ?, ?, _line_number, _raw_text, 'duplicate_id', '{"|".join(extract.key)}',
               'line ' || _line_number || ': duplicate_id: ' || {key_text}
                 || ' already on line ' || _first_line || ' of this file',
               (now() AT TIME ZONE 'UTC')
        FROM _ranked WHERE _rn > 1""", [load_id, extract.name, file_name]).fetchone()[0]
    fields = ", ".join(f'"{f.name}"' for f in extract.fields)
    con.execute(f"""
        INSERT INTO raw.{extract.name} ({fields}, _load_id, _file_name, _line_number, _loaded_at,
                                        _flags, _extra)
        SELECT {fields}, ?, ?, _line_number, (now() AT TIME ZONE 'UTC'), _flags, _extra
        FROM _ranked WHERE _rn = 1""", [load_id, file_name])
    con.execute("DROP TABLE _ranked")
    return duplicates


def _insert_manifest(con, load_id, extract, mapping, lf: LandingFile, sha, stats: ReadStats,
                     status, rows_loaded, rows_quarantined, rows_flagged, message, duration):
    import json

    con.execute(
        "INSERT INTO meta.load_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "(now() AT TIME ZONE 'UTC'), ?)",
        [load_id, extract, mapping, lf.name, sha, lf.path.stat().st_size, stats.encoding, status,
         stats.rows_read if status == "loaded" else 0, rows_loaded, rows_quarantined, rows_flagged,
         stats.lines_skipped, json.dumps(stats.extra_columns, ensure_ascii=False),
         json.dumps(stats.missing_optional_columns, ensure_ascii=False), message, duration])


def load_extract(con: duckdb.DuckDBPyConnection, files: list[LandingFile], extract: str,
                 progress: Callable[[str, int], None] | None = None) -> list[FileLoad]:
    """Load every landing file of one extract, oldest file name first."""
    ensure_schema(con)
    results = []
    for lf in files:
        if lf.mapping is not None and lf.mapping.extract == extract:
            results.append(load_file(con, lf, progress))
    return results
