"""The KPI rules, defined once as SQL functions: hand-computed cases."""

import duckdb
import pytest

from pipelines.kpi_functions import create_kpi_functions


@pytest.fixture()
def con():
    c = duckdb.connect()
    create_kpi_functions(c)
    yield c
    c.close()


@pytest.mark.parametrize("rate, n, expected", [
    (None, 0, "no_data"), (0.10, 29, "not_enough_data"), (0.10, 30, "below"), (0.20, 30, "in_band"),
    (0.30, 30, "in_band"), (0.31, 100, "above")])
def test_band_status(con, rate, n, expected):
    assert con.execute("SELECT band_status(?, 0.20, 0.30, ?, 30)", [rate, n]).fetchone() == (expected,)


@pytest.mark.parametrize("entered, converted, low, expected", [
    (100, 12, 0.20, 8),   # 0.2 x 100 - 12
    (7, 0, 0.20, 1),      # round(1.4)
    (5, 3, 0.20, 0),      # above the low end: nothing lost
])
def test_leads_lost(con, entered, converted, low, expected):
    assert con.execute("SELECT leads_lost(?, ?, ?)", [entered, converted, low]).fetchone() == (expected,)
