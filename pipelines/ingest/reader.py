"""Read one landing file through its source mapping into canonical, typed rows.

Pure functions, no warehouse: `read_file` yields chunks of good rows and of quarantined rows, so
every data record of the file ends up in exactly one of the two (or, for trailer and blank lines,
is counted as skipped). Row problems are named by kind:

  malformed_line     the record has a different number of fields than the header
  missing_required   a required field (or every field of a required group) is empty
  unparseable_date   a date or time that matches none of the mapping's formats
  invalid_number     a number or amount that is not one
  invalid_boolean    a yes/no field with a value that is neither
  duplicate_id       (found by the loader) the record's key already occurred earlier in the file

Rows whose stage times go backwards inside the row are loaded and flagged `out_of_order`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.contract import BOOLEAN_LABELS, Extract
from pipelines.sources.mapping import SourceMapping

CHUNK_ROWS = 100_000
ENCODING_SNIFF_BYTES = 1 << 20

# Quarantine reason kinds, in the order a row's first problem is chosen.
ROW_PROBLEM_KINDS = ("malformed_line", "missing_required", "unparseable_date", "invalid_number",
                     "invalid_boolean", "duplicate_id")
QUARANTINE_SCHEMA = {
    "_line_number": pl.Int64, "_raw_text": pl.Utf8, "reason_kind": pl.Utf8,
    "reason_field": pl.Utf8, "reason": pl.Utf8,
}

_csv_field_limit_set = False


class FileRejected(Exception):
    """The whole file cannot be read with its mapping (no row is loaded)."""


@dataclass
class ReadStats:
    encoding: str = ""
    rows_read: int = 0
    rows_quarantined: int = 0
    rows_flagged: int = 0
    lines_skipped: int = 0
    missing_optional_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(path: Path, declared: str = "auto") -> str:
    """UTF-8 with BOM, UTF-8 or CP932 (Shift_JIS as Windows writes it), checked on the whole file."""
    if declared != "auto":
        return {"shift_jis": "cp932"}.get(declared, declared)
    with open(path, "rb") as fh:
        head = fh.read(3)
    if head == codecs.BOM_UTF8:
        return "utf-8-sig"
    for candidate in ("utf-8", "cp932"):
        if _decodes(path, candidate):
            return candidate
    raise FileRejected(
        f"{path}: the file is neither UTF-8 nor Shift_JIS (CP932); set `encoding:` in its mapping")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(ENCODING_SNIFF_BYTES), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class _LineTap:
    """Feeds lines to csv.reader and remembers them, so each record keeps its raw text."""

    __slots__ = ("_it", "lines")

    def __init__(self, fh):
        self._it = iter(fh)
        self.lines: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._it)
        self.lines.append(line)
        return line


def iter_records(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[str], str]]:
    """(first line number, fields, raw text) of every CSV record, header included."""
    global _csv_field_limit_set
    if not _csv_field_limit_set:
        csv.field_size_limit(1 << 24)
        _csv_field_limit_set = True
    with open(path, encoding=encoding, newline="") as fh:
        tap = _LineTap(fh)
        reader = csv.reader(tap, delimiter=delimiter)
        line_no = 1
        lines = tap.lines
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a NUL byte: the record is unreadable as CSV
                raw = "".join(lines)
                yield line_no, [f"\x00csv error: {exc}"], raw.rstrip("\r\n")
                line_no += len(lines)
                lines.clear()
                continue
            raw = "".join(lines)
            yield line_no, fields, raw.rstrip("\r\n")
            line_no += len(lines)
            lines.clear()


def _unique_header(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in header:
        name = name.strip().lstrip("\ufeff")
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def read_file(path: Path, mapping: SourceMapping, stats: ReadStats | None = None,
              chunk_rows: int = CHUNK_ROWS) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Yield (good rows, quarantined rows) per chunk. Raises FileRejected for file-level problems.

    Good rows carry the canonical fields, typed, plus `_line_number`, `_flags`, `_extra` and
    `_raw_text`; quarantined rows carry the line, raw text and reason.
    """
    stats = stats if stats is not None else ReadStats()
    extract = mapping.contract
    stats.encoding = detect_encoding(path, mapping.encoding)
    footer = re.compile(mapping.footer_pattern) if mapping.footer_pattern else None
    records = iter_records(path, stats.encoding, mapping.delimiter)
    header = None
    for _line, fields, raw in records:
        if raw.strip():
            header = _unique_header(fields)
            break
        stats.lines_skipped += 1
    if header is None:
        raise FileRejected(f"{path}: the file is empty (no header line)")
    _check_header(path, mapping, header, stats)
    width = len(header)

    good: list[tuple[int, list[str], str]] = []
    bad: list[tuple[int, str, str, str, str]] = []
    for line_no, fields, raw in records:
        if not raw.strip() or (footer is not None and footer.match(raw)):
            stats.lines_skipped += 1
            continue
        stats.rows_read += 1
        if len(fields) != width:
            bad.append((line_no, raw, "malformed_line", "",
                        f"line {line_no}: {len(fields)} fields where the header has {width}"))
        else:
            good.append((line_no, fields, raw))
        if len(good) + len(bad) >= chunk_rows:
            yield _finish_chunk(good, bad, header, mapping, extract, stats)
            good, bad = [], []
    if good or bad:
        yield _finish_chunk(good, bad, header, mapping, extract, stats)


