"""The business rules as warehouse tables: calendar indexes, fiscal periods, bands."""

from datetime import date
from pathlib import Path

import polars as pl

from pipelines.config_tables import calendar_frame, list_frames, rules_frame
from pipelines.rules import load_rules


def _day(cal: pl.DataFrame, d: date) -> dict:
    return cal.filter(pl.col("date_day") == d).row(0, named=True)


def _fiscal(cal: pl.DataFrame, d: date) -> tuple[int, int]:
    row = _day(cal, d)
    return row["fiscal_year"], row["fiscal_quarter"]


def test_business_days_skip_weekends_and_japanese_holidays():
    cal = calendar_frame(load_rules(None), date(2026, 4, 1), date(2026, 5, 31))
    # Golden Week 2026: Wed 29 Apr Showa Day; Sat 2 - Wed 6 May weekend and holidays
    assert _day(cal, date(2026, 4, 29))["is_business_day"] is False
    assert _day(cal, date(2026, 4, 29))["holiday_name"] == "Showa Day"
    for d in range(2, 7):
        assert _day(cal, date(2026, 5, d))["is_business_day"] is False
    assert _day(cal, date(2026, 5, 6))["holiday_name"] is not None  # substitute holiday
    friday, thursday = _day(cal, date(2026, 5, 1)), _day(cal, date(2026, 5, 7))
    assert thursday["business_day_index"] - friday["business_day_index"] == 1
    # business minutes: 9 hours a business day; none on holidays
    assert thursday["business_minutes_before"] - friday["business_minutes_before"] == 540
    assert _day(cal, date(2026, 5, 4))["business_minutes_in_day"] == 0


def test_fiscal_year_starts_in_april_by_default(tmp_path: Path):
    cal = calendar_frame(load_rules(None), date(2026, 3, 1), date(2026, 4, 30))
    assert _fiscal(cal, date(2026, 3, 31)) == (2025, 4)
    assert _fiscal(cal, date(2026, 4, 1)) == (2026, 1)
    rules_file = tmp_path / "leadjourney.yml"
    rules_file.write_text("calendar:\n  fiscal_year_start_month: 1\n  company_holidays: ['2026-04-30']\n")
    cal = calendar_frame(load_rules(rules_file), date(2026, 3, 1), date(2026, 4, 30))
    assert _fiscal(cal, date(2026, 3, 31)) == (2026, 1)
    assert _day(cal, date(2026, 4, 30))["holiday_name"] == "company holiday"


def test_rules_table_carries_the_file_numbers(tmp_path: Path):
    rules_file = tmp_path / "leadjourney.yml"
    rules_file.write_text("sla:\n  first_contact_hours: 4\nreporting:\n  as_of: '2026-10-31T18:00:00'\n")
    row = rules_frame(load_rules(rules_file)).row(0, named=True)
    assert row["sla_first_contact_hours"] == 4
    assert row["as_of_mode"] == "fixed" and str(row["as_of_fixed"]) == "2026-10-31 18:00:00"
    buckets = list_frames(load_rules(None))["speed_buckets"]
    assert buckets["bucket_label"].to_list() == ["<= 5 min", "<= 30 min", "<= 1 h", "<= 24 h", "> 24 h"]
