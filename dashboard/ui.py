"""What every page shares: the read-only query function, the sidebar (language and global filters,
kept in the URL), tables with CSV download and personal-data masking, and chart helpers."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pipelines.i18n import code_label
from pipelines.measures import measure_label
from pipelines.publish import open_serving
from pipelines.reporting import metrics
from pipelines.reporting.metrics import DIMENSIONS, Filters
from pipelines.reporting.text import MISSING, TEXT, fmt_int, fmt_money, fmt_month, fmt_pct, local_column, text
from pipelines.safe_text import PERSONAL_MASKS, spreadsheet_safe
from pipelines.workspace import Workspace

LANGUAGES = {"ja": "日本語", "en": "English"}
# URL parameter per filter (short and stable: links people share keep working).
URL_KEYS = {
    "channel": "channel",
    "campaign": "campaign",
    "segment": "segment",
    "industry": "industry",
    "size_band": "size",
    "region": "region",
    "owner": "owner",
}
COLORS = {"primary": "#1f5fa8", "accent": "#e07b39", "muted": "#b8c7dc", "band": "#2e9d5b", "bad": "#c8453b"}


@dataclass(frozen=True)
class Context:
    lang: str
    q: metrics.Query
    filters: Filters
    timezone: str
    currency: str
    mask: bool
    rules: dict
    as_of: pd.Timestamp
    months: list[date]
    last_complete_month: date  # the reporting month: the one before the as-of month (marts.int_as_of)
    as_of_month: date  # the month in progress, drawn and labelled as partial
    compare: str = "prev_month"  # what a month is compared with: prev_month or prev_year (COMPARISONS)

    def compared_month(self, month: date) -> date:
        """The month `month`'s figures are compared with: the month before, or the same month a
        year before."""
        return _add_months(month, -1 if self.compare == "prev_month" else -12)

    @property
    def report_month(self) -> date:
        """Headline month: the filter's end month (by default the last complete month); a month
        still in progress is the user's pick, and says it is partial (month_label)."""
        return self.filters.end or self.last_complete_month

    def month_label(self, month) -> str:
        month = pd.Timestamp(month).date()
        return fmt_month(month, self.lang) + (self.t("partial_suffix") if month == self.as_of_month else "")

    def t(self, key: str, **values) -> str:
        return text(key, self.lang, **values)

    def label(self, kind: str, code) -> str:
        return code_label(kind, code, self.lang)


# --- data access -----------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=2)
def _serving(path: str, version: str) -> duckdb.DuckDBPyConnection:
    """One read-only connection per published copy (`version`), shared by the sessions: its block
    cache serves every page, and attaching the file costs once, not per query. Publication replaces
    the file atomically: a new version opens the new copy, and readers of the old one finish on it.
    The pipeline never writes this file, so no lock is held that a run needs."""
    return open_serving(Path(path))


@st.cache_data(show_spinner=False, max_entries=2000)
def _cached_query(path: str, version: str, sql: str, params: tuple) -> pd.DataFrame:
    cursor = _serving(path, version).cursor()  # a cursor per query: one connection, many threads
    try:
        cursor.execute("USE serving")
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


def serving_version(serving: Path) -> str:
    """Changes with every publication (a new file), so cached results follow it."""
    stat = serving.stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}"


def query_for(serving: Path) -> metrics.Query:
    version = serving_version(serving)

    def q(sql: str, params: tuple = ()) -> pd.DataFrame:
        return _cached_query(str(serving), version, sql, tuple(params))

    return q


def workspace() -> Workspace:
    return Workspace.resolve(os.environ.get("LEADJOURNEY_WORKSPACE"))


# --- sidebar and URL -------------------------------------------------------------------------


def _from_url(name: str) -> list[str]:
    raw = st.query_params.get(name, "")
    return [v for v in raw.split(",") if v]


def _month_from_url(name: str, months: list[date]) -> date | None:
    raw = st.query_params.get(name, "")
    try:
        chosen = date.fromisoformat(raw + "-01") if raw else None
    except ValueError:
        return None
    return chosen if chosen in months else None


