"""Bad input, proven harmless (issue 13): every kind of broken export a real team sends, and a
seeded random-mutation fuzzer over real demo files.

The oracle is row accounting against an independent count of the file's physical lines (split at
CR, LF or CRLF by this test, not by the reader): every line after the header is read as one row or
skipped as blank or report trailer, and every row read is loaded or quarantined. A record may take
in further lines only through a quoted line break, and never a line that could be a record of its
own (one with a record's number of delimiters). A file-level
problem rejects the whole file with a message naming it. Nothing may crash, hang or lose a row
silently, and every quarantined row names its line (and its field where one is at fault).
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.ingest.loader import discover, ensure_schema, load_extract
from pipelines.ingest.reader import ROW_PROBLEM_KINDS, FileRejected, ReadStats, read_file
from pipelines.reporting.text import REASON_KINDS
from pipelines.sources.mapping import load_sources
from tests.conftest import write_csv

HEADER = ("Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title,Create Date,"
          "Lifecycle Stage,Last Modified Date")
WIDTH = HEADER.count(",") + 1
CONTACTS = "ma/hubspot-crm-exports-all-contacts-2026-10-01.csv"


def row(i: int, **values: str) -> str:
    cells = {"id": str(i), "first": "健", "last": "田中", "email": f"t{i}@example.co.jp",
             "phone": "03-1234-5678", "company": f"株式会社{i}", "title": "部長",
             "created": "2026-04-01 10:00", "stage": "Lead", "modified": "2026-04-02 10:00"} | values
    return ",".join(cells.values())


def rows(n: int, start: int = 1) -> list[str]:
    return [row(i) for i in range(start, start + n)]


def physical_lines(data: bytes) -> int:
    """Lines after the header, counted without any CSV reader: CR, LF and CRLF end a line."""
    text = data.decode("utf-8", errors="replace")
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    return max(len(lines) - 1, 0)


@dataclass
class Case:
    name: str
    data: bytes
    outcome: str                       # loaded | rejected | unmatched
    quarantined: dict[str, int] | None = None   # reason kind -> rows (None: not checked)
    continuation_lines: int = 0        # physical lines inside legitimate multi-line fields
    mention: str = ""                  # what the rejection message must name besides the file
    sources: str | None = None         # a sources.yml for the case (default: the built-in presets)
    warning: str = ""                  # what one of the load's warnings must say


def _csv(*lines: str, newline: str = "\n", encoding: str = "utf-8") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def _far(days: float) -> str:
    return f"{datetime.now(UTC) + timedelta(days=days):%Y-%m-%d %H:%M}"


DECLARED_UTF8 = """mappings:
  - preset: hubspot_contacts
    encoding: utf-8
