"""Tests for transforms/numbers.py: Vietnamese number texts, unit scaling, and the frame version."""

import math
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from transforms.numbers import ParsedNumber, parse_number, parse_values, scale_numeric

NAN = "V_NOT_A_NUMBER"
BAD = "V_BAD_UNIT"


@pytest.mark.parametrize(
    ("text", "unit_text", "indicator_unit", "expected"),
    [
        # SPEC §3 examples
        ("1.084", None, "nhà", ParsedNumber(1084.0)),
        ("10,4", None, "VND", ParsedNumber(10.4)),
        ("210.890", None, "VND", ParsedNumber(210890.0)),
        ("929,88", None, "VND", ParsedNumber(929.88)),
        ("10,4 triệu", None, "VND", ParsedNumber(10_400_000.0)),
        ("5,3 tỷ đồng", None, "VND", ParsedNumber(5_300_000_000.0)),
        ("trên 5,3 tỷ đồng", None, "VND", ParsedNumber(5_300_000_000.0, True)),
        ("316,63 tấn", None, "kg", ParsedNumber(316_630.0)),
        ("800kg", None, "kg", ParsedNumber(800.0)),
        ("98%", None, "%", ParsedNumber(98.0)),
        ("-", None, "VND", ParsedNumber(0.0)),
        ("—", None, "VND", ParsedNumber(0.0)),
        ("–", None, "cuộc", ParsedNumber(0.0)),
        ("không", None, "VND", ParsedNumber(0.0)),
        ("Không", None, "cuộc", ParsedNumber(0.0)),
        ("0", None, "VND", ParsedNumber(0.0)),
        ("", None, "VND", ParsedNumber(None)),
        ("   ", None, "VND", ParsedNumber(None)),
        (None, "triệu đồng", "VND", ParsedNumber(None)),
        ("abc", None, "VND", ParsedNumber(None, False, NAN)),
        ("5 tấn", None, "VND", ParsedNumber(None, False, BAD)),
        # grouping and decimal marks
        ("1.234.567,5", None, "VND", ParsedNumber(1_234_567.5)),
        ("1.234.567", None, "VND", ParsedNumber(1_234_567.0)),
        ("1.084,00", None, "VND", ParsedNumber(1084.0)),
        ("3.5", None, "VND", ParsedNumber(3.5)),  # a decimal typed the English way
        ("0.500", None, "VND", ParsedNumber(0.5)),  # `0.` never starts a thousands group
        ("1234.567", None, "VND", ParsedNumber(1234.567)),
        ("1,084", None, "VND", ParsedNumber(1.084)),  # a single comma is the decimal mark
        ("1,234,567", None, "VND", ParsedNumber(1_234_567.0)),
        ("1,234.5", None, "VND", ParsedNumber(1234.5)),
        ("10 400 000", None, "VND", ParsedNumber(10_400_000.0)),
        ("10\u00a0400\u00a0000", None, "VND", ParsedNumber(10_400_000.0)),
        ("1.23.456", None, "VND", ParsedNumber(None, False, NAN)),
        ("5 3", None, "VND", ParsedNumber(None, False, NAN)),
        ("2021-10-05", None, "VND", ParsedNumber(None, False, NAN)),
        ("-5", None, "VND", ParsedNumber(-5.0)),  # the rules reject negatives, quoting the text
        # scale, money and mass words
        ("10tr", None, "VND", ParsedNumber(10_000_000.0)),
        ("5 tr.đ", None, "VND", ParsedNumber(5_000_000.0)),
        ("5,3 tỉ", None, "VND", ParsedNumber(5_300_000_000.0)),
        ("5,3 ty dong", None, "VND", ParsedNumber(5_300_000_000.0)),
        ("10 ngàn", None, "VND", ParsedNumber(10_000.0)),
        ("20 nghìn đồng", None, "VND", ParsedNumber(20_000.0)),
        ("2 nghìn tỷ", None, "VND", ParsedNumber(2_000_000_000_000.0)),
        ("152.000.000 VNĐ", None, "VND", ParsedNumber(152_000_000.0)),
        ("5 tạ", None, "kg", ParsedNumber(500.0)),
        ("3 yến", None, "kg", ParsedNumber(30.0)),
        ("1,5 tấn", "kg", "kg", ParsedNumber(1500.0)),
        ("98 %", None, "%", ParsedNumber(98.0)),
        ("12 cuộc", None, "cuộc", ParsedNumber(12.0)),  # the indicator's own unit is tolerated
        ("150 lượt người", None, "lượt", ParsedNumber(150.0)),
        ("12 nhà", None, "cuộc", ParsedNumber(None, False, NAN)),
        ("800kg", None, "VND", ParsedNumber(None, False, BAD)),
        ("98%", None, "VND", ParsedNumber(None, False, BAD)),
        ("5 triệu đồng", None, "cuộc", ParsedNumber(None, False, BAD)),
        ("triệu", None, "VND", ParsedNumber(None, False, NAN)),
        # approximate
        ("hơn 1.000", None, "cuộc", ParsedNumber(1000.0, True)),
        ("gần 200 triệu", None, "VND", ParsedNumber(200_000_000.0, True)),
        ("khoảng 50", None, "hộ", ParsedNumber(50.0, True)),
        ("xấp xỉ 1,2 tỷ", None, "VND", ParsedNumber(1_200_000_000.0, True)),
        ("ước đạt 20 triệu", None, "VND", ParsedNumber(20_000_000.0, True)),
        ("Trên 137 tỷ đồng", None, "VND", ParsedNumber(137_000_000_000.0, True)),
        ("trên abc", None, "VND", ParsedNumber(None, False, NAN)),
        # the `Đơn vị tính` column
        ("152", "triệu đồng", "VND", ParsedNumber(152_000_000.0)),
        ("10,4", "Triệu đồng", "VND", ParsedNumber(10_400_000.0)),
        ("5", "nghìn đồng", "VND", ParsedNumber(5000.0)),
        ("5", "ĐVT: 1.000 đồng", "VND", ParsedNumber(5000.0)),
        ("5", "đồng", "VND", ParsedNumber(5.0)),
        ("5", "VND", "VND", ParsedNumber(5.0)),
        ("5", "cuộc", "cuộc", ParsedNumber(5.0)),
        ("5", "Nhà", "nhà", ParsedNumber(5.0)),
        ("5", "kg", "kg", ParsedNumber(5.0)),
        ("5", "tấn", "kg", ParsedNumber(5000.0)),
        ("45", "%", "%", ParsedNumber(45.0)),
        ("45", "Tỷ lệ (%)", "%", ParsedNumber(45.0)),  # `tỷ lệ` is a rate, not a billion
        ("5", "tấn", "VND", ParsedNumber(None, False, BAD)),
        ("5", "%", "VND", ParsedNumber(None, False, BAD)),
        ("5", "triệu đồng", "cuộc", ParsedNumber(None, False, BAD)),
        # the text's own scale wins over the column's
        ("5,3 tỷ", "triệu đồng", "VND", ParsedNumber(5_300_000_000.0)),
        ("152.000.000 đ", "triệu đồng", "VND", ParsedNumber(152_000_000.0)),
        ("800kg", "tấn", "kg", ParsedNumber(800.0)),
        ("trên 5", "triệu đồng", "VND", ParsedNumber(5_000_000.0, True)),
    ],
)
def test_parse_number_cases(
    text: str | None, unit_text: str | None, indicator_unit: str, expected: ParsedNumber
) -> None:
    assert parse_number(text, unit_text, indicator_unit) == expected


