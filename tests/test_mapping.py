from pathlib import Path

import pytest

from pipelines.sources.mapping import MappingError, load_mappings, match_mappings


def test_presets_cover_every_canonical_extract():
    from pipelines.contract import EXTRACTS

    mappings = load_mappings(None)
    assert {m.extract for m in mappings} == set(EXTRACTS)


def test_sources_file_uses_presets_with_overrides(tmp_path: Path):
    path = tmp_path / "sources.yml"
    path.write_text("mappings:\n  - preset: demo_hubspot_contacts\n    files: ['leads_*.csv']\n")
    (mapping,) = load_mappings(path)
    assert mapping.name == "demo_hubspot_contacts"
    assert mapping.files == ["leads_*.csv"]
    header = ["Record ID", "Email", "Create Date"]
    assert match_mappings([mapping], "ma", "LEADS_2026.csv", header) == [
        (mapping, mapping.header_fit(header))]


@pytest.mark.parametrize("body, expected", [
    ("  - name: x\n    extract: ma_leads\n    folder: ma\n    files: ['*.csv']\n    columns:\n"
     "      lead_id: ID\n      created_at: Created\n      creatd_at: Oops\n      email: E\n",
     "mappings[0] (x): invalid source mapping:\n  - (mapping): Value error, columns maps ['creatd_at']"),
    ("  - name: x\n    extract: sfa_leads\n    folder: sfa\n    files: ['*.csv']\n    columns:\n"
     "      sfa_lead_id: ID\n      created_at: C\n",
     "required field(s) ['status'] of sfa_leads are not mapped"),
    ("  - name: x\n    extract: nothing\n    folder: ma\n    files: ['*.csv']\n    columns: {}\n",
     "extract 'nothing' is not one of"),
    ("  - preset: hubspot_contact\n", "mappings[0].preset: no preset named 'hubspot_contact'"),
    ("  - name: x\n    extract: ma_leads\n    folder: ma\n    files: ['*.csv']\n    timezone: Tokyo\n"
     "    columns: {lead_id: ID, created_at: C, email: E}\n", "timezone: Value error, unknown time zone"),
])
def test_malformed_mappings_name_file_key_and_problem(tmp_path: Path, body: str, expected: str):
    path = tmp_path / "sources.yml"
    path.write_text("mappings:\n" + body)
    with pytest.raises(MappingError) as err:
        load_mappings(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_file_matching_none_or_several(tmp_path: Path):
    mappings = load_mappings(None)
    with pytest.raises(MappingError, match="no source mapping fits"):
        match_mappings(mappings, "crm", "deals.csv", ["Deal", "Value"])
    path = tmp_path / "sources.yml"
    path.write_text("mappings:\n  - preset: demo_zoho_accounts\n    files: ['*.csv']\n"
                    "  - preset: demo_zoho_accounts\n    name: other_accounts\n    files: ['*.csv']\n")
    with pytest.raises(MappingError, match="several mappings fit it equally for crm_accounts"):
        match_mappings(load_mappings(path), "crm", "x.csv", ["Record Id", "Account Name"])
