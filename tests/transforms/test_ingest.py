"""A corpus of tricky ward files, one per drift and per error class, generated here.

Each case is written as a real file, read with warehouse.readers.read_batch and ingested with
the shipped reference units and indicators; the assertions name the status, the finding codes
with their place (sheet, row, column) and the parsed values.
"""

import json
import unicodedata
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from transforms.ingest import Ingested, ingest
from transforms.schema import RAW_VALUES
from warehouse import reference
from warehouse.readers import HEADER_FIELDS, read_batch
from warehouse.template import write_report_xlsx

TABLE = ("STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Kết quả", "Ghi chú")
HEADER = (
    ("Đơn vị báo cáo:", "Phường Phúc Xá"),
    ("Mã đơn vị:", "00001"),
    ("Quận/Huyện:", "Quận Ba Đình"),
    ("Kỳ báo cáo:", "Quý III/2021"),
    ("Ngày lập:", datetime(2021, 10, 5)),
    ("Người lập:", "Nguyễn Văn A"),
)
# The table header is Excel row FIRST_ROW (1-based) with this header block; data row i is
# FIRST_ROW + i.
FIRST_ROW = len(HEADER) + 2


@pytest.fixture(scope="module")
def reference_data() -> tuple[pl.DataFrame, pl.DataFrame]:
    return reference.load_units(), reference.load_indicators()


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """What Vietnamese Windows writes: precomposed base letters, tone marks combining."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tones = "".join(c for c in parts if c in TONES)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + tones).encode("cp1258")
    return out


def write_xlsx(path: Path, rows: list[list], header=HEADER, table=TABLE, rows_above: int = 0,
               empty_first_sheet: bool = False, below: list[list] = (), merges=()) -> Path:
    """A ward file as people make them: header labels in A, values in C, then the table."""
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    if empty_first_sheet:
        workbook.add_worksheet("Sheet1")
    sheet = workbook.add_worksheet("BC")

    def put(row: int, column: int, value: object) -> None:
        if isinstance(value, datetime):
            sheet.write_datetime(row, column, value, date_format)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, str):
            sheet.write_string(row, column, value)
        elif value is not None:
            sheet.write_number(row, column, value)

    for index in range(rows_above):
        put(index, 0, f"dòng thêm {index}")
    row = rows_above
    for label, value in header:
        put(row, 0, label)
        put(row, 2, value)
        row += 1
    row += 1
    for column, title in enumerate(table):
        put(row, column, title)
    for cells in [*rows, [], *below]:
        row += 1
        for column, value in enumerate(cells):
            put(row, column, value)
    for merge in merges:
        sheet.merge_range(*merge)
    workbook.close()
    return path


FILES_SCHEMA = {name: pl.String for name in ("file_hash", "file_format", "read_error",
                                             "read_error_text", *HEADER_FIELDS)}
CELLS_SCHEMA = {"file_hash": pl.String, **RAW_VALUES}


def run(*paths: Path, strict: bool = False, reference_data=None) -> Ingested:
    """read_batch then ingest, as the nightly flow does; each file keyed by its name."""
    units, indicators = reference_data or (reference.load_units(), reference.load_indicators())
    files, cells = read_batch([(p.name, str(p)) for p in paths])
    return ingest(pl.DataFrame(files, schema=FILES_SCHEMA | {"value_count": pl.Int64}),
                  pl.DataFrame(cells, schema=CELLS_SCHEMA), units, indicators, strict)


def outcome_of(result: Ingested, path: Path) -> tuple[str, list[tuple], dict[str, float]]:
    """(status, [(code, sheet, row, column, found)], {indicator: value}) of one file."""
    status = result.files.filter(pl.col("file_hash") == path.name)["ingest_status"][0]
    findings = result.findings.filter(pl.col("file_hash") == path.name).select(
        "finding_code", "sheet", "row", "column", "found_text").rows()
    values = dict(result.values.filter(pl.col("file_hash") == path.name)
                  .select("indicator_code", "value").rows())
    return status, findings, values


def ingest_one(path: Path, reference_data, strict: bool = False):
    return outcome_of(run(path, strict=strict, reference_data=reference_data), path)


# --- drift: every one of these reads as the template does --------------------------------

GOOD_ROWS = [[1, "quy_vi_nguoi_ngheo", 'Vận động Quỹ "Vì người nghèo"', "VND", 152000000],
             [2, "giam_sat_cuoc", "Cuộc giám sát", "cuộc", 12]]
GOOD_VALUES = {"quy_vi_nguoi_ngheo": 152000000.0, "giam_sat_cuoc": 12.0}


def test_ingest_template_as_written_by_mttq(tmp_path, reference_data):
    indicators = reference_data[1].sort("sort_order").to_dicts()
    header = {"ward_name": "Phường Phúc Xá", "ward_code": "00001",
              "district_name": "Quận Ba Đình", "period_label": "Quý III/2021",
              "report_date": date(2021, 10, 5), "author": "A"}
    path = write_report_xlsx(tmp_path / "mau.xlsx", header, indicators,
                             values={"quy_vi_nguoi_ngheo": 152000000, "giam_sat_cuoc": "12"})
    result = run(path, reference_data=reference_data)
    assert outcome_of(result, path) == ("accepted", [], GOOD_VALUES)
    file = result.files.row(0, named=True)
    assert (file["ward_code"], file["period"], file["report_date"]) == (
        "00001", "2021-Q3", date(2021, 10, 5))


@pytest.mark.parametrize("drift", [
    {"rows_above": 4},
    {"empty_first_sheet": True},
    {"rows_above": 2, "empty_first_sheet": True},
])
def test_ingest_rows_above_and_empty_first_sheet(tmp_path, reference_data, drift):
    path = write_xlsx(tmp_path / "a.xlsx", GOOD_ROWS, **drift)
    status, findings, values = ingest_one(path, reference_data)
    assert (status, findings, values) == ("accepted", [], GOOD_VALUES)
    first = run(path, reference_data=reference_data).values.row(0, named=True)
    assert (first["sheet"], first["row"], first["column"]) == (
        "BC", FIRST_ROW + drift.get("rows_above", 0) + 1, "E")


@pytest.mark.parametrize("labels", [
    ("Tên đơn vị", "Mã số đơn vị", "Quận", "Thời gian báo cáo", "Ngày báo cáo"),
    ("Phường/Xã:", "MÃ  ĐƠN  VỊ", "Huyện", "Kỳ:", "Ngày:"),
    ("Đơn vị:", "ma don vi", "quan/huyen", "KỲ BÁO CÁO", "Ngày lập báo cáo"),
    tuple(nfd(label) for label in ("Đơn vị báo cáo", "Mã đơn vị", "Quận/Huyện", "Kỳ báo cáo",
                                   "Ngày lập")),
])
def test_ingest_header_label_variants(tmp_path, reference_data, labels):
    header = tuple(zip(labels, ("Phường Phúc Xá", "00001", "Quận Ba Đình", "Quý III/2021",
                                datetime(2021, 10, 5)), strict=True))
    path = write_xlsx(tmp_path / "a.xlsx", GOOD_ROWS, header=header)
    result = run(path, reference_data=reference_data)
    assert outcome_of(result, path) == ("accepted", [], GOOD_VALUES)
    file = result.files.row(0, named=True)
    assert (file["ward_code"], file["period"], file["report_date"],
            file["ward_name_as_written"]) == ("00001", "2021-Q3", date(2021, 10, 5),
                                              "Phường Phúc Xá")


def test_ingest_header_value_in_the_label_cell(tmp_path, reference_data):
    header = (("Đơn vị báo cáo: Phường Phúc Xá", None), ("Mã đơn vị: 00001", None),
              ("Kỳ báo cáo: 9 tháng năm 2021", None), ("Ngày lập: 05/10/2021", None))
    path = write_xlsx(tmp_path / "a.xlsx", GOOD_ROWS, header=header)
    result = run(path, reference_data=reference_data)
    assert outcome_of(result, path)[0] == "accepted"
    assert result.files.select("period", "report_date").row(0) == ("2021-9M", date(2021, 10, 5))


def test_ingest_merged_table_header_and_column_number_row(tmp_path, reference_data):
    # Row 8 holds the titles, each merged down over row 9 ("Chỉ tiêu" also across C:D);
    # row 10 numbers the columns (1) (2) ...; none of this is data.
    table = ("STT", "Mã chỉ tiêu", "Chỉ tiêu", None, "Đơn vị tính", "Kết quả", "Ghi chú")
    merges = [(7, 0, 8, 0, "STT"), (7, 1, 8, 1, "Mã chỉ tiêu"), (7, 2, 8, 3, "Chỉ tiêu"),
              (7, 4, 8, 4, "Đơn vị tính"), (7, 5, 8, 5, "Kết quả"), (7, 6, 8, 6, "Ghi chú")]
    numbers = ["(1)", "(2)", "(3)", None, "(4)", "(5)", "(6)"]
    rows = [[1, "quy_vi_nguoi_ngheo", "Vận động", None, "VND", 152000000],
            [2, "giam_sat_cuoc", "Giám sát", None, "cuộc", "12"]]
    path = write_xlsx(tmp_path / "a.xlsx", [[], numbers, *rows], table=table, merges=merges)
    result = run(path, reference_data=reference_data)
    assert outcome_of(result, path) == ("accepted", [], GOOD_VALUES)
    assert result.values.select("row", "column").rows() == [(11, "F"), (12, "F")]


def test_ingest_table_without_code_column_matches_names(tmp_path, reference_data):
    table = ("STT", "Tên chỉ tiêu", "ĐVT", "Kết quả")
    rows = [
        [1, 'Vận động Quỹ "Vì người nghèo"', "VND", 152000000],  # the template's exact name
        [2, "  CUỘC   GIÁM SÁT ", "cuộc", 12],  # case and spacing
        [3, "Nha dai doan ket xay moi", "nhà", 2],  # no diacritics
        [4, nfd("Gạo hỗ trợ"), "kg", "800kg"],  # NFD
        [5, "Ban TTND: vụ vi phạm phát hiện", "vụ", 3],  # punctuation inside the name
        [6, "quy_cuu_tro", "VND", 5000000],  # a code typed in the name column
    ]
    status, findings, values = ingest_one(write_xlsx(tmp_path / "a.xlsx", rows, table=table),
                                          reference_data)
    assert (status, findings) == ("accepted", [])
    assert values == {"quy_vi_nguoi_ngheo": 152000000.0, "giam_sat_cuoc": 12.0,
                      "nha_dai_doan_ket_xay_moi": 2.0, "gao_ho_tro": 800.0,
                      "ttnd_vu_vi_pham": 3.0, "quy_cuu_tro": 5000000.0}


def test_ingest_every_template_name_resolves_without_codes(tmp_path, reference_data):
    catalog = reference_data[1].sort("sort_order")
    rows = [[i + 1, name, unit, 1] for i, (name, unit) in
            enumerate(catalog.select("indicator_name", "unit").rows())]
    path = write_xlsx(tmp_path / "a.xlsx", rows, table=("STT", "Chỉ tiêu", "Đơn vị tính",
                                                        "Kết quả"))
    status, findings, values = ingest_one(path, reference_data)
    assert (status, findings) == ("accepted", [])
    assert sorted(values) == sorted(catalog["indicator_code"])


def test_ingest_values_typed_as_vietnamese_text(tmp_path, reference_data):
    rows = [
        [1, "tuyen_truyen_luot_nguoi", "", "lượt", "1.084"],
        [2, "quy_vi_nguoi_ngheo", "", "đồng", "10,4 triệu"],
        [3, "quy_vi_bien_dao", "", "đồng", "trên 5,3 tỷ đồng"],
        [4, "gao_ho_tro", "", "kg", "316,63 tấn"],
        [5, "ty_le_hoa_tang", "", "%", "98%"],  # a ward-written ratio: read, used for nothing
        [6, "giam_sat_cuoc", "", "cuộc", "-"],
        [7, "doi_thoai_cuoc", "", "cuộc", "không"],
        [8, "tiep_xuc_cu_tri_cuoc", "", "cuộc", nfd("12 cuộc")],
        [9, "kien_nghi_cu_tri", "", "ý kiến", 1.084],  # a number cell is taken as it is
    ]
    status, findings, values = ingest_one(write_xlsx(tmp_path / "a.xlsx", rows), reference_data)
    assert status == "accepted_with_errors"  # 1.084 opinions is not a whole number
    assert findings == [("V_NOT_WHOLE", "BC", FIRST_ROW + 9, "E", "1.084"),
                        ("I_APPROXIMATE", "BC", FIRST_ROW + 3, "E", "trên 5,3 tỷ đồng")]
    assert values == {"tuyen_truyen_luot_nguoi": 1084.0, "quy_vi_nguoi_ngheo": 10_400_000.0,
                      "quy_vi_bien_dao": 5_300_000_000.0, "gao_ho_tro": 316_630.0,
                      "ty_le_hoa_tang": 98.0, "giam_sat_cuoc": 0.0, "doi_thoai_cuoc": 0.0,
                      "tiep_xuc_cu_tri_cuoc": 12.0}


def test_ingest_unit_column_scale_trieu_dong(tmp_path, reference_data):
    rows = [[1, "quy_vi_nguoi_ngheo", "", "triệu đồng", 152],
            [2, "quy_vi_bien_dao", "", "Triệu đồng", "10,4"],
            [3, "quy_cuu_tro", "", "triệu đồng", "2 tỷ"],  # the text's own scale wins
            [4, "gao_ho_tro", "", "tấn", "1,5"]]
    status, findings, values = ingest_one(write_xlsx(tmp_path / "a.xlsx", rows), reference_data)
    assert (status, findings) == ("accepted", [])
    assert values == {"quy_vi_nguoi_ngheo": 152_000_000.0, "quy_vi_bien_dao": 10_400_000.0,
                      "quy_cuu_tro": 2_000_000_000.0, "gao_ho_tro": 1500.0}


@pytest.mark.parametrize("written,expected", [
    (datetime(2021, 10, 5), date(2021, 10, 5)),  # an Excel date cell
    (datetime(2021, 10, 5, 16, 45), date(2021, 10, 5)),
    (44474, date(2021, 10, 5)),  # the serial number, unformatted
    ("05/10/2021", date(2021, 10, 5)),
    ("Phúc Xá, ngày 05 tháng 10 năm 2021", date(2021, 10, 5)),
])
def test_ingest_report_date_forms(tmp_path, reference_data, written, expected):
    header = (*HEADER[:4], ("Ngày lập:", written))
    result = run(write_xlsx(tmp_path / "a.xlsx", GOOD_ROWS, header=header),
                 reference_data=reference_data)
    assert result.files["report_date"].to_list() == [expected]
    assert result.findings.is_empty()


def test_ingest_ward_named_not_coded_in_nfd(tmp_path, reference_data):
    header = ((nfd("Đơn vị báo cáo:"), nfd("P. Phúc Xá")), ("Mã đơn vị:", None),
              ("Quận/Huyện:", nfd("Ba Đình")), ("Kỳ báo cáo:", nfd("Quý III/2021")))
    result = run(write_xlsx(tmp_path / "a.xlsx", GOOD_ROWS, header=header),
                 reference_data=reference_data)
    assert result.files.select("ingest_status", "ward_code", "period").row(0) == (
        "accepted", "00001", "2021-Q3")


def test_ingest_signature_block_and_totals_below_the_table(tmp_path, reference_data):
    below = [[None, None, None, None, "Phúc Xá, ngày 05 tháng 10 năm 2021"],
             ["Nơi nhận:", None, None, None, "TM. BAN THƯỜNG TRỰC"],
             [None, None, None, None, "CHỦ TỊCH"]]
    status, findings, values = ingest_one(
        write_xlsx(tmp_path / "a.xlsx", GOOD_ROWS, below=below), reference_data)
    assert (status, findings, values) == ("accepted", [], GOOD_VALUES)


def test_ingest_csv_bom_semicolon_and_windows_1258(tmp_path, reference_data):
    text = ("ma_don_vi;ky_bao_cao;ngay_lap;ma_chi_tieu;gia_tri;don_vi_tinh\n"
            "1;Quý III/2021;05/10/2021;quy_vi_nguoi_ngheo;10,4;triệu đồng\n"
            "1;Quý III/2021;05/10/2021;giam_sat_cuoc;12;\n")
    bom = tmp_path / "bom.csv"
    bom.write_text(text, encoding="utf-8-sig")
    ansi = tmp_path / "ansi.csv"
    ansi.write_bytes(windows_1258(text))  # Excel's plain "Save as CSV" on Vietnamese Windows
    tab = tmp_path / "tab.csv"
    tab.write_text(text.replace(";", "\t"), encoding="utf-16")
    result = run(bom, ansi, tab, reference_data=reference_data)
    expected = {"quy_vi_nguoi_ngheo": 10_400_000.0, "giam_sat_cuoc": 12.0}
    for path in (bom, ansi, tab):
        assert outcome_of(result, path) == ("accepted", [], expected), path.name
    assert set(result.files["period"]) == {"2021-Q3"}


def test_ingest_json_numbers_as_strings(tmp_path, reference_data):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"ma_don_vi": 1, "ky_bao_cao": "2021-Q3", "ngay_lap": "2021-10-05",
                                "chi_tieu": {"quy_vi_nguoi_ngheo": "152.000.000",
                                             "giam_sat_cuoc": "12", "gao_ho_tro": "1,5 tấn",
                                             "doi_thoai_cuoc": 3, "ho_gia_dinh": None}}),
                    encoding="utf-8")
    status, findings, values = ingest_one(path, reference_data)
    assert (status, findings) == ("accepted", [])
    assert values == {"quy_vi_nguoi_ngheo": 152_000_000.0, "giam_sat_cuoc": 12.0,
                      "gao_ho_tro": 1500.0, "doi_thoai_cuoc": 3.0}


def test_ingest_json_list_of_one_report(tmp_path, reference_data):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"ma_don_vi": "00001", "ky_bao_cao": "2021-Q3",
                                 "chi_tieu": {"giam_sat_cuoc": 12}}]), encoding="utf-8")
    assert ingest_one(path, reference_data) == ("accepted", [], {"giam_sat_cuoc": 12.0})


# --- file-level errors: the file is rejected, and says why and where ---------------------

def _bytes_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _real_xlsx_bytes(tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "real.xlsx", GOOD_ROWS).read_bytes()


@pytest.mark.parametrize("name,make,code,found", [
    ("ghi_chu.docx", lambda t: b"Ghi chu", "F_UNSUPPORTED_TYPE", ".docx"),
    ("hong.xls", lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "F_UNREADABLE",
     None),
    ("bao_cao.xlsx.pdf", lambda t: b"%PDF-1.4", "F_UNSUPPORTED_TYPE", ".pdf"),
    ("hong.xlsx", lambda t: b"PK\x03\x04 not really a workbook" * 10, "F_UNREADABLE", None),
    ("rong.xlsx", lambda t: b"", "F_EMPTY_FILE", "0 byte"),
    ("rong.csv", lambda t: b"", "F_EMPTY_FILE", "0 byte"),
    ("rong.json", lambda t: b"  \n", "F_EMPTY_FILE", "0 byte"),
    ("la_csv.xlsx", lambda t: b"ma_don_vi,ky_bao_cao\n00001,2021-Q3\n", "F_WRONG_FORMAT",
     ".xlsx ≠ CSV/text"),
    ("la_xls.xlsx", lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "F_WRONG_FORMAT",
     ".xlsx ≠ Excel 97-2003 (.xls)"),
    ("la_html.xlsx", lambda t: b"<html><table><tr><td>1</td></tr></table></html>",
     "F_WRONG_FORMAT", ".xlsx ≠ HTML"),
    ("la_excel.csv", _real_xlsx_bytes, "F_WRONG_FORMAT", ".csv ≠ Excel (.xlsx)"),
    ("la_excel.json", _real_xlsx_bytes, "F_WRONG_FORMAT", ".json ≠ Excel (.xlsx)"),
    ("mat_khau.xlsx", lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
     + "EncryptionInfo".encode("utf-16-le") + b"\0" * 500, "F_PASSWORD_PROTECTED", None),
    ("thieu_cot.csv", lambda t: b"ma_don_vi,gia_tri\n00001,3\n", "F_MISSING_COLUMNS",
     "ky_bao_cao, ma_chi_tieu"),
    ("chi_dong_dau.csv", lambda t: b"ma_don_vi,ky_bao_cao,ma_chi_tieu,gia_tri\n", "F_NO_VALUES",
     None),
    ("hong.json", lambda t: b"{not json", "F_BAD_JSON", None),
    ("khong_chi_tieu.json", lambda t: b'{"ma_don_vi": "00001"}', "F_BAD_JSON", "chi_tieu"),
])
def test_ingest_unreadable_files(tmp_path, reference_data, name, make, code, found):
    path = _bytes_file(tmp_path, name, make(tmp_path))
    status, findings, values = ingest_one(path, reference_data)
    assert (status, values) == ("rejected", {})
    assert [f[0] for f in findings] == [code]
    if found is not None:
        assert findings[0][4] == found
    elif code == "F_UNREADABLE":
        assert findings[0][4]  # the library's reason, quoted back


def test_ingest_xlsx_without_table_is_f_no_table(tmp_path, reference_data):
    workbook = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    workbook.add_worksheet().write_string(0, 0, "Báo cáo quý III")
    workbook.close()
    assert ingest_one(tmp_path / "a.xlsx", reference_data)[:2] == (
        "rejected", [("F_NO_TABLE", None, None, None, None)])


@pytest.mark.parametrize("header,expected", [
    (HEADER[:3], [("F_PERIOD_MISSING", None, None, None, None)]),
    ((*HEADER[:3], ("Kỳ báo cáo:", "Quý V/2021")),
     [("F_PERIOD_INVALID", "BC", 4, "C", "Quý V/2021")]),
    ((("Mã đơn vị:", "99999"), *HEADER[3:]),
     [("F_WARD_UNKNOWN", "BC", 1, "C", "99999")]),
    ((("Đơn vị báo cáo:", "Phường Không Có"), ("Quận/Huyện:", "Ba Đình"), *HEADER[3:]),
     [("F_WARD_UNKNOWN", "BC", 1, "C", "Phường Không Có")]),
    ((("Đơn vị báo cáo:", "Tân Dân"), *HEADER[3:]),
     [("F_WARD_AMBIGUOUS", "BC", 1, "C", "Tân Dân")]),
    (HEADER[3:], [("F_WARD_MISSING", None, None, None, None)]),
    # every file-level problem at once, so that the ward fixes them in one go
    ((("Mã đơn vị:", "99999"), ("Kỳ báo cáo:", "quý 3")),
     [("F_PERIOD_INVALID", "BC", 2, "C", "quý 3"), ("F_WARD_UNKNOWN", "BC", 1, "C", "99999")]),
])
def test_ingest_header_errors_reject_with_place(tmp_path, reference_data, header, expected):
    status, findings, values = ingest_one(
        write_xlsx(tmp_path / "a.xlsx", GOOD_ROWS, header=header), reference_data)
    assert (status, findings, values) == ("rejected", expected, {})


def test_ingest_blank_template_is_f_no_values(tmp_path, reference_data):
    rows = [[1, "quy_vi_nguoi_ngheo", "x", "VND", None], [2, "giam_sat_cuoc", "x", "cuộc", ""]]
    assert ingest_one(write_xlsx(tmp_path / "a.xlsx", rows), reference_data) == (
        "rejected", [("F_NO_VALUES", None, None, None, None)], {})


def test_ingest_every_value_bad_rejects_and_lists_the_values(tmp_path, reference_data):
    rows = [[1, "giam_sat_cuoc", "x", "cuộc", "mười hai"]]
    assert ingest_one(write_xlsx(tmp_path / "a.xlsx", rows), reference_data) == (
        "rejected", [("F_NO_VALUES", None, None, None, None),
                     ("V_NOT_A_NUMBER", "BC", FIRST_ROW + 1, "E", "mười hai")], {})


@pytest.mark.parametrize("lines,found,row", [
    (["00001,2021-Q3,giam_sat_cuoc,3", "00004,2021-Q3,doi_thoai_cuoc,4"],
     "ma_don_vi: 00001 / 00004", 3),
    (["00001,2021-Q3,giam_sat_cuoc,3", "1,Quý III/2021,doi_thoai_cuoc,4",
      "00001,2021-Q4,giam_sat_cuoc,5"], "ky_bao_cao: 2021-Q3 / 2021-Q4", 4),
])
def test_ingest_csv_with_several_wards_or_periods_is_mixed(tmp_path, reference_data, lines,
                                                           found, row):
    path = tmp_path / "a.csv"
    path.write_text("\n".join(["ma_don_vi,ky_bao_cao,ma_chi_tieu,gia_tri", *lines]),
                    encoding="utf-8")
    column = found.split(":")[0]
    assert ingest_one(path, reference_data) == (
        "rejected", [("F_MIXED_SUBMISSION", None, row, column, found)], {})


def test_ingest_json_list_of_reports_is_mixed(tmp_path, reference_data):
    path = tmp_path / "a.json"
    report = {"ma_don_vi": "00001", "ky_bao_cao": "2021-Q3", "chi_tieu": {"giam_sat_cuoc": 1}}
    path.write_text(json.dumps([report, {**report, "ky_bao_cao": "2021-Q4"}]), encoding="utf-8")
    assert ingest_one(path, reference_data) == (
        "rejected", [("F_MIXED_SUBMISSION", None, None, None, "2 × chi_tieu")], {})


# --- value errors: the value is dropped, the file accepted with errors (or, strict, not) ---

BAD_ROWS = [
    ([1, "giam_sat_cuoc", "x", "cuộc", "1.2.3"], "V_NOT_A_NUMBER", "1.2.3"),
    ([2, "doi_thoai_cuoc", "x", "cuộc", -3], "V_NEGATIVE", "-3"),
    ([3, "tiep_xuc_cu_tri_cuoc", "x", "cuộc", "2,5"], "V_NOT_WHOLE", "2,5"),
    ([4, "gao_ho_tro", "x", "kg", "5 triệu đồng"], "V_BAD_UNIT", "5 triệu đồng (kg)"),
    ([5, "ty_le_hoa_tang", "x", "%", "120%"], "V_PERCENT_OUT_OF_RANGE", "120%"),
    ([6, None, "Số cuộc họp tổ dân phố", "cuộc", 4], "V_UNKNOWN_INDICATOR",
     "Số cuộc họp tổ dân phố"),
    ([7, "quy_vi_nguoi_ngheo", "x", "VND", "9" * 400], "V_NOT_A_NUMBER",
     "9" * 120 + "… (+280)"),  # quoted back cut (transforms.findings.quoted)
    ([8, "quy_cuu_tro", "x", "VND", 1e18], "V_TOO_LARGE", "1000000000000000000"),
    ([9, "quy_vi_bien_dao", "x", "VND", "1.000.000 tỷ"], "V_TOO_LARGE", "1.000.000 tỷ"),
    ([10, "hoi_cho_hang_viet", "x", "cuộc", True], "V_NOT_A_NUMBER", "true"),
    ([11, "ho_gia_dinh", "x", "hộ", "10 %"], "V_BAD_UNIT", "10 % (hộ)"),
    ([12, "giam_sat_cuoc", "x", "cuộc", 7], "V_DUPLICATE_INDICATOR", "giam_sat_cuoc"),
]


@pytest.mark.parametrize("bad,code,found", BAD_ROWS, ids=[c for _, c, _ in BAD_ROWS])
def test_ingest_bad_value_drops_only_that_value(tmp_path, reference_data, bad, code, found):
    good = [0, "uy_vien_uy_ban", "Ủy viên", "người", 35]
    if code == "V_DUPLICATE_INDICATOR":
        good = [0, "giam_sat_cuoc", "Cuộc giám sát", "cuộc", 5]
    path = write_xlsx(tmp_path / "a.xlsx", [good, bad])
    status, findings, values = ingest_one(path, reference_data)
    assert status == "accepted_with_errors"
    assert findings == [(code, "BC", FIRST_ROW + 2, "E", found)]
    assert values == {good[1]: float(good[4])}


def test_ingest_strict_rejects_the_file_and_still_lists_the_values(tmp_path, reference_data):
    rows = [*GOOD_ROWS, [3, "doi_thoai_cuoc", "x", "cuộc", "ba"]]
    path = write_xlsx(tmp_path / "a.xlsx", rows)
    lenient = ingest_one(path, reference_data)
    assert lenient == ("accepted_with_errors",
                       [("V_NOT_A_NUMBER", "BC", FIRST_ROW + 3, "E", "ba")], GOOD_VALUES)
    strict = run(path, strict=True, reference_data=reference_data)
    assert outcome_of(strict, path) == (
        "rejected", [("F_STRICT_VALUE_ERRORS", None, None, None, None),
                     ("V_NOT_A_NUMBER", "BC", FIRST_ROW + 3, "E", "ba")], {})
    assert "1 giá trị lỗi" in strict.findings["message_vi"][0]
    # strict changes nothing for a clean file
    clean = write_xlsx(tmp_path / "b.xlsx", GOOD_ROWS)
    assert ingest_one(clean, reference_data, strict=True) == ("accepted", [], GOOD_VALUES)


def test_ingest_unreadable_report_date_is_information(tmp_path, reference_data):
    header = (*HEADER[:4], ("Ngày lập:", "đầu tháng 10"))
    result = run(write_xlsx(tmp_path / "a.xlsx", GOOD_ROWS, header=header),
                 reference_data=reference_data)
    assert outcome_of(result, tmp_path / "a.xlsx") == (
        "accepted", [("I_REPORT_DATE_INVALID", "BC", 5, "C", "đầu tháng 10")], GOOD_VALUES)
    assert result.findings["severity"].to_list() == ["info"]


def test_ingest_every_finding_message_is_bilingual_and_filled(tmp_path, reference_data):
    paths = [write_xlsx(tmp_path / f"{i}.xlsx", [bad], header=HEADER if i % 2 else HEADER[1:])
             for i, (bad, _, _) in enumerate(BAD_ROWS)]
    result = run(*paths, strict=True, reference_data=reference_data)
    messages = result.findings.select("message_vi", "message_en")
    assert messages.height >= len(BAD_ROWS)
    for vi, en in messages.rows():
        assert "{" not in vi + en and len(vi) > 30 and len(en) > 30
        assert vi != en


def test_cap_findings_keeps_the_first_and_counts_the_rest():
    from transforms.findings import cap_findings, findings_frame, make_finding

    rows = [make_finding("V_NOT_A_NUMBER", file_hash="a", found=str(n), row=n) for n in range(5)]
    rows += [make_finding("V_NEGATIVE", file_hash="b", found="-1"),
             make_finding("R_OUTLIER", file_hash=None)]
    capped = cap_findings(findings_frame(rows), 2)
    assert capped.select("file_hash", "finding_code", "found_text").rows() == [
        ("a", "V_NOT_A_NUMBER", "0"), ("a", "V_NOT_A_NUMBER", "1"), ("b", "V_NEGATIVE", "-1"),
        (None, "R_OUTLIER", None), ("a", "I_FINDINGS_TRUNCATED", "5")]
    assert capped["message_en"][-1].startswith("3 more findings of this file are not listed")
