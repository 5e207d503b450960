"""Run the suites through GX's pandas route and keep every result in `meta.dq_results`.

GX's SQL datasource does not work on DuckDB (STACK.md): a suite over rows is measured in SQL
(`checks_sql`) and GX validates the few aggregate rows as a dataframe batch; a suite over a small
aggregated view gives GX the view. Results become rows (suite, expectation, column, month,
observed value, threshold, passed, severity, run id, time, a sample of failing record ids) appended
to `meta.dq_results`, so trends can be shown.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pandas as pd

from expectations.suites import SAMPLE_IDS, SUITES, Check, Suite, build_checks_suite, checks_sql
from pipelines.rules import Rules

DQ_DDL = """
CREATE TABLE IF NOT EXISTS meta.dq_results (
  run_id VARCHAR,
  checked_at TIMESTAMP,
  suite VARCHAR,
  asset VARCHAR,
  expectation VARCHAR,
  label VARCHAR,
  column_name VARCHAR,
  month VARCHAR,
  observed_value DOUBLE,
  threshold DOUBLE,
  element_count BIGINT,
  unexpected_count BIGINT,
  passed BOOLEAN,
  severity VARCHAR,
  sample_failing_ids VARCHAR
)"""

_context = None


def _gx_context():
    global _context
    if _context is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        _context = gx.get_context(mode="ephemeral")
        _context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = _context.data_sources.add_pandas("leadjourney")
        source.add_dataframe_asset(name="frame").add_batch_definition_whole_dataframe("whole")
    return _context


@dataclass
class SuiteOutcome:
    suite: Suite
    rows: list[dict] = field(default_factory=list)
    error: str | None = None

    @property
    def failed_errors(self) -> list[dict]:
        return [r for r in self.rows if not r["passed"] and r["severity"] == "error"]

    @property
    def failed_warnings(self) -> list[dict]:
        return [r for r in self.rows if not r["passed"] and r["severity"] == "warn"]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failed_errors and not self.failed_warnings

    @property
    def blocks(self) -> bool:
        return self.suite.blocking and (self.error is not None or bool(self.failed_errors))


def _validate(frame: pd.DataFrame, suite_def, result_format: str):
    batch = (_gx_context().data_sources.get("leadjourney").get_asset("frame")
             .get_batch_definition("whole").get_batch(batch_parameters={"dataframe": frame}))
    result = batch.validate(suite_def, result_format={
        "result_format": result_format, "unexpected_index_column_names": ["record_id"],
        "partial_unexpected_count": SAMPLE_IDS})
    raised = [f"{r.expectation_config.type}: {r.exception_info.get('exception_message')}"
              for r in result.results if (r.exception_info or {}).get("raised_exception")]
    if raised:
        raise RuntimeError("; ".join(raised))
    return result


def validate_checks(frame: pd.DataFrame, checks: list[Check], run_id: str, suite: Suite) -> list[dict]:
    """GX validates the checks' aggregate rows (checks_sql); one result row per aggregate row,
    failing where GX listed it, recorded as the expectation the check stands for, with the rows in
    scope, the failing count and the first failing ids."""
    result = _validate(frame, build_checks_suite(suite.name, checks), "COMPLETE")  # a few rows: list all
    failing = {item.get("record_id") for r in result.results
               for item in ((r.result or {}).get("unexpected_index_list") or []) if isinstance(item, dict)}
    by_key = {c.key: c for c in checks}
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for aggregate in frame.itertuples(index=False):
        check = by_key[aggregate.check_key]
        rows.append({
            "run_id": run_id, "checked_at": now, "suite": suite.name, "asset": "/".join(suite.asset),
            "expectation": check.stands_for, "label": check.label, "column_name": check.column,
            "month": None if pd.isna(aggregate.month) else aggregate.month,
            "observed_value": None if pd.isna(aggregate.share) else float(aggregate.share),
            "threshold": check.threshold, "element_count": int(aggregate.rows_in_scope),
            "unexpected_count": int(aggregate.unexpected),
            "passed": aggregate.record_id not in failing, "severity": check.severity,
            "sample_failing_ids": json.dumps([str(i) for i in aggregate.failing_ids][:SAMPLE_IDS]),
        })
    return rows


def validate_frame(frame: pd.DataFrame, suite_def, run_id: str, suite: Suite) -> list[dict]:
    """Validate a small aggregated view's rows with an ExpectationSuite; one result row per
    expectation."""
    result = _validate(frame, suite_def, "SUMMARY")
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = []
    for r in result.results:
        config = r.expectation_config
        meta = config.meta or {}
        res = r.result or {}
        element_count = res.get("element_count")
        unexpected = res.get("unexpected_count")
        if meta.get("observe"):
            covered = frame.query(meta["where"]) if meta.get("where") else frame
            values = covered[meta["observe"]]
            # report the value nearest the failing side: the max against a ceiling, else the min
            observed = (float(values.max() if config.kwargs.get("max_value") is not None else values.min())
                        if len(values) else None)
        elif element_count:
            observed = 1 - (unexpected or 0) / element_count
        else:
            observed = None
        samples = [str(item.get("record_id")) for item in (res.get("partial_unexpected_index_list") or [])
                   if isinstance(item, dict)][:SAMPLE_IDS]
        rows.append({
            "run_id": run_id, "checked_at": now, "suite": suite.name, "asset": "/".join(suite.asset),
            "expectation": config.type, "label": meta.get("label"),
            "column_name": config.kwargs.get("column") or config.kwargs.get("column_A"),
            "month": meta.get("month"), "observed_value": observed, "threshold": meta.get("threshold"),
            "element_count": element_count, "unexpected_count": unexpected, "passed": bool(r.success),
            "severity": meta.get("severity", "warn"), "sample_failing_ids": json.dumps(samples),
        })
    return rows


def carried_fields(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]] | None:
    """(extract, field) pairs some loaded file fills (a mapped column, empty or not, or a constant);
    None when the warehouse has no manifest to tell."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'meta' "
                       "AND table_name = 'load_manifest'").fetchone()[0]:
        return None
    return set(con.execute(
        "SELECT DISTINCT extract, unnest(from_json(carried_fields, '[\"VARCHAR\"]')) "
        "FROM meta.load_manifest WHERE status = 'loaded'").fetchall())


