"""The native reading of clean lines gives what the strict record reader gives, row for row.

`read_file(..., native=False)` reads every record with the strict reader (the reference the fault
suite proves); the default finds the lines that are each a whole record and parses them in
polars. Both must produce the same good rows, quarantined rows and counts on every fault-suite
input, on seeded mutations of real demo files and when blocks cut through multi-line records.
"""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest import records
from pipelines.ingest.reader import DateLimits, FileRejected, ReadStats, read_file
from pipelines.sources.mapping import load_sources
from tests.test_faults import CASES, CONTACTS, FUZZ_SEED, _mutate

COUNTS = ("rows_read", "rows_quarantined", "rows_flagged", "rows_filtered", "rows_without_records",
          "lines_skipped", "unmapped_labels", "encoding", "delimiter", "header")


def _read(path: Path, mapping, native: bool, limits: DateLimits):
    stats = ReadStats()
    try:
        chunks = list(read_file(path, mapping, stats, native=native, limits=limits))
    except FileRejected as exc:
        return str(exc)
    good = pl.concat([g for g, _ in chunks], how="vertical") if chunks else None
    bad = pl.concat([b for _, b in chunks], how="vertical") if chunks else None
    if good is not None:
        good = good.sort("_line_number", maintain_order=True)
        bad = bad.sort("_line_number", maintain_order=True)
        # a line read natively carries its text's hash (the strict reader's records carry none)
        hashed = good.filter(pl.col(records.HASH_COLUMNS[0]).is_not_null())
        assert hashed.select(records.HASH_COLUMNS).equals(records.line_hashes(hashed["_raw_text"]))
        assert native or hashed.is_empty()
        good = good.drop(records.HASH_COLUMNS)
    return good, bad, {k: getattr(stats, k) for k in COUNTS}


def assert_same(path: Path, mapping) -> None:
    limits = DateLimits.from_rules()  # one clock: a reason names the latest date it accepts, to the minute
    native, strict = _read(path, mapping, True, limits), _read(path, mapping, False, limits)
    if isinstance(strict, str) or isinstance(native, str):
        assert native == strict
        return
    assert native[2] == strict[2], path
    for ours, reference in zip(native[:2], strict[:2], strict=True):
        if reference is None:
            assert ours is None
        else:
            assert ours.equals(reference), (path, ours, reference)


def _landed(tmp_path: Path, data: bytes, sources_text: str | None = None):
    """The file written where the fault suite puts it, with the ma_leads mapping that reads it."""
    from pipelines.ingest.loader import discover

    path = tmp_path / "landing" / CONTACTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    sources_file = None
    if sources_text:
        sources_file = tmp_path / "sources.yml"
        sources_file.write_text(sources_text, encoding="utf-8")
    (lf,) = discover(tmp_path / "landing", load_sources(sources_file))
    return path, lf.mapping_for("ma_leads")


@pytest.mark.parametrize("case", [c for c in CASES if c.outcome != "unmatched"], ids=lambda c: c.name)
def test_every_fault_case_reads_the_same_natively(case, tmp_path: Path):
    path, mapping = _landed(tmp_path, case.data, case.sources)
    assert mapping is not None
    assert_same(path, mapping)


