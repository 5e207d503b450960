"""The publication gate: the read-only serving copy the dashboard and exports read.

After a run whose blocking checks passed, the marts (and the meta and config tables they need) are
copied into a new DuckDB file beside the warehouse, which then replaces `serving.duckdb` in one
atomic rename. Readers keep the file they opened; a failed run never touches the serving copy.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.kpi_functions import create_kpi_functions
from pipelines.pause import pause_point

SERVED_SCHEMAS = ("marts", "meta", "config", "reference")


class PublicationRefused(Exception):
    """Blocking checks failed or an extract was rejected: the serving copy stays as it was."""


def blocking_failures(con: duckdb.DuckDBPyConnection, run_id: str, landing_hashes: list[str]) -> list[str]:
    """Why this run must not publish: error-level check failures and rejected landing files."""
    reasons = []
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'meta' "
                   "AND table_name = 'dq_results'").fetchone()[0]:
        reasons += [f"data quality: {suite} - {label} ({month or 'all months'})"
                    for suite, label, month in con.execute(
                        "SELECT suite, label, month FROM meta.dq_results WHERE run_id = ? AND NOT passed "
                        "AND severity = 'error' ORDER BY suite, label, month", [run_id]).fetchall()]
    if landing_hashes:
        placeholders = ", ".join("?" for _ in landing_hashes)
        reasons += [f"rejected extract: {name}" for (name,) in con.execute(
            "SELECT file_name FROM meta.load_manifest WHERE status = 'rejected' "
            f"AND sha256 IN ({placeholders})",
            landing_hashes).fetchall()]
    return reasons


def publish(warehouse: Path, serving: Path, run_id: str, inputs: str | None = None) -> dict:
    """Copy the served schemas into a fresh file and swap it in atomically; `inputs` is the
    fingerprint of what the marts were built from (pipelines.freshness)."""
    tmp = serving.with_name(serving.name + ".publishing")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))  # read-write: an ATTACH from a read-only one is read-only
    counts = {}
    try:
        con.execute(f"ATTACH '{tmp}' AS serving")
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = "
            "current_database() AND table_schema IN ({}) AND table_type = 'BASE TABLE' ORDER BY 1, 2"
            .format(", ".join(f"'{s}'" for s in SERVED_SCHEMAS))).fetchall()
        for schema in sorted({s for s, _ in tables}):
            con.execute(f"CREATE SCHEMA serving.{schema}")
        for schema, table in tables:
            con.execute(f"CREATE TABLE serving.{schema}.{table} AS SELECT * FROM {schema}.{table}")
            counts[f"{schema}.{table}"] = con.execute(
                f"SELECT count(*) FROM serving.{schema}.{table}").fetchone()[0]
            pause_point("publish.copying", f"{schema}.{table}")
        create_kpi_functions(con, "serving")
        published_at = datetime.now(UTC).replace(tzinfo=None)
        con.execute("CREATE TABLE serving.meta.publication AS SELECT ? AS run_id, ? AS published_at, "
                    "as_of, as_of_month, last_complete_month, as_of_week, action_horizon_date, "
                    "?::VARCHAR AS inputs "
                    "FROM intermediate.int_as_of",
                    [run_id, published_at, inputs])
        con.execute("DETACH serving")
    finally:
        con.close()
    pause_point("publish.before_swap")
    os.replace(tmp, serving)
    return {"tables": len(counts), "published_at": published_at.isoformat(timespec="seconds")}


def open_serving(serving: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the serving copy as the file is now. DuckDB shares one database
    instance per path within a process, so a plain connect made while another thread still reads a
    replaced copy would get the old one; a fresh in-memory database attaching the file opens it
    anew."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH '{}' AS serving (READ_ONLY)".format(str(serving).replace("'", "''")))
        con.execute("USE serving")
    except BaseException:
        con.close()
        raise
    return con


def publication_info(serving: Path) -> dict | None:
    if not serving.exists():
        return None
    con = duckdb.connect(str(serving), read_only=True)
    try:
        run_id, published_at, as_of = con.execute(
            "SELECT run_id, published_at, as_of FROM meta.publication").fetchone()
    finally:
        con.close()
    return {"run_id": run_id, "published_at": published_at, "as_of": as_of}
