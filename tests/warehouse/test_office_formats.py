"""Every office spreadsheet format is read like .xlsx: real .xls and .ods files saved by
LibreOffice from a filled template give the same header and values (issue 11, items 5-6)."""

import os
import shutil
import subprocess
from datetime import datetime

import pytest
from test_readers import TABLE, write_xlsx

from warehouse.readers import read_submission

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None,
                                reason="LibreOffice (soffice) is installed by `make test`")

FILLED = [
    (1, ["BÁO CÁO KẾT QUẢ CÔNG TÁC MẶT TRẬN"]),
    (2, ["Đơn vị báo cáo:", None, "Phường Phúc Xá"]),
    (3, ["Mã đơn vị:", None, "00001"]),
    (4, ["Quận/Huyện:", None, "Quận Ba Đình"]),
    (5, ["Kỳ báo cáo:", None, "Quý III/2021"]),
    (6, ["Ngày lập:", None, "05/10/2021"]),
    (8, TABLE),
    (9, [1, "quy_vi_nguoi_ngheo", "Vận động Quỹ", "VND", 152000000]),
    (10, [2, "giam_sat_cuoc", "Giám sát", "cuộc", "12"]),
    (11, [3, "gao_ho_tro", "Gạo hỗ trợ", "kg", "316,63 tấn"]),
    (12, [4, "ty_le_hoa_tang", "Tỷ lệ hỏa táng", "%", 98.5]),
]


@pytest.fixture(scope="module")
def saved_by_libreoffice(tmp_path_factory):
    """The same filled workbook as .xlsx, and as .xls and .ods saved by LibreOffice."""
    folder = tmp_path_factory.mktemp("office")
    source = write_xlsx(folder / "bao_cao.xlsx", FILLED)
    home = folder / "home"  # LibreOffice writes its profile under HOME
    home.mkdir()
    for target in ("xls", "ods"):
        subprocess.run(["soffice", "--headless", "--convert-to", target, "--outdir",
                        str(folder / target), str(source)],
                       env={**os.environ, "HOME": str(home)}, check=True,
                       capture_output=True, timeout=180)
    return {"xlsx": source, "xls": folder / "xls" / "bao_cao.xls",
            "ods": folder / "ods" / "bao_cao.ods"}


def _comparable(submission):
    """Header fields and (row, code, value text, number) of each value, as read."""
    header = {key: submission.header.get(key) for key in
              ("ward_code", "ward_name", "district_name", "period_text", "report_date_text")}
    cells = [(row, code, text, number) for _sheet, row, _col, code, _name, _unit, text,
             number, _note in submission.cells]
    return header, cells


@pytest.mark.parametrize("file_format", ["xls", "ods"])
def test_read_submission_office_formats_read_like_xlsx(saved_by_libreoffice, file_format):
    path = saved_by_libreoffice[file_format]
    assert path.read_bytes()[:4] == ({"xls": b"\xd0\xcf\x11\xe0", "ods": b"PK\x03\x04"}
                                     [file_format])  # really what LibreOffice saves

    submission = read_submission(path)
    reference = read_submission(saved_by_libreoffice["xlsx"])

    assert (submission.error_code, submission.file_format) == (None, file_format)
    assert _comparable(submission) == _comparable(reference)
    assert _comparable(submission)[1] == [
        (10, "quy_vi_nguoi_ngheo", "152000000", 152000000.0),
        (11, "giam_sat_cuoc", "12", None),  # typed as text: stays text, as in the .xlsx
        (12, "gao_ho_tro", "316,63 tấn", None),
        (13, "ty_le_hoa_tang", "98.5", 98.5),
    ]


def test_read_submission_xlsb_takes_the_same_path(tmp_path):
    """LibreOffice cannot write .xlsb: without a sample, check that it reaches the workbook
    reader (fastexcel) and is reported as a damaged workbook, not as an unsupported type."""
    path = tmp_path / "bao_cao.xlsb"
    path.write_bytes(b"PK\x03\x04 not a real workbook" * 10)
    submission = read_submission(path)
    assert (submission.file_format, submission.error_code) == ("xlsb", "F_UNREADABLE")


def test_read_submission_renamed_xls_is_wrong_format(saved_by_libreoffice, tmp_path):
    renamed = tmp_path / "bao_cao.csv"
    renamed.write_bytes(saved_by_libreoffice["xls"].read_bytes())
    submission = read_submission(renamed)
    assert (submission.error_code, submission.error_text) == ("F_WRONG_FORMAT",
                                                              ".csv ≠ Excel 97-2003 (.xls)")


def test_template_date_written_as_datetime_survives_ods(tmp_path):
    source = write_xlsx(tmp_path / "d.xlsx", [
        (0, ["Ngày lập:", datetime(2021, 10, 5)]), (1, TABLE),
        (2, [1, "giam_sat_cuoc", "x", "cuộc", 3])])
    home = tmp_path / "home"
    home.mkdir()
    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(tmp_path),
                    str(source)], env={**os.environ, "HOME": str(home)}, check=True,
                   capture_output=True, timeout=180)
    submission = read_submission(tmp_path / "d.ods")
    assert submission.header["report_date_text"].startswith("2021-10-05")


def test_filled_template_as_xls_and_ods_gives_the_same_values(tmp_path):
    """`mttq template`'s workbook, filled, saved by LibreOffice as .xls and .ods: the same
    accepted values as the .xlsx, through the whole ingest."""
    from datetime import date

    from transforms.ingest import ingest
    from warehouse import reference
    from warehouse.readers import frames_from_batches, read_batch
    from warehouse.template import write_report_xlsx

    catalog = reference.load_indicators().sort("sort_order").to_dicts()
    header = {"ward_name": "Phường Phúc Xá", "ward_code": "00001",
              "district_name": "Quận Ba Đình", "period_label": "Quý III/2021",
              "report_date": date(2021, 10, 5), "author": "A"}
    source = write_report_xlsx(tmp_path / "bao_cao.xlsx", header, catalog, values={
        "giam_sat_cuoc": 12, "quy_vi_nguoi_ngheo": "10,4 triệu", "gao_ho_tro": "316,63 tấn",
        "ttnd_vu_vi_pham": "1.084"})
    home = tmp_path / "home"
    home.mkdir()
    for target in ("xls", "ods"):
        subprocess.run(["soffice", "--headless", "--convert-to", target, "--outdir",
                        str(tmp_path), str(source)], env={**os.environ, "HOME": str(home)},
                       check=True, capture_output=True, timeout=180)
    paths = {f: tmp_path / f"bao_cao.{f}" for f in ("xlsx", "xls", "ods")}
    files, cells = frames_from_batches([read_batch([(f, str(p)) for f, p in paths.items()])])
    outcome = ingest(files, cells, reference.load_units(), reference.load_indicators())

    assert dict(outcome.files.select("file_hash", "ingest_status").rows()) == {
        "xlsx": "accepted", "xls": "accepted", "ods": "accepted"}
    values = {key: sorted(outcome.values.filter(outcome.values["file_hash"] == key)
                          .select("indicator_code", "value").rows()) for key in paths}
    assert values["xlsx"] == [("gao_ho_tro", 316630.0), ("giam_sat_cuoc", 12.0),
                              ("quy_vi_nguoi_ngheo", 10400000.0), ("ttnd_vu_vi_pham", 1084.0)]
    assert values["xls"] == values["xlsx"] and values["ods"] == values["xlsx"]
