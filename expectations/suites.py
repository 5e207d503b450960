"""Great Expectations suites: one per canonical extract and per key mart.

Each `Suite` names the Dagster asset it checks and the SQL that gives its rows (lead-level tables or
aggregates, never raw activity rows). Thresholds come from the rules file; every expectation
carries its severity (`error` blocks publication, `warn` does not), a label and the month it is
about.

The suites over rows (completeness of the SLA's fields, validity, uniqueness, ordering, integrity)
are lists of `Check`s measured in one SQL pass (`checks_sql`): per check, overall and per closed
month where asked, the rows in scope, the rows failing and the first failing ids. GX validates those
aggregates — the passing share against the threshold — and each aggregate row is recorded as the
expectation it stands for, so the cost does not grow with the rows GX would otherwise read into
pandas. The suites over small aggregated views (activity types, stage history, freshness) give GX
their rows (`build`).
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
class Check:
    """One expectation on a suite's rows, measured in SQL: of the rows in `scope`, the share not
    `failing` is at least `threshold` (every row when None) — overall and, with `min_rows`, in each
    closed month with at least that many rows in scope (the rows then carry `month` and
    `month_closed`). `derived` adds a column to the rows for `failing` (a window, say). Recorded as
    the GX expectation `stands_for`, on `column`."""

    column: str
    stands_for: str
    label: str
    scope: str
    failing: str
    threshold: float | None = None
    severity: str = "warn"
    min_rows: int | None = None
    derived: str | None = None

    @property
    def key(self) -> str:
        """The check's name in the aggregate rows (a suite checks a column once per expectation)."""
        return f"{self.stands_for}.{self.column}"


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]
    description: str
    query: Callable[[Rules], str]
    blocking: bool
    # a suite over rows: its checks, measured on the rows `query` gives (checks_sql)
    checks: Callable[[Rules], list[Check]] | None = None
    # a suite over a small aggregated view: GX validates the view's rows
    build: Callable[[pd.DataFrame, Rules], gx.ExpectationSuite] | None = None
    # checked column -> the (extract, field)s that fill it: a rule on a column no loaded file fills
    # is reported "not measurable" instead of being judged (an empty but mapped column still counts)
    measured_by: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


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


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def checks_sql(base: str, checks: list[Check]) -> str:
    """One row per check (and per closed month with enough rows, for a check with `min_rows`): the
    rows in scope, how many fail, the first failing ids and the passing share, computed over the
    rows of `base` in one pass (the rows are materialized once)."""
    if not checks:
        return "SELECT NULL AS check_key WHERE false"
    keys = [c.key for c in checks]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:  # a check's key names its aggregate rows
        raise ValueError(f"a suite checks the same thing twice: {twice}")
    derived = "".join(f", {d}" for d in dict.fromkeys(c.derived for c in checks if c.derived))
    parts = []
    for check in checks:
        fails = f"({check.scope}) AND ({check.failing})"
        measures = f"""count(*) FILTER (WHERE {check.scope}) AS rows_in_scope,
                       count(*) FILTER (WHERE {fails}) AS unexpected,
                       coalesce(min(record_id, {SAMPLE_IDS}) FILTER (WHERE {fails}), []) AS failing_ids"""
        if check.min_rows is None:
            parts.append(f"SELECT {_literal(check.key)} AS check_key, NULL::VARCHAR AS month, {measures} "
                         "FROM base")
        else:
            parts.append(f"""
                SELECT {_literal(check.key)} AS check_key,
                       CASE WHEN grouping(month) = 0 THEN month END AS month, {measures}
                FROM base
                GROUP BY GROUPING SETS ((), (month))
                HAVING grouping(month) = 1
                    OR (month IS NOT NULL AND bool_and(month_closed)
                        AND count(*) FILTER (WHERE {check.scope}) >= {check.min_rows})""")
    return (f"WITH base AS MATERIALIZED (SELECT *{derived} FROM ({base})) "
            "SELECT *, CASE WHEN rows_in_scope > 0 THEN 1 - unexpected / rows_in_scope END AS share, "
            "check_key || '|' || coalesce(month, 'all') AS record_id "
            f"FROM ({' UNION ALL '.join(parts)}) ORDER BY check_key, month NULLS FIRST")