def setup() -> Context | None:
    """Sidebar language switch and global filters; returns the page context, or None (with a
    message shown) when nothing has been published yet."""
    ws = workspace()
    q = query_for(ws.serving) if ws.serving.exists() else None
    rules, stale = {}, None
    if q is not None:
        try:  # the rules the published data was built with (config.rules), read once
            rules = metrics.rules(q)
            months = metrics.months(q)
            pub = metrics.publication(q)
        except duckdb.CatalogException as exc:  # published by an older leadjourney
            stale = str(exc).splitlines()[0]
    if "lang" not in st.session_state:
        url_lang = st.query_params.get("lang")
        st.session_state["lang"] = url_lang if url_lang in LANGUAGES else rules.get("default_language", "ja")
    lang = st.sidebar.radio(
        text("language", st.session_state["lang"]),
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        key="lang",
        horizontal=True,
    )
    if q is None:
        st.error(text("no_serving", lang, path=ws.serving))
        return None
    if stale is not None:
        st.error(text("stale_serving", lang, path=ws.serving, error=stale))
        return None
    mask = bool(rules.get("mask_personal_data", True))  # masked unless the rules turn it off
    as_of_local = local_column(pd.Series([pub["as_of"]]), rules["business_timezone"]).iloc[0]
    last_complete = pd.Timestamp(pub["last_complete_month"]).date()
    complete = [m for m in months if m <= last_complete]
    as_of_month = pd.Timestamp(pub["as_of_month"]).date()
    filters = _filters(q, lang, months, complete[-1] if complete else None, as_of_month,
                       int(rules["fiscal_year_start_month"]))
    ctx = Context(
        lang=lang,
        q=q,
        filters=filters,
        timezone=rules["business_timezone"],
        currency=rules["reporting_currency"],
        mask=mask,
        rules=rules,
        as_of=pd.Timestamp(pub["as_of"]),
        months=months,
        last_complete_month=last_complete,
        as_of_month=as_of_month,
        compare=st.session_state.get("_compare", "prev_month"),
    )
    st.sidebar.caption(f"{ctx.t('data_as_of')}: {as_of_local:%Y-%m-%d %H:%M} ({ctx.timezone})")
    return ctx


# Period presets of the sidebar (URL ?period=...), each a range of months relative to the as-of month.
PRESETS = ("custom", "last_month", "last_12_months", "this_fiscal_quarter", "fiscal_year_to_date",
           "previous_fiscal_year")
# What a month's figures are compared with (URL ?compare=...): the month before, or a year before.
COMPARISONS = ("prev_month", "prev_year")


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def preset_range(preset: str, as_of_month: date, fiscal_year_start_month: int) -> tuple[date, date] | None:
    """The first and last month of a period preset: the last complete month, the twelve complete
    months before the as-of month, or the fiscal quarter or year so far (the month in progress
    included: it is labelled partial), or the previous fiscal year; None for 'custom'."""
    last_complete = _add_months(as_of_month, -1)
    fiscal_month = (as_of_month.month - fiscal_year_start_month) % 12  # 0: the fiscal year's first month
    year_start = _add_months(as_of_month, -fiscal_month)
    return {
        "custom": None,
        "last_month": (last_complete, last_complete),
        "last_12_months": (_add_months(as_of_month, -12), last_complete),
        "this_fiscal_quarter": (_add_months(as_of_month, -(fiscal_month % 3)), as_of_month),
        "fiscal_year_to_date": (year_start, as_of_month),
        "previous_fiscal_year": (_add_months(year_start, -12), _add_months(year_start, -1)),
    }[preset]


def _clamp(months: list[date], start: date, end: date) -> tuple[date, date]:
    """The preset's range within the months with data (the nearest months that have it)."""
    inside = [m for m in months if start <= m <= end]
    if inside:
        return inside[0], inside[-1]
    before = [m for m in months if m <= end]
    return (before[-1], before[-1]) if before else (months[0], months[0])


