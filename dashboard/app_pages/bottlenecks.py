"""Bottlenecks: the largest gaps to target ranked by leads lost, time in stage, stalled leads, and a
drill-down to the leads behind any of these numbers."""

import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.reporting import metrics
from pipelines.reporting.text import fmt_int, fmt_pct, fmt_points

ctx = ui.context()
t = ctx.t
st.title(t("page_bottlenecks"))

measures = sorted({m for kpi, _s, _d in metrics.TRANSITIONS for m in metrics.transition_measures(kpi)})
missing = ui.coverage_notice(ctx, measures)
gaps = metrics.transitions(ctx.q, ctx.filters)
gaps = gaps[gaps["is_measurable"]].reset_index(drop=True)  # a rate no source can carry is not shown as 0
st.subheader(t("gaps_title"))
st.caption(t("leads_lost_help", n=int(ctx.rules["target_min_sample_size"])))
if gaps.empty:
    st.info(t("not_measurable_help", what=", ".join(ui.measure_label(m, ctx.lang) for m in sorted(missing))))
columns = st.columns(3)
for column, row in zip(columns, gaps.head(3).itertuples(), strict=False):
    column.metric(
        f"{ctx.label('kpi', row.kpi)} · {t('leads_lost')}",
        fmt_int(row.leads_lost),
        ui.delta(ctx, fmt_points(row.gap_to_target), "band_low"),
        delta_color="normal",
        help=f"{fmt_pct(row.conversion_rate)} ({fmt_int(row.converted_leads)}/"
        f"{fmt_int(row.entered_leads)}) · {t('target_band')} "
        f"{row.target_low:.0%}–{row.target_high:.0%}",
    )
# Each transition's rate against its band: the bar is the rate, the band is drawn behind it.
fig = go.Figure()
labels = [ctx.label("kpi", k) for k in gaps["kpi"]]
fig.add_bar(
    x=gaps["conversion_rate"],
    y=labels,
    orientation="h",
    name=t("conversion_rate"),
    marker_color=[ui.COLORS["bad"] if s == "below" else ui.COLORS["primary"] for s in gaps["target_status"]],
    text=[
        f"{fmt_pct(r)} · {t('leads_lost')} {fmt_int(n)}"
        for r, n in zip(gaps["conversion_rate"], gaps["leads_lost"], strict=True)
    ],
    textposition="auto",
)
fig.add_bar(
    x=gaps["target_high"] - gaps["target_low"],
    base=gaps["target_low"],
    y=labels,
    orientation="h",
    name=t("target_band"),
    marker_color=ui.COLORS["band"],
    opacity=0.25,
)
fig.update_layout(barmode="overlay")
fig.update_yaxes(autorange="reversed")
fig.update_xaxes(tickformat=".0%", rangemode="tozero")
clicked = ui.chart(ui.layout(fig, height=260), "gaps_chart", select=True)  # a bar drills down below
st.caption(t("click_to_drill"))
shown = gaps.assign(
    kpi=gaps["kpi"].map(lambda k: ctx.label("kpi", k)),
    target_status=gaps["target_status"].map(lambda s: t(f"status_{s}")),
    band=[f"{lo:.0%}–{hi:.0%}" for lo, hi in zip(gaps["target_low"], gaps["target_high"], strict=True)],
)
shown = ui.prepare(
    ctx,
    shown,
    [
        "kpi",
        "entered_leads",
        "converted_leads",
        "conversion_rate",
        "band",
        "gap_to_target",
        "leads_lost",
        "target_status",
    ],
    labels={"band": t("target_band")},
)
ui.table(
    ctx,
    shown,
    "bottleneck_gaps",
    **{
        t("conversion_rate"): ui.pct_column(ctx, "conversion_rate"),
        t("gap_to_target"): ui.points_column(ctx, "gap_to_target"),
    },
)


st.subheader(t("segments_title"))
segments = metrics.bottleneck_segments(ctx.q, ctx.filters)
seg_shown = segments.assign(
    kpi=segments["kpi"].map(lambda k: ctx.label("kpi", k)),
    dimension=segments["dimension"].map(lambda d: ctx.label("dimension", d)),
    dimension_value=[
        ctx.label(d, v) for d, v in zip(segments["dimension"], segments["dimension_value"], strict=True)
    ],
)
seg_shown = ui.prepare(
    ctx,
    seg_shown,
    [
        "kpi",
        "dimension",
        "dimension_value",
        "entered_leads",
        "converted_leads",
        "conversion_rate",
        "gap_to_target",
        "leads_lost",
    ],
)
ui.table(
    ctx,
    seg_shown,
    "bottleneck_segments",
    **{
        t("conversion_rate"): ui.pct_column(ctx, "conversion_rate"),
        t("gap_to_target"): ui.points_column(ctx, "gap_to_target"),
    },
)

