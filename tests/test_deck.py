"""The monthly review deck: opened with python-pptx, its charts are native chart objects whose data
equal the marts for the month; empty and future months are handled."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from pipelines.reporting.deck import MonthError, build_deck
from pipelines.reporting.text import fmt_money
from tests.conftest import cli

MONTH = date(2026, 9, 1)
SLIDES = 13
DEPARTMENTS_SLIDE = 9


@pytest.fixture(scope="module")
def deck(demo_workspace, tmp_path_factory):
    out = tmp_path_factory.mktemp("deck") / "review.pptx"
    result = cli("deck", "--workspace", str(demo_workspace), "--month", "2026-09", "--lang", "ja",
                 "--out", str(out))
    assert f"({SLIDES} slides)" in result.stdout
    return Presentation(str(out))


def sql(ws: Path, query: str, params=()):
    with duckdb.connect(str(ws / "serving.duckdb"), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def charts(slide):
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def values(chart, series: int = 0) -> list:
    return list(chart.plots[0].series[series].values)


def test_slides_are_native_charts_not_pictures(deck):
    assert len(deck.slides) == SLIDES
    for slide in deck.slides:
        assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert sum(len(charts(s)) for s in deck.slides) >= 11
    # every slide after the title has a chart, but the department KPIs' tables
    assert all(charts(s) for i, s in enumerate(deck.slides) if i not in (0, DEPARTMENTS_SLIDE))
    assert deck.slides[0].shapes.title.text.endswith("2026年9月")


def test_arr_bridge_equals_arr_monthly(deck, demo_workspace):
    (row,) = sql(demo_workspace, """SELECT starting_arr, new_arr, expansion_arr, contraction_arr, churned_arr,
                                           ending_arr FROM marts.arr_monthly WHERE month = ?""", [MONTH])
    (chart,) = charts(deck.slides[1])
    assert values(chart, 1) == pytest.approx([float(v) for v in row])
    # each bar names its movement and its amount (a thin bar's amount still reads)
    names = [c.split("\n")[0] for c in chart.plots[0].categories]
    assert names == ["期首 ARR", "新規", "拡大", "縮小", "解約", "期末 ARR"]
    assert list(chart.plots[0].categories)[1].split("\n")[1] == fmt_money(row[1], "JPY", "ja", compact=True)


def test_funnel_of_the_month_equals_the_funnel_marts(deck, demo_workspace):
    cohort = dict(sql(demo_workspace, """
        SELECT stage, reached_leads FROM marts.funnel_cohort
        WHERE cohort_basis = 'mql' AND metric_style = 'cumulative' AND window_days = 0
          AND dimension = 'all' AND cohort_month = ?""", [MONTH]))
    (size,) = sql(demo_workspace, """SELECT max(cohort_leads) FROM marts.funnel_cohort
                                     WHERE cohort_basis = 'mql' AND dimension = 'all' AND cohort_month = ?""",
                  [MONTH])[0]
    period = dict(sql(demo_workspace, """
        SELECT stage, entries FROM marts.funnel_period
        WHERE metric_style = 'reached' AND dimension = 'all' AND period_month = ?""", [MONTH]))
    cohort_chart, period_chart = charts(deck.slides[2])
    assert values(cohort_chart) == [size, cohort["sal"], cohort["sql"], cohort["opportunity"], cohort["won"]]
    assert values(period_chart) == [period.get(s, 0) for s in
                                    ("known", "mql", "sal", "sql", "opportunity", "won")]
    assert list(cohort_chart.plots[0].categories) == ["MQL", "SAL", "SQL", "商談", "受注"]


def test_mql_to_sql_trend_covers_twelve_months_with_the_band(deck, demo_workspace):
    rates = sql(demo_workspace, """
        SELECT cohort_month, conversion_rate FROM marts.funnel_cohort
        WHERE cohort_basis = 'mql' AND metric_style = 'cumulative' AND window_days = 0
          AND dimension = 'all' AND stage = 'sql' AND cohort_month BETWEEN DATE '2025-10-01' AND ?
        ORDER BY cohort_month""", [MONTH])
    (chart,) = charts(deck.slides[3])
    assert len(rates) == 12
    assert values(chart, 0) == pytest.approx([r for _m, r in rates])
    assert set(values(chart, 1)) == {0.2} and set(values(chart, 2)) == {0.3}


def test_sla_by_rule_equals_sla_compliance(deck, demo_workspace):
    rows = dict((rule, (met, missed)) for rule, met, missed in sql(demo_workspace, """
        SELECT sla_rule, sum(met), sum(missed) FROM marts.sla_compliance WHERE notified_month = ?
        GROUP BY sla_rule""", [MONTH]))
    by_rule = charts(deck.slides[4])[0]
    expected = [rows[r][0] / (rows[r][0] + rows[r][1]) for r in
                ("first_contact", "attempts", "decision", "reason", "bant", "all")]
    assert values(by_rule) == pytest.approx(expected)


def test_bottlenecks_are_the_three_largest_gaps(deck, demo_workspace):
    lost = [r[0] for r in sql(demo_workspace, """SELECT leads_lost FROM marts.bottlenecks WHERE leads_lost > 0
                                                 ORDER BY bottleneck_rank LIMIT 3""")]
    (chart,) = charts(deck.slides[5])
    assert values(chart) == lost


def test_scoring_review_shows_current_and_neighbouring_thresholds(deck, demo_workspace):
    (fit, engagement, rate) = sql(demo_workspace, """SELECT fit_min, engagement_min, mql_to_sql_rate
                                                     FROM marts.mql_threshold_what_if WHERE is_current""")[0]
    (chart,) = charts(deck.slides[6])
    categories = list(chart.plots[0].categories)
    current = f"{fit:g} / {engagement:g} (現行)"
    assert current in categories and len(categories) >= 3
    assert values(chart)[categories.index(current)] == pytest.approx(rate)


def test_non_sql_reasons_of_the_month(deck, demo_workspace):
    counts = sql(demo_workspace, """
        SELECT coalesce(non_sql_reason, 'missing') AS reason, count(*) AS n FROM marts.lead_journey
        WHERE decision = 'non_sql'
          AND date_trunc('month', timezone('Asia/Tokyo', timezone('UTC', decided_at))) = ?
        GROUP BY 1 ORDER BY n DESC, reason""", [MONTH])
    (chart,) = charts(deck.slides[7])
    assert values(chart) == [n for _r, n in counts]
    # a Pareto chart: the cumulative share as a line on a right-hand axis, reaching 100%
    line = chart.plots[1]
    total = sum(n for _r, n in counts)
    running = [sum(n for _r, n in counts[: i + 1]) / total for i in range(len(counts))]
    assert type(line).__name__ == "LinePlot" and list(line.series[0].values) == pytest.approx(running)


def test_the_slides_read_at_a_glance(deck, demo_workspace):
    """A modern Japanese face in the theme; every SLA rule and every checked field labelled; the
    ARR bridge's axis starts below its smaller end, so that its small movements show."""
    theme = deck.slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme").blob.decode()
    assert theme.count('<a:ea typeface="Yu Gothic"') == 2  # the titles' and the body's fonts
    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    for slide in (deck.slides[4], deck.slides[8]):
        axis = charts(slide)[0]._chartSpace.chart.plotArea.find(f"{c}catAx")
        assert axis.find(f"{c}tickLblSkip").get("val") == "1"
    (start, end) = sql(demo_workspace, "SELECT starting_arr, ending_arr FROM marts.arr_monthly "
                       "WHERE month = ?", [MONTH])[0]
    (bridge,) = charts(deck.slides[1])
    assert 0 < bridge.value_axis.minimum_scale <= min(float(start), float(end))


