"""Load landing files into the warehouse's raw layer, with a manifest and a quarantine.

Raw tables (`raw.<extract>`) are append-only: every version of every record, with the load id,
file name and line number it came from. Each (file, mapping) pair loads in one transaction: its
good rows into the raw table, its bad rows into `meta.quarantine`, one row into
`meta.load_manifest`. One file may feed several extracts (a contacts export gives leads and their
stage dates), each through its own mapping.

A load's identity is (content, mapping): a file whose content was loaded before with the same
mapping is skipped, so re-running over the same landing folder is a no-op; after the mapping
changed, the file loads again and the load made with the old mapping is superseded (its raw and
quarantine rows removed, its manifest row kept as `superseded`). For every load,
rows read = rows loaded + rows quarantined + rows filtered out.

A full export repeats most of the previous one line for line. Its lines that the previous full
export of the same mapping holds (the same text, by a 128-bit line hash) are held again: not
parsed, not copied, the row already there stays. The rows the new export does not hold (changed
or gone) are marked `_dropped_by_load_id`, so the rows of a mapping not dropped are always what its
newest full export holds, and the raw layer grows by what changed, not by the export's size.
Removing a full export therefore removes the later full exports of its mapping too (they hold its
rows); a run loads their files again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from pipelines.contract import DUCKDB_TYPES, EXTRACTS, META_COLUMNS, Extract, raw_table_ddl
from pipelines.ingest.reader import DateLimits, FileRejected, ReadStats, file_sha256, peek_header, read_file
from pipelines.ingest.records import HASH_COLUMNS, LINE_HASH_SCHEME, HeldLines
from pipelines.pause import pause_point
from pipelines.sources.mapping import FOLDERS, MappingError, SourceMapping, Sources, match_mappings

MANIFEST_COLUMNS = {
    "load_id": "VARCHAR PRIMARY KEY",
    "extract": "VARCHAR",
    "mapping": "VARCHAR",
    "mapping_fingerprint": "VARCHAR",  # what the mapping did: a changed mapping loads the file again
    "export_kind": "VARCHAR",          # full (a complete re-export) | incremental
    "file_name": "VARCHAR",            # path under landing/, e.g. sfa/sfa-leads-report.csv
    "sha256": "VARCHAR",
    "size_bytes": "BIGINT",
    "encoding": "VARCHAR",
    "delimiter": "VARCHAR",
    "status": "VARCHAR",               # loaded | rejected | superseded
    "rows_read": "BIGINT",
    "rows_loaded": "BIGINT",
    "rows_quarantined": "BIGINT",
    "rows_filtered": "BIGINT",         # left out by the mapping's filter
    "rows_flagged": "BIGINT",
    "records_loaded": "BIGINT",        # raw rows written (a wide stage row gives one per stage)
    "records_unchanged": "BIGINT",     # of them, versions an earlier load holds already (unchanged)
    "rows_held": "BIGINT",             # of rows loaded, lines the previous full export holds: not read again
    "line_hashes": "VARCHAR",          # the scheme of the raw rows' line hashes (LINE_HASH_SCHEME)
    "formats": "VARCHAR",              # the date formats settled on the file (JSON)
    "header": "VARCHAR",               # the file's header as read (JSON list)
    "lines_skipped": "BIGINT",         # blank lines and report trailer lines
    "extra_columns": "VARCHAR",        # export columns kept in _extra (JSON list)
    "missing_columns": "VARCHAR",      # optional mapped columns the file does not have (JSON list)
    "missing_fields": "VARCHAR",       # the canonical fields (and stage:<s>) they would fill (JSON)
    "carried_fields": "VARCHAR",       # canonical fields (and stage:<s>) the file filled (JSON list)
    "personal_columns": "VARCHAR",     # positions (from 0) of the header's personal-data columns (JSON)
    "unmapped_labels": "VARCHAR",      # {field: {label: count}} not in the mapping's values (JSON)
    "warnings": "VARCHAR",             # JSON list of sentences
    "message": "VARCHAR",
    "loaded_at": "TIMESTAMP",
    "duration_s": "DOUBLE",
}

MARK_ROWS_PER_PASS = 2_000_000  # rows of a new load compared with the earlier loads in one pass

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
  quarantined_at TIMESTAMP,
  record_key VARCHAR          -- the record's key as written, when the line gives one
)"""


