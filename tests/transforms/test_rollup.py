"""Tests for transforms/rollup.py: aggregation types × period types × levels, hierarchy changes,
the post-2025 city-only hierarchy, restate_to_current, and the roll-up invariants (hypothesis)."""

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from transforms.periods import period_sort_key, periods_of_year
from transforms.rollup import restate_to_current, rollup
from transforms.schema import CLUSTERS, CROSSWALK, INDICATORS, SUMMARY, UNITS, WARD_VALUES

REFORM = date(2025, 7, 1)
ERA_END = date(2025, 6, 30)
START = date(2020, 1, 1)

# City C; districts D1, D2 (and D3 without wards) until 2025-06-30; W4 moves from D1 to D2 on
# 2021-07-01; after the reform wards N1, N2 hang directly under C.
UNITS_FRAME = pl.DataFrame(
    [
        ("C", "Thành phố", "city", None, "C", START, None),
        ("D1", "Quận Một", "district", "C", "C", START, ERA_END),
        ("D2", "Quận Hai", "district", "C", "C", START, ERA_END),
        ("D3", "Quận Ba", "district", "C", "C", START, ERA_END),
        ("W1", "Phường 1", "ward", "D1", "C", START, ERA_END),
        ("W2", "Phường 2", "ward", "D1", "C", START, ERA_END),
        ("W3", "Phường 3", "ward", "D2", "C", START, ERA_END),
        ("W4", "Phường 4", "ward", "D1", "C", START, date(2021, 6, 30)),
        ("W4", "Phường 4", "ward", "D2", "C", date(2021, 7, 1), ERA_END),
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
INDICATORS_FRAME = pl.DataFrame(
    [
        ("s", "Cuộc giám sát", "cuộc", "sum", None, None, True, 1),
        ("k", "Tổng số hộ", "hộ", "stock", None, None, True, 2),
        ("n", "Số ca hỏa táng", "ca", "sum", None, None, True, 3),
        ("d", "Số đám tang", "ca", "sum", None, None, True, 4),
        ("r", "Tỷ lệ hỏa táng", "%", "ratio", "n", "d", False, 5),
    ],
    schema=INDICATORS,
    orient="row",
)

# (ward, period, {indicator: value}); 2021-Q1 (end 31/03: W4 in D1) and 2021-Y (end 31/12: W4
# in D2). W2 reports the numerator n without the denominator d in Q1; W4 reports no n/d in Q1.
WARD_ROWS = [
    ("W1", "2021-Q1", {"s": 1, "k": 10, "n": 1, "d": 2}),
    ("W2", "2021-Q1", {"s": 2, "k": 20, "n": 3}),
    ("W3", "2021-Q1", {"s": 4, "k": 40, "n": 1, "d": 4}),
    ("W4", "2021-Q1", {"s": 8, "k": 80}),
    ("W1", "2021-Y", {"s": 10, "k": 12, "n": 5, "d": 10}),
    ("W2", "2021-Y", {"s": 20, "k": 22, "n": 4, "d": 8}),
    ("W3", "2021-Y", {"s": 40, "k": 44, "n": 0, "d": 0}),
    ("W4", "2021-Y", {"s": 80, "k": 88, "n": 1, "d": 4}),
    ("N1", "2025-Q3", {"s": 5, "k": 50, "n": 1, "d": 4}),
    ("N2", "2025-Q3", {"s": 6, "k": 60, "n": 3, "d": 4}),
]


def ward_values(rows=WARD_ROWS) -> pl.DataFrame:
    records = [
        (ward, period, code, float(value), False, False, f"{ward}-{period}")
        for ward, period, values in rows
        for code, value in values.items()
    ]
    return pl.DataFrame(records, schema=WARD_VALUES, orient="row")


@pytest.fixture(scope="module")
def summaries() -> dict[str, pl.DataFrame]:
    return rollup(ward_values(), UNITS_FRAME, INDICATORS_FRAME, CLUSTERS_FRAME)


def row(summary: pl.DataFrame, period: str, unit: str, indicator: str) -> tuple:
    found = summary.filter(
        (pl.col("period") == period)
        & (pl.col("unit_code") == unit)
        & (pl.col("indicator_code") == indicator)
    )
    assert found.height == 1, (period, unit, indicator)
    return found.select("value", "wards_reporting", "wards_expected").row(0)


# (level, unit, period, indicator, (value, wards_reporting, wards_expected)); hand-computed.
CASES = [
    # sum, quarter
    ("district", "D1", "2021-Q1", "s", (11.0, 3, 3)),
    ("district", "D2", "2021-Q1", "s", (4.0, 1, 1)),
    ("cluster", "K1", "2021-Q1", "s", (15.0, 4, 4)),
    ("cluster", "K2", "2021-Q1", "s", (4.0, 1, 1)),
    ("city", "C", "2021-Q1", "s", (15.0, 4, 4)),
    # sum, cumulative (Y): W4 has moved to D2 by 31/12
    ("district", "D1", "2021-Y", "s", (30.0, 2, 2)),
    ("district", "D2", "2021-Y", "s", (120.0, 2, 2)),
    ("cluster", "K1", "2021-Y", "s", (150.0, 4, 4)),
    ("cluster", "K2", "2021-Y", "s", (120.0, 2, 2)),
    ("city", "C", "2021-Y", "s", (150.0, 4, 4)),
    # stock, quarter and cumulative
    ("district", "D1", "2021-Q1", "k", (110.0, 3, 3)),
    ("cluster", "K2", "2021-Q1", "k", (40.0, 1, 1)),
    ("city", "C", "2021-Q1", "k", (150.0, 4, 4)),
    ("district", "D2", "2021-Y", "k", (132.0, 2, 2)),
    ("cluster", "K1", "2021-Y", "k", (166.0, 4, 4)),
    ("city", "C", "2021-Y", "k", (166.0, 4, 4)),
    # ratio, quarter: W2 (numerator only) and W4 (nothing) do not count
    ("district", "D1", "2021-Q1", "r", (50.0, 1, 3)),
    ("district", "D2", "2021-Q1", "r", (25.0, 1, 1)),
    ("cluster", "K1", "2021-Q1", "r", (round(100 * 2 / 6, 6), 2, 4)),
    ("city", "C", "2021-Q1", "r", (round(100 * 2 / 6, 6), 2, 4)),
    # ...but the numerator itself still adds up, and a missing denominator is not zero
    ("district", "D1", "2021-Q1", "n", (4.0, 2, 3)),
    ("district", "D1", "2021-Q1", "d", (2.0, 1, 3)),
    # ratio, cumulative: W3 reports 0/0 (counts as reporting both)
    ("district", "D1", "2021-Y", "r", (50.0, 2, 2)),
    ("district", "D2", "2021-Y", "r", (25.0, 2, 2)),
    ("cluster", "K2", "2021-Y", "r", (25.0, 2, 2)),
    ("city", "C", "2021-Y", "r", (round(100 * 10 / 22, 6), 4, 4)),
    # a ward with no value in a period: nothing reported for H1 anywhere
    ("district", "D1", "2021-H1", "s", (None, 0, 3)),
    ("city", "C", "2021-H1", "r", (None, 0, 4)),
    # a district without wards
    ("district", "D3", "2021-Q1", "s", (None, 0, 0)),
    # post-2025: wards straight under the city
    ("city", "C", "2025-Q3", "s", (11.0, 2, 2)),
    ("city", "C", "2025-Q3", "k", (110.0, 2, 2)),
    ("city", "C", "2025-Q3", "r", (50.0, 2, 2)),
    ("city", "C", "2025-Y", "s", (None, 0, 2)),
    # 2025-Q1 still has the district-era hierarchy
    ("district", "D2", "2025-Q1", "s", (None, 0, 2)),
    ("city", "C", "2025-Q1", "s", (None, 0, 4)),
]


@pytest.mark.parametrize(("level", "unit", "period", "indicator", "expected"), CASES)
def test_rollup_cases(summaries, level, unit, period, indicator, expected):
    assert row(summaries[level], period, unit, indicator) == expected


def test_rollup_whole_city_frame_for_one_period(summaries):
    city = summaries["city"].filter(pl.col("period") == "2021-Q1")

    expected = pl.DataFrame(
        [
            ("2021-Q1", "city", "C", "Thành phố", "s", "Cuộc giám sát", "cuộc", 15.0, 4, 4),
            ("2021-Q1", "city", "C", "Thành phố", "k", "Tổng số hộ", "hộ", 150.0, 4, 4),
            ("2021-Q1", "city", "C", "Thành phố", "n", "Số ca hỏa táng", "ca", 5.0, 3, 4),
            ("2021-Q1", "city", "C", "Thành phố", "d", "Số đám tang", "ca", 6.0, 2, 4),
            ("2021-Q1", "city", "C", "Thành phố", "r", "Tỷ lệ hỏa táng", "%", 33.333333, 2, 4),
        ],
        schema=SUMMARY,
        orient="row",
    )
    assert_frame_equal(city, expected)


def test_rollup_post_reform_periods_have_no_district_or_cluster_rows(summaries):
    for level in ("district", "cluster"):
        periods = set(summaries[level]["period"].to_list())
        assert {"2025-Q3", "2025-Q4", "2025-H2", "2025-9M", "2025-Y"}.isdisjoint(periods)
        assert {"2025-Q1", "2025-Q2", "2025-H1"} <= periods
    assert set(summaries["city"]["period"].to_list()) == set(
        periods_of_year(2021) + periods_of_year(2025)
    )


def test_rollup_every_unit_and_indicator_present(summaries):
    district_q1 = summaries["district"].filter(pl.col("period") == "2021-Q1")

    assert district_q1.height == 3 * 5  # D1, D2, D3 × catalog
    assert summaries["cluster"].filter(pl.col("period") == "2021-Q1").height == 2 * 5


def test_rollup_sorted_and_deterministic(summaries):
    again = rollup(ward_values()[::-1], UNITS_FRAME, INDICATORS_FRAME, CLUSTERS_FRAME)
    for level in ("district", "cluster", "city"):
        assert_frame_equal(summaries[level], again[level])
        keys = summaries[level].select("period", "unit_code", "indicator_code").rows()
        order = {"s": 1, "k": 2, "n": 3, "d": 4, "r": 5}
        assert keys == sorted(keys, key=lambda k: (period_sort_key(k[0]), k[1], order[k[2]]))
        assert summaries[level].schema == pl.Schema(SUMMARY)


def test_rollup_ratio_null_when_denominators_sum_to_zero():
    only_zero = ward_values([("W3", "2021-Q1", {"n": 0, "d": 0})])

    result = rollup(only_zero, UNITS_FRAME, INDICATORS_FRAME, CLUSTERS_FRAME)

    assert row(result["district"], "2021-Q1", "D2", "r") == (None, 1, 1)


def test_rollup_ward_outside_hierarchy_is_left_out_with_finding():
    # W1 no longer exists at the end of 2025 (a district-era ward's derived 2025-Y).
    values = ward_values([("W1", "2025-Y", {"s": 7}), ("N1", "2025-Y", {"s": 2})])

    result = rollup(values, UNITS_FRAME, INDICATORS_FRAME, CLUSTERS_FRAME)

    assert row(result["city"], "2025-Y", "C", "s") == (2.0, 1, 2)
    assert result["findings"].select("finding_code", "ward_code", "period").rows() == [
        ("I_WARD_NOT_IN_HIERARCHY", "W1", "2025-Y")
    ]


def test_restate_to_current_merges_old_wards():
    crosswalk = pl.DataFrame(
        [
            ("W1", "N1", REFORM, True),
            ("W2", "N1", REFORM, True),
            ("W3", "N2", REFORM, True),
            ("W3", "N1", REFORM, False),  # split: W3's history goes to its default, N2
        ],
        schema=CROSSWALK,
        orient="row",
    )
    values = pl.DataFrame(
        [
            ("W1", "2021-Q1", "s", 1.0, True, False, "a"),
            ("W2", "2021-Q1", "s", 2.0, False, True, "b"),
            ("W3", "2021-Q1", "s", 4.0, False, False, "c"),
            ("W4", "2021-Q1", "s", 8.0, False, False, "d"),  # not in the crosswalk: kept
            ("N1", "2025-Q3", "s", 5.0, False, False, "e"),
            ("W3", "2025-Q3", "s", 9.0, False, False, "f"),  # a reused code after the reform
        ],
        schema=WARD_VALUES,
        orient="row",
    )

    restated = restate_to_current(values, crosswalk)

    expected = pl.DataFrame(
        [
            ("N1", "2021-Q1", "s", 3.0, True, True, None),
            ("N1", "2025-Q3", "s", 5.0, False, False, "e"),
            ("N2", "2021-Q1", "s", 4.0, False, False, "c"),
            ("W3", "2025-Q3", "s", 9.0, False, False, "f"),
            ("W4", "2021-Q1", "s", 8.0, False, False, "d"),
        ],
        schema=WARD_VALUES,
        orient="row",
    )
    assert_frame_equal(restated, expected)


# --- invariants -----------------------------------------------------------------------------
PROPERTY_PERIODS = ["2021-Q2", "2021-Y", "2025-Q3"]


@st.composite
def hierarchies(draw):
    """A city, 1-4 districts with 0-4 wards each (district era), 0-3 post-reform wards, and
    random ward values (some missing) for s, n, d."""
    districts = [f"D{i}" for i in range(draw(st.integers(1, 4)))]
    units = [("C", "C", "city", None, "C", START, None)]
    units += [(d, d, "district", "C", "C", START, ERA_END) for d in districts]
    wards = []
    for d in districts:
        for j in range(draw(st.integers(0, 4))):
            wards.append((f"{d}W{j}", d, "2021"))
    for j in range(draw(st.integers(0, 3))):
        wards.append((f"N{j}", "C", "2025"))
    units += [
        (
            w,
            w,
            "ward",
            parent,
            "C",
            REFORM if era == "2025" else START,
            None if era == "2025" else ERA_END,
        )
        for w, parent, era in wards
    ]
    value = st.one_of(st.none(), st.integers(0, 1000).map(float))
    rows = []
    for ward, _, era in wards:
        for period in PROPERTY_PERIODS:
            if not period.startswith(era):
                continue
            for code in ("s", "n", "d"):
                v = draw(value)
                if v is not None:
                    rows.append((ward, period, code, v, False, False, "f"))
    clusters = [("K", "K", d, True) for d in districts[: draw(st.integers(0, len(districts)))]]
    return (
        pl.DataFrame(units, schema=UNITS, orient="row"),
        pl.DataFrame(rows, schema=WARD_VALUES, orient="row"),
        pl.DataFrame(clusters, schema=CLUSTERS, orient="row"),
    )


def _by_unit(frame: pl.DataFrame, indicator: str) -> dict:
    return {
        (p, u): (v, n)
        for p, u, v, n in frame.filter(pl.col("indicator_code") == indicator)
        .select("period", "unit_code", "value", "wards_reporting")
        .iter_rows()
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hierarchies())
def test_rollup_invariants_city_is_sum_of_districts_is_sum_of_wards(data):
    units, values, clusters = data
    if values.is_empty():
        return
    result = rollup(values, units, INDICATORS_FRAME, clusters)
    parent = dict(
        units.filter(pl.col("level") == "ward").select("unit_code", "parent_code").iter_rows()
    )
    members = set(clusters["district_code"].to_list())

    years = {p[:4] for p in values["period"].to_list()}
    for period in [p for p in PROPERTY_PERIODS if p[:4] in years]:  # summaries cover those years
        at = values.filter(pl.col("period") == period)
        wide = at.pivot(on="indicator_code", index="ward_code", values="value")
        for code in ("s", "n", "d"):
            if code not in wide.columns:
                wide = wide.with_columns(pl.lit(None, pl.Float64).alias(code))
        wards = list(wide.iter_rows(named=True))
        both = [w for w in wards if w["n"] is not None and w["d"] is not None]

        city = _by_unit(result["city"], "s").get((period, "C"))
        reported = [w["s"] for w in wards if w["s"] is not None]
        assert city == ((sum(reported) if reported else None), len(reported))
        if period != "2025-Q3":
            districts = [
                v for (p, _), v in _by_unit(result["district"], "s").items() if p == period
            ]
            assert sum(n for _, n in districts) == len(reported)
            assert sum(v or 0.0 for v, _ in districts) == pytest.approx(sum(reported))

        # ratio at every level = 100 × Σn / Σd over wards reporting both
        groups = {("city", "C"): both}
        if period != "2025-Q3":
            for w in both:
                groups.setdefault(("district", parent[w["ward_code"]]), []).append(w)
                if parent[w["ward_code"]] in members:
                    groups.setdefault(("cluster", "K"), []).append(w)
        for (level, unit), group in groups.items():
            den = sum(w["d"] for w in group)
            expected = round(100 * sum(w["n"] for w in group) / den, 6) if den > 0 else None
            value, count = _by_unit(result[level], "r")[(period, unit)]
            assert count == len(group)
            assert value == (pytest.approx(expected) if expected is not None else None)
