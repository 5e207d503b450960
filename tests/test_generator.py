"""The demo generator: deterministic, vendor layouts, realistic rates."""

import hashlib
from datetime import date
from pathlib import Path

import pytest

from pipelines.demo.generator import generate

END = date(2026, 10, 31)


def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_files_and_truth(tmp_path: Path):
    generate(tmp_path / "a", leads=300, seed=5, end_date=END)
    generate(tmp_path / "b", leads=300, seed=5, end_date=END)
    generate(tmp_path / "c", leads=300, seed=6, end_date=END)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_vendor_layouts(tmp_path: Path):
    generate(tmp_path, leads=200, seed=1, end_date=END)
    sfa = (tmp_path / "landing/sfa/sfa-leads-report-20261031.csv").read_bytes()
    text = sfa.decode("cp932")  # Shift_JIS (CP932), as a Japanese Salesforce org exports
    assert text.startswith("リード ID,MA リード ID,姓,名,会社名")
    assert "2026/" in text or "2025/" in text  # YYYY/MM/DD dates
    assert text.rstrip().endswith("作成者: 中村 美穂")
    zoho = (tmp_path / "landing/crm/Accounts_2026_10_31.csv").read_bytes()
    assert zoho.startswith(b"\xef\xbb\xbfRecord Id,Account Name")  # UTF-8 with BOM
    hubspot = (tmp_path / "landing/ma/hubspot-contacts-export-2026-10-31.csv").read_text()
    assert hubspot.startswith("Record ID,First Name,Last Name,Email")


def test_conversion_rates_are_inside_the_issue_bands(tmp_path: Path):
    truth = generate(tmp_path, leads=20_000, seed=11, end_date=END)
    s = truth["stage_leads"]["overall"]
    assert 0.20 <= s["sql"] / s["mql"] <= 0.30
    assert 0.15 <= s["won"] / s["sql"] <= 0.25
    by_channel = truth["stage_leads"]["by_channel"]
    rates = {ch: c["sql"] / c["mql"] for ch, c in by_channel.items() if c["mql"]}
    assert rates["referral"] > 2 * rates["paid_social"]  # conversion depends on channel
    assert truth["quarantined_rows_total"] > 0 and truth["flagged_rows_total"] > 0


def _rows(root: Path) -> dict[str, list[str]]:
    """Each landing file's lines, sorted (chunks append their rows in chunk order)."""
    return {p.relative_to(root).as_posix(): sorted(p.read_bytes().splitlines())
            for p in sorted((root / "landing").rglob("*")) if p.is_file()}


def test_chunks_split_the_work_not_the_rows(tmp_path: Path):
    one = generate(tmp_path / "one", leads=400, seed=5, end_date=END, chunks=1)
    three = generate(tmp_path / "three", leads=400, seed=5, end_date=END, chunks=3)
    assert one == three
    assert _rows(tmp_path / "one") == _rows(tmp_path / "three")
    for path in (p for p in (tmp_path / "three/landing").rglob("*") if p.is_file()):
        lines = path.read_bytes().splitlines()
        other = (tmp_path / "one/landing" / path.relative_to(tmp_path / "three/landing")).read_bytes()
        assert lines[0] == other.splitlines()[0]  # the header (and byte order mark) once, first
        if path.parent.name == "sfa":
            assert lines[-4:] == other.splitlines()[-4:]  # the report's footer once, last


def _keys(path: Path, encoding: str) -> set[str]:
    return {line.split(",")[0] for line in path.read_bytes().decode(encoding).splitlines()[1:] if line}


def test_a_later_export_day_continues_the_same_records(tmp_path: Path):
    """The next day's exports hold every record of the day before (the activities and stage history
    as they were), the leads that arrived since and what happened in between."""
    end, next_day = date(2026, 10, 29), date(2026, 10, 30)  # Thursday's exports, then Friday's
    first = generate(tmp_path / "d1", leads=1500, seed=5, end_date=end)
    second = generate(tmp_path / "d2", leads=1500, seed=5, end_date=end, as_of=next_day)
    # a day more at the period's last rate: 1500 leads * 1.6 / 1.3 over 574 days (1 Apr 2025 to
    # 27 Oct 2026, the last two days left for their first steps) = 3.2
    assert first["generator"]["leads_after_end"] == 0 and second["generator"]["leads_after_end"] == 3
    assert second["journey_leads"] > first["journey_leads"]
    assert all(second["stage_leads"]["overall"][s] >= n for s, n in first["stage_leads"]["overall"].items())
    day1, day2 = tmp_path / "d1/landing", tmp_path / "d2/landing"
    renamed = {"2026-10-29": "2026-10-30", "20261029": "20261030", "2026_10_29": "2026_10_30"}
    grew = set()
    for path in sorted(p for p in day1.rglob("*") if p.is_file()):
        name = path.relative_to(day1).as_posix()
        for old, new in renamed.items():
            name = name.replace(old, new)
        later = day2 / name
        encoding = "cp932" if name.startswith("sfa/") else "utf-8-sig"
        assert _keys(path, encoding) <= _keys(later, encoding), name  # no record disappears
        if "activit" in name or "history" in name:  # appended to, never rewritten
            assert set(path.read_bytes().splitlines()) <= set(later.read_bytes().splitlines()), name
        if later.stat().st_size > path.stat().st_size:
            grew.add(name)
    # a working day more: the new leads and their first activities, at least
    assert {f"ma/hubspot-{kind}-export-2026-10-30.csv" for kind in ("contacts", "activities")} <= grew
    with pytest.raises(ValueError, match="before the end"):
        generate(tmp_path / "d0", leads=10, seed=5, end_date=end, as_of=date(2026, 10, 1))
