"""Funnel and conversion: cohort (by MQL or known month) or period view, cumulative or strict
counting, target bands drawn, young cohorts marked."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.reporting import metrics
from pipelines.reporting.text import fmt_int, fmt_pct, fmt_points

ctx = ui.context()
t = ctx.t
st.title(t("page_funnel"))
bands = metrics.target_bands(ctx.q)
windows = [
    0,
    *sorted(int(w) for w in ctx.q("SELECT window_days FROM config.funnel_windows", ())["window_days"]),
]

c1, c2, c3 = st.columns(3)
view = c1.radio(
    t("view"),
    ["cohort_mql", "cohort_known", "period"],
    key="funnel_view",
    format_func=lambda v: t(f"view_{v}"),
)
if view == "period":
    style = c2.radio(
        t("style"), ["reached", "entered"], key="funnel_period_style", format_func=lambda v: t(f"style_{v}")
    )
    window = 0
else:
    style = c2.radio(
        t("style"), ["cumulative", "strict"], key="funnel_style", format_func=lambda v: t(f"style_{v}")
    )
    window = c3.radio(
        t("window"),
        windows,
        key="funnel_window",
        format_func=lambda d: t("window_any") if d == 0 else t("window_days", days=d),
    )

# The chain of transitions with a target band (MQL→SQL→opportunity→won); a stage row of the
# table shows the band of the transition that ends in it.
STEPS = metrics.TRANSITIONS[:3]
BAND_INTO = {dst: kpi for kpi, _src, dst in STEPS}

if view == "period":
    data = metrics.period_funnel(ctx.q, ctx.filters, style)
    if data.empty:
        st.info(t("no_data"))
        st.stop()
    totals = data.groupby(["stage", "stage_order"], as_index=False)[["entries", "leads"]].sum()
    totals = totals.sort_values("stage_order")
    fig = go.Figure(ui.funnel([ctx.label("stage", s) for s in totals["stage"]], totals["entries"]))
    st.subheader(t("funnel_chart"))
    ui.chart(ui.layout(fig, height=380), "funnel_period_chart")
    st.subheader(t("period_counts"))
    pivot = data.pivot_table(index="month", columns="stage", values="entries", aggfunc="sum").fillna(0)
    fig = go.Figure()
    for stage in [s for s in metrics.FUNNEL_STAGES if s in pivot.columns and s != "known"]:
        fig.add_scatter(
            x=ui.month_labels(ctx, pivot.index),
            y=pivot[stage],
            name=ctx.label("stage", stage),
            mode="lines+markers",
        )
    # marketing's monthly MQL commitment, company-wide: drawn when no filter narrows the leads
    if "mql" in pivot.columns and not ctx.filters.has_lead_filters:
        mql_target = float(ctx.rules["target_mql_per_month"])
        ui.target_line(fig, ctx, mql_target, f"MQL {mql_target:,.0f}")
    ui.chart(ui.layout(fig), "funnel_period_trend")
    shown = data.assign(stage=data["stage"].map(lambda s: ctx.label("stage", s)))
    shown = ui.prepare(ctx, shown, ["month", "stage", "entries", "leads"], months=("month",))
    ui.table(ctx, shown, "funnel_period")
    st.stop()

basis = "mql" if view == "cohort_mql" else "known"
data = metrics.cohort_funnel(ctx.q, ctx.filters, basis, style, window)
if data.empty:
    st.info(t("no_data"))
    st.stop()
stages = list(metrics.COHORT_STAGES) if basis == "mql" else ["known", *metrics.COHORT_STAGES]
missing = ui.coverage_notice(ctx, [f"stage:{s}" for s in stages])
stages = [s for s in stages if f"stage:{s}" not in missing]  # what no source carries is not 0
# The transition rates of mature cohorts (marts.funnel_transition_members), as on every page.
rates = metrics.transitions(ctx.q, ctx.filters, basis, style, window).set_index("kpi")
counts = {"known" if basis == "known" else "mql": int(data["cohort_leads"].sum())}
for s in stages[1:]:
    counts[s] = int(data[s].sum())
rows = []
previous = None
for s in stages:
    band_kpi = BAND_INTO.get(s)
    band = bands[band_kpi] if band_kpi else (None, None)
    rows.append(
        {
            "stage": s,
            "band_kpi": band_kpi,
            "leads": counts[s],
            "from_previous": None
            if previous is None or not counts[previous]
            else counts[s] / counts[previous],
            "from_start": counts[s] / counts[stages[0]] if counts[stages[0]] else None,
            "target_low": band[0],
            "target_high": band[1],
            "band_rate": rates.loc[band_kpi, "conversion_rate"] if band_kpi else None,
        }
    )
    previous = s
steps = pd.DataFrame(rows)

# Headline rates on mature cohorts only (young ones are still converting).
columns = st.columns(len(STEPS))
for column, (kpi, src, dst) in zip(columns, STEPS, strict=True):
    if not ui.measurable(missing, f"stage:{src}", f"stage:{dst}"):
        ui.unmeasurable_metric(column, ctx, ctx.label("kpi", kpi), missing, f"stage:{src}", f"stage:{dst}")
        continue
    rate = rates.loc[kpi, "conversion_rate"]
    rate = None if pd.isna(rate) else float(rate)
    low, high = bands[kpi]
    column.metric(
        f"{ctx.label('kpi', kpi)}",
        fmt_pct(rate),
        ui.delta(ctx, None if rate is None else fmt_points(rate - low), "band_low"),
        help=f"{t('target_band')}: {low:.0%}–{high:.0%} · {t('kpi_mature_help')}",
    )

left, right = st.columns([2, 3])
with left:
    st.subheader(t("funnel_chart"))
    fig = go.Figure(ui.funnel([ctx.label("stage", s) for s in steps["stage"]], steps["leads"], "previous"))
    clicked = ui.chart(ui.layout(fig, height=380), "funnel_cohort_chart", select=True)  # a stage drills down
    st.caption(t("click_stage_to_drill"))
with right:
    choices = [k for k in ("mql_to_sql", "sql_to_opportunity", "opportunity_to_won", "mql_to_won")
               if ui.measurable(missing, *metrics.transition_measures(k))]
    if not choices:
        st.info(t("not_measurable_help", what=", ".join(ui.measure_label(m, ctx.lang) for m in missing)))
        st.stop()
    kpi = st.selectbox(t("kpi"), choices, key="funnel_kpi", format_func=lambda k: ctx.label("kpi", k))
    src, dst = {k: (a, b) for k, a, b in metrics.TRANSITIONS}[kpi]
    st.subheader(t("conversion_trend", kpi=ctx.label("kpi", kpi)))
    denominator = data["cohort_leads"] if src == basis else data[src]
    rate = data[dst] / denominator.where(denominator > 0)
    fig = go.Figure()
    colors = [ui.COLORS["muted"] if y else ui.COLORS["primary"] for y in data["is_young"]]
    fig.add_scatter(
        x=ui.month_labels(ctx, data["cohort_month"]),
        y=rate,
        mode="lines+markers",
        marker={"color": colors, "size": 10},
        line_color=ui.COLORS["primary"],
        name=ctx.label("kpi", kpi),
        text=[t("is_young") if y else "" for y in data["is_young"]],
    )
    if kpi in bands:
        ui.band(fig, ctx, *bands[kpi])
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    ui.chart(ui.layout(fig, height=380), "funnel_trend_chart")
st.caption(t("young_note", days=int(ctx.rules["funnel_maturity_days"])))

shown = steps.assign(
    stage=steps["stage"].map(lambda s: ctx.label("stage", s)),
    band=[
        f"{ctx.label('kpi', kpi)} {lo:.0%}–{hi:.0%}" if isinstance(kpi, str) else ""
        for kpi, lo, hi in zip(steps["band_kpi"], steps["target_low"], steps["target_high"], strict=True)
    ],
)
shown = ui.prepare(
    ctx,
    shown,
    ["stage", "leads", "from_previous", "from_start", "band", "band_rate"],
    labels={"band": t("target_band"), "band_rate": t("band_rate")},
)
ui.table(
    ctx,
    shown,
    "funnel_steps",
    **{
        t("from_previous"): ui.pct_column(ctx, "from_previous"),
        t("from_start"): ui.pct_column(ctx, "from_start"),
        t("band_rate"): ui.pct_column(ctx, "band_rate"),
    },
)

st.subheader(t("funnel_drill_title"))
d1, d2 = st.columns(2)
ui.drill(clicked, "funnel_drill_stage", "drill", stages)
stage = d1.selectbox(
    t("stage"), stages, key="funnel_drill_stage", format_func=lambda s: ctx.label("stage", s)
)
ui.keep_in_url("drill", stage)
later = stages[stages.index(stage) + 1] if stage != stages[-1] else None
outcome = d2.radio(
    t("drill_outcome"),
    ["reached", "stopped"] if later else ["reached"],
    key="funnel_drill_outcome",
    format_func=lambda o: t(f"funnel_outcome_{o}", next=ctx.label("stage", later) if later else ""),
    horizontal=True,
)
leads, total = metrics.cohort_stage_leads(ctx.q, ctx.filters, basis, style, window, stage, later, outcome)
which = t(f"funnel_outcome_{outcome}", next=ctx.label("stage", later) if later else "")
st.metric(f"{ctx.label('stage', stage)} · {which}", fmt_int(total))
ui.lead_list(ctx, leads, f"leads_{stage}_{outcome}", total)

monthly = data.copy()
for s in stages[1:]:
    monthly[f"{s}_rate"] = monthly[s] / monthly["cohort_leads"]
columns = ["cohort_month", "is_young", "cohort_leads", *stages[1:], *(f"{s}_rate" for s in stages[1:])]
labels = {s: ctx.label("stage", s) for s in stages}
labels.update({f"{s}_rate": f"{ctx.label('stage', s)} %" for s in stages[1:]})
shown = ui.prepare(
    ctx, monthly, columns, months=("cohort_month",), codes={"is_young": "boolean"}, labels=labels
)
ui.table(
    ctx,
    shown,
    "funnel_cohorts",
    **{f"{ctx.label('stage', s)} %": ui.Percent(f"{ctx.label('stage', s)} %") for s in stages[1:]},
)