st.subheader(t("drill_title"))
if gaps.empty:
    st.info(t("no_data"))
    st.stop()
c1, c2, c3 = st.columns(3)
ui.drill(clicked, "drill_kpi", "drill", list(gaps["kpi"]))
kpi = c1.selectbox(
    t("drill_kpi"), list(gaps["kpi"]), key="drill_kpi", format_func=lambda k: ctx.label("kpi", k)
)
ui.keep_in_url("drill", kpi)
outcome = c2.radio(
    t("drill_outcome"),
    ["lost", "converted"],
    key="drill_outcome",
    format_func=lambda o: t(f"outcome_{o}"),
    horizontal=True,
)
choices = [None] + [(r.dimension, r.dimension_value) for r in segments.itertuples() if r.kpi == kpi][:30]
segment = c3.selectbox(
    t("drill_segment"),
    choices,
    key="drill_segment",
    format_func=lambda c: t("drill_all") if c is None else f"{ctx.label('dimension', c[0])}: {ctx.label(*c)}",
)
leads, total = metrics.transition_leads(
    ctx.q, ctx.filters, kpi, outcome, *(segment if segment else (None, None))
)
st.metric(f"{ctx.label('kpi', kpi)} · {t(f'outcome_{outcome}')}", fmt_int(total))
ui.lead_list(ctx, leads, f"leads_{kpi}_{outcome}", total)

st.subheader(t("time_in_stage"))
days = metrics.time_in_stage(ctx.q, ctx.filters)
days = days[days["leads"] > 0]  # a stage whose next stage no source carries has no measured time
if days.empty:
    st.info(t("not_measurable_help", what=", ".join(ui.measure_label(m, ctx.lang) for m in sorted(missing))))
    st.stop()
left, right = st.columns(2)
with left:
    fig = go.Figure()
    labels = [ctx.label("stage", s) for s in days["stage"]]
    for column, color in (
        ("median_days", ui.COLORS["primary"]),
        ("p75_days", ui.COLORS["muted"]),
        ("p90_days", ui.COLORS["accent"]),
    ):
        fig.add_bar(x=labels, y=days[column], name=t(column), marker_color=color)
    if "mql" in set(days["stage"]):  # an MQL waits for its first contact: the SLA's deadline over its bars
        at = list(days["stage"]).index("mql")
        hours = float(ctx.rules["sla_first_contact_hours"])
        fig.add_shape(type="line", xref="x", x0=at - 0.45, x1=at + 0.45, y0=hours / 24, y1=hours / 24,
                      line={"color": ui.COLORS["band"], "dash": "dash", "width": 2})
        fig.add_annotation(x=at, y=hours / 24, text=t("first_contact_sla_line", hours=hours), showarrow=False,
                           yshift=10, font={"color": ui.COLORS["band"]})
    fig.update_yaxes(title=t("days"))
    ui.chart(ui.layout(fig), "time_in_stage_chart")
with right:
    stage = st.selectbox(
        t("histogram_stage"),
        list(days["stage"]),
        key="hist_stage",
        format_func=lambda s: ctx.label("stage", s),
    )
    hist = metrics.time_in_stage_histogram(ctx.q, ctx.filters, stage)
    fig = go.Figure(go.Bar(x=hist["from_day"], y=hist["leads"], marker_color=ui.COLORS["primary"]))
    fig.update_xaxes(title=t("days"))
    fig.update_yaxes(title=t("leads"))
    ui.chart(ui.layout(fig), "time_in_stage_histogram")
shown = days.assign(stage=days["stage"].map(lambda s: ctx.label("stage", s)))
shown = ui.prepare(ctx, shown, ["stage", "leads", "mean_days", "median_days", "p75_days", "p90_days"])
ui.table(ctx, shown.round(1), "time_in_stage")

st.subheader(t("stalled_title"))
stalled, total = metrics.stalled_leads(ctx.q, ctx.filters)
if not set(days["stage"]) & {"mql", "sal", "sql", "opportunity"}:
    # how long is too long needs the time to the next stage, which no loaded source carries
    ui.unmeasurable_metric(st, ctx, t("stalled_title"), missing, *sorted(missing))
    st.stop()
st.metric(t("stalled_title"), fmt_int(total))
shown = ui.prepare(
    ctx,
    stalled,
    [
        "stage",
        "days_in_stage",
        "p90_days",
        "lead_id",
        "person_name",
        "email",
        "account_name",
        "owner",
        "grade",
        "entered_at",
    ],
    codes={"stage": "stage"},
    local_times=("entered_at",),
)
ui.table(ctx, shown, "stalled_leads", total=total)
