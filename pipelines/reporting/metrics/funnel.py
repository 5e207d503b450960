"""Funnel, transitions, bottlenecks and time in stage."""

from __future__ import annotations

import pandas as pd

from pipelines.reporting.metrics.base import (
    COHORT_STAGES,
    DIMENSIONS,
    FUNNEL_STAGES,
    TRANSITIONS,
    Filters,
    Query,
)


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


def _transition_sums(f: Filters, by: tuple[str, ...] = (), basis: str = "mql", style: str = "cumulative",
                     window: int = 0) -> tuple[str, tuple]:
    """SQL of entered and converted lead cycles per target transition (marts.funnel_transition_members
    of mature cohorts under the filters), optionally per value of each dimension in `by` (one
    grouping set per dimension: one scan for all), judged against the band by the KPI functions of
    pipelines/kpi_functions.py, as the marts are."""
    lead_sql, lead_params = f.lead_clause("a")
    month_sql, month_params = f.month_clause("t.cohort_month")
    dimension, group = "", "t.kpi"
    if by:
        name = " ".join(f"WHEN grouping(a.{d}) = 0 THEN '{d}'" for d in by)
        value = " ".join(f"WHEN grouping(a.{d}) = 0 THEN a.{d}" for d in by)
        dimension = f"CASE {name} END AS dimension, CASE {value} END AS dimension_value, "
        group = f"GROUPING SETS ({', '.join(f'(t.kpi, a.{d})' for d in by)})"
    segment = "s.dimension, s.dimension_value," if by else ""
    join = " INNER JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)" if by or lead_sql else ""
    sql = f"""
        WITH sums AS (
            SELECT t.kpi, {dimension}count(*) AS entered_leads, count_if(t.converted) AS converted_leads
            FROM marts.funnel_transition_members AS t{join}
            WHERE t.cohort_basis = ? AND t.metric_style = ? AND t.window_days = ? AND NOT t.is_young
                AND t.is_measurable{month_sql}{lead_sql}
            GROUP BY {group}
        ),
        rated AS (
            SELECT b.kpi, b.transition_order, b.from_stage, b.to_stage, {segment}
                   coalesce(s.entered_leads, 0) AS entered_leads,
                   coalesce(s.converted_leads, 0) AS converted_leads,
                   b.low AS target_low, b.high AS target_high,
                   CAST(s.converted_leads AS DOUBLE) / nullif(s.entered_leads, 0) AS conversion_rate
            FROM config.target_bands AS b {"INNER" if by else "LEFT"} JOIN sums AS s ON s.kpi = b.kpi
        )
        SELECT r.*, r.conversion_rate - r.target_low AS gap_to_target,
               leads_lost(r.entered_leads, r.converted_leads, r.target_low) AS leads_lost,
               band_status(r.conversion_rate, r.target_low, r.target_high, r.entered_leads,
                           (SELECT target_min_sample_size FROM config.rules)) AS target_status
        FROM rated AS r"""
    return sql, (basis, style, window, *month_params, *lead_params)


def transitions(q: Query, f: Filters, basis: str = "mql", style: str = "cumulative",
                window: int = 0) -> pd.DataFrame:
    """Conversion of mature cohorts (MQL cohorts, cumulative, no window unless asked) per target
    transition, against its band, with leads lost (how many more would have converted at the band's
    low end), ranked by leads lost. A transition no loaded source can carry is not measurable: no
    rate, no leads lost."""
    sql, params = _transition_sums(f, basis=basis, style=style, window=window)
    df = q(sql, params)
    known = coverage(q)
    df["is_measurable"] = [all(known.get(m, False) for m in transition_measures(k)) for k in df["kpi"]]
    for column in ("entered_leads", "converted_leads"):
        df[column] = df[column].astype("int64")
    df["conversion_rate"] = df["conversion_rate"].where(df["is_measurable"])
    df["gap_to_target"] = df["gap_to_target"].where(df["is_measurable"])
    df["leads_lost"] = df["leads_lost"].where(df["is_measurable"]).astype("Int64")
    df["target_status"] = df["target_status"].where(df["is_measurable"], "not_measurable")
    return df.sort_values(
        ["leads_lost", "gap_to_target", "transition_order"], ascending=[False, True, True], na_position="last"
    ).reset_index(drop=True)


def bottleneck_segments(q: Query, f: Filters, limit: int = 50) -> pd.DataFrame:
    """The dimension values that lose most, per transition, under the same filters as the cards
    (the period included): marts.bottlenecks' figures for these filters (without filters, equal)."""
    sql, params = _transition_sums(f, by=DIMENSIONS)
    df = q(
        f"""
        SELECT * FROM ({sql}) AS segments
        WHERE leads_lost > 0
        ORDER BY leads_lost DESC, gap_to_target, kpi, dimension, dimension_value LIMIT ?""",
        (*params, limit),
    )
    return df.astype({"entered_leads": "int64", "converted_leads": "int64", "leads_lost": "int64"})


