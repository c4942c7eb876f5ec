"""Readers find the header and the table by their labels, whatever the drift."""

import json
from datetime import datetime

import pytest
import xlsxwriter

from warehouse.readers import excel_column_letter, read_submission


def write_xlsx(path, rows, first_sheet_empty=False, merge_header=False):
    """rows: list of (row_index, [cells]) written from column A."""
    workbook = xlsxwriter.Workbook(str(path))
    if first_sheet_empty:
        workbook.add_worksheet("Trống")
    sheet = workbook.add_worksheet("BC")
    for row_index, cells in rows:
        for column, cell in enumerate(cells):
            if isinstance(cell, datetime):
                sheet.write_datetime(row_index, column, cell,
                                     workbook.add_format({"num_format": "dd/mm/yyyy"}))
            elif cell is not None:
                sheet.write(row_index, column, cell)
    if merge_header:
        sheet.merge_range("A1:F1", "BÁO CÁO")
    workbook.close()
    return path


TABLE = ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Kết quả", "Ghi chú"]


def test_read_excel_submission_template_layout(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        (2, ["Đơn vị báo cáo:", None, "Phường Phúc Xá"]),
        (3, ["Mã đơn vị:", None, "00001"]),
        (4, ["Quận/Huyện:", None, "Quận Ba Đình"]),
        (5, ["Kỳ báo cáo:", None, "Quý III/2021"]),
        (6, ["Ngày lập:", None, datetime(2021, 10, 5)]),
        (8, TABLE),
        (9, [1, "quy_vi_nguoi_ngheo", "Vận động", "VND", 152000000]),
        (10, [2, "giam_sat_cuoc", "Giám sát", "cuộc", "12"]),
        (11, [3, "gao_ho_tro", "Gạo", "kg", None]),
    ])
    submission = read_submission(path)
    assert submission.error_code is None
    assert submission.header["ward_code"] == "00001"
    assert submission.header["period_text"] == "Quý III/2021"
    assert submission.header["report_date_text"].startswith("2021-10-05")
    assert submission.cells == [
        ("BC", 10, "E", "quy_vi_nguoi_ngheo", "Vận động", "VND", "152000000", 152000000.0, None),
        ("BC", 11, "E", "giam_sat_cuoc", "Giám sát", "cuộc", "12", 12.0, None),
    ]  # blank = not reported: no cell; the text "12" is the number 12 (every value is digits)


def test_read_excel_submission_digits_as_text_keep_their_type_when_another_value_needs_it(
        tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        (0, ["Kỳ báo cáo", "Q3/2021"]), (1, TABLE),
        (2, [1, "giam_sat_cuoc", "x", "cuộc", "12"]),
        (3, [2, "gao_ho_tro", "x", "kg", "1.084"]),
        (4, [3, "quy_vi_nguoi_ngheo", "x", "VND", 2.5]),
    ])
    cells = read_submission(path).cells
    assert [(c[6], c[7]) for c in cells] == [("12", None), ("1.084", None), ("2.5", 2.5)]


def test_read_excel_submission_text_that_looks_like_english_decimal_stays_text(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        (0, ["Kỳ báo cáo", "Q3/2021"]), (1, TABLE),
        (2, [1, "tuyen_truyen_luot_nguoi", "x", "lượt", "1.084"]),
        (3, [2, "gao_ho_tro", "x", "kg", 1.084]),
    ])
    cells = read_submission(path).cells
    assert [(c[6], c[7]) for c in cells] == [("1.084", None), ("1.084", 1.084)]


@pytest.mark.parametrize("label", ["KỲ BÁO CÁO", "ky bao cao", "  Kỳ  báo cáo :", "Kỳ báo cáo"])
def test_read_excel_submission_label_variants(tmp_path, label):
    path = write_xlsx(tmp_path / "a.xlsx", [(0, [label, "Quý 3 năm 2021"]), (2, TABLE),
                                            (3, [1, "giam_sat_cuoc", "x", "cuộc", 3])])
    assert read_submission(path).header["period_text"] == "Quý 3 năm 2021"


def test_read_excel_submission_value_in_the_label_cell(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [(0, ["Kỳ báo cáo: Quý III/2021"]),
                                            (1, ["Đơn vị báo cáo: P. Phúc Xá"]), (2, TABLE),
                                            (3, [1, "giam_sat_cuoc", "x", "cuộc", 3])])
    header = read_submission(path).header
    assert header["period_text"] == "Quý III/2021"
    assert header["ward_name"] == "P. Phúc Xá"


