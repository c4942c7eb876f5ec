"""Tests for transforms/rules.py: cross-indicator rules, outliers, Vietnamese number formatting."""

from datetime import date

import numpy as np
import polars as pl
import pytest

from transforms.rules import check_rules, flag_outliers, format_vn_number, vn_number
from transforms.schema import FINDINGS, INDICATORS, RULES, UNITS, WARD_VALUES

INDICATORS_FRAME = pl.DataFrame(
    [
        ("a", "Chi khám chữa bệnh", "VND", "sum", None, None, False, 1),
        ("b", "Chi học tập", "VND", "sum", None, None, False, 2),
        ("c", "Chi quỹ", "VND", "sum", None, None, False, 3),
        ("k", "Tổng số hộ", "hộ", "stock", None, None, True, 4),
    ],
    schema=INDICATORS,
    orient="row",
)
RULES_FRAME = pl.DataFrame(
    [
        (
            "R_AB_LE_C",
            "a+b",
            "c",
            "warning",
            "Chi a cộng b ({lhs}) lớn hơn c ({rhs}).",
            "a plus b ({lhs}) exceeds c ({rhs}).",
        ),
        (
            "R_A_LE_B",
            "a",
            "b",
            "warning",
            "a ({lhs}) lớn hơn b ({rhs}).",
            "a ({lhs}) exceeds b ({rhs}).",
        ),
    ],
    schema=RULES,
    orient="row",
)


def values_by_file(rows: list[tuple]) -> pl.DataFrame:
    """rows: (file_hash, indicator_code, value) for ward 00001, 2021-Q1."""
    return pl.DataFrame(
        [(f, "00001", "2021-Q1", code, float(v)) for f, code, v in rows],
        schema={
            "file_hash": pl.String,
            "ward_code": pl.String,
            "period": pl.String,
            "indicator_code": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234567, "1.234.567"),
        (10.5, "10,5"),
        (929.88, "929,88"),
        (0, "0"),
        (999, "999"),
        (1000, "1.000"),
        (-2500.25, "-2.500,25"),
        (5_300_000_000, "5.300.000.000"),
        (0.999, "1"),
        (None, ""),
    ],
)
def test_format_vn_number(value, expected):
    assert format_vn_number(value) == expected


def test_vn_number_expression_matches_function():
    numbers = [1234567.0, 10.5, 929.88, 0.0, 999.0, 1000.0, -2500.25, 5.3e9, 0.999, 12.0]

    formatted = (
        pl.DataFrame({"x": numbers}).select(vn_number(pl.col("x")).alias("x"))["x"].to_list()
    )

    assert formatted == [format_vn_number(n) for n in numbers]


@pytest.mark.parametrize(
    ("rows", "expected_codes"),
    [
        # a + b = 3.000.000 > c = 2.500.000; a ≤ b
        ([("f", "a", 1_000_000), ("f", "b", 2_000_000), ("f", "c", 2_500_000)], ["R_AB_LE_C"]),
        # equal is allowed
        ([("f", "a", 1), ("f", "b", 2), ("f", "c", 3)], []),
        # a > b breaks the second rule only
        ([("f", "a", 5), ("f", "b", 2), ("f", "c", 10)], ["R_A_LE_B"]),
        # c blank: the first rule is not checked (blank is not zero)
        ([("f", "a", 5), ("f", "b", 6)], []),
        # values of two files never mix
        ([("f", "a", 5), ("f", "b", 6), ("g", "c", 1)], []),
    ],
)
def test_check_rules_cases(rows, expected_codes):
    found = check_rules(values_by_file(rows), RULES_FRAME, INDICATORS_FRAME)

    assert found["finding_code"].to_list() == expected_codes
    assert found.schema == pl.Schema(FINDINGS)


def test_check_rules_message_with_vietnamese_numbers():
    rows = [("f", "a", 1_000_000), ("f", "b", 234_567.5), ("f", "c", 1_000)]

    found = check_rules(values_by_file(rows), RULES_FRAME, INDICATORS_FRAME).row(0, named=True)

    assert found["message_vi"] == "Chi a cộng b (1.234.567,5) lớn hơn c (1.000)."
    assert found["message_en"] == "a plus b (1.234.567,5) exceeds c (1.000)."
    assert found["severity"] == "warning"
    assert (found["file_hash"], found["ward_code"], found["period"]) == ("f", "00001", "2021-Q1")
    assert found["indicator_code"] == "a+b"


def test_check_rules_unknown_indicator_raises():
    rules = RULES_FRAME.with_columns(rhs_codes=pl.lit("zzz"))

    with pytest.raises(ValueError, match="rules name indicators missing from the catalog: zzz"):
        check_rules(values_by_file([]), rules, INDICATORS_FRAME)


