"""One asset per canonical extract: landing files -> raw.<extract> (+ manifest and quarantine)."""


import dagster as dg

from pipelines import progress
from pipelines.contract import EXTRACTS, Extract
from pipelines.defs.resources import WarehouseResource
from pipelines.ingest.loader import FileLoad, discover, load_extract
from pipelines.ingest.reader import DateLimits
from pipelines.sources.mapping import LOOKUP_EXTRACTS

CHECK_NAME = "landing_files_accepted"


def _summary(results: list[FileLoad]) -> dict:
    return {
        "files": dg.MetadataValue.md(
            "| file | status | read | loaded | quarantined | flagged |\n|---|---|---|---|---|---|\n"
            + "\n".join(f"| {r.file_name} | {r.status} | {r.rows_read} | {r.rows_loaded} | "
                        f"{r.rows_quarantined} | {r.rows_flagged} |" for r in results))
        if results else dg.MetadataValue.text("no landing file for this extract"),
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "rows_flagged": sum(r.rows_flagged for r in results),
    }


def build_raw_asset(extract: Extract) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", extract.name])
    # extracts other mappings look values up in (users, accounts) load first
    looked_up = LOOKUP_EXTRACTS[:LOOKUP_EXTRACTS.index(extract.name)] if extract.name in LOOKUP_EXTRACTS \
        else LOOKUP_EXTRACTS

    @dg.asset(
        key=key,
        deps=[dg.AssetKey(["raw", name]) for name in looked_up],
        group_name="ingest",
        kinds={"duckdb", "python"},
        description=f"{extract.description} Raw layer: every version of every record, loaded "
                    "from landing/ through its source mapping.",
        check_specs=[dg.AssetCheckSpec(
            CHECK_NAME, asset=key,
            description="Every landing file of this extract matched its mapping and was read "
                        "(a file missing a required column is rejected).")],
    )
    def raw_extract(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        ws = warehouse.ws
        files = [f for f in discover(ws.landing, ws.sources()) if f.mapping_for(extract.name)]

        def on_rows(file_name: str, rows: int) -> None:
            progress.report(f"  {file_name}: {rows:,} rows read")

        with warehouse.connect() as con:
            results = load_extract(con, files, extract.name, on_rows, DateLimits.from_rules(ws.rules()))
            total = con.execute(f"SELECT count(*) FROM raw.{extract.name}").fetchone()[0]
        for r in results:
            line = (f"{r.file_name} -> {extract.name}: {r.status}, {r.rows_loaded:,} loaded, "
                    f"{r.rows_quarantined:,} quarantined" if r.status == "loaded"
                    else f"{r.file_name} -> {extract.name}: {r.status} {r.message}")
            (context.log.error if r.failed else context.log.info)(line)
            progress.report(f"  {line}")
            for warning in r.warnings:
                context.log.warning(f"{r.file_name}: {warning}")
        rejected = [r for r in results if r.failed]
        return dg.MaterializeResult(
            metadata={**_summary(results), "rows_in_raw_table": total},
            check_results=[dg.AssetCheckResult(
                check_name=CHECK_NAME, passed=not rejected, severity=dg.AssetCheckSeverity.ERROR,
                metadata={"rejected": dg.MetadataValue.text(
                    "\n".join(r.message for r in rejected) or "none")})],
        )

    return raw_extract


RAW_ASSETS = [build_raw_asset(e) for e in EXTRACTS.values()]