@pytest.mark.parametrize(
    ("value", "unit_text", "indicator_unit", "expected"),
    [
        (152.0, "triệu đồng", "VND", ParsedNumber(152_000_000.0)),
        (152.0, None, "VND", ParsedNumber(152.0)),
        (152.0, "đồng", "VND", ParsedNumber(152.0)),
        (1.5, "tỷ đồng", "VND", ParsedNumber(1_500_000_000.0)),
        (5.0, "tấn", "kg", ParsedNumber(5000.0)),
        (12.0, "cuộc", "cuộc", ParsedNumber(12.0)),
        (0.0, "triệu đồng", "VND", ParsedNumber(0.0)),
        (5.0, "%", "VND", ParsedNumber(None, False, BAD)),
        (5.0, "tấn", "VND", ParsedNumber(None, False, BAD)),
        (float("nan"), None, "VND", ParsedNumber(None)),
    ],
)
def test_scale_numeric_cases(
    value: float, unit_text: str | None, indicator_unit: str, expected: ParsedNumber
) -> None:
    assert scale_numeric(value, unit_text, indicator_unit) == expected


def _vietnamese(amount: Decimal) -> str:
    """`1234567.5` -> `1.234.567,5`: dots group thousands, a comma marks decimals."""
    whole, _, fraction = f"{amount:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    fraction = fraction.rstrip("0")
    return f"{grouped},{fraction}" if fraction else grouped


SCALES = {"nghìn": 10**3, "triệu": 10**6, "tỷ": 10**9}
amounts = st.one_of(
    st.integers(0, 10**13).map(Decimal),
    st.integers(0, 10**13).map(lambda cents: Decimal(cents) / 100),
)


@given(
    amounts,
    st.sampled_from([None, *SCALES]),
    st.sampled_from(["", "trên "]),
    st.sampled_from(["", " đồng"]),
)
def test_parse_number_round_trips_vietnamese_amounts(
    amount: Decimal, scale: str | None, prefix: str, currency: str
) -> None:
    shown = amount
    if scale and (amount / SCALES[scale]) * SCALES[scale] == amount:
        shown = amount / SCALES[scale]  # exact in Decimal: e.g. 5 300 000 000 -> 5,3 tỷ
    else:
        scale = None
    text = f"{prefix}{_vietnamese(shown)}{' ' + scale if scale else ''}{currency}"
    parsed = parse_number(text, None, "VND")
    assert parsed.error_code is None, text
    assert parsed.is_approximate == bool(prefix)
    assert math.isclose(parsed.value, float(amount), rel_tol=1e-12, abs_tol=1e-9), text