def _filters(q: metrics.Query, lang: str, months: list[date], default_end: date | None,
             as_of_month: date | None = None, fiscal_year_start_month: int = 4) -> Filters:
    side = st.sidebar
    side.subheader(text("filters", lang))
    if not months:
        return Filters()
    as_of_month = as_of_month or months[-1]

    def apply_preset() -> None:
        chosen = preset_range(st.session_state["f_period"], as_of_month, fiscal_year_start_month)
        if chosen is not None:
            st.session_state["f_from"], st.session_state["f_to"] = _clamp(months, *chosen)

    def custom() -> None:  # a month picked by hand: the range is the user's own
        st.session_state["f_period"] = "custom"

    if "f_period" not in st.session_state:
        url_period = st.query_params.get("period", "custom")
        st.session_state["f_period"] = url_period if url_period in PRESETS else "custom"
        url_compare = st.query_params.get("compare", "prev_month")
        st.session_state["f_compare"] = url_compare if url_compare in COMPARISONS else "prev_month"
    if "f_from" not in st.session_state:
        end = _month_from_url("to", months) or default_end or months[-1]
        start = _month_from_url("from", months) or months[max(0, months.index(end) - 11)]
        st.session_state["f_from"], st.session_state["f_to"] = start, end
        apply_preset()  # a shared link's preset stays relative to the data's as-of month
    if st.session_state["f_from"] not in months:
        st.session_state["f_from"] = months[0]
    if st.session_state["f_to"] not in months:
        st.session_state["f_to"] = months[-1]
    side.selectbox(text("period", lang), PRESETS, key="f_period", on_change=apply_preset,
                   format_func=lambda p: text(f"period_{p}", lang))
    start = side.selectbox(text("from", lang), months, key="f_from", on_change=custom,
                           format_func=lambda m: fmt_month(m, lang))
    end = side.selectbox(text("to", lang), months, key="f_to", on_change=custom,
                         format_func=lambda m: fmt_month(m, lang))
    compare = side.selectbox(text("compare", lang), COMPARISONS, key="f_compare",
                             format_func=lambda c: text(f"compare_{c}", lang))
    if start > end:
        start, end = end, start
    chosen: dict[str, tuple[str, ...]] = {}
    all_options = metrics.filter_options(q)
    for dim in DIMENSIONS:
        options = all_options[dim]
        values = list(options["value"])
        names = dict(zip(options["value"], options["name"], strict=True))
        key = f"f_{dim}"
        if key not in st.session_state:
            st.session_state[key] = [v for v in _from_url(URL_KEYS[dim]) if v in values]
        else:
            st.session_state[key] = [v for v in st.session_state[key] if v in values]

        def label(value, dim=dim, names=names):
            if isinstance(names.get(value), str):  # a campaign: its name and id
                return f"{names[value]} ({value})"
            return code_label(dim, value, lang)

        side.multiselect(
            text(f"dim_{dim}", lang), values, key=key, format_func=label, placeholder=text("all_values", lang)
        )
        if st.session_state[key]:
            chosen[dim] = tuple(st.session_state[key])
    if side.button(text("reset_filters", lang), key="reset"):
        for dim in DIMENSIONS:
            st.session_state.pop(f"f_{dim}", None)
        for key in ("f_from", "f_to", "f_period", "f_compare"):
            st.session_state.pop(key, None)
        st.query_params.clear()
        st.rerun()
    side.caption(text("share_hint", lang))
    params = {"lang": lang, "from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}"}
    if st.session_state["f_period"] != "custom":
        params["period"] = st.session_state["f_period"]
    if compare != "prev_month":
        params["compare"] = compare
    params.update({URL_KEYS[d]: ",".join(v) for d, v in chosen.items()})
    params.update({k: st.query_params[k] for k in DRILL_KEYS if k in st.query_params})
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)
    st.session_state["_compare"] = compare
    return Filters(start=start, end=end, values=chosen)


def context() -> Context:
    return st.session_state["_context"]


# --- what the loaded sources cannot measure ------------------------------------------------------


def coverage_notice(ctx: Context, measures) -> set[str]:
    """Say once, at the top of a page, which of its measures no loaded source carries; returns
    them so the page shows those as not measurable instead of as zero."""
    missing = metrics.not_measurable(ctx.q, measures)
    if missing:
        what = ", ".join(measure_label(m, ctx.lang) for m in missing)
        st.info(ctx.t("not_measurable_notice", what=what))
    return set(missing)


def measurable(missing: set[str], *measures: str) -> bool:
    return not any(m in missing for m in measures)


