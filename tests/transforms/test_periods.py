"""periods_touching: the periods a backfill range reads again."""

import pytest

from transforms.periods import periods_touching, quarters_span_label, quarters_to
from warehouse.pack_data import periods_shown


@pytest.mark.parametrize(("first", "last", "expected"), [
    ("2021-Q3", "2021-Q3", ["2021-Q3", "2021-H2", "2021-9M", "2021-Y"]),
    ("2021-Q4", "2022-Q1", ["2021-Q4", "2021-H2", "2021-Y", "2022-Q1", "2022-H1", "2022-9M",
                            "2022-Y"]),
    ("2021-Y", "2021-Y", ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4", "2021-H1", "2021-H2",
                          "2021-9M", "2021-Y"]),
])
def test_periods_touching_every_period_with_a_quarter_in_the_range(first, last, expected):
    assert periods_touching(first, last) == expected


def test_periods_touching_an_empty_or_wrong_range_says_so():
    with pytest.raises(ValueError, match=r"^khoảng kỳ trống / empty range: 2022-Q1 \.\. 2021-Q1$"):
        periods_touching("2022-Q1", "2021-Q1")
    with pytest.raises(ValueError, match="not a period id: '2021'"):
        periods_touching("2021", "2021-Q4")


@pytest.mark.parametrize(("period", "expected"), [
    ("2022-Q1", ["2022-Q1"]),
    ("2022-H1", ["2022-Q1", "2022-Q2"]),
    ("2022-Q3", ["2022-Q1", "2022-Q2", "2022-Q3"]),
    ("2022-9M", ["2022-Q1", "2022-Q2", "2022-Q3"]),
    ("2022-H2", ["2022-Q1", "2022-Q2", "2022-Q3", "2022-Q4"]),
])
def test_quarters_to_is_the_years_trend_as_it_stood_when_the_period_closed(period, expected):
    assert quarters_to(period) == expected


@pytest.mark.parametrize(("period", "expected"), [
    ("2022-Q1", "quý I năm 2022"),
    ("2022-H1", "từ quý I đến quý II năm 2022"),
    ("2022-9M", "từ quý I đến quý III năm 2022"),
    ("2021-Y", "từ quý I đến quý IV năm 2021"),
])
def test_a_trend_title_names_the_quarters_it_shows(period, expected):
    assert quarters_span_label(period) == expected


def test_a_first_quarter_pack_shows_no_later_quarter_of_its_year():
    # so a 2022-Q3 resubmission leaves the 2022-Q1, Q2 and H1 packs as they are
    assert periods_shown("2022-Q1") == ["2021-Q1", "2022-Q1"]
    assert "2022-Q3" not in periods_shown("2022-H1")
    assert "2022-Q3" in periods_shown("2022-Q4")
