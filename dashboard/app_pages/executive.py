"""Executive overview: ARR, new ARR against the fiscal-year target, the shared MQL→won KPI, the
funnel in brief and the trends."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.reporting import metrics
from pipelines.reporting.text import fmt_int, fmt_money, fmt_pct, fmt_points

ctx = ui.context()
t = ctx.t


st.title(t("page_executive"))
missing = ui.coverage_notice(ctx, ["money:arr", "money:pipeline", "stage:mql", "stage:won", "stage:lost"])

arr = metrics.arr_monthly(ctx.q)
coverage = metrics.pipeline_coverage(ctx.q)
cohorts = metrics.cohort_funnel(ctx.q, ctx.filters, "mql")
steps = metrics.transitions(ctx.q, ctx.filters).set_index("kpi")
mql_target = float(ctx.rules["target_mql_per_month"])

month = ctx.report_month
arr_in_period = arr[pd.to_datetime(arr["month"]).dt.date <= month] if len(arr) else arr
complete = cohorts[pd.to_datetime(cohorts["cohort_month"]).dt.date <= month]
c1, c2, c3 = st.columns(3)  # money
c4, c5, c6 = st.columns(3)  # funnel and deals
if not ui.measurable(missing, "money:arr"):
    ui.unmeasurable_metric(c1, ctx, t("kpi_arr", month=ctx.month_label(month)), missing, "money:arr")
elif len(arr_in_period):
    last = arr_in_period.iloc[-1]
    compared = ctx.compared_month(pd.Timestamp(last["month"]).date())
    before = arr[pd.to_datetime(arr["month"]).dt.date == compared]
    delta = (
        None
        if before.empty
        else fmt_money(float(last["ending_arr"]) - float(before.iloc[0]["ending_arr"]), ctx.currency,
                       ctx.lang, compact=True)
    )
    c1.metric(
        t("kpi_arr", month=ctx.month_label(last["month"])),
        fmt_money(last["ending_arr"], ctx.currency, ctx.lang, compact=True),
        ui.delta(ctx, delta, ctx.compare),
    )
if not ui.measurable(missing, "money:pipeline", "stage:won"):
    fy = int(coverage["fiscal_year"]) if coverage else month.year
    ui.unmeasurable_metric(c2, ctx, t("kpi_new_arr", fy=fy), missing, "money:pipeline", "stage:won")
    ui.unmeasurable_metric(c3, ctx, t("kpi_coverage"), missing, "money:pipeline", "stage:won")
elif coverage:
    won, target = coverage["won_new_arr"], coverage["target_new_arr"]
    c2.metric(
        t("kpi_new_arr", fy=int(coverage["fiscal_year"])),
        fmt_money(won, ctx.currency, ctx.lang, compact=True),
        help=t(
            "kpi_new_arr_help",
            share=fmt_pct(float(won) / target if target else None),
            target=fmt_money(target, ctx.currency, ctx.lang, compact=True),
        ),
    )
    c3.metric(
        t("kpi_coverage"),
        "–" if pd.isna(coverage["pipeline_coverage"]) else f"{coverage['pipeline_coverage']:.2f}x",
        help=t("kpi_coverage_help"),
    )
if not ui.measurable(missing, "stage:mql"):
    label = t("kpi_mql_month", month=ctx.month_label(month))
    ui.unmeasurable_metric(c4, ctx, label, missing, "stage:mql")
else:  # the reporting month, also when the filters leave it without MQLs (0, not another month)
    by_month = complete.set_index(pd.to_datetime(complete["cohort_month"]).dt.date)["cohort_leads"]
    compared = ctx.compared_month(month)
    # the compared month may lie before the period shown: its cohort under the same lead filters
    in_compared = metrics.Filters(start=compared, end=compared, values=ctx.filters.values)
    before = (metrics.cohort_funnel(ctx.q, in_compared, "mql")["cohort_leads"].sum()
              if compared >= ctx.months[0] else None)
    now = int(by_month.get(month, 0))
    c4.metric(
        t("kpi_mql_month", month=ctx.month_label(month)),
        fmt_int(now),
        ui.delta(ctx, None if before is None else f"{now - int(before):+,}", ctx.compare),
        help=f"{t('target')}: {mql_target:,.0f}",
    )
shared = steps.loc["mql_to_won"]  # the one KPI marketing and sales share
if not shared["is_measurable"]:
    ui.unmeasurable_metric(c5, ctx, t("kpi_mql_to_won"), missing, "stage:mql", "stage:won")
else:
    c5.metric(
        t("kpi_mql_to_won"),
        fmt_pct(shared["conversion_rate"]),
        ui.delta(ctx, fmt_points(shared["gap_to_target"]), "band_low"),
        help=f"{t('target_band')}: {shared['target_low']:.0%}–{shared['target_high']:.0%}",
    )

win_label = t("kpi_win_rate", month=ctx.month_label(month))
if not ui.measurable(missing, "stage:won", "stage:lost"):
    ui.unmeasurable_metric(c6, ctx, win_label, missing, "stage:won", "stage:lost")
else:
    compared = ctx.compared_month(month)
    deals = metrics.closed_deals(ctx.q, metrics.Filters(start=compared, end=month))
    deals = deals.set_index(pd.to_datetime(deals["month"]).dt.date)
    now = deals.loc[month] if month in deals.index else None
    before = deals.loc[compared] if compared in deals.index else None
    c6.metric(
        win_label,
        fmt_pct(None if now is None else now["win_rate"]),
        ui.delta(ctx, None if now is None or before is None
                 else fmt_points(now["win_rate"] - before["win_rate"]), ctx.compare),
        help=t("kpi_win_rate_help", won=fmt_int(0 if now is None else now["won"]),
               lost=fmt_int(0 if now is None else now["lost"])),
    )

# Are we on track? The fiscal year's new-ARR target against won and forecast, and the reverse
# funnel: the MQLs the remainder needs per month against this month's MQLs and IS capacity.
if coverage and ui.measurable(missing, "money:pipeline", "stage:won"):
    left, right = st.columns(2)
    target = float(coverage["target_new_arr"])
    with left:
        st.subheader(t("attainment_title", fy=int(coverage["fiscal_year"])))
        won = float(coverage["won_new_arr"])
        st.caption(t("attainment_caption", share=fmt_pct(won / target if target else None),
                     gap=fmt_money(coverage["remaining_new_arr"], ctx.currency, ctx.lang, compact=True)))
        bars = [("kpi_won_fy", "won_new_arr", ui.COLORS["band"]),
                ("kpi_commit_forecast", "commit_forecast", ui.COLORS["primary"]),
                ("kpi_best_case_forecast", "best_case_forecast", "#5b8fd0")]
        values = [float(coverage[key]) for _label, key, _color in bars]
        money = [fmt_money(v, ctx.currency, ctx.lang, compact=True) for v in [*values, target]]
        fig = go.Figure(go.Bar(
            y=[t(label) for label, _key, _color in bars], x=values, orientation="h",
            marker_color=[color for _label, _key, color in bars], textposition="auto",
            text=[f"{m} ({fmt_pct(v / target if target else None)})"
                  for m, v in zip(money, values, strict=False)]))
        fig.add_vline(x=target, line_dash="dash", line_color=ui.COLORS["bad"],
                      annotation_text=f"{t('target')} {money[-1]}", annotation_position="top")
        fig.update_layout(yaxis={"autorange": "reversed"}, showlegend=False)
        ui.money_axis(fig, ctx, [*values, target], axis="xaxis")
        ui.chart(ui.layout(fig, height=260), "exec_attainment")
    with right:
        plan = metrics.mql_plan(ctx.q, month, ctx.rules)
        st.subheader(t("reverse_funnel_title"))
        needed = "–" if plan["needed"] is None else fmt_int(round(plan["needed"]))
        st.caption(t("reverse_funnel_caption", month=ctx.month_label(month),
                     months=int(coverage["months_remaining"]), deals=fmt_int(coverage["deals_needed"]),
                     opportunities=fmt_int(coverage["opportunities_needed"]),
                     sqls=fmt_int(coverage["sqls_needed"]), mqls=fmt_int(coverage["mqls_needed"])))
        labels = [t("plan_actual"), t("plan_needed"),
                  t("plan_capacity", reps=plan["reps"], per=plan["per_rep"])]
        values = [plan["actual"], plan["needed"] or 0, plan["capacity"]]
        fig = go.Figure(go.Bar(
            y=labels, x=values, orientation="h", text=[fmt_int(round(v)) for v in values],
            textposition="auto",
            marker_color=[ui.COLORS["primary"], ui.COLORS["accent"], ui.COLORS["muted"]]))
        fig.update_layout(yaxis={"autorange": "reversed"}, showlegend=False)
        ui.chart(ui.layout(fig, height=260), "exec_reverse_funnel")
        if plan["needed"] is not None and plan["needed"] > plan["capacity"]:
            st.warning(t("reverse_funnel_over", needed=needed, capacity=fmt_int(plan["capacity"])))

left, right = st.columns(2)
with left:
    st.subheader(t("arr_trend"))
    st.caption(t("filters_not_applied"))
    if not ui.measurable(missing, "money:arr"):
        st.info(t("not_measurable_help", what=ui.measure_label("money:arr", ctx.lang)))
    elif len(arr):
        x = ui.month_labels(ctx, arr["month"])
        fig = go.Figure()
        for column, color in (("new_arr", ui.COLORS["band"]), ("expansion_arr", ui.COLORS["primary"])):
            fig.add_bar(x=x, y=arr[column].astype(float), name=t(column), marker_color=color)
        for column, color in (("contraction_arr", ui.COLORS["accent"]), ("churned_arr", ui.COLORS["bad"])):
            fig.add_bar(x=x, y=-arr[column].astype(float), name=t(column), marker_color=color)
        fig.add_scatter(
            x=x,
            y=arr["ending_arr"].astype(float),
            name=t("ending_arr"),
            yaxis="y2",
            mode="lines+markers",
            line_color="#333",
        )
        fig.update_layout(
            barmode="relative", yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero"}
        )
        # the movements stack up and down from zero; ending ARR on the right axis, as on the cards
        up = arr["new_arr"].astype(float) + arr["expansion_arr"].astype(float)
        down = -(arr["contraction_arr"].astype(float) + arr["churned_arr"].astype(float))
        new_arr_target = metrics.monthly_new_arr_target(ctx.q)  # the new bars' monthly target
        if new_arr_target:
            target_text = fmt_money(new_arr_target, ctx.currency, ctx.lang, compact=True)
            ui.target_line(fig, ctx, new_arr_target, f"{t('new_arr')} {target_text}")
        ui.money_axis(fig, ctx, [*up, *down, new_arr_target or 0])
        ui.money_axis(fig, ctx, arr["ending_arr"].astype(float), axis="yaxis2")
        ui.chart(ui.layout(fig), "exec_arr")
with right:
    st.subheader(t("mql_trend"))
    if not ui.measurable(missing, "stage:mql"):
        st.info(t("not_measurable_help", what=ui.measure_label("stage:mql", ctx.lang)))
    elif len(cohorts):
        fig = go.Figure()
        colors = [ui.COLORS["muted"] if y else ui.COLORS["primary"] for y in cohorts["is_young"]]
        fig.add_bar(
            x=ui.month_labels(ctx, cohorts["cohort_month"]),
            y=cohorts["cohort_leads"],
            name=t("mqls"),
            marker_color=colors,
        )
        ui.target_line(fig, ctx, mql_target, f"{mql_target:,.0f}")
        ui.chart(ui.layout(fig), "exec_mql")
    else:
        st.info(t("no_data"))

st.subheader(t("funnel_summary"))
if not ui.measurable(missing, "stage:mql"):
    st.info(t("not_measurable_help", what=ui.measure_label("stage:mql", ctx.lang)))
elif len(cohorts):
    total = int(cohorts["cohort_leads"].sum())
    stages = [s for s in ["mql", "sal", "sql", "opportunity", "won", "customer"]
              if s == "mql" or cohorts[s].notna().all()]  # stages no source carries are left out
    counts = [total] + [int(cohorts[s].sum()) for s in stages[1:]]
    fig = go.Figure(ui.funnel([ctx.label("stage", s) for s in stages], counts, "initial"))
    left, right = st.columns([3, 2])
    with left:
        ui.chart(ui.layout(fig, height=340), "exec_funnel")
    with right:
        shown = steps.reset_index()[["kpi", "conversion_rate", "target_low", "target_high", "target_status"]]
        shown = shown.assign(
            kpi=shown["kpi"].map(lambda k: ctx.label("kpi", k)),
            target_status=shown["target_status"].map(lambda s: t(f"status_{s}")),
            band=[
                f"{lo:.0%}–{hi:.0%}" for lo, hi in zip(shown["target_low"], shown["target_high"], strict=True)
            ],
        )
        shown = shown[["kpi", "conversion_rate", "band", "target_status"]].rename(
            columns={
                "kpi": t("kpi"),
                "conversion_rate": t("conversion_rate"),
                "band": t("target_band"),
                "target_status": t("status"),
            }
        )
        ui.table(
            ctx, shown, "executive_kpis", **{t("conversion_rate"): ui.pct_column(ctx, "conversion_rate")}
        )
    st.caption(t("young_note", days=int(ctx.rules["funnel_maturity_days"])))
else:
    st.info(t("no_data"))
