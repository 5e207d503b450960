"""DuckDB's memory limit and the threads come from the machine unless the environment sets them."""

from __future__ import annotations

import os

from pipelines import warehouse


def test_the_memory_limit_is_a_share_of_the_machine(monkeypatch):
    monkeypatch.delenv(warehouse.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.setattr(warehouse, "machine_memory_bytes", lambda: 24 * 2**30)
    assert warehouse.memory_limit() == "9GB"  # 40% of 24 GiB, whole gigabytes
    monkeypatch.setattr(warehouse, "machine_memory_bytes", lambda: 1 * 2**30)
    assert warehouse.memory_limit() == "1GB"  # never below one
    monkeypatch.setenv(warehouse.MEMORY_LIMIT_ENV, "3GB")
    assert warehouse.memory_limit() == "3GB"


def test_threads_follow_the_usable_cores(monkeypatch):
    monkeypatch.delenv(warehouse.THREADS_ENV, raising=False)
    assert warehouse.threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(warehouse.THREADS_ENV, "3")
    assert warehouse.threads() == 3
    assert warehouse.dbt_env()[warehouse.THREADS_ENV] == "3"


def test_a_writer_connection_carries_them(tmp_path, monkeypatch):
    monkeypatch.setenv(warehouse.MEMORY_LIMIT_ENV, "1GB")
    monkeypatch.setenv(warehouse.THREADS_ENV, "1")
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        limit, threads = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')"
                                     ).fetchone()
    finally:
        con.close()
    assert threads == 1 and limit.replace(" ", "") in ("953.6MiB", "1.0GiB", "1GB", "1000.0MB")