def test_read_excel_submission_rows_above_empty_first_sheet_and_merged_title(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        (5, ["Mã đơn vị", "00115"]), (9, ["ghi chú ngoài bảng"]), (12, TABLE),
        (13, [1, "giam_sat_cuoc", "Cuộc giám sát", "cuộc", 7]),
    ], first_sheet_empty=True, merge_header=True)
    submission = read_submission(path)
    assert submission.header["ward_code"] == "00115"
    assert submission.cells[0][:3] == ("BC", 14, "E")


def test_read_excel_submission_name_without_code_column(tmp_path):
    table = ["STT", "Chỉ tiêu", "ĐVT", "Kết quả"]
    path = write_xlsx(tmp_path / "a.xlsx", [(0, table), (1, [1, "Cuộc giám sát", "cuộc", 5])])
    cell = read_submission(path).cells[0]
    assert (cell[2], cell[3], cell[4], cell[5], cell[6]) == ("D", None, "Cuộc giám sát", "cuộc",
                                                             "5")


def test_read_excel_submission_without_table_is_f_no_table(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [(0, ["Kỳ báo cáo", "Quý III/2021"])])
    assert read_submission(path).error_code == "F_NO_TABLE"


def test_read_submission_corrupt_xlsx_is_f_unreadable(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not a workbook")
    submission = read_submission(path)
    assert submission.error_code == "F_UNREADABLE"
    assert submission.error_text


def test_read_submission_unknown_type_is_f_unsupported_type(tmp_path):
    path = tmp_path / "note.docx"
    path.write_bytes(b"hello")
    assert read_submission(path).error_code == "F_UNSUPPORTED_TYPE"


@pytest.mark.parametrize("encoding,separator", [("utf-8", ","), ("utf-8-sig", ","),
                                                ("utf-8-sig", ";"), ("utf-8", ";")])
def test_read_csv_submission_bom_and_separators(tmp_path, encoding, separator):
    lines = ["ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri,don_vi_tinh",
             "00115,2021-Q3,05/10/2021,quy_vi_nguoi_ngheo,\"10,4\",triệu đồng",
             "00115,2021-Q3,05/10/2021,giam_sat_cuoc,12,"]
    if separator == ";":
        lines = [line.replace(",", ";").replace('"10;4"', "10,4") for line in lines]
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines), encoding=encoding)
    submission = read_submission(path)
    assert submission.header["ward_code"] == "00115"
    assert [(c[1], c[3], c[5], c[6]) for c in submission.cells] == [
        (2, "quy_vi_nguoi_ngheo", "triệu đồng", "10,4"), (3, "giam_sat_cuoc", None, "12")]


def test_read_csv_submission_missing_columns(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("ma_don_vi,gia_tri\n00115,3\n", encoding="utf-8")
    submission = read_submission(path)
    assert (submission.error_code, submission.error_text) == (
        "F_MISSING_COLUMNS", "ky_bao_cao, ma_chi_tieu")


def test_read_json_submission_numbers_and_text(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"ma_don_vi": "00115", "ky_bao_cao": "2021-Q3",
                                "ngay_lap": "2021-10-05",
                                "chi_tieu": {"quy_vi_nguoi_ngheo": 152000000,
                                             "giam_sat_cuoc": "12", "gao_ho_tro": None}}),
                    encoding="utf-8")
    submission = read_submission(path)
    assert submission.header["period_text"] == "2021-Q3"
    assert [(c[3], c[6], c[7]) for c in submission.cells] == [
        ("quy_vi_nguoi_ngheo", "152000000", 152000000.0), ("giam_sat_cuoc", "12", None)]


