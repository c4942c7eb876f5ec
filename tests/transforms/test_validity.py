"""valid_at: the one rule for "unit valid at date" (both ends inclusive, null = still valid)."""

from datetime import date

import polars as pl
import pytest

from transforms.validity import valid_at

UNITS = pl.DataFrame({
    "unit_code": ["old", "new", "open"],
    "valid_from": [date(2020, 1, 1), date(2025, 1, 1), date(2020, 1, 1)],
    "valid_to": [date(2024, 12, 31), None, None],
})


@pytest.mark.parametrize(("day", "expected"), [
    (date(2019, 12, 31), []),
    (date(2020, 1, 1), ["old", "open"]),  # first day inclusive
    (date(2024, 12, 31), ["old", "open"]),  # last day inclusive
    (date(2025, 1, 1), ["new", "open"]),
    (date(2040, 6, 30), ["new", "open"]),  # null valid_to: still valid
])
def test_valid_at_a_date(day, expected):
    assert UNITS.filter(valid_at(day))["unit_code"].to_list() == expected


def test_valid_at_a_column_and_renamed_interval_columns():
    frame = UNITS.rename({"valid_from": "_from"}).with_columns(
        _end=pl.Series([date(2024, 12, 31), date(2024, 12, 31), date(2025, 1, 1)]))
    assert frame.filter(valid_at("_end", valid_from="_from"))["unit_code"].to_list() == [
        "old", "open"]
    assert frame.filter(valid_at(pl.col("_end"), valid_from="_from")).height == 2
