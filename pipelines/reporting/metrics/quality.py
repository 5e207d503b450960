"""Data quality, quarantine and freshness."""

from __future__ import annotations

import pandas as pd

from pipelines.reporting.metrics.base import Query


def dq_runs(q: Query) -> pd.DataFrame:
    return q(
        """
        SELECT run_id, min(checked_at) AS checked_at, count(*) AS checks,
               count_if(passed AND severity <> 'not_measurable') AS passed,
               count_if(NOT passed AND severity = 'error') AS blocking_failed,
               count_if(NOT passed AND severity <> 'error') AS warned,
               count_if(severity = 'not_measurable') AS not_measurable
        FROM meta.dq_results GROUP BY run_id ORDER BY checked_at""",
        (),
    )


def dq_latest(q: Query) -> pd.DataFrame:
    return q(
        """
        SELECT suite, expectation, label, column_name, month, observed_value, threshold, element_count,
               unexpected_count, passed, severity, sample_failing_ids
        FROM meta.dq_results
        WHERE run_id = (SELECT run_id FROM meta.dq_results ORDER BY checked_at DESC LIMIT 1)
        ORDER BY passed, severity, suite, label, month""",
        (),
    )


def completeness_trend(q: Query) -> pd.DataFrame:
    """Per-month completeness of the SLA lead fields in the latest run, per source and field."""
    return q(
        """
        SELECT suite, column_name, month, observed_value, threshold, passed
        FROM meta.dq_results
        WHERE month IS NOT NULL AND expectation = 'expect_column_values_to_not_be_null'
            AND run_id = (SELECT run_id FROM meta.dq_results ORDER BY checked_at DESC LIMIT 1)
        ORDER BY suite, column_name, month""",
        (),
    )


def quarantine_summary(q: Query) -> pd.DataFrame:
    return q(
        """SELECT extract, reason_kind, count(*) AS rows_ FROM meta.quarantine
                GROUP BY 1, 2 ORDER BY rows_ DESC, extract, reason_kind""",
        (),
    )


def quarantine_rows(q: Query, extract: str | None, reason_kind: str | None, limit: int = 500) -> pd.DataFrame:
    return q(
        """
        SELECT q.extract, q.file_name, q.line_number, q.reason_kind, q.reason_field, q.reason, q.raw_text,
               m.delimiter, m.personal_columns
        FROM meta.quarantine AS q LEFT JOIN meta.load_manifest AS m ON m.load_id = q.load_id
        WHERE (? IS NULL OR q.extract = ?) AND (? IS NULL OR q.reason_kind = ?)
        ORDER BY q.extract, q.file_name, q.line_number LIMIT ?""",
        (extract, extract, reason_kind, reason_kind, limit),
    )


def freshness(q: Query) -> pd.DataFrame:
    return q(
        """
        SELECT extract, max(loaded_at) AS last_loaded_at, arg_max(file_name, loaded_at) AS file_name,
               sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined,
               arg_max(status, loaded_at) AS last_status
        FROM meta.load_manifest GROUP BY extract ORDER BY extract""",
        (),
    )
