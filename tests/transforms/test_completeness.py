"""Tests for transforms/completeness.py: expected / received / on time per level and period."""

from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.completeness import completeness
from transforms.schema import CLUSTERS, COMPLETENESS, UNITS

REFORM = date(2025, 7, 1)
ERA_END = date(2025, 6, 30)
START = date(2020, 1, 1)
DEADLINE_DAYS = 10

UNITS_FRAME = pl.DataFrame(
    [
        ("C", "Thành phố", "city", None, "C", START, None),
        ("D1", "Quận Một", "district", "C", "C", START, ERA_END),
        ("D2", "Quận Hai", "district", "C", "C", START, ERA_END),
        ("D3", "Quận Ba", "district", "C", "C", START, ERA_END),
        ("W1", "Phường 1", "ward", "D1", "C", START, ERA_END),
        ("W2", "Phường 2", "ward", "D1", "C", START, ERA_END),
        ("W3", "Phường 3", "ward", "D2", "C", START, ERA_END),
        ("W4", "Phường 4", "ward", "D1", "C", START, ERA_END),
        ("N1", "Phường Mới 1", "ward", "C", "C", REFORM, None),
        ("N2", "Phường Mới 2", "ward", "C", "C", REFORM, None),
    ],
    schema=UNITS,
    orient="row",
)
CLUSTERS_FRAME = pl.DataFrame(
    [("K1", "Cụm 1", "D1", True), ("K1", "Cụm 1", "D2", True), ("K2", "Cụm 2", "D2", True)],
    schema=CLUSTERS,
    orient="row",
)

# Q1 2021 is due by 10/04 23:59:59; H1 and Q2 by 10/07.
RECEIVED = pl.DataFrame(
    [
        ("W1", "2021-Q1", datetime(2021, 4, 10, 23, 59, 59)),  # on time, last second
        ("W1", "2021-H1", datetime(2021, 7, 5)),  # H1 on time; Q2 = H1 − Q1 on time
        ("W2", "2021-Q1", datetime(2021, 4, 11, 0, 0, 0)),  # late by one second
        ("W2", "2021-Q2", datetime(2021, 7, 20)),  # late; H1 = Q1 + Q2 late
        ("W3", "2021-H1", datetime(2021, 7, 1)),  # H1 alone: no Q2 (cannot split)
        ("W4", "2021-Q1", datetime(2021, 4, 1)),  # Q1 only: H1 is not whole
        ("N1", "2025-Q3", datetime(2025, 10, 3)),
    ],
    schema={"ward_code": pl.String, "period": pl.String, "first_received_at": pl.Datetime("us")},
    orient="row",
)


def expected_frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=COMPLETENESS, orient="row")


@pytest.fixture(scope="module")
def result() -> pl.DataFrame:
    return completeness(
        RECEIVED,
        UNITS_FRAME,
        CLUSTERS_FRAME,
        ["2021-H1", "2021-Q1", "2021-Q2", "2025-Q3"],
        DEADLINE_DAYS,
    )


def test_completeness_quarter_whole_frame(result):
    q1 = result.filter(pl.col("period") == "2021-Q1")

    assert_frame_equal(
        q1,
        expected_frame(
            [
                ("district", "D1", "Quận Một", "2021-Q1", 3, 3, 2, 100.0, 66.666667),
                ("district", "D2", "Quận Hai", "2021-Q1", 1, 0, 0, 0.0, 0.0),
                ("district", "D3", "Quận Ba", "2021-Q1", 0, 0, 0, None, None),
                ("cluster", "K1", "Cụm 1", "2021-Q1", 4, 3, 2, 75.0, 50.0),
                ("cluster", "K2", "Cụm 2", "2021-Q1", 1, 0, 0, 0.0, 0.0),
                ("city", "C", "Thành phố", "2021-Q1", 4, 3, 2, 75.0, 50.0),
            ]
        ),
    )


