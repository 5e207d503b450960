"""The figures the dashboard and the monthly deck show, read from the published serving copy.

Every function takes `q(sql, params) -> pandas.DataFrame` (a read-only query against
serving.duckdb) and, where the figure follows the global filters, a `Filters`. Definitions stay
in the dbt marts: these queries only select, filter and sum mart rows. Query text is fixed; user
choices travel as parameters (filter columns come from the `DIMENSIONS` whitelist).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipelines.contract import NO_VALUE

Query = Callable[[str, tuple], pd.DataFrame]

# Filterable lead dimensions: the columns of marts.lead_attributes.
DIMENSIONS = ("channel", "campaign", "segment", "industry", "size_band", "region", "owner")
FUNNEL_STAGES = ("known", "mql", "sal", "sql", "opportunity", "won", "customer")
COHORT_STAGES = ("mql", "sal", "sql", "opportunity", "won", "customer")
# Stage transitions with a target band (config.target_bands), in funnel order.
TRANSITIONS = (
    ("mql_to_sql", "mql", "sql"),
    ("sql_to_opportunity", "sql", "opportunity"),
    ("opportunity_to_won", "opportunity", "won"),
    ("sql_to_won", "sql", "won"),
    ("mql_to_won", "mql", "won"),
)
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


# --- publication and rules -------------------------------------------------------------------


def publication(q: Query) -> dict:
    row = q("SELECT run_id, published_at, as_of, as_of_month, last_complete_month FROM meta.publication",
            ()).iloc[0]
    return row.to_dict()


def rules(q: Query) -> dict:
    """The business rules the published data was built with (config.rules, one row)."""
    return q("SELECT * FROM config.rules", ()).iloc[0].to_dict()


def target_bands(q: Query) -> dict[str, tuple[float, float]]:
    df = q("SELECT kpi, low, high FROM config.target_bands", ())
    return {r.kpi: (float(r.low), float(r.high)) for r in df.itertuples()}


def months(q: Query) -> list[date]:
    """Months with data (cohorts, stage entries, closed deals), oldest first."""
    df = q("""
        SELECT cohort_month AS month FROM marts.funnel_cohort_members
        UNION SELECT entered_month FROM marts.lead_stage_events
        UNION SELECT closed_month FROM marts.opportunity_outcomes
        ORDER BY 1""", ())
    return [pd.Timestamp(m).date() for m in df["month"].dropna()]


def filter_options(q: Query, dimension: str) -> pd.DataFrame:
    """Values of one dimension with their lead counts (and a campaign's name)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    if dimension == "campaign":
        return q(
            """
            SELECT a.campaign AS value, max(j.original_campaign_name) AS name, count(*) AS leads
            FROM marts.lead_attributes AS a
            INNER JOIN marts.lead_journey AS j USING (lead_id, cycle_number)
            GROUP BY a.campaign ORDER BY leads DESC, value""",
            (),
        )
    return q(
        f"""
        SELECT {dimension} AS value, NULL AS name, count(*) AS leads
        FROM marts.lead_attributes GROUP BY 1 ORDER BY leads DESC, value""",
        (),
    )


# --- funnel ----------------------------------------------------------------------------------


def coverage(q: Query) -> dict[str, bool]:
    """measure ('stage:sql', 'sla:decision', 'money:arr') -> whether a loaded source carries it."""
    df = q("SELECT measure, is_measurable FROM marts.measure_coverage", ())
    return dict(zip(df["measure"], df["is_measurable"].astype(bool), strict=True))


def not_measurable(q: Query, measures) -> list[str]:
    """Those of `measures` no loaded source carries (what a page must say it cannot show)."""
    known = coverage(q)
    return [m for m in measures if not known.get(m, False)]


def transition_measures(kpi: str) -> tuple[str, ...]:
    """What a transition rate needs: its two stages, and MQL (the rates follow MQL cohorts)."""
    _kpi, src, dst = next(t for t in TRANSITIONS if t[0] == kpi)
    return tuple(dict.fromkeys(["stage:mql", f"stage:{src}", f"stage:{dst}"]))


def cohort_funnel(
    q: Query, f: Filters, basis: str = "mql", style: str = "cumulative", window_days: int = 0
) -> pd.DataFrame:
    """Per cohort month: cohort size and lead cycles that reached each later stage (NaN for a
    stage no loaded source carries: not measurable, not zero)."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("m.cohort_month")
    sums = ", ".join(f"sum(m.reached_{s}) AS {s}" for s in COHORT_STAGES)
    df = q(
        f"""
        SELECT m.cohort_month, bool_or(m.is_young) AS is_young, count(*) AS cohort_leads, {sums}
        FROM marts.funnel_cohort_members AS m{f.join("m")}
        WHERE m.cohort_basis = ? AND m.metric_style = ? AND m.window_days = ?{month_sql}{lead_sql}
        GROUP BY m.cohort_month ORDER BY m.cohort_month""",
        (basis, style, window_days, *month_params, *lead_params),
    )
    for stage in COHORT_STAGES:
        if not coverage(q).get(f"stage:{stage}", False):
            df[stage] = float("nan")
    return df


def period_funnel(q: Query, f: Filters, style: str = "reached") -> pd.DataFrame:
    """Per month and stage: stage entries and distinct leads ('entered' leaves inferred stages out)."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("e.entered_month")
    stages = ", ".join("?" for _ in FUNNEL_STAGES)
    return q(
        f"""
        SELECT e.entered_month AS month, e.stage, min(e.stage_order) AS stage_order,
               count(*) AS entries, count(DISTINCT e.lead_id) AS leads
        FROM marts.lead_stage_events AS e{f.join("e")}
        WHERE (? = 'reached' OR NOT e.is_inferred) AND e.stage IN ({stages}){month_sql}{lead_sql}
        GROUP BY e.entered_month, e.stage ORDER BY month, stage_order""",
        (style, *FUNNEL_STAGES, *month_params, *lead_params),
    )


def _transition_sums(f: Filters, by: str | None = None) -> tuple[str, tuple]:
    """SQL of entered and converted lead cycles per target transition (mature MQL cohorts under the
    filters), optionally per value of one dimension (`by`), judged against the band by the KPI
    functions of pipelines/kpi_functions.py, as the marts are."""
    lead_sql, lead_params = f.lead_clause("a")
    month_sql, month_params = f.month_clause("m.cohort_month")
    group = f"'{by}' AS dimension, a.{by} AS dimension_value, " if by else ""
    group_by = f" GROUP BY a.{by}" if by else ""
    parts = []
    for kpi, src, dst in TRANSITIONS:
        entered = "count(*)" if src == "mql" else f"sum(m.reached_{src})"
        converted = f"sum(m.reached_{dst})" if src == "mql" else f"sum(m.reached_{src} * m.reached_{dst})"
        parts.append(
            f"SELECT '{kpi}' AS kpi, '{src}' AS from_stage, '{dst}' AS to_stage, {group}"
            f"coalesce({entered}, 0) AS entered_leads, coalesce({converted}, 0) AS converted_leads "
            f"FROM members AS m INNER JOIN marts.lead_attributes AS a USING (lead_id, cycle_number) "
            f"WHERE true{lead_sql}{group_by}")
    sql = f"""
        WITH members AS (
            SELECT m.* FROM marts.funnel_cohort_members AS m
            WHERE m.cohort_basis = 'mql' AND m.metric_style = 'cumulative' AND m.window_days = 0
                AND NOT m.is_young{month_sql}
        ),
        sums AS ({" UNION ALL ".join(parts)}),
        rated AS (
            SELECT s.*, b.low AS target_low, b.high AS target_high,
                   CAST(s.converted_leads AS DOUBLE) / nullif(s.entered_leads, 0) AS conversion_rate
            FROM sums AS s INNER JOIN config.target_bands AS b ON b.kpi = s.kpi
        )
        SELECT r.*, r.conversion_rate - r.target_low AS gap_to_target,
               leads_lost(r.entered_leads, r.converted_leads, r.target_low) AS leads_lost,
               band_status(r.conversion_rate, r.target_low, r.target_high, r.entered_leads,
                           (SELECT target_min_sample_size FROM config.rules)) AS target_status
        FROM rated AS r"""
    return sql, (*month_params, *(lead_params * len(TRANSITIONS)))


def transitions(q: Query, f: Filters) -> pd.DataFrame:
    """Conversion of mature MQL cohorts per target transition, against its band, with leads lost
    (how many more would have converted at the band's low end), ranked by leads lost. A
    transition no loaded source can carry is not measurable: no rate, no leads lost."""
    sql, params = _transition_sums(f)
    df = q(sql, params)
    known = coverage(q)
    df["is_measurable"] = [all(known.get(m, False) for m in transition_measures(k)) for k in df["kpi"]]
    for column in ("entered_leads", "converted_leads"):
        df[column] = df[column].astype("int64")
    df["conversion_rate"] = df["conversion_rate"].where(df["is_measurable"])
    df["gap_to_target"] = df["gap_to_target"].where(df["is_measurable"])
    df["leads_lost"] = df["leads_lost"].where(df["is_measurable"]).astype("Int64")
    df["target_status"] = df["target_status"].where(df["is_measurable"], "not_measurable")
    order = {k: i for i, (k, _s, _d) in enumerate(TRANSITIONS)}
    df["transition_order"] = df["kpi"].map(order)
    return df.sort_values(
        ["leads_lost", "gap_to_target", "transition_order"], ascending=[False, True, True], na_position="last"
    ).reset_index(drop=True)


def bottleneck_segments(q: Query, f: Filters, limit: int = 50) -> pd.DataFrame:
    """The dimension values that lose most, per transition, under the same filters as the cards
    (the period included): marts.bottlenecks' figures for these filters (without filters, equal)."""
    parts, params = [], []
    for dim in DIMENSIONS:
        sql, p = _transition_sums(f, by=dim)
        parts.append(f"SELECT * FROM ({sql}) AS d{len(parts)}")
        params.extend(p)
    df = q(
        f"""
        SELECT * FROM ({" UNION ALL ".join(parts)}) AS segments
        WHERE leads_lost > 0
        ORDER BY leads_lost DESC, gap_to_target, kpi, dimension, dimension_value LIMIT ?""",
        (*params, limit),
    )
    return df.astype({"entered_leads": "int64", "converted_leads": "int64", "leads_lost": "int64"})


_LEAD_LIST = """
    j.lead_id, j.cycle_number, j.person_name, j.email, j.account_name, j.segment,
    j.original_channel, j.owner, j.owner_team, j.grade, j.score, j.mql_reached_at,
    j.sql_reached_at, j.opportunity_reached_at, j.won_reached_at, j.decision, j.non_sql_reason"""


def transition_leads(
    q: Query,
    f: Filters,
    kpi: str,
    outcome: str,
    dimension: str | None = None,
    value: str | None = None,
    limit: int = 1000,
) -> tuple[pd.DataFrame, int]:
    """The mature-cohort lead cycles behind one transition: 'lost' (entered, did not convert) or
    'converted', optionally for one dimension value. Returns (first `limit` rows, total)."""
    steps = {k: (s, d) for k, s, d in TRANSITIONS}
    if kpi not in steps or outcome not in ("lost", "converted"):
        raise ValueError(f"{kpi}/{outcome}")
    if dimension is not None and dimension not in DIMENSIONS:
        raise ValueError(dimension)
    src, dst = steps[kpi]
    entered = "true" if src == "mql" else f"m.reached_{src} = 1"
    reached = f"m.reached_{dst} = {1 if outcome == 'converted' else 0}"
    lead_sql, lead_params = f.lead_clause("a")
    month_sql, month_params = f.month_clause("m.cohort_month")
    dim_sql, dim_params = "", ()
    if dimension is not None:
        dim_sql, dim_params = f" AND a.{dimension} = ?", (value,)
    base = f"""
        FROM marts.funnel_cohort_members AS m
        INNER JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)
        INNER JOIN marts.lead_journey AS j USING (lead_id, cycle_number)
        WHERE m.cohort_basis = 'mql' AND m.metric_style = 'cumulative' AND m.window_days = 0
            AND NOT m.is_young AND {entered} AND {reached}{month_sql}{lead_sql}{dim_sql}"""
    params = (*month_params, *lead_params, *dim_params)
    total = int(q(f"SELECT count(*) AS n {base}", params)["n"].iloc[0])
    rows = q(
        f"SELECT m.cohort_month, {_LEAD_LIST} {base} ORDER BY j.mql_reached_at DESC, j.lead_id LIMIT ?",
        (*params, limit),
    )
    return rows, total


_STAGE_DAYS = (
    ("mql", "days_in_mql"),
    ("sal", "days_in_sal"),
    ("sql", "days_in_sql"),
    ("opportunity", "days_in_opportunity"),
)


def time_in_stage(q: Query, f: Filters) -> pd.DataFrame:
    """Days spent in each stage (cycles that left it) for filtered MQL cohorts: count and percentiles."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("j.cohort_month")
    parts = [
        f"SELECT '{s}' AS stage, {i} AS stage_order, {c} AS days FROM journeys"
        for i, (s, c) in enumerate(_STAGE_DAYS)
    ]
    return q(
        f"""
        WITH journeys AS (
            SELECT j.* FROM marts.lead_journey AS j{f.join("j")}
            WHERE j.cohort_month IS NOT NULL{month_sql}{lead_sql}
        ),
        days AS ({" UNION ALL ".join(parts)})
        SELECT stage, stage_order, count(days) AS leads, avg(days) AS mean_days,
               quantile_cont(days, 0.5) AS median_days, quantile_cont(days, 0.75) AS p75_days,
               quantile_cont(days, 0.9) AS p90_days
        FROM days GROUP BY stage, stage_order ORDER BY stage_order""",
        (*month_params, *lead_params),
    )


def time_in_stage_histogram(q: Query, f: Filters, stage: str, bin_days: int = 7) -> pd.DataFrame:
    column = dict(_STAGE_DAYS)[stage]
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("j.cohort_month")
    return q(
        f"""
        SELECT cast(floor(j.{column} / ?) AS INTEGER) * ? AS from_day, count(*) AS leads
        FROM marts.lead_journey AS j{f.join("j")}
        WHERE j.{column} IS NOT NULL AND j.cohort_month IS NOT NULL{month_sql}{lead_sql}
        GROUP BY 1 ORDER BY 1""",
        (bin_days, bin_days, *month_params, *lead_params),
    )


def stalled_leads(q: Query, f: Filters, limit: int = 1000) -> tuple[pd.DataFrame, int]:
    """Latest cycles still sitting in MQL, SAL, SQL or opportunity for longer than 90% of the cycles
    that left that stage (marts.time_in_stage, all leads). Returns (rows, total)."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("j.cohort_month")
    base = f"""
        FROM marts.lead_stage_events AS e
        INNER JOIN marts.lead_journey AS j USING (lead_id, cycle_number){f.join("j")}
        INNER JOIN marts.time_in_stage AS t
            ON t.stage = e.stage AND t.dimension = 'all' AND t.dimension_value = 'all'
        WHERE e.exited_at IS NULL AND j.is_latest_cycle AND NOT e.is_inferred
            AND e.stage IN ('mql', 'sal', 'sql', 'opportunity')
            AND date_diff('second', e.entered_at, j.as_of) / 86400.0 > t.p90_days{month_sql}{lead_sql}"""
    params = (*month_params, *lead_params)
    total = int(q(f"SELECT count(*) AS n {base}", params)["n"].iloc[0])
    rows = q(
        f"""
        SELECT e.stage, round(date_diff('second', e.entered_at, j.as_of) / 86400.0, 1) AS days_in_stage,
               round(t.p90_days, 1) AS p90_days, e.entered_at, {_LEAD_LIST} {base}
        ORDER BY days_in_stage DESC, j.lead_id LIMIT ?""",
        (*params, limit),
    )
    return rows, total


# --- SLA -------------------------------------------------------------------------------------


def sla_results(q: Query, f: Filters) -> pd.DataFrame:
    """Hand-offs per notification month (business time zone), team, rep and SLA rule, with met,
    missed and pending (the rule's deadline has not passed) counts: marts.sla_handoff_rules summed."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("h.notified_month")
    return q(
        f"""
        SELECT h.notified_month, h.team, h.owner, h.sla_rule, count_if(h.met) AS met,
               count_if(NOT h.met) AS missed, count_if(h.is_pending) AS pending
        FROM marts.sla_handoff_rules AS h{f.join("h")}
        WHERE true{lead_sql}{month_sql}
        GROUP BY h.notified_month, h.team, h.owner, h.sla_rule""",
        (*lead_params, *month_params),
    )


def sla_summary(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    out = df.groupby(by, as_index=False)[["met", "missed", "pending"]].sum()
    decided = out["met"] + out["missed"]
    out["compliance_rate"] = out["met"] / decided.where(decided > 0)
    return out


def first_contact_hours(q: Query, f: Filters) -> pd.DataFrame:
    """Average hours from MQL notification to first contact, per notification month."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("h.notified_month")
    return q(
        f"""
        SELECT notified_month, avg(hours_to_first_contact) AS avg_hours,
               count(hours_to_first_contact) AS contacted
        FROM (
            SELECT j.notified_month, j.hours_to_first_contact
            FROM marts.lead_journey AS j{f.join("j")}
            WHERE j.notified_at IS NOT NULL{lead_sql}
        ) AS h WHERE true{month_sql}
        GROUP BY notified_month ORDER BY notified_month""",
        (*lead_params, *month_params),
    )


def capacity_plan(q: Query, month: date) -> dict:
    """The MQL plan after `month` against the IS reps of that month (marts.mql_capacity_plan)."""
    df = q("SELECT * FROM marts.mql_capacity_plan WHERE month = ?", (month,))
    return df.iloc[0].to_dict() if len(df) else {}


def speed_to_lead(q: Query, f: Filters) -> pd.DataFrame:
    """Hand-offs per speed-to-lead bucket with their MQL->SQL rate (filtered by MQL cohort month)."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("j.cohort_month")
    return q(
        f"""
        SELECT b.bucket_order, b.bucket_label, b.max_minutes, count(j.lead_id) AS handoffs,
               count_if(j.sql_reached_at IS NOT NULL) AS sql_leads
        FROM config.speed_buckets AS b
        LEFT JOIN (
            SELECT j.* FROM marts.lead_journey AS j{f.join("j")}
            WHERE j.first_contact_at IS NOT NULL{month_sql}{lead_sql}
        ) AS j ON j.speed_to_lead_bucket = b.bucket_label
        GROUP BY b.bucket_order, b.bucket_label, b.max_minutes ORDER BY b.bucket_order""",
        (*month_params, *lead_params),
    )


def overdue_now(q: Query, f: Filters, limit: int = 1000) -> tuple[pd.DataFrame, int]:
    lead_sql, lead_params = f.lead_clause()
    base = f"""FROM marts.action_awaiting_first_contact AS w{f.join("w")}
               WHERE w.sla_status = 'overdue'{lead_sql}"""
    total = int(q(f"SELECT count(*) AS n {base}", lead_params)["n"].iloc[0])
    rows = q(
        f"""SELECT w.owner_manager, w.owner, w.owner_team, w.first_contact_due_at, w.notified_at,
                        round(w.hours_waiting, 1) AS hours_waiting, w.grade, w.score,
                        w.person_name, w.email, w.account_name, w.original_channel, w.lead_id
                 {base} ORDER BY w.first_contact_due_at, w.lead_id LIMIT ?""",
        (*lead_params, limit),
    )
    return rows, total


# --- scoring ---------------------------------------------------------------------------------


def score_bands(q: Query) -> pd.DataFrame:
    return q("SELECT * FROM marts.score_band_conversion ORDER BY band_order", ())


def what_if(q: Query) -> pd.DataFrame:
    return q("SELECT * FROM marts.mql_threshold_what_if ORDER BY fit_min, engagement_min, score_min", ())


WHAT_IF_AXES = ("fit_min", "engagement_min", "score_min")


def what_if_axes(grid: pd.DataFrame) -> list[str]:
    """The thresholds the scoring model in use varies (fit and engagement, or the additive score)."""
    return [a for a in WHAT_IF_AXES if grid[a].notna().any()]


def mql_definition(q: Query) -> pd.DataFrame:
    return q("SELECT * FROM marts.mql_definition_review ORDER BY cohort_month", ())


def grade_outcomes(q: Query, f: Filters) -> pd.DataFrame:
    """Hand-offs per grade (mature MQL cohorts): SQL and won counts and rates."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("j.cohort_month")
    return q(
        f"""
        SELECT coalesce(j.grade, '-') AS grade, count(*) AS handoffs,
               count_if(j.sql_reached_at IS NOT NULL) AS sql_leads,
               count_if(j.won_reached_at IS NOT NULL) AS won_leads,
               count_if(j.sql_reached_at IS NOT NULL) / count(*) AS sql_rate,
               count_if(j.won_reached_at IS NOT NULL) / count(*) AS won_rate
        FROM marts.lead_journey AS j
        INNER JOIN marts.funnel_cohort_members AS m
            ON m.lead_id = j.lead_id AND m.cycle_number = j.cycle_number AND m.cohort_basis = 'mql'
            AND m.metric_style = 'cumulative' AND m.window_days = 0 AND NOT m.is_young{f.join("j")}
        WHERE j.notified_at IS NOT NULL{month_sql}{lead_sql}
        GROUP BY 1 ORDER BY 1""",
        (*month_params, *lead_params),
    )


def non_sql_reasons(q: Query, f: Filters) -> pd.DataFrame:
    """Non-SQL decisions per reason (month of the decision, business time zone), most frequent
    first, with the cumulative share (Pareto)."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("d.decided_month")
    df = q(
        f"""
        SELECT reason, count(*) AS leads FROM (
            SELECT coalesce(j.non_sql_reason, 'missing') AS reason, j.decided_month
            FROM marts.lead_journey AS j{f.join("j")}
            WHERE j.decision = 'non_sql'{lead_sql}
        ) AS d WHERE true{month_sql}
        GROUP BY reason ORDER BY leads DESC, reason""",
        (*lead_params, *month_params),
    )
    total = df["leads"].sum()
    df["share"] = df["leads"] / total if total else 0.0
    df["cumulative_share"] = df["share"].cumsum()
    return df


# --- revenue ---------------------------------------------------------------------------------


def arr_monthly(q: Query) -> pd.DataFrame:
    return q("SELECT * FROM marts.arr_monthly ORDER BY month", ())


def closed_deals(q: Query, f: Filters) -> pd.DataFrame:
    """Per month of closing (business time zone): won and lost deals and the win rate, the one
    definition of marts.opportunity_outcomes (won / (won + lost); open deals stay out)."""
    month_sql, month_params = f.month_clause("closed_month")
    df = q(
        f"""
        SELECT closed_month AS month, count_if(is_won) AS won, count_if(is_lost) AS lost,
               sum(won_amount) AS won_amount
        FROM marts.opportunity_outcomes WHERE NOT is_open{month_sql}
        GROUP BY 1 ORDER BY 1""",
        month_params,
    )
    df["win_rate"] = df["won"] / (df["won"] + df["lost"]).where(df["won"] + df["lost"] > 0)
    return df


def pipeline_coverage(q: Query) -> dict:
    df = q("SELECT * FROM marts.pipeline_coverage", ())
    return df.iloc[0].to_dict() if len(df) else {}


# --- accounts --------------------------------------------------------------------------------


def _account_filters(f: Filters) -> tuple[str, tuple]:
    sql, params = "", []
    for dim, column in (("segment", "o.segment"), ("industry", "o.industry"), ("region", "r.region")):
        chosen = f.values.get(dim) or ()
        if chosen:
            sql += f" AND coalesce({column}, '{NO_VALUE}') IN ({', '.join('?' for _ in chosen)})"
            params.extend(chosen)
    return sql, tuple(params)


_ACCOUNTS = """FROM marts.account_overview AS o
    LEFT JOIN reference.prefecture_regions AS r ON r.prefecture = o.prefecture WHERE true"""


def account_segments(q: Query, f: Filters) -> pd.DataFrame:
    sql, params = _account_filters(f)
    return q(
        f"""
        SELECT coalesce(o.segment, '{NO_VALUE}') AS segment, count(*) AS accounts,
               count_if(o.is_customer) AS customers, sum(o.current_arr) AS current_arr,
               sum(o.leads) AS leads, sum(o.mql_leads) AS mql_leads,
               count_if(o.mql_leads > 0) AS accounts_with_mqls,
               avg(o.buying_committee_coverage) FILTER (WHERE o.mql_leads > 0) AS avg_coverage,
               count_if(o.decision_maker_reached) AS decision_maker_reached
        {_ACCOUNTS}{sql} GROUP BY 1 ORDER BY current_arr DESC NULLS LAST""",
        params,
    )


def relationship_stages(q: Query, f: Filters) -> pd.DataFrame:
    sql, params = _account_filters(f)
    return q(
        f"""
        SELECT e.relationship_stage, e.relationship_stage_order, count(*) AS accounts,
               avg(e.people_in_contact) AS people_in_contact,
               avg(e.departments_in_contact) AS departments_in_contact,
               sum(e.executive_meetings) AS executive_meetings, sum(e.proposals) AS proposals,
               avg(e.share_of_spend) AS share_of_spend
        FROM marts.enterprise_relationships AS e
        INNER JOIN marts.account_overview AS o USING (account_id)
        LEFT JOIN reference.prefecture_regions AS r ON r.prefecture = o.prefecture
        WHERE true{sql}
        GROUP BY 1, 2 ORDER BY 2""",
        params,
    )


def committee_coverage(q: Query, f: Filters) -> pd.DataFrame:
    """Accounts with MQLs by how much of the buying committee (proposer, influencer, decision
    maker) has been reached."""
    sql, params = _account_filters(f)
    return q(
        f"""
        SELECT coalesce(o.segment, '{NO_VALUE}') AS segment,
               cast(round(o.buying_committee_coverage * 3) AS INTEGER) AS roles_reached,
               count(*) AS accounts
        {_ACCOUNTS} AND o.mql_leads > 0{sql} GROUP BY 1, 2 ORDER BY 1, 2""",
        params,
    )


def top_accounts(q: Query, f: Filters, limit: int = 200) -> pd.DataFrame:
    sql, params = _account_filters(f)
    return q(
        f"""
        SELECT o.account_name, o.segment, o.industry, o.prefecture, o.relationship_stage,
               o.current_arr, o.leads, o.mql_leads, round(o.account_score, 1) AS account_score,
               o.buying_committee_coverage
        {_ACCOUNTS}{sql} ORDER BY o.account_score DESC NULLS LAST, o.account_name LIMIT ?""",
        (*params, limit),
    )


# --- data quality ----------------------------------------------------------------------------


def dq_runs(q: Query) -> pd.DataFrame:
    return q(
        """
        SELECT run_id, min(checked_at) AS checked_at, count(*) AS checks,
               count_if(passed AND severity <> 'not_measurable') AS passed,
               count_if(NOT passed AND severity = 'error') AS blocking_failed,
               count_if(NOT passed AND severity <> 'error') AS warned,
               count_if(severity = 'not_measurable') AS not_measurable
        FROM meta.dq_results GROUP BY run_id ORDER BY checked_at""",
        (),
    )


def dq_latest(q: Query) -> pd.DataFrame:
    return q(
        """
        SELECT suite, expectation, label, column_name, month, observed_value, threshold, element_count,
               unexpected_count, passed, severity, sample_failing_ids
        FROM meta.dq_results
        WHERE run_id = (SELECT run_id FROM meta.dq_results ORDER BY checked_at DESC LIMIT 1)
        ORDER BY passed, severity, suite, label, month""",
        (),
    )


def completeness_trend(q: Query) -> pd.DataFrame:
    """Per-month completeness of the SLA lead fields in the latest run, per source and field."""
    return q(
        """
        SELECT suite, column_name, month, observed_value, threshold, passed
        FROM meta.dq_results
        WHERE month IS NOT NULL AND expectation = 'expect_column_values_to_not_be_null'
            AND run_id = (SELECT run_id FROM meta.dq_results ORDER BY checked_at DESC LIMIT 1)
        ORDER BY suite, column_name, month""",
        (),
    )


def quarantine_summary(q: Query) -> pd.DataFrame:
    return q(
        """SELECT extract, reason_kind, count(*) AS rows_ FROM meta.quarantine
                GROUP BY 1, 2 ORDER BY rows_ DESC, extract, reason_kind""",
        (),
    )


def quarantine_rows(q: Query, extract: str | None, reason_kind: str | None, limit: int = 500) -> pd.DataFrame:
    return q(
        """
        SELECT extract, file_name, line_number, reason_kind, reason_field, reason, raw_text
        FROM meta.quarantine
        WHERE (? IS NULL OR extract = ?) AND (? IS NULL OR reason_kind = ?)
        ORDER BY extract, file_name, line_number LIMIT ?""",
        (extract, extract, reason_kind, reason_kind, limit),
    )


def freshness(q: Query) -> pd.DataFrame:
    return q(
        """
        SELECT extract, max(loaded_at) AS last_loaded_at, arg_max(file_name, loaded_at) AS file_name,
               sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined,
               arg_max(status, loaded_at) AS last_status
        FROM meta.load_manifest GROUP BY extract ORDER BY extract""",
        (),
    )
