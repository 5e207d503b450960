"""Filters, the publication and the rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipelines.config_tables import TRANSITIONS  # noqa: F401 (re-exported: stage transitions with a band)

Query = Callable[[str, tuple], pd.DataFrame]

# Filterable lead dimensions: the columns of marts.lead_attributes.
DIMENSIONS = ("channel", "campaign", "segment", "industry", "size_band", "region", "owner")
FUNNEL_STAGES = ("known", "mql", "sal", "sql", "opportunity", "won", "customer")
COHORT_STAGES = ("mql", "sal", "sql", "opportunity", "won", "customer")
# SLA rules in display order (marts.sla_handoff_rules.sla_rule); "all" is the four hand-off rules.
SLA_RULES = ("first_contact", "attempts", "decision", "reason", "bant", "all")
PERSONAL_COLUMNS = ("person_name", "email", "phone")


@dataclass(frozen=True)
class Filters:
    """Global filters: an inclusive range of months and allowed values per dimension."""

    start: date | None = None
    end: date | None = None
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self):
        unknown = set(self.values) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"unknown filter dimension(s): {', '.join(sorted(unknown))}")

    @property
    def has_lead_filters(self) -> bool:
        return any(self.values.get(d) for d in DIMENSIONS)

    def lead_clause(self, alias: str = "a") -> tuple[str, tuple]:
        """' AND a.channel IN (?, ?) ...' for the dimension filters, with its parameters."""
        sql, params = "", []
        for dim in DIMENSIONS:
            chosen = self.values.get(dim) or ()
            if chosen:
                sql += f" AND {alias}.{dim} IN ({', '.join('?' for _ in chosen)})"
                params.extend(chosen)
        return sql, tuple(params)

    def month_clause(self, column: str) -> tuple[str, tuple]:
        sql, params = "", []
        if self.start is not None:
            sql += f" AND {column} >= ?"
            params.append(self.start)
        if self.end is not None:
            sql += f" AND {column} <= ?"
            params.append(self.end)
        return sql, tuple(params)

    def join(self, alias: str, keys: str = "lead_id, cycle_number") -> str:
        """Join to marts.lead_attributes only when a dimension filter needs it."""
        if not self.has_lead_filters:
            return ""
        on = " AND ".join(f"a.{k.strip()} = {alias}.{k.strip()}" for k in keys.split(","))
        return f" INNER JOIN marts.lead_attributes AS a ON {on}"


NO_FILTERS = Filters()


def publication(q: Query) -> dict:
    """The published run: run_id, published_at, as_of, as_of_month, last_complete_month and, from
    copies published since the weekly view, as_of_week and action_horizon_date."""
    return q("SELECT * EXCLUDE (inputs) FROM meta.publication", ()).iloc[0].to_dict()


def rules(q: Query) -> dict:
    """The business rules the published data was built with (config.rules, one row)."""
    return q("SELECT * FROM config.rules", ()).iloc[0].to_dict()


def target_bands(q: Query) -> dict[str, tuple[float, float]]:
    df = q("SELECT kpi, low, high FROM config.target_bands", ())
    return {r.kpi: (float(r.low), float(r.high)) for r in df.itertuples()}


def months(q: Query) -> list[date]:
    """Months with data (cohorts, stage entries, closed deals), oldest first (marts.report_months)."""
    df = q("SELECT month FROM marts.report_months ORDER BY month", ())
    return [pd.Timestamp(m).date() for m in df["month"]]


def filter_options(q: Query) -> dict[str, pd.DataFrame]:
    """Per dimension: its values with their lead counts (and a campaign's name), largest first."""
    df = q("SELECT dimension, value, name, leads FROM marts.filter_options ORDER BY leads DESC, value", ())
    return {dim: df[df["dimension"] == dim].drop(columns="dimension").reset_index(drop=True)
            for dim in DIMENSIONS}
