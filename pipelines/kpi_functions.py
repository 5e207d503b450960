"""The KPI rules every figure is judged by, as SQL functions defined once.

A rate against its target band, and the leads a transition lost against the band's low end, are
computed in the marts (dbt) and again under the dashboard's filters (pipelines/reporting): both
call these functions, which the config step creates in the warehouse before dbt runs and the
publication creates in the serving copy. Nothing else spells the rules out.

    band_status(rate, low, high, n, min_n)  -> no_data | not_enough_data | below | in_band | above
    leads_lost(entered, converted, low)     -> more conversions the band's low end asks for (>= 0)
"""

from __future__ import annotations

import duckdb

# name -> (parameters with their types, result type, body); DuckDB's macros take the names alone
KPI_FUNCTIONS: dict[str, tuple[tuple[tuple[str, str], ...], str, str]] = {
    # A rate with fewer than min_n cases behind it is not judged ("not enough data, n = ...").
    "band_status": (
        (("rate", "DOUBLE"), ("low", "DOUBLE"), ("high", "DOUBLE"), ("n", "BIGINT"), ("min_n", "BIGINT")),
        "STRING",
        "CASE WHEN rate IS NULL THEN 'no_data' WHEN n < min_n THEN 'not_enough_data' "
        "WHEN rate < low THEN 'below' WHEN rate > high THEN 'above' ELSE 'in_band' END"),
    # How many more of `entered` would have converted at the band's low end.
    "leads_lost": (
        (("entered", "BIGINT"), ("converted", "BIGINT"), ("low", "DOUBLE")),
        "BIGINT",
        "CAST(greatest(0, round(low * entered - converted)) AS BIGINT)"),
}


def create_kpi_functions(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> None:
    """CREATE OR REPLACE the functions in `catalog` (default: the connection's own database)."""
    prefix = f"{catalog}.main." if catalog else ""
    for name, (params, _returns, body) in KPI_FUNCTIONS.items():
        con.execute(f"CREATE OR REPLACE MACRO {prefix}{name}({', '.join(p for p, _ in params)}) AS {body}")


def spark_functions() -> dict[str, dict[str, str]]:
    """The same functions for Spark's SQL functions (macro `register_lake`), as a dbt var."""
    return {name: {"params": ", ".join(f"{p} {t}" for p, t in params), "returns": returns, "body": body}
            for name, (params, returns, body) in KPI_FUNCTIONS.items()}
