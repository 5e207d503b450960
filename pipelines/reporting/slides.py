"""Layout of the review deck's slides: the theme (size, colours, number formats) and the helpers
that place a title, a note, a table or a native chart. What the slides say lives in deck.py."""

from __future__ import annotations

import re

import pandas as pd
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.util import Emu, Inches, Pt

from pipelines.measures import measure_label
from pipelines.reporting.text import fmt_month, text
from pipelines.safe_text import spreadsheet_safe

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
BLUE, ORANGE, GREEN, RED, GREY = (
    RGBColor(0x1F, 0x5F, 0xA8),
    RGBColor(0xE0, 0x7B, 0x39),
    RGBColor(0x2E, 0x9D, 0x5B),
    RGBColor(0xC8, 0x45, 0x3B),
    RGBColor(0x88, 0x88, 0x88),
)
LIGHT_BLUE = RGBColor(0x5B, 0x8F, 0xD0)  # best case, beside commit's BLUE
PCT = "0.0%"
# Value-axis and label format for money in millions (the reporting currency).
MILLIONS = {"ja": '#,##0,,"百万"', "en": '#,##0,,"M"'}
ROW_HEIGHT = Inches(0.4)
# The theme's fonts: a modern Japanese sans serif (Windows and macOS have it; LibreOffice falls
# back to another Gothic), with a matching Latin face.
FONTS = {"latin": "Segoe UI", "ea": "Yu Gothic"}


def set_theme_fonts(prs) -> None:
    """Every text of the deck in the theme's fonts (FONTS): the major (titles) and minor (body)
    fonts of the slide master's theme."""
    theme = prs.slide_master.part.part_related_by(RT.THEME)
    xml = theme.blob.decode("utf-8")
    for script, face in FONTS.items():
        xml = re.sub(rf'<a:{script} typeface="[^"]*"', f'<a:{script} typeface="{face}"', xml)
    theme._blob = xml.encode("utf-8")


def month_categories(months, lang: str) -> list[str]:
    """Short month labels for a chart's axis that do not run together: the month alone, with the
    year on the first and on every January (2026年1月 / Jan 2026)."""
    labels = []
    for i, m in enumerate(pd.Timestamp(v).date() for v in months):
        with_year = i == 0 or m.month == 1
        if lang == "ja":
            labels.append(f"{m.year}年{m.month}月" if with_year else f"{m.month}月")
        else:
            short = fmt_month(m, "en").split()[0]
            labels.append(f"{short} {m.year}" if with_year else short)
    return labels


def every_category_label(chart, size: int = 11) -> None:
    """Every category of the chart labelled (PowerPoint skips some when they crowd), in `size` pt."""
    chart.category_axis.tick_labels.font.size = Pt(size)
    axis = chart._chartSpace.chart.plotArea.find(qn("c:catAx"))
    for old in axis.findall(qn("c:tickLblSkip")):
        axis.remove(old)
    skip = parse_xml(f'<c:tickLblSkip {nsdecls("c")} val="1"/>')
    after = axis.find(qn("c:noMultiLvlLbl"))
    if after is not None:
        after.addprevious(skip)
    else:
        axis.append(skip)


def add_secondary_line(chart, series_index: int, number_format: str, maximum: float | None = None) -> None:
    """Draw series `series_index` of a column chart as a line on a secondary value axis on the
    right (a Pareto chart's cumulative share): the series moves, with its data, from the bar plot
    into a line plot of its own."""
    plot_area = chart._chartSpace.chart.plotArea
    bar = plot_area.find(qn("c:barChart"))
    ser = bar.findall(qn("c:ser"))[series_index]
    bar.remove(ser)
    for tag in ("c:invertIfNegative",):
        for element in ser.findall(qn(tag)):
            ser.remove(element)
    ser.append(parse_xml(f'<c:smooth {nsdecls("c")} val="0"/>'))
    cat_id, val_id = "91000001", "91000002"
    line = parse_xml(
        f'<c:lineChart {nsdecls("c")}><c:grouping val="standard"/><c:varyColors val="0"/></c:lineChart>')
    line.append(ser)
    line.append(parse_xml(f'<c:marker {nsdecls("c")} val="1"/>'))
    line.append(parse_xml(f'<c:axId {nsdecls("c")} val="{cat_id}"/>'))
    line.append(parse_xml(f'<c:axId {nsdecls("c")} val="{val_id}"/>'))
    bar.addnext(line)
    scaling = f'<c:max val="{maximum}"/>' if maximum is not None else ""
    last_axis = plot_area.findall(qn("c:valAx"))[-1]
    category = parse_xml(
        f'<c:catAx {nsdecls("c")}><c:axId val="{cat_id}"/>'
        f'<c:scaling><c:orientation val="minMax"/></c:scaling>'
        f'<c:delete val="1"/><c:axPos val="b"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/>'
        f'<c:tickLblPos val="nextTo"/><c:crossAx val="{val_id}"/><c:crosses val="autoZero"/><c:auto val="1"/>'
        f'<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>')
    value = parse_xml(
        f'<c:valAx {nsdecls("c")}><c:axId val="{val_id}"/><c:scaling><c:orientation val="minMax"/>{scaling}'
        f'<c:min val="0"/></c:scaling><c:delete val="0"/><c:axPos val="r"/>'
        f'<c:numFmt formatCode="{number_format}" sourceLinked="0"/><c:majorTickMark val="out"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="{cat_id}"/>'
        f'<c:crosses val="max"/><c:crossBetween val="between"/></c:valAx>')
    last_axis.addnext(category)
    category.addnext(value)


