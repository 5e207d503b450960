"""The monthly marketing–sales review as an editable PowerPoint deck (native charts and tables).

`build_deck()` reads the published serving copy through the same figures as the dashboard
(`pipelines.reporting.metrics`), so a deck and the dashboard agree for the same month. A month
without lead data gets a deck that says so; a month in the future is refused.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Inches, Pt

from pipelines.i18n import code_label, field_label
from pipelines.measures import measure_label
from pipelines.reporting import kpis, metrics
from pipelines.reporting.metrics import Filters
from pipelines.reporting.slides import (
    BLUE,
    GREEN,
    GREY,
    HEIGHT,
    LIGHT_BLUE,
    MILLIONS,
    ORANGE,
    PCT,
    RED,
    WIDTH,
    SlideLayout,
    add_secondary_line,
    every_category_label,
    month_categories,
    set_theme_fonts,
)
from pipelines.reporting.text import VERDICTS, fmt_int, fmt_money, fmt_pct, pick, text


def _month_is(column: pd.Series, month: date) -> pd.Series:
    return pd.to_datetime(column).dt.date == month


def _row(df: pd.DataFrame, column: str, month: date):
    """The row of `df` whose `column` is `month`, or None."""
    rows = df[_month_is(df[column], month)]
    return None if rows.empty else rows.iloc[0]


class MonthError(ValueError):
    """A month the data cannot review: after the as-of month, or in progress without `partial`."""


@dataclass
class DeckResult:
    path: Path | None
    month: date
    lang: str
    slides: int
    has_data: bool
    content: bytes


def deck_path(ws, month: date, lang: str) -> Path:
    """Where the deck of a month is kept in the workspace."""
    return ws.root / "decks" / f"monthly_review_{month:%Y-%m}_{lang}.pptx"


def parse_month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {text!r}") from None


def _query(con: duckdb.DuckDBPyConnection) -> metrics.Query:
    def q(sql: str, params: tuple = ()) -> pd.DataFrame:
        return con.execute(sql, list(params)).df()

    return q


def reporting_months(serving: Path) -> tuple[date, date]:
    """(the last complete month, the month in progress) of the published data (marts.int_as_of)."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        pub = metrics.publication(_query(con))
    finally:
        con.close()
    return pd.Timestamp(pub["last_complete_month"]).date(), pd.Timestamp(pub["as_of_month"]).date()


def build_deck(
    serving: Path, month: date, lang: str = "ja", out: Path | None = None, partial: bool = False
) -> DeckResult:
    """Write the deck for `month` (first day) to `out` (when given) and return it. The month in
    progress is refused unless `partial`, and then every slide says so."""
    last_complete, in_progress = reporting_months(serving)
    if month > in_progress:
        raise MonthError(f"{month:%Y-%m} is after the data: the published data run to "
                         f"{in_progress:%Y-%m} (in progress); the last complete month is "
                         f"{last_complete:%Y-%m}")
    if month == in_progress and not partial:
        raise MonthError(f"{month:%Y-%m} is still in progress; review {last_complete:%Y-%m}, the last "
                         "complete month, or pass --partial for a deck that says on every slide that "
                         "its month is not over")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        rules_q = _query(con)
        rules = metrics.rules(rules_q)
        deck = _Deck(rules_q, rules, month, lang, partial=month == in_progress)
        deck.build()
    finally:
        con.close()
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    content = buffer.getvalue()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".pptx.tmp")
        tmp.write_bytes(content)
        tmp.replace(out)
    return DeckResult(out, month, lang, len(deck.prs.slides), deck.has_data, content)


