"""The Dagster definitions load (as `dagster dev` loads them) and hold the asset graph."""

from pipelines.contract import EXTRACTS
from pipelines.definitions import ALL_JOB, build_definitions
from pipelines.workspace import Workspace


def test_definitions_load_with_one_raw_asset_per_extract(tmp_path):
    defs = build_definitions(Workspace.resolve(tmp_path))
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {f"raw/{name}" for name in EXTRACTS} <= keys
    assert defs.resolve_job_def(ALL_JOB) is not None