class SlideLayout:
    """Slide helpers; a subclass sets prs, lang, month, partial, as_of_text and coverage."""

    def t(self, key: str, **values) -> str:
        return text(key, self.lang, **values)

    def m(self, value) -> str:
        return fmt_month(value, self.lang)

    def slide(self, title: str, subtitle: str | None = None):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])  # title only
        heading = slide.shapes.title
        heading.text = title
        heading.left, heading.top, heading.width, heading.height = (
            Inches(0.6),
            Inches(0.3),
            Inches(12.1),
            Inches(0.9),
        )
        heading.text_frame.paragraphs[0].font.size = Pt(28)
        heading.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
        if subtitle:
            self.note(slide, subtitle, Inches(0.6), Inches(1.25), Inches(12), Inches(0.5), size=14)
        if self.partial:  # every slide of a month in progress says so
            self.note(slide, self.t("partial_month", month=self.m(self.month), as_of=self.as_of_text),
                      Inches(0.6), Inches(7.0), Inches(12), Inches(0.4), size=12, bold=True, color=RED)
        return slide

    def missing(self, *measures: str) -> list[str]:
        return [m for m in measures if not self.coverage.get(m, False)]

    def measured_slide(self, title: str, needs: list[str], subtitle: str | None = None,
                       needs_any: tuple[str, ...] = ()):
        """The slide when the loaded sources carry every measure of `needs` and one of `needs_any`;
        else None, after writing the slide with a note naming what they lack."""
        missing = self.missing(*needs)
        lacking_any = needs_any and len(self.missing(*needs_any)) == len(needs_any)
        if not missing and not lacking_any:
            return self.slide(title, subtitle)
        slide = self.slide(title)
        lacking = missing + (list(needs_any) if lacking_any else [])
        what = ", ".join(measure_label(m, self.lang) for m in lacking)
        self.note(slide, self.t("not_measurable_slide", what=what), Inches(0.6), Inches(2), Inches(12),
                  Inches(1.5), size=20)
        return None

    @staticmethod
    def note(slide, text: str, left, top, width, height, size: int = 14, bold: bool = False, color=None):
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.text = line
            para.font.size = Pt(size)
            para.font.bold = bold
            if color is not None:
                para.font.color.rgb = color
        return box

    @staticmethod
    def table(
        slide,
        header: list[str],
        rows: list[list[str]],
        left,
        top,
        width,
        row_height=ROW_HEIGHT,
        size: int = 12,
    ):
        shape = slide.shapes.add_table(
            len(rows) + 1, len(header), left, top, width, Emu(row_height * (len(rows) + 1))
        )
        table = shape.table
        for c, value in enumerate(header):
            table.cell(0, c).text = value
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                table.cell(r, c).text = spreadsheet_safe(value)
        for row in table.rows:
            for cell in row.cells:
                for para in cell.text_frame.paragraphs:
                    para.font.size = Pt(size)
        return table

    def chart(
        self,
        slide,
        kind,
        categories: list[str],
        series: list[tuple[str, list]],
        left,
        top,
        width,
        height,
        number_format: str | None = None,
        legend: bool = True,
        labels: bool = True,
        colors=None,
    ):
        if not categories:  # nothing to draw: say so rather than write an empty chart
            self.note(slide, self.t("no_chart_data"), left, top, width, Inches(0.6), size=14, color=GREY)
            return None
        data = CategoryChartData(number_format=number_format) if number_format else CategoryChartData()
        # the chart's embedded workbook would store a text starting with "=" as a live formula
        data.categories = [spreadsheet_safe(c) for c in categories]
        for name, values in series:
            data.add_series(spreadsheet_safe(name),
                            [None if v is None or pd.isna(v) else float(v) for v in values])
        chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
        chart.has_legend = legend and len(series) > 1
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
        if labels:
            plot = chart.plots[0]
            plot.has_data_labels = True
            plot.data_labels.font.size = Pt(11)
            if number_format:
                plot.data_labels.number_format = number_format
                plot.data_labels.number_format_is_linked = False
        for s, color in zip(chart.plots[0].series, colors or [], strict=False):
            if color is None:
                continue
            fill = s.format.fill
            fill.solid()
            fill.fore_color.rgb = color
            s.format.line.color.rgb = color
        if number_format:
            chart.value_axis.tick_labels.number_format = number_format
            chart.value_axis.tick_labels.number_format_is_linked = False
        if number_format == PCT or number_format == "#,##0":
            chart.value_axis.minimum_scale = 0
        return chart
