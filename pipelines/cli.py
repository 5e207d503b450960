"""The `leadjourney` command line."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import click

from pipelines import progress
from pipelines.workspace import ENV_VAR, Workspace, WorkspaceBusy

WORKSPACE_HELP = f"Workspace folder (default: ${ENV_VAR}, else ./workspace)."
_resolved: list[Workspace] = []  # the command's workspace, where an unexpected error is logged


def _ws(path: str | None) -> Workspace:
    ws = Workspace.resolve(path)
    _resolved.append(ws)
    return ws


@contextlib.contextmanager
def _writing(ws: Workspace, command: str):
    """Hold the workspace's writer lock; a second writer is refused (exit 2) naming the first."""
    try:
        with ws.writer_lock(command):
            yield
    except WorkspaceBusy as exc:  # raised on entering only: the lock is not held
        _fail(str(exc))


def _echo_progress(message: str) -> None:
    click.echo(message, err=True)


def _fail(message: str, code: int = 2) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


workspace_option = click.option("--workspace", "-w", default=None, metavar="DIR", help=WORKSPACE_HELP)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """leadjourney: one trustworthy lead journey from MA, SFA and CRM extracts."""


@main.command()
@workspace_option
def init(workspace: str | None) -> None:
    """Create a workspace with editable copies of the rules and source mappings."""
    from pipelines.rules import DEFAULTS_PATH
    from pipelines.sources.mapping import load_presets

    ws = _ws(workspace).create()
    if not ws.rules_file.exists():
        shutil.copyfile(DEFAULTS_PATH, ws.rules_file)
    if not ws.sources_file.exists():
        names = "\n".join(f"  - preset: {name}" for name in load_presets())
        ws.sources_file.write_text(
            "# Source mappings: presets by name (override any key beside `preset:`), or full\n"
            "# mappings (see the README, 'Source mappings').\nmappings:\n" + names + "\n",
            encoding="utf-8")
    click.echo(f"workspace ready: {ws.root}\n  rules:   {ws.rules_file}\n  sources: {ws.sources_file}\n"
               f"  landing: {ws.landing}/{{ma,sfa,crm}}")


def _generate(ws: Workspace, leads: int, seed: int, end_date: date | None, as_of: date | None = None) -> dict:
    from pipelines.demo.generator import generate as gen

    ws.create()
    if as_of is None:  # a later export day lands beside the earlier days' files
        for folder in ("ma", "sfa", "crm"):
            for old in (ws.landing / folder).glob("*"):
                if old.is_file():
                    old.unlink()
    started = time.perf_counter()
    last = [0.0]

    def on_progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 1 or done == total:
            last[0] = now
            click.echo(f"  generating leads: {done:,}/{total:,}", err=True)

    try:
        rules = ws.rules()
    except ValueError as exc:
        _fail(str(exc))
    try:
        truth = gen(ws.root, leads=leads, seed=seed, end_date=end_date, rules=rules,
                    progress=on_progress, as_of=as_of)
    except ValueError as exc:
        _fail(str(exc))
    g = truth["generator"]
    day = f", exported on {g['as_of']}" if as_of else ""
    click.echo(f"generated {leads + g['leads_after_end']:,} leads (seed {seed}, up to {g['end_date']}{day}) "
               f"in {time.perf_counter() - started:.1f}s into {ws.landing}")
    return truth


generate_options = [
    click.option("--leads", default=20_000, show_default=True, type=click.IntRange(min=1)),
    click.option("--seed", default=42, show_default=True, type=int),
    click.option("--end-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                 help="Last day of the generated period (default: today in Japan)."),
    click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                 help="Write the same company's exports as of this later day (the next daily export: "
                      "the same records, what happened since and the leads that arrived); the "
                      "earlier days' files stay in landing/."),
]


def _with(options):
    def wrap(fn):
        for opt in reversed(options):
            fn = opt(fn)
        return fn
    return wrap


@main.command()
@workspace_option
@_with(generate_options)
def generate(workspace: str | None, leads: int, seed: int, end_date, as_of) -> None:
    """Write demo MA, SFA and CRM extracts into DIR/landing/ and the truth to DIR/demo_truth.json.

    Replaces the files in landing/ma, landing/sfa and landing/crm (unless --as-of is given).
    """
    _generate(_ws(workspace), leads, seed, end_date.date() if end_date else None,
              as_of.date() if as_of else None)


