"""The template `mttq template` writes reads back exactly, blank and filled."""

from datetime import date

import fastexcel
import polars as pl
import pytest

from flows.checks import validate_files
from flows.template import make_template
from transforms.ingest import ingest
from warehouse import reference
from warehouse.readers import frames_from_batches, read_batch, read_submission
from warehouse.template import TABLE_HEADER, write_report_xlsx


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    return reference.load_indicators().sort("sort_order").to_dicts()


def test_make_template_reads_back_header_and_every_indicator(tmp_path, catalog):
    path = make_template("00001", "Quý III/2021", tmp_path / "x.xlsx")
    submission = read_submission(path)
    assert submission.error_code is None
    header = submission.header
    assert (header["ward_code"], header["ward_name"], header["district_name"],
            header["period_text"]) == ("00001", "Phường Phúc Xá", "Quận Ba Đình", "Quý III/2021")
    assert header["report_date_text"] is None  # Ngày lập is the ward's to write, never today
    assert submission.cells == []  # blank is not reported
    sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
    rows = sheet.to_polars()
    header_row = rows.with_row_index().filter(pl.col("__UNNAMED__1") == TABLE_HEADER[1])
    table = rows.slice(header_row["index"][0] + 1)
    assert table["__UNNAMED__1"].to_list() == [i["indicator_code"] for i in catalog]
    assert table["__UNNAMED__2"].to_list() == [i["indicator_name"] for i in catalog]
    assert table["__UNNAMED__3"].to_list() == [i["unit"] for i in catalog]
    assert len(catalog) == 37


def test_make_template_blank_is_rejected_only_for_no_values(tmp_path):
    path = make_template("00001", "2021-Q3", tmp_path / "x.xlsx")
    outcome = validate_files([path])
    assert outcome.files.select("status", "ward_code", "period").rows() == [
        ("rejected", "00001", "2021-Q3")]
    assert outcome.findings["finding_code"].to_list() == ["F_NO_VALUES"]


def test_template_filled_in_is_accepted_with_exactly_those_values(tmp_path, catalog):
    blank = read_submission(make_template("00001", "Quý III/2021", tmp_path / "x.xlsx")).header
    values = {i["indicator_code"]: n + 1 for n, i in enumerate(catalog) if i["unit"] != "%"}
    values |= {"ty_le_hoa_tang": "98%", "quy_vi_nguoi_ngheo": "10,4 triệu"}
    header = {"ward_name": blank["ward_name"], "ward_code": blank["ward_code"],
              "district_name": blank["district_name"], "period_label": blank["period_text"],
              "report_date": date(2021, 10, 5), "author": "Nguyễn Văn A"}
    path = write_report_xlsx(tmp_path / "filled.xlsx", header, catalog, values=values)
    assert len(read_submission(path).cells) == len(values)
    outcome = validate_files([path])
    assert outcome.files.select("status", "ward_code", "period").rows() == [
        ("accepted", "00001", "2021-Q3")]
    assert outcome.findings.is_empty()
    files, cells = frames_from_batches([read_batch([("filled", str(path))])])
    ingested = ingest(files, cells, reference.load_units(), reference.load_indicators())
    expected = {code: float(value) for code, value in values.items() if isinstance(value, int)}
    expected |= {"ty_le_hoa_tang": 98.0, "quy_vi_nguoi_ngheo": 10_400_000.0}
    assert dict(ingested.values.select("indicator_code", "value").rows()) == expected


@pytest.mark.parametrize("ward,period,problem", [
    ("99999", "2021-Q3", "No ward with code '99999'"),
    ("00001", "Quý 5/2021", "Unknown period"),
])
def test_make_template_refuses_unknown_ward_or_period(tmp_path, ward, period, problem):
    with pytest.raises(ValueError, match=problem):
        make_template(ward, period, tmp_path / "x.xlsx")
