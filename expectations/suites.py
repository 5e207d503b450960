"""Great Expectations suites: one builder per canonical extract and per key mart.

Each `Suite` names the Dagster asset it checks, the SQL that loads its frame from the warehouse
(lead-level tables or aggregates, never raw activity rows) and a `build_*_suite(frame, rules)` that
returns a `gx.ExpectationSuite`. Thresholds come from the rules file. Every expectation carries in
its meta its severity (`error` blocks publication, `warn` does not), a label and the month it is
about. The completeness suites (the SLA's required fields) are validated on aggregates computed in
SQL — per column, overall and per closed month: rows in scope, rows filled, the first unfilled ids —
so their cost does not grow with the rows GX would otherwise read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import great_expectations as gx
import pandas as pd
from great_expectations.expectations.row_conditions import Column

from pipelines.contract import CHANNELS, EXTRACTS, NON_SQL_REASONS, OPPORTUNITY_STAGES
from pipelines.rules import Rules

E = gx.expectations
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
SAMPLE_IDS = 10  # failing record ids kept per result


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]
    description: str
    query: Callable[[Rules], str]
    build: Callable[[pd.DataFrame, Rules], gx.ExpectationSuite]
    blocking: bool
    # checked column -> the (extract, field)s that fill it: a rule on a column no loaded file fills
    # is reported "not measurable" instead of being judged (an empty but mapped column still counts)
    measured_by: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # a completeness suite: its scopes; `query` then gives the rows, and the suite validates their
    # per-month aggregates (completeness_sql), not the rows
    completeness: Callable[[Rules], list[Scope]] | None = None


@dataclass(frozen=True)
class Scope:
    """Columns that must be filled for at least `share` of the rows (of those where the boolean
    column `flag` is true), overall and in every closed month with at least `min_rows` of them."""

    columns: tuple[str, ...]
    share: float
    min_rows: int
    flag: str | None = None


def _meta(severity: str, label: str, month: str | None = None, threshold: float | None = None,
          observe: str | None = None, where: str | None = None) -> dict:
    """severity: error blocks publication, warn does not; observe: report this column's max over
    the rows `where` selects."""
    return {"severity": severity, "label": label, "month": month, "threshold": threshold,
            "observe": observe, "where": where}


def _month(column: str, rules: Rules) -> str:
    return (f"strftime(timezone('{rules.calendar.timezone}', timezone('UTC', {column})), '%Y-%m')")


def _closed(column: str, rules: Rules) -> str:
    """True when `column`'s month ended before the as_of month."""
    return (f"{_month(column, rules)} < (SELECT strftime(as_of_local_date, '%Y-%m') "
            f"FROM intermediate.int_as_of)")


def completeness_sql(base: str, scopes: list[Scope], columns: set[str]) -> str:
    """Per column of each scope, overall and per closed month with enough rows: the rows in scope,
    how many have the column filled and the first ids of those that do not (one SQL pass over
    the suite's rows; months are those before the as_of month). Columns the rows lack are left
    out."""
    parts = []
    for scope in scopes:
        where = f"WHERE {scope.flag}" if scope.flag else ""
        for column in scope.columns:
            if column not in columns:
                continue
            parts.append(f"""
                SELECT '{column}' AS column_name, CASE WHEN grouping(month) = 0 THEN month END AS month,
                       {scope.share} AS threshold, count(*) AS rows_in_scope, count({column}) AS filled,
                       coalesce(list_slice(list(record_id ORDER BY record_id)
                                           FILTER (WHERE {column} IS NULL), 1, {SAMPLE_IDS}), [])
                           AS missing_ids
                FROM base {where}
                GROUP BY GROUPING SETS ((), (month))
                HAVING grouping(month) = 1
                    OR (month IS NOT NULL AND bool_and(month_closed) AND count(*) >= {scope.min_rows})""")
    if not parts:
        return "SELECT NULL AS column_name WHERE false"
    return (f"WITH base AS MATERIALIZED ({base}) SELECT *, CASE WHEN rows_in_scope > 0 THEN "
            f"filled / rows_in_scope END AS share, column_name || '|' || coalesce(month, 'all') AS record_id "
            f"FROM ({' UNION ALL '.join(parts)}) ORDER BY column_name, month NULLS FIRST")


