"""ARR, closed deals and pipeline coverage."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.reporting.metrics.base import Filters, Query


def arr_monthly(q: Query) -> pd.DataFrame:
    return q("SELECT * FROM marts.arr_monthly ORDER BY month", ())


def closed_deals(q: Query, f: Filters) -> pd.DataFrame:
    """Per month of closing (business time zone): won and lost deals and the win rate, the one
    definition of marts.opportunity_outcomes (won / (won + lost); open deals stay out)."""
    month_sql, month_params = f.month_clause("closed_month")
    df = q(
        f"""
        SELECT closed_month AS month, count_if(is_won) AS won, count_if(is_lost) AS lost,
               sum(won_amount) AS won_amount
        FROM marts.opportunity_outcomes WHERE NOT is_open{month_sql}
        GROUP BY 1 ORDER BY 1""",
        month_params,
    )
    df["win_rate"] = df["won"] / (df["won"] + df["lost"]).where(df["won"] + df["lost"] > 0)
    return df


def kpi_monthly(q: Query, start: date, end: date) -> pd.DataFrame:
    """The headline KPIs with target and band status per month (marts.kpi_monthly), company-wide."""
    return q("SELECT * FROM marts.kpi_monthly WHERE month BETWEEN ? AND ? ORDER BY kpi, month", (start, end))


def pipeline_coverage(q: Query) -> dict:
    df = q("SELECT * FROM marts.pipeline_coverage", ())
    return df.iloc[0].to_dict() if len(df) else {}
