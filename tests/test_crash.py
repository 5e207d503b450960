"""Crash safety and concurrency (issue 13): `leadjourney run` killed (SIGKILL of its process group)
inside an ingest transaction, between files, during dbt, during the checks and in the middle of
publication never damages the serving copy or the warehouse, and the next run ends with exactly
the counts of an uninterrupted one. Meanwhile the dashboard answers every request, a second run is
refused naming the first, and `export actions` and `deck` read the last published copy; the
dashboard answers every request throughout and while 5 runs republish.

The runs pause at named points (pipelines/pause.py) so that each kill lands where it is meant to;
the kill itself is the operating system's, from outside.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import duckdb

from pipelines.publish import open_serving, publish
from tests.conftest import ROOT, cli
from tests.test_browser import _free_port

CONTACTS = "ma/hubspot-contacts-export-2026-10-31.csv"
AGAIN = "ma/hubspot-contacts-export-2026-11-01.csv"  # the same contacts, re-exported with CRLF


class Run:
    """`leadjourney run` in its own process group, its standard error read line by line."""

    def __init__(self, ws: Path, pause: str | None = None):
        env = {**os.environ, "LEADJOURNEY_PAUSE_AT": pause or ""}
        self.proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run", "--workspace", str(ws)],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for(self, text: str, times: int = 1, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while sum(text in line for line in self.seen) < times:
            try:
                self.seen.append(self.lines.get(timeout=max(deadline - time.monotonic(), 0.1)))
            except queue.Empty:
                so_far = "".join(self.seen)
                raise AssertionError(f"no {text!r} within {timeout} s; stderr so far:\n{so_far}") from None
            assert self.proc.poll() is None or not self.lines.empty(), (
                f"the run ended before {text!r}:\n{''.join(self.seen)}")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def counts(ws: Path) -> dict[str, int]:
    con = duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True)
    try:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables WHERE "
                             "table_schema IN ('raw', 'marts') ORDER BY 1, 2").fetchall()
        out = {f"{s}.{t}": con.execute(f"SELECT count(*) FROM {s}.{t}").fetchone()[0] for s, t in tables}
        out["meta.quarantine"] = con.execute("SELECT count(*) FROM meta.quarantine").fetchone()[0]
        out["meta.loads"] = con.execute(
            "SELECT count(*) FROM meta.load_manifest WHERE status = 'loaded'").fetchone()[0]
        return out
    finally:
        con.close()


def published_run(ws: Path) -> str:
    with open_serving(ws / "serving.duckdb") as con:
        assert con.execute("SELECT count(*) FROM marts.lead_journey").fetchone()[0] > 0
        return con.execute("SELECT run_id FROM meta.publication").fetchone()[0]


class Poller:
    """A bounded request loop against the dashboard and its serving copy, counting failures."""

    def __init__(self, base: str, serving: Path):
        self.base, self.serving = base, serving
        self.requests, self.failures = 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            for probe in (self._health, self._page, self._query):
                try:
                    probe()
                except Exception as exc:  # noqa: BLE001 - every failure is counted
                    self.failures.append(f"{probe.__name__}: {exc!r}")
                self.requests += 1
            time.sleep(0.2)

    def _health(self) -> None:
        assert urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=10).read() == b"ok"

    def _page(self) -> None:
        assert urllib.request.urlopen(f"{self.base}/funnel", timeout=10).status == 200

    def _query(self) -> None:  # what a page render reads, on a connection of its own
        with open_serving(self.serving) as con:
            con.execute("SELECT kpi, month, value FROM marts.kpi_monthly ORDER BY month DESC LIMIT 20"
                        ).fetchall()
            con.execute("SELECT run_id FROM meta.publication").fetchone()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def test_killed_runs_leave_the_last_good_copy_and_an_exact_next_run(tmp_path: Path):
    ws = tmp_path / "ws"
    cli("generate", "--workspace", str(ws), "--leads", "150", "--seed", "5", "--end-date", "2026-10-31")
    cli("run", "--workspace", str(ws))
    first = published_run(ws)
    before = counts(ws)
    original = ws / "landing" / CONTACTS
    crlf = original.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    (ws / "landing" / AGAIN).write_bytes(crlf)
    with duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True) as con:
        loaded, quarantined = con.execute("SELECT rows_loaded, rows_quarantined FROM meta.load_manifest "
                                          "WHERE file_name = ? AND status = 'loaded'", [CONTACTS]).fetchone()

    port = _free_port()
    dashboard = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "dashboard", "--workspace", str(ws),
                                  "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    poller = Poller(base, ws / "serving.duckdb")
    try:
        # 1. inside the ingest transaction of the re-export
        run = Run(ws, f"ingest.in_transaction@{AGAIN}")
        run.wait_for("paused at ingest.in_transaction")
        second = cli("run", "--workspace", str(ws), check=False)
        assert second.returncode == 2
        assert f"pid {run.proc.pid}, `leadjourney run`" in second.stderr, second.stderr
        exported = cli("export", "actions", "--workspace", str(ws), "--out", str(tmp_path / "out"))
        assert "rows" in exported.stdout
        deck = cli("deck", "--workspace", str(ws), "--out", str(tmp_path / "deck.pptx"))
        assert (tmp_path / "deck.pptx").exists(), deck.stdout
        run.kill()
        assert published_run(ws) == first
        assert counts(ws) == before  # nothing of the half-loaded file
        # 2. between files: the re-export committed, the run killed before the next file
        run = Run(ws, f"ingest.committed@{AGAIN}")
        run.wait_for("paused at ingest.committed")
        run.kill()
        assert published_run(ws) == first
        after_ingest = counts(ws)
        # the re-export holds the same records line for line (its line breaks aside): every line is
        # held again, no raw row is added
        assert after_ingest["raw.ma_leads"] == before["raw.ma_leads"]
        with duckdb.connect(str(ws / "warehouse.duckdb"), read_only=True) as con:
            assert con.execute("SELECT rows_loaded, rows_held FROM meta.load_manifest WHERE file_name = ?",
                               [AGAIN]).fetchone() == (loaded, loaded)
        assert after_ingest["meta.quarantine"] == before["meta.quarantine"] + quarantined
        # 3. during dbt
        run = Run(ws)
        run.wait_for("  dbt: ", times=10)
        run.kill()
        assert published_run(ws) == first
        # 4. during the checks
        run = Run(ws, "checks.recorded")
        run.wait_for("paused at checks.recorded")
        run.kill()
        assert published_run(ws) == first
        # 5. in the middle of publication
        run = Run(ws, "publish.copying@marts.lead_journey")
        run.wait_for("paused at publish.copying")
        run.kill()
        assert published_run(ws) == first
        # the next run: no stale lock, no half-loaded file, no duplicated row
        done = cli("run", "--workspace", str(ws))
        assert "published:" in done.stdout
        assert published_run(ws) != first
        final = counts(ws)
        assert {k: v for k, v in final.items() if k.startswith("marts.")} == \
            {k: v for k, v in before.items() if k.startswith("marts.")}
        assert final["raw.ma_leads"] == before["raw.ma_leads"]
        assert final["meta.quarantine"] == before["meta.quarantine"] + quarantined
        assert final["meta.loads"] == before["meta.loads"] + 1
        assert {k: v for k, v in final.items() if k.startswith("raw.") and k != "raw.ma_leads"} == \
            {k: v for k, v in before.items() if k.startswith("raw.") and k != "raw.ma_leads"}
        # four more runs, each republishing, while the dashboard is read: five in all
        seen = {published_run(ws)}
        for _ in range(4):
            assert "published:" in cli("run", "--workspace", str(ws), "--rebuild").stdout
            seen.add(published_run(ws))
        assert len(seen) == 5
    finally:
        poller.stop()
        os.killpg(dashboard.pid, signal.SIGTERM)
        dashboard.wait(timeout=30)
    print(f"dashboard: {poller.requests} requests during 5 killed runs and 5 republishing runs, "
          f"{len(poller.failures)} failed")
    assert poller.requests >= 100
    assert poller.failures == []


def test_a_reader_sees_a_new_publication_while_another_still_reads_the_old_copy(demo_workspace, tmp_path):
    """DuckDB shares one database instance per path in a process: a dashboard session connecting
    while another still reads the replaced copy must not get the old one (and cache it as new)."""
    from dashboard.ui import _cached_query, _serving

    for name in ("warehouse.duckdb", "serving.duckdb"):
        shutil.copy(demo_workspace / name, tmp_path / name)
    serving = tmp_path / "serving.duckdb"
    holder = duckdb.connect(str(serving), read_only=True)  # a session still on the old copy
    try:
        publish(tmp_path / "warehouse.duckdb", serving, "the-new-one")
        _cached_query.clear()
        shown = _cached_query(str(serving), "v2", "SELECT run_id FROM meta.publication", ())
        assert shown["run_id"].iloc[0] == "the-new-one"
        assert _serving(str(serving), "v2") is _serving(str(serving), "v2")  # one connection a copy
    finally:
        holder.close()