def test_check_rules_shipped_rules_parse():
    from warehouse.reference import load_indicators, load_rules

    rows = [
        ("f", "ttnd_vu_da_giai_quyet", 60),
        ("f", "ttnd_vu_kien_nghi", 59),
        ("f", "ttnd_vu_vi_pham", 59),
    ]

    found = check_rules(values_by_file(rows), load_rules(), load_indicators())

    assert found["finding_code"].to_list() == ["R_TTND_GIAI_QUYET_LE_KIEN_NGHI"]
    assert found["message_vi"].item() == (
        "Ban TTND: số vụ đã được giải quyết (60) lớn hơn số vụ kiến nghị xử lý (59)."
    )


# --- outliers -----------------------------------------------------------------------------------
START = date(2020, 1, 1)
QUARTERS = [f"{y}-Q{q}" for y in (2021, 2022) for q in range(1, 5)]


def realistic_dataset(seed: int = 7, districts: int = 5, wards_per_district: int = 8):
    """Wards with their own size (lognormal) and ±50% quarter-to-quarter variation."""
    rng = np.random.default_rng(seed)
    units = [("C", "C", "city", None, "C", START, None)]
    rows = []
    for d in range(districts):
        units.append((f"D{d}", f"D{d}", "district", "C", "C", START, None))
        for w in range(wards_per_district):
            ward = f"D{d}W{w}"
            units.append((ward, ward, "ward", f"D{d}", "C", START, None))
            base = {"a": rng.lognormal(17, 0.4), "k": rng.lognormal(7, 0.3)}
            for period in QUARTERS:
                for code, size in base.items():
                    rows.append(
                        (ward, period, code, round(size * rng.uniform(0.5, 1.5)), False, False, "f")
                    )
    return (
        pl.DataFrame(rows, schema=WARD_VALUES, orient="row"),
        pl.DataFrame(units, schema=UNITS, orient="row"),
    )


def plant(values: pl.DataFrame, ward: str, period: str, factor: float) -> pl.DataFrame:
    hit = (
        (pl.col("ward_code") == ward)
        & (pl.col("period") == period)
        & (pl.col("indicator_code") == "a")
    )
    return values.with_columns(
        value=pl.when(hit).then(pl.col("value") * factor).otherwise(pl.col("value"))
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_flag_outliers_ordinary_variation_not_flagged(seed):
    values, units = realistic_dataset(seed)

    assert flag_outliers(values, units, INDICATORS_FRAME).is_empty()


@pytest.mark.parametrize("factor", [100.0, 1e-6])
def test_flag_outliers_planted_value_flagged(factor):
    values, units = realistic_dataset()

    found = flag_outliers(plant(values, "D2W3", "2022-Q2", factor), units, INDICATORS_FRAME)

    assert found.select("finding_code", "ward_code", "period", "indicator_code").rows() == [
        ("R_OUTLIER", "D2W3", "2022-Q2", "a")
    ]
    assert found["severity"].item() == "warning"
    assert found["file_hash"].item() == "f"


def test_flag_outliers_small_honest_value_not_flagged():
    values, units = realistic_dataset()

    assert flag_outliers(plant(values, "D2W3", "2022-Q2", 0.02), units,
                         INDICATORS_FRAME).is_empty()


def test_flag_outliers_only_sum_indicators_when_catalog_given():
    values, units = realistic_dataset()
    hit = (
        (pl.col("ward_code") == "D0W0")
        & (pl.col("period") == "2021-Q3")
        & (pl.col("indicator_code") == "k")
    )
    planted = values.with_columns(
        value=pl.when(hit).then(pl.col("value") * 100).otherwise(pl.col("value"))
    )

    assert flag_outliers(planted, units, INDICATORS_FRAME).is_empty()
    assert flag_outliers(planted, units)["indicator_code"].to_list() == ["k"]


def test_flag_outliers_zeros_ignored_and_too_few_points():
    values, units = realistic_dataset(districts=1, wards_per_district=3)
    # three wards: fewer than 4 points in the district, so nothing can be flagged
    assert flag_outliers(plant(values, "D0W1", "2021-Q2", 100), units, INDICATORS_FRAME).is_empty()

    values, units = realistic_dataset()
    zeroed = plant(values, "D1W1", "2021-Q4", 0.0)
    assert flag_outliers(zeroed, units, INDICATORS_FRAME).is_empty()


def test_flag_outliers_cumulative_periods_not_checked():
    values, units = realistic_dataset()
    yearly = values.filter(pl.col("period") == "2021-Q1").with_columns(
        period=pl.lit("2021-Y"), value=pl.col("value") * 1000
    )

    assert flag_outliers(pl.concat([values, yearly]), units, INDICATORS_FRAME).is_empty()


def test_flag_outliers_message():
    values, units = realistic_dataset()
    found = flag_outliers(plant(values, "D2W3", "2022-Q2", 100.0), units, INDICATORS_FRAME)

    message = found["message_en"].item()
    assert message.startswith("Value ") and "typically about" in message
    assert found["found_text"].item() == found["message_en"].item().split(" ")[1]