def unmeasurable_metric(column, ctx: Context, label: str, missing: set[str], *measures: str) -> None:
    """A metric card that says it cannot be measured, and why."""
    what = ", ".join(measure_label(m, ctx.lang) for m in measures if m in missing)
    column.metric(label, ctx.t("not_measurable"), help=ctx.t("not_measurable_help", what=what))


# --- tables ----------------------------------------------------------------------------------




def prepare(
    ctx: Context,
    df: pd.DataFrame,
    columns: list[str],
    codes: dict[str, str] | None = None,
    local_times: tuple[str, ...] = (),
    months: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The rows as shown: chosen columns, codes labelled, times local, personal data masked,
    headers in the language."""
    out = df[columns].copy()
    for column, kind in (codes or {}).items():
        if column in out:
            out[column] = out[column].map(lambda v, kind=kind: ctx.label(kind, v))
    for column in local_times:
        if column in out:
            out[column] = local_column(out[column], ctx.timezone).dt.strftime("%Y-%m-%d %H:%M")
    for column in months:
        if column in out:
            out[column] = out[column].map(lambda v: fmt_month(v, ctx.lang))
    if ctx.mask:
        for column, mask in PERSONAL_MASKS.items():
            if column in out:
                out[column] = out[column].map(mask)
    labels = labels or {}
    headers = {c: labels.get(c) or (ctx.t(c) if c in TEXT else c) for c in columns}
    return out.rename(columns=headers)


def money(ctx: Context, value) -> str:
    """An amount as the cards show it: ¥4.5億 / ¥450.00M ('–' when missing)."""
    return fmt_money(value, ctx.currency, ctx.lang, compact=True)


def csv_download(df: pd.DataFrame) -> bytes:
    """A shown table as the CSV its download gives: UTF-8 with BOM, no cell a spreadsheet runs."""
    return df.map(spreadsheet_safe).to_csv(index=False).encode("utf-8-sig")


WIDE_TABLE_COLUMNS = 6  # wider tables keep their first column pinned


def table(ctx: Context, df: pd.DataFrame, key: str, total: int | None = None, **column_config) -> None:
    """Show a prepared table with a CSV download (UTF-8 with BOM, opens in Excel). Numbers read
    as everywhere else: counts and amounts with thousands separators, rates (pct_column) with one
    decimal, as fmt_pct writes them; the download keeps the values as they are."""
    if df.empty:
        st.info(ctx.t("no_data"))
        return
    shown, config = df.copy(), {}
    for column in df.columns:
        spec = column_config.get(column)
        if isinstance(spec, Percent):  # a fraction shown as a percentage with one decimal
            shown[column] = pd.to_numeric(df[column], errors="coerce") * 100
            config[column] = st.column_config.NumberColumn(spec.label, format="%.1f%%")
        elif isinstance(spec, Points):  # a difference of rates in signed percentage points
            shown[column] = pd.to_numeric(df[column], errors="coerce") * 100
            config[column] = st.column_config.NumberColumn(spec.label, format="%+.1f pt")
        elif spec is not None:
            config[column] = spec
        elif pd.api.types.is_numeric_dtype(df[column]) and not pd.api.types.is_bool_dtype(df[column]):
            config[column] = st.column_config.NumberColumn(format="localized")
    if len(df.columns) > WIDE_TABLE_COLUMNS:  # the row's name stays in view while the table scrolls
        first = df.columns[0]
        config[first] = {**config.get(first, st.column_config.Column()), "pinned": True}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config or None,
                 placeholder=MISSING)  # a missing value reads "–", as on the cards, not "None"
    if total is not None and total > len(df):
        st.caption(ctx.t("rows_shown", shown=len(df), total=total))
    st.download_button(
        ctx.t("download_csv"),
        csv_download(df),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"dl_{key}",
    )


def lead_list(ctx: Context, leads: pd.DataFrame, key: str, total: int) -> None:
    """The lead cycles behind a number (a drill-down: metrics' transition and stage leads), as a
    table with its download; personal data masked unless the rules turn masking off."""
    shown = prepare(
        ctx,
        leads,
        ["cohort_month", "lead_id", "person_name", "email", "account_name", "segment", "original_channel",
         "owner", "grade", "score", "mql_reached_at", "sql_reached_at", "decision", "non_sql_reason"],
        codes={"segment": "segment", "original_channel": "channel", "decision": "decision",
               "non_sql_reason": "reason"},
        local_times=("mql_reached_at", "sql_reached_at"),
        months=("cohort_month",),
    )
    table(ctx, shown, key, total=total)
    if ctx.mask:
        st.caption(ctx.t("masked_note"))


def delta(ctx: Context, change: str | None, basis: str) -> str | None:
    """A metric's delta chip saying what it compares with: basis prev_month, target or band."""
    return None if change is None else f"{change} {ctx.t('delta_' + basis)}"


@dataclass(frozen=True)
class Percent:
    """A table column of rates (fractions) under `label`, shown as percentages with one decimal."""

    label: str


def pct_column(ctx: Context, label_key: str) -> Percent:
    """A table column of rates (fractions), shown as percentages with one decimal (see table)."""
    return Percent(ctx.t(label_key))


@dataclass(frozen=True)
class Points:
    """A table column of differences between rates under `label`, shown as +2.6 pt (fmt_points)."""

    label: str


def points_column(ctx: Context, label_key: str) -> Points:
    """A table column of rate differences (a gap to target), in signed percentage points."""
    return Points(ctx.t(label_key))


# --- charts ----------------------------------------------------------------------------------


def band(fig: go.Figure, ctx: Context, low: float, high: float, **kwargs) -> go.Figure:
    fig.add_hrect(
        y0=low,
        y1=high,
        fillcolor=COLORS["band"],
        opacity=0.12,
        line_width=0,
        annotation_text=f"{ctx.t('target_band')} {low:.0%}–{high:.0%}",
        annotation_position="top left",
        **kwargs,
    )
    return fig


def funnel(labels: list[str], values, share: str | None = None) -> go.Funnel:
    """A funnel whose bars read as the tables do: counts with thousands separators (fmt_int, not
    plotly's 154.805k) and, with `share` ('previous' or 'initial'), each stage's share of the stage
    before it or of the first, as fmt_pct writes rates."""
    values = [float(v) for v in values]
    text = [fmt_int(v) for v in values]
    if share is not None:
        bases = [values[0]] + (values[:-1] if share == "previous" else [values[0]] * (len(values) - 1))
        text = [f"{count}<br>{fmt_pct(v / b if b else None)}"
                for count, v, b in zip(text, values, bases, strict=True)]
    return go.Funnel(y=labels, x=values, text=text, textinfo="text", marker_color=COLORS["primary"])


def target_line(fig: go.Figure, ctx: Context, value: float, text_value: str, **kwargs) -> go.Figure:
    fig.add_hline(
        y=value,
        line_dash="dash",
        line_color=COLORS["band"],
        annotation_text=f"{ctx.t('target')} {text_value}",
        annotation_position="top left",
        **kwargs,
    )
    return fig


def layout(fig: go.Figure, height: int = 360, **kwargs) -> go.Figure:
    """The charts' common layout: numbers with thousands separators on every axis that has no
    format of its own (never plotly's 1.5k / 2.709B), and month axes in short horizontal labels."""
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        separators=".,",
        **kwargs,
    )
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        if axis.tickformat is None and axis.ticktext is None:
            axis.tickformat = ","
    _month_ticks(fig)
    return fig


def money_axis(fig: go.Figure, ctx: Context, values, axis: str = "yaxis") -> go.Figure:
    """An axis of money in the cards' units (¥2.5億 / ¥250万 in Japanese, ¥2.50B / ¥250.00M in
    English), with about five round ticks over the values and zero."""
    values = [float(v) for v in values if v == v]
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0
    raw = span / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = [first + i * step for i in range(int(math.ceil((high - first) / step)) + 1)]
    # round ticks read without trailing zeros: ¥100M, ¥2.5B, ¥1億
    labels = [re.sub(r"\.(\d*?)0+(?=\D*$)", lambda m: "." + m[1] if m[1] else "",
                     fmt_money(v, ctx.currency, ctx.lang, compact=True)) for v in ticks]
    fig.update_layout({axis: {"tickmode": "array", "tickvals": ticks, "ticktext": labels,
                              "hoverformat": ",.0f"}})
    return fig


# month label (as month_labels writes it) -> the month and the language, for the axis ticks
_MONTH_LABELS: dict[str, tuple[date, str, bool]] = {}


def _month_ticks(fig: go.Figure) -> None:
    """On a chart whose x categories are month labels, ticks that fit under the bars: horizontal,
    the month alone with the year under the first tick and wherever the year changes (10月 /
    2026年1月; Oct / Jan 2026), every second or third month when there are more than twelve. When
    the second tick starts a new year, the first goes without its year."""
    categories = list(dict.fromkeys(x for trace in fig.data if getattr(trace, "x", None) is not None
                                    and getattr(trace, "orientation", None) != "h" for x in trace.x))
    if not categories or not all(isinstance(c, str) and c in _MONTH_LABELS for c in categories):
        return
    step = math.ceil(len(categories) / 12)
    shown, ticks, year = [], [], None
    picked = categories[::step]
    for i, label in enumerate(picked):
        month, lang, partial = _MONTH_LABELS[label]
        short = f"{month.month}月" if lang == "ja" else fmt_month(month, "en").split()[0]
        # the first tick carries its year unless the next one starts a new year (the two year
        # lines would run into each other under neighbouring bars)
        next_year = _MONTH_LABELS[picked[i + 1]][0].year if i + 1 < len(picked) else month.year
        if i == 0 and next_year != month.year:
            year = month.year
        if month.year != year:
            short += f"<br>{month.year}年" if lang == "ja" else f"<br>{month.year}"
            year = month.year
        shown.append(label)
        ticks.append(short + (f"<br>{text('partial_suffix', lang).strip()}" if partial else ""))
    fig.update_xaxes(tickmode="array", tickvals=shown, ticktext=ticks, tickangle=0)
    # the legend below the ticks, clear of their year line
    lines = max(tick.count("<br>") + 1 for tick in ticks)
    fig.update_layout(legend_y=-0.08 - 0.07 * lines)


def chart(fig: go.Figure, key: str, select: bool = False):
    """Draw a chart; with select, a click on a bar or point reruns the page and the selection
    event is returned (see drill)."""
    if not select:
        st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})
        return None
    return st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False}, on_select="rerun",
                           selection_mode="points")


