"""SLA: compliance with the hand-off agreement by rule, month, team and rep; speed to lead; MQLs
overdue for first contact right now."""

import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.reporting import metrics
from pipelines.reporting.text import fmt_bucket, fmt_int, fmt_pct, fmt_points

ctx = ui.context()
t = ctx.t
st.title(t("page_sla"))
target = float(ctx.rules["target_sla_compliance_min"])
missing = ui.coverage_notice(ctx, [f"sla:{r}" for r in metrics.SLA_RULES if r != "all"])
results = metrics.sla_results(ctx.q, ctx.filters)
if results.empty:
    st.info(t("no_data"))
    st.stop()

st.subheader(t("sla_by_rule"))
by_rule = (
    metrics.sla_summary(results, ["sla_rule"]).set_index("sla_rule").reindex(metrics.SLA_RULES).reset_index()
)
for column, row in zip(st.columns(len(by_rule)), by_rule.itertuples(), strict=True):
    if f"sla:{row.sla_rule}" in missing:
        label = ctx.label("sla_rule", row.sla_rule)
        ui.unmeasurable_metric(column, ctx, label, missing, f"sla:{row.sla_rule}")
        continue
    column.metric(
        ctx.label("sla_rule", row.sla_rule),
        fmt_pct(row.compliance_rate),
        ui.delta(ctx, None if row.compliance_rate != row.compliance_rate
                 else fmt_points(row.compliance_rate - target), "target"),
        help=(f"{ui.measure_label('sla:bant', ctx.lang)} · " if row.sla_rule == "bant" else "")
        + f"{t('met')} {fmt_int(row.met)} · {t('missed')} {fmt_int(row.missed)} · "
        f"{t('pending')} {fmt_int(row.pending)} · {t('target')} ≥ {target:.0%}",
    )

rule = st.selectbox(
    t("sla_rule_pick"),
    list(metrics.SLA_RULES),
    key="sla_rule",
    format_func=lambda r: ctx.label("sla_rule", r),
)
chosen = results[results["sla_rule"] == rule]
left, right = st.columns(2)
with left:
    st.subheader(t("sla_by_month"))
    monthly = metrics.sla_summary(chosen, ["notified_month"]).sort_values("notified_month")
    fig = go.Figure()
    fig.add_bar(
        x=ui.month_labels(ctx, monthly["notified_month"]),
        y=monthly["compliance_rate"],
        marker_color=[
            ui.COLORS["bad"] if r < target else ui.COLORS["primary"]
            for r in monthly["compliance_rate"].fillna(1)
        ],
        name=t("compliance"),
    )
    ui.target_line(fig, ctx, target, f"{target:.0%}")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    ui.chart(ui.layout(fig), "sla_month_chart")
with right:
    st.subheader(t("sla_by_team"))
    teams = metrics.sla_summary(chosen, ["team"])
    fig = go.Figure(
        go.Bar(
            x=teams["team"],
            y=teams["compliance_rate"],
            marker_color=[
                ui.COLORS["bad"] if r < target else ui.COLORS["primary"]
                for r in teams["compliance_rate"].fillna(1)
            ],
            text=[fmt_pct(r) for r in teams["compliance_rate"]],
            textposition="auto",
        )
    )
    ui.target_line(fig, ctx, target, f"{target:.0%}")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05])
    ui.chart(ui.layout(fig), "sla_team_chart")

st.subheader(t("sla_by_rep"))
reps = metrics.sla_summary(chosen, ["team", "owner"]).sort_values("compliance_rate")
fig = go.Figure(
    go.Bar(
        x=reps["compliance_rate"],
        y=reps["owner"],
        orientation="h",
        marker_color=[
            ui.COLORS["bad"] if r < target else ui.COLORS["primary"]
            for r in reps["compliance_rate"].fillna(1)
        ],
    )
)
fig.add_vline(
    x=target, line_dash="dash", line_color=ui.COLORS["band"], annotation_text=f"{t('target')} {target:.0%}"
)
fig.update_xaxes(tickformat=".0%", range=[0, 1.05])
ui.chart(ui.layout(fig, height=max(260, 28 * len(reps))), "sla_rep_chart")
shown = ui.prepare(ctx, reps, ["team", "owner", "met", "missed", "pending", "compliance_rate"])
ui.table(ctx, shown, f"sla_{rule}_by_rep", **{t("compliance_rate"): ui.pct_column(ctx, "compliance")})

st.subheader(t("speed_title"))
speed = metrics.speed_to_lead(ctx.q, ctx.filters)
speed["sql_rate"] = speed["sql_leads"] / speed["handoffs"].where(speed["handoffs"] > 0)
speed["bucket_label"] = [
    fmt_bucket(m, p, ctx.lang)
    for m, p in zip(speed["max_minutes"], speed["max_minutes"].shift(1), strict=True)
]
fig = go.Figure()
fig.add_bar(
    x=speed["bucket_label"], y=speed["handoffs"], name=t("handoffs"), marker_color=ui.COLORS["primary"]
)
fig.add_scatter(
    x=speed["bucket_label"],
    y=speed["sql_rate"],
    name=t("sql_rate"),
    yaxis="y2",
    mode="lines+markers",
    line_color=ui.COLORS["accent"],
)
fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "rangemode": "tozero"})
ui.chart(ui.layout(fig), "speed_chart")
shown = ui.prepare(
    ctx,
    speed,
    ["bucket_label", "handoffs", "sql_leads", "sql_rate"],
    labels={"bucket_label": t("bucket"), "sql_leads": "SQL"},
)
ui.table(ctx, shown, "speed_to_lead", **{t("sql_rate"): ui.pct_column(ctx, "sql_rate")})

st.subheader(t("overdue_title"))
overdue, total = metrics.overdue_now(ctx.q, ctx.filters)
st.metric(t("overdue_title"), fmt_int(total))
shown = ui.prepare(
    ctx,
    overdue,
    [
        "owner_manager",
        "owner",
        "owner_team",
        "first_contact_due_at",
        "notified_at",
        "hours_waiting",
        "grade",
        "score",
        "person_name",
        "email",
        "account_name",
        "original_channel",
        "lead_id",
    ],
    codes={"original_channel": "channel"},
    local_times=("first_contact_due_at", "notified_at"),
)
ui.table(ctx, shown, "overdue_now", total=total)
if ctx.mask:
    st.caption(t("masked_note"))
