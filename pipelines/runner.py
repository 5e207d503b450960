"""`leadjourney run`: validate the workspace, materialize the asset graph in-process, summarise."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.ingest.loader import discover
from pipelines.workspace import Workspace


class UserError(Exception):
    """A problem the user can fix; the message says what to do. Exit code 2."""


@dataclass
class RunOutcome:
    success: bool
    run_id: str | None
    failures: list[str] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    quality: dict = field(default_factory=dict)
    published: bool = False
    publication: dict | None = None


def preflight(ws: Workspace):
    """Validate rules and mappings and make sure the warehouse can be written."""
    from pipelines.rules import RulesError
    from pipelines.sources.mapping import MappingError

    if not ws.landing.is_dir():
        raise UserError(f"{ws.landing} does not exist: drop extracts into landing/ma, landing/sfa "
                        f"and landing/crm (or run `leadjourney generate --workspace {ws.root}`)")
    try:
        rules = ws.rules()
    except RulesError as exc:
        raise UserError(str(exc)) from None
    try:
        mappings = ws.mappings()
    except MappingError as exc:
        raise UserError(str(exc)) from None
    try:
        duckdb.connect(str(ws.warehouse)).close()
    except duckdb.IOException as exc:
        raise UserError(
            f"{ws.warehouse} is in use by another process ({exc}). DuckDB allows one writer: stop "
            "the other run or program that has the warehouse open and try again.") from None
    return rules, mappings


def _dagster_instance(ws: Workspace):
    from dagster import DagsterInstance

    ws.dagster_home.mkdir(parents=True, exist_ok=True)
    config = ws.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(ws.dagster_home)
    return DagsterInstance.get()


def run_pipeline(ws: Workspace) -> RunOutcome:
    _rules, mappings = preflight(ws)
    from pipelines.definitions import ALL_JOB, build_definitions

    started = datetime.now(UTC).replace(tzinfo=None)
    from pipelines.defs.transform.dbt import DbtProjectError

    landing = discover(ws.landing, mappings)
    failures = [f.error for f in landing if f.error]
    try:
        defs = build_definitions(ws)
    except DbtProjectError as exc:
        raise UserError(str(exc)) from None
    job = defs.resolve_job_def(ALL_JOB)
    # dagster-dbt echoes every dbt event to stdout: keep that in a log file, not on the console.
    with open(ws.log_file, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=_dagster_instance(ws), raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}})
    published = False
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION" and \
                event.asset_key.to_user_string() == "serving/published":
            published = True
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            failures.append(f"step {event.step_key} failed: {error.message.strip()}")
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity.value == "ERROR":
                detail = "; ".join(str(v.value) for v in evaluation.metadata.values()
                                   if hasattr(v, "value"))
                failures.append(f"check {evaluation.asset_key.to_user_string()}:"
                                f"{evaluation.check_name} failed: {detail}")
    files = file_summary(ws, [f.path for f in landing if f.mapping is not None], since=started)
    quality = quality_summary(ws, result.run_id)
    if quality.get("failed"):
        failures.append(f"{quality['failed']} blocking data-quality expectation(s) failed (see above)")
    from pipelines.publish import publication_info

    return RunOutcome(success=result.success and not failures and published, run_id=result.run_id,
                      failures=list(dict.fromkeys(failures)), files=files, quality=quality,
                      published=published, publication=publication_info(ws.serving))


def quality_summary(ws: Workspace, run_id: str) -> dict:
    from expectations.runner import summary

    if not ws.warehouse.exists():
        return {}
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        return summary(con, run_id)
    finally:
        con.close()


def file_summary(ws: Workspace, paths: list[Path], since: datetime | None = None) -> list[dict]:
    """The latest manifest row of every landing file (by content hash); a file loaded before
    `since` shows as unchanged."""
    from pipelines.ingest.reader import file_sha256

    if not ws.warehouse.exists():
        return []
    by_hash = {file_sha256(p): p.relative_to(ws.landing).as_posix() for p in paths}
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT sha256, extract, status, rows_read, rows_loaded, rows_quarantined, rows_flagged, "
            "message, load_id, loaded_at FROM meta.load_manifest QUALIFY row_number() OVER "
            "(PARTITION BY sha256 ORDER BY loaded_at DESC) = 1").fetchall()
    finally:
        con.close()
    out = []
    for sha, extract, status, read, loaded, quarantined, flagged, message, load_id, at in rows:
        if sha in by_hash:
            if since is not None and status == "loaded" and at < since:
                status = "unchanged"
            out.append({"file": by_hash[sha], "extract": extract, "status": status,
                        "rows_read": read, "rows_loaded": loaded, "rows_quarantined": quarantined,
                        "rows_flagged": flagged, "message": message, "load_id": load_id})
    return sorted(out, key=lambda r: r["file"])