def test_read_json_submission_invalid(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("{not json", encoding="utf-8")
    assert read_submission(path).error_code == "F_BAD_JSON"


@pytest.mark.parametrize("index,letter", [(0, "A"), (4, "E"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_excel_column_letter(index, letter):
    assert excel_column_letter(index) == letter


@pytest.mark.parametrize("label,field", [
    ("Tên đơn vị", "ward_name"), ("Phường/Xã", "ward_name"), ("Đơn vị:", "ward_name"),
    ("Tên phường/xã:", "ward_name"), ("Mã phường", "ward_code"), ("Mã số đơn vị", "ward_code"),
    ("Thị xã", "district_name"), ("Thời gian báo cáo", "period_text"), ("Kỳ", "period_text"),
    ("Ngày báo cáo", "report_date_text"), ("Ngày lập báo cáo:", "report_date_text"),
    ("Người báo cáo", "author"),
])
def test_read_excel_submission_more_label_variants(tmp_path, label, field):
    path = write_xlsx(tmp_path / "a.xlsx", [(0, [label, "X"]), (2, TABLE),
                                            (3, [1, "giam_sat_cuoc", "x", "cuộc", 3])])
    assert read_submission(path).header[field] == "X"


@pytest.mark.parametrize("label", ["Đơn vị tính: đồng", "Thời gian lập", "Ký tên"])
def test_read_excel_submission_lookalike_labels_are_not_header_fields(tmp_path, label):
    path = write_xlsx(tmp_path / "a.xlsx", [(0, [label, "X"]), (2, TABLE),
                                            (3, [1, "giam_sat_cuoc", "x", "cuộc", 3])])
    header = read_submission(path).header
    assert "X" not in header.values()


def test_read_excel_submission_records_where_header_fields_are(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [(1, ["Mã đơn vị", None, None, "00001"]),
                                            (2, ["Kỳ báo cáo: Quý III/2021"]), (4, TABLE),
                                            (5, [1, "giam_sat_cuoc", "x", "cuộc", 3])])
    header = read_submission(path).header
    assert (header["sheet_name"], header["ward_code_cell"], header["period_cell"]) == (
        "BC", "2:D", "3:A")


def test_read_excel_submission_boolean_value_cell_is_text(tmp_path):
    path = tmp_path / "a.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("BC")
    sheet.write_row(0, 0, TABLE)
    sheet.write_row(1, 0, [1, "giam_sat_cuoc", "x", "cuộc"])
    sheet.write_boolean(1, 4, True)
    workbook.close()
    submission = read_submission(path)
    assert submission.error_code is None
    assert [(c[6], c[7]) for c in submission.cells] == [("true", None)]


def test_read_excel_submission_skips_rows_without_an_indicator(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        (0, TABLE), (1, ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]),
        (2, [1, "giam_sat_cuoc", "x", "cuộc", 3]),
        (4, [None, None, None, None, "TM. BAN THƯỜNG TRỰC"]),
    ])
    assert [c[1] for c in read_submission(path).cells] == [3]


@pytest.mark.parametrize("data,code,text", [
    (b"", "F_EMPTY_FILE", "0 byte"),
    (b"ma_don_vi;gia_tri\n1;2\n", "F_WRONG_FORMAT", ".xlsx ≠ CSV/text"),
    (b"%PDF-1.4 ...", "F_WRONG_FORMAT", ".xlsx ≠ PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
     "F_PASSWORD_PROTECTED", None),
    (b"PK\x03\x04 damaged", "F_UNREADABLE", None),
])
def test_read_submission_explains_why_an_xlsx_does_not_open(tmp_path, data, code, text):
    path = tmp_path / "a.xlsx"
    path.write_bytes(data)
    submission = read_submission(path)
    assert submission.error_code == code
    if text:
        assert submission.error_text == text


def test_read_csv_submission_header_fields_from_any_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri\n"
                    "00001,2021-Q3,,giam_sat_cuoc,3\n00001,2021-Q3,05/10/2021,doi_thoai_cuoc,1\n"
                    "115,Quý III/2021,,gao_ho_tro,2\n", encoding="utf-8")
    submission = read_submission(path)
    assert submission.error_code == "F_MIXED_SUBMISSION"  # 00115 is another ward
    path.write_text("ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri\n"
                    "1,2021-Q3,,giam_sat_cuoc,3\n00001,Quý III/2021,05/10/2021,doi_thoai_cuoc,1\n",
                    encoding="utf-8")
    submission = read_submission(path)
    assert submission.error_code is None
    assert (submission.header["report_date_text"], submission.header["report_date_cell"]) == (
        "05/10/2021", "3:ngay_lap")


def test_read_json_submission_non_finite_numbers_stay_text(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"ma_don_vi": "00001", "ky_bao_cao": "2021-Q3", '
                    '"chi_tieu": {"a": 1e400, "b": NaN, "c": true}}', encoding="utf-8")
    cells = read_submission(path).cells
    assert [(c[3], c[6], c[7]) for c in cells] == [("a", "inf", None), ("b", "nan", None),
                                                   ("c", "True", None)]
