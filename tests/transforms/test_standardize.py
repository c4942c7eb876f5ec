"""Header fields as wards type them become canonical values."""

from datetime import date

import pytest

from transforms.standardize import normalize_ward_code, parse_report_date


@pytest.mark.parametrize("text,expected", [
    ("2021-10-05", date(2021, 10, 5)),
    ("2021-10-05 00:00:00", date(2021, 10, 5)),  # an Excel date cell read as text
    ("05/10/2021", date(2021, 10, 5)),  # day first, as Vietnam writes it
    ("5/10/2021", date(2021, 10, 5)),
    ("05.10.2021", date(2021, 10, 5)),
    ("44474", date(2021, 10, 5)),  # Excel serial number
    ("31/02/2021", None),
    ("ngày 5 tháng 10", None),
    ("", None),
    (None, None),
])
def test_parse_report_date(text, expected):
    assert parse_report_date(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("00115", "00115"), (" 115 ", "00115"), ("115.0", "00115"), ("P115", "P115"), (None, None),
])
def test_normalize_ward_code(text, expected):
    assert normalize_ward_code(text) == expected
