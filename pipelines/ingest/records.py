"""Records of a delimited file, as RFC 4180 reads them, checked against its physical lines.

Most lines of an export are a whole record each: every field unquoted and free of quotes, or
quoted and closed, and the header's number of fields ("clean" lines). The body of a file is read
in blocks of about BLOCK_BYTES: its clean lines are found and parsed natively (polars), keeping
their line numbers and raw text; every other line (blank, a report trailer, a field with a line
break, a stray quote, another number of fields) goes through the strict record reader below, from
that line until the next line to read is clean again, so no line is read twice and the result is
the strict reader's own. A block with a carriage return that ends no line (a line break Python
reads but the blocks do not) and a file in an encoding whose characters can hold the bytes of a
quote or line break (UTF-16, UTF-32) are read by the strict reader alone.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

csv.field_size_limit(1 << 25)  # a 20 MB field is still a field

BLOCK_BYTES = 1 << 25
# Encodings whose line breaks, quotes and delimiters are the ASCII bytes, never part of another
# character: their blocks can be cut at b"\n" and their lines told apart before decoding.
LINE_SAFE_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "ascii", "cp932", "euc_jp", "cp1252", "iso8859-1",
                                 "iso8859-15"})


class _LineTap:
    """Feeds lines to csv.reader and remembers them, so each record keeps its raw text; lines
    pushed back are read again (after a broken record, reading resumes on its second line).
    `stop`, asked between records, ends the reading (the next line is left to the native reader)."""

    __slots__ = ("_it", "lines", "_pending", "_stop")

    def __init__(self, lines, stop=None):
        self._it = iter(lines)
        self.lines: list[str] = []
        self._pending: list[str] = []
        self._stop = stop

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._pending:
            line = self._pending.pop()
        elif not self.lines and self._stop is not None and self._stop():
            raise StopIteration
        else:
            line = next(self._it)
        self.lines.append(line)
        return line

    def push_back(self, lines: list[str]) -> None:
        self._pending.extend(reversed(lines))


# A line's hash: two 64-bit polars hashes of its text (128 bits, so two different lines share one
# by no practical chance). polars does not promise the same hashes across its versions: a load
# names the scheme its hashes were made with, and lines are compared with hashes of that scheme only.
LINE_HASH_SEEDS = (0x6C65_6164_6A6F_7572, 0x6E65_795F_6C69_6E65)
LINE_HASH_SCHEME = f"polars {pl.__version__} hash {LINE_HASH_SEEDS[0]:x}.{LINE_HASH_SEEDS[1]:x}"
HASH_COLUMNS = ("_line_hash_hi", "_line_hash_lo")


def line_hashes(lines: pl.Series) -> pl.DataFrame:
    """Each line's hash, as two 64-bit columns."""
    return pl.DataFrame([lines.hash(seed=seed).alias(name)
                         for seed, name in zip(LINE_HASH_SEEDS, HASH_COLUMNS, strict=True)])


