"""Lead quality and scoring."""

from __future__ import annotations

import pandas as pd

from pipelines.reporting.metrics.base import Filters, Query


def score_bands(q: Query) -> pd.DataFrame:
    return q("SELECT * FROM marts.score_band_conversion ORDER BY band_order", ())


def what_if(q: Query) -> pd.DataFrame:
    return q("SELECT * FROM marts.mql_threshold_what_if ORDER BY fit_min, engagement_min, score_min", ())


WHAT_IF_AXES = ("fit_min", "engagement_min", "score_min")


def what_if_axes(grid: pd.DataFrame) -> list[str]:
    """The thresholds the scoring model in use varies (fit and engagement, or the additive score)."""
    return [a for a in WHAT_IF_AXES if grid[a].notna().any()]


def mql_definition(q: Query) -> pd.DataFrame:
    return q("SELECT * FROM marts.mql_definition_review ORDER BY cohort_month", ())


def grade_outcomes(q: Query, f: Filters) -> pd.DataFrame:
    """Hand-offs per grade (mature MQL cohorts): SQL and won counts and rates."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("j.cohort_month")
    return q(
        f"""
        SELECT coalesce(j.grade, '-') AS grade, count(*) AS handoffs,
               count_if(j.sql_reached_at IS NOT NULL) AS sql_leads,
               count_if(j.won_reached_at IS NOT NULL) AS won_leads,
               count_if(j.sql_reached_at IS NOT NULL) / count(*) AS sql_rate,
               count_if(j.won_reached_at IS NOT NULL) / count(*) AS won_rate
        FROM marts.lead_journey AS j
        INNER JOIN marts.funnel_cohort_members AS m
            ON m.lead_id = j.lead_id AND m.cycle_number = j.cycle_number AND m.cohort_basis = 'mql'
            AND m.metric_style = 'cumulative' AND m.window_days = 0 AND NOT m.is_young{f.join("j")}
        WHERE j.notified_at IS NOT NULL{month_sql}{lead_sql}
        GROUP BY 1 ORDER BY 1""",
        (*month_params, *lead_params),
    )


def non_sql_reasons(q: Query, f: Filters) -> pd.DataFrame:
    """Non-SQL decisions per reason (month of the decision, business time zone), most frequent
    first, with the cumulative share (Pareto)."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("d.decided_month")
    df = q(
        f"""
        SELECT reason, count(*) AS leads FROM (
            SELECT coalesce(j.non_sql_reason, 'missing') AS reason, j.decided_month
            FROM marts.lead_journey AS j{f.join("j")}
            WHERE j.decision = 'non_sql'{lead_sql}
        ) AS d WHERE true{month_sql}
        GROUP BY reason ORDER BY leads DESC, reason""",
        (*lead_params, *month_params),
    )
    total = df["leads"].sum()
    df["share"] = df["leads"] / total if total else 0.0
    df["cumulative_share"] = df["share"].cumsum()
    return df