def _print_quality(quality: dict) -> None:
    if not quality:
        return
    click.echo(f"\ndata quality: {quality['passed']} expectations passed, {quality['warned']} warned, "
               f"{quality['failed']} failed (blocking)"
               + (f", {quality['not_measurable']} not measurable" if quality.get("not_measurable") else ""))
    by_suite: dict[str, list[str]] = {}
    for suite, column in quality.get("not_measurable_columns", []):
        by_suite.setdefault(suite, []).append(column)
    for suite, columns in by_suite.items():
        click.echo(f"  not measurable ({suite}): the loaded sources carry no {', '.join(columns)}")
    for suite, label, month, observed, threshold, severity, unexpected in quality["failures"][:12]:
        shown = (f"{observed:.3f} vs {threshold}" if observed is not None and threshold is not None
                 else f"{unexpected:,} rows" if unexpected else "")
        line = f"  {'FAIL' if severity == 'error' else 'warn'}  {suite}: {label} ({month}) {shown}"
        click.secho(line, fg="red" if severity == "error" else "yellow")
    if quality["worst_completeness"]:
        click.echo("  lowest completeness:")
        for suite, label, month, observed, threshold in quality["worst_completeness"][:3]:
            click.echo(f"    {suite}: {label} ({month}) {observed:.1%} (needs {threshold:.0%})")


def _run(ws: Workspace, rebuild: bool = False, engine: str | None = None) -> bool:
    from pipelines.runner import UserError, run_pipeline

    progress.set_printer(_echo_progress)
    click.echo(f"running the pipeline on {ws.root}" + (f" (dbt on {engine})" if engine else ""), err=True)
    started = time.perf_counter()
    try:
        outcome = run_pipeline(ws, rebuild=rebuild, engine=engine)
    except UserError as exc:
        _fail(str(exc))
    finally:
        progress.set_printer(None)
    click.echo("")
    click.echo(f"{'file':46} {'extract':22} {'status':10} {'read':>9} {'loaded':>9} {'quarant.':>8} "
               f"{'flagged':>7}")
    for f in outcome.files:
        click.echo(f"{f['file'][:46]:46} {f['extract'][:22]:22} {f['status']:10} {f['rows_read']:>9,} "
                   f"{f['rows_loaded']:>9,} {f['rows_quarantined']:>8,} {f['rows_flagged']:>7,}")
    totals = [sum(f[k] for f in outcome.files) for k in ("rows_read", "rows_loaded",
                                                          "rows_quarantined", "rows_flagged")]
    click.echo(f"{'total (this run)':46} {'':22} {'':10} {totals[0]:>9,} {totals[1]:>9,} {totals[2]:>8,} "
               f"{totals[3]:>7,}")
    filtered = sum(f.get("rows_filtered", 0) for f in outcome.files)
    if filtered:
        click.echo(f"  ({filtered:,} row(s) left out by mapping filters, e.g. history rows of other fields)")
    if outcome.warnings:
        click.secho(f"\n{len(outcome.warnings)} warning(s):", fg="yellow")
        for warning in outcome.warnings:
            click.secho(f"  - {warning}", fg="yellow")
    _print_quality(outcome.quality)
    if outcome.up_to_date:
        when = f"{outcome.publication['published_at']:%Y-%m-%d %H:%M}"
        click.echo(f"\nnothing new since the run published {when} UTC (run {outcome.publication['run_id']}):"
                   "\nevery landing file is loaded and the rules, mappings and code are unchanged, so dbt, "
                   "the checks and the publication were skipped.\n"
                   f"{ws.serving} is up to date ({time.perf_counter() - started:.1f}s)")
        return True
    if outcome.published:
        click.echo(f"\npublished: {ws.serving}   (the dashboard and exports read this copy)")
    else:
        kept = (f"the copy published {outcome.publication['published_at']:%Y-%m-%d %H:%M} UTC is still served"
                if outcome.publication else "nothing has been published yet")
        click.secho(f"\nNOT published: {ws.serving} was left untouched ({kept}).", fg="red", err=True)
    click.echo(f"warehouse: {ws.warehouse}   (run {outcome.run_id}, "
               f"{time.perf_counter() - started:.1f}s: "
               + ", ".join(f"{stage} {s:.1f}s" for stage, s in outcome.stages.items()) + ")")
    click.echo("quarantined rows: SELECT * FROM meta.quarantine   (file, line, raw text, reason)")
    click.echo(f"detailed log: {ws.log_file}")
    if outcome.failures:
        click.secho(f"\n{len(outcome.failures)} problem(s):", fg="red", err=True)
        for failure in outcome.failures:
            click.secho(f"  - {failure}", fg="red", err=True)
        click.secho("Fix the files or mappings named above and run again; files already loaded with the "
                    "same mapping are skipped.", err=True)
    return outcome.success


