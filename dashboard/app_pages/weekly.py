"""This week: the weekly meeting's working view. This week's hand-offs with their follow-up, and
the action lists limited to what is actionable (due within actions.horizon_days, or overdue), most
urgent first, each downloadable."""

import pandas as pd
import streamlit as st

from dashboard import ui
from pipelines import exports
from pipelines.reporting import metrics
from pipelines.reporting.text import fmt_date, fmt_int

ctx = ui.context()
t = ctx.t
st.title(t("page_weekly"))
pub = metrics.publication(ctx.q)
if pd.isna(pub.get("as_of_week")):
    st.info(t("weekly_republish"))
    st.stop()
horizon = fmt_date(pub["action_horizon_date"], ctx.lang)
as_of_local = ui.local_column(pd.Series([pub["as_of"]]), ctx.timezone).iloc[0]
st.caption(t("weekly_caption", week_start=fmt_date(pub["as_of_week"], ctx.lang),
             as_of=f"{as_of_local:%Y-%m-%d %H:%M}", tz=ctx.timezone, horizon=horizon))

counts = metrics.weekly_counts(ctx.q, ctx.filters)
# list -> (its card's label and help, its export's columns)
LISTS = {
    "handoffs": ("weekly_handoffs", t("weekly_handoffs_help", contacted=fmt_int(counts["handoffs_contacted"]),
                                      awaiting=fmt_int(counts["handoffs_awaiting"]),
                                      overdue=fmt_int(counts["handoffs_overdue"])),
                 "weekly_handoffs.csv"),
    "awaiting": ("weekly_awaiting", t("weekly_awaiting_help", horizon=horizon,
                                      overdue=fmt_int(counts["awaiting_overdue"])),
                 "awaiting_first_contact.csv"),
    "escalations": ("weekly_escalations", t("weekly_escalations_help"), "sla_escalations.csv"),
    "recycle": ("weekly_recycle", t("weekly_recycle_help", horizon=horizon), "recycle_queue.csv"),
    "dormant": ("weekly_dormant", t("weekly_dormant_help", days=int(ctx.rules["dormant_days"])),
                "dormant_leads.csv"),
}
for column, (name, (label, help_text, _file)) in zip(st.columns(len(LISTS)), LISTS.items(), strict=True):
    column.metric(t(label), fmt_int(counts[name]), help=help_text)

for tab, (name, (_label, help_text, file)) in zip(st.tabs([t(v[0]) for v in LISTS.values()]), LISTS.items(),
                                                  strict=True):
    with tab:
        st.caption(help_text)
        rows = metrics.weekly_list(ctx.q, ctx.filters, name)
        for hours in ("hours_waiting", "hours_since_notified"):
            if hours in rows:
                rows[hours] = rows[hours].round(1)
        action = exports.action_list(file)
        times = exports.local_time_columns(action)
        for column in rows.columns:  # dates (re-approach, decided / lost on) without a time of day
            if pd.api.types.is_datetime64_any_dtype(rows[column]) and column not in times:
                rows[column] = rows[column].dt.strftime("%Y-%m-%d")
        shown = ui.prepare(ctx, rows, [c for c, _ja, _en in action.columns],
                           codes=exports.coded_columns(action),
                           local_times=times,
                           labels=exports.column_labels(action, ctx.lang))
        ui.table(ctx, shown, f"weekly_{name}", total=counts[name])
if ctx.mask:
    st.caption(t("masked_note"))
