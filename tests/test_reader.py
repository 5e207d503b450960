"""Parsing, mapping and quarantine rules on small hand-made files."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest.reader import FileRejected, ReadStats, detect_encoding, read_file
from pipelines.sources.mapping import SourceMapping, load_mappings
from tests.conftest import write_csv

PRESETS = {m.name: m for m in load_mappings(None)}

OPP_HEADER = ("商談 ID,商談名,顧客マスタ ID,取引先名,リード ID,取引先責任者 メール,商談 所有者,リードソース,"
              "金額,通貨,フェーズ,作成日,完了予定日,失注理由,最終更新日")


def read_all(path: Path, mapping: SourceMapping) -> tuple[pl.DataFrame, pl.DataFrame, ReadStats]:
    stats = ReadStats()
    chunks = list(read_file(path, mapping, stats, chunk_rows=2))  # tiny chunks on purpose
    good = pl.concat([g for g, _ in chunks])
    bad = pl.concat([b for _, b in chunks])
    return good, bad, stats


def test_encoding_detection(tmp_path: Path):
    assert detect_encoding(write_csv(tmp_path / "a.csv", "名前\n山田\n", "cp932")) == "cp932"
    assert detect_encoding(write_csv(tmp_path / "b.csv", "\ufeff名前\n山田\n", "utf-8")) == "utf-8-sig"
    assert detect_encoding(write_csv(tmp_path / "c.csv", "名前\n山田\n", "utf-8")) == "utf-8"
    (tmp_path / "d.csv").write_bytes(b"\x81\x00\xff\xfe")
    with pytest.raises(FileRejected, match="cannot be told with certainty: not UTF-8"):
        detect_encoding(tmp_path / "d.csv")


def test_salesforce_cp932_opportunities_typed_and_in_utc(tmp_path: Path):
    text = (OPP_HEADER + ",独自メモ\r\n"
            '006A,山田製作所 - 新規導入,zcrm_1,山田製作所,00Q1,Taro@Yamada.co.jp,松本 隆,ウェビナー,'
            '"1,200,000",JPY,受注,2025/04/03 10:15,2025/05/20,,2025/05/20 18:00,メモ1\r\n'
            "\r\n\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\r\n"
            "\"機密情報 - 配布禁止\"\r\n")
    path = write_csv(tmp_path / "sfa-opportunities-x.csv", text, "cp932")
    good, bad, stats = read_all(path, PRESETS["demo_salesforce_jp_opportunities"])
    assert stats.encoding == "cp932"
    assert (stats.rows_read, bad.height, stats.lines_skipped) == (1, 0, 3)
    row = good.row(0, named=True)
    assert row["amount"] == Decimal("1200000.00")
    assert row["stage"] == "closed_won"
    assert row["lead_source"] == "webinar"
    assert row["created_at"] == datetime(2025, 4, 3, 1, 15)  # 10:15 JST = 01:15 UTC
    assert row["close_date"] == date(2025, 5, 20)
    assert row["_line_number"] == 2
    assert row["_extra"] == '{"独自メモ":"メモ1"}'


def test_bom_file_and_boolean_and_number_labels(tmp_path: Path):
    text = ("\ufeffRecord Id,Account Name,Employees,Account Type,Modified Time\n"
            "zcrm_1,山田製作所,\"1,200\",Enterprise,2025-04-03 10:15:00\n")
    path = write_csv(tmp_path / "Accounts_1.csv", text)
    good, bad, stats = read_all(path, PRESETS["demo_zoho_accounts"])
    assert stats.encoding == "utf-8-sig"
    assert good["account_id"].to_list() == ["zcrm_1"]  # the BOM is not part of the header
    assert good["employees"].to_list() == [1200]
    assert good["segment"].to_list() == ["enterprise"]
    assert set(stats.missing_optional_fields) >= {"domain", "industry"}


def test_every_problem_kind_names_line_and_field(tmp_path: Path):
    base = ",山田製作所 - 新規導入,zcrm_1,山田製作所,00Q1,t@y.co.jp,松本 隆,ウェビナー,"
    text = "\r\n".join([
        OPP_HEADER,
        "006A" + base + '"1,000",JPY,交渉,2025/04/03 10:15,2025/05/20,,',              # 2 good
        "006B" + base + '"1,000",JPY,交渉,2025/04/03 10:15,"2025/05/20',               # 3: a quote that
        '",',                                                                            # 4: runs on, short
        "006C" + base + '"1,000",JPY,,2025/04/03 10:15,2025/05/20,,',                   # 5 missing stage
        "006D" + base + '"1,000",JPY,交渉,2025/13/45 10:15,2025/05/20,,',               # 6 bad date
        "006E" + base + '"千円",JPY,交渉,2025/04/03 10:15,2025/05/20,,',                # 7 bad number
        "006F" + base + '"1,000",JPY,交渉,2025/04/03 10:15,2025/03/01,,',               # 8 out of order
        "006G" + base + '"1,000",JPY,交渉,2025/04/03 10:15',                            # 9 malformed
    ]) + "\r\n"
    path = write_csv(tmp_path / "sfa-opportunities-x.csv", text, "cp932")
    good, bad, stats = read_all(path, PRESETS["demo_salesforce_jp_opportunities"])
    assert stats.rows_read == 8  # every physical line: the broken quote swallows nothing
    assert good["opportunity_id"].to_list() == ["006A", "006F"]
    assert good.filter(pl.col("opportunity_id") == "006F")["_flags"].to_list() == [
        "out_of_order:created_at>close_date"]
    by_line = {r["_line_number"]: r for r in bad.iter_rows(named=True)}
    assert by_line[3]["reason_kind"] == by_line[4]["reason_kind"] == "malformed_line"
    assert "a quote on this line opens a field that runs over 2 lines" in by_line[3]["reason"]
    assert by_line[5]["reason_kind"] == "missing_required" and by_line[5]["reason_field"] == "stage"
    assert "'フェーズ' (stage) is empty" in by_line[5]["reason"]
    assert by_line[6]["reason_kind"] == "unparseable_date"
    assert "'作成日' (created_at) = '2025/13/45 10:15'" in by_line[6]["reason"]
    assert by_line[7]["reason_kind"] == "invalid_number" and by_line[7]["reason_field"] == "amount"
    assert by_line[9]["reason_kind"] == "malformed_line"
    assert by_line[9]["_raw_text"].startswith("006G,")
    assert by_line[3]["_raw_text"].endswith('"2025/05/20')  # the raw text of its own line
    assert by_line[4]["_raw_text"] == '",'


def test_missing_required_column_rejects_the_file_naming_it(tmp_path: Path):
    header = OPP_HEADER.replace("フェーズ,", "")
    path = write_csv(tmp_path / "sfa-opportunities-x.csv", header + "\r\n", "cp932")
    with pytest.raises(FileRejected) as err:
        list(read_file(path, PRESETS["demo_salesforce_jp_opportunities"]))
    assert "sfa-opportunities-x.csv" in str(err.value)
    assert "'フェーズ' (stage)" in str(err.value)


def test_required_any_group(tmp_path: Path):
    header = "活動 ID,リード ID,商談 ID,担当者,種別,日時\r\n"
    text = (header + "A1,00Q1,,松本 隆,電話,2025/04/03 10:15\r\nA2,,006A,松本 隆,電話,2025/04/03 10:15\r\n"
            "A3,,,松本 隆,電話,2025/04/03 10:15\r\n")
    path = write_csv(tmp_path / "sfa-activities-report-1.csv", text, "cp932")
    good, bad, _ = read_all(path, PRESETS["demo_salesforce_jp_activities"])
    assert good["activity_id"].to_list() == ["A1", "A2"]
    assert bad["reason"].to_list() == [
        "line 4: missing_required: all of 'リード ID' (sfa_lead_id) / '商談 ID' (opportunity_id) are empty"]


def test_a_lead_without_email_or_phone_loads(tmp_path: Path):
    # anonymised exports carry neither; the SLA completeness check reports them, ingest keeps them
    text = "Record ID,Email,Phone Number,Create Date\n3,,,2025-04-03 10:15\n"
    path = write_csv(tmp_path / "hubspot-contacts-export-1.csv", text)
    good, bad, _ = read_all(path, PRESETS["demo_hubspot_contacts"])
    assert good["lead_id"].to_list() == ["3"] and bad.is_empty()
