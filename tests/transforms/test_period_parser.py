"""Tests for transforms/period_parser.py: what people write for a period -> canonical id."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.period_parser import parse_period
from transforms.periods import QUARTERS_OF_KIND, period_label

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # SPEC §3 forms
        ("Quý III/2021", "2021-Q3"),
        ("Quý 3 năm 2021", "2021-Q3"),
        ("QIII-2021", "2021-Q3"),
        ("Q3/2021", "2021-Q3"),
        ("6 tháng đầu năm 2022", "2022-H1"),
        ("6 tháng cuối năm 2020", "2020-H2"),
        ("9 tháng năm 2021", "2021-9M"),
        ("Năm 2021", "2021-Y"),
        ("cả năm 2021", "2021-Y"),
        ("tổng kết năm 2021", "2021-Y"),
        # canonical ids, any case
        ("2021-Q3", "2021-Q3"),
        ("2022-H1", "2022-H1"),
        ("2022-H2", "2022-H2"),
        ("2021-9M", "2021-9M"),
        ("2021-Y", "2021-Y"),
        ("2021-q3", "2021-Q3"),
        ("2021-9m", "2021-9M"),
        ("2021-y", "2021-Y"),
        # obvious others
        ("quý 3/2021", "2021-Q3"),
        ("Q3 2021", "2021-Q3"),
        ("2021Q3", "2021-Q3"),
        ("2021 QIII", "2021-Q3"),
        ("III/2021", "2021-Q3"),
        ("quý iv/2021", "2021-Q4"),
        ("QUÝ I NĂM 2023", "2023-Q1"),
        ("Quý 03/2021", "2021-Q3"),
        ("  Quý   II  /  2022 ", "2022-Q2"),
        ("Quý\u00a0II/2022", "2022-Q2"),
        (unicodedata.normalize("NFD", "Quý III/2021"), "2021-Q3"),
        (unicodedata.normalize("NFD", "6 tháng cuối năm 2020"), "2020-H2"),
        ("quy 3 nam 2021", "2021-Q3"),
        ("6 thang dau nam 2022", "2022-H1"),
        ("sơ kết 6 tháng đầu năm 2022", "2022-H1"),
        ("Sơ kết 6 tháng năm 2022", "2022-H1"),
        ("báo cáo quý II năm 2022", "2022-Q2"),
        ("Báo cáo kết quả công tác Mặt trận quý III năm 2021", "2021-Q3"),
        ("9 tháng đầu năm 2021", "2021-9M"),
        ("Tổng kết công tác năm 2021", "2021-Y"),
        ("H1/2022", "2022-H1"),
        ("H2 2022", "2022-H2"),
        ("nửa đầu năm 2022", "2022-H1"),
        ("12 tháng năm 2021", "2021-Y"),
        ("Quý III/2021 (lũy kế)", "2021-Q3"),
    ],
)
def test_parse_period_accepts(text: str, expected: str) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "abc",
        "2021",  # a bare year names no period: only `năm 2021` is the year
        "Quý 5/2021",
        "Quý V/2021",
        "Quý 0/2021",
        "Q12/2021",
        "Q3/21",  # two-digit years are refused: could be a day or a count
        "Quý III",  # no year
        "3/2021",  # could be March: only the Roman `III/2021` is a quarter
        "tháng 9/2021",  # months are not reporting periods
        "năm 1999",
        "năm 2100",
        "Quý 3/2021 - 2022",  # two years
        "Quý 3 ngày 15/2021",
        "7 tháng năm 2021",
        "2021-Q5",
        "2021-H3",
    ],
)
def test_parse_period_refuses(text: str | None) -> None:
    assert parse_period(text) is None


period_ids = st.builds(
    lambda year, kind: f"{year}-{kind}",
    st.integers(2000, 2099),
    st.sampled_from(list(QUARTERS_OF_KIND)),
)


@given(period_ids)
def test_parse_period_round_trips_canonical_ids(period: str) -> None:
    assert parse_period(period) == period
    assert parse_period(period_label(period)) == period


def _renderings(year: int, kind: str) -> list[str]:
    """Ways people write one period."""
    if kind.startswith("Q"):
        q = int(kind[1])
        return [
            f"Quý {ROMAN[q]}/{year}",
            f"Quý {q} năm {year}",
            f"Q{ROMAN[q]}-{year}",
            f"Q{q}/{year}",
            f"quý {q}/{year}",
            f"Q{q} {year}",
            f"{year}Q{q}",
            f"{ROMAN[q]}/{year}",
            f"báo cáo quý {ROMAN[q]} năm {year}",
        ]
    return {
        "H1": [f"6 tháng đầu năm {year}", f"sơ kết 6 tháng đầu năm {year}", f"H1/{year}"],
        "H2": [f"6 tháng cuối năm {year}", f"H2 {year}"],
        "9M": [f"9 tháng năm {year}", f"9 tháng đầu năm {year}"],
        "Y": [f"Năm {year}", f"cả năm {year}", f"tổng kết năm {year}"],
    }[kind]


@st.composite
def rendered_periods(draw: st.DrawFn) -> tuple[str, str]:
    year = draw(st.integers(2000, 2099))
    kind = draw(st.sampled_from(list(QUARTERS_OF_KIND)))
    text = draw(st.sampled_from(_renderings(year, kind)))
    text = draw(st.sampled_from([text, text.upper(), text.lower()]))
    form = draw(st.sampled_from(["NFC", "NFD"]))
    spaced = text.replace(" ", draw(st.sampled_from([" ", "  ", "\u00a0"])))
    return unicodedata.normalize(form, f" {spaced} "), f"{year}-{kind}"


@given(rendered_periods())
def test_parse_period_reads_vietnamese_renderings(case: tuple[str, str]) -> None:
    text, period = case
    assert parse_period(text) == period
