"""The raw layer, manifest and quarantine in a real DuckDB file."""

from pathlib import Path

import duckdb
import pytest

from pipelines.ingest.loader import discover, ensure_schema, load_extract
from pipelines.sources.mapping import load_sources
from tests.conftest import write_csv

HEADER = "Record ID,Email,Create Date,Last Modified Date,Lifecycle Stage,Favourite Colour\n"


@pytest.fixture()
def warehouse(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con)
    yield con
    con.close()


def load(con, landing: Path):
    return load_extract(con, discover(landing, load_sources(None)), "ma_leads")


def test_rows_read_equal_loaded_plus_quarantined_and_rerun_is_a_no_op(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-01.csv", HEADER +
              "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,red\n"
              "2,b@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n"
              "1,a@x.co.jp,2025-04-01 10:00,2025-04-02 10:00,Lead,red\n"
              "3,c@x.co.jp,someday,2025-04-01 10:00,Lead,\n")
    (result,) = load(warehouse, landing)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert result.quarantined_by_kind == {"duplicate_id": 1, "unparseable_date": 1}
    manifest = warehouse.execute(
        "SELECT rows_read, rows_loaded, rows_quarantined, status FROM meta.load_manifest").fetchall()
    assert manifest == [(4, 2, 2, "loaded")]
    dup = warehouse.execute("SELECT line_number, reason FROM meta.quarantine "
                            "WHERE reason_kind = 'duplicate_id'").fetchall()
    assert dup == [(4, "line 4: duplicate_id: 1 already on line 2 of this file")]
    assert warehouse.execute("SELECT _extra FROM raw.ma_leads WHERE lead_id = '1'").fetchone() == (
        '{"Favourite Colour":"red"}',)
    (again,) = load(warehouse, landing)
    assert again.status == "unchanged"
    assert warehouse.execute("SELECT count(*) FROM raw.ma_leads").fetchone() == (2,)
    assert warehouse.execute("SELECT count(*) FROM meta.quarantine").fetchone() == (2,)


def test_a_re_export_adds_new_versions_and_keeps_the_old(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-01.csv",
              HEADER + "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n")
    load(warehouse, landing)
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-02.csv",
              HEADER + "1,a@x.co.jp,2025-04-01 10:00,2025-05-01 09:00,Marketing Qualified Lead,\n")
    results = load(warehouse, landing)
    assert [r.status for r in results] == ["unchanged", "loaded"]
    versions = warehouse.execute(
        "SELECT lifecycle_stage, _file_name FROM raw.ma_leads ORDER BY modified_at").fetchall()
    assert versions == [("lead", "ma/hubspot-crm-exports-all-contacts-2025-04-01.csv"), ("mql", "ma/hubspot-crm-exports-all-contacts-2025-04-02.csv")]


def test_a_rejected_file_loads_nothing_is_recorded_once_and_retried(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-01.csv", "Contact ID,Email\n1,a@x.co.jp\n")
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-02.csv",
              HEADER + "2,b@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n")
    results = load(warehouse, landing)
    assert [r.status for r in results] == ["rejected", "loaded"]
    assert "hubspot-crm-exports-all-contacts-2025-04-01.csv" in results[0].message
    assert "'Record ID' (lead_id)" in results[0].message
    load(warehouse, landing)
    rows = warehouse.execute("SELECT file_name, status, rows_read FROM meta.load_manifest "
                             "ORDER BY file_name").fetchall()
    assert rows == [("ma/hubspot-crm-exports-all-contacts-2025-04-01.csv", "rejected", 0),
                    ("ma/hubspot-crm-exports-all-contacts-2025-04-02.csv", "loaded", 1)]
    assert warehouse.execute("SELECT count(*) FROM raw.ma_leads").fetchone() == (1,)