def _check_header(path: Path, mapping: SourceMapping, header: list[str], stats: ReadStats) -> None:
    present = set(header)
    missing_required = []
    for name, spec in mapping.columns.items():
        if spec.column is None or spec.column in present:
            continue
        if name in mapping.required_fields:
            missing_required.append(f"'{spec.column}' ({name})")
        else:
            stats.missing_optional_columns.append(spec.column)
    for group in mapping.contract.required_any:
        cols = [mapping.columns[k].column for k in group if k in mapping.columns]
        if cols and not any(c in present or c is None for c in cols):
            missing_required.append(" or ".join(f"'{c}'" for c in cols) + f" ({'/'.join(group)})")
    if missing_required:
        raise FileRejected(
            f"{path}: required column(s) {', '.join(missing_required)} not found; mapping "
            f"'{mapping.name}' needs them. The file's header has: {', '.join(header)}")
    used = {spec.column for spec in mapping.columns.values() if spec.column}
    stats.extra_columns = [c for c in header if c not in used]


def _finish_chunk(good, bad, header, mapping, extract, stats) -> tuple[pl.DataFrame, pl.DataFrame]:
    quarantine = [pl.DataFrame(
        {"_line_number": [b[0] for b in bad], "_raw_text": [b[1] for b in bad],
         "reason_kind": [b[2] for b in bad], "reason_field": [b[3] for b in bad],
         "reason": [b[4] for b in bad]}, schema=QUARANTINE_SCHEMA)]
    if not good:
        stats.rows_quarantined += len(bad)
        return _empty_good(extract), quarantine[0]
    columns = list(zip(*(g[1] for g in good), strict=True))
    frame = pl.DataFrame(
        {name: pl.Series(name, values, dtype=pl.Utf8) for name, values in zip(header, columns, strict=True)})
    frame = frame.with_columns(
        pl.Series("_line_number", [g[0] for g in good], dtype=pl.Int64),
        pl.Series("_raw_text", [g[2] for g in good], dtype=pl.Utf8),
    )
    typed = map_frame(frame, mapping, extract, stats.extra_columns)
    problem = typed.filter(pl.col("reason_kind").is_not_null())
    quarantine.append(problem.select(list(QUARANTINE_SCHEMA)))
    ok = typed.filter(pl.col("reason_kind").is_null()).drop(["reason_kind", "reason_field", "reason"])
    q = pl.concat(quarantine)
    stats.rows_quarantined += q.height
    stats.rows_flagged += ok.filter(pl.col("_flags").is_not_null()).height
    return ok, q


def _empty_good(extract: Extract) -> pl.DataFrame:
    return pl.DataFrame(schema={**{f.name: _POLARS_TYPES[f.type] for f in extract.fields},
                                "_line_number": pl.Int64, "_flags": pl.Utf8, "_extra": pl.Utf8,
                                "_raw_text": pl.Utf8})


_POLARS_TYPES = {
    "string": pl.Utf8, "integer": pl.Int64, "decimal": pl.Decimal(18, 2), "boolean": pl.Boolean,
    "date": pl.Date, "timestamp": pl.Datetime("us"),
}
_INVALID_KIND = {"date": "unparseable_date", "timestamp": "unparseable_date",
                 "integer": "invalid_number", "decimal": "invalid_number",
                 "boolean": "invalid_boolean"}


def _text(expr: pl.Expr) -> pl.Expr:
    stripped = expr.str.strip_chars()
    return pl.when(stripped.str.len_chars() > 0).then(stripped).otherwise(None)


def _parse_timestamp(raw: pl.Expr, formats: list[str], timezone: str) -> pl.Expr:
    parsed = []
    for fmt in formats:
        value = raw.str.strptime(pl.Datetime("us"), fmt, strict=False, exact=True)
        if "%z" in fmt:
            value = value.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        else:
            value = (value.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
                     .dt.convert_time_zone("UTC").dt.replace_time_zone(None))
        parsed.append(value)
    return pl.coalesce(parsed)


def _typed(raw: pl.Expr, type_: str, spec, mapping: SourceMapping) -> pl.Expr:
    if type_ == "string":
        return raw
    if type_ == "integer":
        return raw.str.replace_all(",", "").cast(pl.Int64, strict=False)
    if type_ == "decimal":
        return (raw.str.replace_all(r"^[A-Z]{3}\s*|[¥￥$€,円\s]", "")
                .cast(pl.Decimal(18, 2), strict=False))
    if type_ == "boolean":
        labels = {k: v for k, v in BOOLEAN_LABELS.items()}
        return raw.str.to_lowercase().replace_strict(labels, default=None, return_dtype=pl.Boolean)
    formats = (spec.formats if spec is not None and spec.formats else None)
    if type_ == "date":
        formats = formats or mapping.date_formats
        return pl.coalesce([raw.str.strptime(pl.Date, f, strict=False, exact=True) for f in formats])
    if type_ == "timestamp":
        return _parse_timestamp(raw, formats or mapping.timestamp_formats, mapping.timezone)
    raise ValueError(type_)