class _Deck(SlideLayout):
    def __init__(self, q: metrics.Query, rules: dict, month: date, lang: str, partial: bool = False):
        self.q, self.rules, self.month, self.lang, self.partial = q, rules, month, lang, partial
        self.tz = rules["business_timezone"]
        as_of = pd.Timestamp(metrics.publication(q)["as_of"]).tz_localize("UTC").tz_convert(self.tz)
        self.as_of_text = f"{as_of:%Y-%m-%d %H:%M}"
        self.currency = rules["reporting_currency"]
        self.prev = (pd.Timestamp(month) - pd.DateOffset(months=1)).date()
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        set_theme_fonts(self.prs)
        self.has_data = False

    # --- slides --------------------------------------------------------------------------
    def build(self) -> None:
        both_months = Filters(start=self.prev, end=self.month)
        self.bands = metrics.target_bands(self.q)
        self.cohorts = metrics.cohort_funnel(self.q, both_months, "mql")
        self.arr = metrics.arr_monthly(self.q)
        self.sla_both = metrics.sla_results(self.q, both_months)
        self.sla = self.sla_both[_month_is(self.sla_both["notified_month"], self.month)]
        self.coverage = metrics.coverage(self.q)
        self.deals = metrics.closed_deals(self.q, Filters(start=self.prev, end=self.month))
        arr = self._arr(self.month)
        entries = metrics.period_funnel(self.q, Filters(start=self.month, end=self.month), "entered")
        self.has_data = bool(
            self._cohort(self.month) is not None
            or len(entries)
            or _row(self.deals, "month", self.month) is not None
            or self.sla[["met", "missed", "pending"]].to_numpy().sum() > 0
            or (arr is not None and float(arr["new_arr"]) > 0)
        )
        self.title_slide()
        if not self.has_data:
            slide = self.slide(self.t("deck_no_data", month=self.m(self.month)))
            self.note(slide, self.t("no_data_detail"), Inches(0.6), Inches(2), Inches(12), Inches(1), size=20)
            return
        self.arr_slide()
        self.funnel_slide()
        self.trend_slide()
        self.sla_slide()
        self.bottleneck_slide()
        self.scoring_slide()
        self.reasons_slide()
        self.quality_slide()
        self.departments_slide()
        self.campaigns_slide()
        self.pipeline_slide()
        self.plan_slide()

    def _cohort(self, month: date):
        return _row(self.cohorts, "cohort_month", month)

    def _arr(self, month: date):
        return _row(self.arr, "month", month)

    # (kpi of marts.kpi_monthly, format, the measures it needs)
    KPIS = (
        ("mqls", "int", ("stage:mql",)),
        ("mql_to_sql", "pct", ("stage:mql", "stage:sql")),
        ("win_rate", "pct", ("stage:won", "stage:lost")),
        ("sla_first_contact", "pct", ("sla:first_contact",)),
        ("sla_all", "pct", ("sla:first_contact", "sla:decision")),
        ("first_contact_hours", "hours", ("sla:first_contact",)),
        ("new_arr", "money", ("money:arr",)),
        ("ending_arr", "money", ("money:arr",)),
    )

    def kpi_rows(self) -> list[dict]:
        """Headline KPIs of marts.kpi_monthly: value this month and last month, target and status."""
        kpis = metrics.kpi_monthly(self.q, self.prev, self.month)
        rows = []
        for key, kind, needs in self.KPIS:
            measurable = not self.missing(*needs)
            this = _row(kpis[kpis["kpi"] == key], "month", self.month)
            last = _row(kpis[kpis["kpi"] == key], "month", self.prev)
            rows.append({
                "kpi": key, "kind": kind, "measurable": measurable,
                "value": this["value"] if measurable and this is not None else None,
                "previous": last["value"] if measurable and last is not None else None,
                "low": None if this is None else this["target_low"],
                "high": None if this is None else this["target_high"],
                "status": None if this is None else this["target_status"]})
        return rows

    def _status(self, r: dict) -> str:
        """The KPI's band status (marts.kpi_monthly) in words."""
        return kpis.status_text(r["status"], r["low"], self.lang, r["measurable"])

    def _fmt(self, kind: str, value) -> str:
        return kpis.fmt_kpi(kind, value, self.currency, self.lang)

    def _change(self, kind: str, value, previous) -> str:
        return kpis.fmt_change(kind, value, previous, self.currency, self.lang)

    def title_slide(self) -> None:
        slide = self.slide(f"{self.t('title')} — {self.m(self.month)}")
        self.note(
            slide,
            self.t("as_of", as_of=self.as_of_text, tz=self.tz),
            Inches(0.6),
            Inches(1.25),
            Inches(12),
            Inches(0.5),
            size=14,
            color=GREY,
        )
        if not self.has_data:
            return
        self.note(
            slide, self.t("kpis"), Inches(0.6), Inches(1.8), Inches(12), Inches(0.5), size=18, bold=True
        )
        rows = []
        for r in self.kpi_rows():
            if r["kpi"] == "new_arr" and not pd.isna(r["low"]):
                target_text = f"{self._fmt('money', r['low'])} ({self.t('new_arr_target')})"
            else:
                target_text = kpis.target_text(r["kind"], r["low"], r["high"], self.currency, self.lang)
            status = self._status(r)
            label = self.t("deck_new_arr" if r["kpi"] == "new_arr" else r["kpi"])
            if r["kpi"] == "mql_to_sql":
                label += " " + self.t("young")
            rows.append(
                [
                    label,
                    self._fmt(r["kind"], r["value"]),
                    self._fmt(r["kind"], r["previous"]),
                    self._change(r["kind"], r["value"], r["previous"]),
                    target_text,
                    status,
                ]
            )
        table = self.table(
            slide,
            [self.t(k) for k in ("kpi", "this_month", "last_month", "change", "target", "deck_status")],
            rows,
            Inches(0.6),
            Inches(2.4),
            Inches(12.1),
            size=13,
        )
        # the KPI's name (with the young-cohort note) on one line, the figures beside it
        for column, width in enumerate((4.3, 1.4, 1.4, 1.4, 2.2, 1.4)):
            table.columns[column].width = Inches(width)

    def arr_slide(self) -> None:
        slide = self.measured_slide(self.t("arr_bridge", month=self.m(self.month)), ["money:arr"])
        if slide is None:
            return
        row = self._arr(self.month)
        if row is None:
            self.note(
                slide,
                self.t("deck_no_data", month=self.m(self.month)),
                Inches(0.6),
                Inches(2),
                Inches(12),
                Inches(1),
                size=20,
            )
            return
        start, new, exp = float(row["starting_arr"]), float(row["new_arr"]), float(row["expansion_arr"])
        con, churn, end = float(row["contraction_arr"]), float(row["churned_arr"]), float(row["ending_arr"])
        # each bar says its amount under its name (a small movement reads even when its bar is thin),
        # and the value axis starts below the smaller of the two ends so that the movements show
        amounts = (start, new, exp, -con, -churn, end)
        categories = [
            f"{self.t(k)}\n{fmt_money(v, self.currency, self.lang, compact=True)}"
            for k, v in zip(("starting_arr", "new_arr", "expansion_arr", "contraction_arr", "churned_arr",
                             "ending_arr"), amounts, strict=True)
        ]
        # A waterfall as a stacked column chart: an invisible base carries each movement.
        base = [0, start, start + new, start + new + exp - con, start + new + exp - con - churn, 0]
        movement = [start, new, exp, con, churn, end]
        money = MILLIONS[self.lang]
        chart = self.chart(
            slide,
            XL_CHART_TYPE.COLUMN_STACKED,
            categories,
            [("base", base), ("ARR", movement)],
            Inches(0.6),
            Inches(1.8),
            Inches(8.4),
            Inches(5.3),
            number_format=money,
            legend=False,
            labels=False,
        )
        chart.plots[0].series[0].format.fill.background()
        arr_series = chart.plots[0].series[1]
        arr_series.format.fill.solid()
        arr_series.format.fill.fore_color.rgb = BLUE
        for i, color in ((1, GREEN), (2, GREEN), (3, ORANGE), (4, RED)):
            point = arr_series.points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = color
        chart.plots[0].gap_width = 60
        every_category_label(chart, 11)
        low = min(start, end, *base[1:5])
        if low > 0:
            step = 10 ** max(0, len(str(int(low))) - 1)
            chart.value_axis.minimum_scale = max(0, (int(low * 0.8) // step) * step)
        self.note(slide, self.t("deck_axis_from", value=fmt_money(chart.value_axis.minimum_scale or 0,
                                                                    self.currency, self.lang, compact=True)),
                  Inches(0.6), Inches(7.05), Inches(8.4), Inches(0.35), size=11, color=GREY)
        rows = [
            [self.t(k), fmt_money(v, self.currency, self.lang)]
            for k, v in (
                ("starting_arr", start),
                ("new_arr", new),
                ("expansion_arr", exp),
                ("contraction_arr", -con),
                ("churned_arr", -churn),
                ("ending_arr", end),
            )
        ]
        rows.append(
            [
                "NRR / GRR",
                f"{fmt_pct(row['net_revenue_retention'])} / {fmt_pct(row['gross_revenue_retention'])}",
            ]
        )
        self.table(slide, ["", self.currency], rows, Inches(9.3), Inches(1.9), Inches(3.6), size=12)

    def funnel_slide(self) -> None:
        slide = self.slide(self.t("funnel"))
        cohort = self._cohort(self.month)
        stages = [s for s in metrics.COHORT_STAGES[:-1] if s == "mql" or not self.missing(f"stage:{s}")]
        labels = [code_label("stage", s, self.lang) for s in stages]
        values = [0 if cohort is None else int(cohort["cohort_leads"])] + [
            0 if cohort is None else int(cohort[s]) for s in stages[1:]
        ]
        self.note(
            slide,
            self.t("cohort_funnel", month=self.m(self.month)),
            Inches(0.6),
            Inches(1.5),
            Inches(6),
            Inches(0.5),
            size=14,
            bold=True,
        )
        if self.missing("stage:mql"):
            what = measure_label("stage:mql", self.lang)
            self.note(slide, self.t("not_measurable_slide", what=what), Inches(0.6), Inches(2.0), Inches(6),
                      Inches(1.5), size=14, color=GREY)
        else:
            self.chart(
                slide,
                XL_CHART_TYPE.BAR_CLUSTERED,
                labels,
                [(self.t("leads"), values)],
                Inches(0.6),
                Inches(2.0),
                Inches(6),
                Inches(4.6),
                number_format="#,##0",
                colors=[BLUE],
            )
        period = metrics.period_funnel(self.q, Filters(start=self.month, end=self.month), "reached")
        pstages = [s for s in metrics.FUNNEL_STAGES if s != "customer" and not self.missing(f"stage:{s}")]
        pvalues = [int(period.loc[period["stage"] == s, "entries"].sum()) for s in pstages]
        self.note(
            slide,
            self.t("period_funnel", month=self.m(self.month)),
            Inches(6.9),
            Inches(1.5),
            Inches(6),
            Inches(0.5),
            size=14,
            bold=True,
        )
        self.chart(
            slide,
            XL_CHART_TYPE.BAR_CLUSTERED,
            [code_label("stage", s, self.lang) for s in pstages],
            [(self.t("leads"), pvalues)],
            Inches(6.9),
            Inches(2.0),
            Inches(6),
            Inches(4.6),
            number_format="#,##0",
            colors=[ORANGE],
        )
        for chart_shape in [s for s in slide.shapes if s.has_chart]:
            chart_shape.chart.category_axis.reverse_order = True
        if cohort is not None and cohort["is_young"]:
            self.note(
                slide, self.t("young"), Inches(0.6), Inches(6.7), Inches(6), Inches(0.4), size=11, color=GREY
            )

    def trend_months(self) -> pd.DataFrame:
        start = (pd.Timestamp(self.month) - pd.DateOffset(months=11)).date()
        return metrics.cohort_funnel(self.q, Filters(start=start, end=self.month), "mql")

    def trend_slide(self) -> None:
        slide = self.measured_slide(self.t("trend"), ["stage:mql", "stage:sql"])
        if slide is None:
            return
        data = self.trend_months()
        low, high = self.bands["mql_to_sql"]
        rates = list(data["sql"] / data["cohort_leads"])
        chart = self.chart(
            slide,
            XL_CHART_TYPE.LINE_MARKERS,
            month_categories(data["cohort_month"], self.lang),
            [
                (self.t("deck_rate"), rates),
                (self.t("band_low"), [low] * len(data)),
                (self.t("band_high"), [high] * len(data)),
            ],
            Inches(0.6),
            Inches(1.6),
            Inches(12.1),
            Inches(5.0),
            number_format=PCT,
            labels=False,
            colors=[BLUE, GREEN, GREEN],
        )
        if chart is None:
            return
        series = chart.plots[0].series
        series[0].data_labels.show_value = True
        series[0].data_labels.number_format = PCT
        series[0].data_labels.number_format_is_linked = False
        for band_series in list(series)[1:]:
            band_series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
            band_series.marker.style = XL_MARKER_STYLE.NONE
            band_series.smooth = False
        young = int(data["is_young"].sum())
        if young:
            self.note(
                slide,
                self.t("deck_young_note", n=young, days=int(self.rules["funnel_maturity_days"])),
                Inches(0.6),
                Inches(6.7),
                Inches(12),
                Inches(0.4),
                size=12,
                color=GREY,
            )

    def sla_slide(self) -> None:
        slide = self.measured_slide(self.t("sla", month=self.m(self.month)), [],
                                    needs_any=tuple(f"sla:{r}" for r in metrics.SLA_RULES if r != "all"))
        if slide is None:
            return
        by_rule = (
            metrics.sla_summary(self.sla, ["sla_rule"])
            .set_index("sla_rule")
            .reindex(metrics.SLA_RULES)
            .reset_index()
        )
        self.note(
            slide, self.t("by_rule"), Inches(0.6), Inches(1.4), Inches(6), Inches(0.4), size=14, bold=True
        )
        chart = self.chart(
            slide,
            XL_CHART_TYPE.BAR_CLUSTERED,  # horizontal: the rules' names read in full on the left
            [code_label("sla_rule", r, self.lang) for r in by_rule["sla_rule"]],
            [(self.t("compliance"), list(by_rule["compliance_rate"]))],
            Inches(0.6),
            Inches(1.8),
            Inches(6.2),
            Inches(2.8),
            number_format=PCT,
            colors=[BLUE],
        )
        if chart is not None:
            chart.category_axis.reverse_order = True  # the rules top to bottom in their order
            chart.value_axis.maximum_scale = 1.0
            every_category_label(chart, 10)
        all_rules = self.sla[self.sla["sla_rule"] == "all"]
        teams = metrics.sla_summary(all_rules, ["team"])
        self.note(
            slide, self.t("by_team"), Inches(7.0), Inches(1.4), Inches(6), Inches(0.4), size=14, bold=True
        )
        self.chart(
            slide,
            XL_CHART_TYPE.COLUMN_CLUSTERED,
            list(teams["team"]),
            [(self.t("compliance"), list(teams["compliance_rate"]))],
            Inches(7.0),
            Inches(1.8),
            Inches(5.8),
            Inches(2.7),
            number_format=PCT,
            colors=[ORANGE],
        )
        reps = metrics.sla_summary(all_rules, ["team", "owner"])
        worst = (
            reps[reps["missed"] > 0]
            .sort_values(["missed", "compliance_rate", "owner"], ascending=[False, True, True])
            .head(5)
        )
        self.note(
            slide, self.t("worst"), Inches(0.6), Inches(4.6), Inches(6), Inches(0.4), size=14, bold=True
        )
        self.table(
            slide,
            [self.t("team"), self.t("owner"), self.t("missed"), self.t("compliance")],
            [[r.team, r.owner, fmt_int(r.missed), fmt_pct(r.compliance_rate)] for r in worst.itertuples()],
            Inches(0.6),
            Inches(5.0),
            Inches(12.1),
            row_height=Inches(0.33),
            size=11,
        )

    def bottleneck_slide(self) -> None:
        slide = self.measured_slide(self.t("bottlenecks"), ["stage:mql"], self.t("bottleneck_note"),
                                    needs_any=("stage:sql", "stage:opportunity", "stage:won"))
        if slide is None:
            return
        top = metrics.bottleneck_segments(self.q, Filters(), limit=3)
        labels = [self._segment_label(r) for r in top.itertuples()]
        if len(top):
            self.chart(
                slide,
                XL_CHART_TYPE.BAR_CLUSTERED,
                labels,
                [(self.t("leads_lost"), list(top["leads_lost"]))],
                Inches(0.6),
                Inches(1.9),
                Inches(6.0),
                Inches(4.8),
                number_format="#,##0",
                colors=[RED],
            )
        rows = [
            [
                label,
                fmt_pct(r.conversion_rate),
                f"{r.target_low:.0%}–{r.target_high:.0%}",
                fmt_int(r.entered_leads),
                fmt_int(r.leads_lost),
            ]
            for label, r in zip(labels, top.itertuples(), strict=True)
        ]
        self.table(
            slide,
            [
                self.t("deck_segment"),
                self.t("conversion_rate"),
                self.t("deck_band"),
                self.t("entered"),
                self.t("leads_lost"),
            ],
            rows,
            Inches(6.8),
            Inches(2.0),
            Inches(6.1),
            size=11,
        )

    def _segment_label(self, r) -> str:
        value = code_label(r.dimension, r.dimension_value, self.lang)
        dimension = code_label("dimension", r.dimension, self.lang)
        return f"{code_label('kpi', r.kpi, self.lang)} · {dimension}: {value}"

    def neighbours(self) -> pd.DataFrame:
        """The current MQL threshold and its neighbours in the what-if grid (one step each way)."""
        grid = metrics.what_if(self.q)
        current = grid[grid["is_current"]]
        if current.empty:
            return current
        cur = current.iloc[0]
        axes = metrics.what_if_axes(grid)
        keep = pd.Series(False, index=grid.index)
        for axis in axes:  # one step either way along each threshold, the others as today
            values = sorted(grid[axis].unique())
            at = values.index(cur[axis])
            near = values[max(at - 1, 0) : at + 2]
            others = pd.Series(True, index=grid.index)
            for other in axes:
                if other != axis:
                    others &= grid[other] == cur[other]
            keep |= others & grid[axis].isin(near)
        return grid[keep].sort_values(axes).reset_index(drop=True)

    def scoring_slide(self) -> None:
        slide = self.measured_slide(self.t("scoring"), ["stage:mql", "stage:sql"])
        if slide is None:
            return
        review = metrics.mql_definition(self.q)
        overall = review[review["cohort_month"].isna()]
        low, high = self.bands["mql_to_sql"]
        if len(overall):
            o = overall.iloc[0]
            verdict = pick(VERDICTS.get(o["verdict"], (o["verdict"],) * 2), self.lang)
            self.note(
                slide,
                self.t("verdict", verdict=verdict),
                Inches(0.6),
                Inches(1.4),
                Inches(12),
                Inches(0.5),
                size=18,
                bold=True,
            )
            self.note(
                slide,
                self.t(
                    "verdict_detail", rate=fmt_pct(o["mql_to_sql_rate"]), low=f"{low:.0%}", high=f"{high:.0%}"
                ),
                Inches(0.6),
                Inches(1.9),
                Inches(12),
                Inches(0.4),
                size=14,
            )
        options = self.neighbours()
        labels = [
            " / ".join(f"{r[a]:g}" for a in metrics.what_if_axes(options))
            + (f" ({self.t('current')})" if r["is_current"] else "")
            for _, r in options.iterrows()
        ]
        self.chart(
            slide,
            XL_CHART_TYPE.COLUMN_CLUSTERED,
            labels,
            [(text("whatif_rate", self.lang), list(options["mql_to_sql_rate"]))],
            Inches(0.6),
            Inches(2.5),
            Inches(6.2),
            Inches(4.5),
            number_format=PCT,
            colors=[BLUE],
        )
        rows = [
            [label, f"{r.would_be_mqls_per_month:,.1f}", fmt_pct(r.mql_to_sql_rate)]
            for label, r in zip(labels, options.itertuples(), strict=True)
        ]
        self.table(
            slide,
            [self.t("dq_threshold"), text("whatif_mqls", self.lang), text("whatif_rate", self.lang)],
            rows,
            Inches(7.0),
            Inches(2.6),
            Inches(5.9),
            size=12,
        )

    def reasons_slide(self) -> None:
        slide = self.measured_slide(self.t("reasons", month=self.m(self.month)), ["sla:reason"])
        if slide is None:
            return
        reasons = metrics.non_sql_reasons(self.q, Filters(start=self.month, end=self.month))
        if reasons.empty:
            self.note(
                slide,
                self.t("deck_no_data", month=self.m(self.month)),
                Inches(0.6),
                Inches(2),
                Inches(12),
                Inches(1),
                size=20,
            )
            return
        labels = [code_label("reason", r, self.lang) for r in reasons["reason"]]
        chart = self.chart(  # a Pareto chart: the leads per reason, and their cumulative share
            slide,
            XL_CHART_TYPE.COLUMN_CLUSTERED,
            labels,
            [(self.t("leads"), list(reasons["leads"])), ("Σ%", list(reasons["cumulative_share"]))],
            Inches(0.6),
            Inches(1.6),
            Inches(8.0),
            Inches(5.3),
            number_format="#,##0",
            colors=[BLUE, ORANGE],
        )
        if chart is not None:
            add_secondary_line(chart, 1, "0%", maximum=1.0)
        rows = [
            [label, fmt_int(r.leads), fmt_pct(r.share), fmt_pct(r.cumulative_share)]
            for label, r in zip(labels, reasons.itertuples(), strict=True)
        ]
        self.table(
            slide,
            [self.t("deck_segment"), self.t("leads"), "%", "Σ%"],
            rows,
            Inches(8.9),
            Inches(1.7),
            Inches(4.0),
            row_height=Inches(0.35),
            size=11,
        )

    def quality_rows(self) -> pd.DataFrame:
        """The month's eight lowest SLA-field completeness results (latest run)."""
        trend = metrics.completeness_trend(self.q)
        month = trend[trend["month"] == f"{self.month:%Y-%m}"]
        return month.sort_values(["observed_value", "suite", "column_name"]).head(8).reset_index(drop=True)

    def quality_slide(self) -> None:
        slide = self.slide(self.t("quality", month=self.m(self.month)))
        runs = metrics.dq_runs(self.q)
        if len(runs):
            last = runs.iloc[-1]
            self.note(
                slide,
                self.t(
                    "dq_run",
                    checks=fmt_int(last["checks"]),
                    passed=fmt_int(last["passed"]),
                    blocking=fmt_int(last["blocking_failed"]),
                    warned=fmt_int(last["warned"]),
                    not_measurable=fmt_int(last["not_measurable"]),
                ),
                Inches(0.6),
                Inches(1.4),
                Inches(12),
                Inches(0.4),
                size=14,
            )
        rows = self.quality_rows()
        if len(rows):
            labels = [field_label(r.column_name, self.lang) for r in rows.itertuples()]
            self.note(
                slide,
                self.t("completeness"),
                Inches(0.6),
                Inches(1.9),
                Inches(7),
                Inches(0.4),
                size=14,
                bold=True,
            )
            chart = self.chart(
                slide,
                XL_CHART_TYPE.BAR_CLUSTERED,
                labels,
                [
                    (self.t("dq_observed"), list(rows["observed_value"])),
                    (self.t("dq_threshold"), list(rows["threshold"])),
                ],
                Inches(0.6),
                Inches(2.3),
                Inches(7.6),
                Inches(4.9),
                number_format=PCT,
                labels=False,
                colors=[BLUE, GREY],
            )
            if chart is not None:
                chart.category_axis.reverse_order = True
                chart.value_axis.maximum_scale = 1.0
                every_category_label(chart, 11)
                observed = chart.plots[0].series[0]
                observed.data_labels.show_value = True
                observed.data_labels.number_format = PCT
                observed.data_labels.number_format_is_linked = False
                observed.data_labels.font.size = Pt(10)
        quarantine = metrics.quarantine_summary(self.q).groupby("extract", as_index=False)["rows_"].sum()
        self.note(
            slide,
            self.t("quarantine"),
            Inches(8.5),
            Inches(1.9),
            Inches(4.5),
            Inches(0.4),
            size=14,
            bold=True,
        )
        self.table(
            slide,
            [self.t("extract"), self.t("rows_quarantined")],
            [
                [code_label("extract", r.extract, self.lang), fmt_int(r.rows_)]
                for r in quarantine.itertuples()
            ],
            Inches(8.5),
            Inches(2.3),
            Inches(4.4),
            row_height=Inches(0.33),
            size=11,
        )

    def department_rows(self) -> dict[str, list[list[str]]]:
        """Per department, its KPIs of the month: value, target and status (marts.department_kpis_monthly;
        also used by tests)."""
        rows = metrics.department_kpis(self.q, self.month, self.month)
        out = {}
        for department, items in kpis.DEPARTMENTS.items():
            own = rows[rows["department"] == department].set_index("kpi")
            out[department] = []
            for kpi, kind in items:
                r = own.loc[kpi] if kpi in own.index else None
                label = code_label("kpi", kpi, self.lang)
                if r is not None and bool(r["is_young"]):
                    label += " " + self.t("young")
                out[department].append([
                    label,
                    "–" if r is None else self._fmt(kind, r["value"]),
                    "–" if r is None else kpis.target_text(kind, r["target_low"], r["target_high"],
                                                           self.currency, self.lang),
                    "–" if r is None else kpis.status_text(r["target_status"], r["target_low"], self.lang)])
        return out

    def departments_slide(self) -> None:
        slide = self.slide(self.t("deck_departments", month=self.m(self.month)))
        positions = ((Inches(0.6), Inches(1.4)), (Inches(6.9), Inches(1.4)),
                     (Inches(0.6), Inches(4.35)), (Inches(6.9), Inches(4.35)))
        for (left, top), (department, rows) in zip(positions, self.department_rows().items(), strict=True):
            header = [code_label("department", department, self.lang), self.t("this_month"), self.t("target"),
                      self.t("deck_status")]
            table = self.table(slide, header, rows, left, top, Inches(5.9), row_height=Inches(0.27), size=10)
            for column, width in enumerate((2.6, 1.1, 1.2, 1.0)):
                table.columns[column].width = Inches(width)

    def campaigns(self) -> pd.DataFrame:
        """The month's campaign cost and return per channel (metrics.campaign_performance; also used
        by tests)."""
        return metrics.campaign_performance(self.q, Filters(start=self.month, end=self.month), "channel")

    def campaigns_slide(self) -> None:
        slide = self.measured_slide(self.t("deck_campaigns", month=self.m(self.month)), ["stage:mql"])
        if slide is None:
            return
        channels = self.campaigns()
        names = [code_label("channel", c, self.lang) for c in channels["channel"]]
        self.chart(
            slide,
            XL_CHART_TYPE.BAR_CLUSTERED,
            names,
            [(self.t("cost"), list(channels["cost"])),
             (self.t("won_arr_first_touch"), list(channels["won_arr_first_touch"]))],
            Inches(0.6),
            Inches(1.5),
            Inches(5.6),
            Inches(5.6),
            number_format=MILLIONS[self.lang],
            labels=False,
            colors=[ORANGE, BLUE],
        )
        rows = [[name, self._fmt("money", r.cost), fmt_int(r.mqls), self._fmt("money", r.cost_per_mql),
                 self._fmt("money", r.won_arr_first_touch), fmt_pct(r.roi_first_touch)]
                for name, r in zip(names, channels.itertuples(), strict=True)]
        table = self.table(slide, [self.t("channel"), self.t("cost"), self.t("mqls"), self.t("cost_per_mql"),
                                   self.t("won_arr_first_touch_short"), self.t("roi_first_touch_short")],
                           rows, Inches(6.4), Inches(1.6), Inches(6.5), row_height=Inches(0.33), size=11)
        for column, width in enumerate((1.6, 0.95, 0.75, 0.95, 1.15, 1.1)):
            table.columns[column].width = Inches(width)
        self.note(slide, self.t("campaigns_note"), Inches(6.4), Inches(6.3), Inches(6.5), Inches(0.8),
                  size=11, color=GREY)

    def forecast(self) -> tuple[dict, pd.DataFrame]:
        """The fiscal year's forecast (marts.pipeline_coverage) and its months (metrics.forecast_by_month
        within the year, company-wide; also used by tests)."""
        coverage = metrics.pipeline_coverage(self.q)
        if not coverage:
            return coverage, pd.DataFrame()
        start, end = (pd.Timestamp(coverage[k]).date() for k in ("fiscal_year_start", "fiscal_year_end"))
        months = metrics.forecast_by_month(self.q, metrics.NO_FILTERS, start)
        return coverage, months[pd.to_datetime(months["month"]).dt.date <= end].reset_index(drop=True)

    def pipeline_slide(self) -> None:
        coverage, months = self.forecast()
        fy = int(coverage["fiscal_year"]) if coverage else self.month.year
        slide = self.measured_slide(self.t("deck_forecast", fy=fy, as_of=self.as_of_text),
                                    ["money:pipeline", "stage:won"])
        if slide is None or not coverage:
            return
        categories = [c for c in metrics.FORECAST_CATEGORIES if c != "unmapped" or months[c].any()]
        self.chart(
            slide,
            XL_CHART_TYPE.COLUMN_STACKED,
            month_categories(months["month"], self.lang),
            [(code_label("forecast_category", c, self.lang), list(months[c])) for c in categories],
            Inches(0.6),
            Inches(1.6),
            Inches(8.4),
            Inches(5.4),
            number_format=MILLIONS[self.lang],
            labels=False,
            colors=[GREEN, BLUE, LIGHT_BLUE, GREY, RED][: len(categories)],
        )
        target = float(coverage["target_new_arr"])
        rows = [[self.t(label), fmt_money(coverage[key], self.currency, self.lang)]
                for label, key in (("target", "target_new_arr"), ("kpi_won_fy", "won_new_arr"),
                                   ("kpi_commit_forecast", "commit_forecast"),
                                   ("kpi_best_case_forecast", "best_case_forecast"),
                                   ("kpi_weighted_forecast", "weighted_forecast"))]
        rows.append([self.t("deck_gap"), fmt_money(coverage["remaining_new_arr"], self.currency, self.lang)])
        coverage_x = coverage["pipeline_coverage"]
        rows.append([self.t("kpi_coverage"), "–" if pd.isna(coverage_x) else f"{coverage_x:.2f}x"])
        self.table(slide, ["", self.currency], rows, Inches(9.3), Inches(1.7), Inches(3.7), size=12)
        share = float(coverage["commit_forecast"]) / target if target else None
        self.note(slide, self.t("deck_forecast_note", share=fmt_pct(share)), Inches(9.3), Inches(5.2),
                  Inches(3.7), Inches(1.5), size=14, bold=True)

    def plan(self) -> dict:
        """Next month's MQL plan against IS capacity (metrics.mql_plan; also used by tests)."""
        return metrics.mql_plan(self.q, self.month, self.rules)

    def plan_slide(self) -> None:
        next_month = (pd.Timestamp(self.month) + pd.DateOffset(months=1)).date()
        slide = self.measured_slide(f"{self.t('plan')} — {self.m(next_month)}", ["stage:mql", "stage:sql"])
        if slide is None:
            return
        p = self.plan()
        categories = [
            self.t("plan_actual"),
            self.t("plan_target"),
            self.t("plan_needed"),
            self.t("plan_capacity", reps=p["reps"], per=p["per_rep"]),
        ]
        self.chart(
            slide,
            XL_CHART_TYPE.COLUMN_CLUSTERED,
            categories,
            [(self.t("mqls"), [p["actual"], p["target"], p["needed"], p["capacity"]])],
            Inches(0.6),
            Inches(1.6),
            Inches(8.4),
            Inches(5.4),
            number_format="#,##0",
            colors=[BLUE],
        )
        per = "–" if p["plan_per_rep"] is None else f"{p['plan_per_rep']:,.1f}"
        over = p["plan"] > p["capacity"]
        self.note(
            slide,
            self.t("plan_per_rep", plan=per, per=p["per_rep"]),
            Inches(9.3),
            Inches(2.0),
            Inches(3.7),
            Inches(2.0),
            size=18,
            bold=True,
            color=RED if over else GREEN,
        )