_LEAD_LIST = """
    j.lead_id, j.cycle_number, j.person_name, j.email, j.account_name, j.segment,
    j.original_channel, j.owner, j.owner_team, j.grade, j.score, j.mql_reached_at,
    j.sql_reached_at, j.opportunity_reached_at, j.won_reached_at, j.decision, j.non_sql_reason"""


def _member_leads(q: Query, base: str, params: tuple, limit: int) -> tuple[pd.DataFrame, int]:
    """The cohort members `base` (FROM funnel_cohort_members AS m ... WHERE) selects, as a lead list:
    the newest cohort entries first, the wide lead columns read for the `limit` shown only; and
    their total."""
    total = int(q(f"SELECT count(*) AS n {base}", params)["n"].iloc[0])
    rows = q(
        f"""
        WITH shown AS (
            SELECT m.lead_id, m.cycle_number, m.cohort_month, m.cohort_entered_at {base}
            ORDER BY m.cohort_entered_at DESC, m.lead_id LIMIT ?
        )
        SELECT s.cohort_month, {_LEAD_LIST}
        FROM shown AS s INNER JOIN marts.lead_journey AS j USING (lead_id, cycle_number)
        ORDER BY s.cohort_entered_at DESC, j.lead_id""",
        (*params, limit),
    )
    return rows, total


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
    attributes = (" INNER JOIN marts.lead_attributes AS a USING (lead_id, cycle_number)"
                  if lead_sql or dim_sql else "")
    base = f"""
        FROM marts.funnel_cohort_members AS m{attributes}
        WHERE m.cohort_basis = 'mql' AND m.metric_style = 'cumulative' AND m.window_days = 0
            AND NOT m.is_young AND {entered} AND {reached}{month_sql}{lead_sql}{dim_sql}"""
    params = (*month_params, *lead_params, *dim_params)
    return _member_leads(q, base, params, limit)


def cohort_stage_leads(
    q: Query,
    f: Filters,
    basis: str,
    style: str,
    window_days: int,
    stage: str,
    next_stage: str | None,
    outcome: str,
    limit: int = 1000,
) -> tuple[pd.DataFrame, int]:
    """The cohort lead cycles behind one stage of the cohort funnel (the members cohort_funnel
    sums, under the same basis, style, window and filters): 'reached' the stage, or 'stopped' there
    (reached it, not `next_stage`). Returns (the newest `limit` rows, total)."""
    measured = set(COHORT_STAGES)
    if outcome not in ("reached", "stopped") or stage not in measured | {basis} or \
            next_stage is not None and next_stage not in measured:
        raise ValueError(f"{stage}/{next_stage}/{outcome}")
    reached = "true" if stage == basis else f"m.reached_{stage} = 1"
    if outcome == "stopped" and next_stage is not None:
        reached += f" AND m.reached_{next_stage} = 0"
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("m.cohort_month")
    base = f"""
        FROM marts.funnel_cohort_members AS m{f.join("m")}
        WHERE m.cohort_basis = ? AND m.metric_style = ? AND m.window_days = ? AND {reached}
            {month_sql}{lead_sql}"""
    params = (basis, style, window_days, *month_params, *lead_params)
    return _member_leads(q, base, params, limit)


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
    that left that stage (marts.stalled_cycles), longest first. Returns (rows, total)."""
    lead_sql, lead_params = f.lead_clause()
    month_sql, month_params = f.month_clause("s.cohort_month")
    base = f"""
        FROM marts.stalled_cycles AS s{f.join("s")}
        WHERE true{month_sql}{lead_sql}"""
    params = (*month_params, *lead_params)
    total = int(q(f"SELECT count(*) AS n {base}", params)["n"].iloc[0])
    # the longest stalled first; the lead columns of those only
    rows = q(
        f"""
        WITH shown AS (SELECT s.* {base} ORDER BY s.days_in_stage DESC, s.lead_id LIMIT ?)
        SELECT s.stage, round(s.days_in_stage, 1) AS days_in_stage, round(s.p90_days, 1) AS p90_days,
               s.entered_at, {_LEAD_LIST}
        FROM shown AS s INNER JOIN marts.lead_journey AS j USING (lead_id, cycle_number)
        ORDER BY s.days_in_stage DESC, j.lead_id""",
        (*params, limit),
    )
    return rows, total