def test_plan_compares_mqls_with_is_capacity(deck, demo_workspace):
    (reps,) = sql(demo_workspace, """
        SELECT count(DISTINCT owner) FROM marts.lead_journey
        WHERE owner IS NOT NULL
          AND date_trunc('month', timezone('Asia/Tokyo', timezone('UTC', notified_at))) = ?""", [MONTH])[0]
    (chart,) = charts(deck.slides[12])
    actual, target, _needed, capacity = values(chart)
    assert target == 250 and capacity == reps * 40
    assert reps > 0


def test_department_kpis_slide_equals_the_department_mart(deck, demo_workspace):
    """Four tables, one per department, each KPI of the month with its target and status."""
    tables = [shape.table for shape in deck.slides[DEPARTMENTS_SLIDE].shapes if shape.has_table]
    departments = ["マーケティング", "インサイドセールス", "フィールドセールス", "カスタマーサクセス"]
    assert [t.cell(0, 0).text for t in tables] == departments
    values = dict(((d, k), (v, lo, hi, status)) for d, k, v, lo, hi, status in sql(demo_workspace, """
        SELECT department, kpi, value, target_low, target_high, target_status
        FROM marts.department_kpis_monthly WHERE rep = '(all)' AND month = ?""", [MONTH]))
    field_sales = {tables[2].cell(r, 0).text: [tables[2].cell(r, c).text for c in (1, 2, 3)]
                   for r in range(1, len(tables[2].rows))}
    won, *_ = values[("field_sales", "won_deals")]
    rate, low, _high, status = values[("field_sales", "win_rate")]
    assert field_sales["受注数"][0] == f"{int(won):,}"
    words = {"in_band": "達成", "below": "未達", "not_enough_data": "件数不足"}
    assert field_sales["受注率"] == [f"{rate * 100:.1f}%", f"≥ {low * 100:g}%", words[status]]
    mqls, mql_low, _h, mql_status = values[("marketing", "mqls")]
    assert tables[0].cell(1, 0).text == "MQL 数" and tables[0].cell(1, 1).text == f"{int(mqls):,}"
    assert tables[0].cell(1, 2).text == f"≥ {int(mql_low):,}"


