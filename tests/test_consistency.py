"""One set of numbers (issue 12): for a set of filters and the reporting month, every headline KPI
the pages (AppTest) and the monthly deck show equals the one value its mart defines.

The expected values are computed here straight from the row-level marts (funnel_transition_members,
funnel_cohort_members, sla_handoff_rules, arr_monthly) with the KPI functions of the warehouse,
independently of pipelines/reporting/metrics."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from pptx import Presentation

from pipelines.reporting.deck import build_deck
from pipelines.reporting.text import fmt_int, fmt_money, fmt_pct
from tests.conftest import app_page

MONTH = date(2026, 9, 1)  # the demo's last complete month (its data run to 31 October 2026)
FIRST = date(2025, 11, 1)
FILTERS = [{}, {"channel": "webinar"}, {"segment": "enterprise"}]
KPI_LABELS = {"mql_to_sql": "MQL→SQL", "sql_to_opportunity": "SQL→opportunity",
              "opportunity_to_won": "Opportunity→won", "sql_to_won": "SQL→won", "mql_to_won": "MQL→won"}


def _where(filters: dict, alias: str = "a") -> tuple[str, list]:
    sql, params = "", []
    for dim, value in filters.items():
        sql += f" AND {alias}.{dim} = ?"
        params.append(value)
    return sql, params


def catalogue(ws, filters: dict) -> dict:
    """The headline KPIs for the filters: transition rates and leads lost of mature MQL cohorts
    from FIRST to MONTH, MQLs of MONTH, all-rule SLA compliance of MONTH, ARR at the end of MONTH."""
    lead_sql, lead_params = _where(filters)
    with duckdb.connect(str(ws / "serving.duckdb"), read_only=True) as con:
        rates = con.execute(f"""
            SELECT t.kpi, count(*) AS entered, count_if(t.converted) AS converted,
                   count_if(t.converted) / count(*) AS rate,
                   leads_lost(count(*), count_if(t.converted), any_value(b.low)) AS lost
            FROM marts.funnel_transition_members AS t
            JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)
            JOIN config.target_bands AS b ON b.kpi = t.kpi
            WHERE t.cohort_basis = 'mql' AND t.metric_style = 'cumulative' AND t.window_days = 0
              AND NOT t.is_young AND t.cohort_month BETWEEN ? AND ?{lead_sql}
            GROUP BY t.kpi""", [FIRST, MONTH, *lead_params]).fetchall()
        (mqls,) = con.execute(f"""
            SELECT count(*) FROM marts.funnel_cohort_members AS m
            JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)
            WHERE m.cohort_basis = 'mql' AND m.metric_style = 'cumulative' AND m.window_days = 0
              AND m.cohort_month = ?{lead_sql}""", [MONTH, *lead_params]).fetchone()
        (sla_all,) = con.execute(f"""
            SELECT count_if(h.met) / count_if(h.met IS NOT NULL) FROM marts.sla_handoff_rules AS h
            JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)
            WHERE h.sla_rule = 'all' AND h.notified_month = ?{lead_sql}""", [MONTH, *lead_params]).fetchone()
        (arr,) = con.execute("SELECT ending_arr FROM marts.arr_monthly WHERE month = ?", [MONTH]).fetchone()
    return {"rates": {k: (entered, converted, rate, lost) for k, entered, converted, rate, lost in rates},
            "mqls": mqls, "sla_all": sla_all, "arr": float(arr)}


def metric(at, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return found[0]


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "webinar", "enterprise"])
def test_every_page_shows_the_catalogue_value(demo_workspace, monkeypatch, filters):
    expected = catalogue(demo_workspace, filters)
    rates = expected["rates"]
    assert rates["mql_to_sql"][0] >= 30  # enough cases to judge, so the values below mean something
    period = {"from": f"{FIRST:%Y-%m}", "to": f"{MONTH:%Y-%m}", **filters}

    executive = app_page(demo_workspace, "executive", monkeypatch, lang="en", **period)
    assert metric(executive, "MQL→won (mature cohorts)") == fmt_pct(rates["mql_to_won"][2])
    assert metric(executive, "MQLs (Sep 2026)") == fmt_int(expected["mqls"])
    assert metric(executive, "ARR (end of Sep 2026)") == fmt_money(expected["arr"], "JPY", "en", compact=True)

    funnel = app_page(demo_workspace, "funnel", monkeypatch, lang="en", **period)
    for kpi in ("mql_to_sql", "sql_to_opportunity", "opportunity_to_won"):
        assert metric(funnel, KPI_LABELS[kpi]) == fmt_pct(rates[kpi][2]), kpi
    steps = next(f.value for f in funnel.dataframe if "Stage" in f.value).set_index("Stage")
    # (a table shows a rate as a percentage: its download keeps the fraction)
    assert steps.loc["SQL", "Target KPI rate (mature cohorts)"] == pytest.approx(100 * rates["mql_to_sql"][2])

    bottlenecks = app_page(demo_workspace, "bottlenecks", monkeypatch, lang="en", **period)
    for m in bottlenecks.metric:
        kpi = next((k for k, label in KPI_LABELS.items() if m.label == f"{label} · Leads lost"), None)
        if kpi is not None:
            assert m.value == fmt_int(rates[kpi][3]), kpi

    sla = app_page(demo_workspace, "sla", monkeypatch, lang="en",
                   **{**filters, "from": f"{MONTH:%Y-%m}", "to": f"{MONTH:%Y-%m}"})
    if expected["sla_all"] is None:  # no hand-off in the month under these filters: said, not 0 %
        assert [i.value for i in sla.info] == ["No data for these filters."]
    else:
        assert metric(sla, "All SLA rules") == fmt_pct(expected["sla_all"])


def test_the_deck_shows_the_catalogue_values(demo_workspace, tmp_path):
    expected = catalogue(demo_workspace, {})
    result = build_deck(demo_workspace / "serving.duckdb", MONTH, "en", tmp_path / "review.pptx")
    prs = Presentation(str(result.path))
    table = next(s.table for s in prs.slides[0].shapes if s.has_table)
    this_month = {table.cell(r, 0).text: table.cell(r, 1).text for r in range(1, len(table.rows))}
    assert this_month["MQLs"] == fmt_int(expected["mqls"])
    assert this_month["SLA compliance (all rules)"] == fmt_pct(expected["sla_all"])
    assert this_month["Ending ARR"] == fmt_money(expected["arr"], "JPY", "en", compact=True)
    # the status column is the mart's band status of the month, in words
    status = {table.cell(r, 0).text: table.cell(r, 5).text for r in range(1, len(table.rows))}
    words = {"below": "Below target", "in_band": "On target", "above": "Above band",
             "not_enough_data": "Not enough data"}
    with duckdb.connect(str(demo_workspace / "serving.duckdb"), read_only=True) as con:
        marts = dict(con.execute("SELECT kpi, target_status FROM marts.kpi_monthly WHERE month = ?",
                                 [MONTH]).fetchall())
    assert status["MQLs"] == words[marts["mqls"]]
    assert status["SLA compliance (all rules)"] == words[marts["sla_all"]]
    assert status["Ending ARR"] == "–" and marts["ending_arr"] is None
