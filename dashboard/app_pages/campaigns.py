"""Campaigns and channels, for the budget discussion: what each channel and campaign cost and
brought (leads, MQLs, SQLs, opportunities, won deals and their ARR by first and by last touch), cost
per stage and ROI, over the period and the channel and campaign filters."""

import plotly.graph_objects as go
import streamlit as st

from dashboard import ui
from pipelines.contract import NO_VALUE
from pipelines.reporting import metrics
from pipelines.reporting.text import fmt_int, fmt_pct

ctx = ui.context()
t = ctx.t
st.title(t("page_campaigns"))
missing = ui.coverage_notice(ctx, ["stage:mql", "stage:won"])
start, end = ctx.filters.start, ctx.filters.end
st.caption(t("campaigns_caption", start=ctx.month_label(start) if start else "–",
             end=ctx.month_label(end) if end else "–"))


def money(value) -> str:
    return ui.money(ctx, value)


total = metrics.campaign_performance(ctx.q, ctx.filters).iloc[0]
cards = (
    ("campaign_cost", money(total["cost"]), None),
    ("mqls", fmt_int(total["mqls"]), None),
    ("cost_per_mql", money(total["cost_per_mql"]), None),
    ("cost_per_won", money(total["cost_per_won"]), None),
    ("won_arr_first_touch", money(total["won_arr_first_touch"]), t("won_arr_first_touch_help")),
    ("roi_first_touch", fmt_pct(total["roi_first_touch"]), t("roi_help")),
)
for row in (cards[:3], cards[3:]):
    for column, (label, value, help_text) in zip(st.columns(3), row, strict=True):
        column.metric(t(label), value, help=help_text)

MONEY = ("cost", "won_arr_first_touch", "won_arr_last_touch", "cost_per_mql", "cost_per_sql", "cost_per_won")
COUNTS = ("mqls", "sqls", "won_deals")
RATES = ("roi_first_touch", "roi_last_touch")
# the tables' short headers (the cards say them in full)
SHORT = {c: t(f"{c}_short") for c in ("won_arr_first_touch", "won_arr_last_touch", *RATES)}
rates = {SHORT[c]: ui.pct_column(ctx, f"{c}_short") for c in RATES}


def tables(df, keys: list[str], key: str) -> None:
    """The rows in two tabs that fit the page: cost and what it bought (cost per stage), and the
    return (won ARR by first and last touch, ROI); each downloadable."""
    out = df.assign(**{c: df[c].map(money) for c in MONEY}, **{c: df[c].astype("int64") for c in COUNTS})
    spend, returns = st.tabs([t("campaigns_tab_spend"), t("campaigns_tab_return")])
    codes = {"channel": "channel"}
    with spend:
        columns = [*keys, "cost", *COUNTS, "cost_per_mql", "cost_per_sql", "cost_per_won"]
        ui.table(ctx, ui.prepare(ctx, out, columns, codes=codes), f"{key}_spend")
    with returns:
        columns = [*keys, "cost", "won_arr_first_touch", "won_arr_last_touch", *RATES]
        ui.table(ctx, ui.prepare(ctx, out, columns, codes=codes, labels=SHORT), f"{key}_return", **rates)


channels = metrics.campaign_performance(ctx.q, ctx.filters, "channel")
st.subheader(t("channels_title"))
if channels.empty:
    st.info(t("no_data"))
else:
    fig = go.Figure()
    names = [ctx.label("channel", c) for c in channels["channel"]]
    for column, color in (("cost", ui.COLORS["accent"]), ("won_arr_first_touch", ui.COLORS["primary"]),
                          ("won_arr_last_touch", ui.COLORS["muted"])):
        fig.add_bar(x=names, y=channels[column], name=t(column), marker_color=color)
    fig.update_layout(barmode="group")
    amounts = channels[["cost", "won_arr_first_touch", "won_arr_last_touch"]].to_numpy().ravel()
    ui.money_axis(fig, ctx, amounts)
    ui.chart(ui.layout(fig), "campaigns_channel_chart")
    tables(channels, ["channel"], "campaigns_by_channel")

st.subheader(t("campaigns_title"))
campaigns = metrics.campaign_performance(ctx.q, ctx.filters, "campaign")
if campaigns.empty:
    st.info(t("no_data"))
else:
    # a campaign by its name (its id when the campaigns extract does not name it)
    names = campaigns["campaign_name"].fillna(campaigns["campaign"])
    names = names.where(campaigns["campaign"] != NO_VALUE, t("no_campaign"))
    tables(campaigns.assign(campaign_name=names), ["campaign_name", "channel"], "campaigns_by_campaign")
st.caption(t("campaigns_note"))