def build_completeness_suite(name: str) -> Callable[[pd.DataFrame, Rules], gx.ExpectationSuite]:
    """One expectation per column on its aggregate rows (overall and per month): the filled share
    at least the scope's. Each aggregate row becomes a result row (the runner), recorded as the
    not-null expectation it stands for, with the rows in scope, the unfilled count and their ids."""
    def build(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
        suite = gx.ExpectationSuite(name=name)
        pairs = frame[["column_name", "threshold"]].drop_duplicates().itertuples(index=False)
        for column, threshold in pairs:
            suite.add_expectation(E.ExpectColumnValuesToBeBetween(
                column="share", min_value=float(threshold), row_condition=Column("column_name") == column,
                meta={**_meta("error", f"{column} filled", None, float(threshold)), "column": column,
                      "stands_for": "expect_column_values_to_not_be_null"}))
        return suite
    return build


# --- marketing side: the required lead fields --------------------------------------------------

def _lead_fields_sql(table: str, id_column: str, has_industry: bool):
    def query(rules: Rules) -> str:
        extra = "industry, employees, department, prefecture," if has_industry else ""
        return f"""
            SELECT {id_column} AS record_id, {_month('created_at', rules)} AS month,
                   {_closed('created_at', rules)} AS month_closed,
                   company_name, person_name, coalesce(email, phone) AS email_or_phone, email, phone,
                   {extra} title
            FROM staging.{table}"""
    return query


def lead_field_scopes(rules: Rules) -> list[Scope]:
    """SLA, marketing side: the required lead fields filled for the agreed share of leads."""
    return [Scope(tuple(rules.sla.lead_required_fields), rules.sla.lead_required_fields_min_share,
                  rules.quality.min_rows_per_month)]


# --- sales side: once a lead is handed over ------------------------------------------------------

def _handoff_sql(rules: Rules) -> str:
    return f"""
        SELECT j.sfa_lead_id AS record_id, {_month('j.notified_at', rules)} AS month,
               {_closed('j.notified_at', rules)} AS month_closed,
               s.owner, s.notified_at AS notified_time,
               j.sla_first_contact_met IS NOT NULL AS first_contact_due, j.first_contact_at,
               j.decision IN ('sql', 'non_sql') AS is_decided, j.decided_at,
               j.decision = 'non_sql' AS is_non_sql, j.non_sql_reason
        FROM marts.lead_journey AS j
        JOIN staging.stg_sfa__leads AS s ON s.sfa_lead_id = j.sfa_lead_id"""


def handoff_scopes(rules: Rules) -> list[Scope]:
    """SLA, sales side: owner and notification time present; first contact recorded once its
    deadline has passed; the decision's time whenever the status records a decision (a lead still
    undecided after its deadline is a missed SLA, shown as such, not a missing field); a non-SQL
    reason whenever a lead is decided non-SQL."""
    share, min_rows = rules.quality.sales_fields_min_share, rules.quality.min_rows_per_month
    return [Scope(("owner", "notified_time"), share, min_rows),
            Scope(("first_contact_at",), share, min_rows, "first_contact_due"),
            Scope(("decided_at",), share, min_rows, "is_decided"),
            Scope(("non_sql_reason",), share, min_rows, "is_non_sql")]


# --- validity, ordering, integrity, uniqueness ---------------------------------------------------

def _in_set(column: str, values, share: float) -> gx.expectations.Expectation:
    return E.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), mostly=share,
                                         meta=_meta("warn", f"{column} is a known code", None, share))


def _unique(column: str) -> gx.expectations.Expectation:
    return E.ExpectColumnValuesToBeUnique(column=column, meta=_meta("error", f"{column} unique"))


def _ordered(later: str, earlier: str) -> gx.expectations.Expectation:
    return E.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=later, column_B=earlier, or_equal=True, ignore_row_if="either_value_is_missing",
        row_condition=Column("is_out_of_order") == False,  # noqa: E712 - a GX condition
        meta=_meta("warn", f"{later} not before {earlier} (unless flagged out of order)"))


def _found(column: str, share: float, label: str) -> gx.expectations.Expectation:
    return E.ExpectColumnValuesToBeInSet(column=column, value_set=[True], mostly=share,
                                         meta=_meta("warn", label, None, share))


def build_ma_leads_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    share = rules.quality.validity_min_share
    return gx.ExpectationSuite(name="ma_leads_validity", expectations=[
        _unique("record_id"),
        E.ExpectColumnValuesToMatchRegex(column="email_normalized", regex=EMAIL_PATTERN, mostly=share,
                                         meta=_meta("warn", "e-mail well formed", None, share)),
        _in_set("original_channel", CHANNELS, share),
    ])


def build_sfa_leads_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    share = rules.quality.validity_min_share
    return gx.ExpectationSuite(name="sfa_leads_validity", expectations=[
        _unique("record_id"),
        _in_set("status", EXTRACTS["sfa_leads"].get_field("status").values, share),
        _in_set("disqualification_reason", NON_SQL_REASONS, share),
        _ordered("decided_at", "notified_at"),
        _found("ma_lead_found", rules.quality.integrity_min_share, "MA id found among MA leads"),
    ])