def test_campaign_slide_equals_the_campaign_mart(deck, demo_workspace):
    rows = sql(demo_workspace, """
        SELECT channel, sum(cost), sum(won_arr_first_touch) FROM marts.campaign_performance WHERE month = ?
        GROUP BY channel ORDER BY sum(cost) DESC, sum(won_arr_first_touch) DESC, channel""", [MONTH])
    (chart,) = charts(deck.slides[10])
    assert values(chart, 0) == pytest.approx([float(c) for _ch, c, _a in rows])
    assert values(chart, 1) == pytest.approx([float(a) for _ch, _c, a in rows])
    assert rows and len(list(chart.plots[0].categories)) == len(rows)


def test_forecast_slide_equals_the_forecast_marts(deck, demo_workspace):
    """The fiscal year's months, each deal in its forecast category (won in the month it was won,
    open deals in their expected close month), and the year's forecast against the target."""
    (start, end, target, won, commit) = sql(demo_workspace, """
        SELECT fiscal_year_start, fiscal_year_end, target_new_arr, won_new_arr, commit_forecast
        FROM marts.pipeline_coverage""")[0]
    rows = sql(demo_workspace, """
        SELECT forecast_month, forecast_category, sum(amount) FROM marts.opportunity_outcomes
        WHERE forecast_category NOT IN ('omitted', 'unmapped') AND forecast_month BETWEEN ? AND ?
        GROUP BY 1, 2""", [start, end])
    (chart,) = charts(deck.slides[11])
    months = sorted({m for m, *_ in rows})
    # short month labels: the year on the first and on January
    labels = [f"{m.year}年{m.month}月" if i == 0 or m.month == 1 else f"{m.month}月"
              for i, m in enumerate(months)]
    assert list(chart.plots[0].categories) == labels
    names = [s.name for s in chart.plots[0].series]
    assert names == ["受注済み", "コミット", "ベストケース", "パイプライン"]
    for index, category in enumerate(("closed", "commit", "best_case", "pipeline")):
        amounts = {m: float(v) for m, c, v in rows if c == category}
        assert values(chart, index) == pytest.approx([amounts.get(m, 0.0) for m in months])
    table = next(shape.table for shape in deck.slides[11].shapes if shape.has_table)
    cells = {table.cell(r, 0).text: table.cell(r, 1).text for r in range(1, len(table.rows))}
    assert cells["コミット予測"] == f"¥{float(commit):,.0f}"
    assert cells["受注済み（年度累計）"] == f"¥{float(won):,.0f}"
    assert cells["目標までの残り"] == f"¥{max(float(target) - float(won), 0):,.0f}"


def test_english_deck_and_a_month_without_data(demo_workspace, tmp_path):
    english = build_deck(demo_workspace / "serving.duckdb", MONTH, "en", tmp_path / "en.pptx")
    prs = Presentation(str(english.path))
    assert prs.slides[0].shapes.title.text == "Monthly marketing & sales review — Sep 2026"
    empty = build_deck(demo_workspace / "serving.duckdb", date(2020, 1, 1), "en", tmp_path / "empty.pptx")
    assert not empty.has_data and empty.slides == 2
    prs = Presentation(str(empty.path))
    assert prs.slides[1].shapes.title.text == "No data for Jan 2020"


def test_months_after_the_data_and_the_month_in_progress_are_refused(demo_workspace, tmp_path):
    # the demo's data run to 31 October 2026: October is in progress, September the last complete
    serving = demo_workspace / "serving.duckdb"
    with pytest.raises(MonthError, match="2026-11 is after the data"):
        build_deck(serving, date(2026, 11, 1), "ja")
    with pytest.raises(MonthError, match="2026-10 is still in progress; review 2026-09"):
        build_deck(serving, date(2026, 10, 1), "en")
    partial = build_deck(serving, date(2026, 10, 1), "en", tmp_path / "partial.pptx", partial=True)
    prs = Presentation(str(partial.path))
    for slide in prs.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert any(t.startswith("Partial: Oct 2026 is not over yet (data as of") for t in texts)
    result = cli("deck", "--workspace", str(demo_workspace), "--month", "2026-10", check=False)
    assert result.returncode == 2 and "--partial" in result.stderr
    default = cli("deck", "--workspace", str(demo_workspace), "--lang", "en",
                  "--out", str(tmp_path / "d.pptx"))
    assert "d.pptx" in default.stdout
    assert Presentation(str(tmp_path / "d.pptx")).slides[0].shapes.title.text.endswith("Sep 2026")
    bad = cli("deck", "--workspace", str(demo_workspace), "--month", "Sept", check=False)
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr + bad.stdout


def test_dagster_asset_builds_a_month_in_both_languages(demo_workspace):
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.defs.reporting.assets import DECK_KEY
    from pipelines.workspace import Workspace

    ws = Workspace.resolve(demo_workspace)
    defs = build_definitions(ws)
    asset = defs.resolve_assets_def(DECK_KEY)
    assert "2026-09-01" in asset.partitions_def.get_partition_keys()
    result = dg.materialize([asset], partition_key="2026-09-01", instance=dg.DagsterInstance.ephemeral())
    assert result.success
    for lang in ("ja", "en"):
        path = demo_workspace / "decks" / f"monthly_review_2026-09_{lang}.pptx"
        assert len(Presentation(str(path)).slides) == SLIDES
