"""leadjourney dashboard: `leadjourney dashboard --workspace DIR` runs it on 127.0.0.1.

Reads only the published serving copy (workspace/serving.duckdb) through short-lived read-only
connections, so it keeps answering while a pipeline run writes the warehouse.
"""

import streamlit as st

from dashboard import ui
from dashboard.pages import PAGES
from pipelines.reporting.text import text

st.set_page_config(page_title="leadjourney", page_icon=":material/conversion_path:", layout="wide")

context = ui.setup()
lang = st.session_state["lang"]
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
