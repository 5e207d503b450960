"""Publication: the serving copy the dashboard and exports read, replaced only after a good run."""

from datetime import date

import dagster as dg

from expectations.suites import SUITES
from pipelines import progress
from pipelines.defs.resources import WarehouseResource
from pipelines.freshness import build_inputs
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
        landing = discover(ws.landing, ws.sources())
        hashes = [file_sha256(f.path) for f in landing if f.mappings]
        with warehouse.connect() as con:
            reasons = blocking_failures(con, context.run_id, hashes)
            inputs = build_inputs(ws, con, warehouse.engine)
        reasons += [f"unmatched file: {f.name}" for f in landing if f.error]
        if reasons:
            raise dg.Failure(description="Not published: " + "; ".join(reasons[:10]),
                             metadata={"reasons": dg.MetadataValue.md("\n".join(f"- {r}" for r in reasons))})
        info = publish(ws.warehouse, ws.serving, context.run_id, inputs)
        progress.report(f"  published {ws.serving}")
        return dg.MaterializeResult(metadata={**info, "path": str(ws.serving)})

    return serving_copy


DECK_KEY = dg.AssetKey(["reporting", "monthly_review_deck"])


def build_deck_asset(timezone: str) -> dg.AssetsDefinition:
    # Months up to the last complete one (end_offset=0); the current month is built from the CLI.
    partitions = dg.MonthlyPartitionsDefinition(start_date="2024-01-01", timezone=timezone, end_offset=0)

    @dg.asset(key=DECK_KEY, deps=[SERVING_KEY], partitions_def=partitions, group_name="reporting",
              kinds={"pptx"},
              description="The monthly review deck (PowerPoint, native charts) in Japanese and English, "
                          "from the serving copy: workspace/decks/monthly_review_YYYY-MM_<lang>.pptx.")
    def monthly_review_deck(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        from pipelines.reporting.deck import MonthError, build_deck, deck_path

        ws = warehouse.ws
        month = date.fromisoformat(context.partition_key)
        built = {}
        for lang in ("ja", "en"):
            try:
                result = build_deck(ws.serving, month, lang, deck_path(ws, month, lang))
            except MonthError as exc:  # a month after the data, or still in progress in them
                raise dg.Failure(description=str(exc)) from None
            built[lang] = result
            progress.report(f"  deck {result.path} ({result.slides} slides)")
        return dg.MaterializeResult(metadata={
            "slides": built["ja"].slides, "has_data": built["ja"].has_data,
            **{f"path_{lang}": str(r.path) for lang, r in built.items()}})

    return monthly_review_deck