@main.command()
@workspace_option
def check(workspace: str | None) -> None:
    """Re-run the data-quality checks alone on the warehouse; exit 1 when a blocking one fails."""
    from datetime import UTC, datetime

    from expectations.runner import run_all, summary
    from pipelines import warehouse as wh

    ws = _ws(workspace)
    if not ws.warehouse.exists():
        _fail(f"{ws.warehouse} does not exist yet: run `leadjourney run --workspace {ws.root}` first")
    run_id = f"check-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    with _writing(ws, "check"):
        con = wh.connect(ws.warehouse)
        try:
            outcomes = run_all(con, ws.rules(), run_id)
            quality = summary(con, run_id)
        finally:
            con.close()
    for o in outcomes:
        if o.error:
            click.secho(f"  ERROR {o.error}", fg="red", err=True)
    _print_quality(quality)
    click.echo(f"results recorded in meta.dq_results (run_id = '{run_id}')")
    if quality["failed"] or any(o.error for o in outcomes):
        sys.exit(1)


@main.command()
@workspace_option
@click.option("--rebuild", is_flag=True,
              help="Build, check and publish even when nothing changed since the last publication.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default=None,
              help="What dbt builds the warehouse on (default: workspace.yml's `engine`, else duckdb). "
                   "spark needs `uv sync --group spark`.")
def run(workspace: str | None, rebuild: bool, engine: str | None) -> None:
    """Materialize the whole pipeline (ingest, transform, checks) over what is in landing/.

    When every landing file is loaded already and the rules, mappings, code and engine are
    unchanged, the published copy is up to date and nothing is rebuilt (unless --rebuild)."""
    ws = _ws(workspace)
    with _writing(ws, "run"):
        ok = _run(ws, rebuild, engine)
    if not ok:
        sys.exit(1)


@main.command()
@workspace_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--rows", default=10, show_default=True, type=click.IntRange(min=1), help="Rows to show.")
def inspect(workspace: str | None, file: str, rows: int) -> None:
    """Show how FILE would load: its encoding, delimiter and header, the mapping that fits it (or
    the closest one and what it lacks), the columns left unmapped and the first rows, typed."""
    from pipelines.inspect import inspect_file

    ws = _ws(workspace)
    try:
        sources = ws.sources()
    except ValueError as exc:
        _fail(str(exc))
    ok = inspect_file(Path(file), ws, sources, rows, click.echo)
    if not ok:
        sys.exit(1)


@main.command()
@workspace_option
@click.argument("target", metavar="FILE|LOAD_ID")
def unload(workspace: str | None, target: str) -> None:
    """Remove the loads of a landing file (or one load by its id) from the warehouse: raw rows,
    quarantined rows and manifest entries, so that a corrected mapping loads the file again. A full
    export goes with the later full exports of its mapping (they hold its unchanged rows): their
    files, which must still be in landing/, load again too."""
    from pipelines import warehouse as wh
    from pipelines.ingest.loader import RemovalRefused
    from pipelines.ingest.loader import unload as unload_loads

    ws = _ws(workspace)
    if not ws.warehouse.exists():
        _fail(f"{ws.warehouse} does not exist yet: nothing is loaded")
    path = Path(target)
    if path.exists():
        try:
            target = path.resolve().relative_to(ws.landing).as_posix()
        except ValueError:
            target = path.name
    with _writing(ws, "unload"):
        try:
            con = wh.connect(ws.warehouse)
        except Exception as exc:  # noqa: BLE001 - duckdb raises IOException when another process writes
            _fail(f"{ws.warehouse} is in use by another process ({exc}); try again when it is done")
        try:
            removed = unload_loads(con, target, ws.landing)
        except RemovalRefused as exc:
            _fail(f"nothing unloaded: {exc}")
        finally:
            con.close()
    if not removed:
        _fail(f"no load matches {target!r} (give a load id, or a file under landing/ as "
              "the manifest names it: SELECT load_id, file_name FROM meta.load_manifest)", code=1)
    for load_id, file_name, n, went_with in removed:
        held = f", with {went_with} (it held that export's unchanged rows)" if went_with else ""
        click.echo(f"unloaded {load_id} ({file_name}): {n:,} raw rows removed{held}")
    click.echo("The next `leadjourney run` loads the files again that are still in landing/.")


