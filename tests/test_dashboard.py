"""The dashboard, page by page, with Streamlit's AppTest on the demo workspace: what it shows equals
the marts, the filters and the language live in the URL, and nothing raises."""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.i18n import CODE_LABELS, field_label
from pipelines.reporting import kpis
from pipelines.reporting.text import fmt_date, fmt_int, fmt_money, fmt_month, fmt_pct
from tests.conftest import app_page

PAGES = ("executive", "funnel", "bottlenecks", "pipeline", "campaigns", "departments", "scoring", "accounts",
         "weekly", "sla", "quality", "review")
TITLES = {"executive": ("経営サマリー", "Executive overview"), "funnel": ("ファネル", "Funnel"),
          "bottlenecks": ("ボトルネック", "Bottlenecks"),
          "pipeline": ("パイプラインと予測", "Pipeline & forecast"),
          "campaigns": ("キャンペーン・チャネル", "Campaigns & channels"),
          "departments": ("部門別 KPI", "Department KPIs"),
          "scoring": ("リード品質・スコアリング", "Lead quality & scoring"),
          "accounts": ("アカウント", "Accounts"), "weekly": ("今週の対応", "This week"),
          "sla": ("SLA", "SLA"),
          "quality": ("データ品質", "Data quality"), "review": ("月次レビュー", "Monthly review")}


MISSING = {"None", "nan", "NaN", "NaT", "<NA>", "null"}
# codes whose Japanese label differs from the code: shown raw, they are untranslated
LABELLED_CODES = {code for labels in CODE_LABELS.values() for code, (ja, _en) in labels.items() if ja != code}


