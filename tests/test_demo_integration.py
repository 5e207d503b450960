"""`leadjourney demo` end to end on a temporary workspace: real files, Dagster, DuckDB."""

import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.demo.verify import compare_with_truth
from tests.conftest import DEMO_END, DEMO_LEADS, DEMO_SEED, cli


def _table_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                             "ORDER BY 1").fetchall()
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in tables}
    finally:
        con.close()


def test_quarantine_equals_the_ground_truth(demo_workspace: Path):
    truth = json.loads((demo_workspace / "demo_truth.json").read_text())
    result = compare_with_truth(demo_workspace)
    assert result.quarantine == result.quarantine_expected
    assert sum(sum(k.values()) for k in result.quarantine.values()) == truth["quarantined_rows_total"] > 0
    con = duckdb.connect(str(demo_workspace / "warehouse.duckdb"), read_only=True)
    flagged = dict(con.execute("SELECT file_name, rows_flagged FROM meta.load_manifest "
                               "WHERE rows_flagged > 0").fetchall())
    assert flagged == {f: kinds["out_of_order"] for f, kinds in truth["defects"].items()
                       if "out_of_order" in kinds}
    balance = con.execute("SELECT count(*) FROM meta.load_manifest "
                          "WHERE rows_read <> rows_loaded + rows_quarantined").fetchone()[0]
    assert balance == 0
    assert con.execute("SELECT count(*) FROM meta.load_manifest").fetchone()[0] == len(truth["files"])


def test_a_run_with_nothing_new_skips_the_build_and_a_rebuild_changes_no_row_count(demo_workspace: Path):
    """Nothing new: the published copy is up to date, nothing is rebuilt and no table changes.
    --rebuild builds anyway: nothing is loaded twice and no table changes size - except the
    check-results log, which by design gains one set of results per checked run."""
    before = _table_counts(demo_workspace / "warehouse.duckdb")
    published = _publication(demo_workspace)
    skipped = cli("run", "--workspace", str(demo_workspace))
    assert f"nothing new since the run published {published[1]:%Y-%m-%d %H:%M} UTC (run {published[0]})" \
        in skipped.stdout
    assert "unchanged" in skipped.stdout and "dbt_tests" not in skipped.stdout
    assert _table_counts(demo_workspace / "warehouse.duckdb") == before
    assert _publication(demo_workspace) == published
    result = cli("run", "--workspace", str(demo_workspace), "--rebuild")
    assert "unchanged" in result.stdout and "published:" in result.stdout
    stages = re.search(r"ingest ([\d.]+)s, dbt ([\d.]+)s, checks ([\d.]+)s, publication ([\d.]+)s\)",
                       result.stdout)
    assert stages and all(float(s) > 0 for s in stages.groups()), result.stdout
    assert "warn  dbt_tests: ma_activities.lead_id not in ma_leads (all months) " in result.stdout
    after = _table_counts(demo_workspace / "warehouse.duckdb")
    assert after.pop("meta.dq_results") == 2 * before.pop("meta.dq_results")
    assert after == before
    assert _publication(demo_workspace)[0] != published[0]


def _publication(ws: Path) -> tuple:
    con = duckdb.connect(str(ws / "serving.duckdb"), read_only=True)
    try:
        return con.execute("SELECT run_id, published_at, inputs FROM meta.publication").fetchone()
    finally:
        con.close()


def test_the_build_inputs_follow_loads_rules_and_the_clock(demo_workspace: Path, tmp_path: Path):
    from pipelines.freshness import build_inputs
    from pipelines.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    shutil.copy(demo_workspace / "warehouse.duckdb", ws.warehouse)
    con = duckdb.connect(str(ws.warehouse))
    try:
        base = build_inputs(ws, con)
        assert base == build_inputs(ws, con) and len(base) == 64
        assert build_inputs(ws, con, "spark") != base  # built on another engine: built again
        ws.rules_file.write_text("# only a comment: the rules in force are the same\n", encoding="utf-8")
        assert build_inputs(ws, con) == base
        ws.rules_file.write_text("sla:\n  first_contact_hours: 1\n", encoding="utf-8")
        assert build_inputs(ws, con) != base
        ws.rules_file.unlink()
        con.execute("UPDATE meta.load_manifest SET status = 'superseded' WHERE load_id = "
                    "(SELECT min(load_id) FROM meta.load_manifest WHERE status = 'loaded')")
        assert build_inputs(ws, con) != base
        ws.rules_file.write_text("reporting:\n  as_of: now\n", encoding="utf-8")
        assert build_inputs(ws, con) is None  # the marts move with the clock: always rebuilt
    finally:
        con.close()