@dataclass
class FileLoad:
    file_name: str
    extract: str | None
    mapping: str | None
    status: str  # loaded | unchanged | rejected | unmatched | ignored
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_flagged: int = 0
    rows_filtered: int = 0
    message: str = ""
    load_id: str | None = None
    quarantined_by_kind: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in ("rejected", "unmatched")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and meta schemas and tables; add columns a newer contract introduced."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("CREATE TABLE IF NOT EXISTS meta.load_manifest ("
                + ", ".join(f"{k} {v}" for k, v in MANIFEST_COLUMNS.items()) + ")")
    con.execute(QUARANTINE_DDL)
    wanted = {("meta", "load_manifest"): MANIFEST_COLUMNS, ("meta", "quarantine"): {"record_key": "VARCHAR"}}
    for extract in EXTRACTS.values():
        con.execute(raw_table_ddl(extract))
        wanted["raw", extract.name] = {f.name: DUCKDB_TYPES[f.type] for f in extract.fields} | META_COLUMNS
    existing = set(con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_schema IN ('raw', 'meta')").fetchall())
    for (schema, table), columns in wanted.items():
        for name, type_ in columns.items():
            if (schema, table, name) not in existing:
                con.execute(f'ALTER TABLE {schema}.{table} ADD COLUMN "{name}" '
                            f'{type_.replace(" PRIMARY KEY", "")}')


@dataclass
class LandingFile:
    path: Path
    name: str  # relative to landing/
    mappings: list[SourceMapping] = field(default_factory=list)
    error: str | None = None
    ignored: bool = False

    def mapping_for(self, extract: str) -> SourceMapping | None:
        return next((m for m in self.mappings if m.extract == extract), None)


def discover(landing: Path, sources: Sources) -> list[LandingFile]:
    """Every file under landing/{ma,sfa,crm}/ with the mappings that read it (or why none does).
    A file is matched by its name and its header; `ignore:` patterns leave files alone."""
    found = []
    for folder in FOLDERS:
        base = landing / folder
        if not base.is_dir():
            continue
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            if path.name.startswith("."):
                continue
            rel = path.relative_to(landing).as_posix()
            if sources.ignores(rel):
                found.append(LandingFile(path, rel, ignored=True))
                continue
            header = peek_header(path)
            if header is None:
                found.append(LandingFile(path, rel, error=f"landing/{rel}: the file is empty "
                                         "or has no header line"))
                continue
            try:
                matched = match_mappings(sources.mappings, folder, path.name, header)
            except MappingError as exc:
                found.append(LandingFile(path, rel, error=str(exc)))
                continue
            found.append(LandingFile(path, rel, [m for m, _fit in matched]))
    return found


def _new_load_id(extract: str, sha: str) -> str:
    return f"{extract}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{sha[:8]}"


def load_fingerprint(mapping: SourceMapping, limits: DateLimits) -> str:
    """What a load did to a file's content: its mapping and the ingest's date limits."""
    return hashlib.sha256(f"{mapping.fingerprint}|{limits.key}".encode()).hexdigest()[:16]


def load_file(con: duckdb.DuckDBPyConnection, lf: LandingFile, mapping: SourceMapping,
              progress: Callable[[str, int], None] | None = None, limits: DateLimits | None = None
              ) -> FileLoad:
    """Load one landing file through one of its mappings in one transaction."""
    extract = mapping.contract
    started = time.perf_counter()
    sha = file_sha256(lf.path)
    limits = limits or DateLimits.from_rules()
    fingerprint = load_fingerprint(mapping, limits)
    previous = con.execute(
        "SELECT load_id, rows_loaded FROM meta.load_manifest WHERE sha256 = ? AND extract = ? "
        "AND mapping_fingerprint = ? AND status = 'loaded' LIMIT 1",
        [sha, extract.name, fingerprint]).fetchone()
    if previous:
        return FileLoad(lf.name, extract.name, mapping.name, "unchanged", load_id=previous[0],
                        message=f"already loaded as {previous[0]} ({previous[1]:,} rows); "
                                "nothing new")
    load_id = _new_load_id(extract.name, sha)
    stats = ReadStats()
    con.execute("BEGIN TRANSACTION")
    try:
        held = _held_lines(con, mapping, fingerprint)
        _create_stage(con, extract)
        for good, bad in _read_ahead(read_file(lf.path, mapping, stats, limits=limits, held=held)):
            if good.height:
                _stage_rows(con, good)
            if bad.height:
                _insert_quarantine(con, bad, load_id, extract.name, lf.name)
            if progress:
                progress(lf.name, stats.rows_read)
        # the file read, nothing committed (after the reading: a file whose lines are all held has no chunk)
        pause_point("ingest.in_transaction", lf.name)
        warnings = _apply_lookups(con, mapping)
        _create_held_rows(con, mapping, held)
        duplicates = _move_duplicates_and_load(con, mapping, load_id, lf, stats.encoding)
        if mapping.export == "full":
            _drop_rows_not_held(con, mapping, load_id)
        counts = dict(con.execute(
            "SELECT reason_kind, count(*) FROM meta.quarantine WHERE load_id = ? GROUP BY 1",
            [load_id]).fetchall())
        lines, records, rows_flagged = con.execute(
            f"SELECT {_lines_sql(mapping)}, count(*), count(_flags) FROM raw.{extract.name} "
            "WHERE _load_id = ?", [load_id]).fetchone()
        held_lines, held_records, held_flagged = con.execute(
            "SELECT count(DISTINCT _line_number), count(*), count(_flags) FROM _held_rows").fetchone()
        rows_quarantined = sum(counts.values())
        rows_loaded = lines + held_lines + stats.rows_without_records
        if rows_loaded + rows_quarantined + stats.rows_filtered != stats.rows_read:
            raise RuntimeError(
                f"{lf.name}: row accounting failed: read {stats.rows_read}, loaded {rows_loaded}, "
                f"quarantined {rows_quarantined}, filtered out {stats.rows_filtered}")
        carried = stats.carried_fields
        if extract.name == "stage_events" and not mapping.stages:
            carried = carried + [f"stage:{s}" for (s,) in con.execute(
                "SELECT stage FROM raw.stage_events WHERE _load_id = ? UNION SELECT stage FROM _held_rows "
                "ORDER BY 1", [load_id]).fetchall()]
        warnings += _unmapped_warnings(stats)
        warnings += _dropped_columns_warning(con, mapping, carried, stats)
        superseded = _supersede(con, lf, extract.name, sha, fingerprint, load_id)
        unchanged = _mark_repeated(con, extract, load_id) + held_records
        records += held_records
        rows_flagged += held_flagged
        message = "; ".join(filter(None, [
            f"{duplicates} duplicate id(s)" if duplicates else "",
            f"{held_lines:,} line(s) as in the previous export, held again without reading them"
            if held_lines else "",
            f"{unchanged:,} of {records:,} record(s) unchanged since an earlier load" if unchanged else "",
            f"{stats.rows_filtered:,} row(s) left out by the mapping's filter" if stats.rows_filtered
            else "",
            f"replaces {', '.join(superseded)} (loaded with the earlier mapping)" if superseded else ""]))
        _insert_manifest(con, {
            "load_id": load_id, "extract": extract.name, "mapping": mapping.name,
            "mapping_fingerprint": fingerprint, "export_kind": mapping.export, "file_name": lf.name,
            "sha256": sha, "size_bytes": lf.path.stat().st_size, "encoding": stats.encoding,
            "delimiter": stats.delimiter, "status": "loaded", "rows_read": stats.rows_read,
            "rows_loaded": rows_loaded, "rows_quarantined": rows_quarantined,
            "rows_filtered": stats.rows_filtered, "rows_flagged": rows_flagged,
            "records_loaded": records, "records_unchanged": unchanged, "rows_held": held_lines,
            "line_hashes": LINE_HASH_SCHEME, "formats": _json(stats.formats), "header": _json(stats.header),
            "lines_skipped": stats.lines_skipped,
            "extra_columns": _json(stats.extra_columns),
            "missing_columns": _json(stats.missing_optional_columns),
            "missing_fields": _json(stats.missing_optional_fields),
            "carried_fields": _json(carried), "personal_columns": _json(stats.personal_columns),
            "unmapped_labels": _json(stats.unmapped_labels),
            "warnings": _json(warnings), "message": message,
            "duration_s": time.perf_counter() - started})
        con.execute("DROP TABLE IF EXISTS _stage")
        con.execute("DROP TABLE IF EXISTS _texts")
        con.execute("DROP TABLE IF EXISTS _held_rows")
        con.execute("COMMIT")
    except FileRejected as exc:
        con.execute("ROLLBACK")
        return _reject(con, lf, mapping, fingerprint, sha, stats, str(exc), started)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    pause_point("ingest.committed", lf.name)
    return FileLoad(lf.name, extract.name, mapping.name, "loaded", stats.rows_read, rows_loaded,
                    rows_quarantined, rows_flagged, stats.rows_filtered, message, load_id, counts,
                    warnings)


_END = object()


def _read_ahead(chunks: Iterator) -> Iterator:
    """The items of `chunks` in order, the next one read in a thread while the caller writes this
    one (polars and DuckDB release the GIL, so reading and writing overlap); the reader's errors
    are raised here."""
    it = iter(chunks)
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="read-ahead") as pool:
            pending = pool.submit(next, it, _END)
            while (item := pending.result()) is not _END:
                pending = pool.submit(next, it, _END)
                yield item
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))


