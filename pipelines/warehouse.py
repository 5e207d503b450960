"""Connections to the workspace's DuckDB warehouse, sized to the machine.

Writers get a memory limit, so loading a large extract spills to `<warehouse>.tmp/` beside the
file instead of growing without bound. It is a runtime setting (SET), not connection config:
DuckDB requires every connection to one file inside a process to share the same config. The
limit and the threads (DuckDB's and dbt's) come from the machine: a share of its memory (or of
the container's cgroup limit) and its usable cores, unless the environment sets them.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

MEMORY_LIMIT_ENV = "LEADJOURNEY_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "LEADJOURNEY_THREADS"
MEMORY_SHARE = 0.4  # of the machine's memory, for DuckDB; the rest is for the ingest's frames


def machine_memory_bytes() -> int:
    """Physical memory, or the cgroup (container) limit when lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


def memory_limit() -> str:
    """DuckDB's memory limit: $LEADJOURNEY_DUCKDB_MEMORY_LIMIT, else a share of the machine's."""
    share = max(1, int(machine_memory_bytes() * MEMORY_SHARE / 2**30))
    return os.environ.get(MEMORY_LIMIT_ENV) or f"{share}GB"


def threads() -> int:
    """Threads for DuckDB and dbt: $LEADJOURNEY_THREADS, else the cores this process may use."""
    return int(os.environ.get(THREADS_ENV) or len(os.sched_getaffinity(0)))


def dbt_env() -> dict[str, str]:
    """What the dbt profile reads for its memory limit and threads."""
    return {MEMORY_LIMIT_ENV: memory_limit(), THREADS_ENV: str(threads())}


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        con.execute(f"SET memory_limit = '{memory_limit()}'")
        con.execute(f"SET threads = {threads()}")
        con.execute("SET preserve_insertion_order = false")
    return con