def build_opportunities_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    share = rules.quality.validity_min_share
    return gx.ExpectationSuite(name="opportunities_validity", expectations=[
        _unique("record_id"),
        _in_set("stage", OPPORTUNITY_STAGES, share),
        E.ExpectColumnValuesToBeBetween(column="amount", min_value=0,
                                        meta=_meta("warn", "amount not negative")),
        _in_set("currency", _currencies(rules), share),
        _ordered("close_date", "created_date"),
        _found("account_found", rules.quality.integrity_min_share, "account found in the CRM"),
    ])


def build_subscriptions_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    share = rules.quality.validity_min_share
    return gx.ExpectationSuite(name="subscriptions_validity", expectations=[
        _unique("record_id"),
        E.ExpectColumnValuesToBeBetween(column="mrr", min_value=0, meta=_meta("warn", "MRR not negative")),
        _in_set("currency", _currencies(rules), share),
        _in_set("subscription_type", EXTRACTS["crm_subscriptions"].get_field("subscription_type").values,
                share),
        _ordered("end_date", "start_date"),
        _found("account_found", rules.quality.integrity_min_share, "account found in the CRM"),
    ])


def _codes(extract: str, field: str) -> tuple[str, ...]:
    return EXTRACTS[extract].get_field(field).values


def build_campaigns_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    share = rules.quality.validity_min_share
    return gx.ExpectationSuite(name="campaigns_validity", expectations=[
        _unique("record_id"),
        E.ExpectColumnValuesToBeBetween(column="cost", min_value=0, meta=_meta("warn", "cost not negative")),
        _in_set("currency", _currencies(rules), share),
        _in_set("channel", CHANNELS, share),
        _ordered("ended_on", "started_on"),
    ])


def build_users_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name="users_validity", expectations=[
        _unique("record_id"), _in_set("role", _codes("sfa_users", "role"), 1.0)])


def build_activity_types_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    """On an aggregated view (one row per activity type), not on the activity rows themselves."""
    known = set(_codes("ma_activities", "activity_type")) | set(_codes("sfa_activities", "activity_type"))
    return gx.ExpectationSuite(name="activity_types", expectations=[
        E.ExpectColumnValuesToBeInSet(column="record_id", value_set=sorted(known),
                                      meta=_meta("warn", "activity types are known codes")),
        E.ExpectColumnValuesToBeBetween(
            column="share_with_lead", min_value=rules.quality.integrity_min_share,
            meta=_meta("warn", "activities belong to a loaded lead (lowest share of a type)", None,
                       rules.quality.integrity_min_share, "share_with_lead")),
    ])


def build_stage_history_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    """On an aggregated view (one row per stage)."""
    return gx.ExpectationSuite(name="stage_history_validity", expectations=[
        E.ExpectColumnValuesToBeInSet(column="record_id", value_set=list(OPPORTUNITY_STAGES),
                                      meta=_meta("warn", "history stages are known codes"))])


def build_accounts_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    share = rules.quality.validity_min_share
    return gx.ExpectationSuite(name="accounts_validity", expectations=[
        _unique("record_id"),
        _in_set("segment", _codes("crm_accounts", "segment"), share),
        E.ExpectColumnValuesToBeBetween(column="employees", min_value=0,
                                        meta=_meta("warn", "employees not negative")),
    ])


def build_contacts_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    share = rules.quality.validity_min_share
    return gx.ExpectationSuite(name="contacts_validity", expectations=[
        _unique("record_id"),
        E.ExpectColumnValuesToMatchRegex(column="email_normalized", regex=EMAIL_PATTERN, mostly=share,
                                         meta=_meta("warn", "e-mail well formed", None, share)),
        _in_set("buying_role", _codes("crm_contacts", "buying_role"), share),
    ])


def build_nps_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name="nps_validity", expectations=[
        _unique("record_id"),
        E.ExpectColumnValuesToBeBetween(column="score", min_value=0, max_value=10,
                                        meta=_meta("warn", "score between 0 and 10")),
    ])


def _currencies(rules: Rules) -> list[str]:
    return [rules.locale.currency] + [r.currency for r in rules.fx_rates]


# --- freshness -----------------------------------------------------------------------------------

