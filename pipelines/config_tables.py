"""The business rules as warehouse tables (schema `config`), which the dbt models read.

The rules file is the one place for every business number; this module only changes its shape:
one-row `config.rules` for scalars, small tables for lists and bands, and `config.calendar`, the
business calendar (time zone, holidays from the `holidays` library plus company holidays, business
hours, fiscal year) with cumulative indexes so that business days and business minutes between two
moments are a subtraction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import holidays
import polars as pl

from pipelines.contract import OPPORTUNITY_STAGES
from pipelines.kpi_functions import create_kpi_functions
from pipelines.rules import MONEY_KPIS, WEEKDAYS, Rules

# The stage transitions with a target band (targets.<kpi>), in funnel order: config.target_bands,
# which the transition marts and the dashboard read.
TRANSITIONS = (
    ("mql_to_sql", "mql", "sql"),
    ("sql_to_opportunity", "sql", "opportunity"),
    ("opportunity_to_won", "opportunity", "won"),
    ("sql_to_won", "sql", "won"),
    ("mql_to_won", "mql", "won"),
)
CALENDAR_START = date(2010, 1, 1)
CALENDAR_END = date(2040, 12, 31)


def _minutes(t) -> int:
    return t.hour * 60 + t.minute


def calendar_frame(rules: Rules, start: date = CALENDAR_START, end: date = CALENDAR_END) -> pl.DataFrame:
    cal = rules.calendar
    years = list(range(start.year, end.year + 1))
    named = dict(holidays.country_holidays(cal.holidays_country, years=years)) if cal.holidays_country else {}
    for d in cal.company_holidays:
        named.setdefault(d, "company holiday")
    workdays = {WEEKDAYS.index(d) for d in cal.workdays}
    open_min, close_min = _minutes(cal.business_hours.start), _minutes(cal.business_hours.end)
    fy_start = cal.fiscal_year_start_month
    rows = {k: [] for k in ("date_day", "is_business_day", "holiday_name", "business_day_index",
                            "business_minutes_before", "business_minutes_in_day", "month_start",
                            "fiscal_year", "fiscal_quarter")}
    index, minutes_before = 0, 0
    d = start
    while d <= end:
        business = d.weekday() in workdays and d not in named
        index += business
        fiscal_month = (d.month - fy_start) % 12  # 0 = first month of the fiscal year
        rows["date_day"].append(d)
        rows["is_business_day"].append(business)
        rows["holiday_name"].append(named.get(d))
        rows["business_day_index"].append(index)
        rows["business_minutes_before"].append(minutes_before)
        rows["business_minutes_in_day"].append(close_min - open_min if business else 0)
        rows["month_start"].append(d.replace(day=1))
        rows["fiscal_year"].append(d.year if d.month >= fy_start else d.year - 1)
        rows["fiscal_quarter"].append(fiscal_month // 3 + 1)
        minutes_before += close_min - open_min if business else 0
        d += timedelta(days=1)
    return pl.DataFrame(rows, schema={
        "date_day": pl.Date, "is_business_day": pl.Boolean, "holiday_name": pl.Utf8,
        "business_day_index": pl.Int32, "business_minutes_before": pl.Int64,
        "business_minutes_in_day": pl.Int32, "month_start": pl.Date, "fiscal_year": pl.Int32,
        "fiscal_quarter": pl.Int32})


def rules_frame(rules: Rules) -> pl.DataFrame:
    scoring, model = rules.scoring, rules.scoring.active
    fe = scoring.model == "fit_engagement"  # the MQL thresholds of the other model are not carried
    cal, sla, g = rules.calendar, rules.sla, rules.grades
    as_of = rules.reporting.as_of
    return pl.DataFrame([{
        "default_language": rules.locale.default_language,
        "mask_personal_data": rules.locale.mask_personal_data,
        "business_timezone": cal.timezone,
        "fiscal_year_start_month": cal.fiscal_year_start_month,
        "business_day_start_minute": _minutes(cal.business_hours.start),
        "business_day_end_minute": _minutes(cal.business_hours.end),
        "as_of_mode": as_of if as_of in ("latest_record", "now") else "fixed",
        "as_of_fixed": datetime.fromisoformat(as_of) if as_of not in ("latest_record", "now") else None,
        "scoring_model": scoring.model,
        "mql_fit_min": float(model.mql.fit_min) if fe else None,
        "mql_engagement_min": float(model.mql.engagement_min) if fe else None,
        "mql_score_min": None if fe else float(model.mql.score_min),
        "bant_sql_min_yes": rules.bant.sql_min_yes,
        "grade_a_min_score": float(model.grade_a_min_score),
        "grade_a_need": g.a.need,
        "grade_a_authority": g.a.authority,
        "grade_a_max_timeline_months": g.a.max_timeline_months,
        "grade_b_max_timeline_months": g.b.max_timeline_months,
        "grade_b_min_bant_yes": g.b.min_bant_yes,
        "sla_first_contact_hours": float(sla.first_contact_hours),
        "sla_first_contact_clock": sla.first_contact_clock,
        "sla_min_attempts": sla.min_attempts,
        "sla_decision_business_days": sla.decision_business_days,
        "sla_non_sql_reason_required": sla.non_sql_reason_required,
        "sla_lead_fields_min_share": float(sla.lead_required_fields_min_share),
        "target_mql_per_month": rules.targets.mql_per_month,
        "target_first_contact_hours_avg_max": float(rules.targets.first_contact_hours_avg_max),
        "target_sla_compliance_min": float(rules.targets.sla_compliance_min),
        "target_mqls_per_is_rep_month": rules.targets.mqls_per_is_rep_month,
        "funnel_maturity_days": rules.funnel.maturity_days,
        "reporting_currency": rules.locale.currency,
        "target_new_arr_fiscal_year": rules.in_reporting_currency(rules.targets.new_arr_fiscal_year),
        "target_min_sample_size": rules.targets.min_sample_size,
        "budgeting_season_start_month": rules.recycling.budgeting_season_start_month,
        "dormant_days": rules.recycling.dormant_days,
        "action_horizon_days": rules.actions.horizon_days,
    }], schema_overrides={**{c: pl.Float64 for c in ("mql_fit_min", "mql_engagement_min", "mql_score_min")},
                         "as_of_fixed": pl.Datetime("us")})


def list_frames(rules: Rules) -> dict[str, pl.DataFrame]:
    fe = rules.scoring.fit_engagement
    t = rules.targets
    model = rules.scoring.active
    bands = model.score_bands
    stl = rules.sla.speed_to_lead_minutes

    def _label_minutes(m: float) -> str:
        return f"<= {int(m)} min" if m < 60 else f"<= {m / 60:g} h"

    return {
        "rule_lists": pl.DataFrame(
            [("contact_activity_types", v) for v in rules.stages.contact_activity_types]
            + [("advocate_subscription_types", v) for v in rules.stages.advocate_subscription_types]
            + [("free_email_domains", v.lower()) for v in rules.identity.free_email_domains]
            + [("lead_required_fields", v) for v in rules.sla.lead_required_fields]
            + [("nurture_excluded_reasons", v) for v in rules.recycling.nurture_excluded_reasons],
            schema={"list_name": pl.Utf8, "value": pl.Utf8}, orient="row"),
        "fx_rates": pl.DataFrame(
            [(rules.locale.currency, 1.0)]
            + [(r.currency, float(r.rate)) for r in rules.fx_rates if r.currency != rules.locale.currency],
            schema={"currency": pl.Utf8, "rate": pl.Float64}, orient="row"),
        "reapproach_rules": pl.DataFrame(
            [(reason, r.months, r.budgeting_season)
             for reason, r in rules.recycling.reapproach_after_loss.items()],
            schema={"lost_reason": pl.Utf8, "months_after": pl.Int32, "budgeting_season": pl.Boolean},
            orient="row"),
        "opportunity_stages": pl.DataFrame(
            [(stage, OPPORTUNITY_STAGES.index(stage) + 1, float(f.probability), f.forecast)
             for stage, f in rules.pipeline.stages.items()],
            schema={"stage": pl.Utf8, "stage_order": pl.Int32, "probability": pl.Float64,
                    "forecast_category": pl.Utf8}, orient="row"),
        "funnel_windows": pl.DataFrame({"window_days": rules.funnel.within_days},
                                       schema={"window_days": pl.Int32}),
        "fit_size_points": pl.DataFrame(
            [(i, r.min_employees, float(r.points)) for i, r in enumerate(fe.fit.company_size)],
            schema={"priority": pl.Int32, "min_employees": pl.Int64, "points": pl.Float64},
            orient="row"),
        "fit_industry_points": pl.DataFrame(
            [(k, float(v)) for k, v in fe.fit.industry.points.items()]
            + [(None, float(fe.fit.industry.default))],
            schema={"industry": pl.Utf8, "points": pl.Float64}, orient="row"),
        "fit_region_points": pl.DataFrame(
            [(k, float(v)) for k, v in fe.fit.region.points.items()]
            + [(None, float(fe.fit.region.default))],
            schema={"region": pl.Utf8, "points": pl.Float64}, orient="row"),
        "fit_title_rules": pl.DataFrame(
            [(i, r.level, r.pattern, float(r.points)) for i, r in enumerate(fe.fit.title)],
            schema={"priority": pl.Int32, "level": pl.Utf8, "pattern": pl.Utf8,
                    "points": pl.Float64}, orient="row"),
        "engagement_rules": pl.DataFrame(
            [(i, r.activity_type, r.asset_type, float(r.points)) for i, r in enumerate(fe.engagement)],
            schema={"priority": pl.Int32, "activity_type": pl.Utf8, "asset_type": pl.Utf8,
                    "points": pl.Float64}, orient="row"),
        "additive_rules": pl.DataFrame(
            [(r.name, float(r.points), r.min_employees,
              ",".join(r.industry_in) if r.industry_in else None,
              ",".join(r.title_level_in) if r.title_level_in else None, r.activity_type, r.min_count)
             for r in rules.scoring.additive.rules],
            schema={"rule_name": pl.Utf8, "points": pl.Float64, "min_employees": pl.Int64,
                    "industry_in": pl.Utf8, "title_level_in": pl.Utf8, "activity_type": pl.Utf8,
                    "min_count": pl.Int64}, orient="row"),
        "score_bands": pl.DataFrame(
            [(i, float(lo), float(bands[i + 1]) if i + 1 < len(bands) else None,
              f"{lo:g}-{bands[i + 1]:g}" if i + 1 < len(bands) else f"{lo:g}+")
             for i, lo in enumerate(bands)],
            schema={"band_order": pl.Int32, "lower_score": pl.Float64, "upper_score": pl.Float64,
                    "band_label": pl.Utf8}, orient="row"),
        "speed_buckets": pl.DataFrame(
            [(i, float(m), _label_minutes(m)) for i, m in enumerate(stl)]
            + [(len(stl), None, f"> {_label_minutes(stl[-1])[3:]}")],
            schema={"bucket_order": pl.Int32, "max_minutes": pl.Float64, "bucket_label": pl.Utf8},
            orient="row"),
        "what_if_thresholds": pl.DataFrame(
            [(float(f), float(e), None) for f in model.what_if.fit_min for e in model.what_if.engagement_min]
            if rules.scoring.model == "fit_engagement" else
            [(None, None, float(m)) for m in model.what_if.score_min],
            schema={"fit_min": pl.Float64, "engagement_min": pl.Float64, "score_min": pl.Float64},
            orient="row"),
        "target_bands": pl.DataFrame(
            [(k, i, src, dst, getattr(t, k).low, getattr(t, k).high)
             for i, (k, src, dst) in enumerate(TRANSITIONS)],
            schema={"kpi": pl.Utf8, "transition_order": pl.Int32, "from_stage": pl.Utf8, "to_stage": pl.Utf8,
                    "low": pl.Float64, "high": pl.Float64}, orient="row"),
        # every KPI's target band that the rules set per month: the headline KPIs and the departments'
        "kpi_targets": pl.DataFrame(
            [("mqls", float(t.mql_per_month), None), ("mql_to_sql", t.mql_to_sql.low, t.mql_to_sql.high),
             ("sla_first_contact", t.sla_compliance_min, None), ("sla_all", t.sla_compliance_min, None),
             ("first_contact_hours", None, t.first_contact_hours_avg_max)]
            + [(kpi, *(None if v is None else rules.in_reporting_currency(v) if kpi in MONEY_KPIS else v
                       for v in (band.low, band.high)))
               for kpi, band in t.departments.items()],
            schema={"kpi": pl.Utf8, "target_low": pl.Float64, "target_high": pl.Float64}, orient="row"),
        "segments": pl.DataFrame(
            [(i, s.segment, s.min_employees) for i, s in enumerate(rules.segments)],
            schema={"priority": pl.Int32, "segment": pl.Utf8, "min_employees": pl.Int64},
            orient="row"),
        "size_bands": pl.DataFrame(
            [(i, s.band, s.min_employees) for i, s in enumerate(rules.size_bands)],
            schema={"priority": pl.Int32, "size_band": pl.Utf8, "min_employees": pl.Int64},
            orient="row"),
    }


def all_frames(rules: Rules) -> dict[str, pl.DataFrame]:
    from pipelines.measures import measure_sources_frame

    return {"rules": rules_frame(rules), "calendar": calendar_frame(rules), **list_frames(rules),
            "measure_sources": measure_sources_frame()}


def write_config_tables(con: duckdb.DuckDBPyConnection, rules: Rules,
                        transaction: bool = True) -> dict[str, int]:
    """Replace every config.* table (in one transaction unless the caller holds one); row counts."""
    frames = all_frames(rules)
    if transaction:
        con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS config")
        for name, frame in frames.items():
            con.register("_frame", frame)
            con.execute(f"CREATE OR REPLACE TABLE config.{name} AS SELECT * FROM _frame")
            con.unregister("_frame")
        create_kpi_functions(con)
        if transaction:
            con.execute("COMMIT")
    except BaseException:
        if transaction:
            con.execute("ROLLBACK")
        raise
    return {name: frame.height for name, frame in frames.items()}