@main.command()
@workspace_option
@_with(generate_options)
def demo(workspace: str | None, leads: int, seed: int, end_date, as_of) -> None:
    """Generate demo extracts and run the pipeline on them (generate + run)."""
    ws = _ws(workspace)
    with _writing(ws, "demo"):
        _generate(ws, leads, seed, end_date.date() if end_date else None, as_of.date() if as_of else None)
        ok = _run(ws)
    click.echo(f"\nNext:\n  Dashboard:   uv run leadjourney dashboard --workspace {ws.root}   "
               f"(then open http://127.0.0.1:8501)\n"
               f"  Deck:        uv run leadjourney deck --workspace {ws.root} --month YYYY-MM\n"
               f"  Dagster UI:  uv run leadjourney ui --workspace {ws.root}   "
               f"(then open http://127.0.0.1:3000)\n"
               f"  SQL:         uv run python -c \"import duckdb; "
               f"print(duckdb.connect('{ws.warehouse}', read_only=True).sql('SHOW ALL TABLES'))\"")
    if not ok:
        sys.exit(1)


@main.group()
def export() -> None:
    """Export lists and files from the warehouse."""


@export.command("actions")
@workspace_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), metavar="OUTDIR")
@click.option("--encoding", default="utf-8-sig", show_default=True,
              type=click.Choice(["utf-8-sig", "utf-8", "cp932"]),
              help="utf-8-sig (UTF-8 with BOM) opens in Excel with Japanese intact; cp932 = Shift_JIS.")
@click.option("--lang", default=None, type=click.Choice(["ja", "en"]),
              help="Header language (default: locale.default_language of the rules).")
@click.option("--unmasked", is_flag=True,
              help="Write leads' names, e-mail addresses and phone numbers in full (e.g. for the "
                   "SFA->MA feedback import); masked by default unless locale.mask_personal_data is false.")
def export_actions_cmd(workspace: str | None, out_dir: str, encoding: str, lang: str | None,
                       unmasked: bool) -> None:
    """Write the action lists as CSV: MQLs awaiting first contact, SLA escalations by manager,
    the recycle queue, dormant leads and the SFA->MA feedback file."""
    from pathlib import Path

    from pipelines.exports import export_actions

    ws = _ws(workspace)
    if not ws.serving.exists():
        _fail(f"{ws.serving} does not exist yet: nothing has been published. Run "
              f"`leadjourney run --workspace {ws.root}` and fix what it reports.")
    rules = ws.rules()
    mask = rules.locale.mask_personal_data and not unmasked
    written = export_actions(ws.serving, Path(out_dir), encoding,
                             lang or rules.locale.default_language, rules.calendar.timezone, mask)
    click.echo("personal data masked (names, e-mail addresses, phone numbers); --unmasked writes them in full"
               if mask else "personal data NOT masked: these files hold leads' names, e-mail addresses and "
               "phone numbers in full")
    for name, info in written.items():
        note = (f" ({info['replaced_characters']} characters not in CP932 replaced by '?')"
                if info["replaced_characters"] else "")
        click.echo(f"{Path(out_dir) / name}: {info['rows']:,} rows{note}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@workspace_option
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default=None,
              help="The engine to run dbt on (default: workspace.yml's `engine`, else duckdb).")
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
def dbt(workspace: str | None, engine: str | None, dbt_args: tuple[str, ...]) -> None:
    """Run dbt on the workspace's warehouse, e.g. `leadjourney dbt docs generate`.

    Use it for ad-hoc dbt commands (docs, a single model, tests); `leadjourney run` is the
    pipeline. The business rules tables must exist (they do after a first run); on Spark, the
    lake a Spark run wrote.
    """
    import json

    from pipelines import lake
    from pipelines.defs.transform.dbt import DBT_PROJECT_DIR, WAREHOUSE_ENV, dbt_executable
    from pipelines.warehouse import dbt_env
    from pipelines.workspace import SettingsError

    ws = _ws(workspace)
    if not ws.warehouse.exists():
        _fail(f"{ws.warehouse} does not exist yet: run `leadjourney run --workspace {ws.root}` first")
    try:
        engine = ws.engine(engine)
    except SettingsError as exc:
        _fail(str(exc))
    env = {**os.environ, WAREHOUSE_ENV: str(ws.warehouse), "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
           "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR), "DBT_TARGET_PATH": str(ws.dbt_dir / "target"),
           "DBT_LOG_PATH": str(ws.dbt_dir / "logs"), **dbt_env()}
    args = list(dbt_args)
    if engine == "spark":
        if lake.spark_missing():
            _fail(lake.spark_missing())
        if not lake.Lake(ws.lake).exists("config"):
            _fail(f"{ws.lake} holds no lake yet: run "
                  f"`leadjourney run --engine spark --workspace {ws.root}` first")
        env |= {**lake.spark_env(ws), "DBT_TARGET_PATH": str(ws.dbt_dir / "target-spark")}
        args += ["--target", "spark", "--vars", json.dumps(lake.spark_vars())]
    with _writing(ws, "dbt " + " ".join(dbt_args[:2])):
        code = subprocess.call([dbt_executable(), *args], env=env, cwd=DBT_PROJECT_DIR)
    sys.exit(code)