def build_checks_suite(name: str, checks: list[Check]) -> gx.ExpectationSuite:
    """GX's view of measured checks: per check, its aggregate rows' passing share at least the
    threshold (every row when it has none)."""
    return gx.ExpectationSuite(name=name, expectations=[
        E.ExpectColumnValuesToBeBetween(
            column="share", min_value=1.0 if c.threshold is None else c.threshold,
            row_condition=Column("check_key") == c.key,
            meta=_meta(c.severity, c.label, None, c.threshold))
        for c in checks])


# --- the checks ----------------------------------------------------------------------------------

def filled(column: str, share: float, min_rows: int, flag: str | None = None) -> Check:
    return Check(column, "expect_column_values_to_not_be_null", f"{column} filled", flag or "true",
                 f"{column} IS NULL", share, "error", min_rows)


def _unique(column: str) -> Check:
    return Check(column, "expect_column_values_to_be_unique", f"{column} unique", f"{column} IS NOT NULL",
                 f"_{column}_rows > 1", severity="error",
                 derived=f"count(*) OVER (PARTITION BY {column}) AS _{column}_rows")


def _in_set(column: str, values, share: float, label: str | None = None) -> Check:
    return Check(column, "expect_column_values_to_be_in_set", label or f"{column} is a known code",
                 f"{column} IS NOT NULL", f"{column} NOT IN ({', '.join(map(_literal, values))})", share)


def _found(column: str, share: float, label: str) -> Check:
    return Check(column, "expect_column_values_to_be_in_set", label, f"{column} IS NOT NULL",
                 f"NOT {column}", share)


def _email(share: float) -> Check:
    return Check("email_normalized", "expect_column_values_to_match_regex", "e-mail well formed",
                 "email_normalized IS NOT NULL",
                 f"NOT regexp_full_match(email_normalized, {_literal(EMAIL_PATTERN)})", share)


def _between(column: str, label: str, low: float | None = None, high: float | None = None) -> Check:
    failing = " OR ".join(([f"{column} < {low}"] if low is not None else [])
                          + ([f"{column} > {high}"] if high is not None else []))
    return Check(column, "expect_column_values_to_be_between", label, f"{column} IS NOT NULL", failing)


def _ordered(later: str, earlier: str) -> Check:
    """`later` not before `earlier`, on the rows carrying both and not flagged out of order."""
    return Check(later, "expect_column_pair_values_a_to_be_greater_than_b",
                 f"{later} not before {earlier} (unless flagged out of order)",
                 f"{later} IS NOT NULL AND {earlier} IS NOT NULL AND is_out_of_order = false",
                 f"{later} < {earlier}")


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


def lead_field_checks(rules: Rules) -> list[Check]:
    """SLA, marketing side: the required lead fields filled for the agreed share of leads."""
    return [filled(column, rules.sla.lead_required_fields_min_share, rules.quality.min_rows_per_month)
            for column in rules.sla.lead_required_fields]


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


def handoff_checks(rules: Rules) -> list[Check]:
    """SLA, sales side: owner and notification time present; first contact recorded once its
    deadline has passed; the decision's time whenever the status records a decision (a lead still
    undecided after its deadline is a missed SLA, shown as such, not a missing field); a non-SQL
    reason whenever a lead is decided non-SQL."""
    share, min_rows = rules.quality.sales_fields_min_share, rules.quality.min_rows_per_month
    return [filled("owner", share, min_rows), filled("notified_time", share, min_rows),
            filled("first_contact_at", share, min_rows, "first_contact_due"),
            filled("decided_at", share, min_rows, "is_decided"),
            filled("non_sql_reason", share, min_rows, "is_non_sql")]


# --- validity, ordering, integrity, uniqueness ---------------------------------------------------

def _codes(extract: str, field: str) -> tuple[str, ...]:
    return EXTRACTS[extract].get_field(field).values


def _currencies(rules: Rules) -> list[str]:
    return [rules.locale.currency] + [r.currency for r in rules.fx_rates]


