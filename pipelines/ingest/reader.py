"""Read one landing file through its source mapping into canonical, typed rows.

Pure functions, no warehouse: `read_file` yields chunks of good rows and of quarantined rows, so
every data record of the file ends up in exactly one of the two, or is counted as skipped
(blank and report-trailer lines) or filtered out (rows the mapping's `filter` leaves out). Row
problems are named by kind:

  malformed_line     the record has a different number of fields than the header
  missing_required   a required field (or every field of a required group) is empty
  invalid_text       a NUL byte in a text, or a control character in a key
  unparseable_date   a date or time that matches none of the mapping's formats
  implausible_date   a date or time before ingest.earliest_date, or too far after the load
                     (ingest.future_margin_days; planned dates ingest.planned_future_years)
  invalid_number     a number or amount that is not one
  out_of_range       an amount of AMOUNT_LIMIT or more
  invalid_boolean    a yes/no field with a value that is neither
  duplicate_id       (found by the loader) the record's key already occurred earlier in the file

File-level problems reject the whole file (`FileRejected`) with a message naming it: an encoding
that cannot be told with certainty, a missing required column, date values that read equally
well in two orders (01/02 as 1 February and 2 January). Rows whose stage times go backwards
inside the row are loaded and flagged `out_of_order`. All typing is vectorised in polars.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from pipelines.contract import AMOUNT_LIMIT, BOOLEAN_LABELS, PERSONAL_FIELDS, Extract
from pipelines.ingest.records import BROKEN, HASH_COLUMNS, HeldLines, RecordShape, iter_records, native_body
from pipelines.sources.mapping import DELIMITERS, ColumnSpec, HeaderFit, SourceMapping

CHUNK_ROWS = 100_000
ENCODING_SNIFF_BYTES = 1 << 20
HEADER_PEEK_BYTES = 1 << 16
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# How an Excel date cell reads as text (fastexcel); added to a mapping's formats for workbooks.
EXCEL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d")

# Quarantine reason kinds, in the order a row's first problem is chosen.
ROW_PROBLEM_KINDS = ("malformed_line", "missing_required", "invalid_text", "unparseable_date",
                     "implausible_date", "invalid_number", "out_of_range", "invalid_boolean", "duplicate_id")
QUARANTINE_SCHEMA = {
    "_line_number": pl.Int64, "_raw_text": pl.Utf8, "reason_kind": pl.Utf8,
    "reason_field": pl.Utf8, "reason": pl.Utf8, "record_key": pl.Utf8,
}

@dataclass(frozen=True)
class DateLimits:
    """The dates a load accepts (the rules file's ingest section); `now` is the load's clock."""

    earliest: date
    future_margin_days: float
    planned_future_years: int
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))

    @classmethod
    def from_rules(cls, rules=None) -> DateLimits:
        """From a workspace's rules, or the built-in defaults (the rules file's, not copied here)."""
        if rules is None:
            return _default_limits()
        return cls(rules.ingest.earliest_date, rules.ingest.future_margin_days,
                   rules.ingest.planned_future_years)

    @property
    def key(self) -> str:
        """What changes the quarantine (part of a load's identity); the clock is not."""
        return f"{self.earliest}|{self.future_margin_days}|{self.planned_future_years}"

    def latest(self, planned: bool) -> datetime:
        if planned:  # the whole last day of that year
            return datetime(self.now.year + self.planned_future_years, 12, 31, 23, 59, 59, 999999)
        return self.now + timedelta(days=self.future_margin_days)


def _default_limits() -> DateLimits:
    """The rules file's defaults, read once a process."""
    global _DEFAULT_LIMITS
    if _DEFAULT_LIMITS is None:
        from pipelines.rules import load_rules

        _DEFAULT_LIMITS = DateLimits.from_rules(load_rules())
    return replace(_DEFAULT_LIMITS, now=datetime.now(UTC).replace(tzinfo=None))


_DEFAULT_LIMITS: DateLimits | None = None


class FileRejected(Exception):
    """The whole file cannot be read with its mapping (no row is loaded)."""


@dataclass
class ReadStats:
    encoding: str = ""
    delimiter: str = ""
    rows_read: int = 0
    rows_quarantined: int = 0
    rows_flagged: int = 0
    rows_filtered: int = 0          # left out by the mapping's filter
    rows_without_records: int = 0   # accepted rows that hold no record (a wide row with no date)
    lines_skipped: int = 0
    header: list[str] = field(default_factory=list)
    missing_optional_columns: list[str] = field(default_factory=list)
    missing_optional_fields: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    carried_fields: list[str] = field(default_factory=list)
    personal_columns: list[int] = field(default_factory=list)  # header positions of personal data
    unmapped_labels: dict[str, dict[str, int]] = field(default_factory=dict)
    formats: dict[str, list[str]] = field(default_factory=dict)  # the date formats settled on the file


def file_sha256(path: Path) -> str:
    """The file's SHA-256, computed once a process for a given size and modification time."""
    st = Path(path).stat()
    return _sha256(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _sha256(path: str, _size: int, _mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- encodings -----------------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# What a file that is neither UTF-8 nor plausible CP932 most likely is.
_FALLBACK_CANDIDATES = ("cp1252", "latin-1", "cp932", "utf-16")


def _bom_encoding(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def _valid_utf8(path: Path) -> bool:
    """The whole file is UTF-8, checked natively (polars) in blocks cut after a line break."""
    def valid(data: bytes) -> bool:
        try:
            pl.Series([data], dtype=pl.Binary).cast(pl.String)
        except pl.exceptions.ComputeError:
            return False
        return True

    tail = b""
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(ENCODING_SNIFF_BYTES << 4), b""):
            block = tail + block
            cut = block.rfind(b"\n") + 1
            block, tail = block[:cut], block[cut:]
            if not valid(block):
                return False
    return valid(tail)


def _decode_problem(path: Path, encoding: str, plausible=None) -> str | None:
    """None when the whole file decodes (and `plausible` finds nothing odd), else where it fails."""
    if encoding == "utf-8" and plausible is None and _valid_utf8(path):
        return None  # else decoded below, to say where it fails
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, line = 0, 1
    carry = ""
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(ENCODING_SNIFF_BYTES), b""):
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError as exc:
                    at = offset + exc.start
                    line += block[:exc.start].count(b"\n")
                    return f"byte {at} (line {line}) is {block[exc.start:exc.start + 4]!r}: {exc.reason}"
                except UnicodeError as exc:  # e.g. UTF-16 without a byte-order mark
                    return str(exc)
                if plausible is not None:
                    odd = plausible(carry + text)
                    if odd:
                        return odd
                    carry = text[-2:]
                offset += len(block)
                line += block.count(b"\n")
            decoder.decode(b"", final=True)
    except UnicodeError as exc:
        return f"the file ends inside a character ({exc})"
    return None


@functools.cache
def _cp932_odd() -> str:
    """Characters a Latin-1 / CP1252 text turns into when read as CP932: half-width katakana
    (from A-grave .. sharp-s), rare level-2 and extension kanji (from accented lower-case letters
    followed by an ASCII letter)."""
    rare = set()
    for lead in [*range(0x98, 0xA0), *range(0xE0, 0xFD)]:
        for trail in [*range(0x40, 0x7F), *range(0x80, 0xFD)]:
            if lead == 0x98 and trail < 0x9F:
                continue  # the end of level 1
            try:
                rare.add(bytes([lead, trail]).decode("cp932"))
            except UnicodeDecodeError:
                pass
    return "".join(sorted(rare)) + "".join(chr(c) for c in range(0xFF61, 0xFFA0))


@functools.cache
def _cp932_misreadings() -> re.Pattern:
    """Those characters, user-defined (private-use) characters and replacements."""
    return re.compile(f"[\ue000-\uf8ff\ufffd]|[A-Za-z][{re.escape(_cp932_odd())}]{{1,2}}[A-Za-z]")


@functools.cache
def _cp932_misreadings_native() -> str:
    """The same pattern for polars (its characters are none ASCII: none needs an escape)."""
    return f"[\\x{{e000}}-\\x{{f8ff}}\\x{{fffd}}]|[A-Za-z][{_cp932_odd()}]{{1,2}}[A-Za-z]"


def _cp932_looks_wrong(text: str) -> str | None:
    # searched natively line by line; the match is named by Python's search (only when there is one)
    if not pl.Series([text]).str.split("\n").explode().str.contains(_cp932_misreadings_native()).any():
        return None
    match = _cp932_misreadings().search(text)
    return (f"read as CP932 it gives {match.group(0)!r}, characters a Latin-1 or Windows-1252 "
            "text turns into")


def detect_encoding(path: Path, declared: str = "auto") -> str:
    """The file's encoding, checked on the whole file. `auto` accepts a BOM (UTF-8, UTF-16,
    UTF-32), UTF-8, or CP932 (Shift_JIS as Windows writes it) that reads plausibly; anything else
    is refused, naming the encodings the file does decode as."""
    if declared != "auto":
        codec = codecs.lookup(declared).name
        if codec in ("shift_jis", "shift-jis"):
            codec = "cp932"
        problem = _decode_problem(path, codec)
        if problem:
            raise FileRejected(f"{path}: not valid {declared} as its mapping declares: {problem}."
                               f"{_likely_encodings(path, exclude=codec)}")
        return codec
    bom = _bom_encoding(path)
    if bom is not None:
        problem = _decode_problem(path, bom)
        if problem:
            raise FileRejected(f"{path}: starts with a {bom} byte-order mark but is not valid {bom}: "
                               f"{problem}")
        return bom
    utf8_problem = _decode_problem(path, "utf-8")
    if utf8_problem is None:
        return "utf-8"
    if _mostly_utf8(path):
        raise FileRejected(
            f"{path}: the file is UTF-8 but for some bytes: {utf8_problem}. A line in another encoding "
            "(pasted from a Shift_JIS file?) or a damaged byte: fix or remove that line, the file "
            "is not read rather than guessed.")
    cp932_problem = _decode_problem(path, "cp932", _cp932_looks_wrong)
    if cp932_problem is None:
        return "cp932"
    raise FileRejected(
        f"{path}: the encoding cannot be told with certainty: not UTF-8 ({utf8_problem}), and "
        f"not Shift_JIS / CP932 ({cp932_problem}).{_likely_encodings(path)} Set `encoding:` in "
        "its mapping (for example encoding: cp1252).")


def _mostly_utf8(path: Path) -> bool:
    """A UTF-8 file with damaged or pasted lines, not a file in another encoding: judged line by
    line, the lines with non-ASCII bytes that are valid UTF-8 are at least a twentieth of those that
    are not. (A Shift_JIS line is valid UTF-8 only by a rare accident: its kana and common kanji
    start with bytes UTF-8 never starts a character with.)"""
    valid = invalid = 0
    with open(path, "rb") as fh:
        for line in fh:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                invalid += 1
            else:
                valid += 1
    return valid > 0 and valid * 20 >= invalid


def _likely_encodings(path: Path, exclude: str | None = None) -> str:
    found = [e for e in _FALLBACK_CANDIDATES if e != exclude and _decode_problem(
        path, e, _cp932_looks_wrong if e == "cp932" else None) is None]
    return f" It decodes as: {', '.join(found)}." if found else ""


# --- records -------------------------------------------------------------------------------------

def is_excel(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES


def sniff_delimiter(line: str) -> str:
    """The most frequent of , ; tab | outside quotes in a header line (a comma when none)."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(counts.values())
    return "," if best == 0 else next(d for d in DELIMITERS if counts[d] == best)


def _excel_sheet(path: Path, sheet: str | int | None):
    import fastexcel

    try:
        workbook = fastexcel.read_excel(str(path))
    except Exception as exc:  # noqa: BLE001 - fastexcel raises its own error types
        raise FileRejected(f"{path}: not a readable Excel workbook: {exc}") from None
    names = workbook.sheet_names
    chosen = 0 if sheet is None else sheet
    if isinstance(chosen, int) and not 0 <= chosen < len(names) or \
            isinstance(chosen, str) and chosen not in names:
        raise FileRejected(f"{path}: no sheet {chosen!r}; the workbook has {', '.join(names)}")
    return workbook.load_sheet(chosen, header_row=None, dtypes="string").to_polars()


def iter_excel_records(path: Path, sheet: str | int | None) -> Iterator[tuple[int, list[str], str]]:
    """(row number, cells as text, the row as CSV text) of every row of one sheet."""
    frame = _excel_sheet(path, sheet)
    for i, row in enumerate(frame.iter_rows()):
        cells = ["" if v is None else v for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        yield i + 1, cells, out.getvalue()


def open_records(path: Path, mapping: SourceMapping | None, stats: ReadStats,
                 shape: RecordShape | None = None) -> Iterator[tuple[int, list[str], str]]:
    """The file's records, after settling its encoding and delimiter into `stats`; once
    `shape.width` is set (after the header), multi-line records are checked against it."""
    if is_excel(path):
        stats.encoding, stats.delimiter = "xlsx", ""
        return iter_excel_records(path, mapping.sheet if mapping else None)
    stats.encoding = detect_encoding(path, mapping.encoding if mapping else "auto")
    declared = mapping.delimiter if mapping else "auto"
    stats.delimiter = sniff_delimiter(_first_line(path, stats.encoding)) if declared == "auto" \
        else declared
    return iter_records(path, stats.encoding, stats.delimiter, shape)


def _first_line(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, newline="") as fh:
        for line in fh:
            if line.strip():
                return line
    return ""


def peek_header(path: Path) -> list[str] | None:
    """The header of a landing file, cheaply (to match it to a mapping); None when unreadable."""
    if is_excel(path):
        try:
            for _n, cells, raw in iter_excel_records(path, None):
                if raw.strip(", "):
                    return _unique_header(cells)
        except FileRejected:
            return None
        return None
    with open(path, "rb") as fh:
        head = fh.read(HEADER_PEEK_BYTES)
    encoding = _bom_encoding(path)
    if encoding is None:
        for candidate in ("utf-8", "cp932", "latin-1"):
            try:
                head.decode(candidate)
            except UnicodeDecodeError as exc:
                if exc.start < len(head) - 4:
                    continue
            encoding = candidate
            break
    text = head.decode(encoding or "latin-1", errors="replace")
    if encoding and encoding.startswith("utf-") and text.startswith("\ufeff"):
        text = text[1:]
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    first = lines[0]
    return _unique_header(next(csv.reader([first], delimiter=sniff_delimiter(first)), []))


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"


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


# --- the plan: what each canonical field reads from this file -----------------------------------

@dataclass
class ReadPlan:
    """How one mapping reads one file: actual header names per field, formats settled on the
    file's values, the columns kept in _extra and the fields the file carries."""

    mapping: SourceMapping
    fit: HeaderFit
    excel: bool
    header: list[str]
    formats: dict[str, list[str]] = field(default_factory=dict)   # field or stage:<s>:entered
    settled: bool = False
    limits: DateLimits = field(default_factory=DateLimits)

    @property
    def extract(self) -> Extract:
        return self.mapping.contract

    def sources(self, spec: ColumnSpec) -> list[str]:
        """The file's own header names a column spec reads (the first alternative only)."""
        if spec.value is not None:
            return []
        found = self.fit.actual(spec.header_names)
        return found[:1] if spec.column is not None else found

    def stage_specs(self) -> list[tuple[str, str, ColumnSpec]]:
        """(stage, 'entered' | 'exited', spec) of every stage column the file has."""
        out = []
        for stage, spec in (self.mapping.stages or {}).items():
            for part, cs in (("entered", spec.entered), ("exited", spec.exited)):
                if cs is not None and (cs.value is not None or self.sources(cs)):
                    out.append((stage, part, cs))
        return out

    def carried_fields(self) -> list[str]:
        carried = [name for name, spec in self.mapping.columns.items()
                   if spec.value is not None or self.sources(spec)]
        if self.mapping.stages:
            carried += ["stage", "entered_at"]
            stages = [s for s, part, _ in self.stage_specs() if part == "entered"]
            if any(part == "exited" for _, part, _ in self.stage_specs()):
                carried.append("exited_at")
            carried += [f"stage:{s}" for s in stages]
        return list(dict.fromkeys(carried))

    def extra_columns(self) -> list[str]:
        used = set(self.fit.present.values())
        return [c for c in self.header if c not in used]

    def base_formats(self, key: str, type_: str, spec: ColumnSpec | None) -> list[str]:
        if key in self.formats:
            return self.formats[key]
        formats = list(spec.formats) if spec is not None and spec.formats else list(
            self.mapping.date_formats if type_ == "date" else self.mapping.timestamp_formats)
        if self.excel:
            formats += [f for f in EXCEL_FORMATS if f not in formats]
        return formats


def _settle_formats(values: pl.Series, formats: list[str], type_: str, where: str) -> list[str]:
    """Formats for one column, judged on its values: when two formats read the same text as
    different times, the file's other values must show which one it uses; otherwise the file is
    refused rather than read first-match-wins."""
    values = values.drop_nulls().unique()
    if len(formats) < 2 or values.is_empty():
        return formats
    dtype = pl.Date if type_ == "date" else pl.Datetime("us")
    parsed = {f: _naive(values.str.strptime(dtype, f, strict=False, exact=True)) for f in formats}
    kept = list(formats)
    for i, f in enumerate(formats):
        for g in formats[i + 1:]:
            if f not in kept or g not in kept:
                continue
            a, b = parsed[f], parsed[g]
            differ = a.is_not_null() & b.is_not_null() & (a != b)
            if not (differ.any() or _can_disagree(f, g, dtype)):
                continue
            only_f = (a.is_not_null() & b.is_null()).any()
            only_g = (b.is_not_null() & a.is_null()).any()
            if only_f and only_g:
                one = values.filter(a.is_not_null() & b.is_null())[0]
                other = values.filter(b.is_not_null() & a.is_null())[0]
                raise FileRejected(
                    f"{where}: some values read only as {f} (e.g. {one!r}) and others only as {g} "
                    f"(e.g. {other!r}), so the column mixes two orders; fix the export or give the "
                    "column its one format")
            if only_f:
                kept.remove(g)
            elif only_g:
                kept.remove(f)
            elif differ.any():
                example = values.filter(differ)[0]
                raise FileRejected(
                    f"{where}: every value reads both as {f} and as {g} ({example!r} is "
                    f"{a.filter(differ)[0]} or {b.filter(differ)[0]}); say which one the export "
                    "uses with `formats:` on the column (or the mapping's date formats)")
    return kept


def _naive(series: pl.Series) -> pl.Series:
    """Times with an offset (%z formats) as naive UTC, so that they compare with the others."""
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone is not None:
        return series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return series


def _can_disagree(f: str, g: str, dtype) -> bool:
    """Two formats can read one text as two different times (%d/%m and %m/%d)."""
    probe = pl.Series([datetime(2001, 2, 3, 4, 5, 6)])
    if "%z" in f or "%#z" in f:
        probe = probe.dt.replace_time_zone("UTC")
    try:
        text = probe.dt.strftime(f.replace("%#z", "%z"))
    except pl.exceptions.PolarsError:  # a parse-only directive: the values must show a conflict
        return False
    as_f = _naive(text.str.strptime(dtype, f, strict=False, exact=True))[0]
    as_g = _naive(text.str.strptime(dtype, g, strict=False, exact=True))[0]
    return as_g is not None and as_g != as_f


# --- reading ---------------------------------------------------------------------------------------

def read_file(path: Path, mapping: SourceMapping, stats: ReadStats | None = None,
              chunk_rows: int = CHUNK_ROWS, limits: DateLimits | None = None, native: bool = True,
              held: HeldLines | None = None) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Yield (good rows, quarantined rows) per chunk. Raises FileRejected for file-level problems.

    Good rows carry the canonical fields, typed, plus `_line_number`, `_flags`, `_extra`,
    `_raw_text` and the line's hash (HASH_COLUMNS, null for a record the strict reader read);
    quarantined rows carry the line, raw text and reason. `native=False` reads every record with
    the strict reader alone (the reference the native reading is tested against). Clean lines
    `held` holds (the previous full export of the mapping) are counted as read, recorded in
    `held.matched` and not parsed, and the new lines are read with that export's date formats.
    """
    stats = stats if stats is not None else ReadStats()
    footer = re.compile(mapping.footer_pattern) if mapping.footer_pattern else None
    shape = RecordShape()
    records = open_records(path, mapping, stats, shape)
    header = None
    for line_no, fields, raw in records:
        if fields and fields[0] is BROKEN:
            raise FileRejected(f"{path}: line {line_no}, the header: {fields[1].split('; the line')[0]}; "
                               "fix the header's quotes")
        if raw.strip(", \t;"):
            header = _unique_header(fields)
            body_line = line_no + raw.count("\n") + 1
            break
        stats.lines_skipped += 1
    if header is None:
        raise FileRejected(f"{path}: the file is empty (no header line)")
    stats.header = header
    fit = mapping.header_fit(header)
    if not fit.fits:
        raise FileRejected(
            f"{path}: required column(s) {', '.join(fit.missing_required)} not found; mapping "
            f"'{mapping.name}' needs them. The file's header has: {_shorten(', '.join(header))}")
    plan = ReadPlan(mapping, fit, is_excel(path), header, limits=limits or DateLimits.from_rules())
    if held is not None and (held.header != header or held.delimiter != stats.delimiter):
        held = None  # the same text in other columns: every line is read
    if held is not None:
        plan.formats, plan.settled = {k: list(v) for k, v in held.formats.items()}, True
    stats.missing_optional_columns = list(fit.missing_optional)
    stats.missing_optional_fields = list(fit.missing_optional_fields)
    stats.extra_columns = plan.extra_columns()
    stats.carried_fields = plan.carried_fields()
    stats.personal_columns = sorted({header.index(name) for f in PERSONAL_FIELDS if f in mapping.columns
                                     for name in plan.sources(mapping.columns[f])})
    width = shape.width = len(header)
    events = None
    if native and not plan.excel:
        events = native_body(path, stats.encoding, stats.delimiter, shape, mapping.footer_pattern,
                             body_line, header, held)
    if events is None:
        events = (("record", r) for r in records)
    else:
        records.close()

    good: list[tuple[int, list[str], str]] = []
    bad: list[tuple[int, str, str, str, str]] = []

    def take(line_no: int, fields: list[str], raw: str) -> None:
        stats.rows_read += 1
        if fields and fields[0] is BROKEN:
            bad.append((line_no, raw, "malformed_line", "", f"line {line_no}: {fields[1]}"))
        elif len(fields) != width and not (plan.excel and len(fields) < width):
            bad.append((line_no, raw, "malformed_line", "",
                        f"line {line_no}: {len(fields)} fields where the header has {width}"))
        else:
            good.append((line_no, fields + [""] * (width - len(fields)), raw))

    # A report trailer: after a blank line, one-cell lines (report name, copyright, generated by,
    # company) up to the end of the file, at least one of which matches footer_pattern.
    trailer: list[tuple[int, list[str], str]] | None = None
    trailer_marked = False
    for kind, item in events:
        if kind == "frame":  # clean lines read natively: rows of the header's width
            stats.rows_read += item.height
            yield _finish_chunk(path, item, [], plan, stats)
            continue
        if kind == "clean":  # a clean line follows: what was held as a trailer is rows
            if trailer is not None:
                for held in trailer:
                    take(*held)
                trailer = None
            continue
        line_no, fields, raw = item
        if not raw.strip(", \t;"):
            stats.lines_skipped += 1
            if footer is not None and trailer is None:
                trailer, trailer_marked = [], False
            continue
        if footer is not None and footer.match(raw):
            stats.lines_skipped += 1
            trailer_marked = trailer_marked or trailer is not None
            continue
        if trailer is not None:
            if len(fields) <= 1 < width:
                trailer.append((line_no, fields, raw))
                continue
            for held in trailer:  # not a trailer after all: they are rows
                take(*held)
            trailer = None
        take(line_no, fields, raw)
        if len(good) + len(bad) >= chunk_rows:
            yield _finish_chunk(path, _rows_frame(good, header), bad, plan, stats)
            good, bad = [], []
    if trailer and trailer_marked:
        stats.lines_skipped += len(trailer)
    elif trailer:
        for held in trailer:
            take(*held)
    if good or bad:
        yield _finish_chunk(path, _rows_frame(good, header), bad, plan, stats)
    if held is not None:  # the lines held again were read too, without parsing them
        stats.rows_read += held.lines
    stats.formats = plan.formats


def _rows_frame(good: list[tuple[int, list[str], str]], header: list[str]) -> pl.DataFrame | None:
    """Records read by the strict reader as a frame of text columns (None when there are none)."""
    if not good:
        return None
    columns = list(zip(*(g[1] for g in good), strict=True))
    frame = pl.DataFrame(
        {name: pl.Series(name, values, dtype=pl.Utf8) for name, values in zip(header, columns, strict=True)})
    return frame.with_columns(
        pl.Series("_line_number", [g[0] for g in good], dtype=pl.Int64),
        pl.Series("_raw_text", [g[2] for g in good], dtype=pl.Utf8),
        *(pl.lit(None, dtype=pl.UInt64).alias(c) for c in HASH_COLUMNS),
    )


def _finish_chunk(path, frame: pl.DataFrame | None, bad, plan: ReadPlan, stats
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    quarantine = [pl.DataFrame(
        {"_line_number": [b[0] for b in bad], "_raw_text": [b[1] for b in bad],
         "reason_kind": [b[2] for b in bad], "reason_field": [b[3] for b in bad],
         "reason": [b[4] for b in bad], "record_key": [None] * len(bad)}, schema=QUARANTINE_SCHEMA)]
    extract = plan.extract
    if frame is None:
        stats.rows_quarantined += len(bad)
        return _empty_good(extract), quarantine[0]
    if plan.mapping.filter:
        keep = pl.all_horizontal([
            _text(pl.col(plan.fit.present[column])).str.to_lowercase().is_in([v.lower() for v in values])
            for column, values in plan.mapping.filter.items()]).fill_null(False)
        before = frame.height
        frame = frame.filter(keep)
        stats.rows_filtered += before - frame.height
    if not plan.settled:
        _settle_plan(path, frame, plan)
    ok, problem = map_frame(frame, plan, stats)
    quarantine.append(problem.select(list(QUARANTINE_SCHEMA)))
    if plan.mapping.stages:
        ok = _unpivot_stages(ok, plan, stats)
    q = pl.concat(quarantine)
    stats.rows_quarantined += q.height
    stats.rows_flagged += ok.filter(pl.col("_flags").is_not_null()).height
    return ok, q


def _date_columns(plan: ReadPlan) -> list[tuple[str, str, ColumnSpec]]:
    """(format key, type, spec) of every date or time the file's columns give."""
    out = []
    for f in plan.extract.fields:
        spec = plan.mapping.columns.get(f.name)
        if f.type in ("date", "timestamp") and spec is not None and spec.value is None:
            out.append((f.name, f.type, spec))
    for stage, part, spec in plan.stage_specs():
        out.append((f"stage:{stage}:{part}", "timestamp", spec))
    return out


def _settle_plan(path: Path, frame: pl.DataFrame, plan: ReadPlan) -> None:
    """Settle each date column's formats on the first chunk's values."""
    for key, type_, spec in _date_columns(plan):
        formats = plan.base_formats(key, type_, spec)
        names = plan.sources(spec)
        if not names:
            plan.formats[key] = formats
            continue
        values = pl.concat([frame.select(_cell(pl.col(n), spec, plan).alias("v"))["v"] for n in names])
        plan.formats[key] = _settle_formats(values, formats, type_, f"{path}: {_label_of(plan, key, spec)}")
    plan.settled = True


def _empty_good(extract: Extract) -> pl.DataFrame:
    return pl.DataFrame(schema={**{f.name: _POLARS_TYPES[f.type] for f in extract.fields},
                                "_line_number": pl.Int64, "_flags": pl.Utf8, "_extra": pl.Utf8,
                                "_raw_text": pl.Utf8, **dict.fromkeys(HASH_COLUMNS, pl.UInt64)})


_POLARS_TYPES = {
    "string": pl.Utf8, "integer": pl.Int64, "decimal": pl.Decimal(18, 2), "boolean": pl.Boolean,
    "date": pl.Date, "timestamp": pl.Datetime("us"),
}
_INVALID_KIND = {"date": "unparseable_date", "timestamp": "unparseable_date",
                 "integer": "invalid_number", "decimal": "invalid_number",
                 "boolean": "invalid_boolean"}


def _text(expr: pl.Expr) -> pl.Expr:
    stripped = expr.str.strip_chars()
    return pl.when(stripped.str.len_bytes() > 0).then(stripped).otherwise(None)


def _cell(expr: pl.Expr, spec: ColumnSpec, plan: ReadPlan) -> pl.Expr:
    """One column's text: trimmed, null tokens removed, one item of a multi-valued cell."""
    value = _text(expr)
    tokens = [t.strip().lower() for t in [*plan.mapping.null_values, *spec.null]]
    if tokens:
        value = pl.when(value.str.to_lowercase().is_in(tokens)).then(None).otherwise(value)
    if spec.split is not None:
        value = _text(value.str.split(spec.split).list.get(spec.item, null_on_oob=True))
    return value


@functools.cache
def _fixed_offset(timezone: str, first_year: int, last_year: int) -> timedelta | None:
    """The zone's UTC offset when it is the same every day of these years (no daylight saving,
    no change of offset), else None."""
    zone = ZoneInfo(timezone)
    day, end = datetime(first_year, 1, 1, 12, tzinfo=zone), datetime(last_year, 12, 31, 12, tzinfo=zone)
    offset = day.utcoffset()
    while day <= end:
        if day.utcoffset() != offset:
            return None
        day += timedelta(days=1)
    return offset


def _parse_as(raw: pl.Expr, type_: str, fmt: str, timezone: str, years: tuple[int, int]) -> pl.Expr:
    """A date, or a time as naive UTC, read with one format: a time with an offset (%z) as written,
    else as a local time in `timezone`. `years`: the years a plausible value falls in (a zone with
    one offset all through them is converted by subtracting it, without polars' time-zone
    conversions)."""
    if type_ == "date":
        return raw.str.strptime(pl.Date, fmt, strict=False, exact=True)
    value = raw.str.strptime(pl.Datetime("us"), fmt, strict=False, exact=True)
    if "%z" in fmt or "%#z" in fmt:
        return value.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    fixed = _fixed_offset(timezone, *years)
    if fixed is not None:
        return value - pl.lit(fixed)
    # a local time inside a daylight-saving gap (a date-only value whose midnight does not exist)
    # reads as the first instant after the gap
    zoned = pl.coalesce(
        value.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null"),
        (value + pl.duration(hours=1)).dt.replace_time_zone(timezone, ambiguous="earliest",
                                                            non_existent="null"))
    return zoned.dt.convert_time_zone("UTC").dt.replace_time_zone(None)


def _typed(raw: pl.Expr, type_: str) -> pl.Expr:
    """A text typed as a number, an amount or a yes/no (dates and times: _parse_as)."""
    if type_ == "string":
        return raw
    if type_ == "integer":
        return raw.str.replace_all(",", "").str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    if type_ == "decimal":
        return (raw.str.replace_all(r"^[A-Z]{3}\s*|[¥￥$€£,円\s]", "")
                .cast(pl.Decimal(18, 2), strict=False))
    if type_ == "boolean":
        return raw.str.to_lowercase().replace_strict(BOOLEAN_LABELS, default=None, return_dtype=pl.Boolean)
    raise ValueError(type_)


def _by_distinct(frame: pl.DataFrame, expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """`expr`, a function of one column of few distinct texts (a picklist: its labels, yes/no),
    evaluated once per distinct text and looked up per row."""
    (name,) = set(expr.meta.root_names())
    mapped = frame.select(pl.col(name).unique()).select(pl.col(name), expr.alias("value"))
    known = mapped.filter(pl.col(name).is_not_null())
    at_null = mapped.filter(pl.col(name).is_null())["value"]
    default = pl.lit(at_null[0] if len(at_null) else None, dtype=dtype)
    return pl.col(name).replace_strict(known[name], known["value"], default=default, return_dtype=dtype)


def _raw_value(spec: ColumnSpec | None, plan: ReadPlan, codes: tuple[str, ...] = ()
               ) -> tuple[pl.Expr, pl.Expr | None]:
    """(value text after value labels, the label text when `values` did not list it and it is
    not one of the field's canonical `codes` either)."""
    if spec is None:
        return pl.lit(None, dtype=pl.Utf8), None
    if spec.value is not None:
        raw = pl.lit(spec.value, dtype=pl.Utf8)
    else:
        names = plan.sources(spec)
        if not names:
            return pl.lit(None, dtype=pl.Utf8), None
        raw = pl.coalesce([_cell(pl.col(n), spec, plan) for n in names])
    if not spec.values:
        return raw, None
    labels = {str(k).strip().lower(): str(v) for k, v in spec.values.items()}
    mapped = raw.str.to_lowercase().replace_strict(labels, default=None, return_dtype=pl.Utf8)
    unknown = raw.is_not_null() & mapped.is_null()
    if codes:
        unknown = unknown & ~raw.is_in(list(codes))
    unmapped = pl.when(unknown).then(raw)
    fallback = pl.lit(spec.default, dtype=pl.Utf8) if spec.default is not None else raw
    value = pl.when(raw.is_null()).then(None).when(mapped.is_not_null()).then(mapped)
    if codes:  # a canonical code needs no label: it is not replaced by the default
        value = value.when(raw.is_in(list(codes))).then(raw)
    return value.otherwise(fallback), unmapped


def map_frame(frame: pl.DataFrame, plan: ReadPlan, stats: ReadStats | None = None
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply the mapping to a frame of raw text columns: (typed rows, rows with a problem and the
    reason of their first one).
    Labels that the mapping's `values` do not list, and values outside a field's canonical codes,
    are counted into `stats.unmapped_labels`."""
    mapping, extract = plan.mapping, plan.extract
    raw_exprs: dict[str, pl.Expr] = {}
    unmapped_exprs: dict[str, pl.Expr] = {}
    for f in extract.fields:
        raw, unmapped = _raw_value(mapping.columns.get(f.name), plan, f.values)
        raw_exprs[f.name] = raw
        if unmapped is not None:
            unmapped_exprs[f.name] = unmapped
        elif f.values and f.name in mapping.columns:
            unmapped_exprs[f.name] = pl.when(~raw.is_in(list(f.values))).then(raw)
    stage_parts = plan.stage_specs()
    for stage, part, spec in stage_parts:
        raw_exprs[f"stage:{stage}:{part}"] = _raw_value(spec, plan)[0]
    for f in extract.fields:  # a picklist's labels are mapped once per distinct label
        spec = mapping.columns.get(f.name)
        if spec is not None and spec.values and len(set(raw_exprs[f.name].meta.root_names())) == 1:
            raw_exprs[f.name] = _by_distinct(frame, raw_exprs[f.name], pl.Utf8)
    staged = frame.with_columns([e.alias(f"__raw__{k}") for k, e in raw_exprs.items()])
    if stats is not None and unmapped_exprs:
        _count_unmapped(frame, unmapped_exprs, stats)

    # the years of the values the load accepts (and a year either side: a value read in another
    # zone's offset still falls out of the bounds)
    years = (plan.limits.earliest.year - 1, plan.limits.latest(planned=True).year + 1)
    columns = [(f.name, f.type, mapping.columns.get(f.name)) for f in extract.fields]
    columns += [(f"stage:{s}:{p}", "timestamp", spec) for s, p, spec in stage_parts]
    # dates and times: each format reads only the texts the formats before it did not read (the
    # first format that reads a text wins), so a format the file rarely uses costs little
    formats = {key: plan.base_formats(key, type_, spec) for key, type_, spec in columns
               if type_ in ("date", "timestamp")}
    types = dict((key, type_) for key, type_, _spec in columns)

    def parsed(key: str, k: int) -> pl.Expr:
        raw = pl.col(f"__raw__{key}")
        raw = raw if k == 0 else pl.when(pl.col(key).is_null()).then(raw)
        return _parse_as(raw, types[key], formats[key][k], mapping.timezone, years)

    typed_exprs = []
    for key, type_, _spec in columns:
        if key in formats:
            typed_exprs.append(parsed(key, 0) if formats[key] else
                               pl.lit(None, dtype=pl.Date if type_ == "date" else pl.Datetime("us")))
        elif type_ == "boolean":
            typed_exprs.append(_by_distinct(staged, _typed(pl.col(f"__raw__{key}"), type_), pl.Boolean))
        else:
            typed_exprs.append(_typed(pl.col(f"__raw__{key}"), type_))
    staged = staged.with_columns(e.alias(key) for e, (key, _t, _s) in zip(typed_exprs, columns, strict=True))
    for k in range(1, max((len(f) for f in formats.values()), default=0)):
        staged = staged.with_columns(pl.coalesce(pl.col(key), parsed(key, k)).alias(key)
                                     for key in formats if len(formats[key]) > k)

    problems: list[tuple[pl.Expr, str, str, pl.Expr]] = []
    unpivoted = {"stage", "entered_at", "exited_at"} if mapping.stages else set()
    required = set(mapping.required_fields) - unpivoted
    for f in extract.fields:
        if f.name in required:
            problems.append((pl.col(f"__raw__{f.name}").is_null(), "missing_required", f.name,
                             pl.lit(f"missing_required: {_label(plan, f.name)} is empty")))
    for group in extract.required_any:
        mask = pl.all_horizontal([pl.col(f"__raw__{k}").is_null() for k in group])
        names = " / ".join(_label(plan, k) for k in group)
        problems.append((mask, "missing_required", "|".join(group),
                         pl.lit(f"missing_required: all of {names} are empty")))
    for f in extract.fields:
        if f.type != "string" or f.name not in mapping.columns:
            continue
        raw = pl.col(f"__raw__{f.name}")
        mask = (raw.str.contains(r"[\x00-\x1f\x7f]") if f.name in extract.key
                else raw.str.contains("\x00", literal=True)).fill_null(False)
        what = "a control character" if f.name in extract.key else "a NUL byte"
        problems.append((mask, "invalid_text", f.name,
                         pl.lit(f"invalid_text: {_label(plan, f.name)} holds {what}")))
    checked = [(f.name, f.type, mapping.columns.get(f.name), f.planned) for f in extract.fields
               if f.name not in unpivoted]
    checked += [(f"stage:{s}:{p}", "timestamp", spec, False) for s, p, spec in stage_parts]
    for kind in ("unparseable_date", "implausible_date", "invalid_number", "out_of_range",
                 "invalid_boolean"):
        for key, type_, spec, planned in checked:
            if kind == "implausible_date" and type_ in ("date", "timestamp"):
                mask, why = _implausible(pl.col(key), type_, planned, plan.limits)
            elif kind == "out_of_range" and type_ == "decimal":
                mask = pl.col(key).cast(pl.Float64).abs() >= AMOUNT_LIMIT
                why = f" is {AMOUNT_LIMIT:,} or more, beyond any amount the marts can sum"
            elif _INVALID_KIND.get(type_) == kind:
                mask = pl.col(f"__raw__{key}").is_not_null() & pl.col(key).is_null()
                why = _hint(plan, key, type_, spec)
            else:
                continue
            message = pl.concat_str([pl.lit(f"{kind}: {_label_of(plan, key, spec)} = '"),
                                     pl.col(f"__raw__{key}"), pl.lit("'"), pl.lit(why) if isinstance(why, str)
                                     else why])
            problems.append((mask.fill_null(False), kind, key.split(":")[0] if ":" in key else key,
                             message))

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

    flags = _order_flags(extract, mapping) if not mapping.stages else pl.lit(None, dtype=pl.Utf8)

    # the record's key as written, so a quarantined row still counts as present in a full export
    key_expr = pl.concat_str([pl.col(f"__raw__{k}") for k in extract.key], separator="/") \
        if not mapping.stages else pl.lit(None, dtype=pl.Utf8)
    extras = plan.extra_columns()
    extra_expr = (pl.struct([_text(pl.col(c)).alias(c) for c in extras]).struct.json_encode()
                  if extras else pl.lit(None, dtype=pl.Utf8))

    # a row's problem, its kind and its reason are worked out for the rows that have one only
    any_problem = pl.any_horizontal(m for m, *_ in problems) if problems else pl.lit(False)
    staged = staged.with_columns(any_problem.alias("__problem"))
    ok = staged.lazy().filter(~pl.col("__problem")).select(
        [pl.col(f.name) for f in extract.fields]
        + [pl.col(f"stage:{s}:{p}") for s, p, _ in stage_parts]
        + [pl.col("_line_number"), flags.alias("_flags"), extra_expr.alias("_extra"), pl.col("_raw_text"),
           *(pl.col(c) for c in HASH_COLUMNS)]).collect()
    problem = staged.lazy().filter(pl.col("__problem")).select(
        pl.col("_line_number"), pl.col("_raw_text"), kind_expr.alias("reason_kind"),
        field_expr.alias("reason_field"), message_expr.alias("reason"),
        key_expr.alias("record_key")).collect()
    return ok, problem


def _implausible(value: pl.Expr, type_: str, planned: bool, limits: DateLimits) -> tuple[pl.Expr, pl.Expr]:
    """(rows whose date or time no export plausibly means, why) for one typed column."""
    earliest, latest = limits.earliest, limits.latest(planned)
    if type_ == "date":
        low, high = pl.lit(earliest), pl.lit(latest.date())
    else:
        low, high = pl.lit(datetime.combine(earliest, datetime.min.time())), pl.lit(latest)
    ahead = (f" is after {latest:%Y-%m-%d}, more than {limits.planned_future_years} years ahead"
             if planned else f" is after {latest:%Y-%m-%d %H:%M} UTC, later than the load's clock by more "
             f"than {limits.future_margin_days:g} day(s)")
    why = pl.when(value < low).then(pl.lit(f" is before {earliest} (a two-digit year or a placeholder?)")) \
        .otherwise(pl.lit(ahead + " (a typo or a placeholder?)"))
    bounds = pl.lit("; the bounds are ingest: in the rules file")
    return (value < low) | (value > high), pl.concat_str([why, bounds])


def _local_date(expr: pl.Expr, timezone: str) -> pl.Expr:
    """A UTC timestamp's calendar date in the mapping's zone (the zone its text was written in)."""
    return expr.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.date()


def _compare(extract: Extract, earlier: str, later: str, timezone: str,
             a: pl.Expr | None = None, b: pl.Expr | None = None) -> pl.Expr:
    """`earlier` > `later`, comparing a time with a date in the file's own zone."""
    a = pl.col(earlier) if a is None else a
    b = pl.col(later) if b is None else b
    ta, tb = extract.get_field(earlier).type, extract.get_field(later).type
    if ta != tb:
        a = _local_date(a, timezone) if ta == "timestamp" else a
        b = _local_date(b, timezone) if tb == "timestamp" else b
    return a > b


def _order_flags(extract: Extract, mapping: SourceMapping) -> pl.Expr:
    parts = []
    for earlier, later in extract.ordered:
        if earlier not in mapping.columns or later not in mapping.columns:
            continue
        parts.append(pl.when(_compare(extract, earlier, later, mapping.timezone))
                     .then(pl.lit(f"out_of_order:{earlier}>{later}")))
    if not parts:
        return pl.lit(None, dtype=pl.Utf8)
    flags = pl.concat_str(parts, separator=",", ignore_nulls=True)
    return pl.when(flags.str.len_chars() > 0).then(flags).otherwise(None)


def _unpivot_stages(ok: pl.DataFrame, plan: ReadPlan, stats: ReadStats) -> pl.DataFrame:
    """A wide row (one date column per stage) -> one stage_events row per stage entered."""
    stages = [s for s, p, _ in plan.stage_specs() if p == "entered"]
    exited = {s for s, p, _ in plan.stage_specs() if p == "exited"}
    base = [c for c in ok.columns if not c.startswith("stage:") and c not in ("stage", "entered_at",
                                                                               "exited_at")]
    parts = []
    for stage in stages:
        exit_col = pl.col(f"stage:{stage}:exited") if stage in exited else pl.lit(None, pl.Datetime("us"))
        parts.append(ok.select(
            *base, pl.lit(stage).alias("stage"),
            pl.col(f"stage:{stage}:entered").alias("entered_at"), exit_col.alias("exited_at"),
        ).filter(pl.col("entered_at").is_not_null()))
    if not parts:
        stats.rows_without_records += ok.height
        return _empty_good(plan.extract)
    long = pl.concat(parts).with_columns(
        pl.when(pl.col("entered_at") > pl.col("exited_at"))
        .then(pl.lit("out_of_order:entered_at>exited_at")).otherwise(None).alias("_flags"))
    stats.rows_without_records += ok.height - long["_line_number"].n_unique()
    columns = [f.name for f in plan.extract.fields] + ["_line_number", "_flags", "_extra", "_raw_text",
                                                       *HASH_COLUMNS]
    return long.select(columns).sort("_line_number", maintain_order=True)


def _count_unmapped(frame: pl.DataFrame, exprs: dict[str, pl.Expr], stats: ReadStats) -> None:
    """Each expression is evaluated once per distinct value of the columns it reads (a picklist
    column holds a few labels in a block of 380,000 rows), weighted by their rows."""
    for name, expr in exprs.items():
        columns = sorted(set(expr.meta.root_names()))
        distinct = (frame.group_by(columns).len() if columns
                    else pl.DataFrame({"len": [frame.height]}, schema={"len": pl.UInt32}))
        counts = (distinct.select(expr.alias("label"), pl.col("len")).drop_nulls("label")
                  .group_by("label").agg(pl.col("len").sum()).sort("label"))
        if counts.is_empty():
            continue
        bucket = stats.unmapped_labels.setdefault(name, {})
        for label, n in counts.iter_rows():
            bucket[label] = bucket.get(label, 0) + n


def _label(plan: ReadPlan, name: str) -> str:
    return _label_of(plan, name, plan.mapping.columns.get(name))


def _label_of(plan: ReadPlan, key: str, spec: ColumnSpec | None) -> str:
    shown = key if not key.startswith("stage:") else f"stage {key.split(':')[1]} ({key.split(':')[2]})"
    names = plan.sources(spec) if spec is not None else []
    if names:
        return f"{' / '.join(repr(n) for n in names)} ({shown})".replace('"', "'")
    return shown


def _hint(plan: ReadPlan, key: str, type_: str, spec) -> str:
    if type_ in ("date", "timestamp"):
        return " matches none of " + ", ".join(plan.base_formats(key, type_, spec))
    return " is not a number" if type_ in ("integer", "decimal") else " is not yes/no"
