"""Tests for transforms/vn_format.py: every text it writes reads back with the project's parser."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.numbers import parse_number
from transforms.vn_format import format_change, format_count, format_number, format_percent

UNITS = ["VND", "kg", "nhà", "cuộc", "vụ", "hộ", "lượt", "ý kiến", "công trình", "%", "người"]
NUMBER_PART = re.compile(r"(-?[\d.]+(?:,\d+)?)")


@pytest.mark.parametrize(
    ("value", "unit", "approximate", "text"),
    [
        (1301, "nhà", False, "1.301 nhà"),
        (10_400_000, "VND", False, "10,4 triệu đồng"),
        (5_300_000_000, "VND", True, "trên 5,3 tỷ đồng"),
        (5_356_000_000, "VND", False, "trên 5,3 tỷ đồng"),
        (137_200_000_000, "VND", False, "trên 137 tỷ đồng"),
        (850_000, "VND", False, "850.000 đồng"),
        (354, "cuộc", False, "354 cuộc"),
        (316_630, "kg", False, "316,63 tấn"),
        (800, "kg", False, "800 kg"),
        (98.5, "%", False, "98,5%"),
        (0, "VND", False, "0 đồng"),
        (-5.125, "VND", False, "khoảng -5,13 đồng"),
    ],
)
def test_format_number_cases(value, unit, approximate, text):
    assert format_number(value, unit, approximate) == text


def _last_digit_unit(text: str, parsed: float) -> Decimal:
    """The value of one unit of the last digit written (`5,3 tỷ` -> 0,1 tỷ)."""
    number = NUMBER_PART.search(text).group(1)
    written = Decimal(number.replace(".", "").replace(",", "."))
    decimals = len(number.split(",")[1]) if "," in number else 0
    scale = Decimal(repr(parsed)) / written if written else Decimal(1)
    return Decimal(1).scaleb(-decimals) * scale


values = st.one_of(
    st.integers(0, 10**14).map(float),
    st.floats(0, 1e13, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 6)),
)


@given(value=values, unit=st.sampled_from(UNITS), approximate=st.booleans())
def test_format_number_reads_back_with_the_parser(value, unit, approximate):
    text = format_number(value, unit, approximate)
    parsed = parse_number(text, None, unit)

    assert parsed.error_code is None, text
    assert parsed.is_approximate == text.startswith("trên"), text
    if not parsed.is_approximate:
        assert parsed.value == pytest.approx(value, rel=1e-12, abs=1e-9), text
        return
    # `trên X`: X is not above the figure, and the figure is below X + one unit of X's last digit
    assert parsed.value <= value * (1 + 1e-12) + 1e-9, text
    assert Decimal(repr(value)) < Decimal(repr(parsed.value)) + _last_digit_unit(text, parsed.value)
    if not approximate:  # written with `trên` only because digits were dropped
        assert parsed.value != value


@given(value=st.floats(-1e9, -0.001, allow_nan=False), unit=st.sampled_from(UNITS))
def test_format_number_negative_reads_back_rounded(value, unit):
    text = format_number(value, unit)
    parsed = parse_number(text, None, unit)

    assert parsed.error_code is None, text
    assert parsed.value == pytest.approx(value, abs=0.005 + 1e-9), text


@given(st.integers(0, 10**12))
def test_format_count_reads_back_exactly(value):
    assert parse_number(format_count(value), None, "nhà").value == value


@given(st.floats(0, 10_000, allow_nan=False))
def test_format_percent_reads_back_to_one_decimal(value):
    parsed = parse_number(format_percent(value), None, "%")

    assert parsed.value == pytest.approx(value, abs=0.05 + 1e-9)


@pytest.mark.parametrize(
    ("current", "previous", "text"),
    [
        (112.5, 100, "tăng 12,5% so với cùng kỳ"),
        (97, 100, "giảm 3% so với cùng kỳ"),
        (100.01, 100, "bằng cùng kỳ"),
        (5, 0, None),
        (5, None, None),
    ],
)
def test_format_change_cases(current, previous, text):
    assert format_change(current, previous) == text
