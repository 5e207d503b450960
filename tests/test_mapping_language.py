"""One test per mapping-language feature and input kind, on small hand-made files."""

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.ingest.reader import DateLimits, FileRejected, ReadStats, detect_encoding, read_file
from pipelines.sources.mapping import MappingError, SourceMapping, load_mappings, match_mappings
from tests.conftest import write_csv


def leads_mapping(**overrides) -> SourceMapping:
    body = {"name": "t", "extract": "ma_leads", "folder": "ma", "files": ["*.csv"],
            "timestamp_formats": ["%Y-%m-%d %H:%M"],
            "columns": {"lead_id": "Id", "email": "Email", "created_at": "Created"}}
    columns = overrides.pop("columns", {})
    body["columns"] = {**body["columns"], **columns}
    return SourceMapping.model_validate({**body, **overrides})


def read_all(path: Path, mapping: SourceMapping) -> tuple[pl.DataFrame, pl.DataFrame, ReadStats]:
    stats = ReadStats()
    chunks = list(read_file(path, mapping, stats, chunk_rows=2))
    return pl.concat([g for g, _ in chunks]), pl.concat([b for _, b in chunks]), stats


def test_null_tokens_per_mapping_and_per_column(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created,Industry,Phone\n"
                     "1,(No value),2025-04-01 10:00,N/A,03-1\n"
                     "2,b@x.jp,2025-04-01 10:00,-,n/a\n")
    mapping = leads_mapping(null_values=["(No value)"],
                            columns={"industry": {"column": "Industry", "null": ["N/A", "-"]},
                                     "phone": "Phone"})
    good, bad, _ = read_all(path, mapping)
    assert bad.is_empty()  # '(No value)' in email does not quarantine: the phone is there
    assert good["email"].to_list() == [None, "b@x.jp"]
    assert good["industry"].to_list() == [None, None]
    assert good["phone"].to_list() == ["03-1", "n/a"]  # the column's tokens apply to it only


def test_headers_match_ignoring_case_and_spaces_and_alternatives(tmp_path):
    path = write_csv(tmp_path / "a.csv", " ID ,EMAIL,created,Original Source\n1,a@x.jp,2025-04-01 10:00,Referrals\n")
    mapping = leads_mapping(columns={"original_channel": {
        "column": ["Original Traffic Source", "Original Source"], "values": {"referrals": "referral"}}})
    good, bad, stats = read_all(path, mapping)
    assert bad.is_empty() and stats.missing_optional_columns == []
    assert good.row(0, named=True)["original_channel"] == "referral"  # labels match case-insensitively


def test_coalesce_takes_the_first_non_empty_column(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created,Phone Number,Mobile Phone Number\n"
                     "1,,2025-04-01 10:00,03-1111,090-1\n2,,2025-04-01 10:00,,090-2\n")
    mapping = leads_mapping(columns={"phone": {"coalesce": ["Phone Number", "Mobile Phone Number"]}})
    good, bad, _ = read_all(path, mapping)
    assert bad.is_empty()
    assert good["phone"].to_list() == ["03-1111", "090-2"]


def test_one_item_of_a_multi_valued_cell(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created,Industry\n"
                     "1,a@x.jp,2025-04-01 10:00,manufacturing; retail;finance\n2,b@x.jp,2025-04-01 10:00,\n")
    first = leads_mapping(columns={"industry": {"column": "Industry", "split": ";"}})
    last = leads_mapping(columns={"industry": {"column": "Industry", "split": ";", "item": -1}})
    assert read_all(path, first)[0]["industry"].to_list() == ["manufacturing", None]
    assert read_all(path, last)[0]["industry"].to_list() == ["finance", None]


def test_default_code_for_unknown_labels_and_their_counts(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created,Source\n" + "".join(
        f"{i},a{i}@x.jp,2025-04-01 10:00,{label}\n"
        for i, label in enumerate(["Paid Search", "AI Referrals", "AI Referrals", "Podcast", ""])))
    mapping = leads_mapping(columns={"original_channel": {
        "column": "Source", "values": {"Paid Search": "paid_search"}, "default": "other"}})
    good, _, stats = read_all(path, mapping)
    assert good["original_channel"].to_list() == ["paid_search", "other", "other", "other", None]
    assert stats.unmapped_labels == {"original_channel": {"AI Referrals": 2, "Podcast": 1}}


