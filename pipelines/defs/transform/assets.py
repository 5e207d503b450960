"""Transform: the business rules as config tables, then the dbt project.

dbt's data tests run inside `dbt build` (a failing error-level test fails the step and skips what
depends on it); their results reach meta.dq_results from run_results.json. They are not also
Dagster asset checks: that doubled the run's events (about 200 more) for nothing shown."""

import json
import os

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from pipelines import lake, progress
from pipelines.config_tables import all_frames, write_config_tables
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.transform.dbt import WAREHOUSE_ENV, dbt_executable, dbt_test_results
from pipelines.rules import load_rules
from pipelines.warehouse import dbt_env

CONFIG_TABLES = list(all_frames(load_rules(None)))


@dg.multi_asset(
    specs=[dg.AssetSpec(["config", name], group_name="transform", kinds={"duckdb"},
                        description=f"config.{name}: business rules from leadjourney.yml as a table.")
           for name in CONFIG_TABLES],
)
def business_rules(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Validate leadjourney.yml (defaults when absent) and write it as config.* tables."""
    rules = warehouse.ws.rules()
    with warehouse.connect() as con:
        counts = write_config_tables(con, rules)
    progress.report("  business rules written to config.*")
    for name, rows in counts.items():
        yield dg.MaterializeResult(asset_key=["config", name], metadata={"rows": rows})


def record_dbt_tests(warehouse: WarehouseResource, target_path, run_id: str) -> None:
    """dbt's warned and failed tests join the data-quality results (run summary, quality page)."""
    from datetime import UTC, datetime

    from expectations.runner import record

    rows = dbt_test_results(target_path)
    if rows:
        now = datetime.now(UTC).replace(tzinfo=None)
        with warehouse.connect() as con:
            record(con, [{"run_id": run_id, "checked_at": now, "suite": "dbt_tests", "passed": False,
                          "sample_failing_ids": "[]", **row} for row in rows])


class Translator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props) -> str:
        return "transform"


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=Translator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=False)))
    def leadjourney_dbt(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        ws = warehouse.ws
        os.environ[WAREHOUSE_ENV] = str(ws.warehouse)
        os.environ.update(dbt_env())
        # dbt's unit tests, and the data tests tagged sql_check (a key of a large table that its
        # SQL guarantees, given the keys tested upstream), check the SQL, not the data: they run
        # in the test suite (and with `leadjourney dbt test --select test_type:unit tag:sql_check`),
        # not on every run
        build = ["build", "--exclude-resource-type", "unit_test", "--exclude", "tag:sql_check"]
        target_path = project.target_path  # the project's own, not one per run: dbt parses partially
        spark = warehouse.engine == "spark"
        if spark:  # the same project on Spark, over the lake (pipelines/lake.py)
            with warehouse.connect() as con:
                written = lake.write_sources(con, ws.lake)
            progress.report(f"  lake: {sum(written.values())} Parquet file(s) written to {ws.lake}")
            lake.clear_seeds(ws.lake, project.manifest_path)
            os.environ.update(lake.spark_env(ws))
            build += ["--vars", json.dumps(lake.spark_vars())]
            target_path = ws.dbt_dir / "target-spark"
        dbt = DbtCliResource(project_dir=project, dbt_executable=dbt_executable(),
                             target="spark" if spark else None)
        (target_path / "run_results.json").unlink(missing_ok=True)  # no stale results
        try:
            for event in dbt.cli(build, context=context, target_path=target_path).stream():
                yield event
                label = getattr(event, "output_name", None) or getattr(event, "check_name", None)
                if label:
                    progress.report(f"  dbt: {label}")
        finally:
            if spark:  # what Spark built comes back into the warehouse, failed models excepted
                with warehouse.connect() as con:
                    count = lake.read_models(con, ws.lake, lake.built_relations(target_path))
                progress.report(f"  lake: {count} table(s) built on Spark read into the warehouse")
            # dbt's test warnings reach the run summary and the quality page, not just its log
            record_dbt_tests(warehouse, target_path, context.run_id)

    return leadjourney_dbt
