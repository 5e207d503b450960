"""Every vendor preset on a fixture in the vendor's documented layout (tests/fixtures/exports/vendors,
one file per preset; headers and formats as each preset file documents): the file finds its preset
by name and header among all presets, and loads with no row quarantined, typed as the vendor
writes it."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.loader import discover, ensure_schema, load_extract
from pipelines.sources.mapping import load_presets, load_sources
from tests.conftest import ROOT

VENDORS = ROOT / "tests" / "fixtures" / "exports" / "vendors"

EXPECTED = {
    "ma/hubspot-crm-exports-all-contacts-2026-10-01.csv": {"hubspot_contacts", "hubspot_contact_stages"},
    "sfa/hubspot-crm-exports-all-deals-2026-10-01.csv": {"hubspot_deals", "hubspot_deal_stages"},
    "sfa/report1759280700001.csv": {"salesforce_report_leads"},
    "sfa/report1759280700002.csv": {"salesforce_report_opportunities"},
    "sfa/report1759280700003.csv": {"salesforce_report_leads_ja"},
    "sfa/report1759280700004.csv": {"salesforce_report_opportunities_ja"},
    "sfa/User.csv": {"salesforce_export_user"},
    "sfa/Lead.csv": {"salesforce_export_lead"},
    "sfa/LeadHistory.csv": {"salesforce_export_lead_history"},
    "sfa/Contact.csv": {"salesforce_export_contact"},
    "sfa/Opportunity.csv": {"salesforce_export_opportunity"},
    "sfa/OpportunityHistory.csv": {"salesforce_export_opportunity_history"},
    "sfa/Leads_2026_10_01.csv": {"zoho_leads"},
    "sfa/Deals_2026_10_01.csv": {"zoho_deals"},
    "ma/marketo-people-export-2026-10-01.csv": {"marketo_leads"},
    "ma/marketo-bulk-leads-2026-10-01.csv": {"marketo_bulk_leads"},
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Every fixture in one landing folder, discovered against all presets and loaded."""
    root = tmp_path_factory.mktemp("vendors")
    shutil.copytree(VENDORS, root / "landing")
    files = discover(root / "landing", load_sources(None))
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    ensure_schema(con)
    results = {}
    extracts = ["sfa_users", "crm_accounts"] + sorted({m.extract for f in files for m in f.mappings}
                                                      - {"sfa_users", "crm_accounts"})
    for extract in extracts:
        for r in load_extract(con, files, extract):
            results[(r.file_name, r.mapping)] = r
    yield files, results, con
    con.close()


def test_every_vendor_preset_has_a_fixture():
    presets = {name for name in load_presets() if not name.startswith("demo_")}
    assert presets == set().union(*EXPECTED.values())


def test_each_file_finds_its_presets_by_name_and_header(loaded):
    files, _, _ = loaded
    assert {f.name: {m.name for m in f.mappings} for f in files} == EXPECTED
    assert all(f.error is None for f in files)


def test_each_file_loads_whole(loaded):
    _, results, _ = loaded
    for (name, mapping), r in results.items():
        assert r.status == "loaded", (name, mapping, r.message)
        assert r.rows_quarantined == 0, (name, mapping, r.quarantined_by_kind)
        assert r.rows_read == r.rows_loaded + r.rows_filtered, (name, mapping)


def one(con, sql: str):
    return con.execute(sql).fetchall()