def test_schema_gains_columns_a_newer_contract_adds(tmp_path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.ma_leads (lead_id VARCHAR)")
    ensure_schema(con)
    columns = {r[0] for r in con.execute("DESCRIBE raw.ma_leads").fetchall()}
    assert {"lead_id", "created_at", "mql_at", "_load_id", "_extra"} <= columns


USERS = ("Id,Username,LastName,FirstName,Name,Department,Email,IsActive\n"
         "005A,m.sato@example.co.jp,Sato,Mai,Mai Sato,Inside Sales,m.sato@example.co.jp,true\n")
LEADS = ("Id,IsDeleted,LastName,FirstName,Company,Email,Status,LeadSource,OwnerId,CreatedDate,"
         "LastModifiedDate,ConvertedOpportunityId\n"
         "00Q1,false,Ono,Ken,Ono Kogyo,k.ono@ono.co.jp,Working - Contacted,Web,005A,"
         "2025-04-01T01:00:00.000Z,2025-04-02T01:00:00.000Z,000000000000000AAA\n"
         "00Q2,false,Mori,Aya,Mori Shoji,a.mori@mori.co.jp,Open - Not Contacted,Web,005Z,"
         "2025-04-01T02:00:00.000Z,2025-04-01T02:00:00.000Z,000000000000000AAA\n"
         "00Q3,true,Gone,Old,Gone KK,old@gone.co.jp,Open - Not Contacted,Web,005A,"
         "2025-03-01T02:00:00.000Z,2025-03-01T02:00:00.000Z,000000000000000AAA\n")


def test_lookups_filters_and_empty_ids_through_the_data_export(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "sfa" / "User.csv", USERS)
    write_csv(landing / "sfa" / "Lead.csv", LEADS)
    files = discover(landing, load_sources(None))
    (users,) = load_extract(warehouse, files, "sfa_users")
    (leads,) = load_extract(warehouse, files, "sfa_leads")
    assert (leads.rows_read, leads.rows_loaded, leads.rows_filtered, leads.rows_quarantined) == (3, 2, 1, 0)
    rows = warehouse.execute("SELECT sfa_lead_id, owner, status, converted_opportunity_id FROM raw.sfa_leads "
                             "ORDER BY 1").fetchall()
    assert rows == [("00Q1", "Mai Sato", "working", None), ("00Q2", "005Z", "open", None)]
    assert leads.warnings == ["owner: 1 value(s) (1 distinct) not found in sfa_users.user_id; kept as written"]
    assert users.status == "loaded"


def test_a_changed_mapping_reloads_the_file_and_replaces_the_old_load(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-01.csv", HEADER +
              "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,red\n")
    (first,) = load(warehouse, landing)
    sources = tmp_path / "sources.yml"
    sources.write_text("mappings:\n  - preset: hubspot_contacts\n    columns:\n      lead_id: Record ID\n"
                       "      email: Email\n      created_at: Create Date\n      department: Favourite Colour\n")
    files = discover(landing, load_sources(sources))
    (second,) = load_extract(warehouse, files, "ma_leads")
    assert second.status == "loaded" and second.load_id != first.load_id
    assert f"replaces {first.load_id}" in second.message
    assert warehouse.execute("SELECT lead_id, department FROM raw.ma_leads").fetchall() == [("1", "red")]
    statuses = warehouse.execute("SELECT load_id, status FROM meta.load_manifest ORDER BY loaded_at").fetchall()
    assert statuses == [(first.load_id, "superseded"), (second.load_id, "loaded")]
    (third,) = load_extract(warehouse, files, "ma_leads")
    assert third.status == "unchanged"


def test_one_file_two_extracts_each_with_its_own_identity(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-01.csv",
              'Record ID,Email,Create Date,Date entered "Marketing Qualified Lead (Lifecycle Stage Pipeline)",'
              'Date entered "Customer (Lifecycle Stage Pipeline)"\n'
              "1,a@x.co.jp,2025-04-01 10:00,2025-04-03 10:00,2025-05-01 10:00\n"
              "2,b@x.co.jp,2025-04-01 10:00,,\n")
    files = discover(landing, load_sources(None))
    (leads,) = load_extract(warehouse, files, "ma_leads")
    (stages,) = load_extract(warehouse, files, "stage_events")
    assert (leads.rows_loaded, stages.rows_read, stages.rows_loaded) == (2, 2, 2)
    events = warehouse.execute("SELECT record_id, stage FROM raw.stage_events ORDER BY 2").fetchall()
    assert events == [("1", "customer"), ("1", "mql")]
    manifest = warehouse.execute("SELECT extract, rows_loaded, records_loaded, carried_fields FROM "
                                 "meta.load_manifest ORDER BY 1").fetchall()
    assert manifest[0][:3] == ("ma_leads", 2, 2)
    assert manifest[1][:3] == ("stage_events", 2, 2)
    assert '"stage:customer"' in manifest[1][3] and '"stage:mql"' in manifest[1][3]
    again = [load_extract(warehouse, files, e)[0].status for e in ("ma_leads", "stage_events")]
    assert again == ["unchanged", "unchanged"]


def test_unload_removes_one_load_so_the_file_loads_again(tmp_path, warehouse):
    from pipelines.ingest.loader import unload

    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-01.csv", HEADER +
              "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,red\n3,c@x.co.jp,someday,,Lead,\n")
    (result,) = load(warehouse, landing)
    removed = unload(warehouse, "hubspot-crm-exports-all-contacts-2025-04-01.csv")
    assert removed == [(result.load_id, "ma/hubspot-crm-exports-all-contacts-2025-04-01.csv", 1, None)]
    for table in ("raw.ma_leads", "meta.quarantine", "meta.load_manifest"):
        assert warehouse.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    (again,) = load(warehouse, landing)
    assert again.status == "loaded"


