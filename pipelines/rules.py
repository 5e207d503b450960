"""Business rules: `<workspace>/leadjourney.yml` merged over the built-in defaults, validated.

The defaults live in `pipelines/defaults/leadjourney.yml` (the numbers of DESIGN.md); this module
only gives them a typed shape. Validation errors name the file and the key path.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.contract import OPPORTUNITY_STAGES

DEFAULTS_PATH = Path(__file__).parent / "defaults" / "leadjourney.yml"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self):
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class Locale(_Strict):
    default_language: Literal["ja", "en"]
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    mask_personal_data: bool


class BusinessHours(_Strict):
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self):
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class Calendar(_Strict):
    timezone: str
    holidays_country: str
    company_holidays: list[date]
    workdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1)
    business_hours: BusinessHours
    fiscal_year_start_month: int = Field(ge=1, le=12)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(v)
        except Exception as exc:  # noqa: BLE001 - any failure means an unknown zone
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @field_validator("holidays_country")
    @classmethod
    def _known_country(cls, v: str) -> str:
        if v:
            import holidays

            if v not in holidays.list_supported_countries():
                raise ValueError(f"the holidays library has no country {v!r}")
        return v


class Reporting(_Strict):
    as_of: str

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, v: str) -> str:
        if v not in ("latest_record", "now"):
            from datetime import datetime

            try:
                datetime.fromisoformat(v)
            except ValueError as exc:
                raise ValueError("must be latest_record, now or an ISO date-time") from exc
        return v


class Stages(_Strict):
    contact_activity_types: list[str] = Field(min_length=1)
    advocate_subscription_types: list[str]


class SizePoints(_Strict):
    min_employees: int = Field(ge=0)
    points: float


class CodePoints(_Strict):
    points: dict[str, float]
    default: float


class TitleRule(_Strict):
    level: str
    pattern: str
    points: float

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return v


class Fit(_Strict):
    company_size: list[SizePoints] = Field(min_length=1)
    industry: CodePoints
    title: list[TitleRule] = Field(min_length=1)
    region: CodePoints


class EngagementRule(_Strict):
    activity_type: str
    asset_type: str | None = None
    points: float


class MqlRule(_Strict):
    fit_min: float
    engagement_min: float


def _ascending_bands(v: list[float]) -> list[float]:
    if v != sorted(v) or len(set(v)) != len(v):
        raise ValueError("score bands must be strictly ascending lower bounds")
    return v


class FitEngagementWhatIf(_Strict):
    fit_min: list[float] = Field(min_length=1)
    engagement_min: list[float] = Field(min_length=1)


class FitEngagement(_Strict):
    mql: MqlRule
    score_bands: list[float] = Field(min_length=1)
    grade_a_min_score: float
    what_if: FitEngagementWhatIf
    fit: Fit
    engagement: list[EngagementRule] = Field(min_length=1)

    _bands = field_validator("score_bands")(_ascending_bands)


class AdditiveRule(_Strict):
    name: str
    points: float
    min_employees: int | None = None
    industry_in: list[str] | None = None
    title_level_in: list[str] | None = None
    activity_type: str | None = None
    min_count: int | None = None

    @model_validator(mode="after")
    def _one_condition(self):
        conditions = [self.min_employees is not None, self.industry_in is not None,
                      self.title_level_in is not None, self.activity_type is not None]
        if sum(conditions) != 1:
            raise ValueError("give exactly one of min_employees, industry_in, title_level_in, "
                             "activity_type (with min_count)")
        if self.activity_type is not None and self.min_count is None:
            raise ValueError("activity_type needs min_count")
        return self


class AdditiveMql(_Strict):
    score_min: float


class AdditiveWhatIf(_Strict):
    score_min: list[float] = Field(min_length=1)


class Additive(_Strict):
    mql: AdditiveMql
    score_bands: list[float] = Field(min_length=1)
    grade_a_min_score: float
    what_if: AdditiveWhatIf
    rules: list[AdditiveRule] = Field(min_length=1)

    _bands = field_validator("score_bands")(_ascending_bands)


class Scoring(_Strict):
    model: Literal["fit_engagement", "additive"]
    fit_engagement: FitEngagement
    additive: Additive

    @property
    def active(self) -> FitEngagement | Additive:
        """The settings of the model in use (thresholds, bands and what-if are on its scale)."""
        return self.fit_engagement if self.model == "fit_engagement" else self.additive


class Bant(_Strict):
    sql_min_yes: int = Field(ge=0, le=4)


class GradeA(_Strict):
    need: bool
    authority: bool
    max_timeline_months: int = Field(ge=0)


class GradeB(_Strict):
    max_timeline_months: int = Field(ge=0)
    min_bant_yes: int = Field(ge=0, le=4)


class Grades(_Strict):
    a: GradeA
    b: GradeB


class Sla(_Strict):
    first_contact_hours: float = Field(gt=0)
    first_contact_clock: Literal["calendar", "business"]
    min_attempts: int = Field(ge=0)
    decision_business_days: int = Field(ge=0)
    non_sql_reason_required: bool
    speed_to_lead_minutes: list[float] = Field(min_length=1)
    lead_required_fields: list[
        Literal["company_name", "person_name", "email_or_phone", "email", "phone", "industry",
                "employees", "title", "department", "prefecture"]
    ] = Field(min_length=1)
    lead_required_fields_min_share: float = Field(ge=0, le=1)

    @field_validator("speed_to_lead_minutes")
    @classmethod
    def _ascending(cls, v: list[float]) -> list[float]:
        if v != sorted(v):
            raise ValueError("buckets must be ascending")
        return v

    @field_validator("lead_required_fields")
    @classmethod
    def _once_each(cls, v: list[str]) -> list[str]:
        repeated = sorted({f for f in v if v.count(f) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return v


class FxRate(_Strict):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    rate: float = Field(gt=0)


class Reapproach(_Strict):
    months: int | None = Field(default=None, ge=0)
    budgeting_season: bool = False

    @model_validator(mode="after")
    def _one(self):
        if (self.months is None) == (not self.budgeting_season):
            raise ValueError("give either months or budgeting_season: true")
        return self


class Recycling(_Strict):
    reapproach_after_loss: dict[str, Reapproach]
    budgeting_season_start_month: int = Field(ge=1, le=12)
    nurture_excluded_reasons: list[str]
    dormant_days: int = Field(ge=1)


class Actions(_Strict):
    horizon_days: int = Field(ge=0, le=366)


OPEN_OPPORTUNITY_STAGES = tuple(s for s in OPPORTUNITY_STAGES if not s.startswith("closed_"))


class StageForecast(_Strict):
    probability: float = Field(ge=0, le=1)
    forecast: Literal["pipeline", "best_case", "commit", "omitted"]


class Pipeline(_Strict):
    stages: dict[Literal[OPEN_OPPORTUNITY_STAGES], StageForecast]

    @model_validator(mode="after")
    def _every_open_stage(self):
        missing = [s for s in OPEN_OPPORTUNITY_STAGES if s not in self.stages]
        if missing:
            raise ValueError("give a probability and forecast category for every open stage: "
                             + ", ".join(missing))
        return self


DEPARTMENT_KPIS = ("cost_per_mql", "cost_per_sql", "cost_per_won", "connect_rate", "appointment_rate",
                   "win_rate", "avg_sales_cycle_days", "churn_rate", "upsell_rate", "net_revenue_retention",
                   "gross_revenue_retention", "nps")
# department KPIs in money: their targets are in targets.currency
MONEY_KPIS = ("cost_per_mql", "cost_per_sql", "cost_per_won")


class OpenBand(_Strict):
    """A target band with either end optional: low = at least, high = at most."""

    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _an_end(self):
        if self.low is None and self.high is None:
            raise ValueError("give low, high or both")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class Targets(_Strict):
    mql_per_month: int = Field(ge=0)
    new_arr_fiscal_year: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")  # the money targets' currency
    mql_to_sql: Band
    sql_to_opportunity: Band
    opportunity_to_won: Band
    sql_to_won: Band
    mql_to_won: Band
    first_contact_hours_avg_max: float = Field(gt=0)
    sla_compliance_min: float = Field(ge=0, le=1)
    mqls_per_is_rep_month: int = Field(gt=0)
    min_sample_size: int = Field(ge=1)
    departments: dict[Literal[DEPARTMENT_KPIS], OpenBand]


class SegmentRule(_Strict):
    segment: Literal["smb", "mid_market", "enterprise"]
    min_employees: int = Field(ge=0)


class SizeBand(_Strict):
    band: str
    min_employees: int = Field(ge=0)


class Identity(_Strict):
    free_email_domains: list[str]


class Quality(_Strict):
    sales_fields_min_share: float = Field(ge=0, le=1)
    validity_min_share: float = Field(ge=0, le=1)
    integrity_min_share: float = Field(ge=0, le=1)
    freshness_max_days: dict[Literal["ma", "sfa", "crm"], float]
    min_rows_per_month: int = Field(ge=1)


class Ingest(_Strict):
    earliest_date: date
    future_margin_days: float = Field(ge=0)
    planned_future_years: int = Field(ge=0, le=100)


class Funnel(_Strict):
    within_days: list[int] = Field(min_length=1)
    maturity_days: int = Field(ge=0)


class Rules(_Strict):
    locale: Locale
    fx_rates: list[FxRate]
    calendar: Calendar
    reporting: Reporting
    stages: Stages
    scoring: Scoring
    bant: Bant
    grades: Grades
    sla: Sla
    targets: Targets
    segments: list[SegmentRule] = Field(min_length=1)
    size_bands: list[SizeBand] = Field(min_length=1)
    identity: Identity
    recycling: Recycling
    actions: Actions
    pipeline: Pipeline
    quality: Quality
    ingest: Ingest
    funnel: Funnel

    @model_validator(mode="after")
    def _catch_all_bands(self):
        if self.segments[-1].min_employees != 0 or self.size_bands[-1].min_employees != 0:
            raise ValueError("segments and size_bands must end with a min_employees: 0 row")
        if self.targets.currency != self.locale.currency and self.fx_rate(self.targets.currency) is None:
            raise ValueError(
                f"targets.currency is {self.targets.currency} but the reporting currency "
                f"(locale.currency) is {self.locale.currency} and fx_rates has no "
                f"{self.targets.currency} rate: add one, or state the targets in "
                f"{self.locale.currency}")
        return self

    def fx_rate(self, currency: str) -> float | None:
        """1 unit of `currency` in the reporting currency."""
        if currency == self.locale.currency:
            return 1.0
        return next((r.rate for r in self.fx_rates if r.currency == currency), None)

    def in_reporting_currency(self, amount: float) -> float:
        """A money target, converted from targets.currency into the reporting currency."""
        return amount * self.fx_rate(self.targets.currency)


def _deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# Keys of earlier versions of the rules file and where their setting lives now.
MOVED_KEYS = {
    "scoring.score_bands": "moved to scoring.<model>.score_bands: each scoring model has its own scale",
    "scoring.what_if": "moved to scoring.<model>.what_if",
    "scoring.additive.handoff_min": "moved to scoring.additive.mql.score_min",
    "grades.a.min_total_score": "moved to scoring.<model>.grade_a_min_score",
    "stages.funnel": "no longer read: the stage order is fixed (known, MQL, SAL, SQL, ...); remove it",
}


def _format_errors(source: str, exc: ValidationError) -> str:
    lines = [f"{source}: {len(exc.errors())} problem(s) in the business rules:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        moved = f" ({MOVED_KEYS[key]})" if key in MOVED_KEYS else ""
        lines.append(f"  - {key}: {err['msg']}{moved}")
    return "\n".join(lines)


def load_defaults_dict() -> dict:
    return yaml.safe_load(DEFAULTS_PATH.read_text(encoding="utf-8"))


def load_rules(path: Path | None = None) -> Rules:
    """Load `path` over the defaults (the defaults alone when `path` is None or missing)."""
    data = load_defaults_dict()
    source = str(DEFAULTS_PATH)
    if path is not None and Path(path).exists():
        source = str(path)
        try:
            user = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RulesError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(user, dict):
            raise RulesError(f"{path}: the top level must be a mapping of sections")
        data = _deep_merge(data, user)
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        raise RulesError(_format_errors(source, exc)) from None
