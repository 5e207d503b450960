"""Lead quality and scoring: lift by score band, the MQL-definition verdict with a threshold
what-if on past data, outcomes by grade, and non-SQL reasons as a Pareto chart."""

import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.reporting import metrics
from pipelines.reporting.text import VERDICTS, fmt_int, fmt_pct, pick

ctx = ui.context()
t = ctx.t
st.title(t("page_scoring"))
st.caption(f"{t('scoring_model')}: {ctx.label('scoring_model', ctx.rules['scoring_model'])}")
bands = metrics.target_bands(ctx.q)
low, high = bands["mql_to_sql"]
missing = ui.coverage_notice(ctx, ["stage:mql", "stage:sql"])
if missing:  # the page judges the MQL definition by MQL -> SQL, which the sources cannot show
    st.stop()

st.subheader(t("verdict_title"))
review = metrics.mql_definition(ctx.q)
overall = review[review["cohort_month"].isna()]  # all mature cohorts together
review = review[review["cohort_month"].notna()]
if len(overall):
    last = overall.iloc[0]
    c1, c2, c3 = st.columns(3)
    c1.metric(
        t("mql_to_sql_recorded"),
        fmt_pct(last["mql_to_sql_rate"]),
        help=f"{t('mature_cohorts')} · {t('target_band')} {low:.0%}–{high:.0%}",
    )
    c2.metric(f"{t('mqls')} · {t('mature_cohorts')}", fmt_int(last["mql_leads"]))
    verdict = pick(VERDICTS.get(last["verdict"], (last["verdict"],) * 2), ctx.lang)
    (c3.success if last["verdict"] == "in_band" else c3.warning)(verdict)
fig = go.Figure()
fig.add_scatter(
    x=ui.month_labels(ctx, review["cohort_month"]),
    y=review["mql_to_sql_rate"],
    mode="lines+markers",
    marker={
        "color": [ui.COLORS["muted"] if y else ui.COLORS["primary"] for y in review["is_young"]],
        "size": 10,
    },
    line_color=ui.COLORS["primary"],
    name=t("mql_to_sql_recorded"),
)
ui.band(fig, ctx, low, high)
fig.update_yaxes(tickformat=".0%", rangemode="tozero")
ui.chart(ui.layout(fig, height=300), "verdict_chart")
st.caption(t("scoring_global"))

left, right = st.columns(2)
with left:
    st.subheader(t("bands_title"))
    sb = metrics.score_bands(ctx.q)
    fig = go.Figure()
    fig.add_bar(
        x=sb["band_label"], y=sb["mql_to_sql_rate"], name=t("sql_rate"), marker_color=ui.COLORS["primary"]
    )
    fig.add_bar(
        x=sb["band_label"], y=sb["mql_to_won_rate"], name=t("won_rate"), marker_color=ui.COLORS["accent"]
    )
    ui.band(fig, ctx, low, high)
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(title=t("band"))
    ui.chart(ui.layout(fig), "bands_chart")
    shown = ui.prepare(
        ctx,
        sb,
        [
            "band_label",
            "mql_leads",
            "sql_leads",
            "won_leads",
            "mql_to_sql_rate",
            "mql_to_won_rate",
            "sql_lift",
            "won_lift",
        ],
        labels={
            "band_label": t("band"),
            "mql_leads": t("mqls"),
            "won_leads": t("won_rate") + " (n)",
            "mql_to_sql_rate": t("sql_rate"),
            "mql_to_won_rate": t("won_rate"),
            "sql_lift": f"SQL {t('lift')}",
            "won_lift": f"{t('won_rate')} {t('lift')}",
        },
    )
    ui.table(
        ctx,
        shown.round(2),
        "score_bands",
        **{t("sql_rate"): ui.pct_column(ctx, "sql_rate"), t("won_rate"): ui.pct_column(ctx, "won_rate")},
    )
