"""Department KPIs (marketing, inside sales, field sales, customer success): each KPI of the month
against its target band and last month, a KPI's last twelve months with its target, and, in inside
and field sales, each rep's figures (marts.department_kpis_monthly)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.reporting import kpis, metrics

ctx = ui.context()
t = ctx.t
st.title(t("page_departments"))
month = ctx.report_month
previous = ctx.compared_month(month)
twelve_months_back = (pd.Timestamp(month) - pd.DateOffset(months=11)).date()
first = min(previous, twelve_months_back)
st.caption(t("departments_caption", month=ctx.month_label(month)))
rows = metrics.department_kpis(ctx.q, first, month)
rows["month"] = pd.to_datetime(rows["month"]).dt.date


def fmt(kind: str, value) -> str:
    return kpis.fmt_kpi(kind, value, ctx.currency, ctx.lang)


def at(frame: pd.DataFrame, kpi: str, when) -> pd.Series | None:
    found = frame[(frame["kpi"] == kpi) & (frame["month"] == when)]
    return None if found.empty else found.iloc[0]


for tab, (department, items) in zip(st.tabs([ctx.label("department", d) for d in kpis.DEPARTMENTS]),
                                    kpis.DEPARTMENTS.items(), strict=True):
    with tab:
        own = rows[rows["department"] == department]
        table = []
        for kpi, kind in items:
            now, before = at(own, kpi, month), at(own, kpi, previous)
            value = None if now is None else now["value"]
            last = None if before is None else before["value"]
            low, high, status = (None, None, None) if now is None else (
                now["target_low"], now["target_high"], now["target_status"])
            young = now is not None and bool(now["is_young"])  # a cohort still converting
            table.append({
                t("kpi"): ctx.label("kpi", kpi) + (f" {t('young')}" if young else ""),
                t("this_month"): fmt(kind, value),
                t(f"compare_{ctx.compare}"): fmt(kind, last),
                t(f"delta_{ctx.compare}"): kpis.fmt_change(kind, value, last, ctx.currency, ctx.lang),
                t("target"): kpis.target_text(kind, low, high, ctx.currency, ctx.lang),
                t("deck_status"): kpis.status_text(status, low, ctx.lang),
            })
        ui.table(ctx, pd.DataFrame(table), f"departments_{department}")

        # one KPI over the last twelve months, with its target
        names = {ctx.label("kpi", kpi): (kpi, kind) for kpi, kind in items}
        chosen = st.selectbox(t("departments_trend"), list(names), key=f"departments_trend_{department}")
        kpi, kind = names[chosen]
        series = own[(own["kpi"] == kpi) & (own["month"] >= twelve_months_back)].sort_values("month")
        if series["value"].notna().any():
            fig = go.Figure(go.Bar(x=ui.month_labels(ctx, series["month"]), y=series["value"], name=chosen,
                                   marker_color=ui.COLORS["primary"]))
            for column in ("target_low", "target_high"):
                target = series[column].dropna()
                if len(target):
                    ui.target_line(fig, ctx, float(target.iloc[-1]), fmt(kind, target.iloc[-1]))
            if kind == "money":
                ui.money_axis(fig, ctx, [*series["value"].dropna(), *series["target_low"].dropna(),
                                         *series["target_high"].dropna()])
            elif kind == "pct":
                fig.update_yaxes(tickformat=".0%")
            ui.chart(ui.layout(fig, height=300), f"departments_chart_{department}")
        else:
            st.info(t("no_data"))

        if department in ("inside_sales", "field_sales"):
            st.subheader(t("departments_by_rep", month=ctx.month_label(month)))
            reps = metrics.department_reps(ctx.q, month, department)
            if reps.empty:
                st.info(t("no_data"))
                continue
            wide = reps.pivot(index="rep", columns="kpi", values="value")
            shown = pd.DataFrame({t("rep"): [ctx.label("owner", r) for r in wide.index]})
            for kpi, kind in items:
                if kpi in wide:
                    shown[ctx.label("kpi", kpi)] = [fmt(kind, v) for v in wide[kpi]]
            ui.table(ctx, shown, f"departments_reps_{department}")
            st.caption(t("departments_rep_note", n=int(ctx.rules["target_min_sample_size"])))