def _not_measurable(checks: list[Check], suite: Suite, carried: set[tuple[str, str]] | None,
                    run_id: str) -> tuple[list[Check], list[dict]]:
    """Split off the checks on columns no loaded file fills: (kept checks, result rows)."""
    if carried is None:
        return checks, []
    kept, rows, now = [], [], datetime.now(UTC).replace(tzinfo=None)
    for check in checks:
        sources = suite.measured_by.get(check.column)
        if sources and not any(s in carried for s in sources):
            fields = " / ".join(f"{e}.{f}" for e, f in sources)
            rows.append({
                "run_id": run_id, "checked_at": now, "suite": suite.name, "asset": "/".join(suite.asset),
                "expectation": check.stands_for, "column_name": check.column,
                "label": f"{check.label}: not measurable, the sources carry no {fields}",
                "month": None, "observed_value": None, "threshold": check.threshold,
                "element_count": None, "unexpected_count": None, "passed": True,
                "severity": "not_measurable", "sample_failing_ids": "[]"})
        else:
            kept.append(check)
    return kept, rows


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, rules: Rules, run_id: str) -> SuiteOutcome:
    """Measure and validate a suite and return its result rows (not yet recorded). Checks on
    columns no loaded file fills come back as `not_measurable` rows, which never block; a suite
    over no rows judges nothing."""
    _gx_context()  # suites attach to the active context
    try:
        query = suite.query(rules)
        if suite.checks is None:
            frame = con.execute(query).df()
            if frame.empty:
                return SuiteOutcome(suite)
            return SuiteOutcome(suite, validate_frame(frame, suite.build(frame, rules), run_id, suite))
        if con.execute(f"SELECT 1 FROM ({query}) LIMIT 1").fetchone() is None:
            return SuiteOutcome(suite)
        columns = {c[0] for c in con.execute(f"DESCRIBE ({query})").fetchall()}
        checks, skipped = _not_measurable([c for c in suite.checks(rules) if c.column in columns], suite,
                                          carried_fields(con), run_id)
        frame = con.execute(checks_sql(query, checks)).df()
        rows = validate_checks(frame, checks, run_id, suite) if checks else []
        return SuiteOutcome(suite, rows + skipped)
    except duckdb.Error as exc:
        return SuiteOutcome(suite, error=f"{suite.name}: could not read its data: {exc}")
    except RuntimeError as exc:
        return SuiteOutcome(suite, error=f"{suite.name}: could not be validated: {exc}")


def record(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    con.execute(DQ_DDL)
    if rows:
        frame = pd.DataFrame(rows)
        con.register("_dq_rows", frame)
        con.execute("INSERT INTO meta.dq_results BY NAME SELECT * FROM _dq_rows")
        con.unregister("_dq_rows")


def run_all(con: duckdb.DuckDBPyConnection, rules: Rules, run_id: str) -> list[SuiteOutcome]:
    """Every suite (used by `leadjourney check`); results are recorded."""
    outcomes = [run_suite(con, suite, rules, run_id) for suite in SUITES]
    record(con, [row for o in outcomes for row in o.rows])
    return outcomes


def summary(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """Counts of passed / warned / failed expectations of a run and the worst completeness figures."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'meta' "
                       "AND table_name = 'dq_results'").fetchone()[0]:
        return {"passed": 0, "warned": 0, "failed": 0, "not_measurable": 0, "worst_completeness": [],
                "failures": [], "not_measurable_columns": []}
    counts = dict(con.execute("""
        SELECT CASE WHEN severity = 'not_measurable' THEN 'not_measurable' WHEN passed THEN 'passed'
                    WHEN severity = 'error' THEN 'failed' ELSE 'warned' END,
               count(*)
        FROM meta.dq_results WHERE run_id = ? GROUP BY 1""", [run_id]).fetchall())
    worst = con.execute("""
        SELECT suite, label, coalesce(month, 'all months') AS month, observed_value, threshold
        FROM meta.dq_results
        WHERE run_id = ? AND expectation = 'expect_column_values_to_not_be_null'
          AND observed_value IS NOT NULL
        ORDER BY observed_value - threshold, suite, label LIMIT 5""", [run_id]).fetchall()
    not_measurable = con.execute("""
        SELECT DISTINCT suite, column_name FROM meta.dq_results
        WHERE run_id = ? AND severity = 'not_measurable' ORDER BY 1, 2""", [run_id]).fetchall()
    failures = con.execute("""
        SELECT suite, label, coalesce(month, 'all months'), observed_value, threshold, severity,
               unexpected_count
        FROM meta.dq_results WHERE run_id = ? AND NOT passed
        ORDER BY severity, suite, label, month""", [run_id]).fetchall()
    return {"passed": counts.get("passed", 0), "warned": counts.get("warned", 0),
            "failed": counts.get("failed", 0), "not_measurable": counts.get("not_measurable", 0),
            "worst_completeness": worst, "failures": failures, "not_measurable_columns": not_measurable}
