"""The headline funnel as an analyst would compute it in a plain pandas script (the benchmark's
yardstick, not part of the product): leads created, MQLs, SQLs, opportunities and won deals by
month, from the demo's HubSpot contacts, Salesforce leads and opportunities exports.

    uv run python benchmarks/pandas_funnel.py WORKSPACE
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def _read(path: Path) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return pd.read_csv(path, dtype=str, encoding=encoding, on_bad_lines="skip")
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: neither UTF-8 nor CP932")


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="mixed").dt.to_period("M")


def funnel(workspace: str | Path) -> tuple[int, int]:
    """(source rows read, months in the funnel table)."""
    landing = Path(workspace) / "landing"
    contacts = pd.concat([_read(p) for p in sorted(landing.glob("ma/hubspot-contacts-export-*.csv"))])
    leads = pd.concat([_read(p) for p in sorted(landing.glob("sfa/sfa-leads-report-*.csv"))])
    opportunities = pd.concat([_read(p) for p in sorted(landing.glob("sfa/sfa-opportunities-report-*.csv"))])
    contacts = contacts.drop_duplicates("Record ID", keep="last")
    leads = leads.drop_duplicates("リード ID", keep="last")
    opportunities = opportunities.drop_duplicates("商談 ID", keep="last")
    table = pd.DataFrame({
        "leads": _month(contacts["Create Date"]).value_counts(),
        "mql": _month(contacts["Became a Marketing Qualified Lead Date"]).value_counts(),
        "sql": _month(leads.loc[leads["リード状況"].str.startswith("SQL", na=False), "判定日時"])
        .value_counts(),
        "opportunities": _month(opportunities["作成日"]).value_counts(),
        "won": _month(opportunities.loc[opportunities["フェーズ"] == "受注", "完了予定日"]).value_counts(),
    }).fillna(0).astype(int).sort_index()
    return len(contacts) + len(leads) + len(opportunities), len(table)


if __name__ == "__main__":
    print(funnel(sys.argv[1]))