@dataclass
class HeldLines:
    """The lines the previous full export of the same mapping holds (their hashes), which a new
    export of it holds again without reading them, and the date formats that export settled (so
    the new lines are read as the held ones were)."""

    hashes: pl.DataFrame  # HASH_COLUMNS, unique
    formats: dict[str, list[str]]
    header: list[str]     # the previous export's header: a line means the same under the same header only
    delimiter: str        # and its delimiter: a line is clean (a whole record) under the same one only
    matched: list[pl.DataFrame] = field(default_factory=list)  # _line_number + HASH_COLUMNS found again

    def __post_init__(self) -> None:
        # sorted once, searched per block (a join per block rebuilt a table of every held line)
        ordered = self.hashes.sort(list(HASH_COLUMNS))
        self._hi, self._lo = (ordered[c].to_numpy() for c in HASH_COLUMNS)
        self._found = np.zeros(len(self._hi), dtype=bool)  # held lines found in the file so far

    @property
    def lines(self) -> int:
        return sum(m.height for m in self.matched)

    def find(self, hashes: pl.DataFrame) -> np.ndarray:
        """Which of a block's lines the previous export holds, the first line of each text only: a
        line written again is read (and quarantined as a repeated key), so the lines held hold
        distinct rows of the previous export."""
        hi, lo = (hashes[c].to_numpy() for c in HASH_COLUMNS)
        last = len(self._hi) - 1
        order = np.argsort(hi)  # searched in order, each search starts where the last one ended
        start = np.empty(len(hi), dtype=np.intp)
        start[order] = np.searchsorted(self._hi, hi[order])
        at = np.minimum(start, last)
        found = (self._hi[at] == hi) & (self._lo[at] == lo)
        # held lines sharing a high half (by chance, 1 in 2**64 a pair) are searched on the low half
        for k in np.flatnonzero(~found & (self._hi[at] == hi) & (self._hi[np.minimum(at + 1, last)] == hi)):
            end = np.searchsorted(self._hi, hi[k], side="right")
            same = start[k] + np.flatnonzero(self._lo[start[k]:end] == lo[k])
            if same.size:
                found[k], at[k] = True, same[0]
        lines = np.flatnonzero(found)
        first = lines[np.unique(at[lines], return_index=True)[1]]  # a text's first line in the block
        first = first[~self._found[at[first]]]                     # and in the file
        self._found[at[first]] = True
        found[:] = False
        found[first] = True
        return found

    def hold(self, hashes: pl.DataFrame, first_line: int, lines: np.ndarray) -> None:
        """Record a block's `lines` (a mask) as held again."""
        numbers = np.arange(first_line, first_line + len(hashes))
        self.matched.append(hashes.with_columns(pl.Series("_line_number", numbers, dtype=pl.Int64))
                            .filter(pl.Series(lines)).select("_line_number", *HASH_COLUMNS))


# The first cell of a record the reader could not take as one (its second cell says why).
BROKEN = "\x00broken record"


@dataclass
class RecordShape:
    """What a record must look like once the header is read: its number of fields."""

    width: int | None = None


def iter_records(path: Path, encoding: str, delimiter: str, shape: RecordShape | None = None
                 ) -> Iterator[tuple[int, list[str], str]]:
    """(first line number, fields, raw text) of every CSV record, header included."""
    with open(path, encoding=encoding, newline="") as fh:
        yield from _records(_LineTap(fh), delimiter, shape or RecordShape())


def _records(tap: _LineTap, delimiter: str, shape: RecordShape, line_no: int = 1
             ) -> Iterator[tuple[int, list[str], str]]:
    """Records as RFC 4180 reads them, checked against the file's physical lines: a quote must
    never swallow lines. A record that spans several lines is taken only when it reads cleanly
    (every quoted field closed, followed by a delimiter or the line's end), has the header's number
    of fields and none of its later lines would be a record of its own (the header's number of
    fields, split at the delimiter or read as CSV alone). Otherwise its first line is returned as
    a broken record and reading resumes on the next line, so each line it swallowed is read as
    itself. Reading starts at line `line_no` of the file."""
    reader = csv.reader(tap, delimiter=delimiter, strict=True)
    lines = tap.lines
    while True:
        problem = None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            fields, problem = None, _csv_problem(exc)
        if len(lines) > 1:
            if problem is None:
                # before the header is known, a line like the first one is a record of its own
                width = shape.width if shape.width is not None else lines[0].count(delimiter) + 1
                problem = _swallowed(lines, fields, delimiter, width, shape.width is None)
            if problem is not None and problem.startswith(_AMBIGUOUS):
                # one record or two, nothing tells: every line of it is quarantined, none guessed
                taken = list(lines)
                lines.clear()
                for i, line in enumerate(taken):
                    yield line_no + i, [BROKEN, f"a quote on line {line_no} opens a field that {problem}; "
                                        f"its {len(taken)} lines are quarantined, one row each"], \
                        line.rstrip("\r\n")
                line_no += len(taken)
                continue
            if problem is not None:
                first = lines[0]
                tap.push_back(lines[1:])
                lines.clear()
                yield line_no, [BROKEN, f"a quote on this line opens a field that {problem}; the "
                                "line is quarantined and the lines after it are read as records of "
                                "their own"], first.rstrip("\r\n")
                line_no += 1
                continue
        raw = "".join(lines)
        if fields is None:  # one line that is not strict CSV (a quote inside a quoted field): lenient
            fields = next(csv.reader([raw], delimiter=delimiter), [])
        yield line_no, fields, raw.rstrip("\r\n")
        line_no += len(lines)
        lines.clear()


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "end of data" in text:
        return "is still open at the end of the file"
    if "expected after" in text:
        return "closes with a quote followed by other text"
    return text


