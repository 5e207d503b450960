"""The hand-off SLA, first contact and the MQL capacity plan."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.reporting.metrics.base import Filters, Query
from pipelines.reporting.metrics.funnel import cohort_funnel


def sla_results(q: Query, f: Filters) -> pd.DataFrame:
    """Hand-offs per notification month (business time zone), team, rep and SLA rule, with met,
    missed and pending (the rule's deadline has not passed) counts: marts.sla_handoff_rules summed."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("h.notified_month")
    return q(
        f"""
        SELECT h.notified_month, h.team, h.owner, h.sla_rule, count_if(h.met) AS met,
               count_if(NOT h.met) AS missed, count_if(h.is_pending) AS pending
        FROM marts.sla_handoff_rules AS h{f.join("h")}
        WHERE true{lead_sql}{month_sql}
        GROUP BY h.notified_month, h.team, h.owner, h.sla_rule""",
        (*lead_params, *month_params),
    )


def sla_summary(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    out = df.groupby(by, as_index=False)[["met", "missed", "pending"]].sum()
    decided = out["met"] + out["missed"]
    out["compliance_rate"] = out["met"] / decided.where(decided > 0)
    return out


def first_contact_hours(q: Query, f: Filters) -> pd.DataFrame:
    """Average hours from MQL notification to first contact, per notification month."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("h.notified_month")
    return q(
        f"""
        SELECT notified_month, avg(hours_to_first_contact) AS avg_hours,
               count(hours_to_first_contact) AS contacted
        FROM (
            SELECT j.notified_month, j.hours_to_first_contact
            FROM marts.lead_journey AS j{f.join("j")}
            WHERE j.notified_at IS NOT NULL{lead_sql}
        ) AS h WHERE true{month_sql}
        GROUP BY notified_month ORDER BY notified_month""",
        (*lead_params, *month_params),
    )


def capacity_plan(q: Query, month: date) -> dict:
    """The MQL plan after `month` against the IS reps of that month (marts.mql_capacity_plan)."""
    df = q("SELECT * FROM marts.mql_capacity_plan WHERE month = ?", (month,))
    return df.iloc[0].to_dict() if len(df) else {}


def mql_plan(q: Query, month: date, rules: dict) -> dict:
    """The reverse funnel against inside-sales capacity, company-wide: the MQLs of `month` (its MQL
    cohort), the monthly MQL target, the MQLs the new-ARR target still needs per month, the IS
    capacity (the reps who received hand-offs in `month`, each at targets.mqls_per_is_rep_month)
    and next month's plan (marts.mql_capacity_plan). The deck's plan slide and the executive page
    show these."""
    cohort = cohort_funnel(q, Filters(start=month, end=month), "mql")
    row = capacity_plan(q, month)
    needed = row.get("mqls_needed_per_month")
    return {
        "target": float(row.get("target_mqls", rules["target_mql_per_month"])),
        "needed": None if needed is None or pd.isna(needed) else float(needed),
        "actual": int(cohort["cohort_leads"].sum()) if len(cohort) else 0,
        "reps": int(row.get("active_is_reps", 0)),
        "per_rep": int(row.get("mqls_per_is_rep", rules["target_mqls_per_is_rep_month"])),
        "capacity": int(row.get("is_capacity_mqls", 0)),
        "plan": float(row.get("planned_mqls", rules["target_mql_per_month"])),
        "plan_per_rep": None if pd.isna(row.get("planned_mqls_per_rep")) else row["planned_mqls_per_rep"],
    }


def speed_to_lead(q: Query, f: Filters) -> pd.DataFrame:
    """Hand-offs per speed-to-lead bucket with their MQL->SQL rate (filtered by MQL cohort month)."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("j.cohort_month")
    return q(
        f"""
        SELECT b.bucket_order, b.bucket_label, b.max_minutes, count(j.lead_id) AS handoffs,
               count_if(j.sql_reached_at IS NOT NULL) AS sql_leads
        FROM config.speed_buckets AS b
        LEFT JOIN (
            SELECT j.* FROM marts.lead_journey AS j{f.join("j")}
            WHERE j.first_contact_at IS NOT NULL{month_sql}{lead_sql}
        ) AS j ON j.speed_to_lead_bucket = b.bucket_label
        GROUP BY b.bucket_order, b.bucket_label, b.max_minutes ORDER BY b.bucket_order""",
        (*month_params, *lead_params),
    )


def overdue_now(q: Query, f: Filters, limit: int = 1000) -> tuple[pd.DataFrame, int]:
    lead_sql, lead_params = f.lead_clause()
    base = f"""FROM marts.action_awaiting_first_contact AS w{f.join("w")}
               WHERE w.sla_status = 'overdue'{lead_sql}"""
    total = int(q(f"SELECT count(*) AS n {base}", lead_params)["n"].iloc[0])
    rows = q(
        f"""SELECT w.owner_manager, w.owner, w.owner_team, w.first_contact_due_at, w.notified_at,
                        round(w.hours_waiting, 1) AS hours_waiting, w.grade, w.score,
                        w.person_name, w.email, w.account_name, w.original_channel, w.lead_id
                 {base} ORDER BY w.first_contact_due_at, w.lead_id LIMIT ?""",
        (*lead_params, limit),
    )
    return rows, total
