"""The charts' axes as an executive reads them: money in the cards' units, months in short
horizontal ticks with the year where it changes, counts with thousands separators; and the labels
of the fields the data-quality checks name."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from dashboard import ui
from pipelines.i18n import field_label


class _Ctx:  # what the axis helpers read from the page context
    def __init__(self, lang: str):
        self.lang, self.currency, self.as_of_month = lang, "JPY", date(2026, 10, 1)

    def month_label(self, month) -> str:
        return ui.Context.month_label(self, month)

    def t(self, key: str, **values) -> str:
        return ui.text(key, self.lang, **values)


def test_money_ticks_are_round_and_in_the_cards_units():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[-20_000_000, 230_000_000]))
    ja = ui.money_axis(fig, _Ctx("ja"), [-20_000_000, 230_000_000]).layout.yaxis
    # span 250M / 5 = 50M: ticks every ¥5,000万 from -¥5,000万 to ¥2.5億
    assert list(ja.tickvals) == [-50_000_000, 0, 50_000_000, 100_000_000, 150_000_000, 200_000_000,
                                 250_000_000]
    assert list(ja.ticktext) == ["-¥5,000万", "¥0", "¥5,000万", "¥1億", "¥1.5億", "¥2億", "¥2.5億"]
    en = ui.money_axis(go.Figure(), _Ctx("en"), [0, 230_000_000]).layout.yaxis
    assert list(en.ticktext) == ["¥0", "¥50M", "¥100M", "¥150M", "¥200M", "¥250M"]


def test_month_ticks_are_short_horizontal_with_the_year_where_it_changes():
    months = [date(2025, m, 1) for m in (11, 12)] + [date(2026, m, 1) for m in range(1, 11)]
    ctx = _Ctx("ja")
    fig = ui.layout(go.Figure(go.Bar(x=ui.month_labels(ctx, months), y=[1500] * 12)))
    assert list(fig.layout.xaxis.ticktext) == (
        ["11月<br>2025年", "12月", "1月<br>2026年"] + [f"{m}月" for m in range(2, 10)] + ["10月<br>（途中）"])
    assert fig.layout.xaxis.tickangle == 0
    assert fig.layout.yaxis.tickformat == ","  # 1,500, not 1.5k
    # more than twelve months: every second one, the year still shown where it changes
    longer = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, m, 1) for m in range(1, 5)]
    fig = ui.layout(go.Figure(go.Bar(x=ui.month_labels(_Ctx("en"), longer), y=[1] * 16)))
    assert list(fig.layout.xaxis.ticktext) == ["Jan<br>2025", "Mar", "May", "Jul", "Sep", "Nov",
                                               "Jan<br>2026", "Mar"]
    # a December first: its year would run into January's, so the year line starts under January
    winter = [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    fig = ui.layout(go.Figure(go.Bar(x=ui.month_labels(ctx, winter), y=[1] * 3)))
    assert list(fig.layout.xaxis.ticktext) == ["12月", "1月<br>2026年", "2月"]
    # months after the one in progress (a forecast's close months) are not partial
    ahead = [date(2026, 10, 1), date(2026, 11, 1)]
    fig = ui.layout(go.Figure(go.Bar(x=ui.month_labels(ctx, ahead), y=[1] * 2)))
    assert list(fig.layout.xaxis.ticktext) == ["10月<br>2026年<br>（途中）", "11月"]


def test_checked_fields_read_as_words():
    assert field_label("decided_at", "ja") == "判定日時"
    assert field_label("ma_activities.lead_id → ma_leads.lead_id", "en") == \
        "MA activities Lead id → MA leads Lead id"
    assert field_label(None, "ja") == ""


def test_period_presets_follow_the_fiscal_year():
    """As of December 2026 with an April fiscal year: the preset ranges a user picks."""
    as_of = date(2026, 12, 1)
    assert ui.preset_range("last_month", as_of, 4) == (date(2026, 11, 1), date(2026, 11, 1))
    assert ui.preset_range("last_12_months", as_of, 4) == (date(2025, 12, 1), date(2026, 11, 1))
    assert ui.preset_range("this_fiscal_quarter", as_of, 4) == (date(2026, 10, 1), date(2026, 12, 1))
    assert ui.preset_range("fiscal_year_to_date", as_of, 4) == (date(2026, 4, 1), date(2026, 12, 1))
    assert ui.preset_range("previous_fiscal_year", as_of, 4) == (date(2025, 4, 1), date(2026, 3, 1))
    # a calendar fiscal year, as of its first month
    assert ui.preset_range("fiscal_year_to_date", date(2027, 1, 1), 1) == (date(2027, 1, 1), date(2027, 1, 1))
    assert ui.preset_range("this_fiscal_quarter", date(2027, 2, 1), 1) == (date(2027, 1, 1), date(2027, 2, 1))
    assert ui.preset_range("custom", as_of, 4) is None