def test_codes_outside_the_contract_are_counted_too(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created,Channel\n1,a@x.jp,2025-04-01 10:00,webinar\n"
                     "2,b@x.jp,2025-04-01 10:00,tv\n")
    _, _, stats = read_all(path, leads_mapping(columns={"original_channel": "Channel"}))
    assert stats.unmapped_labels == {"original_channel": {"tv": 1}}


def test_ambiguous_date_formats_are_refused_not_guessed(tmp_path):
    formats = ["%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M"]
    ambiguous = write_csv(tmp_path / "a.csv", "Id,Email,Created\n1,a@x.jp,01/02/2025 10:00\n"
                          "2,b@x.jp,03/04/2025 10:00\n")
    with pytest.raises(FileRejected) as err:
        read_all(ambiguous, leads_mapping(timestamp_formats=formats))
    assert "a.csv" in str(err.value) and "'Created' (created_at)" in str(err.value)
    assert "every value reads both as %d/%m/%Y %H:%M and as %m/%d/%Y %H:%M" in str(err.value)
    # one value with a day above 12 shows the file is day-first: every value reads that way
    told = write_csv(tmp_path / "b.csv", "Id,Email,Created\n1,a@x.jp,01/02/2025 10:00\n"
                     "2,b@x.jp,25/04/2025 10:00\n")
    good, bad, _ = read_all(told, leads_mapping(timestamp_formats=formats))
    assert bad.is_empty()
    assert good["created_at"].to_list() == [datetime(2025, 2, 1, 1, 0), datetime(2025, 4, 25, 1, 0)]
    mixed = write_csv(tmp_path / "c.csv", "Id,Email,Created\n1,a@x.jp,13/02/2025 10:00\n"
                      "2,b@x.jp,02/13/2025 10:00\n3,c@x.jp,01/02/2025 10:00\n")
    with pytest.raises(FileRejected, match="some values read only as"):
        read_all(mixed, leads_mapping(timestamp_formats=formats))


def test_a_date_only_value_on_a_daylight_saving_gap_loads(tmp_path):
    # 2021-09-05 00:00 does not exist in Santiago (clocks go from 00:00 to 01:00)
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created\n1,a@x.jp,2021-09-05\n")
    good, bad, _ = read_all(path, leads_mapping(timezone="America/Santiago", timestamp_formats=["%Y-%m-%d"]))
    assert bad.is_empty()
    assert good["created_at"].to_list() == [datetime(2021, 9, 5, 4, 0)]  # 01:00 -03 = 04:00 UTC


@pytest.mark.parametrize(("zone", "text", "fmt", "utc"), [
    # date-only on a gap at midnight: the first instant after it (01:00 -02 = 03:00 UTC)
    ("America/Sao_Paulo", "2017-10-15", "%Y-%m-%d", datetime(2017, 10, 15, 3, 0)),
    # a time inside a gap moves forward by the gap, as the clocks did (02:30 -> 03:30 CEST)
    ("Europe/Berlin", "2021-03-28 02:30", "%Y-%m-%d %H:%M", datetime(2021, 3, 28, 1, 30)),
    ("America/New_York", "2021-03-14 02:15", "%Y-%m-%d %H:%M", datetime(2021, 3, 14, 7, 15)),
    # a repeated hour reads as its first occurrence (still daylight time)
    ("Europe/Berlin", "2021-10-31 02:30", "%Y-%m-%d %H:%M", datetime(2021, 10, 31, 0, 30)),
    ("America/New_York", "2021-11-07 01:30", "%Y-%m-%d %H:%M", datetime(2021, 11, 7, 5, 30)),
    # an ordinary day in each zone
    ("America/Sao_Paulo", "2017-10-16", "%Y-%m-%d", datetime(2017, 10, 16, 2, 0)),
])
def test_daylight_saving_gaps_and_repeated_hours(tmp_path, zone, text, fmt, utc):
    path = write_csv(tmp_path / "a.csv", f"Id,Email,Created\n1,a@x.jp,{text}\n")
    good, bad, _ = read_all(path, leads_mapping(timezone=zone, timestamp_formats=[fmt]))
    assert bad.is_empty()
    assert good["created_at"].to_list() == [utc]