def test_a_file_missing_a_required_column_is_rejected_the_rest_loads(demo_workspace: Path,
                                                                     tmp_path: Path):
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace / "landing", ws / "landing")
    opps = next((ws / "landing" / "sfa").glob("sfa-opportunities-*.csv"))
    lines = opps.read_text(encoding="cp932").splitlines()
    header = lines[0].split(",")
    stage = header.index("フェーズ")
    # drop the stage column from the header only: the file is now missing a required column
    lines[0] = ",".join(h for i, h in enumerate(header) if i != stage)
    opps.write_text("\r\n".join(lines) + "\r\n", encoding="cp932")
    (ws / "landing" / "ma" / "notes.csv").write_text("Memo,Written\nhello,2026-10-01\n", encoding="utf-8")
    result = cli("run", "--workspace", str(ws), check=False)
    assert result.returncode == 1
    assert f"{opps.name}: required column(s) 'フェーズ' (stage) not found" in result.stderr
    assert "landing/ma/notes.csv: no source mapping fits this file" in result.stderr
    assert "unmatched file: ma/notes.csv" in result.stderr
    assert not (ws / "serving.duckdb").exists()  # neither a rejected nor an unmatched file publishes
    # an unpublished run names its problems without a stack trace; the traceback is in the log
    console = result.stdout + result.stderr
    assert "Traceback" not in console and "Stack Trace" not in console and 'File "' not in console
    assert "step serving__published failed: Not published: rejected extract:" in result.stderr
    assert "Stack Trace" in (ws / "last_run.log").read_text(encoding="utf-8")
    counts = _table_counts(ws / "warehouse.duckdb")
    assert counts["raw.sfa_opportunities"] == 0
    assert counts["raw.sfa_leads"] > 0 and counts["raw.ma_leads"] > 0


def test_what_the_product_writes_is_readable_by_its_owner_only(demo_workspace: Path):
    written = [demo_workspace / name for name in ("warehouse.duckdb", "serving.duckdb", "last_run.log",
                                                  "demo_truth.json", ".writer.lock")]
    written += [p for p in (demo_workspace / "landing").rglob("*.csv")]
    for path in written:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is {oct(path.stat().st_mode)}"
    for folder in (demo_workspace / "landing", demo_workspace / ".dagster", demo_workspace / ".dbt"):
        assert folder.stat().st_mode & 0o077 == 0, folder


def test_an_unexpected_error_prints_one_line_and_logs_its_traceback(tmp_path: Path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "serving.duckdb").write_bytes(b"not a database" * 100)
    result = cli("deck", "--workspace", str(ws), "--month", "2026-09", check=False)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("error: unexpected ") and len(lines) == 2, result.stderr
    assert f"the details are in {ws / 'error.log'}" in lines[1]
    assert "Traceback" in (ws / "error.log").read_text(encoding="utf-8")


def test_a_malformed_mapping_gets_a_clear_message(tmp_path: Path):
    ws = tmp_path / "ws"
    (ws / "landing" / "ma").mkdir(parents=True)
    (ws / "sources.yml").write_text("mappings:\n  - preset: demo_hubspot_contacts\n    extract: ma_lead\n")
    result = cli("run", "--workspace", str(ws), check=False)
    assert result.returncode == 2
    assert "sources.yml: mappings[0] (demo_hubspot_contacts)" in result.stderr
    assert "extract 'ma_lead' is not one of" in result.stderr