with right:
    st.subheader(t("whatif_title"))
    grid = metrics.what_if(ctx.q)
    current = grid[grid["is_current"]].iloc[0] if grid["is_current"].any() else grid.iloc[0]
    axes = metrics.what_if_axes(grid)  # the thresholds of the scoring model in use
    chosen = {
        axis: st.select_slider(
            t(axis),
            sorted(grid[axis].unique()),
            value=current[axis],
            key=f"whatif_{axis}",
            format_func=lambda v: f"{v:g}",
        )
        for axis in axes
    }
    picked = grid
    for axis, value in chosen.items():
        picked = picked[picked[axis] == value]
    row = picked.iloc[0]
    mql_target = float(ctx.rules["target_mql_per_month"])
    c1, c2 = st.columns(2)
    c1.metric(
        t("whatif_mqls"),
        f"{row['would_be_mqls_per_month']:,.1f}",
        f"{row['would_be_mqls_per_month'] - current['would_be_mqls_per_month']:+,.1f}",
        help=f"{t('target')}: {mql_target:,.0f}",
    )
    c2.metric(
        t("whatif_rate"),
        fmt_pct(row["mql_to_sql_rate"]),
        f"{(row['mql_to_sql_rate'] - current['mql_to_sql_rate']) * 100:+.1f} pt",
        help=f"{t('target_band')} {low:.0%}–{high:.0%}",
    )
    st.caption(f"{t('whatif_current')}: " + " / ".join(f"{current[a]:g}" for a in axes))
    st.caption(t("whatif_population"))
    along, fixed = axes[-1], dict(list(chosen.items())[:-1])  # the last threshold on the x axis
    line = grid
    for axis, value in fixed.items():
        line = line[line[axis] == value]
    fig = go.Figure()
    fig.add_scatter(
        x=line[along],
        y=line["mql_to_sql_rate"],
        mode="lines+markers",
        name=t("whatif_rate"),
        line_color=ui.COLORS["primary"],
    )
    fig.add_scatter(
        x=line[along],
        y=line["would_be_mqls_per_month"],
        mode="lines+markers",
        name=t("whatif_mqls"),
        yaxis="y2",
        line_color=ui.COLORS["accent"],
    )
    ui.band(fig, ctx, low, high)
    fig.add_vline(x=chosen[along], line_dash="dot")
    fig.update_layout(yaxis={"tickformat": ".0%"}, yaxis2={"overlaying": "y", "side": "right"})
    fig.update_xaxes(title=t(along))
    ui.chart(ui.layout(fig), "whatif_chart")

left, right = st.columns(2)
with left:
    st.subheader(t("grades_title"))
    grades = metrics.grade_outcomes(ctx.q, ctx.filters)
    fig = go.Figure()
    fig.add_bar(
        x=grades["grade"], y=grades["sql_rate"], name=t("sql_rate"), marker_color=ui.COLORS["primary"]
    )
    fig.add_bar(x=grades["grade"], y=grades["won_rate"], name=t("won_rate"), marker_color=ui.COLORS["accent"])
    fig.update_yaxes(tickformat=".0%")
    ui.chart(ui.layout(fig), "grades_chart")
    shown = ui.prepare(
        ctx,
        grades,
        ["grade", "handoffs", "sql_leads", "won_leads", "sql_rate", "won_rate"],
        labels={"won_leads": t("won_rate") + " (n)"},
    )
    ui.table(
        ctx,
        shown,
        "grade_outcomes",
        **{t("sql_rate"): ui.pct_column(ctx, "sql_rate"), t("won_rate"): ui.pct_column(ctx, "won_rate")},
    )
with right:
    st.subheader(t("reasons_title"))
    reasons = metrics.non_sql_reasons(ctx.q, ctx.filters)
    if reasons.empty:
        st.info(t("no_data"))
    else:
        labels = [ctx.label("reason", r) for r in reasons["reason"]]
        fig = go.Figure()
        fig.add_bar(x=labels, y=reasons["leads"], name=t("leads"), marker_color=ui.COLORS["primary"])
        fig.add_scatter(
            x=labels,
            y=reasons["cumulative_share"],
            name=t("cumulative_share"),
            yaxis="y2",
            mode="lines+markers",
            line_color=ui.COLORS["accent"],
        )
        fig.update_layout(
            yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1.05]}
        )
        ui.chart(ui.layout(fig), "reasons_chart")
        shown = ui.prepare(
            ctx,
            reasons,
            ["reason", "leads", "share", "cumulative_share"],
            codes={"reason": "reason"},
            labels={"share": t("rate")},
        )
        ui.table(
            ctx,
            shown,
            "non_sql_reasons",
            **{
                t("rate"): ui.pct_column(ctx, "rate"),
                t("cumulative_share"): ui.pct_column(ctx, "cumulative_share"),
            },
        )
