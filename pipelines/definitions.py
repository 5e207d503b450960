"""Dagster definitions of leadjourney.

`dagster dev -m pipelines.definitions` (or `leadjourney ui`) loads them for the workspace named by
$LEADJOURNEY_WORKSPACE (default ./workspace); `leadjourney run` builds them for --workspace.
"""

from __future__ import annotations

import dagster as dg

from pipelines.defs.ingest.assets import RAW_ASSETS
from pipelines.defs.quality.checks import QUALITY_CHECKS
from pipelines.defs.reporting.assets import DECK_KEY, build_deck_asset, build_publish_asset
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.transform.assets import build_dbt_assets, business_rules
from pipelines.defs.transform.dbt import ensure_manifest
from pipelines.workspace import Workspace

ALL_JOB = "leadjourney_all"


def build_definitions(workspace: Workspace, engine: str | None = None) -> dg.Definitions:
    """The assets, checks and job for a workspace; `engine` overrides its workspace.yml."""
    engine = workspace.engine(engine)
    project = ensure_manifest(workspace)
    dbt_assets = build_dbt_assets(project)
    marts = [k for k in dbt_assets.keys if k.path[0] == "marts"]
    timezone = workspace.rules().calendar.timezone if workspace.rules_file.exists() else "Asia/Tokyo"
    pipeline = dg.AssetSelection.all() - dg.AssetSelection.assets(DECK_KEY)  # decks: per month
    return dg.Definitions(
        assets=[*RAW_ASSETS, business_rules, dbt_assets, build_publish_asset(marts),
                build_deck_asset(timezone)],
        asset_checks=QUALITY_CHECKS,
        jobs=[dg.define_asset_job(ALL_JOB, selection=pipeline,
                                  executor_def=dg.in_process_executor,
                                  description="Everything: ingest, transform, checks, publish.")],
        resources={"warehouse": WarehouseResource(workspace=str(workspace.root), engine=engine)},
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev -m pipelines.definitions` loads, lazily: nothing runs at import, so a
    project dbt cannot parse fails there with its message, not in every importer."""
    return build_definitions(Workspace.resolve())