def test_stage_leads_equal_the_ground_truth(demo_workspace: Path):
    """Distinct leads reaching each stage, overall and by channel, after identity resolution."""
    result = compare_with_truth(demo_workspace)
    assert result.stage_leads["overall"] == result.stage_leads_expected["overall"]
    assert result.stage_leads["by_channel"] == result.stage_leads_expected["by_channel"]


def test_the_build_runs_the_data_tests_and_the_dbt_unit_tests_pass(demo_workspace: Path, tmp_path: Path):
    results = json.loads((demo_workspace / ".dbt" / "target" / "run_results.json").read_text())
    by_type: dict[str, list[str]] = {}
    for r in results["results"]:
        by_type.setdefault(r["unique_id"].split(".")[0], []).append(r["status"])
    assert "unit_test" not in by_type  # they check the SQL, not the data: not on every run
    assert set(by_type["model"]) == {"success"}
    assert set(by_type["test"]) <= {"pass", "warn"}
    ws = tmp_path / "ws"  # a copy: the dbt command writes its own results into the workspace
    ws.mkdir()
    shutil.copy(demo_workspace / "warehouse.duckdb", ws / "warehouse.duckdb")
    cli("dbt", "--workspace", str(ws), "test", "--select", "test_type:unit", "tag:sql_check")
    checked = json.loads((ws / ".dbt" / "target" / "run_results.json").read_text())["results"]
    # (not the on-run-start hook, Spark's)
    unit = [r for r in checked if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= 40
    assert {r["status"] for r in unit} == {"pass"}
    # the keys the SQL guarantees (tag sql_check): left out of every run, checked here
    sql_checks = [r for r in checked if r["unique_id"].startswith("test.")]
    assert len(sql_checks) == 4
    assert {r["status"] for r in sql_checks} == {"pass"}
    assert not {r["unique_id"] for r in sql_checks} & {r["unique_id"] for r in results["results"]}


def test_dbt_test_warnings_reach_the_quality_results(demo_workspace: Path):
    """The demo's activities that point at leads no export contains warn in dbt; the warning is a
    data-quality result of the run (run summary, quality page), counted as dbt counted it."""
    con = duckdb.connect(str(demo_workspace / "warehouse.duckdb"), read_only=True)
    recorded = con.execute("""SELECT column_name, unexpected_count, severity, passed FROM meta.dq_results
        WHERE suite = 'dbt_tests' AND run_id = (SELECT run_id FROM meta.dq_results
                                                ORDER BY checked_at LIMIT 1)
        ORDER BY 1""").fetchall()
    orphans = {source: con.execute(f"""SELECT count(*) FROM staging.stg_{source}__activities
                   WHERE {key} IS NOT NULL AND {key} NOT IN (SELECT {key} FROM staging.stg_{source}__leads)
               """).fetchone()[0] for source, key in [("ma", "lead_id"), ("sfa", "sfa_lead_id")]}
    assert orphans["ma"] > 0  # the activities of the demo's quarantined MA leads
    relationships = {"ma": "ma_activities.lead_id → ma_leads.lead_id",
                     "sfa": "sfa_activities.sfa_lead_id → sfa_leads.sfa_lead_id"}
    assert recorded == [(relationships[s], n, "warn", False) for s, n in orphans.items() if n]


def test_no_demo_record_is_after_the_end_date(demo_workspace: Path):
    con = duckdb.connect(str(demo_workspace / "warehouse.duckdb"), read_only=True)
    latest = con.execute("SELECT latest_record_at FROM intermediate.int_as_of").fetchone()[0]
    assert latest < datetime(2026, 10, 30, 15, 0)  # 2026-10-31 00:00 in Tokyo


def test_rules_file_numbers_change_the_results(demo_workspace: Path, tmp_path: Path):
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace, ws, ignore=shutil.ignore_patterns("*.tmp", ".dagster"))

    def first_contact_met() -> int:
        con = duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True)
        try:
            return con.execute("SELECT sum(met) FROM marts.sla_compliance "
                               "WHERE sla_rule = 'first_contact'").fetchone()[0]
        finally:
            con.close()

    before = first_contact_met()
    (ws / "leadjourney.yml").write_text("sla:\n  first_contact_hours: 1\n")
    cli("run", "--workspace", str(ws))
    after = first_contact_met()
    assert 0 < after < before


