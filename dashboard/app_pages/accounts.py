"""Accounts: the segment split, enterprise relationship stages and buying-committee coverage."""

import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.reporting import metrics
from pipelines.reporting.text import fmt_int, fmt_money, fmt_pct

ctx = ui.context()
t = ctx.t
st.title(t("page_accounts"))
st.caption(t("account_filters_note"))

missing = ui.coverage_notice(ctx, ["money:arr"])
segments = metrics.account_segments(ctx.q, ctx.filters)
if segments.empty:
    st.info(t("no_data"))
    st.stop()
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("accounts"), fmt_int(segments["accounts"].sum()))
c2.metric(t("customers"), fmt_int(segments["customers"].sum()))
arr_label = t("kpi_arr", month=ctx.month_label(ctx.last_complete_month))  # as on the executive page
if missing:
    ui.unmeasurable_metric(c3, ctx, arr_label, missing, "money:arr")
else:
    c3.metric(
        arr_label,
        fmt_money(segments["current_arr"].astype(float).sum(), ctx.currency, ctx.lang, compact=True),
    )
weights = segments["accounts_with_mqls"]
c4.metric(
    t("avg_coverage"),
    fmt_pct((segments["avg_coverage"].fillna(0) * weights).sum() / weights.sum() if weights.sum() else None),
)

st.subheader(t("segment_split"))
left, right = st.columns(2)
labels = [ctx.label("segment", s) for s in segments["segment"]]
with left:
    fig = None if missing else go.Figure(
        go.Pie(
            labels=labels,
            values=segments["current_arr"].astype(float),
            hole=0.5,
            sort=False,
            textinfo="label+percent",
        )
    )
    if fig is None:
        st.info(t("not_measurable_help", what=ui.measure_label("money:arr", ctx.lang)))
    else:
        fig.update_layout(title=t("current_arr"))
        ui.chart(ui.layout(fig, height=320), "segment_arr_chart")
with right:
    fig = go.Figure()
    fig.add_bar(x=labels, y=segments["accounts"], name=t("accounts"), marker_color=ui.COLORS["muted"])
    fig.add_bar(x=labels, y=segments["customers"], name=t("customers"), marker_color=ui.COLORS["primary"])
    ui.chart(ui.layout(fig, height=320), "segment_accounts_chart")
shown = ui.prepare(
    ctx,
    segments,
    ["segment", "accounts", "customers", "current_arr", "leads", "mql_leads", "avg_coverage"],
    codes={"segment": "segment"},
    labels={"mql_leads": t("mqls")},
)
shown[t("current_arr")] = [fmt_money(v, ctx.currency, ctx.lang) for v in segments["current_arr"]]
ui.table(ctx, shown, "account_segments", **{t("avg_coverage"): ui.pct_column(ctx, "avg_coverage")})

st.subheader(t("relationship_title"))
stages = metrics.relationship_stages(ctx.q, ctx.filters)
if stages.empty:
    st.info(t("no_data"))
else:
    fig = go.Figure(ui.funnel([ctx.label("relationship_stage", s) for s in stages["relationship_stage"]],
                              stages["accounts"]))
    ui.chart(ui.layout(fig, height=360), "relationship_chart")
    shown = ui.prepare(
        ctx,
        stages,
        [
            "relationship_stage",
            "accounts",
            "people_in_contact",
            "departments_in_contact",
            "executive_meetings",
            "proposals",
            "share_of_spend",
        ],
        codes={"relationship_stage": "relationship_stage"},
        labels={
            "departments_in_contact": t("departments_in_contact"),
            "executive_meetings": t("executive_meetings"),
            "proposals": t("proposals"),
        },
    )
    ui.table(
        ctx,
        shown.round(2),
        "relationship_stages",
        **{t("share_of_spend"): ui.pct_column(ctx, "share_of_spend")},
    )

st.subheader(t("committee_title"))
committee = metrics.committee_coverage(ctx.q, ctx.filters)
if not committee.empty:
    fig = go.Figure()
    for roles in sorted(committee["roles_reached"].unique()):
        part = committee[committee["roles_reached"] == roles]
        fig.add_bar(
            x=[ctx.label("segment", s) for s in part["segment"]], y=part["accounts"], name=f"{roles}/3"
        )
    fig.update_layout(barmode="stack", legend_title_text=t("roles_reached"))
    ui.chart(ui.layout(fig, height=320), "committee_chart")

st.subheader(t("top_accounts"))
top = metrics.top_accounts(ctx.q, ctx.filters)
shown = ui.prepare(
    ctx,
    top,
    [
        "account_name",
        "segment",
        "industry",
        "prefecture",
        "relationship_stage",
        "current_arr",
        "leads",
        "mql_leads",
        "account_score",
        "buying_committee_coverage",
    ],
    codes={"segment": "segment", "industry": "industry", "relationship_stage": "relationship_stage"},
    labels={"mql_leads": t("mqls"), "buying_committee_coverage": t("coverage")},
)
shown[t("current_arr")] = [fmt_money(v, ctx.currency, ctx.lang) for v in top["current_arr"]]
ui.table(ctx, shown, "top_accounts", **{t("coverage"): ui.pct_column(ctx, "coverage")})