def _reject(con, lf, mapping: SourceMapping, fingerprint: str, sha, stats, message, started) -> FileLoad:
    extract = mapping.extract
    load_id = _new_load_id(extract, sha)
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM meta.load_manifest WHERE sha256 = ? AND extract = ? AND status = 'rejected'",
                [sha, extract])
    _insert_manifest(con, {
        "load_id": load_id, "extract": extract, "mapping": mapping.name,
        "mapping_fingerprint": fingerprint, "export_kind": mapping.export,
        "file_name": lf.name, "sha256": sha, "size_bytes": lf.path.stat().st_size,
        "encoding": stats.encoding, "delimiter": stats.delimiter, "status": "rejected",
        "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_filtered": 0,
        "rows_flagged": 0, "records_loaded": 0, "lines_skipped": stats.lines_skipped,
        "extra_columns": _json(stats.extra_columns), "missing_columns": _json(stats.missing_optional_columns),
        "missing_fields": _json(stats.missing_optional_fields), "carried_fields": "[]",
        "unmapped_labels": "{}", "warnings": "[]", "message": message,
        "duration_s": time.perf_counter() - started})
    con.execute("COMMIT")
    return FileLoad(lf.name, extract, mapping.name, "rejected", message=message, load_id=load_id)


class RemovalRefused(Exception):
    """Loads cannot be removed: later loads that hold their rows could not be loaded again."""


