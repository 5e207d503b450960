"""The figures the dashboard and the monthly deck show, read from the published serving copy.

Every function takes `q(sql, params) -> pandas.DataFrame` (a read-only query against
serving.duckdb) and, where the figure follows the global filters, a `Filters`. Definitions stay
in the dbt marts: these queries only select, filter and sum mart rows. Query text is fixed; user
choices travel as parameters (filter columns come from the `DIMENSIONS` whitelist).
"""

from pipelines.reporting.metrics.accounts import *  # noqa: F403
from pipelines.reporting.metrics.actions import *  # noqa: F403
from pipelines.reporting.metrics.base import *  # noqa: F403
from pipelines.reporting.metrics.funnel import *  # noqa: F403
from pipelines.reporting.metrics.quality import *  # noqa: F403
from pipelines.reporting.metrics.revenue import *  # noqa: F403
from pipelines.reporting.metrics.scoring import *  # noqa: F403
from pipelines.reporting.metrics.sla import *  # noqa: F403
