"""Tests for transforms/completeness.py: expected / received / on time per level and period."""

from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.completeness import completeness, ward_completeness
from transforms.periods import period_order, with_period_order
from transforms.schema import CLUSTERS, COMPLETENESS, UNITS, WARD_COMPLETENESS

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


COUNTING = pl.DataFrame(
    [
        ("W1", "2021-Q1", "h1", "w1-q1.xlsx", "accepted", 0),
        ("W1", "2021-H1", "h2", "w1-h1.xlsx", "accepted_with_errors", 2),
        ("W2", "2021-Q1", "h3", "w2-q1.csv", "accepted", 0),
    ],
    schema={"ward_code": pl.String, "period": pl.String, "file_hash": pl.String,
            "file_name": pl.String, "file_status": pl.String, "values_dropped": pl.Int32},
    orient="row",
)


@pytest.fixture(scope="module")
def wards() -> pl.DataFrame:
    return ward_completeness(RECEIVED, COUNTING, UNITS_FRAME,
                             ["2021-H1", "2021-Q1", "2021-Q2", "2025-Q3"], DEADLINE_DAYS)


def test_ward_completeness_q1_whole_frame(wards):
    q1 = wards.filter(pl.col("period") == "2021-Q1").drop("period_start", "period_order",
                                                           "province_code")

    assert q1.rows() == [
        ("2021-Q1", "D1", "Quận Một", "W1", "Phường 1", 1, True, True, 0,
         datetime(2021, 4, 10, 23, 59, 59), "h1", "w1-q1.xlsx", "accepted", 0),
        ("2021-Q1", "D1", "Quận Một", "W2", "Phường 2", 2, True, False, 1,
         datetime(2021, 4, 11), "h3", "w2-q1.csv", "accepted", 0),
        ("2021-Q1", "D1", "Quận Một", "W4", "Phường 4", 3, True, True, 0,
         datetime(2021, 4, 1), None, None, None, None),
        ("2021-Q1", "D2", "Quận Hai", "W3", "Phường 3", 1, False, False, None,
         None, None, None, None, None),
    ]


def test_ward_completeness_derived_quarter_has_no_file_of_its_own(wards):
    # W1's Q2 is H1 − Q1: whole (on time) when H1 came, but no report is the Q2 one
    w1 = wards.filter((pl.col("ward_code") == "W1") & (pl.col("period") == "2021-Q2"))

    assert w1.select("is_received", "is_on_time", "days_late", "received_at", "file_hash").row(0) \
        == (True, True, 0, datetime(2021, 7, 5), None)


def test_ward_completeness_late_days_counted_from_the_due_day(wards):
    # W2's Q2 arrived 20/07; due 10/07: 10 days late (and so its H1, made of Q1 + Q2)
    w2 = wards.filter(pl.col("ward_code") == "W2").sort("period_order")

    assert w2.select("period", "days_late").rows() == [
        ("2021-Q1", 1), ("2021-Q2", 10), ("2021-H1", 10)]


def test_ward_completeness_adds_up_to_completeness(wards, result):
    counts = (wards.filter(pl.col("district_code").is_not_null())
              .group_by("period", "district_code")
              .agg(pl.len().cast(pl.Int32).alias("wards_expected"),
                   pl.col("is_received").sum().cast(pl.Int32).alias("wards_received"),
                   pl.col("is_on_time").sum().cast(pl.Int32).alias("wards_on_time"))
              .sort("period", "district_code"))
    districts = (result.filter((pl.col("level") == "district") & (pl.col("wards_expected") > 0))
                 .select("period", pl.col("unit_code").alias("district_code"), "wards_expected",
                         "wards_received", "wards_on_time")
                 .sort("period", "district_code"))

    assert_frame_equal(counts, districts)


def test_ward_completeness_after_reform_wards_have_no_district(wards):
    post = wards.filter(pl.col("period") == "2025-Q3")

    assert post.select("district_code", "ward_code", "ward_order", "is_received").rows() == [
        (None, "N1", 1, True), (None, "N2", 2, False)]


def test_ward_completeness_rows_in_reporting_order(wards):
    assert wards.schema == pl.Schema(WARD_COMPLETENESS)
    assert wards["period"].unique(maintain_order=True).to_list() == [
        "2021-Q1", "2021-Q2", "2021-H1", "2025-Q3"]
    assert wards["period_order"].unique(maintain_order=True).to_list() == [
        20211, 20212, 20213, 20254]
    assert wards["province_code"].unique().to_list() == ["C"]


def test_period_order_sorts_in_reporting_order():
    periods = ["2022-Q1", "2021-Y", "2021-H2", "2021-Q4", "2021-9M", "2021-Q3", "2021-H1",
               "2021-Q2", "2021-Q1"]

    assert sorted(periods, key=period_order) == [
        "2021-Q1", "2021-Q2", "2021-H1", "2021-Q3", "2021-9M", "2021-Q4", "2021-H2", "2021-Y",
        "2022-Q1"]


def test_with_period_order_null_for_what_is_not_a_period():
    frame = pl.DataFrame({"period": ["2021-H2", None, "Quý 5"]})

    assert with_period_order(frame).rows() == [
        ("2021-H2", date(2021, 7, 1), 20217), (None, None, None), ("Quý 5", None, None)]