def _supersede(con, lf: LandingFile, extract: str, sha: str, fingerprint: str, new_load_id: str) -> list[str]:
    """Loads of the same content into the same extract made with another mapping: remove their
    rows (the new load replaces them) and keep their manifest rows as superseded. The later full
    exports of their mapping go with them (they hold their rows) and load again from their files."""
    old = [r[0] for r in con.execute(
        "SELECT load_id FROM meta.load_manifest WHERE sha256 = ? AND extract = ? AND status = 'loaded' "
        "AND mapping_fingerprint IS DISTINCT FROM ?", [sha, extract, fingerprint]).fetchall()]
    landing = lf.path.parents[len(Path(lf.name).parts) - 1]
    for load_id in old:
        try:
            later = _remove_loads(con, EXTRACTS[extract], load_id, landing)
        except RemovalRefused as exc:
            raise FileRejected(f"{lf.name} cannot replace its load made with the earlier mapping: "
                               f"{exc}") from None
        con.execute("UPDATE meta.load_manifest SET status = 'superseded', message = "
                    "'replaced by ' || ? || ' (loaded with a changed mapping)' WHERE load_id = ?",
                    [new_load_id, load_id])
        for load in later:
            con.execute("UPDATE meta.load_manifest SET status = 'superseded', message = 'removed with ' || ? "
                        "|| ', whose rows it held; its file loads again' WHERE load_id = ?", [load_id, load])
    return old


def _remove_loads(con, extract: Extract, load_id: str, landing: Path | None) -> list[str]:
    """A load's rows and quarantine go, and with them the later full exports of its mapping, which
    hold its unchanged rows without a copy of their own (returned: their files must load again, so
    each must still be in `landing`). The rows they dropped count again; the versions they repeated
    count again, unless a later load still there holds them too (it marks them now)."""
    mapping, loaded_at = con.execute(
        "SELECT mapping, loaded_at FROM meta.load_manifest WHERE load_id = ?", [load_id]).fetchone()
    later = _later_full_exports(con, extract, load_id)
    if later:
        files = con.execute("SELECT file_name, sha256 FROM meta.load_manifest "
                            "WHERE list_contains(?, load_id) ORDER BY loaded_at", [later]).fetchall()
        gone = [name for name, sha in files if landing is None or not (landing / name).is_file()
                or file_sha256(landing / name) != sha]
        if gone:
            raise RemovalRefused(
                f"{load_id} is held by the later full export(s) of mapping '{mapping}' ({', '.join(later)}), "
                "which keep its unchanged rows without a copy of their own and go with it, to load again "
                f"from their files; {', '.join(gone)} no longer in landing/ as loaded. Put the file(s) back "
                "in landing/ first")
    removed = [load_id, *later]
    for gone_id in removed:
        con.execute(f"DELETE FROM raw.{extract.name} WHERE _load_id = ?", [gone_id])
        for column in ("_repeated_in_load_id", "_dropped_by_load_id"):
            con.execute(f"UPDATE raw.{extract.name} SET {column} = NULL WHERE {column} = ?", [gone_id])
        con.execute("DELETE FROM meta.quarantine WHERE load_id = ?", [gone_id])
    for (rest,) in con.execute(
            "SELECT load_id FROM meta.load_manifest WHERE extract = ? AND status = 'loaded' "
            "AND loaded_at > ? AND NOT list_contains(?, load_id) ORDER BY loaded_at, load_id",
            [extract.name, loaded_at, removed]).fetchall():
        _mark_repeated(con, extract, rest)
    return later


def _later_full_exports(con, extract: Extract, load_id: str) -> list[str]:
    """The full exports of the same mapping loaded after a loaded full export (none for others)."""
    return [r[0] for r in con.execute(
        "SELECT l.load_id FROM meta.load_manifest AS l JOIN meta.load_manifest AS t ON t.load_id = ? "
        "WHERE t.status = 'loaded' AND t.export_kind = 'full' AND l.extract = ? AND l.mapping = t.mapping "
        "AND l.status = 'loaded' AND l.export_kind = 'full' "
        "AND (l.loaded_at > t.loaded_at OR l.loaded_at = t.loaded_at AND l.load_id > t.load_id) "
        "ORDER BY l.loaded_at, l.load_id", [load_id, extract.name]).fetchall()]


def _mapping_loads(alias: str = "_load_id") -> str:
    """SQL: the row belongs to a loaded full export of mapping ? of extract ? (two parameters)."""
    return (f"{alias} IN (SELECT load_id FROM meta.load_manifest WHERE extract = ? AND mapping = ? "
            "AND status = 'loaded' AND export_kind = 'full')")


