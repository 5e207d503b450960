"""leadjourney dashboard: `leadjourney dashboard --workspace DIR` runs it on 127.0.0.1.

Reads only the published serving copy (workspace/serving.duckdb) through short-lived read-only
connections, so it keeps answering while a pipeline run writes the warehouse.
"""

import streamlit as st

from dashboard import ui
from pipelines.reporting.text import text

st.set_page_config(page_title="leadjourney", page_icon=":material/conversion_path:", layout="wide")

context = ui.setup()
lang = st.session_state["lang"]
PAGES = (
    (
        "section_analysis",
        (
            ("executive", "page_executive", ":material/monitoring:"),
            ("funnel", "page_funnel", ":material/filter_alt:"),
            ("bottlenecks", "page_bottlenecks", ":material/speed:"),
            ("pipeline", "page_pipeline", ":material/stacked_bar_chart:"),
            ("campaigns", "page_campaigns", ":material/campaign:"),
            ("departments", "page_departments", ":material/groups:"),
            ("scoring", "page_scoring", ":material/grade:"),
            ("accounts", "page_accounts", ":material/domain:"),
        ),
    ),
    (
        "section_operations",
        (
            ("weekly", "page_weekly", ":material/checklist:"),
            ("sla", "page_sla", ":material/timer:"),
            ("quality", "page_quality", ":material/fact_check:"),
            ("review", "page_review", ":material/slideshow:"),
        ),
    ),
)
navigation = st.navigation(
    {
        text(section, lang): [
            st.Page(
                f"app_pages/{name}.py",
                title=text(title, lang),
                icon=icon,
                url_path=name,
                default=(name == "executive"),
            )
            for name, title, icon in pages
        ]
        for section, pages in PAGES
    }
)
if context is not None:
    st.session_state["_context"] = context
    navigation.run()
