"""`leadjourney inspect FILE`: how one export would load, before it does."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from pathlib import Path

import polars as pl

from pipelines.ingest.reader import DateLimits, FileRejected, ReadStats, open_records, peek_header, read_file
from pipelines.sources.mapping import FOLDERS, MappingError, Sources, match_mappings
from pipelines.workspace import Workspace


def _folder_of(path: Path, ws: Workspace) -> str | None:
    try:
        rel = path.resolve().relative_to(ws.landing)
    except ValueError:
        return None
    return rel.parts[0] if rel.parts and rel.parts[0] in FOLDERS else None


def inspect_file(path: Path, ws: Workspace, sources: Sources, rows: int, echo: Callable[[str], None]) -> bool:
    """Print what the reader sees and what each fitting mapping makes of the first rows; False
    when no mapping fits or the file cannot be read."""
    stats = ReadStats()
    try:
        records = open_records(path, None, stats)
        next(islice(records, 0, None), None)
    except FileRejected as exc:
        echo(f"{path}: cannot be read: {exc}")
        return False
    header = peek_header(path) or []
    echo(f"file:      {path}")
    echo(f"encoding:  {stats.encoding}" + (f"   delimiter: {stats.delimiter!r}" if stats.delimiter else ""))
    echo(f"header:    {len(header)} columns: {', '.join(header)}")
    folder = _folder_of(path, ws)
    folders = [folder] if folder else list(FOLDERS)
    matched, errors = [], []
    for f in folders:
        try:
            matched += [(f, m) for m, _ in match_mappings(sources.mappings, f, path.name, header)]
        except MappingError as exc:
            errors.append(str(exc))
    if not matched:
        echo("")
        echo(errors[0] if errors else "no mapping fits")
        return False
    ok = True
    for f, mapping in matched:
        echo("")
        where = "" if folder else f" (when dropped into landing/{f}/)"
        echo(f"mapping:   {mapping.name} -> {mapping.extract}{where}"
             + (f"  ({mapping.description})" if mapping.description else ""))
        read_stats = ReadStats()
        try:
            good, bad = next(read_file(path, mapping, read_stats, chunk_rows=max(rows, 50),
                                       limits=DateLimits.from_rules(ws.rules())),
                             (pl.DataFrame(), pl.DataFrame()))
        except FileRejected as exc:
            echo(f"  rejected: {exc}")
            ok = False
            continue
        echo(f"  fields filled:   {', '.join(read_stats.carried_fields)}")
        if read_stats.missing_optional_columns:
            echo(f"  columns absent:  {', '.join(read_stats.missing_optional_columns)}")
        if read_stats.extra_columns:
            echo(f"  columns unmapped (kept in _extra): {', '.join(read_stats.extra_columns)}")
        for name, labels in read_stats.unmapped_labels.items():
            shown = ", ".join(f"{k!r} x{v}" for k, v in sorted(labels.items(), key=lambda kv: -kv[1])[:8])
            echo(f"  labels not in the mapping ({name}): {shown}")
        if read_stats.rows_filtered:
            echo(f"  rows left out by the filter: {read_stats.rows_filtered}")
        if good.height:
            shown = good.drop([c for c in ("_raw_text", "_extra") if c in good.columns]).head(rows)
            shown = shown.select([c for c in shown.columns if shown[c].null_count() < shown.height])
            with pl.Config(tbl_rows=rows, tbl_cols=-1, fmt_str_lengths=40, tbl_width_chars=200):
                echo(f"  first {min(rows, good.height)} row(s), typed (times in UTC):")
                echo(str(shown))
        if bad.height:
            echo("  rows that would be quarantined:")
            for (reason,) in bad.select("reason").head(rows).iter_rows():
                echo(f"    {reason}")
    return ok
