"""ARR, closed deals and pipeline coverage."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.contract import NO_VALUE
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


# Forecast categories of marts.opportunity_outcomes shown in the forecast, in stacking order (won first);
# lost deals ('omitted') are left out.
FORECAST_CATEGORIES = ("closed", "commit", "best_case", "pipeline", "unmapped")


def forecast_by_month(q: Query, f: Filters, start: date | None = None) -> pd.DataFrame:
    """Per forecast month from `start` (opportunity_outcomes.forecast_month: when a deal was won, or
    an open deal's expected close): the amount per forecast category, the weighted amount (won
    whole, open deals by their stage's probability) and the open deals, under the lead filters
    (an opportunity follows its lead's cycle). Open deals without a close date have no month and
    are left out (forecast_undated counts them)."""
    lead_sql, lead_params = f.lead_clause()
    sums = ", ".join(f"coalesce(sum(o.amount) FILTER (WHERE o.forecast_category = '{c}'), 0) AS {c}"
                     for c in FORECAST_CATEGORIES)
    return q(
        f"""
        SELECT o.forecast_month AS month, {sums},
               coalesce(sum(o.weighted_amount), 0) AS weighted, count_if(o.is_open) AS open_deals
        FROM marts.opportunity_outcomes AS o{f.join("o")}
        WHERE o.forecast_category <> 'omitted' AND o.forecast_month >= ?{lead_sql}
        GROUP BY 1 ORDER BY 1""",
        (start or date.min, *lead_params),
    )


def forecast_undated(q: Query, f: Filters) -> int:
    """Open deals with no expected close date (no forecast month), under the lead filters."""
    lead_sql, lead_params = f.lead_clause()
    return int(q(f"""SELECT count(*) AS n FROM marts.opportunity_outcomes AS o{f.join("o")}
                     WHERE o.is_open AND o.forecast_month IS NULL{lead_sql}""", lead_params)["n"].iloc[0])


def open_pipeline_by_stage(q: Query, f: Filters) -> pd.DataFrame:
    """The open deals per stage along the buyer's process (stages the rules do not know last):
    deals, amount, weighted amount, probability and forecast category (pipeline.stages), average
    days in the stage so far and deals past their expected close date, under the lead filters."""
    lead_sql, lead_params = f.lead_clause()
    return q(
        f"""
        SELECT o.stage, s.stage_order, s.probability, o.forecast_category, count(*) AS open_deals,
               sum(o.amount) AS amount, sum(o.weighted_amount) AS weighted,
               avg(o.days_in_stage) AS avg_days_in_stage, count_if(o.is_past_close_date) AS past_close_date
        FROM marts.opportunity_outcomes AS o{f.join("o")}
        LEFT JOIN config.opportunity_stages AS s ON s.stage = o.stage
        WHERE o.is_open{lead_sql}
        GROUP BY ALL ORDER BY s.stage_order NULLS LAST, o.stage""",
        lead_params,
    )


def stage_progression(q: Query) -> pd.DataFrame:
    """Every opportunity's path along the buyer's process (marts.opportunity_stage_funnel summed over
    segments): per stage, the deals that reached it, the share that went on to a later stage and
    the average days a finished stay lasted. Company-wide."""
    return q(
        """
        SELECT stage, stage_order, sum(opportunities) AS reached, sum(went_on) AS went_on,
               sum(went_on) / nullif(sum(opportunities), 0) AS conversion_to_next,
               sum(days_in_stage_total) / nullif(sum(stays_completed), 0) AS avg_days_in_stage,
               sum(moves_back) AS moves_back
        FROM marts.opportunity_stage_funnel GROUP BY ALL ORDER BY stage_order""",
        (),
    )


def pipeline_trend(q: Query) -> pd.DataFrame:
    """The open pipeline per snapshot date with its movements since the previous snapshot
    (marts.pipeline_trend), oldest first. Company-wide."""
    return q("SELECT * FROM marts.pipeline_trend ORDER BY snapshot_date", ())


def monthly_new_arr_target(q: Query) -> float | None:
    """The monthly new-ARR target (marts.kpi_monthly's new_arr target: the fiscal year's over twelve)."""
    value = q("SELECT max(target_low) AS target FROM marts.kpi_monthly WHERE kpi = 'new_arr'", ())
    value = value["target"].iloc[0]
    return None if pd.isna(value) else float(value)


_CAMPAIGN_SUMS = ("cost", "new_leads", "mqls", "sqls", "opportunities", "won_deals", "won_arr_first_touch",
                  "won_arr_last_touch")


def campaign_performance(q: Query, f: Filters, by: str | None = None) -> pd.DataFrame:
    """marts.campaign_performance summed over the filter's months and its channel and campaign choices
    (the other lead dimensions do not cut a campaign's cost), per `by` ('channel' or 'campaign', with
    the campaign's name and channel) or in one row, with the mart's KPIs over the sums: cost per MQL,
    SQL and won deal, and ROI by first and by last touch ((won ARR - cost) / cost)."""
    if by not in (None, "channel", "campaign"):
        raise ValueError(f"campaign_performance by {by!r}")
    month_sql, params = f.month_clause("c.month")
    for dim in ("channel", "campaign"):
        chosen = f.values.get(dim) or ()
        if chosen:
            month_sql += f" AND c.{dim} IN ({', '.join('?' for _ in chosen)})"
            params += tuple(chosen)
    keys = {None: "", "channel": "c.channel, ",
            "campaign": "c.campaign, max(c.campaign_name) AS campaign_name, max(c.channel) AS channel, "}[by]
    sums = ", ".join(f"coalesce(sum(c.{column}), 0) AS {column}" for column in _CAMPAIGN_SUMS)
    # the leads without a campaign stay apart per channel
    key = {"channel": "c.channel",
           "campaign": f"c.campaign, CASE WHEN c.campaign = '{NO_VALUE}' THEN c.channel END"}
    group = f" GROUP BY {key[by]} ORDER BY cost DESC, won_arr_first_touch DESC, {key[by]}" if by else ""
    df = q(f"SELECT {keys}{sums} FROM marts.campaign_performance AS c WHERE true{month_sql}{group}", params)
    for column in _CAMPAIGN_SUMS:
        df[column] = df[column].astype(float)
    cost = df["cost"].where(df["cost"] > 0)
    for stage, name in (("mqls", "mql"), ("sqls", "sql"), ("won_deals", "won")):
        df[f"cost_per_{name}"] = cost / df[stage].where(df[stage] > 0)
    for touch in ("first_touch", "last_touch"):
        df[f"roi_{touch}"] = (df[f"won_arr_{touch}"] - cost) / cost
    return df


ALL_REPS = "(all)"  # marts.department_kpis_monthly's rep of a department as a whole


def department_kpis(q: Query, start: date, end: date) -> pd.DataFrame:
    """The department KPIs of each department as a whole per month from `start` to `end`, with
    target and band status (marts.department_kpis_monthly)."""
    return q("SELECT * FROM marts.department_kpis_monthly WHERE rep = ? AND month BETWEEN ? AND ? "
             "ORDER BY department, kpi, month", (ALL_REPS, start, end))


def department_reps(q: Query, month: date, department: str) -> pd.DataFrame:
    """The department's KPIs per rep in `month` (inside and field sales), with band status."""
    return q("SELECT * FROM marts.department_kpis_monthly WHERE rep <> ? AND month = ? AND department = ? "
             "ORDER BY rep, kpi", (ALL_REPS, month, department))


def forecast_deals(q: Query, f: Filters, month: date) -> pd.DataFrame:
    """The deals behind one forecast month's bars (marts.opportunity_outcomes, lost deals left out),
    commit first and the largest first, under the lead filters."""
    lead_sql, lead_params = f.lead_clause()
    order = ", ".join(f"'{c}'" for c in FORECAST_CATEGORIES)
    return q(
        f"""
        SELECT o.opportunity_id, coalesce(ac.account_name, o.account_id) AS account_name, o.stage,
               o.forecast_category, o.amount, o.weighted_amount, o.close_date, o.owner, o.is_past_close_date
        FROM marts.opportunity_outcomes AS o{f.join("o")}
        LEFT JOIN marts.account_overview AS ac ON ac.account_id = o.account_id
        WHERE o.forecast_month = ? AND o.forecast_category <> 'omitted'{lead_sql}
        ORDER BY list_position([{order}], o.forecast_category), o.amount DESC NULLS LAST, o.opportunity_id""",
        (month, *lead_params),
    )
