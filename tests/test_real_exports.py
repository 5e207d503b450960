"""Sparse real-world exports load with a mapping alone and publish honestly (the real CLI, dbt and
checks). Fixtures under tests/fixtures/exports/ are hand-made in the public datasets' layouts:
an MQL-date + won-date funnel (Olist's two files) and an opportunity pipeline with its sales teams
(Maven Analytics' CRM Sales Opportunities). Every expected figure below is computed by hand from
those files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, cli

FIXTURES = ROOT / "tests" / "fixtures" / "exports"


def _workspace(tmp_path_factory, name: str, folder: str) -> tuple[Path, str]:
    ws = tmp_path_factory.mktemp(name) / "ws"
    landing = ws / "landing" / folder
    landing.mkdir(parents=True)
    for f in (FIXTURES / name).glob("*.csv"):
        shutil.copy(f, landing / f.name)
    shutil.copy(FIXTURES / name / "sources.yml", ws / "sources.yml")
    result = cli("run", "--workspace", str(ws), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return ws, result.stdout + result.stderr


@pytest.fixture(scope="module")
def olist(tmp_path_factory):
    return _workspace(tmp_path_factory, "olist", "ma")


@pytest.fixture(scope="module")
def maven(tmp_path_factory):
    return _workspace(tmp_path_factory, "maven", "sfa")


def _serving(ws: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(ws / "serving.duckdb"), read_only=True)


def mql(key: str) -> str:
    return "ma:" + hashlib.md5(key.encode()).hexdigest()


def test_two_stage_export_publishes_exactly_those_stages(olist):
    ws, output = olist
    assert "published:" in output
    con = _serving(ws)
    measurable = dict(con.execute("SELECT measure, is_measurable FROM marts.measure_coverage "
                                  "WHERE measure_kind = 'stage'").fetchall())
    assert {m for m, ok in measurable.items() if ok} == {"stage:mql", "stage:won"}
    stages = dict(con.execute("SELECT stage, count(DISTINCT lead_id) FROM marts.lead_stage_events "
                              "GROUP BY 1").fetchall())
    assert stages == {"mql": 10, "won": 5}  # nothing between is invented
    assert con.execute("SELECT count(*) FROM meta.quarantine").fetchone() == (0,)


def test_conversion_per_channel_keeps_the_empty_bucket_apart_from_unknown(olist):
    ws, _ = olist
    rows = _serving(ws).execute("""
        SELECT dimension_value, sum(cohort_leads), sum(reached_leads)
        FROM marts.funnel_cohort
        WHERE cohort_basis = 'mql' AND metric_style = 'cumulative' AND window_days = 0
          AND dimension = 'channel' AND stage = 'won'
        GROUP BY 1 ORDER BY 1""").fetchall()
    assert rows == [("(none)", 2, 2), ("organic_search", 4, 2), ("paid_search", 2, 0), ("unknown", 2, 1)]
    stages = {r[0] for r in _serving(ws).execute("SELECT DISTINCT stage FROM marts.funnel_cohort").fetchall()}
    assert stages == {"won"}  # the MQL cohort reaches only stages the sources carry


def test_median_days_to_win_keeps_the_deal_won_before_its_mql_date(olist):
    ws, _ = olist
    con = _serving(ws)
    # MQL -> won: m01 15 d 10 h, m04 -(1 d 4:21:05), m07 36 d 9 h, m09 8 d 15:30, m10 113 d
    overall = con.execute("SELECT leads, negative_leads, median_days FROM marts.time_in_stage "
                          "WHERE stage = 'mql_to_won' AND dimension = 'all'").fetchone()
    assert overall[:2] == (5, 1)
    assert overall[2] == pytest.approx(15 + 10 / 24)
    organic = con.execute("SELECT median_days FROM marts.time_in_stage WHERE stage = 'mql_to_won' "
                          "AND dimension = 'channel' AND dimension_value = 'organic_search'").fetchone()[0]
    assert organic == pytest.approx(((15 + 10 / 24) + (-2 + 70735 / 86400)) / 2)
    flagged = con.execute("SELECT lead_id, days_mql_to_won FROM marts.lead_journey "
                          "WHERE is_won_before_mql").fetchall()
    assert len(flagged) == 1 and flagged[0][0] == mql("m04")
    assert flagged[0][1] == pytest.approx(-2 + 70735 / 86400)


def test_no_verdict_or_rate_for_stages_the_sources_cannot_carry(olist):
    ws, _ = olist
    con = _serving(ws)
    assert con.execute("SELECT count(*) FROM marts.bottlenecks WHERE kpi <> 'mql_to_won'").fetchone() == (0,)
    verdicts = {r[0] for r in con.execute("SELECT verdict FROM marts.mql_definition_review").fetchall()}
    assert verdicts <= {"not_measurable"}


def test_opportunity_only_export_win_rate_counts_open_deals_apart(maven):
    ws, output = maven
    assert "published:" in output
    con = _serving(ws)
    outcomes = dict(con.execute("SELECT outcome, count(*) FROM marts.opportunity_outcomes GROUP BY 1").fetchall())
    assert outcomes == {"won": 5, "lost": 3, "open": 4}  # Prospecting deals without dates load
    by = {dim: dict(con.execute(f"""
        SELECT {dim}, round(count_if(outcome = 'won') / count_if(outcome IN ('won', 'lost')), 4)
        FROM marts.opportunity_outcomes GROUP BY 1""").fetchall())
        for dim in ("owner", "owner_manager", "owner_office")}
    assert by["owner"] == {"Moses Frase": 0.6667, "Darcel Schlecht": 0.3333, "Boris Faz": 1.0}
    assert by["owner_manager"] == {"Dustin Brinkmann": 0.6667, "Melvin Marxen": 0.3333, "Rocco Neubert": 1.0}
    assert by["owner_office"] == {"Central": 0.5, "East": 1.0}
    total = con.execute("SELECT count_if(is_won) / count_if(is_won OR is_lost) FROM marts.opportunity_outcomes")
    assert total.fetchone()[0] == pytest.approx(5 / 8)
    assert con.execute("SELECT count(*) FROM meta.quarantine").fetchone() == (0,)


def test_an_opportunity_only_export_does_not_become_mqls(maven):
    ws, _ = maven
    con = _serving(ws)
    measurable = {m for m, ok in con.execute(
        "SELECT measure, is_measurable FROM marts.measure_coverage WHERE measure_kind = 'stage'").fetchall() if ok}
    assert measurable == {"stage:opportunity", "stage:won", "stage:lost"}
    stages = {r[0] for r in con.execute("SELECT DISTINCT stage FROM marts.lead_stage_events").fetchall()}
    assert stages == {"opportunity", "won", "lost"}
    assert con.execute("SELECT count(*) FROM marts.funnel_cohort").fetchone() == (0,)