def test_hubspot_contacts_and_their_lifecycle_dates(loaded):
    _, _, con = loaded
    lead = one(con, "SELECT lead_id, phone, original_channel, lifecycle_stage, employees, mql_at, created_at "
                    "FROM raw.ma_leads WHERE _file_name LIKE 'ma/hubspot%' AND lead_id = '52'")
    # phone from Mobile Phone Number when Phone Number is empty; 25-50 -> 25; JST -> UTC
    assert lead == [("52", "080-2222-0202", "paid_search", "sql", 25, datetime(2026, 8, 20, 1, 0),
                     datetime(2026, 8, 5, 4, 20))]
    assert one(con, "SELECT original_channel FROM raw.ma_leads WHERE lead_id = '54' AND _file_name LIKE 'ma/hub%'") == [
        ("referral",)]  # AI Referrals
    stages = one(con, "SELECT record_id, stage, entered_at, exited_at FROM raw.stage_events "
                      "WHERE record_kind = 'person' ORDER BY 1, 3")
    assert stages[:4] == [("51", "mql", datetime(2026, 8, 10, 2, 30), datetime(2026, 8, 12, 7, 0)),
                          ("51", "sql", datetime(2026, 8, 12, 7, 0), None),
                          ("51", "customer", datetime(2026, 9, 19, 1, 0), None),
                          ("52", "mql", datetime(2026, 8, 20, 1, 0), datetime(2026, 8, 25, 3, 0))]


def test_hubspot_deals_and_their_won_lost_dates(loaded):
    _, _, con = loaded
    deals = one(con, "SELECT opportunity_id, stage, amount, close_date FROM raw.sfa_opportunities "
                     "WHERE _file_name LIKE 'sfa/hubspot%' ORDER BY 1")
    assert deals == [("7001", "closed_won", Decimal("4800000.00"), date(2026, 9, 18)),
                     ("7002", "negotiation", Decimal("1200000.00"), date(2026, 10, 30)),
                     ("7003", "closed_lost", Decimal("900000.00"), date(2026, 9, 5))]
    assert one(con, "SELECT record_id, stage FROM raw.stage_events WHERE record_kind = 'opportunity' "
                    "ORDER BY 1") == [("7001", "won"), ("7003", "lost")]


def test_salesforce_reports_in_both_languages_and_the_trailer(loaded):
    _, results, con = loaded
    assert results[("sfa/report1759280700001.csv", "salesforce_report_leads")].rows_read == 3
    leads = one(con, "SELECT sfa_lead_id, status, lead_source, created_at, company_name FROM raw.sfa_leads "
                     "WHERE _file_name = 'sfa/report1759280700001.csv' ORDER BY 1")
    assert leads[0] == ("00Q5j00000AbC1D", "working", "organic_search", datetime(2026, 9, 14, 1, 23),
                        "Nishi Electric")  # 9/14/2026 10:23 AM JST
    assert [r[1] for r in leads] == ["working", "sql", "disqualified"]
    opps = one(con, "SELECT opportunity_id, amount, stage FROM raw.sfa_opportunities "
                    "WHERE _file_name IN ('sfa/report1759280700002.csv', 'sfa/report1759280700004.csv') ORDER BY 1")
    assert opps == [("0065j00000XyZ1A", Decimal("48000.00"), "closed_won"),
                    ("0065j00000XyZ1B", Decimal("12500.00"), "negotiation"),
                    ("0065j00000XyZ1C", Decimal("7000.00"), "closed_lost"),
                    ("0065j00000XyZ2A", Decimal("4800000.00"), "closed_won"),
                    ("0065j00000XyZ2B", Decimal("1250000.00"), "negotiation")]
    ja = one(con, "SELECT last_name, created_at FROM raw.sfa_leads WHERE _file_name = 'sfa/report1759280700003.csv' "
                  "ORDER BY 1")
    assert ja == [("小林", datetime(2026, 9, 14, 1, 23)), ("山本", datetime(2026, 9, 2, 0, 0))]