def ja_codes(ws: Path) -> set[str]:
    """What a Japanese page must not show raw: the labelled codes, and the lower-case codes the
    data holds in its coded dimensions (a code without a label is as raw as a labelled one)."""
    with serving(ws) as con:
        data = {v for (v,) in con.execute(
            "SELECT DISTINCT unnest([channel, segment, industry]) FROM marts.lead_attributes").fetchall()
            if v is not None and re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", v)}
    return LABELLED_CODES | data


@pytest.fixture()
def app(demo_workspace, monkeypatch):
    def make(page: str = "executive", **params: str) -> AppTest:
        return app_page(demo_workspace, page, monkeypatch, **params)

    return make


def serving(ws: Path):
    return duckdb.connect(str(ws / "serving.duckdb"), read_only=True)


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return found[0]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_renders_in_both_languages(app, demo_workspace, lang):
    raw_codes = ja_codes(demo_workspace)
    assert "finance" in raw_codes
    for page in PAGES:
        at = app(page, lang=lang)
        assert at.title[0].value == TITLES[page][0 if lang == "ja" else 1]
        assert not at.error, [e.value for e in at.error]
        # No table shows a raw column name (snake_case identifiers are untranslated labels), and no
        # cell or card shows None / nan, or, in Japanese, a code that has a Japanese label.
        for frame in at.dataframe:
            raw = [c for c in frame.value.columns if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", str(c))]
            assert not raw, f"{page} ({lang}) shows untranslated headers {raw}"
            # the grid writes a missing value "None" unless told otherwise: every table says "–"
            if frame.value.isna().any().any():
                assert frame.proto.placeholder == "–", f"{page} ({lang}) shows a missing value as None"
            cells = {str(v) for column in frame.value.columns
                     if pd.api.types.is_string_dtype(frame.value[column])
                     for v in frame.value[column].dropna()}
            assert not cells & MISSING, f"{page} ({lang}) shows {cells & MISSING}"
            if lang == "ja":
                assert not cells & raw_codes, f"{page} shows raw codes {cells & raw_codes}"
        shown = {str(m.value) for m in at.metric} | {m.label for m in at.metric}
        assert not shown & MISSING, f"{page} ({lang}) cards show {shown & MISSING}"


def months_range(ws: Path) -> tuple[str, str]:
    with serving(ws) as con:
        first, last = con.execute("SELECT min(cohort_month), max(cohort_month) FROM marts.funnel_cohort "
                                  "WHERE cohort_basis = 'mql'").fetchone()
    return f"{first:%Y-%m}", f"{last:%Y-%m}"


def test_funnel_rate_under_a_channel_filter_equals_the_mart(app, demo_workspace):
    first, last = months_range(demo_workspace)
    at = app("funnel", lang="en", channel="webinar", **{"from": first, "to": last})
    with serving(demo_workspace) as con:
        reached, leads = con.execute("""
            SELECT sum(reached_leads), sum(cohort_leads) FROM marts.funnel_cohort
            WHERE cohort_basis = 'mql' AND metric_style = 'cumulative' AND window_days = 0
              AND dimension = 'channel' AND dimension_value = 'webinar' AND stage = 'sql' AND NOT is_young
        """).fetchone()
        low, high = con.execute(
            "SELECT low, high FROM config.target_bands WHERE kpi = 'mql_to_sql'").fetchone()
    assert leads > 20
    assert metric(at, "MQL→SQL") == fmt_pct(reached / leads)
    # The stage table shows, on the SQL row, the band of the transition that ends there.
    steps = at.dataframe[0].value.set_index("Stage")
    assert steps.loc["SQL", "Target band"] == f"MQL→SQL {low:.0%}–{high:.0%}"
    # The filter is in the URL, so the view can be shared by link.
    assert at.query_params["channel"] == ["webinar"] or at.query_params["channel"] == "webinar"
    unfiltered = app("funnel", lang="en", **{"from": first, "to": last})
    assert metric(unfiltered, "MQL→SQL") != metric(at, "MQL→SQL")


def test_switching_language_changes_labels(app):
    at = app("sla", lang="ja")
    assert "初回接触期限" in [m.label for m in at.metric]
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "SLA"
    assert "First contact deadline" in [m.label for m in at.metric]
    assert "初回接触期限" not in [m.label for m in at.metric]


def test_sla_compliance_equals_the_mart(app, demo_workspace):
    first, last = months_range(demo_workspace)
    at = app("sla", lang="en", **{"from": first, "to": last})
    with serving(demo_workspace) as con:
        met, missed = con.execute("""SELECT sum(met), sum(missed) FROM marts.sla_compliance
                                     WHERE sla_rule = 'first_contact'
                                       AND notified_month BETWEEN ? AND ?""",
                                  [f"{first}-01", f"{last}-01"]).fetchone()
        overdue = con.execute("SELECT count(*) FROM marts.action_awaiting_first_contact "
                              "WHERE sla_status = 'overdue'").fetchone()[0]
    assert metric(at, "First contact deadline") == fmt_pct(met / (met + missed))
    assert metric(at, "MQLs overdue for first contact now") == fmt_int(overdue)


def test_the_weekly_view_lists_what_falls_due_within_the_horizon_most_urgent_first(app, demo_workspace):
    at = app("weekly", lang="en")
    with serving(demo_workspace) as con:
        as_of, horizon_days, tz = con.execute(
            "SELECT p.as_of, r.action_horizon_days, r.business_timezone "
            "FROM meta.publication AS p CROSS JOIN config.rules AS r").fetchone()
        local = pd.Timestamp(as_of).tz_localize("UTC").tz_convert(tz)
        week_start = (local - pd.Timedelta(days=local.weekday())).date()
        horizon = (local + pd.Timedelta(days=horizon_days)).date()
        # this week's hand-offs: notified since Monday (business time zone), up to as_of
        handoffs = con.execute(
            "SELECT follow_up FROM marts.lead_journey AS j CROSS JOIN meta.publication AS p "
            "LEFT JOIN marts.action_weekly_handoffs AS w USING (lead_id, cycle_number) "
            "WHERE j.notified_at IS NOT NULL AND j.notified_at <= p.as_of AND "
            "CAST(timezone(?, timezone('UTC', j.notified_at)) AS DATE) >= ?", [tz, week_start]).fetchall()
        awaiting = con.execute(
            "SELECT lead_id FROM marts.action_awaiting_first_contact "
            "WHERE CAST(timezone(?, timezone('UTC', first_contact_due_at)) AS DATE) <= ? "
            "ORDER BY first_contact_due_at, lead_id", [tz, horizon]).fetchall()
        recycle = con.execute("SELECT reapproach_date FROM marts.action_recycle_queue WHERE "
                              "reapproach_date <= ? ORDER BY reapproach_date, lead_id", [horizon]).fetchall()
        escalations = con.execute("SELECT count(*) FROM marts.action_sla_escalations").fetchone()[0]
        dormant = con.execute("SELECT max(days_inactive), count(*) FROM marts.action_dormant_leads"
                              ).fetchone()
    caption = at.caption[0].value
    assert f"Monday {fmt_date(week_start, 'en')}" in caption and f"by {fmt_date(horizon, 'en')}" in caption
    assert all(f is not None for (f,) in handoffs)  # every hand-off of the week is on its list
    assert metric(at, "Handed over this week") == fmt_int(len(handoffs))
    assert metric(at, "Awaiting first contact") == fmt_int(len(awaiting))
    assert metric(at, "Re-approaches due") == fmt_int(len(recycle))
    assert metric(at, "SLA escalations") == fmt_int(escalations)
    assert metric(at, "Dormant leads") == fmt_int(dormant[1])
    assert len(recycle) > 0 and escalations > 0
    tables = {name: frame.value for name, frame in zip(
        ("handoffs", "awaiting", "escalations", "recycle", "dormant"), at.dataframe, strict=True)}
    assert list(tables["awaiting"]["Lead id"]) == [lead for (lead,) in awaiting]
    assert [str(d) for d in tables["recycle"]["Re-approach date"]] == [f"{d}" for (d,) in recycle]
    assert tables["dormant"]["Days inactive"].iloc[0] == dormant[0]  # the longest inactive first
    # a dimension filter narrows every list
    narrowed = app("weekly", lang="en", channel="webinar")
    assert int(metric(narrowed, "Dormant leads").replace(",", "")) < dormant[1]


def test_what_if_slider_shows_the_grid_value(app, demo_workspace):
    at = app("scoring", lang="en")
    with serving(demo_workspace) as con:
        fit, engagement, per_month, rate = con.execute("""
            SELECT fit_min, engagement_min, would_be_mqls_per_month, mql_to_sql_rate
            FROM marts.mql_threshold_what_if WHERE NOT is_current
            ORDER BY engagement_min DESC, fit_min DESC LIMIT 1""").fetchone()
    at.select_slider(key="whatif_fit_min").set_value(fit)
    at.select_slider(key="whatif_engagement_min").set_value(engagement).run()
    assert not at.exception
    assert metric(at, "Scoring-rule MQLs per month") == f"{per_month:,.1f}"
    assert metric(at, "MQL→SQL of scoring-rule MQLs") == fmt_pct(rate)


def test_bottleneck_drill_down_lists_the_leads_behind_the_number(app, demo_workspace):
    first, last = months_range(demo_workspace)
    at = app("bottlenecks", lang="en", **{"from": first, "to": last})
    with serving(demo_workspace) as con:
        kpi, dimension, value, entered, converted = con.execute("""
            SELECT kpi, dimension, dimension_value, entered_leads, converted_leads FROM marts.bottlenecks
            WHERE leads_lost > 0 ORDER BY bottleneck_rank LIMIT 1""").fetchone()
    at.selectbox(key="drill_kpi").set_value(kpi).run()
    at.selectbox(key="drill_segment").set_value((dimension, value)).run()
    assert not at.exception
    label = [m.label for m in at.metric if "Did not convert" in m.label][0]
    assert metric(at, label) == fmt_int(entered - converted)


def test_a_funnel_stage_drills_down_to_its_leads(app, demo_workspace):
    """The cohort funnel's SQL stage (?drill=sql, as a click on it writes): the MQL cohort cycles
    that reached SQL, and those that stopped there (no opportunity), counted from the members mart
    over the whole period."""
    first, last = months_range(demo_workspace)
    at = app("funnel", lang="en", drill="sql", **{"from": first, "to": last})
    assert at.selectbox(key="funnel_drill_stage").value == "sql"
    with serving(demo_workspace) as con:
        reached, stopped = con.execute("""
            SELECT count_if(reached_sql = 1), count_if(reached_sql = 1 AND reached_opportunity = 0)
            FROM marts.funnel_cohort_members
            WHERE cohort_basis = 'mql' AND metric_style = 'cumulative' AND window_days = 0""").fetchone()
    assert 0 < stopped < reached
    assert metric(at, "SQL · Reached it") == fmt_int(reached)
    table = next(f.value for f in at.dataframe if "Lead id" in f.value)
    assert len(table) == min(reached, 1000)
    at.radio(key="funnel_drill_outcome").set_value("stopped").run()
    assert not at.exception
    assert metric(at, "SQL · Did not reach Opportunity") == fmt_int(stopped)


def test_the_bottleneck_page_adds_up_under_the_filters(app, demo_workspace):
    """Cards, gap table, segment table and drill-down follow one set of filters (the period
    included) and show the same counts; without filters the segments are marts.bottlenecks'."""

    from pipelines.i18n import code_label
    from pipelines.reporting import metrics
    from pipelines.reporting.metrics import Filters

    first, _last = months_range(demo_workspace)
    start = date.fromisoformat(f"{first}-01")
    end = (pd.Timestamp(start) + pd.DateOffset(months=11)).date()
    at = app("bottlenecks", lang="en", channel="webinar", **{"from": first, "to": f"{end:%Y-%m}"})

    def q(sql, params=()):
        with serving(demo_workspace) as con:
            return con.execute(sql, list(params)).df()

    f = Filters(start=start, end=end, values={"channel": ("webinar",)})
    gaps = metrics.transitions(q, f)
    for row in gaps.head(3).itertuples():
        assert metric(at, f"{code_label('kpi', row.kpi, 'en')} · Leads lost") == fmt_int(row.leads_lost)
    tables = {tuple(d.value.columns): d.value for d in at.dataframe}
    gap_table = next(v for k, v in tables.items() if "Against target" in k)
    assert list(gap_table["Entered"]) == list(gaps["entered_leads"])
    assert list(gap_table["Converted"]) == list(gaps["converted_leads"])
    expected = metrics.bottleneck_segments(q, f)
    segment_table = next((v for k, v in tables.items() if "Dimension" in k), None)
    assert len(expected) > 3  # segments below their band in this period
    assert list(segment_table["Leads lost"]) == list(expected["leads_lost"])
    assert list(segment_table["Entered"]) == list(expected["entered_leads"])
    top = gaps.iloc[0]
    label = next(m.label for m in at.metric if "Did not convert" in m.label)
    assert metric(at, label) == fmt_int(top["entered_leads"] - top["converted_leads"])
    unfiltered = metrics.bottleneck_segments(q, Filters(), limit=10_000)
    mart = q("SELECT kpi, dimension, dimension_value, entered_leads, converted_leads, leads_lost "
             "FROM marts.bottlenecks WHERE leads_lost > 0 ORDER BY bottleneck_rank")
    assert unfiltered[list(mart.columns)].values.tolist() == mart.values.tolist()



def test_precomputed_sidebar_and_lead_lists_equal_their_definitions(demo_workspace):
    """The filter values and months the sidebar reads from marts.filter_options and
    marts.report_months, and the bottleneck page's lead list (read without joining a million lead
    cycles), equal the plain queries over the member marts."""
    from pipelines.reporting import metrics
    from pipelines.reporting.metrics import DIMENSIONS, Filters

    def q(sql, params=()):
        with serving(demo_workspace) as con:
            return con.execute(sql, list(params)).df()

    options = metrics.filter_options(q)
    for dim in DIMENSIONS:
        name = "max(j.original_campaign_name)" if dim == "campaign" else "NULL"
        plain = q(f"""SELECT a.{dim} AS value, {name} AS name, count(*) AS leads
                      FROM marts.lead_attributes AS a INNER JOIN marts.lead_journey AS j
                      USING (lead_id, cycle_number) GROUP BY 1 ORDER BY leads DESC, value""")
        shown = options[dim]
        assert shown.astype(object).where(shown.notna(), None).values.tolist() == \
            plain.astype(object).where(plain.notna(), None).values.tolist(), dim
    plain_months = q("""SELECT cohort_month AS m FROM marts.funnel_cohort_members
                        UNION SELECT entered_month FROM marts.lead_stage_events
                        UNION SELECT closed_month FROM marts.opportunity_outcomes ORDER BY 1""")
    assert metrics.months(q) == [pd.Timestamp(m).date() for m in plain_months["m"].dropna()]

    for f in (Filters(), Filters(values={"channel": ("webinar",)})):
        lead_sql, params = f.lead_clause("a")
        rows, total = metrics.transition_leads(q, f, "mql_to_sql", "lost", limit=20)
        plain = q(f"""SELECT j.lead_id, j.mql_reached_at
                      FROM marts.funnel_cohort_members AS m
                      INNER JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)
                      INNER JOIN marts.lead_journey AS j USING (lead_id, cycle_number)
                      WHERE m.cohort_basis = 'mql' AND m.metric_style = 'cumulative'
                          AND m.window_days = 0 AND NOT m.is_young AND m.reached_sql = 0{lead_sql}
                      ORDER BY j.mql_reached_at DESC, j.lead_id""", params)
        assert total == len(plain) > 20
        assert list(rows["lead_id"]) == list(plain["lead_id"].head(20))
        assert rows["mql_reached_at"].is_monotonic_decreasing

        stalled, total = metrics.stalled_leads(q, f, limit=3)
        plain = q(f"""SELECT e.lead_id, date_diff('second', e.entered_at, j.as_of) / 86400.0 AS days
                      FROM marts.lead_stage_events AS e
                      INNER JOIN marts.lead_journey AS j USING (lead_id, cycle_number)
                      INNER JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)
                      INNER JOIN marts.time_in_stage AS t
                          ON t.stage = e.stage AND t.dimension = 'all' AND t.dimension_value = 'all'
                      WHERE e.exited_at IS NULL AND j.is_latest_cycle AND NOT e.is_inferred
                          AND e.stage IN ('mql', 'sal', 'sql', 'opportunity')
                          AND date_diff('second', e.entered_at, j.as_of) / 86400.0 > t.p90_days{lead_sql}
                      ORDER BY days DESC, e.lead_id""", params)
        assert total == len(plain) > 3
        assert list(stalled["lead_id"]) == list(plain["lead_id"].head(3))
        assert stalled["days_in_stage"].is_monotonic_decreasing

def test_one_arr_and_one_reporting_month_on_every_page(app, demo_workspace):
    """ARR reads the same on the executive and accounts pages (end of the last complete month,
    nothing dated after the as-of time); choosing the month in progress labels it partial."""
    with serving(demo_workspace) as con:
        last, in_progress = con.execute(
            "SELECT last_complete_month, as_of_month FROM meta.publication").fetchone()
        ending = con.execute("SELECT ending_arr FROM marts.arr_monthly WHERE month = ?", [last]).fetchone()[0]
    label = f"ARR (end of {fmt_month(last, 'en')})"
    executive, accounts = app("executive", lang="en"), app("accounts", lang="en")
    assert metric(executive, label) == metric(accounts, label) == fmt_money(ending, "JPY", "en", compact=True)
    partial = app("executive", lang="en", to=f"{in_progress:%Y-%m}")
    assert any(m.label == f"MQLs ({fmt_month(in_progress, 'en')} (partial))" for m in partial.metric)


def test_personal_data_is_masked(app):
    at = app("sla", lang="en")
    frames = [df.value for df in at.dataframe]
    emails = [v for frame in frames if "E-mail" in frame for v in frame["E-mail"].dropna()]
    assert emails, "the overdue list shows e-mail addresses"
    assert all("***@" in v for v in emails)


def test_executive_arr_equals_the_mart(app, demo_workspace):
    at = app("executive", lang="en")
    with serving(demo_workspace) as con:
        month, ending = con.execute("""SELECT month, ending_arr FROM marts.arr_monthly
                                       WHERE month < date_trunc('month', (SELECT as_of FROM meta.publication))
                                       ORDER BY month DESC LIMIT 1""").fetchone()
    label = f"ARR (end of {fmt_month(month, 'en')})"
    assert metric(at, label) == fmt_money(ending, "JPY", "en", compact=True)


def test_dbt_test_warnings_are_on_the_quality_page(app, demo_workspace):
    at = app("quality", lang="en")
    with serving(demo_workspace) as con:
        expected = con.execute("""
            SELECT column_name, unexpected_count FROM meta.dq_results
            WHERE suite = 'dbt_tests' AND run_id = (SELECT run_id FROM meta.dq_results
                                                    ORDER BY checked_at DESC LIMIT 1)""").fetchall()
    assert expected, "the demo's orphan activities warn in dbt"
    latest = next(f.value for f in at.dataframe if "Suite" in f.value and "Check" in f.value)
    dbt_rows = latest[latest["Suite"] == "Integrity tests during transformation (dbt)"]
    # the link as words: "MA activities Lead id → MA leads Lead id"
    assert sorted(zip(dbt_rows["Field"], dbt_rows["Failing rows"], strict=True)) == \
        sorted((field_label(column, "en"), n) for column, n in expected)
    assert set(dbt_rows["Check"]) == {"Referenced record exists"}


def test_the_what_if_follows_the_additive_model(demo_workspace, tmp_path, monkeypatch):
    """Under scoring.model = additive the what-if has one threshold, the additive score."""
    import shutil

    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copy(demo_workspace / "serving.duckdb", ws / "serving.duckdb")
    with duckdb.connect(str(ws / "serving.duckdb")) as con:
        con.execute("UPDATE config.rules SET scoring_model = 'additive', mql_fit_min = NULL, "
                    "mql_engagement_min = NULL, mql_score_min = 30")
        con.execute("""
            CREATE OR REPLACE TABLE marts.mql_threshold_what_if AS
            SELECT NULL::DOUBLE AS fit_min, NULL::DOUBLE AS engagement_min, s::DOUBLE AS score_min,
                   s = 30 AS is_current, 100 - s AS would_be_mql_leads,
                   (100 - s) / 10.0 AS would_be_mqls_per_month,
                   (100 - s) // 4 AS sql_leads, ((100 - s) // 4) / (100 - s) AS mql_to_sql_rate,
                   50 AS already_mql_leads
            FROM range(20, 45, 5) AS r(s)""")
    at = app_page(ws, "scoring", monkeypatch, lang="en")
    assert at.caption[0].value == "Scoring model: Additive points"
    assert [s.key for s in at.select_slider] == ["whatif_score_min"]
    assert metric(at, "Scoring-rule MQLs per month") == "7.0"  # the current threshold, 30
    at.select_slider(key="whatif_score_min").set_value(40.0).run()
    assert metric(at, "Scoring-rule MQLs per month") == "6.0"
    assert metric(at, "MQL→SQL of scoring-rule MQLs") == fmt_pct(15 / 60)


def _chart(at: AppTest, index: int) -> dict:
    """The plotly figure of the page's index-th chart, its typed arrays (plotly's base64 'bdata') as lists."""
    def plain(value):
        if isinstance(value, dict) and "bdata" in value:
            return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
        return value

    spec = json.loads(at.get("plotly_chart")[index].proto.spec)
    return {"data": [{k: plain(v) for k, v in trace.items()} for trace in spec["data"]]}


def test_the_pipeline_page_forecasts_against_the_target_from_the_marts(app, demo_workspace):
    at = app("pipeline", lang="en", segment="enterprise")
    with serving(demo_workspace) as con:
        cov = con.execute("SELECT * FROM marts.pipeline_coverage").df().iloc[0]
        (as_of_month,) = con.execute("SELECT as_of_month FROM meta.publication").fetchone()
        # the open deals per stage of the enterprise leads' cycles, along the buyer's process
        stages = con.execute("""
            SELECT o.stage, count(*), sum(o.amount), sum(o.weighted_amount)
            FROM marts.opportunity_outcomes AS o
            JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)
            JOIN config.opportunity_stages AS s USING (stage)
            WHERE o.is_open AND a.segment = 'enterprise'
            GROUP BY o.stage, s.stage_order ORDER BY s.stage_order
            """).fetchall()
        by_month = con.execute("""
            SELECT o.forecast_category, o.forecast_month, sum(o.amount) FROM marts.opportunity_outcomes AS o
            JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)
            WHERE o.forecast_category <> 'omitted' AND a.segment = 'enterprise' AND o.forecast_month >= ?
            GROUP BY 1, 2 HAVING sum(o.amount) <> 0 ORDER BY 1, 2""", [cov["fiscal_year_start"]]).fetchall()
    target = float(cov["target_new_arr"])
    cards = (("Closed won (FYTD)", "won_new_arr"), ("Commit forecast", "commit_forecast"),
             ("Best-case forecast", "best_case_forecast"), ("Weighted forecast", "weighted_forecast"))
    for label, key in cards:
        value = float(cov[key])
        assert metric(at, label) == fmt_money(value, "JPY", "en", compact=True)
        assert [m.delta for m in at.metric if m.label == label] == [
            f"{fmt_money(value - target, 'JPY', 'en', compact=True)} vs target"]
    assert float(cov["won_new_arr"]) <= float(cov["commit_forecast"]) <= float(cov["best_case_forecast"])
    table = next(f.value for f in at.dataframe if "Open deals" in f.value)
    assert list(table["Stage"]) == [CODE_LABELS["opportunity_stage"][s][1] for s, *_ in stages]
    assert list(table["Open deals"]) == [n for _s, n, *_ in stages]
    assert list(table["Amount"]) == [fmt_money(a, "JPY", "en", compact=True) for *_x, a, _w in stages]
    assert list(table["Weighted"]) == [fmt_money(w, "JPY", "en", compact=True) for *_x, w in stages]
    # the forecast chart: per category, the bars are the enterprise deals' amounts by forecast month
    bars = {trace["name"]: trace for trace in _chart(at, 0)["data"]}
    assert set(bars) >= {"Closed won", "Commit", "Best case", "Pipeline", "Weighted"}
    shown = {(name, month): value for name, trace in bars.items() if name != "Weighted"
             for month, value in zip(trace["x"], trace["y"], strict=True) if value}
    def label(month):
        return fmt_month(month, "en") + (" (partial)" if month == as_of_month else "")

    expected = {(CODE_LABELS["forecast_category"][c][1], label(m)): float(v) for c, m, v in by_month}
    assert {c for c, *_ in by_month} >= {"closed", "pipeline"} and shown == expected


def test_the_executive_page_shows_the_target_attainment_and_the_reverse_funnel(app, demo_workspace):
    at = app("executive", lang="en")
    with serving(demo_workspace) as con:
        cov = con.execute("SELECT * FROM marts.pipeline_coverage").df().iloc[0]
        (month,) = con.execute("SELECT last_complete_month FROM meta.publication").fetchone()
        capacity, needed = con.execute("SELECT is_capacity_mqls, mqls_needed_per_month "
                                       "FROM marts.mql_capacity_plan WHERE month = ?", [month]).fetchone()
        (mqls,) = con.execute("SELECT count(*) FROM marts.funnel_cohort_members WHERE cohort_basis = 'mql' "
                              "AND metric_style = 'cumulative' AND window_days = 0 AND cohort_month = ?",
                              [month]).fetchone()
    attainment, reverse = _chart(at, 0)["data"][0], _chart(at, 1)["data"][0]
    assert attainment["y"] == ["Closed won (FYTD)", "Commit forecast", "Best-case forecast"]
    keys = ("won_new_arr", "commit_forecast", "best_case_forecast")
    assert attainment["x"] == [float(cov[k]) for k in keys]
    assert reverse["x"] == [mqls, needed, capacity]
    share = fmt_pct(float(cov["won_new_arr"]) / float(cov["target_new_arr"]))
    assert any(c.value.startswith(f"{share} of the target won") for c in at.caption)
    assert any(f"{fmt_int(int(cov['mqls_needed']))} MQLs" in c.value for c in at.caption)
    assert bool(needed > capacity) == any("exceed what inside sales can work" in w.value for w in at.warning)


def test_the_campaign_page_adds_up_the_mart_under_the_period_and_channel_filters(app, demo_workspace):
    at = app("campaigns", lang="en", channel="webinar", **{"from": "2026-04", "to": "2026-09"})
    with serving(demo_workspace) as con:
        cost, mqls, won, arr = con.execute("""
            SELECT sum(cost), sum(mqls), sum(won_deals), sum(won_arr_first_touch)
            FROM marts.campaign_performance
            WHERE channel = 'webinar' AND month BETWEEN '2026-04-01' AND '2026-09-01'""").fetchone()
        # the same MQLs as the funnel's period counts (stage entries of the channel's cycles)
        (entries,) = con.execute("""
            SELECT sum(entries) FROM marts.funnel_period WHERE metric_style = 'reached' AND stage = 'mql'
            AND dimension = 'channel' AND dimension_value = 'webinar'
            AND period_month BETWEEN '2026-04-01' AND '2026-09-01'""").fetchone()
    assert mqls == entries and cost > 0 and won > 0
    assert metric(at, "Campaign cost") == fmt_money(cost, "JPY", "en", compact=True)
    assert metric(at, "MQLs") == fmt_int(mqls)
    assert metric(at, "Cost per MQL") == fmt_money(float(cost) / mqls, "JPY", "en", compact=True)
    assert metric(at, "Cost per win") == fmt_money(float(cost) / won, "JPY", "en", compact=True)
    assert metric(at, "ROI (first touch)") == fmt_pct((float(arr) - float(cost)) / float(cost))
    channels = at.dataframe[0].value
    assert list(channels["Channel"]) == ["Webinars"] and list(channels["MQLs"]) == [mqls]


def test_the_department_page_shows_the_mart_per_department_and_rep(app, demo_workspace):
    at = app("departments", lang="en")
    with serving(demo_workspace) as con:
        (month,) = con.execute("SELECT last_complete_month FROM meta.publication").fetchone()
        company = dict(((d, k), v) for d, k, v in con.execute(
            "SELECT department, kpi, value FROM marts.department_kpis_monthly "
            "WHERE rep = '(all)' AND month = ?", [month]).fetchall())
        reps = con.execute("""SELECT rep, value FROM marts.department_kpis_monthly
                              WHERE department = 'field_sales' AND kpi = 'won_deals' AND rep <> '(all)'
                              AND month = ? ORDER BY rep""", [month]).fetchall()
        # the page shows the mart's KPIs, each department's all (pipelines/reporting/kpis.py's catalogue)
        catalogue = set(con.execute(
            "SELECT DISTINCT department, kpi FROM marts.department_kpis_monthly").fetchall())
        assert catalogue == {(d, k) for d, items in kpis.DEPARTMENTS.items() for k, _kind in items}
        # the department's total is the sum of its reps'
        assert sum(v for _r, v in reps) == company[("field_sales", "won_deals")]
        # the headline KPIs are the same number on the executive page and in kpi_monthly
        (mqls,) = con.execute("SELECT value FROM marts.kpi_monthly WHERE kpi = 'mqls' AND month = ?",
                              [month]).fetchone()
    assert mqls == company[("marketing", "mqls")]
    # the tabs in order: marketing; inside sales and its reps; field sales and its reps; customer success
    marketing, inside, inside_reps, field, field_reps, customer = (f.value for f in at.dataframe[:6])
    rows = dict(zip(marketing["KPI"], marketing["This month"], strict=True))
    assert rows["MQLs"] == fmt_int(company[("marketing", "mqls")])
    cost = company[("marketing", "cost_per_mql")]
    assert rows["Cost per MQL"] == fmt_money(cost, "JPY", "en", compact=True)
    rows = dict(zip(inside["KPI"], inside["This month"], strict=True))
    assert rows["Connect rate"] == fmt_pct(company[("inside_sales", "connect_rate")])
    assert "Calls" in inside_reps and "Rep" in inside_reps
    rows = dict(zip(field["KPI"], field["This month"], strict=True))
    assert rows["Win rate"] == fmt_pct(company[("field_sales", "win_rate")])
    assert rows["Deals won"] == fmt_int(company[("field_sales", "won_deals")])
    won = dict(zip(field_reps["Rep"], field_reps["Deals won"], strict=True))
    assert {r: won[r] for r, _v in reps} == {r: fmt_int(v) for r, v in reps}
    assert all(v == "–" for r, v in won.items() if r not in dict(reps))  # nothing closed this month
    rows = dict(zip(customer["KPI"], customer["This month"], strict=True))
    assert rows["NRR (12 months)"] == fmt_pct(company[("customer_success", "net_revenue_retention")])


def test_a_period_preset_and_a_year_on_year_comparison_live_in_the_url(app, demo_workspace):
    at = app("executive", lang="en", period="last_month", compare="prev_year")
    with serving(demo_workspace) as con:
        (last,) = con.execute("SELECT last_complete_month FROM meta.publication").fetchone()
        year_before = last.replace(year=last.year - 1)
        arr = "SELECT ending_arr FROM marts.arr_monthly WHERE month = ?"
        now, before = (con.execute(arr, [m]).fetchone()[0] for m in (last, year_before))
    assert (at.selectbox(key="f_from").value, at.selectbox(key="f_to").value) == (last, last)
    label = f"ARR (end of {fmt_month(last, 'en')})"
    assert [m.delta for m in at.metric if m.label == label] == [
        f"{fmt_money(float(now) - float(before), 'JPY', 'en', compact=True)} vs a year before"]
    assert at.query_params["period"] == "last_month" and at.query_params["compare"] == "prev_year"
    # a month picked by hand makes the range the user's own
    at.selectbox(key="f_from").select(at.selectbox(key="f_from").options[0]).run()
    assert at.selectbox(key="f_period").value == "custom" and "period" not in at.query_params


def test_a_drill_down_opens_from_the_url(app, demo_workspace):
    """A link with ?drill= opens the bottleneck drill-down on that transition, one with ?month= the
    pipeline's deals of that month (clicking a bar writes them: tests/test_browser.py)."""
    at = app("bottlenecks", lang="en", drill="sql_to_won")
    assert at.selectbox(key="drill_kpi").value == "sql_to_won"
    assert at.query_params["drill"] == "sql_to_won"
    with serving(demo_workspace) as con:
        (month,) = con.execute(
            "SELECT max(forecast_month) FROM marts.opportunity_outcomes WHERE is_open").fetchone()
        (deals,) = con.execute("""
            SELECT count(*) FROM marts.opportunity_outcomes
            WHERE forecast_month = ? AND forecast_category <> 'omitted'""", [month]).fetchone()
    at = app("pipeline", lang="en", month=f"{month:%Y-%m-%d}")
    assert at.selectbox(key="forecast_drill").value == month
    table = next(f.value for f in at.dataframe if "Opportunity id" in f.value)
    assert len(table) == deals > 0


def test_a_funnels_bars_read_counts_and_shares_as_the_tables_do():
    from dashboard.ui import funnel

    stages = ["MQL", "SQL", "won"]
    # each stage's share of the one before it: 250/1,234 = 20.3 %, 10/250 = 4.0 %
    assert funnel(stages, [1234, 250, 10], "previous").text == ("1,234<br>100.0%", "250<br>20.3%",
                                                                 "10<br>4.0%")
    # of the first stage: 10/1,234 = 0.8 %
    assert funnel(stages, [1234, 250, 10], "initial").text == ("1,234<br>100.0%", "250<br>20.3%",
                                                               "10<br>0.8%")
    # counts alone (never plotly's 1.234k); a stage after an empty one has no share ('–')
    assert funnel(stages, [1234567, 0, 0]).text == ("1,234,567", "0", "0")
    assert funnel(stages, [5, 0, 0], "previous").text[2] == "0<br>–"