def _days(tmp_path, warehouse, days: dict[int, str]) -> dict:
    """Daily full exports of one contacts file, each loaded after the one before."""
    landing, loads = tmp_path / "landing", {}
    for day, body in days.items():
        write_csv(landing / "ma" / f"hubspot-crm-exports-all-contacts-2025-04-0{day}.csv", HEADER + body)
        loads[day] = [r for r in load(warehouse, landing) if r.status == "loaded"][0]
    return loads


def _rows(warehouse, loads, columns="_dropped_by_load_id"):
    ids = {r.load_id: day for day, r in loads.items()}
    rows = warehouse.execute(f"SELECT lead_id, _load_id, {columns} FROM raw.ma_leads ORDER BY _loaded_at, lead_id")
    return [(lead, ids.get(at), ids.get(by)) for lead, at, by in rows.fetchall()]


def test_a_daily_full_export_holds_its_unchanged_lines_and_removing_one_takes_the_later_ones(
        tmp_path, warehouse):
    """Three daily full exports: lead 1 the same each day, lead 2 changed on day 2, lead 3 new on
    day 3. A line the previous export holds is held again, not copied: the raw layer holds each
    version once, and a row the new export does not hold is dropped by it. Removing day 2 takes
    day 3 with it (it holds day 2's rows) and gives day 1's rows back; loading the files again
    gives the same rows."""
    from pipelines.ingest.loader import unload

    same = "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,red\n"
    changed = "2,b@x.co.jp,2025-04-01 10:00,2025-04-02 10:00,Marketing Qualified Lead,\n"
    days = {1: same + "2,b@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n",
            2: same + changed,
            3: same + changed + "3,c@x.co.jp,2025-04-03 10:00,2025-04-03 10:00,Lead,\n"}
    loads = _days(tmp_path, warehouse, days)
    expected = [("1", 1, None), ("2", 1, 2), ("2", 2, None), ("3", 3, None)]
    assert _rows(warehouse, loads) == expected
    manifest = {r[0]: r[1:] for r in warehouse.execute(
        "SELECT load_id, rows_read, rows_loaded, rows_held, records_loaded, records_unchanged "
        "FROM meta.load_manifest").fetchall()}
    assert [manifest[loads[d].load_id] for d in (1, 2, 3)] == [(2, 2, 0, 2, 0), (2, 2, 1, 2, 1), (3, 3, 2, 3, 2)]
    assert "1 line(s) as in the previous export, held again without reading them" in loads[2].message
    assert (loads[3].rows_read, loads[3].rows_loaded, loads[3].rows_quarantined) == (3, 3, 0)

    removed = unload(warehouse, loads[2].load_id, tmp_path / "landing")
    assert [(r[0], r[3]) for r in removed] == [(loads[2].load_id, None), (loads[3].load_id, loads[2].load_id)]
    assert _rows(warehouse, loads) == [("1", 1, None), ("2", 1, None)]
    assert warehouse.execute("SELECT count(*) FROM meta.load_manifest").fetchone() == (1,)
    again = [r for r in load(warehouse, tmp_path / "landing") if r.status == "loaded"]
    assert [r.file_name[-14:] for r in again] == ["2025-04-02.csv", "2025-04-03.csv"]
    loads.update({2: again[0], 3: again[1]})
    assert _rows(warehouse, loads) == expected


def test_removing_a_full_export_is_refused_when_a_later_one_cannot_load_again(tmp_path, warehouse):
    from pipelines.ingest.loader import RemovalRefused, unload

    loads = _days(tmp_path, warehouse, {1: "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n",
                                        2: "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,\n"
                                           "2,b@x.co.jp,2025-04-02 10:00,2025-04-02 10:00,Lead,\n"})
    (tmp_path / "landing" / "ma" / "hubspot-crm-exports-all-contacts-2025-04-02.csv").unlink()
    with pytest.raises(RemovalRefused, match="hubspot-crm-exports-all-contacts-2025-04-02.csv no longer in"):
        unload(warehouse, loads[1].load_id, tmp_path / "landing")
    assert _rows(warehouse, loads) == [("1", 1, None), ("2", 2, None)]
    assert warehouse.execute("SELECT count(*) FROM meta.load_manifest").fetchone() == (2,)


