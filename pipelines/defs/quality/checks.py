"""The Great Expectations suites as Dagster asset checks; every result lands in meta.dq_results.

A check fails with ERROR severity when an error-level expectation fails (blocking checks then stop
the publication of the serving copy), with WARN severity when only warnings fail.
"""

import dagster as dg

from expectations.runner import record, run_suite
from expectations.suites import SUITES, Suite
from pipelines.defs.resources import WarehouseResource
from pipelines.pause import pause_point


def build_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey(list(suite.asset)), name=suite.name, blocking=suite.blocking,
                    description=suite.description)
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        rules = warehouse.ws.rules()
        with warehouse.connect() as con:
            outcome = run_suite(con, suite, rules, context.op_execution_context.run_id)
            record(con, outcome.rows)
        pause_point("checks.recorded", suite.name)
        failed = outcome.failed_errors + outcome.failed_warnings
        worst = sorted((r for r in outcome.rows if r["observed_value"] is not None and r["threshold"]),
                       key=lambda r: r["observed_value"] - r["threshold"])[:1]
        return dg.AssetCheckResult(
            passed=outcome.passed,
            severity=(dg.AssetCheckSeverity.ERROR if outcome.failed_errors or outcome.error
                      else dg.AssetCheckSeverity.WARN),
            metadata={
                "expectations": len(outcome.rows),
                "failed": len(failed),
                "failures": dg.MetadataValue.md("\n".join(
                    f"- {r['label']} ({r['month'] or 'all months'}): {r['observed_value']:.3f} "
                    f"vs {r['threshold']}" if r["observed_value"] is not None and r["threshold"] is not None
                    else f"- {r['label']} ({r['month'] or 'all months'})" for r in failed) or "none"),
                "worst": dg.MetadataValue.text(
                    f"{worst[0]['label']} {worst[0]['month'] or ''}: {worst[0]['observed_value']:.3f}"
                    if worst else "-"),
                **({"error": dg.MetadataValue.text(outcome.error)} if outcome.error else {}),
            },
        )

    return _check


QUALITY_CHECKS = [build_check(s) for s in SUITES]
