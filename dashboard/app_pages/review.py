"""Monthly review: preview the deck of a month (its slides and headline figures) and download it."""

import io
from pathlib import Path

import pandas as pd
import streamlit as st
from pptx import Presentation

from dashboard import ui
from pipelines.reporting.deck import build_deck

ctx = ui.context()
t = ctx.t
st.title(t("page_review"))


@st.cache_data(show_spinner=False, max_entries=24)
def deck_bytes(serving: str, version: str, month, lang: str, partial: bool
               ) -> tuple[bytes, list[str], list[list[str]]]:
    result = build_deck(Path(serving), month, lang, partial=partial)
    prs = Presentation(io.BytesIO(result.content))
    titles = [slide.shapes.title.text for slide in prs.slides]
    first_table = next((s.table for s in prs.slides[0].shapes if s.has_table), None)
    rows = [[c.text for c in row.cells] for row in first_table.rows] if first_table is not None else []
    return result.content, titles, rows


months = [m for m in ctx.months if m <= ctx.as_of_month] or ctx.months  # the month in progress: partial
month = st.selectbox(
    t("review_month"),
    list(reversed(months)),
    index=list(reversed(months)).index(ctx.last_complete_month) if ctx.last_complete_month in months else 0,
    key="review_month",
    format_func=ctx.month_label,
)
serving = ui.workspace().serving
with st.spinner(t("review_generate")):
    content, titles, kpis = deck_bytes(str(serving), ui.serving_version(serving), month, ctx.lang,
                                       month >= ctx.as_of_month)
st.download_button(
    t("review_download"),
    content,
    file_name=f"monthly_review_{month:%Y-%m}_{ctx.lang}.pptx",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    key="deck_download",
    type="primary",
)
if kpis:
    ui.table(ctx, pd.DataFrame(kpis[1:], columns=kpis[0]), f"review_kpis_{month:%Y-%m}")
st.subheader(t("review_slides"))
st.markdown("\n".join(f"{i}. {title}" for i, title in enumerate(titles, start=1)))
