"""Whether a run has anything to build: the inputs the published marts were built from.

The marts depend on the loads in the warehouse (every load that is `loaded`), the rules and
mapping files, the code that turns them into marts (the dbt project, the quality suites and the
pipelines package) and the engine dbt ran on (the marts are the same; a run on another engine
builds them there). A publication records their fingerprint. A run whose landing files are
all loaded already (same content, same mapping) and whose inputs give the published copy's
fingerprint has nothing to do: ingest, dbt, checks and publication are skipped and the summary
says so. With `reporting.as_of: now` the marts move with the clock, so every run builds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from pipelines.ingest.loader import LandingFile
from pipelines.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
CODE = ("pipelines", "dbt_project", "expectations")
CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".md", ".json"}
SKIPPED_DIRS = {"__pycache__", "target", "logs", "dbt_packages"}


def _code_digest() -> str:
    digest = hashlib.sha256()
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file() and \
                    not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_inputs(ws: Workspace, con: duckdb.DuckDBPyConnection, engine: str = "duckdb") -> str | None:
    """The fingerprint of what the marts are built from, or None when the marts move with the
    clock (reporting.as_of: now)."""
    rules = ws.rules()
    if rules.reporting.as_of == "now":
        return None
    digest = hashlib.sha256(_code_digest().encode() + engine.encode())
    digest.update(rules.model_dump_json().encode())  # the rules in force, not their spelling
    digest.update(ws.sources_file.read_bytes() if ws.sources_file.exists() else b"(presets)")
    loads = con.execute("SELECT load_id FROM meta.load_manifest WHERE status = 'loaded' "
                        "ORDER BY 1").fetchall()
    digest.update("\n".join(load_id for (load_id,) in loads).encode())
    return digest.hexdigest()


def up_to_date(ws: Workspace, landing: list[LandingFile], engine: str = "duckdb") -> dict | None:
    """The publication a run would only rebuild (every landing file already loaded, the same build
    inputs), or None when the run has something to do."""
    from pipelines.ingest.loader import load_fingerprint
    from pipelines.ingest.reader import DateLimits, file_sha256

    if not ws.serving.exists() or not ws.warehouse.exists() or any(f.error for f in landing):
        return None
    try:
        serving = duckdb.connect(str(ws.serving), read_only=True)
        try:
            published = serving.execute(
                "SELECT run_id, published_at, inputs FROM meta.publication").fetchone()
        finally:
            serving.close()
    except duckdb.Error:  # a copy published before inputs were recorded
        return None
    limits = DateLimits.from_rules(ws.rules())
    con = duckdb.connect(str(ws.warehouse), read_only=True)
    try:
        loaded = set(con.execute("SELECT sha256, extract, mapping_fingerprint FROM meta.load_manifest "
                                 "WHERE status = 'loaded'").fetchall())
        for lf in landing:
            sha = file_sha256(lf.path) if lf.mappings else None
            if any((sha, m.extract, load_fingerprint(m, limits)) not in loaded for m in lf.mappings):
                return None
        inputs = build_inputs(ws, con, engine)
    except duckdb.CatalogException:  # a warehouse nothing was loaded into yet
        return None
    finally:
        con.close()
    if inputs is None or published[2] != inputs:
        return None
    return {"run_id": published[0], "published_at": published[1]}