def ma_leads_checks(rules: Rules) -> list[Check]:
    share = rules.quality.validity_min_share
    return [_unique("record_id"), _email(share), _in_set("original_channel", CHANNELS, share)]


def sfa_leads_checks(rules: Rules) -> list[Check]:
    share = rules.quality.validity_min_share
    return [_unique("record_id"), _in_set("status", _codes("sfa_leads", "status"), share),
            _in_set("disqualification_reason", NON_SQL_REASONS, share), _ordered("decided_at", "notified_at"),
            _found("ma_lead_found", rules.quality.integrity_min_share, "MA id found among MA leads")]


def opportunities_checks(rules: Rules) -> list[Check]:
    share = rules.quality.validity_min_share
    return [_unique("record_id"), _in_set("stage", OPPORTUNITY_STAGES, share),
            _between("amount", "amount not negative", low=0), _in_set("currency", _currencies(rules), share),
            _ordered("close_date", "created_date"),
            _found("account_found", rules.quality.integrity_min_share, "account found in the CRM")]


def subscriptions_checks(rules: Rules) -> list[Check]:
    share = rules.quality.validity_min_share
    return [_unique("record_id"), _between("mrr", "MRR not negative", low=0),
            _in_set("currency", _currencies(rules), share),
            _in_set("subscription_type", _codes("crm_subscriptions", "subscription_type"), share),
            _ordered("end_date", "start_date"),
            _found("account_found", rules.quality.integrity_min_share, "account found in the CRM")]


def campaigns_checks(rules: Rules) -> list[Check]:
    share = rules.quality.validity_min_share
    return [_unique("record_id"), _between("cost", "cost not negative", low=0),
            _in_set("currency", _currencies(rules), share), _in_set("channel", CHANNELS, share),
            _ordered("ended_on", "started_on")]


def users_checks(rules: Rules) -> list[Check]:
    return [_unique("record_id"), _in_set("role", _codes("sfa_users", "role"), 1.0)]


def accounts_checks(rules: Rules) -> list[Check]:
    share = rules.quality.validity_min_share
    return [_unique("record_id"), _in_set("segment", _codes("crm_accounts", "segment"), share),
            _between("employees", "employees not negative", low=0)]


def contacts_checks(rules: Rules) -> list[Check]:
    share = rules.quality.validity_min_share
    return [_unique("record_id"), _email(share),
            _in_set("buying_role", _codes("crm_contacts", "buying_role"), share)]


def nps_checks(rules: Rules) -> list[Check]:
    return [_unique("record_id"), _between("score", "score between 0 and 10", low=0, high=10)]


