from pathlib import Path

import pytest

from pipelines.rules import RulesError, load_rules


def test_defaults_are_the_design_numbers():
    rules = load_rules(None)
    assert rules.sla.first_contact_hours == 24
    assert rules.sla.min_attempts == 3
    assert rules.sla.decision_business_days == 5
    assert rules.scoring.fit_engagement.mql.fit_min == 30
    assert rules.scoring.fit_engagement.mql.engagement_min == 50
    assert rules.scoring.additive.mql.score_min == 30
    assert rules.bant.sql_min_yes == 2
    assert rules.calendar.timezone == "Asia/Tokyo"
    assert rules.calendar.fiscal_year_start_month == 4
    assert (rules.targets.mql_to_sql.low, rules.targets.mql_to_sql.high) == (0.20, 0.30)


def test_workspace_file_overrides_only_its_keys(tmp_path: Path):
    path = tmp_path / "leadjourney.yml"
    path.write_text("sla:\n  first_contact_hours: 4\ncalendar:\n  fiscal_year_start_month: 1\n")
    rules = load_rules(path)
    assert rules.sla.first_contact_hours == 4
    assert rules.sla.min_attempts == 3  # untouched default
    assert rules.calendar.fiscal_year_start_month == 1


def test_errors_name_the_file_and_key(tmp_path: Path):
    path = tmp_path / "leadjourney.yml"
    path.write_text("sla:\n  first_contact_hours: -1\n  first_contact_hour: 3\n"
                    "targets:\n  mql_to_sql: {low: 0.4, high: 0.3}\n")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    message = str(err.value)
    assert str(path) in message
    assert "sla.first_contact_hours" in message
    assert "sla.first_contact_hour: Extra inputs are not permitted" in message
    assert "targets.mql_to_sql" in message


def test_a_required_lead_field_listed_twice_is_refused(tmp_path: Path):
    """Each field is one completeness check: listed twice it would be judged and counted twice."""
    path = tmp_path / "leadjourney.yml"
    path.write_text("sla:\n  lead_required_fields: [company_name, title, email_or_phone, title]\n")
    with pytest.raises(RulesError, match="sla.lead_required_fields.*lists title more than once"):
        load_rules(path)


def test_unknown_time_zone_and_holiday_country_are_refused(tmp_path: Path):
    path = tmp_path / "leadjourney.yml"
    path.write_text("calendar:\n  timezone: Asia/Tokio\n  holidays_country: XX\n")
    with pytest.raises(RulesError, match="calendar.timezone.*unknown time zone"):
        load_rules(path)


def test_money_targets_follow_the_reporting_currency(tmp_path: Path):
    from pipelines.config_tables import rules_frame

    path = tmp_path / "leadjourney.yml"
    path.write_text("locale: {currency: USD}\nfx_rates: [{currency: JPY, rate: 0.0067}]\n")
    # 4.5 billion yen, reported in dollars: 4,500,000,000 x 0.0067 = 30,150,000
    assert rules_frame(load_rules(path))["target_new_arr_fiscal_year"][0] == pytest.approx(30_150_000)
    path.write_text("locale: {currency: USD}\n")
    with pytest.raises(RulesError, match="targets.currency is JPY but the reporting currency"):
        load_rules(path)
    path.write_text("locale: {currency: USD}\ntargets: {currency: USD, new_arr_fiscal_year: 2000000}\n")
    assert rules_frame(load_rules(path))["target_new_arr_fiscal_year"][0] == 2_000_000


def test_pipeline_stages_name_the_stage_and_the_mistake(tmp_path: Path):
    path = tmp_path / "leadjourney.yml"
    path.write_text("pipeline:\n  stages:\n    prospecting: {probability: 0.1, forecast: pipeline}\n"
                    "    decision: {probability: 1.5, forecast: maybe}\n")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    message = str(err.value)
    assert "pipeline.stages.prospecting" in message
    assert "pipeline.stages.decision.probability" in message
    assert "pipeline.stages.decision.forecast" in message
    # one stage changed, the others keep the defaults
    path.write_text("pipeline:\n  stages:\n    decision: {probability: 0.6, forecast: best_case}\n")
    stages = load_rules(path).pipeline.stages
    assert (stages["decision"].probability, stages["decision"].forecast) == (0.6, "best_case")
    assert (stages["negotiation"].probability, stages["negotiation"].forecast) == (0.9, "commit")