RAW_SCHEMA = {
    "file_hash": pl.String,
    "row": pl.Int32,
    "unit_text": pl.String,
    "value_text": pl.String,
    "value_number": pl.Float64,
    "indicator_unit": pl.String,
}


def _raw(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RAW_SCHEMA, orient="row")


def test_parse_values_matches_scalar_functions_and_keeps_order() -> None:
    raw = _raw(
        [
            ("h", 1, "triệu đồng", "152", 152.0, "VND"),  # a number wins over its text
            ("h", 2, None, "trên 5,3 tỷ đồng", None, "VND"),
            ("h", 3, "triệu đồng", "10,4", None, "VND"),
            ("h", 4, None, None, None, "VND"),  # blank: not reported, no error
            ("h", 5, None, "abc", None, "cuộc"),
            ("h", 6, "tấn", None, 5.0, "kg"),
            ("h", 7, None, "5 tấn", None, "VND"),
            ("h", 8, "%", None, 5.0, "VND"),
            ("h", 9, None, "-", None, "cuộc"),
            ("h", 10, "triệu đồng", "trên 5,3 tỷ đồng", None, "VND"),
            ("h", 11, "tấn", "abc", None, "VND"),
            ("h", 12, "tấn", "5", None, "VND"),
            ("h", 13, None, "10,4", None, "VND"),
        ]
    )
    result = parse_values(raw)
    expected = []
    for row in raw.iter_rows(named=True):
        if row["value_number"] is not None:
            expected.append(
                scale_numeric(row["value_number"], row["unit_text"], row["indicator_unit"])
            )
        else:
            expected.append(
                parse_number(row["value_text"], row["unit_text"], row["indicator_unit"])
            )
    assert_frame_equal(
        result,
        raw.with_columns(
            value=pl.Series([p.value for p in expected], dtype=pl.Float64),
            is_approximate=pl.Series([p.is_approximate for p in expected], dtype=pl.Boolean),
            error_code=pl.Series([p.error_code for p in expected], dtype=pl.String),
        ),
    )
    assert result["value"].to_list()[:4] == [152_000_000.0, 5_300_000_000.0, 10_400_000.0, None]
    assert result["error_code"].to_list()[4:8] == [NAN, None, BAD, BAD]


def test_parse_values_empty_frame() -> None:
    result = parse_values(_raw([]))
    assert result.height == 0
    assert result.schema["value"] == pl.Float64
    assert result.schema["is_approximate"] == pl.Boolean
    assert result.schema["error_code"] == pl.String


cells = st.tuples(
    st.sampled_from([None, "1.084", "10,4 triệu", "trên 5", "abc", "-", "98%", "316,63 tấn", ""]),
    st.one_of(st.none(), st.floats(0, 1e9, allow_nan=False), st.just(float("nan"))),
    st.sampled_from([None, "triệu đồng", "đồng", "tấn", "cuộc", "%"]),
    st.sampled_from(["VND", "kg", "cuộc", "%"]),
)


@given(st.lists(cells, max_size=30))
def test_parse_values_agrees_with_scalar_functions(rows: list[tuple]) -> None:
    raw = _raw(
        [("h", i, unit, text, number, ind) for i, (text, number, unit, ind) in enumerate(rows)]
    )
    result = parse_values(raw)
    assert result["row"].to_list() == list(range(len(rows)))
    for (text, number, unit, ind), value, approx, error in zip(
        rows, result["value"], result["is_approximate"], result["error_code"], strict=True
    ):
        want = (
            scale_numeric(number, unit, ind)
            if number is not None
            else parse_number(text, unit, ind)
        )
        assert (value, approx, error) == tuple(want)


@given(
    st.text(alphabet="0123456789", min_size=1, max_size=16),
    st.sampled_from([None, "triệu đồng", "đồng", "tấn", "cuộc", "%", "kg"]),
    st.sampled_from(["VND", "kg", "cuộc", "%"]),
)
def test_plain_digits_give_the_same_figure_as_text_or_as_number(
    digits: str, unit: str | None, indicator_unit: str
) -> None:
    # The xlsx reader takes a value column of plain digits as numbers without asking Excel
    # which cells are text (warehouse/readers.py _read_table): that must change nothing.
    as_text = parse_values(_raw([("h", 1, unit, digits, None, indicator_unit)]))
    as_number = parse_values(_raw([("h", 1, unit, digits, float(digits), indicator_unit)]))
    assert_frame_equal(as_text.drop("value_number"), as_number.drop("value_number"))
