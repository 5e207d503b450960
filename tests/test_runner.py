"""The run summary's warnings, from the manifest rows and the measures the sources carry."""

from pathlib import Path

import duckdb

from pipelines.runner import run_warnings
from pipelines.workspace import Workspace


def test_absent_optional_columns_name_the_measures_they_cost(tmp_path: Path):
    ws = Workspace(tmp_path)
    con = duckdb.connect(str(ws.warehouse))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.measure_coverage AS SELECT * FROM (VALUES ('stage:mql', false), "
                "('stage:known', true), ('stage:sql', true)) AS t(measure, is_measurable)")
    con.close()
    files = [
        {"file": "ma/contacts.csv", "extract": "ma_leads", "warnings": [],
         "missing_columns": ["'Lifecycle Stage' (lifecycle_stage)", "'Became a MQL Date' (mql_at)",
                             "'Industry' (industry)"],
         "missing_fields": ["lifecycle_stage", "mql_at", "industry"]},
        {"file": "sfa/leads.csv", "extract": "sfa_leads", "warnings": ["owner: 2 value(s) not found"],
         "missing_columns": ["'Decided' (decided_at)"], "missing_fields": ["decided_at"]},
    ]
    assert run_warnings(ws, files) == [
        "ma/contacts.csv: 'Lifecycle Stage' (lifecycle_stage) and 2 more absent: not measurable with the "
        "loaded sources: MQL",
        "sfa/leads.csv: owner: 2 value(s) not found",
        "sfa/leads.csv: 'Decided' (decided_at) absent: not measurable with the loaded sources: decision SLA",
    ]


def test_stage_seconds_put_a_check_on_a_raw_asset_among_the_checks():
    """The sources' freshness suite runs as a step named after raw/ma_leads: it is a check, not ingest."""
    from types import SimpleNamespace

    from pipelines.runner import stage_seconds

    def entry(ts, kind, step):
        event = SimpleNamespace(event_type_value=kind, step_key=step)
        return SimpleNamespace(timestamp=ts, dagster_event=event)

    logs = [entry(0, "STEP_START", "raw__ma_leads"), entry(1, "ASSET_MATERIALIZATION", "raw__ma_leads"),
            entry(1, "ASSET_CHECK_EVALUATION", "raw__ma_leads"), entry(2, "STEP_SUCCESS", "raw__ma_leads"),
            entry(2, "STEP_START", "raw__ma_leads_source_freshness"),
            entry(5, "ASSET_CHECK_EVALUATION", "raw__ma_leads_source_freshness"),
            entry(5, "STEP_SUCCESS", "raw__ma_leads_source_freshness"),
            entry(5, "STEP_START", "leadjourney_dbt"), entry(15, "STEP_SUCCESS", "leadjourney_dbt"),
            entry(15, "STEP_START", "serving__published"), entry(16, "STEP_SUCCESS", "serving__published")]
    instance = SimpleNamespace(all_logs=lambda run_id: logs)
    assert stage_seconds(instance, "r") == {"ingest": 2, "dbt": 10, "checks": 3, "publication": 1}