def _held_lines(con, mapping: SourceMapping, fingerprint: str) -> HeldLines | None:
    """The lines the previous full export of this mapping holds, when a new export of it can hold
    them again: it was loaded with the same load identity (`fingerprint`: the mapping and the date
    limits) and line-hash scheme, and no extract its lookups read has loaded since (the values
    looked up could have changed). The reader holds them only under the same header."""
    if mapping.export != "full":
        return None
    extract = mapping.contract
    previous = con.execute(
        "SELECT mapping_fingerprint, line_hashes, loaded_at, formats, header, delimiter "
        "FROM meta.load_manifest "
        "WHERE extract = ? AND mapping = ? AND status = 'loaded' AND export_kind = 'full' "
        "ORDER BY loaded_at DESC, load_id DESC LIMIT 1", [extract.name, mapping.name]).fetchall()
    previous = previous[0] if previous else None
    if previous is None or previous[0] != fingerprint or previous[1] != LINE_HASH_SCHEME:
        return None
    looked_up = sorted({spec.lookup.extract for spec in mapping.columns.values() if spec.lookup is not None})
    if looked_up and con.execute(
            "SELECT 1 FROM meta.load_manifest WHERE list_contains(?, extract) AND status = 'loaded' "
            "AND loaded_at > ? LIMIT 1", [looked_up, previous[2]]).fetchall():
        return None
    # (con.sql runs in the connection's transaction once every earlier result was fetched)
    hashes = con.sql(
        f"SELECT DISTINCT (_line_hash >> 64)::UBIGINT AS {HASH_COLUMNS[0]}, "
        f"(_line_hash & {(1 << 64) - 1}::UHUGEINT)::UBIGINT AS {HASH_COLUMNS[1]} FROM raw.{extract.name} "
        f"WHERE _dropped_by_load_id IS NULL AND _line_hash IS NOT NULL AND {_mapping_loads()}",
        params=[extract.name, mapping.name]).pl()
    return HeldLines(hashes, json.loads(previous[3] or "{}"), json.loads(previous[4] or "[]"), previous[5]) \
        if hashes.height else None


def _create_held_rows(con, mapping: SourceMapping, held: HeldLines | None) -> None:
    """_held_rows: the rows the new export holds again, with their line in its file (the key, the
    flags and, for stage events, the stage: what the load's checks and counts read)."""
    extract = mapping.contract
    keep = dict.fromkeys([*(("record_kind", "record_id") if mapping.stages else extract.key),
                          *(["stage"] if extract.name == "stage_events" else [])])
    columns = ", ".join(f'r."{c}"' for c in keep)
    matched = pl.concat(held.matched) if held is not None and held.matched else None
    if matched is None or not matched.height:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _held_rows AS SELECT NULL::BIGINT AS _line_number, "
                    f"_line_hash, {columns}, _flags FROM raw.{extract.name} AS r WHERE false")
        return
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _held_rows AS
        SELECT m._line_number, r._line_hash, {columns}, r._flags
        FROM (SELECT _line_number,
                     ({HASH_COLUMNS[0]}::UHUGEINT << 64) | {HASH_COLUMNS[1]}::UHUGEINT AS _line_hash
              FROM matched) AS m
        JOIN raw.{extract.name} AS r ON r._line_hash = m._line_hash
        WHERE r._dropped_by_load_id IS NULL AND {_mapping_loads('r._load_id')}""",
                [extract.name, mapping.name])


def _drop_rows_not_held(con, mapping: SourceMapping, load_id: str) -> None:
    """The rows of the mapping's earlier full exports this one does not hold are dropped by it:
    the rows of the mapping not dropped are what its newest full export holds."""
    con.execute(f"""
        UPDATE raw.{mapping.extract} AS r SET _dropped_by_load_id = ?
        WHERE r._dropped_by_load_id IS NULL AND r._load_id <> ? AND {_mapping_loads('r._load_id')}
            AND NOT EXISTS (SELECT 1 FROM _held_rows AS h WHERE h._line_hash = r._line_hash)""",
                [load_id, load_id, mapping.extract, mapping.name])


def _mark_repeated(con, extract: Extract, load_id: str) -> int:
    """Rows of earlier loads that this load holds again, every field the same, are marked as
    repeated in it: record_versions (dbt) ranks the versions that differ only, so a daily full
    export does not double the versions of its unchanged records. (stg_sfa__lead_versions still
    reads every row: when a status was first seen.) Returns how many of this load's records
    were unchanged."""
    if not extract.versioned or con.execute(
            f"SELECT 1 FROM raw.{extract.name} WHERE _load_id <> ? AND _repeated_in_load_id IS NULL LIMIT 1",
            [load_id]).fetchone() is None:
        return 0  # the extract's first load: nothing earlier to repeat
    same = " AND ".join(f'o."{c}" IS NOT DISTINCT FROM n."{c}"'
                        for c in [*extract.field_names, "_flags", "_extra"])
    # the join holds the new load's rows, every field: in passes of at most MARK_ROWS_PER_PASS
    # rows (split by the record key's hash), so memory stays bounded (6M activities: 2.7 GB in
    # one pass, 1.1 GB in four)
    (rows,) = con.execute(f"SELECT count(*) FROM raw.{extract.name} WHERE _load_id = ?", [load_id]).fetchone()
    passes = max(1, -(-rows // MARK_ROWS_PER_PASS))

    def in_part(alias: str, part: int) -> str:
        key = ", ".join(f'{alias}."{c}"' for c in extract.key)
        return f"hash({key}) % {passes} = {part}"

    marked = 0
    for part in range(passes):
        marked += con.execute(f"""
            UPDATE raw.{extract.name} AS o SET _repeated_in_load_id = n._load_id
            FROM (SELECT * FROM raw.{extract.name} AS n WHERE _load_id = ? AND {in_part('n', part)}) AS n
            WHERE o._repeated_in_load_id IS NULL AND o._load_id <> n._load_id AND o._loaded_at < n._loaded_at
                AND {in_part('o', part)} AND {same}""", [load_id]).fetchone()[0]
    return marked


def unload(con: duckdb.DuckDBPyConnection, target: str, landing: Path | None = None
           ) -> list[tuple[str, str, int, str | None]]:
    """Remove loads: by load id, or every load of a landing file (path under landing/, or a file
    name). Raw rows, quarantine rows and manifest rows go, and with a full export the later full
    exports of its mapping, which hold its unchanged rows (their files, which must still be in
    `landing`, load again on the next run). Returns (load id, file, raw rows, the load it went with
    or None). Raises RemovalRefused when a later export's file is gone."""
    ensure_schema(con)
    rows = con.execute(
        "SELECT load_id, extract, file_name FROM meta.load_manifest WHERE load_id = ? OR file_name = ? "
        "OR ends_with(file_name, '/' || ?) ORDER BY loaded_at", [target, target, target]).fetchall()
    removed: list[tuple[str, str, int, str | None]] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for load_id, extract, file_name in rows:
            if any(r[0] == load_id for r in removed):
                continue
            with_it = [(load_id, file_name, None)]
            with_it += [(later, name, load_id) for later, name in con.execute(
                "SELECT load_id, file_name FROM meta.load_manifest WHERE list_contains(?, load_id) "
                "ORDER BY loaded_at", [_later_full_exports(con, EXTRACTS[extract], load_id)]).fetchall()]
            counts = {lid: con.execute(f"SELECT count(*) FROM raw.{extract} WHERE _load_id = ?",
                                       [lid]).fetchone()[0] for lid, _, _ in with_it}
            _remove_loads(con, EXTRACTS[extract], load_id, landing)
            for lid, name, went_with in with_it:
                con.execute("DELETE FROM meta.load_manifest WHERE load_id = ?", [lid])
                removed.append((lid, name, counts[lid], went_with))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return removed