def map_frame(frame: pl.DataFrame, mapping: SourceMapping, extract: Extract,
              extra_columns: list[str]) -> pl.DataFrame:
    """Apply the mapping to a frame of raw text columns; add the first problem of each row."""
    present = set(frame.columns)
    raw_exprs: dict[str, pl.Expr] = {}
    for f in extract.fields:
        spec = mapping.columns.get(f.name)
        if spec is None or (spec.column is not None and spec.column not in present):
            raw = pl.lit(None, dtype=pl.Utf8)
        elif spec.value is not None:
            raw = pl.lit(str(spec.value), dtype=pl.Utf8)
        else:
            raw = _text(pl.col(spec.column))
        if spec is not None and spec.values:
            raw = raw.replace({str(k): str(v) for k, v in spec.values.items()})
        raw_exprs[f.name] = raw
    staged = frame.with_columns(
        [raw_exprs[f.name].alias(f"__raw__{f.name}") for f in extract.fields])
    typed_exprs = [
        _typed(pl.col(f"__raw__{f.name}"), f.type, mapping.columns.get(f.name), mapping)
        .alias(f.name) for f in extract.fields]
    staged = staged.with_columns(typed_exprs)

    problems: list[tuple[pl.Expr, str, str, pl.Expr]] = []
    required = set(mapping.required_fields)
    for f in extract.fields:
        if f.name in required:
            problems.append((pl.col(f"__raw__{f.name}").is_null(), "missing_required", f.name,
                             pl.lit(f"missing_required: {_label(mapping, f.name)} is empty")))
    for group in extract.required_any:
        mask = pl.all_horizontal([pl.col(f"__raw__{k}").is_null() for k in group])
        names = " / ".join(_label(mapping, k) for k in group)
        problems.append((mask, "missing_required", "|".join(group),
                         pl.lit(f"missing_required: all of {names} are empty")))
    for kind in ("unparseable_date", "invalid_number", "invalid_boolean"):
        for f in extract.fields:
            if _INVALID_KIND.get(f.type) != kind:
                continue
            mask = pl.col(f"__raw__{f.name}").is_not_null() & pl.col(f.name).is_null()
            message = pl.format(f"{kind}: {_label(mapping, f.name)} = '{{}}'{_hint(mapping, f)}",
                                pl.col(f"__raw__{f.name}"))
            problems.append((mask, kind, f.name, message))

    if problems:
        kind_expr = pl.when(problems[0][0]).then(pl.lit(problems[0][1]))
        field_expr = pl.when(problems[0][0]).then(pl.lit(problems[0][2]))
        for mask, kind, fname, _msg in problems[1:]:
            kind_expr = kind_expr.when(mask).then(pl.lit(kind))
            field_expr = field_expr.when(mask).then(pl.lit(fname))
        message_expr = pl.concat_str(
            [pl.when(mask).then(msg) for mask, _k, _f, msg in problems],
            separator="; ", ignore_nulls=True)
        message_expr = pl.format("line {}: {}", pl.col("_line_number"), message_expr)
    else:
        kind_expr = field_expr = message_expr = pl.lit(None, dtype=pl.Utf8)

    flag_parts = []
    for earlier, later in extract.ordered:
        if earlier not in mapping.columns or later not in mapping.columns:
            continue
        a, b = pl.col(earlier), pl.col(later)
        if extract.get_field(earlier).type != extract.get_field(later).type:
            a, b = a.cast(pl.Date), b.cast(pl.Date)
        flag_parts.append(pl.when(a > b).then(pl.lit(f"out_of_order:{earlier}>{later}")))
    flags = (pl.concat_str(flag_parts, separator=",", ignore_nulls=True) if flag_parts
             else pl.lit(None, dtype=pl.Utf8))
    flags = pl.when(flags.str.len_chars() > 0).then(flags).otherwise(None)

    extras = [c for c in extra_columns if c in present]
    extra_expr = (pl.struct([_text(pl.col(c)).alias(c) for c in extras]).struct.json_encode()
                  if extras else pl.lit(None, dtype=pl.Utf8))

    return staged.select(
        [pl.col(f.name) for f in extract.fields]
        + [pl.col("_line_number"), flags.alias("_flags"), extra_expr.alias("_extra"),
           pl.col("_raw_text"), kind_expr.alias("reason_kind"), field_expr.alias("reason_field"),
           message_expr.alias("reason")])


def _label(mapping: SourceMapping, name: str) -> str:
    spec = mapping.columns.get(name)
    return f"'{spec.column}' ({name})" if spec is not None and spec.column else name


def _hint(mapping: SourceMapping, f) -> str:
    spec = mapping.columns.get(f.name)
    if f.type in ("date", "timestamp"):
        formats = (spec.formats if spec and spec.formats else
                   mapping.date_formats if f.type == "date" else mapping.timestamp_formats)
        return " matches none of " + ", ".join(formats)
    return " is not a number" if f.type in ("integer", "decimal") else " is not yes/no"