# Page-level URL keys a drill-down keeps (the filters rewrite the rest of the URL on every run).
DRILL_KEYS = ("drill", "month")


def drill(event, widget: str, url_key: str, options: list, curve: int | None = None, default=None) -> None:
    """Clicking chart `event`'s bar `i` (of trace `curve`, or any) chooses options[i] in the selectbox
    `widget`, which the page draws next; the choice lives in the URL (?url_key=) so a link opens
    the same drill-down. A click applies once: the user may choose another in the selectbox. Without
    a click or a URL choice: `default`, else the first option."""
    points = [p for p in (event.selection.points if event else [])
              if curve is None or p.get("curve_number", 0) == curve]
    click = points[0].get("point_index") if points else None
    if click is not None and click != st.session_state.get(f"_{widget}_click") and click < len(options):
        st.session_state[widget] = options[click]
    st.session_state[f"_{widget}_click"] = click
    if widget not in st.session_state or st.session_state[widget] not in options:
        from_url = st.query_params.get(url_key)
        matched = [o for o in options if str(o) == from_url]
        st.session_state[widget] = matched[0] if matched else default if default in options else options[0]


def keep_in_url(url_key: str, value) -> None:
    """A drill-down's choice in the URL (DRILL_KEYS)."""
    if st.query_params.get(url_key) != str(value):
        st.query_params[url_key] = str(value)


def month_labels(ctx: Context, values) -> list[str]:
    """Month axis labels (the categories: 2026年10月 / Oct 2026); the month in progress says it is
    partial. layout() shows them as short ticks."""
    labels = []
    for value in values:
        month = pd.Timestamp(value).date()
        label = ctx.month_label(month)
        _MONTH_LABELS[label] = (month, ctx.lang, month == ctx.as_of_month)
        labels.append(label)
    return labels