def test_a_zone_of_one_offset_converts_as_the_zone_did_in_the_years_the_load_accepts(tmp_path):
    # Tokyo has kept +09:00 since 1951 (converted by subtracting it); with the earliest date in
    # 1948, the summer time of 1948-1951 is within the accepted years and the zone's rules apply
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created\n1,a@x.jp,1949-06-01 12:00\n"
                     "2,b@x.jp,2026-06-01 12:00\n")
    mapping = leads_mapping(timezone="Asia/Tokyo")
    for earliest, summer_1949 in ((date(1948, 1, 1), datetime(1949, 6, 1, 2, 0)), (date(1990, 1, 1), None)):
        limits = DateLimits(earliest, future_margin_days=1, planned_future_years=5)
        chunks = list(read_file(path, mapping, ReadStats(), limits=limits))
        good, bad = pl.concat([g for g, _ in chunks]), pl.concat([b for _, b in chunks])
        times = dict(zip(good["lead_id"], good["created_at"], strict=True))
        assert times.get("1") == summer_1949 and times["2"] == datetime(2026, 6, 1, 3, 0)
        assert bad["reason_kind"].to_list() == ([] if summer_1949 else ["implausible_date"])


def test_encodings_any_codec_and_auto_refuses_what_it_cannot_tell(tmp_path):
    latin = "Id,Email,Created,Company\n1,a@x.jp,2025-04-01 10:00,Hélène Müller Société\n"
    path = write_csv(tmp_path / "latin.csv", latin, "latin-1")
    with pytest.raises(FileRejected) as err:
        detect_encoding(path)
    message = str(err.value)
    assert "latin.csv" in message and "cannot be told with certainty" in message
    assert "It decodes as: cp1252, latin-1" in message
    # a Latin-1 text that happens to be valid CP932 is refused too, not read as kanji
    sneaky = write_csv(tmp_path / "sneaky.csv", "Id,Name\n1,Hélène\n", "latin-1")
    assert b"H\xe9l\xe8ne".decode("cp932")  # it does decode ...
    with pytest.raises(FileRejected, match="characters a Latin-1 or Windows-1252 text turns into"):
        detect_encoding(sneaky)
    good, _, stats = read_all(path, leads_mapping(encoding="latin-1", columns={"company_name": "Company"}))
    assert stats.encoding == "iso8859-1"
    assert good["company_name"].to_list() == ["Hélène Müller Société"]
    utf16 = write_csv(tmp_path / "u16.csv", latin, "utf-16")  # with its byte-order mark
    assert detect_encoding(utf16) == "utf-16"
    assert read_all(utf16, leads_mapping(columns={"company_name": "Company"}))[0]["company_name"].to_list() == [
        "Hélène Müller Société"]
    assert detect_encoding(write_csv(tmp_path / "sj.csv", "名前\n山田株式会社\n", "cp932")) == "cp932"


def test_a_wrong_declared_encoding_names_byte_and_line(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created\n1,a@x.jp,2025-04-01 10:00\n2,é,x\n", "latin-1")
    with pytest.raises(FileRejected) as err:
        detect_encoding(path, "utf-8")
    assert "a.csv: not valid utf-8 as its mapping declares: byte 45 (line 3)" in str(err.value)


def test_tab_and_semicolon_delimiters_are_sniffed(tmp_path):
    for name, sep in (("t.tsv", "\t"), ("s.csv", ";")):
        path = write_csv(tmp_path / name, sep.join(["Id", "Email", "Created"]) + "\n"
                         + sep.join(["1", "a@x.jp", "2025-04-01 10:00"]) + "\n")
        good, bad, stats = read_all(path, leads_mapping())
        assert stats.delimiter == sep and bad.is_empty() and good["lead_id"].to_list() == ["1"]


def test_excel_workbooks_first_or_named_sheet(tmp_path):
    import xlsxwriter

    path = tmp_path / "leads.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Notes").write(0, 0, "not the data")
    sheet = book.add_worksheet("Leads")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, ["Id", "Email", "Created", "Employees"])
    sheet.write_row(1, 0, [101, "a@x.jp"])
    sheet.write_datetime(1, 2, datetime(2025, 4, 1, 10, 0), when)
    sheet.write_number(1, 3, 250)
    sheet.write_row(2, 0, [102, "b@x.jp", "2025-04-02 09:30"])
    book.close()
    with pytest.raises(FileRejected, match="required column"):
        read_all(path, leads_mapping())  # the first sheet holds no leads
    good, bad, stats = read_all(path, leads_mapping(sheet="Leads", columns={"employees": "Employees"}))
    assert stats.encoding == "xlsx" and bad.is_empty()
    assert good["lead_id"].to_list() == ["101", "102"]
    assert good["created_at"].to_list() == [datetime(2025, 4, 1, 1, 0), datetime(2025, 4, 2, 0, 30)]
    assert good["employees"].to_list() == [250, None]
    assert good["_line_number"].to_list() == [2, 3]