# --- small aggregated views: GX validates their rows ---------------------------------------------

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
          _lead_fields_sql("stg_ma__leads", "lead_id", True), True, lead_field_checks,
          measured_by=_lead_fields("ma_leads")),
    Suite("lead_fields_completeness_sfa", ("staging", "stg_sfa__leads"),
          "SLA, marketing side: required lead fields of SFA leads (those the SFA carries), per month.",
          _lead_fields_sql("stg_sfa__leads", "sfa_lead_id", False), True, lead_field_checks,
          measured_by=_lead_fields("sfa_leads")),
    Suite("handoff_completeness", ("marts", "lead_journey"),
          "SLA, sales side: owner, notification, first contact, decision and non-SQL reason recorded.",
          _handoff_sql, True, handoff_checks, measured_by=HANDOFF_FIELDS),
    Suite("ma_leads_validity", ("staging", "stg_ma__leads"),
          "MA leads: unique ids, e-mail form, known channel codes.",
          _sql("SELECT lead_id AS record_id, email_normalized, original_channel FROM staging.stg_ma__leads"),
          True, ma_leads_checks),
    Suite("sfa_leads_validity", ("staging", "stg_sfa__leads"),
          "SFA leads: unique ids, known statuses and reasons, decision after notification, MA ids found.",
          _sql("""SELECT s.sfa_lead_id AS record_id, s.status, s.disqualification_reason, s.notified_at,
                         s.decided_at, s.is_out_of_order,
                         s.ma_lead_id IS NULL OR m.lead_id IS NOT NULL AS ma_lead_found
                  FROM staging.stg_sfa__leads AS s
                  LEFT JOIN staging.stg_ma__leads AS m ON m.lead_id = s.ma_lead_id"""),
          True, sfa_leads_checks),
    Suite("opportunities_validity", ("staging", "stg_sfa__opportunities"),
          "Opportunities: unique ids, known stages and currencies, amounts not negative, close after "
          "creation, accounts found.",
          _sql("""SELECT o.opportunity_id AS record_id, o.stage, o.amount, o.currency,
                         cast(o.created_at AS DATE) AS created_date, o.close_date, o.is_out_of_order,
                         o.account_id IS NULL OR a.account_id IS NOT NULL AS account_found
                  FROM staging.stg_sfa__opportunities AS o
                  LEFT JOIN staging.stg_crm__accounts AS a ON a.account_id = o.account_id"""),
          True, opportunities_checks),
    Suite("subscriptions_validity", ("staging", "stg_crm__subscriptions"),
          "Subscriptions: unique ids, MRR not negative, known currencies and types, end after start, "
          "accounts found.",
          _sql("""SELECT s.subscription_id AS record_id, s.mrr, s.currency, s.subscription_type,
                         s.start_date, s.end_date, false AS is_out_of_order,
                         a.account_id IS NOT NULL AS account_found
                  FROM staging.stg_crm__subscriptions AS s
                  LEFT JOIN staging.stg_crm__accounts AS a ON a.account_id = s.account_id"""),
          True, subscriptions_checks),
    Suite("campaigns_validity", ("staging", "stg_ma__campaigns"),
          "Campaigns: unique ids, cost not negative, known currencies and channels, end after start.",
          _sql("""SELECT campaign_id AS record_id, cost, currency, channel, started_on, ended_on,
                         false AS is_out_of_order FROM staging.stg_ma__campaigns"""),
          True, campaigns_checks),
    Suite("users_validity", ("staging", "stg_sfa__users"), "SFA users: unique names, known roles.",
          _sql("SELECT user_name AS record_id, role FROM staging.stg_sfa__users"), True, users_checks),
    Suite("ma_activity_types", ("staging", "stg_ma__activities"),
          "MA activities (aggregated per type): known types; every activity belongs to a loaded lead.",
          _sql("""SELECT a.activity_type AS record_id, count(*) AS activities,
                         avg(CASE WHEN l.lead_id IS NOT NULL THEN 1.0 ELSE 0 END) AS share_with_lead
                  FROM staging.stg_ma__activities AS a
                  LEFT JOIN staging.stg_ma__leads AS l ON l.lead_id = a.lead_id GROUP BY 1"""),
          False, build=build_activity_types_suite),
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
          False, build=build_activity_types_suite),
    Suite("stage_history_validity", ("staging", "stg_sfa__opportunity_history"),
          "Opportunity stage history (aggregated per stage): known stages.",
          _sql("SELECT stage AS record_id, count(*) AS changes FROM staging.stg_sfa__opportunity_history "
               "GROUP BY 1"), False, build=build_stage_history_suite),
    Suite("accounts_validity", ("staging", "stg_crm__accounts"),
          "Accounts: unique ids, known segments, employees not negative.",
          _sql("SELECT account_id AS record_id, segment, employees FROM staging.stg_crm__accounts"),
          True, accounts_checks),
    Suite("contacts_validity", ("staging", "stg_crm__contacts"),
          "CRM contacts: unique ids, e-mail form, known buying roles.",
          _sql("SELECT contact_id AS record_id, email_normalized, buying_role "
               "FROM staging.stg_crm__contacts"),
          True, contacts_checks),
    Suite("nps_validity", ("staging", "stg_crm__nps"), "NPS responses: unique ids, scores 0-10.",
          _sql("SELECT response_id AS record_id, score FROM staging.stg_crm__nps"), True, nps_checks),
    Suite("source_freshness", ("raw", "ma_leads"),
          "Freshness: the age of each source system's newest record against quality.freshness_max_days.",
          _freshness_sql, False, build=build_freshness_suite),
)