def test_dbt_docs_generate(demo_workspace: Path):
    cli("dbt", "--workspace", str(demo_workspace), "docs", "generate")
    assert (demo_workspace / ".dbt" / "target" / "catalog.json").exists()


def test_pipeline_snapshot_accumulates_across_runs(demo_workspace: Path, tmp_path: Path):
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace, ws, ignore=shutil.ignore_patterns("*.tmp", ".dagster"))
    warehouse = ws / "warehouse.duckdb"

    def snapshot() -> dict:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            rows = con.execute("SELECT snapshot_date, opportunity_id, stage, amount_reporting "
                               "FROM marts.pipeline_snapshot_daily ORDER BY 1, 2").fetchall()
        finally:
            con.close()
        by_date: dict = {}
        for d, *rest in rows:
            by_date.setdefault(d, []).append(tuple(rest))
        return by_date

    first = snapshot()
    assert len(first) == 1
    (ws / "leadjourney.yml").write_text("reporting:\n  as_of: '2026-11-03T12:00:00'\n")
    cli("run", "--workspace", str(ws))
    second = snapshot()
    assert len(second) == 2
    (ws / "leadjourney.yml").write_text("reporting:\n  as_of: '2026-11-04T12:00:00'\n")
    cli("run", "--workspace", str(ws))
    third = snapshot()
    assert sorted(third) == sorted([*second, date(2026, 11, 4)])
    for day, rows in second.items():
        assert third[day] == rows  # earlier days are never rewritten


def test_the_next_days_exports_continue_the_same_journeys(demo_workspace: Path, tmp_path: Path):
    """The next daily export of the same tools (the generator's --as-of) lands beside the first
    day's files: the run loads it, no record is removed, and the warehouse equals the new truth."""
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace, ws, ignore=shutil.ignore_patterns("*.tmp", ".dagster"))
    first = json.loads((ws / "demo_truth.json").read_text())
    cli("generate", "--workspace", str(ws), "--leads", str(DEMO_LEADS), "--seed", str(DEMO_SEED),
        "--end-date", DEMO_END.isoformat(), "--as-of", "2026-11-02")
    second = json.loads((ws / "demo_truth.json").read_text())
    assert len(list((ws / "landing").rglob("*.csv"))) == 2 * len(first["files"])
    assert second["journey_leads"] > first["journey_leads"]
    result = cli("run", "--workspace", str(ws))
    assert "published:" in result.stdout
    comparison = compare_with_truth(ws)
    assert comparison.quarantine == comparison.quarantine_expected
    assert comparison.stage_leads == comparison.stage_leads_expected
    con = duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.removed_records").fetchone()[0] == 0
        assert con.execute("SELECT count(DISTINCT lead_id) FROM marts.lead_journey").fetchone()[0] \
            == second["journey_leads"]
    finally:
        con.close()


