"""Shared fixtures. Integration tests use real DuckDB files, real Dagster runs and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_END = date(2026, 10, 31)
DEMO_LEADS = 2000
DEMO_SEED = 7


def cli(*args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real `leadjourney` command in a subprocess."""
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"leadjourney {' '.join(args)} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def app_page(ws: Path, page: str, monkeypatch, **params: str):
    """One dashboard page rendered with Streamlit's AppTest on a workspace; fails on an exception."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LEADJOURNEY_WORKSPACE", str(ws))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page != "executive":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """`leadjourney demo --leads 2000` into a temporary workspace, once per test session."""
    ws = tmp_path_factory.mktemp("demo") / "ws"
    cli("demo", "--workspace", str(ws), "--leads", str(DEMO_LEADS), "--seed", str(DEMO_SEED),
        "--end-date", DEMO_END.isoformat())
    return ws