@pytest.mark.parametrize(
    ("level", "unit", "period", "expected"),
    [
        # Q2: W1 derived from H1 − Q1 (on time), W2 sent it late, W3 sent only H1, W4 nothing
        ("district", "D1", "2021-Q2", (3, 2, 1)),
        ("district", "D2", "2021-Q2", (1, 0, 0)),
        # H1: W1 (H1, on time), W2 (Q1 + Q2, whole only when Q2 came: late), W3 (H1 on time);
        # W4's Q1 alone is a partial H1: not received
        ("district", "D1", "2021-H1", (3, 2, 1)),
        ("district", "D2", "2021-H1", (1, 1, 1)),
        ("cluster", "K1", "2021-H1", (4, 3, 2)),
        ("city", "C", "2021-H1", (4, 3, 2)),
        # after the reform: city only
        ("city", "C", "2025-Q3", (2, 1, 1)),
    ],
)
def test_completeness_cases(result, level, unit, period, expected):
    found = result.filter(
        (pl.col("level") == level) & (pl.col("unit_code") == unit) & (pl.col("period") == period)
    )
    assert found.select("wards_expected", "wards_received", "wards_on_time").rows() == [expected]


def test_completeness_post_reform_has_no_district_or_cluster_rows(result):
    post = result.filter(pl.col("period") == "2025-Q3")

    assert post["level"].to_list() == ["city"]


def test_completeness_sorted_by_level_period_unit(result):
    keys = result.select("level", "period", "unit_code").rows()

    assert keys[0] == ("district", "2021-Q1", "D1")
    assert [k[0] for k in keys] == sorted(
        (k[0] for k in keys), key=["district", "cluster", "city"].index
    )
    assert result.schema == pl.Schema(COMPLETENESS)


def test_completeness_time_zone_aware_times_are_local():
    # 17:30 UTC on 10/04 is 00:30 on 11/04 in Hà Nội: late.
    received = pl.DataFrame(
        {
            "ward_code": ["W3"],
            "period": ["2021-Q1"],
            "first_received_at": [datetime(2021, 4, 10, 17, 30)],
        },
        schema={
            "ward_code": pl.String,
            "period": pl.String,
            "first_received_at": pl.Datetime("us", "UTC"),
        },
    )

    result = completeness(received, UNITS_FRAME, CLUSTERS_FRAME, ["2021-Q1"], DEADLINE_DAYS)

    d2 = result.filter(pl.col("unit_code") == "D2").select("wards_received", "wards_on_time").row(0)
    assert d2 == (1, 0)


@pytest.mark.parametrize(
    ("sent", "period", "received"),
    [
        (["2021-9M"], "2021-9M", True),
        (["2021-H1", "2021-Q3"], "2021-9M", True),
        (["2021-Q1", "2021-Q2", "2021-Q3"], "2021-9M", True),
        (["2021-Q1", "2021-Q3"], "2021-9M", False),
        (["2021-9M", "2021-Y"], "2021-Q4", True),
        (["2021-H2", "2021-Q3"], "2021-Q4", True),
        (["2021-H1", "2021-H2"], "2021-Y", True),
        (["2021-H1", "2021-Y"], "2021-H2", True),
        (["2021-Y"], "2021-H2", False),
    ],
)
def test_completeness_received_when_reports_make_the_period_whole(sent, period, received):
    frame = pl.DataFrame(
        {
            "ward_code": ["W3"] * len(sent),
            "period": sent,
            "first_received_at": [datetime(2022, 1, 5)] * len(sent),
        },
        schema={
            "ward_code": pl.String,
            "period": pl.String,
            "first_received_at": pl.Datetime("us"),
        },
    )

    result = completeness(frame, UNITS_FRAME, CLUSTERS_FRAME, [period], DEADLINE_DAYS)

    d2 = result.filter(pl.col("unit_code") == "D2")["wards_received"].item()
    assert d2 == int(received)


def test_completeness_ward_of_another_era_not_counted():
    # N1 does not exist on 31/03/2021: its report (wrongly keyed) is expected nowhere.
    received = pl.DataFrame(
        {"ward_code": ["N1"], "period": ["2021-Q1"], "first_received_at": [datetime(2021, 4, 2)]},
        schema={
            "ward_code": pl.String,
            "period": pl.String,
            "first_received_at": pl.Datetime("us"),
        },
    )

    result = completeness(received, UNITS_FRAME, CLUSTERS_FRAME, ["2021-Q1"], DEADLINE_DAYS)

    assert result["wards_received"].sum() == 0


def test_completeness_no_periods_gives_empty_frame():
    result = completeness(RECEIVED, UNITS_FRAME, CLUSTERS_FRAME, [], DEADLINE_DAYS)

    assert result.is_empty() and result.schema == pl.Schema(COMPLETENESS)