def test_exported_action_lists_open_with_japanese_intact(demo_workspace: Path, tmp_path: Path):
    out = tmp_path / "actions"
    result = cli("export", "actions", "--workspace", str(demo_workspace), "--out", str(out))
    con = duckdb.connect(str(demo_workspace / "warehouse.duckdb"), read_only=True)
    expected = con.execute("SELECT count(*) FROM marts.action_recycle_queue").fetchone()[0]
    raw = (out / "recycle_queue.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads Japanese correctly
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("再アプローチ日,対応時期,アクション")
    assert len(lines) - 1 == expected > 0
    assert f"recycle_queue.csv: {expected:,} rows" in result.stdout
    cli("export", "actions", "--workspace", str(demo_workspace), "--out", str(tmp_path / "sjis"),
        "--encoding", "cp932", "--lang", "en")
    escalations = (tmp_path / "sjis" / "sla_escalations.csv").read_bytes().decode("cp932")
    assert escalations.startswith("Manager,Owner,Team,SLA rule")
    # staff names stay (the meeting needs them); leads' personal data is masked
    assert "中村 美穂" in escalations or "小林 大輔" in escalations


def test_exports_mask_leads_personal_data_unless_unmasked(demo_workspace: Path, tmp_path: Path):
    import csv

    with duckdb.connect(str(demo_workspace / "serving.duckdb"), read_only=True) as con:
        emails = {e for (e,) in con.execute(
            "SELECT email FROM marts.action_awaiting_first_contact WHERE email IS NOT NULL").fetchall()}
    assert emails
    masked = cli("export", "actions", "--workspace", str(demo_workspace), "--out", str(tmp_path / "m"),
                 "--lang", "en")
    assert "personal data masked" in masked.stdout
    with open(tmp_path / "m" / "awaiting_first_contact.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all("***@" in r["E-mail"] for r in rows if r["E-mail"])
    assert not emails & {r["E-mail"] for r in rows}
    full = cli("export", "actions", "--workspace", str(demo_workspace), "--out", str(tmp_path / "u"),
               "--lang", "en", "--unmasked")
    assert "personal data NOT masked" in full.stdout
    with open(tmp_path / "u" / "awaiting_first_contact.csv", encoding="utf-8-sig", newline="") as fh:
        assert {r["E-mail"] for r in csv.DictReader(fh) if r["E-mail"]} == emails


def _blank_first_contacts(path: Path, share_every: int = 10) -> int:
    """Blank the time of every contact activity of every 10th handed-over lead; returns leads hit."""
    import csv
    import io

    text = path.read_text(encoding="cp932")
    body, _, footer = text.partition("\r\n\r\n")
    rows = list(csv.reader(io.StringIO(body)))
    header, data = rows[0], rows[1:]
    lead, when, kind = header.index("リード ID"), header.index("日時"), header.index("種別")
    contacts = ("電話", "メール")
    leads = sorted({r[lead] for r in data if len(r) == len(header) and r[lead] and r[kind] in contacts})
    hit = set(leads[::share_every])
    for r in data:
        if len(r) == len(header) and r[lead] in hit:
            r[when] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *data])
    path.write_text(out.getvalue() + "\r\n" + footer, encoding="cp932")
    return len(hit)


def test_publication_gate_keeps_the_served_copy_when_sla_fields_are_missing(demo_workspace: Path,
                                                                           tmp_path: Path):
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace / "landing", ws / "landing")
    shutil.copy(demo_workspace / "serving.duckdb", ws / "serving.duckdb")  # the copy published before
    served_before = (ws / "serving.duckdb").read_bytes()
    activities = next((ws / "landing" / "sfa").glob("sfa-activities-*.csv"))
    clean = activities.read_bytes()
    assert _blank_first_contacts(activities) > 0

    failed = cli("run", "--workspace", str(ws), check=False)
    assert failed.returncode == 1
    assert "handoff_completeness: first_contact_at filled (all months)" in failed.stdout
    assert "NOT published" in failed.stderr
    assert (ws / "serving.duckdb").read_bytes() == served_before
    con = duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True)
    recorded = con.execute("""SELECT observed_value, threshold, severity FROM meta.dq_results
                              WHERE suite = 'handoff_completeness' AND label = 'first_contact_at filled'
                                AND month IS NULL AND NOT passed""").fetchall()
    con.close()
    assert len(recorded) == 1 and recorded[0][0] < recorded[0][1] and recorded[0][2] == "error"
    assert cli("check", "--workspace", str(ws), check=False).returncode == 1

    activities.write_bytes(clean)  # the clean re-export arrives: the next run publishes
    passed = cli("run", "--workspace", str(ws))
    assert "published:" in passed.stdout
    assert (ws / "serving.duckdb").read_bytes() != served_before
    con = duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True)
    runs = con.execute("""SELECT run_id, bool_and(passed OR severity = 'warn') FROM meta.dq_results
                          WHERE run_id NOT LIKE 'check-%' GROUP BY run_id""").fetchall()
    con.close()
    assert sorted(ok for _, ok in runs) == [False, True]  # dq_results shows both runs