def _create_stage(con, extract: Extract) -> None:
    """_stage: the load's good rows as read, before the duplicate check moves them into the raw
    table in one statement (inserting each chunk into the raw table itself is slower: its row
    groups are compressed chunk by chunk, not in parallel). _texts: the raw text of the records
    the strict reader read; a line read natively is one physical line of the file, read again in
    the rare case it turns out to repeat a key, so the text of most lines never enters DuckDB."""
    cols = [f'"{f.name}" {DUCKDB_TYPES[f.type]}' for f in extract.fields]
    cols += ["_line_number BIGINT", "_flags VARCHAR", "_extra VARCHAR",
             *(f"{c} UBIGINT" for c in HASH_COLUMNS)]
    con.execute("CREATE OR REPLACE TEMP TABLE _stage (" + ", ".join(cols) + ")")
    con.execute("CREATE OR REPLACE TEMP TABLE _texts (_line_number BIGINT, _raw_text VARCHAR)")


def _stage_rows(con, good: pl.DataFrame) -> None:
    rows = good.drop("_raw_text")  # noqa: F841 - read by the SQL
    con.execute("INSERT INTO _stage BY NAME SELECT * FROM rows")
    texts = good.select("_line_number", "_raw_text", HASH_COLUMNS[0]).filter(  # noqa: F841
        pl.col(HASH_COLUMNS[0]).is_null()).drop(HASH_COLUMNS[0])
    if texts.height:
        con.execute("INSERT INTO _texts SELECT * FROM texts")


