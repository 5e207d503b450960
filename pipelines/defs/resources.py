"""The one resource every asset uses: the workspace and its warehouse."""


from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from pipelines import warehouse as wh
from pipelines.workspace import Workspace


class WarehouseResource(dg.ConfigurableResource):
    """The workspace folder and the engine dbt builds on; connections to its DuckDB warehouse are
    short-lived."""

    workspace: str
    engine: str = "duckdb"

    @property
    def ws(self) -> Workspace:
        return Workspace.resolve(self.workspace)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = wh.connect(self.ws.warehouse)
        try:
            yield con
        finally:
            con.close()
