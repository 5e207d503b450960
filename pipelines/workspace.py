"""The workspace: the one folder everything a run reads and writes lives in.

    <workspace>/
      landing/ma/ landing/sfa/ landing/crm/   dropped extracts
      leadjourney.yml                         business rules (defaults when absent)
      sources.yml                             source mappings (built-in presets when absent)
      workspace.yml                           settings of the workspace (the engine dbt runs on)
      warehouse.duckdb                        the warehouse (written by runs only)
      serving.duckdb                          the published copy of the marts (read by the dashboard)
      demo_truth.json                         ground truth of generated demo data
      .dagster/                               Dagster run history (DAGSTER_HOME)
      .dbt/                                   dbt target and logs
      lake/ .spark/                           the Spark engine's Parquet files and metastore
      last_run.log                            detailed log of the last run
      .writer.lock                            held by the process writing the warehouse

Files are created readable by their owner only (the CLI's umask is 077): they hold personal data.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ENV_VAR = "LEADJOURNEY_WORKSPACE"
DEFAULT = "workspace"
ENGINES = ("duckdb", "spark")  # what dbt builds the warehouse on (pipelines/lake.py for Spark)


class SettingsError(ValueError):
    """workspace.yml is not valid; the message names the file and the setting."""


class WorkspaceBusy(Exception):
    """Another leadjourney process is writing the workspace; the message names it."""


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def resolve(cls, path: str | os.PathLike | None = None) -> Workspace:
        """--workspace DIR, else $LEADJOURNEY_WORKSPACE, else ./workspace."""
        chosen = path or os.environ.get(ENV_VAR) or DEFAULT
        return cls(Path(chosen).expanduser().resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        """The published, read-only copy of the marts (dashboard and exports read this)."""
        return self.root / "serving.duckdb"

    @property
    def rules_file(self) -> Path:
        return self.root / "leadjourney.yml"

    @property
    def sources_file(self) -> Path:
        return self.root / "sources.yml"

    @property
    def settings_file(self) -> Path:
        return self.root / "workspace.yml"

    def engine(self, override: str | None = None) -> str:
        """The engine dbt builds on: `override` (--engine), else workspace.yml's `engine`, else duckdb."""
        import yaml

        if override is None and self.settings_file.exists():
            settings = yaml.safe_load(self.settings_file.read_text(encoding="utf-8")) or {}
            unknown = sorted(map(str, set(settings) - {"engine"})) if isinstance(settings, dict) \
                else ["(not a mapping)"]
            if unknown:
                raise SettingsError(f"{self.settings_file}: unknown setting(s) {', '.join(unknown)}; the one "
                                    "setting is `engine: duckdb` or `engine: spark`")
            override = settings.get("engine", "duckdb")
        engine = override or "duckdb"
        if engine not in ENGINES:
            raise SettingsError(f"{self.settings_file}: engine {engine!r} is not one of {', '.join(ENGINES)}")
        return engine

    @property
    def lake(self) -> str:
        """Where the Spark engine's Parquet files are (pipelines/lake.py): a folder, or an object
        store's URL such as s3a://bucket/lake; $LEADJOURNEY_LAKE moves them."""
        return os.environ.get("LEADJOURNEY_LAKE") or str(self.root / "lake")

    @property
    def spark_dir(self) -> Path:
        """The local Spark engine's metastore and warehouse folder."""
        return self.root / ".spark"

    @property
    def truth_file(self) -> Path:
        return self.root / "demo_truth.json"

    @property
    def dagster_home(self) -> Path:
        return self.root / ".dagster"

    @property
    def log_file(self) -> Path:
        """The detailed log of the last `leadjourney run` (dbt's own output included)."""
        return self.root / "last_run.log"

    @property
    def dbt_dir(self) -> Path:
        return self.root / ".dbt"

    def create(self) -> Workspace:
        for folder in ("ma", "sfa", "crm"):
            (self.landing / folder).mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        return self

    @contextlib.contextmanager
    def writer_lock(self, command: str):
        """Hold the workspace for one writing command (run, demo, check, unload, dbt). The lock is
        the kernel's (flock): it ends with the process, however it ends, so it is never stale."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode("utf-8", errors="replace").strip() or "a process"
            os.close(fd)
            raise WorkspaceBusy(
                f"{self.root} is being written by another leadjourney process: {holder}. Wait for it "
                "to finish and try again (the dashboard, `export` and `deck` keep reading the last "
                "published copy meanwhile).") from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}, `leadjourney {command}`, started "
                          f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n".encode(), 0)
            for path in (self.warehouse, self.serving):  # made before files were owner-only
                if path.exists():
                    path.chmod(0o600)
            yield
        finally:
            os.ftruncate(fd, 0)
            os.close(fd)

    def rules(self):
        from pipelines.rules import load_rules

        return load_rules(self.rules_file)

    def sources(self):
        """The source mappings in force and the landing files to ignore."""
        from pipelines.sources.mapping import load_sources

        return load_sources(self.sources_file)

    def mappings(self):
        return self.sources().mappings
