"""The canonical raw contract: what every source mapping maps an export onto.

One `Extract` per kind of record the product understands. A source mapping (YAML) says which
export columns fill which canonical fields; the ingest casts each field to its type, checks the
required ones and writes the rows into `raw.<extract name>` in the warehouse.

Field types:
  string     text, trimmed; empty -> null
  integer    whole number; thousands separators allowed
  decimal    money or rates; currency symbols and thousands separators allowed
  boolean    yes/no in English or Japanese (see BOOLEAN_LABELS), or mapped labels
  date       a calendar date
  timestamp  a point in time, read in the mapping's time zone, stored in UTC (naive TIMESTAMP)

Values a type can hold but no export plausibly means are quarantined at ingest: an amount of
AMOUNT_LIMIT or more (it would overflow the sums and ARR of the marts), a date before
ingest.earliest_date or too far after the load (the rules file), a NUL byte in any text, a
control character in a key.
"""

from __future__ import annotations

from dataclasses import dataclass

# The largest amount (absolute, in the export's currency) a decimal field takes: 10 trillion.
AMOUNT_LIMIT = 10 ** 13

FIELD_TYPES = ("string", "integer", "decimal", "boolean", "date", "timestamp")

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(18,2)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

# Canonical fields that hold a person's data, masked wherever it leaves the warehouse (the raw
# lines of quarantined rows included) unless masking is turned off.
PERSONAL_FIELDS = ("email", "contact_email", "phone", "last_name", "first_name")

# Built-in boolean labels, lower-cased. A mapping may add its own with `values:`.
BOOLEAN_LABELS = {
    "true": True, "yes": True, "y": True, "1": True, "はい": True, "有": True, "あり": True,
    "○": True, "〇": True, "済": True,
    "false": False, "no": False, "n": False, "0": False, "いいえ": False, "無": False,
    "なし": False, "×": False, "未": False,
}


CHANNELS = ("organic_search", "paid_search", "organic_social", "paid_social", "event", "webinar", "referral",
            "direct", "email", "partner", "other")
OPPORTUNITY_STAGES = ("problem_recognised", "information_gathering", "comparison", "internal_approval",
                      "decision", "negotiation", "closed_won", "closed_lost")
NON_SQL_REASONS = ("no_budget", "too_early", "competitor", "info_gathering", "unreachable", "not_target")
LOST_REASONS = ("no_budget", "too_early", "competitor", "missing_features", "deprioritised")
MA_ACTIVITY_TYPES = ("page_view", "document_download", "webinar_registration", "webinar_attendance",
                     "seminar_attendance", "consultation", "email_open", "email_click", "form_submit")
# The bucket of an empty dimension value, kept apart from a source's own "unknown" (the dbt macro
# no_value() returns the same; a test keeps the two equal).
NO_VALUE = "(none)"

# The journey's stages (dbt_project/macros/stages.sql orders them; a test keeps the two equal).
JOURNEY_STAGES = ("known", "mql", "sal", "sql", "opportunity", "won", "lost", "customer", "advocate",
                  "disqualified", "recycled")
RECORD_KINDS = ("person", "lead", "opportunity")
SFA_ACTIVITY_TYPES = ("call", "email", "meeting", "web_meeting", "executive_meeting", "key_person_meeting",
                      "proposal", "customer_consultation", "account_plan_update")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    required: bool = False
    values: tuple[str, ...] = ()  # canonical codes of a picklist (others load, and are reported)
    # What a loaded source that carries this field makes measurable: "stage:<stage>" (the stage
    # can be observed) or "sla:<rule>". A measure no loaded source carries is "not measurable".
    carries: tuple[str, ...] = ()
    # A date that may lie ahead (an expected close, a contract's end): it may be up to
    # ingest.planned_future_years after the load, where a recorded time may be only
    # ingest.future_margin_days after it.
    planned: bool = False


