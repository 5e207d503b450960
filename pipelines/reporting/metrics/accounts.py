"""Accounts."""

from __future__ import annotations

import pandas as pd

from pipelines.contract import NO_VALUE
from pipelines.reporting.metrics.base import Filters, Query


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