def test_salesforce_data_export_ids_owners_and_history(loaded):
    _, results, con = loaded
    leads = one(con, "SELECT sfa_lead_id, owner, status, converted_opportunity_id, created_at FROM raw.sfa_leads "
                     "WHERE _file_name = 'sfa/Lead.csv' ORDER BY 1")
    assert leads == [("00Q5j00000AbC1D", "Mai Tanaka", "working", None, datetime(2026, 9, 14, 1, 23)),
                     ("00Q5j00000AbC1E", "Ken Ito", "sql", "0065j00000XyZ1A", datetime(2026, 9, 2, 0, 0))]
    history = results[("sfa/LeadHistory.csv", "salesforce_export_lead_history")]
    assert (history.rows_read, history.rows_loaded, history.rows_filtered) == (4, 3, 1)
    assert one(con, "SELECT record_id, stage FROM raw.stage_events WHERE record_kind = 'lead' ORDER BY entered_at") == [
        ("00Q5j00000AbC1E", "sal"), ("00Q5j00000AbC1D", "sal"), ("00Q5j00000AbC1E", "sql")]
    assert one(con, "SELECT owner, account_id FROM raw.sfa_opportunities WHERE _file_name = 'sfa/Opportunity.csv' "
                    "ORDER BY opportunity_id") == [("Ken Ito", "0015j00000QqQ1A"), ("Ken Ito", "0015j00000QqQ1B")]
    assert one(con, "SELECT stage FROM raw.sfa_opportunity_history ORDER BY changed_at") == [
        ("problem_recognised",), ("decision",), ("closed_won",)]


def test_zoho_and_marketo(loaded):
    _, _, con = loaded
    assert one(con, "SELECT sfa_lead_id, status FROM raw.sfa_leads WHERE _file_name LIKE 'sfa/Leads_%' ORDER BY 1") == [
        ("zcrm_4876876000000174001", "working"), ("zcrm_4876876000000174002", "disqualified")]
    assert one(con, "SELECT stage FROM raw.sfa_opportunities WHERE _file_name LIKE 'sfa/Deals_%' "
                    "ORDER BY opportunity_id") == [("negotiation",), ("closed_won",), ("closed_lost",)]
    bulk = one(con, "SELECT lead_id, email, employees, created_at FROM raw.ma_leads "
                    "WHERE _file_name LIKE 'ma/marketo-bulk%' ORDER BY 1")
    assert bulk == [("1001", "s.kobayashi@nishi-denki.co.jp", 250, datetime(2026, 9, 14, 1, 23)),
                    ("1003", None, None, datetime(2026, 9, 11, 8, 5))]  # "null" is empty; times are UTC
    ui = one(con, "SELECT lead_id, employees, lifecycle_stage FROM raw.ma_leads "
                  "WHERE _file_name LIKE 'ma/marketo-people%' ORDER BY 1")
    assert ui == [("1001", 250, "MQL"), ("1002", 1200, "Sales Lead")]


def test_an_excel_export_loads_like_its_csv(tmp_path):
    import csv

    import xlsxwriter

    source = VENDORS / "ma" / "hubspot-crm-exports-all-contacts-2026-10-01.csv"
    target = tmp_path / "landing" / "ma" / "hubspot-crm-exports-all-contacts-2026-10-01.xlsx"
    target.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(target))
    sheet = book.add_worksheet("All contacts")
    with open(source, encoding="utf-8", newline="") as fh:
        for r, row in enumerate(csv.reader(fh)):
            sheet.write_row(r, 0, row)
    book.close()
    files = discover(tmp_path / "landing", load_sources(None))
    assert {m.name for m in files[0].mappings} == {"hubspot_contacts", "hubspot_contact_stages"}
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    (result,) = load_extract(con, files, "ma_leads")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 4, 0)
    assert con.execute("SELECT count(*) FROM raw.ma_leads WHERE mql_at IS NOT NULL").fetchone() == (3,)


def test_fixture_files_are_in_the_vendors_encodings():
    assert (VENDORS / "sfa" / "report1759280700003.csv").read_bytes().decode("cp932")
    assert (VENDORS / "sfa" / "Leads_2026_10_01.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert Path(VENDORS / "sfa" / "report1759280700001.csv").read_text().rstrip().endswith('"Aoi Trading KK"')
