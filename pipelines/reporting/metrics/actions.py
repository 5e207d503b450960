"""The weekly working view: this week's hand-offs and the action lists, limited to what is
actionable (the marts' is_within_horizon: due within actions.horizon_days, or overdue), most
urgent first."""

from __future__ import annotations

import pandas as pd

from pipelines.reporting.metrics.base import Filters, Query

# list -> (mart, the rows on the weekly view, most urgent first)
WEEKLY_LISTS = {
    "handoffs": ("marts.action_weekly_handoffs", "true",
                 "CASE w.follow_up WHEN 'overdue' THEN 0 WHEN 'awaiting' THEN 1 ELSE 2 END, "
                 "w.first_contact_due_at, w.lead_id"),
    "awaiting": ("marts.action_awaiting_first_contact", "w.is_within_horizon",
                 "w.first_contact_due_at NULLS LAST, w.lead_id"),
    "escalations": ("marts.action_sla_escalations", "true",
                    "w.hours_since_notified DESC, w.lead_id, w.sla_rule"),
    "recycle": ("marts.action_recycle_queue", "w.is_within_horizon", "w.reapproach_date, w.lead_id"),
    "dormant": ("marts.action_dormant_leads", "true", "w.days_inactive DESC, w.lead_id"),
}


def _base(f: Filters, name: str) -> tuple[str, tuple]:
    table, where, _order = WEEKLY_LISTS[name]
    lead_sql, lead_params = f.lead_clause()
    return f"FROM {table} AS w{f.join('w')} WHERE {where}{lead_sql}", lead_params


def weekly_list(q: Query, f: Filters, name: str, limit: int = 1000) -> pd.DataFrame:
    """One list of the weekly view: its first `limit` rows, most urgent first (its row count is
    weekly_counts')."""
    base, params = _base(f, name)
    return q(f"SELECT w.* {base} ORDER BY {WEEKLY_LISTS[name][2]} LIMIT ?", (*params, limit))


def weekly_counts(q: Query, f: Filters) -> dict[str, int]:
    """The weekly view's headline counts: each list's rows, this week's hand-offs by follow-up, and
    the overdue ones among the MQLs awaiting first contact."""
    counts = {}
    for name in WEEKLY_LISTS:
        base, params = _base(f, name)
        counts[name] = int(q(f"SELECT count(*) AS n {base}", params)["n"].iloc[0])
    base, params = _base(f, "handoffs")
    follow = q(f"SELECT w.follow_up, count(*) AS n {base} GROUP BY 1", params)
    by = dict(zip(follow["follow_up"], follow["n"], strict=True))
    counts |= {f"handoffs_{k}": int(by.get(k, 0)) for k in ("contacted", "awaiting", "overdue")}
    base, params = _base(f, "awaiting")
    counts["awaiting_overdue"] = int(q(f"SELECT count(*) AS n {base} AND w.sla_status = 'overdue'",
                                       params)["n"].iloc[0])
    return counts
