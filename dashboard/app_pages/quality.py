"""Data quality: check results over time, SLA field completeness by month, the quarantine
browser and the freshness of every extract."""

import json

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.i18n import field_label
from pipelines.reporting import metrics
from pipelines.reporting.text import (
    CHECK_KINDS,
    REASON_KINDS,
    SEVERITIES,
    fmt_int,
    local_column,
    pick,
)
from pipelines.safe_text import mask_raw_line

ctx = ui.context()
t = ctx.t
st.title(t("page_quality"))

runs = metrics.dq_runs(ctx.q)
if len(runs):
    last = runs.iloc[-1]
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric(t("dq_checks"), fmt_int(last["checks"]))
    c2.metric(t("dq_passed"), fmt_int(last["passed"]))
    c3.metric(t("dq_blocking"), fmt_int(last["blocking_failed"]))
    c4.metric(t("dq_warned"), fmt_int(last["warned"]))
    c5.metric(t("dq_not_measurable"), fmt_int(last["not_measurable"]))
    st.subheader(t("dq_history"))
    checked = local_column(runs["checked_at"], ctx.timezone).dt.strftime("%Y-%m-%d %H:%M")
    fig = go.Figure()
    fig.add_bar(x=checked, y=runs["passed"], name=t("dq_passed"), marker_color=ui.COLORS["band"])
    fig.add_bar(x=checked, y=runs["warned"], name=t("dq_warned"), marker_color=ui.COLORS["accent"])
    fig.add_bar(x=checked, y=runs["blocking_failed"], name=t("dq_blocking"), marker_color=ui.COLORS["bad"])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    ui.chart(ui.layout(fig, height=300), "dq_history_chart")

st.subheader(t("completeness_title"))
trend = metrics.completeness_trend(ctx.q)
if trend.empty:
    st.info(t("no_data"))
else:
    suites = sorted(trend["suite"].unique())
    suite = st.selectbox(t("dq_suite"), suites, key="dq_suite", format_func=lambda s: ctx.label("suite", s))
    part = trend[trend["suite"] == suite]
    fig = go.Figure()
    for column in sorted(part["column_name"].unique()):
        series = part[part["column_name"] == column]
        fig.add_scatter(
            x=ui.month_labels(ctx, [m + "-01" for m in series["month"]]),
            y=series["observed_value"],
            mode="lines+markers",
            name=field_label(column, ctx.lang),
        )
    threshold = float(part["threshold"].max())
    ui.target_line(fig, ctx, threshold, f"{threshold:.0%}")
    fig.update_yaxes(tickformat=".0%")
    ui.chart(ui.layout(fig), "completeness_chart")

st.subheader(t("dq_latest"))
latest = metrics.dq_latest(ctx.q)
shown = latest.assign(
    suite=latest["suite"].map(lambda s: ctx.label("suite", s)),
    kind=[pick(CHECK_KINDS.get(k, (k, k)), ctx.lang) for k in latest["expectation"]],
    severity=latest["severity"].map(lambda s: pick(SEVERITIES.get(s, (s, s)), ctx.lang)),
    passed=latest["passed"].map(lambda p: ctx.label("boolean", p)),
    column_name=latest["column_name"].map(lambda c: field_label(c, ctx.lang)),
    sample_failing_ids=latest["sample_failing_ids"].map(lambda v: ", ".join(json.loads(v)) if v else ""),
)
shown = ui.prepare(
    ctx,
    shown,
    [
        "passed",
        "severity",
        "suite",
        "kind",
        "column_name",
        "month",
        "observed_value",
        "threshold",
        "unexpected_count",
        "element_count",
        "sample_failing_ids",
    ],
    labels={
        "passed": t("dq_passed"),
        "severity": t("dq_severity"),
        "suite": t("dq_suite"),
        "kind": t("dq_kind"),
        "column_name": t("dq_field"),
        "month": t("month"),
        "observed_value": t("dq_observed"),
        "threshold": t("dq_threshold"),
        "unexpected_count": t("dq_unexpected"),
        "element_count": t("dq_rows"),
        "sample_failing_ids": t("dq_failing_ids"),
    },
)
ui.table(ctx, shown, "dq_latest")

st.subheader(t("quarantine_title"))
summary = metrics.quarantine_summary(ctx.q)
if summary.empty:
    st.info(t("no_data"))
else:
    fig = go.Figure()
    for kind in summary["reason_kind"].unique():
        part = summary[summary["reason_kind"] == kind]
        fig.add_bar(
            x=[ctx.label("extract", e) for e in part["extract"]],
            y=part["rows_"],
            name=pick(REASON_KINDS.get(kind, (kind, kind)), ctx.lang),
        )
    fig.update_layout(barmode="stack")
    ui.chart(ui.layout(fig, height=300), "quarantine_chart")
    c1, c2 = st.columns(2)
    extract = c1.selectbox(
        t("extract"),
        [None, *sorted(summary["extract"].unique())],
        key="q_extract",
        format_func=lambda e: t("any") if e is None else ctx.label("extract", e),
    )
    kind = c2.selectbox(
        t("reason_kind"),
        [None, *sorted(summary["reason_kind"].unique())],
        key="q_kind",
        format_func=lambda k: t("any") if k is None else pick(REASON_KINDS.get(k, (k, k)), ctx.lang),
    )
    rows = metrics.quarantine_rows(ctx.q, extract, kind)
    chosen = summary
    if extract:
        chosen = chosen[chosen["extract"] == extract]
    if kind:
        chosen = chosen[chosen["reason_kind"] == kind]
    total = int(chosen["rows_"].sum())
    if ctx.mask:  # raw lines carry names, e-mail addresses and phone numbers
        rows["raw_text"] = [
            mask_raw_line(raw, delimiter or ",", json.loads(personal) if personal else ())
            for raw, delimiter, personal in zip(rows["raw_text"], rows["delimiter"], rows["personal_columns"],
                                                strict=True)]
        rows["reason"] = rows["reason"].map(mask_raw_line)
    rows["reason_kind"] = rows["reason_kind"].map(lambda k: pick(REASON_KINDS.get(k, (k, k)), ctx.lang))
    rows["extract"] = rows["extract"].map(lambda e: ctx.label("extract", e))
    rows["reason_field"] = rows["reason_field"].map(lambda f: field_label(f, ctx.lang))
    shown = ui.prepare(
        ctx,
        rows,
        ["extract", "file_name", "line_number", "reason_kind", "reason_field", "reason", "raw_text"],
        labels={"reason": t("reason")},
    )
    ui.table(ctx, shown, "quarantine", total=total)

st.subheader(t("freshness_title"))
fresh = metrics.freshness(ctx.q)
fresh["age_days"] = ((ctx.as_of - pd.to_datetime(fresh["last_loaded_at"])).dt.total_seconds() / 86400).round(
    1
)
fresh["last_status"] = fresh["last_status"].map(lambda s: ctx.label("load_status", s))
fresh["extract"] = fresh["extract"].map(lambda e: ctx.label("extract", e))
shown = ui.prepare(
    ctx,
    fresh,
    ["extract", "file_name", "last_loaded_at", "age_days", "rows_loaded", "rows_quarantined", "last_status"],
    local_times=("last_loaded_at",),
    labels={"last_status": t("status")},
)
ui.table(ctx, shown, "freshness")