@pytest.mark.parametrize("rows_per_pass", [2_000_000, 1], ids=["one pass", "a pass per row"])
def test_a_line_written_anew_with_the_same_values_is_marked_repeated(tmp_path, warehouse, monkeypatch,
                                                                    rows_per_pass):
    """Day 2 writes lead 1's times with seconds: another line, the same values. Its row is new,
    day 1's is dropped by day 2 and marked repeated in it (dbt ranks the versions that differ
    only); removing day 2 gives day 1's row back. The marks are the same however many passes the
    comparison takes."""
    from pipelines.ingest import loader
    from pipelines.ingest.loader import unload

    monkeypatch.setattr(loader, "MARK_ROWS_PER_PASS", rows_per_pass)
    loads = _days(tmp_path, warehouse, {
        1: "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,red\n2,b@x.co.jp,2025-04-01 10:00,,Lead,\n",
        2: "1,a@x.co.jp,2025-04-01 10:00:00,2025-04-01 10:00:00,Lead,red\n2,b@x.co.jp,2025-04-01 10:00,,Lead,\n"})
    assert _rows(warehouse, loads, "_repeated_in_load_id") == [("1", 1, 2), ("2", 1, None), ("1", 2, None)]
    assert _rows(warehouse, loads) == [("1", 1, 2), ("2", 1, None), ("1", 2, None)]
    assert "2 of 2 record(s) unchanged since an earlier load" in loads[2].message
    unload(warehouse, loads[2].load_id, tmp_path / "landing")
    assert _rows(warehouse, loads, "_repeated_in_load_id") == [("1", 1, None), ("2", 1, None)]


def test_a_held_line_that_repeats_a_key_is_quarantined_with_its_text(tmp_path, warehouse):
    """Day 2 holds a new version of lead 2 on line 2 and day 1's lead 2 line on line 4 (the key
    twice), and lead 1's line twice: the later line of each key is quarantined with its text, as
    when nothing is held, and day 1's lead 2 is dropped."""
    one = "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,red"
    two = "2,b@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,"
    loads = _days(tmp_path, warehouse, {
        1: f"{one}\n{two}\n",
        2: f"2,b@x.co.jp,2025-04-01 10:00,2025-04-02 10:00,Lead,\n{one}\n{two}\n{one}\n"})
    day2 = loads[2]
    assert (day2.rows_read, day2.rows_loaded, day2.rows_quarantined) == (4, 2, 2)
    assert warehouse.execute("SELECT line_number, raw_text, reason, record_key FROM meta.quarantine "
                             "ORDER BY line_number").fetchall() == [
        (4, two, "line 4: duplicate_id: 2 already on line 2 of this file", "2"),
        (5, one, "line 5: duplicate_id: 1 already on line 3 of this file", "1")]
    assert _rows(warehouse, loads) == [("1", 1, None), ("2", 1, 2), ("2", 2, None)]
    assert warehouse.execute("SELECT rows_held FROM meta.load_manifest WHERE load_id = ?",
                             [day2.load_id]).fetchone() == (1,)


def test_lines_are_held_under_the_same_header_only(tmp_path, warehouse):
    """Day 2 renames a column the mapping keeps in _extra: the same line text now says another
    thing, so every line is read again (a new version whose _extra names the new column)."""
    line = "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,red\n"
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-01.csv", HEADER + line)
    load(warehouse, landing)
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-02.csv",
              HEADER.replace("Favourite", "Favorite") + line)
    (day2,) = [r for r in load(warehouse, landing) if r.status == "loaded"]
    assert warehouse.execute("SELECT rows_held FROM meta.load_manifest WHERE load_id = ?",
                             [day2.load_id]).fetchone() == (0,)
    assert warehouse.execute("SELECT _extra FROM raw.ma_leads WHERE _dropped_by_load_id IS NULL").fetchall() == [
        ('{"Favorite Colour":"red"}',)]


def test_lines_are_held_under_the_same_delimiter_only(tmp_path, warehouse):
    """Day 2 is written with semicolons under the same header: a line that is a whole record under
    both delimiters says another thing now (its second cell, the email, is "e"), so it is read
    again, not held, and quarantined; day 1's row is dropped by day 2."""
    line = "1,a@x.co.jp,2025-04-01 10:00,2025-04-01 10:00,Lead,r;e;d;;;\n"
    landing = tmp_path / "landing"
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-01.csv", HEADER + line)
    (day1,) = load(warehouse, landing)
    assert day1.rows_loaded == 1
    write_csv(landing / "ma" / "hubspot-crm-exports-all-contacts-2025-04-02.csv",
              HEADER.replace(",", ";") + line)
    (day2,) = [r for r in load(warehouse, landing) if r.status == "loaded"]
    assert warehouse.execute("SELECT rows_held, rows_quarantined, delimiter FROM meta.load_manifest "
                             "WHERE load_id = ?", [day2.load_id]).fetchone() == (0, 1, ";")
    assert warehouse.execute("SELECT count(*) FROM raw.ma_leads WHERE _dropped_by_load_id IS NULL"
                             ).fetchone() == (0,)