@main.command()
@workspace_option
@click.option("--port", default=3000, show_default=True, type=int)
def ui(workspace: str | None, port: int) -> None:
    """Open the Dagster UI on the workspace (http://127.0.0.1:PORT)."""
    ws = _ws(workspace).create()
    from pipelines.runner import _dagster_instance

    _dagster_instance(ws)
    os.environ[ENV_VAR] = str(ws.root)
    dagster = shutil.which("dagster") or _fail("the dagster command is not installed")
    os.execv(dagster, [dagster, "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1",
                       "-p", str(port)])


@main.command()
@workspace_option
@click.option("--month", default=None, metavar="YYYY-MM",
              help="The month to review (default: the last complete month of the data).")
@click.option("--partial", is_flag=True,
              help="Allow the month still in progress; every slide then says it is partial.")
@click.option("--lang", default=None, type=click.Choice(["ja", "en"]),
              help="Language (default: locale.default_language in the rules file).")
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False), metavar="FILE.pptx",
              help="Output file (default: WORKSPACE/decks/monthly_review_YYYY-MM_<lang>.pptx).")
def deck(workspace: str | None, month: str | None, partial: bool, lang: str | None,
         out_file: str | None) -> None:
    """Build the monthly review deck (editable PowerPoint) from the published serving copy."""
    from pipelines.reporting.deck import MonthError, build_deck, deck_path, parse_month, reporting_months

    ws = _ws(workspace)
    if not ws.serving.exists():
        _fail(f"nothing published yet in {ws.root}: run `leadjourney demo` or `leadjourney run` first")
    try:
        chosen = parse_month(month) if month else reporting_months(ws.serving)[0]
    except ValueError as exc:
        _fail(f"--month: {exc}")
    lang = lang or (ws.rules().locale.default_language if ws.rules_file.exists() else "ja")
    out = Path(out_file) if out_file else deck_path(ws, chosen, lang)
    try:
        result = build_deck(ws.serving, chosen, lang, out, partial=partial)
    except MonthError as exc:
        _fail(str(exc))
    note = "" if result.has_data else "  (no data for this month: the deck says so)"
    note += "  (partial month: every slide says so)" if chosen >= reporting_months(ws.serving)[1] else ""
    click.echo(f"deck: {result.path}  ({result.slides} slides){note}")


@main.command()
@workspace_option
@click.option("--port", default=8501, show_default=True, type=int)
def dashboard(workspace: str | None, port: int) -> None:
    """Start the dashboard on http://127.0.0.1:PORT (reads the published serving copy only)."""
    ws = _ws(workspace)
    if not ws.serving.exists():
        _fail(f"nothing published yet in {ws.root}: run `leadjourney demo` or `leadjourney run` first")
    os.environ[ENV_VAR] = str(ws.root)
    import dashboard as dashboard_package

    app = Path(dashboard_package.__file__).resolve().parent / "app.py"
    click.echo(f"dashboard: http://127.0.0.1:{port}   (workspace {ws.root}; Ctrl-C to stop)")
    # Streamlit of this environment, whether or not its scripts are on PATH
    os.execv(sys.executable, [sys.executable, "-m", "streamlit", "run", str(app),
                              "--server.address", "127.0.0.1", "--server.port", str(port),
                              "--server.headless", "true", "--browser.gatherUsageStats", "false",
                              "--client.toolbarMode", "viewer"])


def entry() -> None:
    """The `leadjourney` command: files it creates are readable by their owner only (they hold
    personal data), and an unexpected error prints one line; its traceback goes to a log file."""
    os.umask(0o077)
    try:
        main()
    except Exception as exc:  # noqa: BLE001 - the last resort: no stack trace on the console
        import tempfile
        import traceback

        known = _resolved[-1].root if _resolved else None
        log = (known / "error.log" if known and known.is_dir()
               else Path(tempfile.gettempdir()) / f"leadjourney-{os.getuid()}-error.log")
        try:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} leadjourney {' '.join(sys.argv[1:])}\n")
                traceback.print_exc(file=fh)
        except OSError:
            log = "nowhere (the log could not be written)"
        first = str(exc).splitlines()[0] if str(exc) else ""
        click.secho(f"error: unexpected {type(exc).__name__}: {first}\n  (the details are in {log}; "
                    "report them if the problem persists)", fg="red", err=True)
        sys.exit(1)


if __name__ == "__main__":
    entry()