@dataclass(frozen=True)
class Extract:
    name: str
    system: str  # ma | sfa | crm | any (the mapping's folder says)
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    # Version order: the source's modified time when it has one, else load order.
    modified_field: str | None = None
    # At least one field of each group must be filled.
    required_any: tuple[tuple[str, ...], ...] = ()
    # (earlier, later) pairs that must not go backwards inside one row; rows that do are loaded
    # and flagged `out_of_order`, not quarantined (real systems record times late or wrongly).
    ordered: tuple[tuple[str, str], ...] = ()
    # Kept as versions of keyed records (dbt's record_versions); stage events are facts instead.
    versioned: bool = True

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def get_field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


def _f(name: str, type_: str, description: str, required: bool = False,
       values: tuple[str, ...] = (), carries: tuple[str, ...] = (), planned: bool = False) -> Field:
    return Field(name, type_, description, required, values, carries, planned)


EXTRACTS: dict[str, Extract] = {
    e.name: e
    for e in [
        Extract(
            "ma_leads", "ma", "Leads / contacts in marketing automation, one row per lead.",
            (
                _f("lead_id", "string", "MA lead (contact) id.", True),
                _f("email", "string", "E-mail address as written in the MA."),
                _f("phone", "string", "Phone number."),
                _f("last_name", "string", "Family name."),
                _f("first_name", "string", "Given name."),
                _f("company_name", "string", "Company name."),
                _f("company_domain", "string", "Company web domain (example.co.jp)."),
                _f("title", "string", "Job title as written (部長, Manager, ...)."),
                _f("department", "string", "Department."),
                _f("employees", "integer", "Company size in employees (lower bound of a range)."),
                _f("industry", "string", "Industry code (see the mapping's value labels)."),
                _f("prefecture", "string", "Prefecture (都道府県) of the company."),
                _f("created_at", "timestamp",
                   "When the lead became known (empty when the export does not say).",
                   carries=("stage:known",)),
                _f("original_channel", "string", "Original acquisition channel (canonical code).",
                   values=CHANNELS),
                _f("original_campaign_id", "string", "Campaign that brought the lead in."),
                _f("lifecycle_stage", "string", "The MA's lifecycle stage now."),
                _f("mql_at", "timestamp", "When the MA marked the lead marketing-qualified.",
                   carries=("stage:mql",)),
                _f("modified_at", "timestamp", "Last modification in the MA."),
            ),
            key=("lead_id",), modified_field="modified_at", ordered=(("created_at", "mql_at"),),
        ),
        Extract(
            "ma_activities", "ma", "Engagement activities of MA leads, one row per activity.",
            (
                _f("activity_id", "string", "Activity id.", True),
                _f("lead_id", "string", "MA lead id.", True),
                _f("activity_type", "string", "What kind of engagement.", True,
                   values=MA_ACTIVITY_TYPES),
                _f("occurred_at", "timestamp", "When it happened.", True),
                _f("asset_type", "string",
                   "What was touched: product_page, pricing_page, case_study, white_paper, ..."),
                _f("asset_name", "string", "Page, document or event name."),
                _f("campaign_id", "string", "Campaign the activity belongs to."),
            ),
            key=("activity_id",),
        ),
        Extract(
            "ma_campaigns", "ma", "Marketing campaigns with their cost.",
            (
                _f("campaign_id", "string", "Campaign id.", True),
                _f("campaign_name", "string", "Campaign name.", True),
                _f("channel", "string", "Channel code of the campaign.", values=CHANNELS),
                _f("started_on", "date", "First day.", planned=True),
                _f("ended_on", "date", "Last day.", planned=True),
                _f("cost", "decimal", "Total spend."),
                _f("currency", "string", "ISO 4217 currency code of the cost."),
            ),
            key=("campaign_id",), ordered=(("started_on", "ended_on"),),
        ),
        Extract(
            "sfa_users", "sfa", "Sales users: role, team and manager.",
            (
                _f("user_name", "string", "Full name as shown as owner in reports.", True),
                _f("user_id", "string", "SFA user id."),
                _f("role", "string", "is (inside sales), fs (field sales), cs, manager.",
                   values=("is", "fs", "cs", "manager")),
                _f("team", "string", "Team name."),
                _f("manager_name", "string", "The user's manager."),
                _f("office", "string", "Office or region the user works from."),
                _f("email", "string", "The user's e-mail."),
                _f("is_active", "boolean", "Whether the user is active."),
            ),
            key=("user_name",),
        ),
        Extract(
            "sfa_leads", "sfa",
            "Leads received by sales, one row per hand-off (a recycled lead that comes back is a "
            "new SFA lead).",
            (
                _f("sfa_lead_id", "string", "SFA lead id.", True),
                _f("ma_lead_id", "string", "MA lead id carried over by the MA-SFA sync."),
                _f("email", "string", "E-mail address as written in the SFA."),
                _f("last_name", "string", "Family name."),
                _f("first_name", "string", "Given name."),
                _f("company_name", "string", "Company name."),
                _f("title", "string", "Job title."),
                _f("phone", "string", "Phone number."),
                _f("owner", "string", "Owner (IS rep), as a user name."),
                _f("status", "string", "open, working, sql, disqualified, recycled.", True,
                   values=("open", "working", "sql", "disqualified", "recycled"),
                   carries=("stage:sal", "stage:sql", "stage:disqualified", "stage:recycled")),
                _f("lead_source", "string", "Lead source (canonical channel code).", values=CHANNELS),
                _f("created_at", "timestamp", "When the SFA lead was created.", True,
                   carries=("stage:known",)),
                _f("notified_at", "timestamp", "When the owner was notified of the MQL."),
                _f("mql_at", "timestamp", "MQL time synced from the MA for this hand-off.",
                   carries=("stage:mql",)),
                _f("bant_budget", "boolean", "Budget confirmed.", carries=("sla:bant",)),
                _f("bant_authority", "boolean", "Decision maker reached.", carries=("sla:bant",)),
                _f("bant_need", "boolean", "Concrete need confirmed.", carries=("sla:bant",)),
                _f("bant_timeline", "boolean", "Timeline confirmed.", carries=("sla:bant",)),
                _f("timeline_months", "integer", "Months until the expected purchase."),
                _f("bant_notes", "string", "Free text on BANT."),
                _f("disqualification_reason", "string", "Non-SQL reason (picklist code).",
                   values=NON_SQL_REASONS, carries=("sla:reason",)),
                _f("disqualification_detail", "string", "Non-SQL reason, free text."),
                _f("decided_at", "timestamp", "When the SQL / non-SQL decision was recorded.",
                   carries=("sla:decision",)),
                _f("converted_opportunity_id", "string", "Opportunity created from the lead."),
                _f("modified_at", "timestamp", "Last modification in the SFA."),
            ),
            key=("sfa_lead_id",), modified_field="modified_at",
            ordered=(("created_at", "decided_at"), ("notified_at", "decided_at")),
        ),
        Extract(
            "sfa_activities", "sfa", "Sales activities (calls, e-mails, meetings).",
            (
                _f("activity_id", "string", "Activity id.", True),
                _f("sfa_lead_id", "string", "SFA lead the activity was on."),
                _f("opportunity_id", "string", "Opportunity the activity was on."),
                _f("owner", "string", "Who did it (user name)."),
                _f("activity_type", "string", "What kind of sales activity.", True,
                   values=SFA_ACTIVITY_TYPES),
                _f("occurred_at", "timestamp", "When.", True,
                   carries=("stage:sal", "sla:first_contact", "sla:attempts")),
                _f("outcome", "string",
                   "connected, no_answer, voicemail, appointment_set, replied, held, ..."),
                _f("subject", "string", "Subject."),
            ),
            key=("activity_id",), required_any=(("sfa_lead_id", "opportunity_id"),),
        ),
        Extract(
            "sfa_opportunities", "sfa", "Opportunities (deals), one row per opportunity.",
            (
                _f("opportunity_id", "string", "Opportunity id.", True, carries=("stage:opportunity",)),
                _f("opportunity_name", "string", "Name."),
                _f("account_id", "string", "Account id in the customer master (CRM)."),
                _f("account_name", "string", "Account name."),
                _f("sfa_lead_id", "string", "SFA lead the opportunity was converted from."),
                _f("contact_email", "string", "E-mail of the main contact."),
                _f("owner", "string", "Owner (FS rep), as a user name."),
                _f("lead_source", "string", "Lead source (canonical channel code)."),
                _f("amount", "decimal", "Amount (annual contract value).", carries=("money:pipeline",)),
                _f("currency", "string", "ISO 4217 currency code of the amount."),
                _f("stage", "string", "Stage (canonical code; closed_won / closed_lost when closed).",
                   True, values=OPPORTUNITY_STAGES, carries=("stage:won", "stage:lost")),
                _f("created_at", "timestamp",
                   "When the opportunity was created (empty when the export has no such time yet)."),
                _f("close_date", "date", "Expected or actual close date.", planned=True),
                _f("lost_reason", "string", "Lost reason (picklist code).", values=LOST_REASONS),
                _f("modified_at", "timestamp", "Last modification."),
            ),
            key=("opportunity_id",), modified_field="modified_at",
            ordered=(("created_at", "close_date"),),
        ),
        Extract(
            "sfa_opportunity_history", "sfa", "Stage history of opportunities.",
            (
                _f("opportunity_id", "string", "Opportunity id.", True),
                _f("stage", "string", "Stage entered (canonical code).", True, values=OPPORTUNITY_STAGES),
                _f("changed_at", "timestamp", "When the stage was entered.", True),
                _f("amount", "decimal", "Amount at that time."),
                _f("close_date", "date", "Close date at that time.", planned=True),
            ),
            key=("opportunity_id", "changed_at", "stage"),
        ),
        Extract(
            "stage_events", "any",
            "Stage history from any system: one row per record and stage it entered. Wide exports "
            "(one date column per stage) and field-history exports (one row per change) map onto it.",
            (
                _f("record_id", "string", "Id of the record that entered the stage.", True),
                _f("record_kind", "string",
                   "What the id is: person (an MA lead / contact id), lead (an SFA lead id) or "
                   "opportunity (an opportunity id).", True, values=RECORD_KINDS),
                _f("stage", "string", "Journey stage entered.", True, values=JOURNEY_STAGES),
                _f("entered_at", "timestamp", "When the stage was entered.", True),
                _f("exited_at", "timestamp", "When the stage was left, where the export says."),
            ),
            key=("record_kind", "record_id", "stage", "entered_at"),
            ordered=(("entered_at", "exited_at"),),
            versioned=False,
        ),
        Extract(
            "crm_accounts", "crm", "Accounts in the customer master.",
            (
                _f("account_id", "string", "Account id.", True),
                _f("account_name", "string", "Account name.", True),
                _f("domain", "string", "Web domain."),
                _f("industry", "string", "Industry code."),
                _f("employees", "integer", "Employees."),
                _f("segment", "string", "smb, mid_market, enterprise.",
                   values=("smb", "mid_market", "enterprise")),
                _f("parent_account_id", "string", "Parent account."),
                _f("prefecture", "string", "Prefecture."),
                _f("relationship_stage", "string", "Enterprise relationship stage (code)."),
                _f("annual_spend_estimate", "decimal",
                   "Estimated annual spend of the customer on this category (reporting currency)."),
                _f("owner", "string", "Account owner."),
                _f("created_at", "timestamp", "Created."),
                _f("modified_at", "timestamp", "Last modification."),
            ),
            key=("account_id",), modified_field="modified_at",
        ),
        Extract(
            "crm_contacts", "crm", "Contacts in the customer master.",
            (
                _f("contact_id", "string", "Contact id.", True),
                _f("account_id", "string", "Account id."),
                _f("email", "string", "E-mail address as written in the CRM."),
                _f("last_name", "string", "Family name."),
                _f("first_name", "string", "Given name."),
                _f("title", "string", "Job title."),
                _f("buying_role", "string", "Role in the buying committee.",
                   values=("decision_maker", "proposer", "influencer", "user")),
                _f("created_at", "timestamp", "Created."),
                _f("modified_at", "timestamp", "Last modification."),
            ),
            key=("contact_id",), modified_field="modified_at",
        ),
        Extract(
            "crm_subscriptions", "crm", "Subscriptions / contracts with their MRR.",
            (
                _f("subscription_id", "string", "Subscription id.", True),
                _f("account_id", "string", "Account id.", True),
                _f("opportunity_id", "string", "Deal the subscription came from."),
                _f("plan", "string", "Plan name."),
                _f("subscription_type", "string", "new, renewal, upsell, downgrade.",
                   values=("new", "renewal", "upsell", "downgrade"), carries=("stage:advocate",)),
                _f("mrr", "decimal", "Monthly recurring revenue.", True, carries=("money:arr",)),
                _f("currency", "string", "ISO 4217 currency code of the MRR."),
                _f("start_date", "date", "First day of service.", True, carries=("stage:customer",),
                   planned=True),
                _f("end_date", "date", "Last day of service (empty while running).", planned=True),
                _f("status", "string", "active, cancelled, expired."),
                _f("modified_at", "timestamp", "Last modification."),
            ),
            key=("subscription_id",), modified_field="modified_at",
            ordered=(("start_date", "end_date"),),
        ),
        Extract(
            "crm_nps", "crm", "NPS survey responses.",
            (
                _f("response_id", "string", "Response id.", True),
                _f("account_id", "string", "Account id."),
                _f("contact_id", "string", "Contact id."),
                _f("score", "integer", "0-10.", True),
                _f("responded_at", "timestamp", "When.", True),
                _f("comment", "string", "Free text."),
            ),
            key=("response_id",),
        ),
    ]
}

