"""Header fields as wards type them become canonical values."""

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms.standardize import normalize_ward_code, parse_report_date, resolve_indicators


@pytest.mark.parametrize("text,expected", [
    ("2021-10-05", date(2021, 10, 5)),
    ("2021-10-05 00:00:00", date(2021, 10, 5)),  # an Excel date cell read as text
    ("05/10/2021", date(2021, 10, 5)),  # day first, as Vietnam writes it
    ("5/10/2021", date(2021, 10, 5)),
    ("05.10.2021", date(2021, 10, 5)),
    ("44474", date(2021, 10, 5)),  # Excel serial number
    ("ngày 05 tháng 10 năm 2021", date(2021, 10, 5)),
    ("Phúc Xá, ngày 5 tháng 10 năm 2021", date(2021, 10, 5)),  # the signature line's form
    ("Ngày 5 Tháng 10 Năm 2021", date(2021, 10, 5)),
    ("ngay 5 thang 10 nam 2021", date(2021, 10, 5)),
    ("Nga\u0300y 05 tha\u0301ng 10 2021", date(2021, 10, 5)),  # NFD, no `năm`
    ("  05/10/2021  ", date(2021, 10, 5)),
    ("31/02/2021", None),
    ("ngày 31 tháng 2 năm 2021", None),
    ("ngày 5 tháng 10", None),
    ("nan", None),
    ("inf", None),
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


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_parse_report_date_round_trips_every_written_form(day):
    for text in (day.isoformat(), day.strftime("%d/%m/%Y"), f"{day.day}/{day.month}/{day.year}",
                 f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}",
                 f"{day.isoformat()} 00:00:00"):
        assert parse_report_date(text) == day, text


INDICATORS = pl.DataFrame({
    "indicator_code": ["quy_vi_nguoi_ngheo", "giam_sat_cuoc", "ttnd_giam_sat_cuoc"],
    "indicator_name": ['Vận động Quỹ "Vì người nghèo"', "Cuộc giám sát",
                       "Ban TTND: cuộc giám sát"],
    "unit": ["VND", "cuộc", "cuộc"],
    "aggregation": ["sum", "sum", "sum"],
    "is_count": [False, True, True],
})


@pytest.mark.parametrize("code,name,expected", [
    ("giam_sat_cuoc", None, "giam_sat_cuoc"),
    (" GIAM_SAT_CUOC ", "anything", "giam_sat_cuoc"),  # the code wins over the name
    (None, "Cuộc giám sát", "giam_sat_cuoc"),
    (None, "  cuộc  GIÁM  sát ", "giam_sat_cuoc"),
    (None, "Cuoc giam sat", "giam_sat_cuoc"),
    (None, "Cuo\u0323c gia\u0301m sa\u0301t", "giam_sat_cuoc"),  # NFD
    (None, "Vận động Quỹ Vì người nghèo", "quy_vi_nguoi_ngheo"),  # quotes left out
    (None, "Vận động Quỹ “Vì người nghèo”", "quy_vi_nguoi_ngheo"),  # curly quotes
    (None, "Ban TTND - cuộc giám sát", "ttnd_giam_sat_cuoc"),
    (None, "ttnd_giam_sat_cuoc", "ttnd_giam_sat_cuoc"),  # a code in the name column
    ("khong_co", "Cuộc giám sát", "giam_sat_cuoc"),  # an unknown code, a known name
    ("khong_co", None, None),
    (None, "Số cuộc họp tổ dân phố", None),
])
def test_resolve_indicators_by_code_then_folded_name(code, name, expected):
    raw = pl.DataFrame({"indicator_code": [code], "indicator_name": [name]},
                       schema={"indicator_code": pl.String, "indicator_name": pl.String})
    assert resolve_indicators(raw, INDICATORS)["resolved_code"].to_list() == [expected]
