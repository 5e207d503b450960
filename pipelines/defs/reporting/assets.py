"""Publication: the serving copy the dashboard and exports read, replaced only after a good run."""

import dagster as dg

from expectations.suites import SUITES
from pipelines import progress
from pipelines.defs.resources import WarehouseResource
from pipelines.ingest.loader import discover
from pipelines.ingest.reader import file_sha256
from pipelines.publish import blocking_failures, publish

SERVING_KEY = dg.AssetKey(["serving", "published"])


def build_publish_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    checked = {dg.AssetKey(list(s.asset)) for s in SUITES}

    @dg.asset(key=SERVING_KEY, deps=sorted(set(mart_keys) | checked, key=lambda k: k.to_user_string()),
              group_name="reporting", kinds={"duckdb"},
              description="serving.duckdb: the published, read-only copy of the marts. Replaced "
                          "atomically, and only when no blocking check failed and no extract was "
                          "rejected in this run.")
    def serving_copy(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        ws = warehouse.ws
        hashes = [file_sha256(f.path) for f in discover(ws.landing, ws.mappings()) if f.mapping]
        with warehouse.connect() as con:
            reasons = blocking_failures(con, context.run_id, hashes)
        if reasons:
            raise dg.Failure(description="Not published: " + "; ".join(reasons[:10]),
                             metadata={"reasons": dg.MetadataValue.md("\n".join(f"- {r}" for r in reasons))})
        info = publish(ws.warehouse, ws.serving, context.run_id)
        progress.report(f"  published {ws.serving}")
        return dg.MaterializeResult(metadata={**info, "path": str(ws.serving)})

    return serving_copy
