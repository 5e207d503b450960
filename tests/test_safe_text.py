"""Exports are safe to open in a spreadsheet (issue 13, item 1): a cell that Excel would run as a
formula is neutralised the way OWASP's CSV-injection guidance says; plain numbers stay numbers."""

from __future__ import annotations

import csv

import duckdb
import pytest

from pipelines.exports import _LOCAL, ACTION_LISTS, export_actions
from pipelines.safe_text import spreadsheet_safe

PLANTED = ['=HYPERLINK("http://evil.example","click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "  =1+1", "＝1+1", "＠SUM(1)"]


@pytest.mark.parametrize("value", PLANTED)
def test_a_formula_is_neutralised(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["-5", "+1.5", "-2 days", "-12.5%", "1,234", "-0.25", "", "株式会社テスト",
                                   "a=b", "team-east", "2026/10/31 18:00", "-50.0 pt", "+3 件", "-1.2億円",
                                   "-¥1,130,400", "+¥2.2億", "-¥6,447万", "-$1.25M"])
def test_plain_text_and_numbers_stay_as_they_are(value):
    assert spreadsheet_safe(value) == value


def test_non_text_values_pass_through():
    assert spreadsheet_safe(None) is None and spreadsheet_safe(-3) == -3 and spreadsheet_safe(1.5) == 1.5


def test_every_action_list_neutralises_planted_free_text(tmp_path):
    """Every column of every action list carries a planted formula: no exported cell starts with a
    formula character unless it is quoted."""
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA marts")
    for action in ACTION_LISTS:
        def value(column: str) -> str:
            if column in _LOCAL:
                return f"TIMESTAMP '2026-10-01 00:00:00' AS {column}"
            if column in ("hours_waiting", "hours_since_notified"):
                return f"1.5 AS {column}"
            return f"'{PLANTED[0].replace(chr(39), chr(39) * 2)}' AS {column}"

        table = action.table.split(".")[1]
        con.execute(f"CREATE TABLE marts.{table} AS SELECT "
                    + ", ".join(value(c) for c, _ja, _en in action.columns))
    con.close()
    export_actions(warehouse, tmp_path / "out", lang="en")
    checked = 0
    for action in ACTION_LISTS:
        with open(tmp_path / "out" / action.file, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        for cell in rows[1][:]:
            checked += 1
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (action.file, cell)
        assert "'" + PLANTED[0] in rows[1]
    assert checked > 20


def test_a_quarantined_line_is_masked_where_it_stands():
    from pipelines.safe_text import mask_raw_line

    # a broken quote keeps showing; the name column (position 2), the phone and the address are masked
    line = '1,"abc,田中,03-1234-5678,t.tanaka@x.co.jp,2026-04-01 10:00,1.0123456789,"1,200"'
    assert mask_raw_line(line, ",", [2]) == \
        '1,"abc,田＊＊,***-****-5678,t***@x.co.jp,2026-04-01 10:00,1.0123456789,"1,200"'
    assert mask_raw_line('1,"山田, 花子",090 1234 5678', ",", [1]) == '1,"山＊＊",***-****-5678'
