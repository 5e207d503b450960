"""The workspace: the one folder everything a run reads and writes lives in.

    <workspace>/
      landing/ma/ landing/sfa/ landing/crm/   dropped extracts
      leadjourney.yml                         business rules (defaults when absent)
      sources.yml                             source mappings (built-in presets when absent)
      warehouse.duckdb                        the warehouse (written by runs only)
      serving.duckdb                          the published copy of the marts (read by the dashboard)
      demo_truth.json                         ground truth of generated demo data
      .dagster/                               Dagster run history (DAGSTER_HOME)
      .dbt/                                   dbt target and logs
      last_run.log                            detailed log of the last run
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "LEADJOURNEY_WORKSPACE"
DEFAULT = "workspace"


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

    def rules(self):
        from pipelines.rules import load_rules

        return load_rules(self.rules_file)

    def sources(self):
        """The source mappings in force and the landing files to ignore."""
        from pipelines.sources.mapping import load_sources

        return load_sources(self.sources_file)

    def mappings(self):
        return self.sources().mappings