def _freshness_sql(rules: Rules) -> str:
    def newest(*pairs):
        return "greatest(" + ", ".join(f"(SELECT max({c}) FROM raw.{t})" for t, c in pairs) + ")"
    systems = {
        "ma": newest(("ma_leads", "created_at"), ("ma_leads", "modified_at"),
                     ("ma_activities", "occurred_at")),
        "sfa": newest(("sfa_leads", "created_at"), ("sfa_leads", "modified_at"),
                      ("sfa_activities", "occurred_at"), ("sfa_opportunities", "modified_at")),
        "crm": newest(("crm_accounts", "modified_at"), ("crm_contacts", "modified_at"),
                      ("crm_subscriptions", "modified_at"), ("crm_nps", "responded_at")),
    }
    rows = " UNION ALL ".join(
        f"SELECT '{s}' AS record_id, {expr} AS newest_record_at" for s, expr in systems.items())
    return (f"SELECT record_id, newest_record_at, date_diff('second', newest_record_at, "
            f"(now() AT TIME ZONE 'UTC')) / 86400.0 AS age_days FROM ({rows}) "
            "WHERE newest_record_at IS NOT NULL")


def build_freshness_suite(frame: pd.DataFrame, rules: Rules) -> gx.ExpectationSuite:
    """Each source's newest record is younger than quality.freshness_max_days."""
    suite = gx.ExpectationSuite(name="source_freshness")
    for system, max_days in rules.quality.freshness_max_days.items():
        if system in set(frame["record_id"]):
            suite.add_expectation(E.ExpectColumnValuesToBeBetween(
                column="age_days", max_value=max_days, row_condition=Column("record_id") == system,
                meta=_meta("warn", f"{system} newest record age (days)", None, max_days, "age_days",
                           f'record_id=="{system}"')))
    return suite


def _sql(text: str) -> Callable[[Rules], str]:
    return lambda rules: text


