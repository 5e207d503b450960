"""The dbt project as Dagster sees it: one cached DbtProject whose artefacts live in the workspace."""

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.warehouse import dbt_env
from pipelines.workspace import Workspace

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
WAREHOUSE_ENV = "LEADJOURNEY_WAREHOUSE"


class DbtProjectError(RuntimeError):
    """The dbt project does not parse (a model or YAML file is broken)."""


def dbt_executable() -> str:
    """The dbt of this environment (not whatever dbt is first on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_project(ws: Workspace) -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR,
                      target_path=ws.dbt_dir / "target")


def _project_files_newer_than(path: Path) -> bool:
    built = path.stat().st_mtime
    return any(p.stat().st_mtime > built for p in DBT_PROJECT_DIR.rglob("*")
               if p.is_file() and "target" not in p.parts and "logs" not in p.parts)


def ensure_manifest(ws: Workspace) -> DbtProject:
    """`dbt parse` into the workspace when the manifest is missing or older than the project."""
    project = dbt_project(ws)
    os.environ.setdefault(WAREHOUSE_ENV, str(ws.warehouse))
    manifest = project.manifest_path
    if not manifest.exists() or _project_files_newer_than(manifest):
        manifest.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
               "DBT_TARGET_PATH": str(project.target_path), "DBT_LOG_PATH": str(ws.dbt_dir / "logs"),
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
               **dbt_env()}  # the build's profile exactly, or its partial parsing starts over
        done = subprocess.run([dbt_executable(), "parse"], cwd=DBT_PROJECT_DIR, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip().splitlines()
            errors = [line for line in output if "rror" in line] or output[-5:]
            raise DbtProjectError("dbt could not parse dbt_project/: " + " | ".join(errors[-3:]))
    return project


def _extract_name(model: str) -> str:
    """stg_ma__activities -> ma_activities: a staging model is named after the extract it cleans."""
    return model.removeprefix("stg_").replace("__", "_", 1) if model.startswith("stg_") else model


def dbt_test_results(target_path: Path) -> list[dict]:
    """The dbt tests of the last invocation that did not pass (e.g. activities that point at leads
    never loaded), as data-quality result rows: what they check and how many rows break it."""
    import json

    results_file, manifest_file = target_path / "run_results.json", target_path / "manifest.json"
    if not results_file.exists() or not manifest_file.exists():
        return []
    nodes = json.loads(manifest_file.read_text(encoding="utf-8"))["nodes"]
    rows = []
    for result in json.loads(results_file.read_text(encoding="utf-8"))["results"]:
        node = nodes.get(result["unique_id"], {})
        if node.get("resource_type") != "test" or result["status"] not in ("warn", "fail"):
            continue
        test = (node.get("test_metadata") or {}).get("name") or node.get("name")
        kwargs = (node.get("test_metadata") or {}).get("kwargs") or {}
        model = (node.get("attached_node") or "").split(".")[-1]
        column = node.get("column_name")
        subject = f"{_extract_name(model)}.{column}" if column else _extract_name(model)
        if test == "relationships":  # the field names both ends: ma_activities.lead_id → ma_leads.lead_id
            parent = _extract_name(str(kwargs.get("to", "")).removeprefix("ref('").removesuffix("')"))
            subject, label = f"{subject} → {parent}.{kwargs.get('field')}", f"{subject} not in {parent}"
        else:
            label = f"{subject}: {test}"
        rows.append({"asset": model, "expectation": f"dbt_{test}", "column_name": subject, "label": label,
                     "unexpected_count": result.get("failures") or 0,
                     "severity": "warn" if result["status"] == "warn" else "error"})
    return rows