def _swallowed(lines: list[str], fields: list[str], delimiter: str, width: int,
               header: bool = False) -> str | None:
    """Why a record that spans `lines` is not one record, or None when it is: it has another number
    of fields than the header, or a line it takes in reads as a record of its own — a line inside
    the quoted field with a record's number of delimiters (or fields), or a last line whose text
    before the closing quote holds as many delimiters as the first line has fields before the
    opening one (a stray quote closing in the same column one or more lines on). A header may span
    lines (a column name with a line break in it, 金額<br>(千円)) only when no name holds the
    delimiter or starts or ends with the line break."""
    if header and any(delimiter in f or f.strip(" ") != f.strip() for f in fields):
        return (f"runs over {len(lines)} lines into a column name that holds the delimiter or ends in "
                "a line break")
    if len(fields) != width and not header:
        return (f"runs over {len(lines)} lines into a record of {len(fields)} fields where the "
                f"header has {width}")
    first = lines[0].rstrip("\r\n")
    for i, line in enumerate(lines[1:-1], start=1):
        text = line.rstrip("\r\n")
        if text.count(delimiter) == width - 1 or \
                not header and len(next(csv.reader([text], delimiter=delimiter), [])) == width:
            return f"runs on to the next line(s), {i} of which reads as a record of its own"
    before = _fields_before_open(first, delimiter)
    last = lines[-1].rstrip("\r\n")
    if before and _before_close(last).count(delimiter) == before and last.count(delimiter) >= width - 1:
        return (f"{_AMBIGUOUS} {len(lines) - 1} line(s) on, in a line that could be a record of its own "
                "(one record or two?)")
    return None


_AMBIGUOUS = "closes in the same column"  # where a stray quote could close it: one record or two?


def _fields_before_open(line: str, delimiter: str) -> int:
    """The fields a line completes before the quoted field it leaves open."""
    inside, n = False, 0
    for ch in line:
        if ch == '"':
            inside = not inside
        elif ch == delimiter and not inside:
            n += 1
    return n


def _before_close(line: str) -> str:
    """The text of a line before the quote that closes the field open at its start."""
    at = 0
    while (j := line.find('"', at)) >= 0:
        if line[j + 1:j + 2] == '"':  # an escaped quote inside the field
            at = j + 2
            continue
        return line[:j]
    return line


# --- native reading of the clean lines --------------------------------------------------------------

