"""The dashboard's pages by section: (url path and file name, title text key, icon)."""

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