def _apply_lookups(con, mapping: SourceMapping) -> list[str]:
    """Replace looked-up values (an owner id) by the other extract's key (the user's name), from
    the latest loaded version of each record; values not found are kept and reported."""
    warnings = []
    for name, spec in mapping.columns.items():
        if spec.lookup is None:
            continue
        lk = spec.lookup
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lookup AS
            SELECT "{lk.by}" AS k, "{lk.target}" AS v FROM raw.{lk.extract}
            WHERE "{lk.by}" IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY "{lk.by}"
                                       ORDER BY _loaded_at DESC, _load_id DESC, _line_number DESC) = 1""")
        missing, distinct = con.execute(
            f'SELECT count(*), count(DISTINCT "{name}") FROM _stage WHERE "{name}" IS NOT NULL '
            f'AND "{name}" NOT IN (SELECT k FROM _lookup)').fetchone()
        con.execute(f'UPDATE _stage SET "{name}" = l.v FROM _lookup AS l WHERE _stage."{name}" = l.k')
        if missing:
            warnings.append(f"{name}: {missing:,} value(s) ({distinct:,} distinct) not found in "
                            f"{lk.extract}.{lk.by}; kept as written")
        con.execute("DROP TABLE _lookup")
    return warnings


def _dropped_columns_warning(con, mapping: SourceMapping, carried: list[str], stats: ReadStats) -> list[str]:
    """Fields the previous load of this mapping carried and this file does not (a column dropped
    from the export, or a header typo): their known values are kept, and the user is told."""
    previous = con.execute(
        "SELECT file_name, carried_fields FROM meta.load_manifest WHERE extract = ? AND mapping = ? "
        "AND status = 'loaded' ORDER BY loaded_at DESC LIMIT 1", [mapping.extract, mapping.name]).fetchone()
    if previous is None or not previous[1]:
        return []
    dropped = [f for f in json.loads(previous[1]) if f not in carried and not f.startswith("stage:")]
    if not dropped:
        return []
    extra = (f"; columns not in the mapping: {', '.join(stats.extra_columns[:5])}"
             if stats.extra_columns else "")
    return [f"{', '.join(dropped)}: carried by the previous export ({previous[0]}) but absent from this "
            "one; the values known so far are kept (an absent column is not an empty one). Check the "
            f"export's columns and the spelling of its header{extra}"]


def _unmapped_warnings(stats: ReadStats) -> list[str]:
    out = []
    for name, labels in sorted(stats.unmapped_labels.items()):
        top = sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ", ".join(f"'{label}' ×{n:,}" for label, n in top[:5])
        more = f" and {len(top) - 5} more" if len(top) > 5 else ""
        out.append(f"{name}: {sum(labels.values()):,} value(s) not in the mapping's labels or the "
                   f"canonical codes: {shown}{more}")
    return out


def _insert_quarantine(con, bad, load_id: str, extract: str, file_name: str) -> None:
    con.execute(
        "INSERT INTO meta.quarantine BY NAME SELECT ? AS load_id, ? AS extract, ? AS file_name, "
        "_line_number AS line_number, _raw_text AS raw_text, reason_kind, nullif(reason_field, '') AS "
        "reason_field, reason, (now() AT TIME ZONE 'UTC') AS quarantined_at, record_key FROM bad",
        [load_id, extract, file_name])


def _lines_sql(mapping: SourceMapping) -> str:
    """The SQL count of source lines among rows: a line is one record, except in a wide stage
    mapping (a record per stage column)."""
    return "count(DISTINCT _line_number)" if mapping.stages else "count(*)"


def _move_duplicates_and_load(con, mapping: SourceMapping, load_id: str, lf: LandingFile,
                              encoding: str) -> int:
    """Quarantine the later lines of a key seen twice in the file, load the rest. For a wide stage
    mapping the key is the record (all of a repeated record's line goes). The lines held again
    (_held_rows) count among the file's lines: a held line that repeats a key is quarantined too,
    and no longer held."""
    extract = mapping.contract
    key_fields = ("record_kind", "record_id") if mapping.stages else extract.key
    key = ", ".join(f'"{k}"' for k in key_fields)
    key_text = " || '/' || ".join(f'coalesce("{k}"::VARCHAR, \'\')' for k in key_fields)
    fields = ", ".join(f'"{f.name}"' for f in extract.fields)
    load = f"""
        INSERT INTO raw.{extract.name} ({fields}, _load_id, _file_name, _line_number, _loaded_at,
                                        _flags, _extra, _line_hash)
        SELECT {fields}, ?, ?, _line_number, (now() AT TIME ZONE 'UTC'), _flags, _extra,
               ({HASH_COLUMNS[0]}::UHUGEINT << 64) | {HASH_COLUMNS[1]}::UHUGEINT
        FROM {{source}}"""
    # A key repeats on the new lines, or on a new line and a held one. Two held lines never share
    # one: they hold distinct live rows of the mapping (a text written twice is held once), and
    # the live rows are one export's, whose repeated keys went to quarantine.
    same = " AND ".join(f's."{k}" IS NOT DISTINCT FROM r."{k}"' for k in key_fields)
    # a line is one row, except in a wide stage mapping (a row per stage: its lines are counted)
    lines = f"(SELECT DISTINCT {key}, _line_number FROM _stage)" if mapping.stages else "_stage"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _repeated AS
        SELECT {key} FROM {lines} GROUP BY ALL HAVING count(*) > 1
        UNION
        SELECT DISTINCT {", ".join(f'r."{k}"' for k in key_fields)}
        FROM _stage AS r SEMI JOIN _held_rows AS s ON {same}""")
    if con.execute("SELECT 1 FROM _repeated LIMIT 1").fetchone() is None:
        # the common case: every key once, no ranking at all
        con.execute("DROP TABLE _repeated")
        con.execute(load.format(source="_stage"), [load_id, lf.name])
        return 0
    # rank the lines of the repeated keys only (a null key repeats like any other value)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ranked AS
        SELECT *, dense_rank() OVER (PARTITION BY {key} ORDER BY _line_number) AS _rn,
               min(_line_number) OVER (PARTITION BY {key}) AS _first_line
        FROM (SELECT DISTINCT {", ".join(f's."{k}"' for k in key_fields)}, s._line_number
              FROM _stage AS s SEMI JOIN _repeated AS r ON {same}
              UNION ALL
              SELECT DISTINCT {", ".join(f's."{k}"' for k in key_fields)}, s._line_number
              FROM _held_rows AS s SEMI JOIN _repeated AS r ON {same})""")
    # the text of each line to quarantine: kept for the records the strict reader read, else its
    # physical line in the file (a line read natively or held is one record)
    unknown = [n for (n,) in con.execute(
        "SELECT DISTINCT _line_number FROM _ranked WHERE _rn > 1 AND _line_number NOT IN "
        "(SELECT _line_number FROM _texts) ORDER BY 1").fetchall()]
    read_again = _line_texts(lf.path, encoding, unknown)
    texts = pl.DataFrame({"_line_number": list(read_again), "text": list(read_again.values())},  # noqa: F841 - read by the SQL below
                         schema={"_line_number": pl.Int64, "text": pl.Utf8})
    duplicates = con.execute(f"""
        INSERT INTO meta.quarantine BY NAME
        SELECT DISTINCT ON (r._line_number) ? AS load_id, ? AS extract, ? AS file_name,
               r._line_number AS line_number, coalesce(k._raw_text, t.text) AS raw_text,
               'duplicate_id' AS reason_kind, '{"|".join(key_fields)}' AS reason_field,
               'line ' || r._line_number || ': duplicate_id: ' || {key_text}
                 || ' already on line ' || _first_line || ' of this file' AS reason,
               (now() AT TIME ZONE 'UTC') AS quarantined_at, {key_text} AS record_key
        FROM _ranked AS r
        LEFT JOIN (SELECT DISTINCT ON (_line_number) * FROM _texts) AS k ON k._line_number = r._line_number
        LEFT JOIN texts AS t ON t._line_number = r._line_number
        WHERE _rn > 1""", [load_id, extract.name, lf.name]).fetchone()[0]
    later = "(SELECT _line_number FROM _ranked WHERE _rn > 1)"
    con.execute(f"DELETE FROM _held_rows WHERE _line_number IN {later}")
    con.execute(load.format(source=f"_stage WHERE _line_number NOT IN {later}"), [load_id, lf.name])
    con.execute("DROP TABLE _ranked")
    con.execute("DROP TABLE _repeated")
    return duplicates


def _line_texts(path: Path, encoding: str, numbers: list[int]) -> dict[int, str]:
    """The text of some physical lines of a file (lines that turn out to repeat a key: few, so the
    file is scanned block by block for its line breaks, and only those lines are decoded)."""
    out: dict[int, str] = {}
    wanted = np.array(sorted(set(numbers)), dtype=np.int64)
    if not wanted.size:
        return out
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    first, tail = 1, b""  # the number of the line the block starts with; the line cut at its end
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 24), b""):
            block = tail + block
            breaks = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            starts = np.concatenate(([0], breaks + 1))
            ends = np.concatenate((breaks, [len(block)]))
            inside = wanted[(wanted >= first) & (wanted < first + len(breaks))]
            for number in inside.tolist():
                k = number - first
                out[number] = block[starts[k]:ends[k]].decode(codec).rstrip("\r")
            tail = block[starts[-1]:]
            first += len(breaks)
            if len(out) == wanted.size:
                break
    if wanted[-1] == first and first not in out and tail:
        out[first] = tail.decode(codec).rstrip("\r")
    if encoding == "utf-8-sig" and 1 in out:
        out[1] = out[1].lstrip("\ufeff")
    return out


def _insert_manifest(con, row: dict) -> None:
    names = list(row) + ["loaded_at"]
    values = ", ".join("?" for _ in row) + ", (now() AT TIME ZONE 'UTC')"
    con.execute(f"INSERT INTO meta.load_manifest ({', '.join(names)}) VALUES ({values})", list(row.values()))


def load_extract(con: duckdb.DuckDBPyConnection, files: list[LandingFile], extract: str,
                 progress: Callable[[str, int], None] | None = None, limits: DateLimits | None = None
                 ) -> list[FileLoad]:
    """Load every landing file that feeds one extract, oldest file name first."""
    ensure_schema(con)
    results = []
    for lf in files:
        mapping = lf.mapping_for(extract)
        if mapping is not None:
            results.append(load_file(con, lf, mapping, progress, limits))
    return results