def native_body(path: Path, encoding: str, delimiter: str, shape: RecordShape, footer: str | None,
                line_no: int, header: list[str], held: HeldLines | None = None
                ) -> Iterator[tuple[str, object]] | None:
    """The records from line `line_no` (the one after the header) to the end, in order:
    ("record", (line, fields, raw)) for each read by the strict reader, ("clean", None) where a run
    of clean lines comes between them, and ("frame", frame) for each block's clean lines parsed
    natively (the header's columns as text, `_line_number`, `_raw_text`, the line's hash). Clean
    lines `held` holds are not parsed: they are recorded in `held.matched`. None when the file is
    not one the blocks can read (its encoding, or a carriage return alone before that line)."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    if codec not in LINE_SAFE_ENCODINGS or len(delimiter) != 1 or delimiter in '"\r\n':
        return None
    fh = open(path, "rb")  # noqa: SIM115 - closed by the generator
    offset = _offset_of_line(fh, line_no)
    if offset is None:
        fh.close()
        return None
    fh.seek(offset)
    return _blocks(fh, codec, delimiter, shape, footer, line_no, header, held)


def _offset_of_line(fh, line_no: int) -> int | None:
    """The byte offset where line `line_no` starts, when every line before it ends in \\n."""
    head = b""
    while head.count(b"\n") < line_no - 1:
        chunk = fh.read(1 << 16)
        if not chunk:
            return None
        head += chunk
    at = 0
    for _ in range(line_no - 1):
        at = head.index(b"\n", at) + 1
    if head[:at].count(b"\r") != head[:at].count(b"\r\n"):
        return None
    return at


def _blocks(fh, codec: str, delimiter: str, shape: RecordShape, footer: str | None, line_no: int,
            header: list[str], held: HeldLines | None) -> Iterator[tuple[str, object]]:
    with fh:
        while True:
            start = fh.tell()
            data = fh.read(BLOCK_BYTES)
            if not data:
                return
            if not data.endswith(b"\n"):
                data += fh.readline()
            has_cr = b"\r" in data
            crlf = data.count(b"\r\n") if has_cr else 0
            if has_cr and data.count(b"\r") != crlf:  # a carriage return that ends no line
                fh.seek(start)
                text = io.TextIOWrapper(fh, encoding=codec, newline="")
                for record in _records(_LineTap(text), delimiter, shape, line_no):
                    yield "record", record
                return
            if codec != "utf-8":
                data = data.decode(codec).encode("utf-8")
            lines, eol = _lines(data, crlf)
            ends = data.endswith(b"\n")
            n = len(lines)
            bare = lines.str.strip_suffix("\r") if eol == "\n" and has_cr else lines
            hashes = line_hashes(bare)
            # a held line was clean in the previous export (hashes are kept for clean lines only),
            # and a line's cleanness is its text's: only the others are checked
            known = held.find(hashes) if held is not None else np.zeros(n, dtype=bool)
            clean = known.copy()
            clean[~known] = _clean_lines(bare.filter(pl.Series(~known)), delimiter, shape.width, footer) \
                if not known.all() else np.zeros(0, dtype=bool)
            feed = _BlockFeed(lines, eol, clean, fh, codec, ends)
            taken = clean.copy()
            at = 0
            for d in np.flatnonzero(~clean):
                if d < at:
                    continue
                if d > at:
                    yield "clean", None
                feed.next = d
                for record in _records(_LineTap(feed, feed.at_clean), delimiter, shape, line_no + d):
                    yield "record", record
                taken[d:feed.next] = False
                at = feed.next
            if at < n:
                yield "clean", None
            if held is not None and (taken & known).any():
                held.hold(hashes, line_no, taken & known)
                taken &= ~known
            if taken.all():
                yield "frame", _parse(data, np.arange(line_no, line_no + n), delimiter, header, bare, hashes)
            elif taken.any():
                kept = bare.filter(taken)
                joined = io.BytesIO()  # the kept lines as bytes, without a round trip through Python
                pl.DataFrame({"line": kept}).write_csv(joined, include_header=False, quote_style="never")
                yield "frame", _parse(joined.getvalue(), np.flatnonzero(taken) + line_no, delimiter, header,
                                      kept, hashes.filter(pl.Series(taken)))
            line_no += max(n, feed.next)


def _lines(data: bytes, crlf: int) -> tuple[pl.Series, str]:
    """The block's lines and the line break they end in: without it when every line ends alike
    (read natively), else with their carriage returns and "\\n"."""
    uniform = crlf in (0, data.count(b"\n")) and not data.startswith(codecs.BOM_UTF8)
    marker = next((bytes([b]) for b in range(1, 32) if bytes([b]) not in data and b not in (10, 13)), None)
    if uniform and marker is not None:  # one column of whole lines: a separator the block never holds
        frame = pl.read_csv(data, has_header=False, separator=marker.decode(), quote_char=None,
                            infer_schema=False, empty_string_is_null=False, new_columns=["line"],
                            raise_if_empty=False)
        lines = frame["line"] if frame.width else pl.Series("line", [], dtype=pl.Utf8)
        return lines, "\r\n" if crlf else "\n"
    lines = pl.Series("line", [data.decode("utf-8")]).str.split("\n").explode()
    if data.endswith(b"\n"):  # the text after the last line break is no line
        lines = lines.head(len(lines) - 1)
    return lines, "\n"


class _BlockFeed:
    """The lines of one block from `next` on, with their line breaks; a record still open at the
    block's end reads on, line by line, from the file."""

    def __init__(self, lines: pl.Series, eol: str, clean: np.ndarray, fh, codec: str, ends: bool):
        self._lines, self._eol, self._clean, self._fh, self._codec = lines, eol, clean, fh, codec
        self._n, self._ends = len(lines), ends
        self._batch: list[str] = []
        self._first = 0
        self._more: deque[str] = deque()
        self.next = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        k = self.next
        if k < self._n:
            if not self._first <= k < self._first + len(self._batch):
                # a span is mostly one line: fetch a few, more when it runs on
                running_on = k == self._first + len(self._batch)
                size = min(max(4, 2 * len(self._batch)), 1024) if running_on else 4
                self._batch, self._first = self._lines.slice(k, size).to_list(), k
            self.next += 1
            line = self._batch[k - self._first]
            return line + self._eol if self._ends or k < self._n - 1 else line
        if not self._more:
            more = self._fh.readline()
            if not more:
                raise StopIteration
            self._more.extend(io.StringIO(more.decode(self._codec), newline=""))
        self.next += 1
        return self._more.popleft()

    def at_clean(self) -> bool:
        """Whether the strict reader should stop before the next line: it is clean, or the block
        has ended (the next block reads on from there)."""
        if self.next >= self._n:
            return not self._more
        return bool(self._clean[self.next])


