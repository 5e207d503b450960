"""How a KPI of marts.kpi_monthly and marts.department_kpis_monthly reads, on the dashboard and in
the deck alike: its format, its change on last month, its target and its band status in words.
The KPIs themselves (population, month, target) are defined in those marts."""

from __future__ import annotations

import pandas as pd

from pipelines.reporting.text import fmt_int, fmt_money, fmt_pct, fmt_points, text

# each department's KPIs in the order shown, with their format
DEPARTMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "marketing": (
        ("mqls", "int"), ("mql_to_sql", "pct"), ("campaign_cost", "money"), ("cost_per_mql", "money"),
        ("cost_per_sql", "money"), ("cost_per_won", "money")),
    "inside_sales": (
        ("calls", "int"), ("connected_calls", "int"), ("connect_rate", "pct"), ("appointments", "int"),
        ("appointment_rate", "pct"), ("sqls", "int"), ("sla_first_contact", "pct"), ("sla_all", "pct"),
        ("first_contact_hours", "hours")),
    "field_sales": (
        ("opportunities", "int"), ("won_deals", "int"), ("lost_deals", "int"), ("win_rate", "pct"),
        ("won_amount", "money"), ("avg_sales_cycle_days", "days")),
    "customer_success": (
        ("customers_at_start", "int"), ("churned_customers", "int"), ("churn_rate", "pct"),
        ("expanded_customers", "int"), ("upsell_rate", "pct"), ("net_revenue_retention", "pct"),
        ("gross_revenue_retention", "pct"), ("nps", "score"), ("nps_responses", "int")),
}
KIND = {kpi: kind for kpis in DEPARTMENTS.values() for kpi, kind in kpis} | {"new_arr": "money",
                                                                            "ending_arr": "money"}


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))


def fmt_kpi(kind: str, value, currency: str, lang: str) -> str:
    """A KPI's value: 1,234 · 12.3% · 21.8 (hours or days) · ¥4.5億 / ¥450.00M · NPS 12.3."""
    if _missing(value):
        return "–"
    if kind == "int":
        return fmt_int(value)
    if kind == "pct":
        return fmt_pct(value)
    if kind in ("hours", "days", "score"):
        return f"{float(value):,.1f}"
    return fmt_money(value, currency, lang, compact=True)


def fmt_change(kind: str, value, previous, currency: str, lang: str) -> str:
    """The change on the month before: +1.2 pt for a rate, +12 for a count, ±¥1.2億 for money."""
    if _missing(value) or _missing(previous):
        return "–"
    if kind == "pct":
        return fmt_points(value - previous)
    if kind == "int":
        return f"{int(round(value - previous)):+,}"
    if kind in ("hours", "days", "score"):
        return f"{float(value - previous):+,.1f}"
    sign = "+" if value >= previous else "-"
    return sign + fmt_money(abs(value - previous), currency, lang, compact=True)


def _target(kind: str, value: float, currency: str, lang: str) -> str:
    """A target as the rules write it: 20% (a measured rate reads 20.0%), 24, ¥4万."""
    if kind == "pct":
        return f"{value * 100:g}%"
    if kind in ("hours", "days", "score", "int"):
        return f"{value:,g}"
    return fmt_kpi(kind, value, currency, lang)


def target_text(kind: str, low, high, currency: str, lang: str) -> str:
    """20%–30% for a band, ≥ 250 for a minimum, ≤ 24 for a maximum, – without a target."""
    low, high = (None if _missing(v) else float(v) for v in (low, high))
    if low is not None and high is not None:
        return f"{_target(kind, low, currency, lang)}–{_target(kind, high, currency, lang)}"
    if low is not None:
        return f"≥ {_target(kind, low, currency, lang)}"
    if high is not None:
        return f"≤ {_target(kind, high, currency, lang)}"
    return "–"


def status_text(status, low, lang: str, measurable: bool = True) -> str:
    """The band status in words; above a maximum (a target with no low end) is below target."""
    if not measurable:
        return text("not_measurable", lang)
    if _missing(status) or status == "no_data":
        return "–"
    if status == "above" and _missing(low):
        status = "below"
    keys = {"in_band": "ok", "below": "below", "above": "above", "not_enough_data": "status_not_enough_data"}
    return text(keys[status], lang)