def test_files_match_by_header_when_names_say_nothing(tmp_path):
    mappings = load_mappings(None)
    leads = ["Lead ID", "First Name", "Last Name", "Company / Account", "Email", "Lead Status",
             "Lead Source", "Create Date"]
    opps = ["Opportunity ID", "Opportunity Name", "Account Name", "Stage", "Amount", "Close Date",
            "Created Date"]
    assert [m.name for m, _ in match_mappings(mappings, "sfa", "report1700000000000.csv", leads)] == [
        "salesforce_report_leads"]
    assert [m.name for m, _ in match_mappings(mappings, "sfa", "report1700000000001.csv", opps)] == [
        "salesforce_report_opportunities"]


def test_one_file_feeds_several_extracts(tmp_path):
    header = ["Record ID", "Email", "Create Date", "Lifecycle Stage",
              'Date entered "Marketing Qualified Lead (Lifecycle Stage Pipeline)"',
              'Date entered "Customer (Lifecycle Stage Pipeline)"']
    found = match_mappings(load_mappings(None), "ma", "hubspot-crm-exports-all-contacts-2025-04-01.csv",
                           header)
    assert [(m.name, m.extract) for m, _ in found] == [("hubspot_contacts", "ma_leads"),
                                                       ("hubspot_contact_stages", "stage_events")]


def test_an_unmatched_file_names_the_closest_preset_and_what_it_lacks():
    header = ["Record Id", "Deal Name", "Amount", "Closing Date", "Account Name", "Created Time"]
    with pytest.raises(MappingError) as err:
        match_mappings(load_mappings(None), "sfa", "export.csv", header)
    message = str(err.value)
    assert "landing/sfa/export.csv: no source mapping fits this file." in message
    assert "Closest: zoho_deals, which finds 6 of its columns but lacks 'Stage' (stage)" in message
    assert "its file patterns are *Deals*" in message


def test_long_history_rows_filtered_to_one_field(tmp_path):
    path = write_csv(tmp_path / "LeadHistory.csv", "Id,IsDeleted,LeadId,CreatedById,CreatedDate,Field,DataType,OldValue,NewValue\n"
                     "017A,false,00Q1,005X,2025-04-01T01:00:00.000Z,Status,Text,Open - Not Contacted,Working - Contacted\n"
                     "017B,false,00Q1,005X,2025-04-02T01:00:00.000Z,Rating,Text,,Hot\n"
                     "017C,false,00Q1,005X,2025-04-03T01:00:00.000Z,Status,Text,Working - Contacted,Closed - Converted\n"
                     "017D,true,00Q2,005X,2025-04-03T01:00:00.000Z,Status,Text,,Closed - Converted\n")
    mapping = {m.name: m for m in load_mappings(None)}["salesforce_export_lead_history"]
    good, bad, stats = read_all(path, mapping)
    assert (stats.rows_read, stats.rows_filtered, bad.height) == (4, 2, 0)
    assert good.select("record_id", "record_kind", "stage", "entered_at").rows() == [
        ("00Q1", "lead", "sal", datetime(2025, 4, 1, 1, 0)), ("00Q1", "lead", "sql", datetime(2025, 4, 3, 1, 0))]