# Columns the ingest adds to every raw table.
META_COLUMNS = {
    "_load_id": "VARCHAR",
    "_file_name": "VARCHAR",
    "_line_number": "BIGINT",
    "_loaded_at": "TIMESTAMP",
    "_flags": "VARCHAR",
    "_extra": "VARCHAR",
    # the later load that holds this very version again (every field the same): the row is not a
    # version of its own (a daily full export repeats most records unchanged)
    "_repeated_in_load_id": "VARCHAR",
    # the source line's hash (two 64-bit hashes of its text): a later full export of the same
    # mapping that holds this very line again is not read again, the row stays (null for records
    # the strict reader read: a line break inside a field, or an Excel row)
    "_line_hash": "UHUGEINT",
    # the first later full export of the same mapping that no longer holds this row as it is (the
    # record changed or left the source): until then, every full export of the mapping holds it
    "_dropped_by_load_id": "VARCHAR",
}


def raw_table_ddl(extract: Extract, schema: str = "raw") -> str:
    cols = [f'"{f.name}" {DUCKDB_TYPES[f.type]}' for f in extract.fields]
    cols += [f"{name} {type_}" for name, type_ in META_COLUMNS.items()]
    return f"CREATE TABLE IF NOT EXISTS {schema}.{extract.name} (\n  " + ",\n  ".join(cols) + "\n)"


def contract_markdown() -> str:
    """The canonical contract as the README documents it (tests keep the two identical)."""
    out = []
    for e in EXTRACTS.values():
        out.append(f"#### `{e.name}` ({e.system.upper()}) — key: {', '.join(e.key)}\n")
        out.append(e.description + "\n")
        notes = []
        if e.required_any:
            notes.append("at least one of " + "; ".join(" / ".join(g) for g in e.required_any)
                         + " must be filled")
        if e.ordered:
            notes.append("flagged out_of_order when " + "; ".join(f"{a} > {b}" for a, b in e.ordered))
        if e.modified_field:
            notes.append(f"latest version by {e.modified_field}")
        if notes:
            out.append("Rules: " + "; ".join(notes) + ".\n")
        out.append("| field | type | required | meaning |\n|---|---|---|---|")
        for f in e.fields:
            codes = f" Codes: {', '.join(f.values)}." if f.values else ""
            planned = " May lie ahead (a planned date)." if f.planned else ""
            out.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else ''} | "
                       f"{f.description}{codes}{planned} |")
        out.append("")
    return "\n".join(out)
