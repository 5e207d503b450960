"""The demo generator: deterministic, vendor layouts, realistic rates."""

import hashlib
from datetime import date
from pathlib import Path

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