def _clean_lines(bare: pl.Series, delimiter: str, width: int | None, footer: str | None) -> np.ndarray:
    """Which lines are each a whole record of `width` fields, neither blank nor a report trailer."""
    d = f"\\x{{{ord(delimiter):X}}}"
    field = f'(?:"(?:[^"]|"")*"|[^"{d}\\r\\n]*)'
    quoted = bare.str.contains('"', literal=True)
    whole, unquoted = ~quoted, bare
    if quoted.any():
        whole = whole | bare.str.contains(f"^{field}(?:{d}{field})*$")
        unquoted = bare.str.replace_all('"(?:[^"]|"")*"', "")
    fields = unquoted.str.count_matches(delimiter, literal=True) + 1
    ok = whole & (fields == width) & (bare.str.strip_chars(", \t;").str.len_bytes() > 0)
    ok = ok & ~bare.str.starts_with("\ufeff")
    if footer:
        ok = ok & ~_matches(bare, footer)
    return ok.fill_null(False).to_numpy()


def _matches(lines: pl.Series, pattern: str) -> pl.Series:
    """re.match(pattern, line) for each line: natively where the pattern is one polars reads."""
    try:
        return lines.str.contains(f"^(?:{pattern})")
    except pl.exceptions.ComputeError:
        import re

        rx = re.compile(pattern)
        return lines.map_elements(lambda s: rx.match(s) is not None, return_dtype=pl.Boolean)


def _parse(data: bytes, numbers: np.ndarray, delimiter: str, header: list[str], lines: pl.Series,
           hashes: pl.DataFrame) -> pl.DataFrame:
    """Clean lines (`data`, UTF-8, one record a line) as a frame of text columns named by the
    header, with their line numbers, raw text and hashes."""
    frame = pl.read_csv(data, has_header=False, new_columns=header, separator=delimiter, quote_char='"',
                        infer_schema=False, empty_string_is_null=False)
    return frame.with_columns(pl.Series("_line_number", numbers, dtype=pl.Int64),
                              lines.alias("_raw_text"), *hashes.get_columns())