def _lead_fields(extract: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """The SLA lead-field columns and the fields of `extract` that fill them."""
    def of(*names):
        return tuple((extract, n) for n in names)
    return {"company_name": of("company_name"), "person_name": of("last_name", "first_name"),
            "email_or_phone": of("email", "phone"), "email": of("email"), "phone": of("phone"),
            "industry": of("industry"), "employees": of("employees"), "department": of("department"),
            "prefecture": of("prefecture"), "title": of("title")}


HANDOFF_FIELDS = {
    "owner": (("sfa_leads", "owner"),),
    "notified_time": (("sfa_leads", "notified_at"),),
    "first_contact_at": (("sfa_activities", "occurred_at"), ("sfa_leads", "status")),
    "decided_at": (("sfa_leads", "decided_at"),),
    "non_sql_reason": (("sfa_leads", "disqualification_reason"),),
}


SUITES: tuple[Suite, ...] = (
    Suite("lead_fields_completeness_ma", ("staging", "stg_ma__leads"),
          "SLA, marketing side: required lead fields of MA leads filled, overall and per month.",
          _lead_fields_sql("stg_ma__leads", "lead_id", True),
          build_completeness_suite("lead_fields_completeness"), True, _lead_fields("ma_leads"),
          lead_field_scopes),
    Suite("lead_fields_completeness_sfa", ("staging", "stg_sfa__leads"),
          "SLA, marketing side: required lead fields of SFA leads (those the SFA carries), per month.",
          _lead_fields_sql("stg_sfa__leads", "sfa_lead_id", False),
          build_completeness_suite("lead_fields_completeness"), True, _lead_fields("sfa_leads"),
          lead_field_scopes),
    Suite("handoff_completeness", ("marts", "lead_journey"),
          "SLA, sales side: owner, notification, first contact, decision and non-SQL reason recorded.",
          _handoff_sql, build_completeness_suite("handoff_completeness"), True, HANDOFF_FIELDS,
          handoff_scopes),
    Suite("ma_leads_validity", ("staging", "stg_ma__leads"),
          "MA leads: unique ids, e-mail form, known channel codes.",
          _sql("SELECT lead_id AS record_id, email_normalized, original_channel FROM staging.stg_ma__leads"),
          build_ma_leads_suite, True),
    Suite("sfa_leads_validity", ("staging", "stg_sfa__leads"),
          "SFA leads: unique ids, known statuses and reasons, decision after notification, MA ids found.",
          _sql("""SELECT s.sfa_lead_id AS record_id, s.status, s.disqualification_reason, s.notified_at,
                         s.decided_at, s.is_out_of_order,
                         s.ma_lead_id IS NULL OR m.lead_id IS NOT NULL AS ma_lead_found
                  FROM staging.stg_sfa__leads AS s
                  LEFT JOIN staging.stg_ma__leads AS m ON m.lead_id = s.ma_lead_id"""),
          build_sfa_leads_suite, True),
    Suite("opportunities_validity", ("staging", "stg_sfa__opportunities"),
          "Opportunities: unique ids, known stages and currencies, amounts not negative, close after "
          "creation, accounts found.",
          _sql("""SELECT o.opportunity_id AS record_id, o.stage, o.amount, o.currency,
                         cast(o.created_at AS DATE) AS created_date, o.close_date, o.is_out_of_order,
                         o.account_id IS NULL OR a.account_id IS NOT NULL AS account_found
                  FROM staging.stg_sfa__opportunities AS o
                  LEFT JOIN staging.stg_crm__accounts AS a ON a.account_id = o.account_id"""),
          build_opportunities_suite, True),
    Suite("subscriptions_validity", ("staging", "stg_crm__subscriptions"),
          "Subscriptions: unique ids, MRR not negative, known currencies and types, end after start, "
          "accounts found.",
          _sql("""SELECT s.subscription_id AS record_id, s.mrr, s.currency, s.subscription_type,
                         s.start_date, s.end_date, false AS is_out_of_order,
                         a.account_id IS NOT NULL AS account_found
                  FROM staging.stg_crm__subscriptions AS s
                  LEFT JOIN staging.stg_crm__accounts AS a ON a.account_id = s.account_id"""),
          build_subscriptions_suite, True),
    Suite("campaigns_validity", ("staging", "stg_ma__campaigns"),
          "Campaigns: unique ids, cost not negative, known currencies and channels, end after start.",
          _sql("""SELECT campaign_id AS record_id, cost, currency, channel, started_on, ended_on,
                         false AS is_out_of_order FROM staging.stg_ma__campaigns"""),
          build_campaigns_suite, True),
    Suite("users_validity", ("staging", "stg_sfa__users"), "SFA users: unique names, known roles.",
          _sql("SELECT user_name AS record_id, role FROM staging.stg_sfa__users"), build_users_suite, True),
    Suite("ma_activity_types", ("staging", "stg_ma__activities"),
          "MA activities (aggregated per type): known types; every activity belongs to a loaded lead.",
          _sql("""SELECT a.activity_type AS record_id, count(*) AS activities,
                         avg(CASE WHEN l.lead_id IS NOT NULL THEN 1.0 ELSE 0 END) AS share_with_lead
                  FROM staging.stg_ma__activities AS a
                  LEFT JOIN staging.stg_ma__leads AS l ON l.lead_id = a.lead_id GROUP BY 1"""),
          build_activity_types_suite, False),
    Suite("sfa_activity_types", ("staging", "stg_sfa__activities"),
          "Sales activities (aggregated per type): known types; every activity belongs to a loaded "
          "SFA lead or opportunity.",
          _sql("""SELECT a.activity_type AS record_id, count(*) AS activities,
                         avg(CASE WHEN l.sfa_lead_id IS NOT NULL OR o.opportunity_id IS NOT NULL
                                  THEN 1.0 ELSE 0 END) AS share_with_lead
                  FROM staging.stg_sfa__activities AS a
                  LEFT JOIN staging.stg_sfa__leads AS l ON l.sfa_lead_id = a.sfa_lead_id
                  LEFT JOIN staging.stg_sfa__opportunities AS o ON o.opportunity_id = a.opportunity_id
                  GROUP BY 1"""),
          build_activity_types_suite, False),
    Suite("stage_history_validity", ("staging", "stg_sfa__opportunity_history"),
          "Opportunity stage history (aggregated per stage): known stages.",
          _sql("SELECT stage AS record_id, count(*) AS changes FROM staging.stg_sfa__opportunity_history "
               "GROUP BY 1"), build_stage_history_suite, False),
    Suite("accounts_validity", ("staging", "stg_crm__accounts"),
          "Accounts: unique ids, known segments, employees not negative.",
          _sql("SELECT account_id AS record_id, segment, employees FROM staging.stg_crm__accounts"),
          build_accounts_suite, True),
    Suite("contacts_validity", ("staging", "stg_crm__contacts"),
          "CRM contacts: unique ids, e-mail form, known buying roles.",
          _sql("SELECT contact_id AS record_id, email_normalized, buying_role "
               "FROM staging.stg_crm__contacts"),
          build_contacts_suite, True),
    Suite("nps_validity", ("staging", "stg_crm__nps"), "NPS responses: unique ids, scores 0-10.",
          _sql("SELECT response_id AS record_id, score FROM staging.stg_crm__nps"), build_nps_suite, True),
    Suite("source_freshness", ("raw", "ma_leads"),
          "Freshness: the age of each source system's newest record against quality.freshness_max_days.",
          _freshness_sql, build_freshness_suite, False),
)
