"""History restated into today's wards through the chained crosswalk (2025-01-01 mergers, then
the 2025-07-01 reform), on the shipped reference data."""

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.periods import period_end
from transforms.rollup import restate_to_current
from transforms.schema import WARD_VALUES
from warehouse.reference import load_crosswalk, load_units, units_valid_on

PERIODS = ["2021-Q3", "2021-Y", "2024-Q4", "2025-Q1", "2025-H1", "2025-Q3", "2025-Y"]


@pytest.fixture(scope="module")
def hanoi():
    units, crosswalk = load_units("01"), load_crosswalk("01")
    wards = {p: sorted(units_valid_on(units, period_end(p)).filter(
        pl.col("level") == "ward")["unit_code"]) for p in PERIODS}
    today = set(units_valid_on(units, date(2026, 12, 2)).filter(
        pl.col("level") == "ward")["unit_code"])
    return crosswalk, wards, today


def values_frame(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(w, p, i, v, False, False, f"f{n}") for n, (w, p, i, v) in enumerate(rows)],
        schema=WARD_VALUES, orient="row")


def test_a_2021_ward_merged_in_2025_reaches_todays_ward_through_both_changes(hanoi):
    crosswalk, _, today = hanoi
    # Thịnh Quang (00223) joined 00235 on 2025-01-01, which went into Phường Đống Đa (00235,
    # a new-era code) on 2025-07-01.
    restated = restate_to_current(values_frame([("00223", "2021-Q3", "x", 5.0)]), crosswalk)

    assert restated.select("ward_code", "value").rows() == [("00235", 5.0)]
    assert "00235" in today


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_restated_totals_equal_reported_totals(hanoi, data):
    crosswalk, wards, today = hanoi
    rows = data.draw(st.lists(
        st.sampled_from(PERIODS).flatmap(lambda p: st.tuples(
            st.sampled_from(wards[p]), st.just(p), st.sampled_from(["a", "b"]),
            st.integers(0, 10**9).map(float))),
        min_size=1, max_size=60, unique_by=lambda r: (r[0], r[1], r[2])))
    reported = values_frame(rows)

    restated = restate_to_current(reported, crosswalk)

    def totals(frame: pl.DataFrame) -> dict:
        return dict(frame.group_by("period", "indicator_code").agg(pl.col("value").sum())
                    .select(pl.concat_str("period", "indicator_code"), "value").iter_rows())

    assert totals(restated) == pytest.approx(totals(reported))
    assert set(restated["ward_code"]) <= today  # every value lands on a ward of today
