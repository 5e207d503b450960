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