def test_blocks_that_cut_through_multi_line_records_read_the_same(tmp_path: Path, monkeypatch):
    header = "Record ID,First Name,Last Name,Email,Create Date,Lifecycle Stage"
    lines = [header]
    for i in range(1, 400):
        note = f'"line one\nline two of {i}"' if i % 7 == 0 else f"名前{i}"
        if i % 53 == 0:
            note = f'"unclosed {i}'  # a stray quote: its line is quarantined, the next ones read
        lines.append(f"{i},{note},田中,t{i}@example.co.jp,2026-04-01 10:00,Lead")
    path, mapping = _landed(tmp_path, ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    for block in (64, 200, 1000, 1 << 25):
        monkeypatch.setattr(records, "BLOCK_BYTES", block)
        assert_same(path, mapping)
    good, bad, counts = _read(path, mapping, True, DateLimits.from_rules())
    assert counts["rows_read"] == 399 and bad.height == 7  # the 7 lines with a stray quote


def test_clean_lines_never_reach_the_strict_reader(tmp_path: Path, monkeypatch):
    """The speed comes from here: a clean export's rows are parsed natively, not line by line."""
    header = "Record ID,First Name,Last Name,Email,Create Date,Lifecycle Stage"
    body = [f'{i},"名, {i}",田中,t{i}@example.co.jp,2026-04-01 10:00,Lead' for i in range(1, 5001)]
    path, mapping = _landed(tmp_path, "\n".join([header, *body, ""]).encode("utf-8"))
    strict_records = []
    real = records._records

    def counting(*args, **kwargs):
        for record in real(*args, **kwargs):
            strict_records.append(record[0])
            yield record

    monkeypatch.setattr(records, "_records", counting)
    stats = ReadStats()
    good = pl.concat([g for g, _ in read_file(path, mapping, stats)])
    assert good.height == 5000 and good["_line_number"].to_list() == list(range(2, 5002))
    assert good.filter(pl.col("_line_number") == 2)["first_name"].item() == "名, 1"
    assert strict_records == [1]  # the header only


def test_seeded_mutations_read_the_same(tmp_path: Path, tmp_path_factory):
    from datetime import date

    from pipelines.demo.generator import generate
    from pipelines.ingest.loader import discover

    root = tmp_path_factory.mktemp("native") / "ws"
    generate(root, leads=80, seed=FUZZ_SEED, end_date=date(2026, 10, 31))
    files = [f for f in discover(root / "landing", load_sources(None)) if f.mappings]
    rng = random.Random(FUZZ_SEED + 1)
    for n in range(300):
        lf = rng.choice(files)
        lines = lf.path.read_bytes().split(b"\n")
        for _ in range(rng.randint(1, 3)):
            lines = _mutate(lines, rng) or [b""]
        path = tmp_path / f"{n:03d}-{lf.path.name}"
        path.write_bytes(b"\n".join(lines))
        assert_same(path, lf.mappings[0])
        path.unlink()


def _held_by(path: Path, mapping) -> records.HeldLines:
    """What a load of `path` would hold for the next export of its mapping."""
    stats = ReadStats()
    good = pl.concat([g for g, _ in read_file(path, mapping, stats)])
    hashes = good.select(records.HASH_COLUMNS).drop_nulls().unique()
    return records.HeldLines(hashes, stats.formats, stats.header, stats.delimiter)


def test_held_lines_are_left_out_and_the_rest_read_as_without_holding(tmp_path: Path, monkeypatch):
    """Day 2 repeats day 1's lines, changes every fifth, and writes two of day 1's lines again in
    multi-line notes: in one inside a quoted line (not a record), in the other as a line of its own,
    which the reader takes as a record, read line by line (the note's opening line is quarantined).
    The lines held are day 1's lines read natively on day 2, and everything else reads as it reads
    with nothing held, whatever the block size."""
    header = "Record ID,First Name,Last Name,Email,Create Date,Lifecycle Stage"
    day1 = [f"{i},名前{i},田中,t{i}@example.co.jp,2026-04-01 10:00,Lead" for i in range(1, 300)]
    day2 = [line if i % 5 else line.replace("Lead", "Subscriber") for i, line in enumerate(day1, 1)]
    day2[40] = f'900,"a note\n{day1[10]}",田中,n@example.co.jp,2026-04-02 10:00,Lead'  # inside
    day2[80] = f'901,"a note\n{day1[11]}\nand more",田中,m@example.co.jp,2026-04-02 10:00,Lead'
    first, mapping = _landed(tmp_path, "\n".join([header, *day1, ""]).encode("utf-8"))
    held_lines = _held_by(first, mapping)
    path = tmp_path / "day2.csv"
    path.write_text("\n".join([header, *day2, ""]), encoding="utf-8")
    everything, bad, _ = _read(path, mapping, True, DateLimits.from_rules())
    # line 84, read line by line after the note's quarantined opening line, is read again, not held
    assert bad["_line_number"].to_list() == [83, 85]
    expected_held = {n for n, text in zip(everything["_line_number"], everything["_raw_text"], strict=True)
                     if text in day1 and n != 84}
    assert len(expected_held) == 299 - 59 - 2  # not the changed and the overwritten
    for block in (64, 300, 1 << 25):
        monkeypatch.setattr(records, "BLOCK_BYTES", block)
        held = records.HeldLines(held_lines.hashes, held_lines.formats, held_lines.header,
                                 held_lines.delimiter)
        stats = ReadStats()
        chunks = list(read_file(path, mapping, stats, held=held))
        good = pl.concat([g for g, _ in chunks]).sort("_line_number").drop(records.HASH_COLUMNS)
        assert set(pl.concat(held.matched)["_line_number"]) == expected_held
        assert good.equals(everything.filter(~pl.col("_line_number").is_in(expected_held)))
        assert pl.concat([b for _, b in chunks]).sort("_line_number").equals(bad)
        assert stats.rows_read == everything.height + bad.height


def test_held_lines_sharing_a_high_half_are_told_apart_by_the_low_one():
    """Three held lines share a high half; a line is held on both halves, once (its text's first line)."""
    def hashes(hi: list[int], lo: list[int]) -> pl.DataFrame:
        return pl.DataFrame(dict(zip(records.HASH_COLUMNS, (hi, lo), strict=True)),
                            schema={c: pl.UInt64 for c in records.HASH_COLUMNS})

    held = records.HeldLines(hashes([7, 7, 7, 2], [5, 1, 9, 3]), {}, [], ",")
    block = hashes([7, 7, 7, 7, 2, 2, 9, 0, 7], [9, 1, 5, 4, 3, 4, 5, 5, 1])
    assert held.find(block).tolist() == [True, True, True, False, True, False, False, False, False]
    assert held.find(hashes([7, 2, 7], [9, 3, 5])).tolist() == [False, False, False]  # found before
