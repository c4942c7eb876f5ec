"""Write the Excel report template a ward fills in (`mttq template`), with xlsxwriter.

The layout is what `warehouse/readers.py` reads back: a labelled header block, then the
indicator table `STT | Mã chỉ tiêu | Chỉ tiêu | Đơn vị tính | Kết quả | Ghi chú`.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

import xlsxwriter

TABLE_HEADER = ("STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Kết quả", "Ghi chú")
SHEET_NAME = "Báo cáo"


def write_report_xlsx(
    path: Path,
    header: Mapping[str, object],
    indicators: Iterable[Mapping[str, object]],
    values: Mapping[str, object] | None = None,
    rows_above: int = 0,
    empty_first_sheet: bool = False,
) -> Path:
    """Write one ward report.

    Args:
        header: `ward_name`, `ward_code`, `district_name`, `period_label`, `report_date`
            (a date, or text as a ward would type it), `author`.
        indicators: rows with `indicator_code`, `indicator_name`, `unit`.
        values: indicator code -> what goes in `Kết quả` (number, text, or None for blank).
            None writes the blank template.
        rows_above / empty_first_sheet: template drift the sample generator plants.
    """
    values = values or {}
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "align": "center", "font_size": 13})
    table_head = workbook.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7",
                                      "text_wrap": True, "align": "center"})
    bordered = workbook.add_format({"border": 1})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy", "align": "left"})

    if empty_first_sheet:
        workbook.add_worksheet("Sheet1")
    sheet = workbook.add_worksheet(SHEET_NAME)
    sheet.set_column("A:A", 6)
    sheet.set_column("B:B", 26)
    sheet.set_column("C:C", 52)
    sheet.set_column("D:D", 14)
    sheet.set_column("E:E", 18)
    sheet.set_column("F:F", 24)

    row = rows_above
    sheet.merge_range(row, 0, row, 5, "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM", title)
    sheet.merge_range(row + 1, 0, row + 1, 5, "BÁO CÁO KẾT QUẢ CÔNG TÁC MẶT TRẬN", title)
    row += 3
    labels = (
        ("Đơn vị báo cáo:", header.get("ward_name")),
        ("Mã đơn vị:", header.get("ward_code")),
        ("Quận/Huyện:", header.get("district_name")),
        ("Kỳ báo cáo:", header.get("period_label")),
        ("Ngày lập:", header.get("report_date")),
        ("Người lập:", header.get("author")),
    )
    for label, value in labels:
        sheet.merge_range(row, 0, row, 1, label, bold)
        if isinstance(value, date):
            sheet.write_datetime(row, 2, value, date_format)
        elif value is None and label == "Ngày lập:":  # left for the ward, shown as a date
            sheet.write_blank(row, 2, None, date_format)
        elif value is not None:
            sheet.write_string(row, 2, str(value))
        row += 1

    row += 1
    sheet.write_row(row, 0, TABLE_HEADER, table_head)
    for number, indicator in enumerate(indicators, start=1):
        row += 1
        code = str(indicator["indicator_code"])
        sheet.write_number(row, 0, number, bordered)
        sheet.write_string(row, 1, code, bordered)
        sheet.write_string(row, 2, str(indicator["indicator_name"]), bordered)
        sheet.write_string(row, 3, str(indicator["unit"]), bordered)
        _write_value(sheet, row, 4, values.get(code), bordered)
        sheet.write_blank(row, 5, None, bordered)
    workbook.close()
    return path


def _write_value(sheet, row: int, column: int, value: object, cell_format) -> None:
    if value is None:
        sheet.write_blank(row, column, None, cell_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, cell_format)
    else:
        sheet.write_string(row, column, str(value), cell_format)