"""

CASES = [
    Case("empty file", b"", "unmatched"),
    Case("blank lines only", b"\n\n\r\n", "unmatched"),
    Case("header only", _csv(HEADER), "loaded", {}),
    Case("clean rows", _csv(HEADER, *rows(5)), "loaded", {}),
    Case("truncated mid-row", _csv(HEADER, *rows(3))[:-25], "loaded", {"malformed_line": 1}),
    Case("truncated mid-quote", (_csv(HEADER, *rows(3)) + row(4, title='"Head of').encode()), "loaded",
         {"malformed_line": 1}),
    Case("unclosed quote on row 10 of 40",
         _csv(HEADER, *rows(9), row(10, company='"Acme'), *rows(30, start=11)), "loaded",
         {"malformed_line": 1}),
    Case("two stray quotes on adjacent rows",
         _csv(HEADER, *rows(4), row(5, company='"Acme'), row(6, company='"Beta'), *rows(3, start=7)),
         "loaded", {"malformed_line": 2}),
    Case("a stray quote closing rows later before a delimiter",
         _csv(HEADER, *rows(4), row(5, company='"Acme'), row(6), row(7, company='Gamma"'), *rows(2, start=8)),
         "loaded", {"malformed_line": 1}),
    Case("a legitimate multi-line job title", _csv(HEADER, row(1, title='"Head of\nSales, Japan"'),
                                                   *rows(2, start=2)), "loaded", {}, continuation_lines=1),
    Case("a stray quote closing on the next row before a delimiter",
         _csv(HEADER, *rows(4), row(5, company='"Acme'), row(6, company='Beta"'), *rows(2, start=7)),
         "loaded", {"malformed_line": 2}),
    Case("a multi-line field in the first column",
         _csv("Job Title," + HEADER.replace(",Job Title", ""),
              '"Head of\nSales",' + row(1).replace(",部長", ""), "課長," + row(2).replace(",部長", "")),
         "loaded", {}, continuation_lines=1),
    Case("a column name with a line break", _csv(HEADER + ',"Memo\n(internal)"', row(1) + ",x", row(2) + ",y"),
         "loaded", {}, continuation_lines=1),
    Case("a quote inside an unquoted field", _csv(HEADER, row(1, company='Acme "Japan"'), row(2)), "loaded", {}),
    Case("binary garbage", random.Random(5).randbytes(4000), "rejected",
         mention="encoding"),
    Case("NUL byte inside an id", _csv(HEADER, row(1), row(2, id="2\x00"), row(3)), "loaded",
         {"invalid_text": 1}),
    Case("NUL byte inside a free text", _csv(HEADER, row(1, title="部\x00長"), row(2)), "loaded",
         {"invalid_text": 1}),
    Case("a control character inside an id", _csv(HEADER, row(1, id="1\x07"), row(2)), "loaded",
         {"invalid_text": 1}),
    Case("mixed encodings (a Shift_JIS line in UTF-8)",
         _csv(HEADER, row(1)) + row(2, last="山田").encode("cp932") + b"\n", "rejected", mention="byte"),
    Case("a wrong declared encoding", _csv(HEADER, row(1, last="山田"), encoding="cp932"), "rejected",
         mention="not valid utf-8", sources=DECLARED_UTF8),
    Case("Latin-1 with no declared encoding", _csv(HEADER, row(1, last="Müller", first="Zoë", company="Acme GmbH", title="Leiter"),
                                                   encoding="latin-1"), "rejected", mention="cannot be told"),
    Case("BOM and CRLF", b"\xef\xbb\xbf" + _csv(HEADER, *rows(3), newline="\r\n"), "loaded", {}),
    Case("CR-only line ends", _csv(HEADER, *rows(3), newline="\r"), "loaded", {}),
    Case("a 20 MB field", _csv(HEADER, row(1, title="x" * 20_000_000), row(2)), "loaded", {}),
    Case("a 40k-character line without delimiters", _csv(HEADER, row(1), "y" * 40_000, row(2)), "loaded",
         {"malformed_line": 1}),
    Case("the header again mid-file", _csv(HEADER, *rows(2), HEADER, *rows(2, start=3)), "loaded",
         {"unparseable_date": 1}),
    Case("reordered columns", _csv(",".join(reversed(HEADER.split(","))),
                                   *[",".join(reversed(r.split(","))) for r in rows(3)]), "loaded", {}),
    Case("missing optional columns", _csv("Record ID,Email,Create Date", "1,a@x.co.jp,2026-04-01 10:00"),
         "loaded", {}),
    Case("a missing required column", _csv("Email,Create Date", "a@x.co.jp,2026-04-01 10:00"), "rejected",
         mention="'Record ID'"),
    Case("duplicated header names", _csv(HEADER + ",Email", row(1) + ",other@x.co.jp"), "loaded", {}),
    Case("unknown picklist values", _csv(HEADER, row(1, stage="Prospect-ish"), row(2)), "loaded", {},
         warning="lifecycle_stage: 1 value(s) not in the mapping's labels or the canonical codes: 'Prospect-ish'"),
    Case("impossible dates", _csv(HEADER, row(1, created="2026-13-45 10:00"), row(2, created="2026-02-30 10:00"),
                                  row(3)), "loaded", {"unparseable_date": 2}),
    Case("Excel serial dates", _csv(HEADER, row(1, created="45321"), row(2)), "loaded", {"unparseable_date": 1}),
    Case("implausible dates: 2999, 1900, year 26", _csv(
        HEADER, row(1, created="2999-01-01 10:00"), row(2, created="1900-01-01 00:00"),
        row(3, created="0026-04-01 10:00"), row(4, modified=_far(30)), row(5, modified=_far(1)), row(6)),
        "loaded", {"implausible_date": 4}),
    Case("too many fields", _csv(HEADER, row(1) + ",extra,more", row(2)), "loaded", {"malformed_line": 1}),
    Case("too few fields", _csv(HEADER, "1,健,田中", row(2)), "loaded", {"malformed_line": 1}),
    Case("duplicate ids", _csv(HEADER, row(1), row(1, title="課長"), row(2)), "loaded", {"duplicate_id": 1}),
    Case("blank lines between rows", _csv(HEADER, row(1), "", ",,,", row(2), ""), "loaded", {}),
    Case("TSV in a CSV slot", _csv(HEADER.replace(",", "\t"), *[r.replace(",", "\t") for r in rows(3)]),
         "loaded", {}),
    Case("semicolon-separated", _csv(HEADER.replace(",", ";"), *[r.replace(",", ";") for r in rows(2)]),
         "loaded", {}),
    Case("a formula in a free text", _csv(HEADER, row(1, title="=HYPERLINK(\"http://x\")"), row(2)),
         "loaded", {}),
]


def test_the_fault_suite_covers_at_least_25_kinds():
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


def test_every_quarantine_reason_has_a_label_in_both_languages():
    assert set(ROW_PROBLEM_KINDS) <= set(REASON_KINDS)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_accounted_for(case: Case, tmp_path: Path):
    landing = tmp_path / "landing"
    path = landing / CONTACTS
    path.parent.mkdir(parents=True)
    path.write_bytes(case.data)
    sources_file = None
    if case.sources:
        sources_file = tmp_path / "sources.yml"
        sources_file.write_text(case.sources, encoding="utf-8")
    found = discover(landing, load_sources(sources_file))
    (lf,) = found
    if case.outcome == "unmatched":
        assert lf.error and CONTACTS in lf.error, lf.error
        return
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con)
    started = time.perf_counter()
    (load,) = load_extract(con, found, "ma_leads")
    assert time.perf_counter() - started < 60, "a bad file must not hang the ingest"
    if case.outcome == "rejected":
        assert load.status == "rejected", load
        assert CONTACTS in load.message and case.mention in load.message, load.message
        assert con.execute("SELECT count(*) FROM raw.ma_leads").fetchone() == (0,)
        return
    assert load.status == "loaded", load.message
    if case.warning:
        assert any(case.warning in w for w in load.warnings), load.warnings
    manifest = con.execute("SELECT rows_read, rows_loaded, rows_quarantined, rows_filtered, lines_skipped "
                           "FROM meta.load_manifest").fetchone()
    rows_read, loaded, quarantined, filtered, skipped = manifest
    assert rows_read == loaded + quarantined + filtered
    assert rows_read + skipped == physical_lines(case.data) - case.continuation_lines, (
        "the reader's row count disagrees with the file's physical lines")
    assert con.execute("SELECT count(*) FROM raw.ma_leads").fetchone() == (loaded,)
    kinds = dict(con.execute("SELECT reason_kind, count(*) FROM meta.quarantine GROUP BY 1").fetchall())
    if case.quarantined is not None:
        assert kinds == case.quarantined
    for line, reason, kind, field in con.execute(
            "SELECT line_number, reason, reason_kind, reason_field FROM meta.quarantine").fetchall():
        assert reason.startswith(f"line {line}: "), reason
        if kind not in ("malformed_line",):
            assert field, reason


def _load(tmp_path: Path, text: str) -> tuple[duckdb.DuckDBPyConnection, object]:
    landing = tmp_path / "landing"
    write_csv(landing / CONTACTS, text)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con)
    (load,) = load_extract(con, discover(landing, load_sources(None)), "ma_leads")
    return con, load


def test_an_unclosed_quote_loses_no_row_and_names_its_line(tmp_path: Path):
    con, load = _load(tmp_path, "\n".join([HEADER, *rows(9), row(10, company='"Acme'), *rows(30, start=11)]) + "\n")
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (40, 39, 1)
    line, reason, raw = con.execute("SELECT line_number, reason, raw_text FROM meta.quarantine").fetchone()
    assert line == 11 and raw.startswith("10,")
    assert "a quote on this line opens a field that" in reason


def test_stray_quotes_never_give_one_lead_another_leads_data(tmp_path: Path):
    text = "\n".join([HEADER, *rows(4), row(5, company='"Acme'), row(6, company='"Beta'), *rows(3, start=7)])
    con, load = _load(tmp_path, text + "\n")
    assert load.rows_read == 9
    companies = dict(con.execute("SELECT lead_id, company_name FROM raw.ma_leads").fetchall())
    assert set(companies) == {"1", "2", "3", "4", "7", "8", "9"}
    assert all(companies[k] == f"株式会社{k}" for k in companies)
    assert sorted(r[0] for r in con.execute("SELECT line_number FROM meta.quarantine").fetchall()) == [6, 7]


def test_implausible_dates_are_quarantined_naming_the_bound(tmp_path: Path):
    con, _load_result = _load(tmp_path, "\n".join([HEADER, row(1, created="2999-01-01 10:00"), row(2)]) + "\n")
    kind, field, reason = con.execute("SELECT reason_kind, reason_field, reason FROM meta.quarantine").fetchone()
    assert (kind, field) == ("implausible_date", "created_at")
    assert "'Create Date' (created_at) = '2999-01-01 10:00' is after" in reason and "ingest:" in reason
    assert con.execute("SELECT max(created_at) FROM raw.ma_leads").fetchone()[0].year == 2026


def test_an_overflowing_amount_is_quarantined_at_ingest(tmp_path: Path):
    from tests.test_reader import OPP_HEADER, PRESETS

    base = ",案件,zcrm_1,山田製作所,00Q1,t@y.co.jp,松本 隆,ウェビナー,"
    text = "\r\n".join([OPP_HEADER, "006A" + base + "9999999999999999,JPY,交渉,2025/04/03 10:15,2025/05/20,,",
                        "006B" + base + "-1000,JPY,交渉,2025/04/03 10:15,2025/05/20,,"]) + "\r\n"
    path = write_csv(tmp_path / "sfa-opportunities-x.csv", text, "cp932")
    stats = ReadStats()
    chunks = list(read_file(path, PRESETS["demo_salesforce_jp_opportunities"], stats))
    bad = pl.concat([b for _, b in chunks])
    good = pl.concat([g for g, _ in chunks])
    assert good["opportunity_id"].to_list() == ["006B"]  # a negative amount (a credit) loads
    assert bad.select("_line_number", "reason_kind", "reason_field").rows() == [(2, "out_of_range", "amount")]
    assert "'金額' (amount) = '9999999999999999' is 10,000,000,000,000 or more" in bad["reason"][0]


def test_a_wrong_declared_encoding_names_the_file_and_the_byte(tmp_path: Path):
    from pipelines.sources.mapping import SourceMapping

    path = write_csv(tmp_path / "x.csv", HEADER + "\n" + row(1, last="山田") + "\n", "cp932")
    preset = next(m for m in load_sources(None).mappings if m.name == "hubspot_contacts")
    mapping = SourceMapping.model_validate({**preset.model_dump(), "encoding": "utf-8"})
    with pytest.raises(FileRejected) as err:
        list(read_file(path, mapping))
    assert str(path) in str(err.value) and "byte " in str(err.value) and "(line 2)" in str(err.value)


def test_a_column_dropped_from_the_next_export_is_reported(tmp_path: Path):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2026-10-01.csv", HEADER + "\n" + row(1) + "\n")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con)
    load_extract(con, discover(landing, load_sources(None)), "ma_leads")
    typo = HEADER.replace("Phone Number", "Phone Numbr")
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2026-10-02.csv",
              typo + "\n" + row(1, modified="2026-04-03 10:00") + "\n")
    _first, second = load_extract(con, discover(landing, load_sources(None)), "ma_leads")
    (warning,) = [w for w in second.warnings if "carried by the previous export" in w]
    assert warning.startswith("phone: carried by the previous export (ma/hubspot-crm-exports-all-contacts-"
                              "2026-10-01.csv)")
    assert "Phone Numbr" in warning


# --- the fuzzer ---------------------------------------------------------------------------------

FUZZ_SEED = 13
FUZZ_MUTATIONS = 2000
FUZZ_SECONDS = 60


def _mutate(lines: list[bytes], rng: random.Random) -> list[bytes]:
    """One random damage to a file's lines (the header included), as real exports suffer."""
    lines = list(lines)
    i = rng.randrange(len(lines))
    line = lines[i]
    at = rng.randrange(len(line) + 1)
    op = rng.randrange(12)
    if op == 0:
        lines[i] = line[:at] + b'"' + line[at:]
    elif op == 1:
        lines[i] = line[:at] + line[at + 1:]
    elif op == 2:
        lines.insert(i, line)
    elif op == 3:
        noise = bytes(rng.choice([b for b in range(256) if b not in (10, 13)]) for _ in range(rng.randint(1, 4)))
        lines[i] = line[:at] + noise + line[at:]
    elif op == 4:
        lines[i] = line[:at] + b"\x00" + line[at:]
    elif op == 5:
        lines[i] = line[:at] + b"," + line[at:]
    elif op == 6:
        lines[i] = line.replace(b",", b"", 1)
    elif op == 7:  # a line break outside quotes (inside them it is a legitimate multi-line field)
        if line[:at].count(b'"') % 2 == 0:
            lines[i] = line[:at] + b"\n" + line[at:]
    elif op == 8:
        lines[i] = re.sub(rb"20\d\d", rng.choice([b"2999", b"1900", b"26", b"20x6", b"45321"]), line, count=1)
    elif op == 9:
        lines[i] = line[:at] + b"9999999999999999" + line[at:]
    elif op == 10:
        lines = lines[:i]
    else:
        lines[i] = line[:at] + b'"' + line[at:]
        j = min(i + rng.randint(1, 3), len(lines) - 1)
        lines[j] = lines[j][:5] + b'"' + lines[j][5:]
    return lines


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory) -> Path:
    from pipelines.demo.generator import generate

    root = tmp_path_factory.mktemp("fuzz") / "ws"
    generate(root, leads=150, seed=FUZZ_SEED, end_date=date(2026, 10, 31))
    return root / "landing"