def test_wide_stage_columns_become_one_event_per_stage(tmp_path):
    path = write_csv(tmp_path / "c.csv", "Id,MQL Date,Won Date,Lost Date\n"
                     "1,2025-04-01,2025-05-01 10:00,\n2,2025-04-02,,\n3,,,\n4,2025-13-01,,\n")
    mapping = SourceMapping.model_validate({
        "name": "w", "extract": "stage_events", "folder": "ma", "timestamp_formats": ["%Y-%m-%d %H:%M", "%Y-%m-%d"],
        "columns": {"record_id": "Id", "record_kind": {"value": "person"}},
        "stages": {"mql": "MQL Date", "won": "Won Date", "lost": {"entered": "Lost Date"}}})
    good, bad, stats = read_all(path, mapping)
    assert good.select("record_id", "stage", "_line_number").rows() == [
        ("1", "mql", 2), ("1", "won", 2), ("2", "mql", 3)]
    assert (stats.rows_read, stats.rows_without_records, bad.height) == (4, 1, 1)
    assert "stage mql (entered)" in bad["reason"][0] and bad["reason_kind"][0] == "unparseable_date"
    assert stats.carried_fields == ["record_id", "record_kind", "stage", "entered_at",
                                    "stage:mql", "stage:won", "stage:lost"]


def test_mapping_errors_for_the_new_keys():
    with pytest.raises(ValueError, match="default needs values"):
        leads_mapping(columns={"industry": {"column": "I", "default": "x"}})
    with pytest.raises(ValueError, match="unknown encoding 'klingon'"):
        leads_mapping(encoding="klingon")
    with pytest.raises(ValueError, match="stages lists \\['negotiating'\\]"):
        SourceMapping.model_validate({"name": "w", "extract": "stage_events", "folder": "ma",
                                      "columns": {"record_id": "Id", "record_kind": {"value": "person"}},
                                      "stages": {"negotiating": "X"}})
    with pytest.raises(ValueError, match="lookup.extract must be one of"):
        leads_mapping(columns={"industry": {"column": "I", "lookup": {"extract": "ma_leads", "by": "email"}}})


def test_canonical_codes_pass_labels_and_default_alike(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created,Source\n1,a@x.jp,2025-04-01 10:00,webinar\n"
                     "2,b@x.jp,2025-04-01 10:00,Podcast\n")
    mapping = leads_mapping(columns={"original_channel": {
        "column": "Source", "values": {"Paid Search": "paid_search"}, "default": "other"}})
    good, _, stats = read_all(path, mapping)
    assert good["original_channel"].to_list() == ["webinar", "other"]
    assert stats.unmapped_labels == {"original_channel": {"Podcast": 1}}


def test_two_fields_from_one_column_are_never_out_of_order(tmp_path):
    # created_at (a time, stored in UTC) and close_date (a date) both from "Closed": compared in the
    # file's own zone, 22:00 in New York is still the close date, not the next day
    path = write_csv(tmp_path / "o.csv", "Id,Stage,Closed\n1,Won,2017-03-01 22:00\n")
    mapping = SourceMapping.model_validate({
        "name": "o", "extract": "sfa_opportunities", "folder": "sfa", "timezone": "America/New_York",
        "timestamp_formats": ["%Y-%m-%d %H:%M"], "date_formats": ["%Y-%m-%d %H:%M"],
        "columns": {"opportunity_id": "Id", "stage": {"column": "Stage", "values": {"Won": "closed_won"}},
                    "created_at": "Closed", "close_date": "Closed"}})
    good, bad, stats = read_all(path, mapping)
    assert bad.is_empty() and stats.rows_flagged == 0
    assert good["created_at"].to_list() == [datetime(2017, 3, 2, 3, 0)]  # 22:00 EST = 03:00 UTC next day


def test_a_time_with_its_own_offset_ignores_the_mapping_zone(tmp_path):
    path = write_csv(tmp_path / "a.csv", "Id,Email,Created\n1,a@x.jp,2026-08-03T00:15:00.000Z\n"
                     "2,b@x.jp,2026-08-03 09:15\n3,c@x.jp,2026-08-03T09:15:00+09:00\n")
    mapping = leads_mapping(timestamp_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S%.f%#z"])
    good, bad, _ = read_all(path, mapping)
    assert bad.is_empty()
    assert good["created_at"].to_list() == [datetime(2026, 8, 3, 0, 15)] * 3  # Z, JST local, +09:00
