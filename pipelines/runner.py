"""`leadjourney run`: validate the workspace, materialize the asset graph in-process, summarise."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from pipelines.ingest.loader import LandingFile, discover
from pipelines.measures import measure_coverage, measure_label, measure_order, measures_of
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
    warnings: list[str] = field(default_factory=list)
    up_to_date: bool = False  # nothing new: ingest, dbt, checks and publication were skipped
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage of the run


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


def run_pipeline(ws: Workspace, rebuild: bool = False, engine: str | None = None) -> RunOutcome:
    """`engine` (duckdb or spark) overrides the workspace's setting (workspace.yml)."""
    _rules, _mappings = preflight(ws)
    from pipelines.freshness import up_to_date
    from pipelines.lake import spark_missing
    from pipelines.publish import publication_info
    from pipelines.workspace import SettingsError

    try:
        engine = ws.engine(engine)
    except SettingsError as exc:
        raise UserError(str(exc)) from None
    if engine == "spark" and spark_missing():
        raise UserError(spark_missing())

    started = datetime.now(UTC).replace(tzinfo=None)
    landing = discover(ws.landing, ws.sources())
    if not rebuild and up_to_date(ws, landing, engine):
        return RunOutcome(success=True, run_id=None, files=file_summary(ws, landing, since=started),
                          publication=publication_info(ws.serving), up_to_date=True)
    failures = [f.error for f in landing if f.error]
    from pipelines.definitions import ALL_JOB, build_definitions
    from pipelines.defs.transform.dbt import DbtProjectError

    try:
        defs = build_definitions(ws, engine)
    except DbtProjectError as exc:
        raise UserError(str(exc)) from None
    job = defs.resolve_job_def(ALL_JOB)
    instance = _dagster_instance(ws)
    # dagster-dbt echoes every dbt event to stdout: keep that in a log file, not on the console.
    with open(ws.log_file, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance, raise_on_error=False,
            # no stack traces on the console: the summary below names every failure, and the
            # run's events (tracebacks included) stay in the Dagster run storage
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
    published = False
    with open(ws.log_file, "a", encoding="utf-8") as log:  # the tracebacks, kept off the console
        for event in result.all_events:
            if event.is_step_failure:
                log.write(f"\nstep {event.step_key} failed:\n{event.step_failure_data.error.to_string()}\n")
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION" and \
                event.asset_key.to_user_string() == "serving/published":
            published = True
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            message = error.message.strip().removeprefix("dagster._core.definitions.events.Failure: ")
            failures.append(f"step {event.step_key} failed: {message}")
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity.value == "ERROR":
                detail = "; ".join(str(v.value) for v in evaluation.metadata.values()
                                   if hasattr(v, "value"))
                failures.append(f"check {evaluation.asset_key.to_user_string()}:"
                                f"{evaluation.check_name} failed: {detail}")
    files = file_summary(ws, landing, since=started)
    quality = quality_summary(ws, result.run_id)
    if quality.get("failed"):
        failures.append(f"{quality['failed']} blocking data-quality expectation(s) failed (see above)")
    return RunOutcome(success=result.success and not failures and published, run_id=result.run_id,
                      failures=list(dict.fromkeys(failures)), files=files, quality=quality,
                      published=published, publication=publication_info(ws.serving),
                      warnings=run_warnings(ws, files), stages=stage_seconds(instance, result.run_id))


STAGES = ("ingest", "dbt", "checks", "publication")


def _stage_of(step_key: str, checks_only: bool) -> str:
    """The stage of a step; `checks_only`: it evaluated asset checks and materialized nothing (a
    quality suite, even one on a raw asset such as the sources' freshness)."""
    if checks_only:
        return "checks"
    if step_key.startswith("raw__") or step_key == "config__business_rules":
        return "ingest"
    if step_key.startswith("serving__"):
        return "publication"
    return "dbt" if "dbt" in step_key else "checks"


def stage_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds each stage of a run took (ingest, dbt, checks, publication), from its steps' start
    and end events."""
    started: dict[str, float] = {}
    took: dict[str, float] = {}
    materialized, checked = set(), set()
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            started[step] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step in started:
            took[step] = entry.timestamp - started.pop(step)
        elif kind == "ASSET_MATERIALIZATION":
            materialized.add(step)
        elif kind == "ASSET_CHECK_EVALUATION":
            checked.add(step)
    seconds = dict.fromkeys(STAGES, 0.0)
    for step, s in took.items():
        seconds[_stage_of(step, step in checked and step not in materialized)] += s
    return seconds


def quality_summary(ws: Workspace, run_id: str) -> dict:
    from expectations.runner import summary

    if not ws.warehouse.exists():
        return {}
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        return summary(con, run_id)
    finally:
        con.close()


_MANIFEST_FIELDS = ("status", "rows_read", "rows_loaded", "rows_quarantined", "rows_flagged",
                    "rows_filtered", "message", "load_id", "loaded_at", "warnings", "missing_columns",
                    "missing_fields", "unmapped_labels")


def file_summary(ws: Workspace, landing: list[LandingFile], since: datetime | None = None) -> list[dict]:
    """One row per landing file and extract it feeds: this run's load, or why nothing loaded. A
    file loaded (with the same mapping) before `since` shows as unchanged, with nothing counted."""
    from pipelines.ingest.loader import load_fingerprint
    from pipelines.ingest.reader import DateLimits, file_sha256

    limits = DateLimits.from_rules(ws.rules())
    manifest = {}
    if ws.warehouse.exists():
        con = duckdb.connect(str(ws.warehouse), read_only=True)
        try:
            if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'meta' "
                           "AND table_name = 'load_manifest'").fetchone()[0]:
                for row in con.execute(
                        f"SELECT sha256, extract, mapping_fingerprint, {', '.join(_MANIFEST_FIELDS)} "
                        "FROM meta.load_manifest WHERE status IN ('loaded', 'rejected') QUALIFY row_number() "
                        "OVER (PARTITION BY sha256, extract, mapping_fingerprint ORDER BY loaded_at DESC) = 1"
                        ).fetchall():
                    manifest[row[:3]] = dict(zip(_MANIFEST_FIELDS, row[3:], strict=True))
        finally:
            con.close()
    zero = {"rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_flagged": 0, "rows_filtered": 0}
    out = []
    for lf in landing:
        if lf.ignored or lf.error:
            out.append({"file": lf.name, "extract": "", "status": "ignored" if lf.ignored else "unmatched",
                        **zero, "message": lf.error or "listed under ignore: in sources.yml",
                        "load_id": None, "warnings": [], "missing_fields": []})
            continue
        sha = file_sha256(lf.path)
        for mapping in lf.mappings:
            row = manifest.get((sha, mapping.extract, load_fingerprint(mapping, limits)))
            entry = {"file": lf.name, "extract": mapping.extract, "mapping": mapping.name}
            if row is None:
                out.append({**entry, "status": "not loaded", **zero, "message": "the ingest did not run",
                            "load_id": None, "warnings": [], "missing_fields": []})
                continue
            status = row["status"]
            if since is not None and status == "loaded" and row["loaded_at"] < since:
                out.append({**entry, "status": "unchanged", **zero,
                            "message": f"already loaded as {row['load_id']} ({row['rows_loaded']:,} rows)",
                            "load_id": row["load_id"], "warnings": [], "missing_fields": []})
                continue
            out.append({**entry, **{k: row[k] or 0 for k in zero}, "status": status,
                        "message": row["message"] or "", "load_id": row["load_id"],
                        "warnings": json.loads(row["warnings"] or "[]"),
                        "missing_columns": json.loads(row["missing_columns"] or "[]"),
                        "missing_fields": json.loads(row["missing_fields"] or "[]")})
    return sorted(out, key=lambda r: (r["file"], r["extract"]))


def run_warnings(ws: Workspace, files: list[dict]) -> list[str]:
    """What this run's loads cost: absent optional columns with the measures no loaded source
    carries because of them, labels the mappings do not list, lookups that found nothing."""
    coverage = measure_coverage(ws)
    warnings = []
    for f in files:
        for w in f.get("warnings", []):
            warnings.append(f"{f['file']}: {w}")
        missing = f.get("missing_columns") or []
        if not missing:
            continue
        # what they cost: the measures they feed that no loaded source carries (unknown before dbt ran)
        lost = sorted({m for field in f.get("missing_fields", [])
                       for m in measures_of(f["extract"], field) if coverage and not coverage.get(m, False)},
                      key=measure_order)
        head = missing[0] + (f" and {len(missing) - 1} more" if len(missing) > 1 else "")
        cost = f": not measurable with the loaded sources: {', '.join(measure_label(m) for m in lost)}" \
            if lost else ""
        warnings.append(f"{f['file']}: {head} absent{cost}")
    return warnings