def test_random_mutations_of_real_demo_files_lose_no_row(demo_landing: Path, tmp_path: Path):
    rng = random.Random(FUZZ_SEED)
    files = [f for f in discover(demo_landing, load_sources(None)) if f.mappings]
    assert len(files) >= 10
    started, tried, rejected, rows_seen = time.perf_counter(), 0, 0, 0
    while tried < FUZZ_MUTATIONS and time.perf_counter() - started < FUZZ_SECONDS:
        lf = rng.choice(files)
        mapping = lf.mappings[0]
        data = lf.path.read_bytes()
        lines = data.split(b"\n")
        for _ in range(rng.randint(1, 2)):
            lines = _mutate(lines, rng) or [b""]
        damaged = b"\n".join(lines)
        path = tmp_path / f"{tried:04d}-{lf.path.name}"
        path.write_bytes(damaged)
        stats = ReadStats()
        tried += 1
        raw_texts: dict[int, str] = {}
        try:
            for good, bad in read_file(path, mapping, stats):
                for line, reason in bad.select("_line_number", "reason").rows():
                    assert reason.startswith(f"line {line}: "), (path, reason)
                for frame in (good, bad):
                    raw_texts.update(frame.select("_line_number", "_raw_text").rows())
        except FileRejected as exc:
            assert str(path) in str(exc), exc
            rejected += 1
            path.unlink()
            continue
        # A record may span lines only through a quoted line break, and a line it takes in could
        # never have been a record of its own (fewer delimiters than a record has).
        width = len(stats.header)
        continuation = [part for text in raw_texts.values() for part in re.split(r"\r\n|\r|\n", text)[1:]]
        swallowed = [part for part in continuation if part.count(stats.delimiter or ",") >= width - 1]
        assert not swallowed, f"{path}: a quote swallowed a line that is a record: {swallowed[0][:80]!r}"
        expected = physical_lines(damaged) - len(continuation)
        assert stats.rows_read + stats.lines_skipped == expected, (
            f"{path}: read {stats.rows_read} rows + {stats.lines_skipped} skipped lines, the file has "
            f"{expected} records after its header")
        rows_seen += stats.rows_read
        path.unlink()
    print(f"fuzz: {tried} mutated files, {rejected} rejected naming the file, {rows_seen:,} rows accounted "
          f"in {time.perf_counter() - started:.1f} s")
    assert tried >= 200
