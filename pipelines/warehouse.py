"""Connections to the workspace's DuckDB warehouse.

Writers get a memory limit, so loading a large extract spills to `<warehouse>.tmp/` beside the
file instead of growing without bound. It is a runtime setting (SET), not connection config:
DuckDB requires every connection to one file inside a process to share the same config.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

MEMORY_LIMIT_ENV = "LEADJOURNEY_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2GB"


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        limit = os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT)
        con.execute(f"SET memory_limit = '{limit}'")
        con.execute("SET preserve_insertion_order = false")
    return con
