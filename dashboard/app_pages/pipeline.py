"""Pipeline and forecast: the fiscal year's forecast against the new-ARR target (closed, commit,
best case, weighted), the forecast by close month, the open pipeline by stage of the buyer's
process, how deals move along it, and the pipeline's trend from the daily snapshots."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.reporting import metrics
from pipelines.reporting.text import fmt_date, fmt_int, fmt_pct

ctx = ui.context()
t = ctx.t
st.title(t("page_pipeline"))
missing = ui.coverage_notice(ctx, ["money:pipeline", "stage:won"])


def money(value) -> str:
    return ui.money(ctx, value)


coverage = metrics.pipeline_coverage(ctx.q)
if coverage and ui.measurable(missing, "money:pipeline", "stage:won"):
    target = float(coverage["target_new_arr"])
    st.caption(t("pipeline_fy_caption", fy=int(coverage["fiscal_year"]), target=money(target),
                 start=fmt_date(coverage["fiscal_year_start"], ctx.lang),
                 end=fmt_date(coverage["fiscal_year_end"], ctx.lang)))
    cards = (
        ("kpi_won_fy", "won_new_arr", t("kpi_won_fy_help", deals=fmt_int(coverage["won_deals"]))),
        ("kpi_commit_forecast", "commit_forecast", t("kpi_commit_forecast_help")),
        ("kpi_best_case_forecast", "best_case_forecast", t("kpi_best_case_forecast_help")),
        ("kpi_weighted_forecast", "weighted_forecast", t("kpi_weighted_forecast_help")),
    )
    for column, (label, key, help_text) in zip(st.columns(len(cards)), cards, strict=True):
        value = float(coverage[key])
        column.metric(t(label), money(value), ui.delta(ctx, money(value - target), "target"),
                      help=help_text)

st.subheader(t("forecast_title"))
start = coverage.get("fiscal_year_start") if coverage else None
forecast = metrics.forecast_by_month(ctx.q, ctx.filters, pd.Timestamp(start).date() if start else None)
if forecast.empty:
    st.info(t("no_data"))
else:
    monthly_target = metrics.monthly_new_arr_target(ctx.q)
    st.caption(t("forecast_caption", target=money(monthly_target or 0)))
    x = ui.month_labels(ctx, forecast["month"])
    fig = go.Figure()
    colors = {"closed": ui.COLORS["band"], "commit": ui.COLORS["primary"], "best_case": "#5b8fd0",
              "pipeline": ui.COLORS["muted"], "unmapped": "#d9d9d9"}
    for category in metrics.FORECAST_CATEGORIES:
        if category == "unmapped" and not forecast[category].any():
            continue
        fig.add_bar(x=x, y=forecast[category].astype(float), name=ctx.label("forecast_category", category),
                    marker_color=colors[category])
    fig.add_scatter(x=x, y=forecast["weighted"].astype(float), name=t("weighted"), mode="lines+markers",
                    line_color="#333")
    if monthly_target:
        ui.target_line(fig, ctx, monthly_target, money(monthly_target))
    fig.update_layout(barmode="stack")
    ui.money_axis(fig, ctx, [*forecast[list(metrics.FORECAST_CATEGORIES)].sum(axis=1), monthly_target or 0])
    clicked = ui.chart(ui.layout(fig), "pipeline_forecast", select=True)
    undated = metrics.forecast_undated(ctx.q, ctx.filters)
    if undated:
        st.caption(t("forecast_undated", n=fmt_int(undated)))
    # the deals behind a month's bars: click one, or choose the month
    months = [pd.Timestamp(m).date() for m in forecast["month"]]
    ui.drill(clicked, "forecast_drill", "month", months, default=ctx.as_of_month)
    chosen = st.selectbox(t("forecast_deals"), months, key="forecast_drill", format_func=ctx.month_label)
    ui.keep_in_url("month", f"{chosen:%Y-%m-%d}")
    deals = metrics.forecast_deals(ctx.q, ctx.filters, chosen)
    deals = deals.assign(
        amount=deals["amount"].map(money), weighted_amount=deals["weighted_amount"].map(money),
        close_date=pd.to_datetime(deals["close_date"]).dt.strftime("%Y-%m-%d"),
        is_past_close_date=deals["is_past_close_date"].map(lambda v: ctx.label("boolean", v)))
    columns = ["account_name", "stage", "forecast_category", "amount", "weighted_amount", "close_date",
               "owner", "is_past_close_date", "opportunity_id"]
    shown = ui.prepare(ctx, deals, columns,
                       codes={"stage": "opportunity_stage", "forecast_category": "forecast_category"},
                       labels={"weighted_amount": t("weighted"), "is_past_close_date": t("past_close_date")})
    ui.table(ctx, shown, f"forecast_deals_{chosen:%Y-%m}")

st.subheader(t("open_by_stage_title"))
stages = metrics.open_pipeline_by_stage(ctx.q, ctx.filters)
if stages.empty:
    st.info(t("no_data"))
else:
    shown = stages.assign(avg_days_in_stage=stages["avg_days_in_stage"].round(1),
                          open_deals=stages["open_deals"].astype("int64"),
                          past_close_date=stages["past_close_date"].astype("int64"),
                          amount=stages["amount"].map(money), weighted=stages["weighted"].map(money))
    shown = ui.prepare(ctx, shown, ["stage", "forecast_category", "probability", "open_deals", "amount",
                                    "weighted", "avg_days_in_stage", "past_close_date"],
                       codes={"stage": "opportunity_stage", "forecast_category": "forecast_category"},
                       labels={"avg_days_in_stage": t("days_in_stage_now")})
    ui.table(ctx, shown, "pipeline_by_stage", **{t("probability"): ui.pct_column(ctx, "probability")})

left, right = st.columns(2)
with left:
    st.subheader(t("stage_progression_title"))
    st.caption(t("stage_progression_caption"))
    progression = metrics.stage_progression(ctx.q)
    progression = progression[progression["stage"] != "closed_won"]
    if progression.empty:
        st.info(t("no_data"))
    else:
        # one axis: the share that went on, each bar labelled with it and the average days a stay lasted
        fig = go.Figure(go.Bar(
            y=[ctx.label("opportunity_stage", s) for s in progression["stage"]],
            x=progression["conversion_to_next"], orientation="h", marker_color=ui.COLORS["primary"],
            text=[t("progression_label", rate=fmt_pct(r), days=f"{d:.1f}" if d == d else "–")
                  for r, d in zip(progression["conversion_to_next"], progression["avg_days_in_stage"],
                                  strict=True)],
            textposition="inside", insidetextanchor="start", name=t("conversion_to_next")))
        fig.update_layout(xaxis={"tickformat": ".0%", "range": [0, 1]}, yaxis={"autorange": "reversed"},
                          showlegend=False)
        ui.chart(ui.layout(fig), "pipeline_progression")

with right:
    st.subheader(t("pipeline_trend_title"))
    st.caption(t("pipeline_trend_caption"))
    trend = metrics.pipeline_trend(ctx.q)
    if len(trend) < 2:
        st.info(t("pipeline_trend_one", n=fmt_int(len(trend))))
    if len(trend):
        fig = go.Figure()
        dates = [fmt_date(d, ctx.lang) for d in trend["snapshot_date"]]
        for column, name, color in (("open_amount", "open_amount", ui.COLORS["primary"]),
                                    ("weighted_amount", "weighted", "#333")):
            fig.add_scatter(x=dates, y=trend[column].astype(float), name=t(name), mode="lines+markers",
                            line_color=color)
        ui.money_axis(fig, ctx, trend["open_amount"].astype(float))
        ui.chart(ui.layout(fig, height=300), "pipeline_trend")
        moves = trend[trend["previous_snapshot_date"].notna()].iloc[::-1]
        if len(moves):
            shown = ui.prepare(ctx, moves.assign(
                snapshot_date=[fmt_date(d, ctx.lang) for d in moves["snapshot_date"]],
                previous_snapshot_date=[fmt_date(d, ctx.lang) for d in moves["previous_snapshot_date"]]),
                ["snapshot_date", "previous_snapshot_date", "open_opportunities", "created", "moved_forward",
                 "moved_back", "won", "lost", "slipped"], labels={"open_opportunities": t("open_deals")})
            ui.table(ctx, shown, "pipeline_trend")
