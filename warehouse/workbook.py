"""The conference pack's workbooks ("Biểu tổng hợp"), written with xlsxwriter.

Decisions:
- Numbers stay numbers (analysts re-sum them) with Excel's grouped formats (`#,##0`, which a
  Vietnamese Excel shows as `1.301`, and `#,##0.0` for ratios); an approximate value shows a
  `*` after it and a derived one `†`, through the number format (the cell is still a number),
  with a coloured fill, and the legend under the table says so.
- Text is written with `write_string` only, and the workbook is opened with
  `strings_to_formulas` off: a ward's file name or note starting with `=`, `+`, `-` or `@`
  stays text and is never run.
- Print-ready: A4 landscape, header rows repeated on every page, fitted to the page width,
  panes frozen under the header and right of the ward names.
"""

from pathlib import Path

import polars as pl
import xlsxwriter

from transforms.pack import cluster_rankings, indicator_groups, ward_rows
from transforms.periods import period_label, quarters_span_label, quarters_to
from transforms.vn_format import percent_change
from warehouse.pack_data import PackData

LEGEND = (
    "Ghi chú: * số liệu ước (phường ghi \"trên\", \"khoảng\"…; tổng có số ước); "
    "† số liệu suy ra từ báo cáo lũy kế (ví dụ quý II = 6 tháng − quý I); "
    "\"x/y\" dưới dòng tổng: số phường có số liệu / số phường phải báo cáo; "
    "ô trống: chưa báo cáo (không phải số 0)."
)
MAIN_INDICATORS = ("quy_vi_nguoi_ngheo", "nha_dai_doan_ket_xay_moi", "giam_sat_cuoc",
                   "ttnd_giam_sat_cuoc")
UNIT_WORDS = {"VND": "đồng"}
FIRST_COLUMNS = 4  # STT, code, name, status
MAX_COLUMNS = 12  # indicators per printed sheet


def unit_word(unit: str) -> str:
    return UNIT_WORDS.get(unit, unit)


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, book: xlsxwriter.Workbook):
        base = {"font_name": "Times New Roman", "font_size": 11, "valign": "vcenter"}
        add = lambda **kw: book.add_format({**base, **kw})  # noqa: E731
        self.title = add(bold=True, font_size=14, align="center")
        self.subtitle = add(italic=True, align="center")
        self.head = add(bold=True, border=1, align="center", text_wrap=True, bg_color="#DDEBF7")
        self.code = add(border=1, align="center", font_size=8, font_color="#666666")
        self.text = add(border=1, text_wrap=True)
        self.center = add(border=1, align="center")
        self.warn = add(border=1, text_wrap=True, font_color="#C00000")
        self.bold = add(border=1, bold=True)
        self.note = add(italic=True, text_wrap=True, valign="top")
        self.plain = add()
        self.date = add(border=1, num_format="dd/mm/yyyy hh:mm")
        numbers = {"count": "#,##0", "ratio": "#,##0.0"}
        self.number = {}
        for kind, fmt in numbers.items():
            for total in (False, True):
                self.number[(kind, total, "")] = add(border=1, num_format=fmt, bold=total)
                self.number[(kind, total, "*")] = add(border=1, num_format=f'{fmt}"*"',
                                                      bold=total, bg_color="#FFF2CC")
                self.number[(kind, total, "†")] = add(border=1, num_format=f'{fmt}"†"',
                                                      bold=total, bg_color="#E2EFDA")
        self.percent = add(border=1, num_format="+0.0%;-0.0%;0.0%")

    def value(self, unit: str, total: bool = False, approximate: bool = False,
              derived: bool = False):
        mark = "*" if approximate else "†" if derived else ""
        return self.number[("ratio" if unit == "%" else "count", total, mark)]


def _new_book(path: Path) -> tuple[xlsxwriter.Workbook, _Formats]:
    book = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_formulas": False,
                                           "strings_to_numbers": False,
                                           "strings_to_urls": False})
    book.set_properties({"title": path.stem, "author": "mttq", "comments": LEGEND})
    return book, _Formats(book)


def _print_setup(sheet, header_rows: tuple[int, int], freeze: tuple[int, int]) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.repeat_rows(*header_rows)
    sheet.fit_to_pages(1, 0)  # the page width, as many pages down as it takes
    sheet.freeze_panes(*freeze)
    sheet.set_footer("&CTrang &P/&N")


def _write_value(sheet, row: int, column: int, value, fmt) -> None:
    if value is None:
        sheet.write_blank(row, column, None, fmt)
    else:
        sheet.write_number(row, column, value, fmt)


def _indicator_header(sheet, fmt: _Formats, groups, row: int, first_column: int) -> list[dict]:
    """Theme row, indicator name (with unit) row and code row; returns the indicators in
    column order."""
    column, ordered = first_column, []
    for theme, members in groups:
        last = column + len(members) - 1
        if last > column:
            sheet.merge_range(row, column, row, last, theme, fmt.head)
        else:
            sheet.write_string(row, column, theme, fmt.head)
        for indicator in members:
            sheet.write_string(row + 1, column, f"{indicator['indicator_name']} "
                               f"({unit_word(indicator['unit'])})", fmt.head)
            sheet.write_string(row + 2, column, indicator["indicator_code"], fmt.code)
            sheet.set_column(column, column, 14)
            ordered.append(indicator)
            column += 1
    return ordered


def _total_rows(sheet, fmt: _Formats, row: int, label: str, ordered: list[dict],
                totals: dict, flags: dict, unit_code: str, first_column: int) -> None:
    """The total row (bold) and, under it, wards_reporting/wards_expected per indicator."""
    sheet.merge_range(row, 0, row, first_column - 1, label, fmt.bold)
    sheet.merge_range(row + 1, 0, row + 1, first_column - 1,
                      "Số phường có số liệu / phải báo cáo", fmt.text)
    for offset, indicator in enumerate(ordered):
        code = indicator["indicator_code"]
        summary = totals.get((unit_code, code))
        approx, derived = flags.get((unit_code, code), (False, False))
        value = summary["value"] if summary else None
        _write_value(sheet, row, first_column + offset, value,
                     fmt.value(indicator["unit"], True, approx, derived))
        coverage = f"{summary['wards_reporting']}/{summary['wards_expected']}" if summary \
            else ""
        sheet.write_string(row + 1, first_column + offset, coverage, fmt.center)


def _flag_lookup(flags: pl.DataFrame) -> dict[tuple[str, str], tuple[bool, bool]]:
    """(unit, indicator) -> (approximate, derived); built from columns, not rows (10x faster)."""
    keys = zip(flags["unit_code"].to_list(), flags["indicator_code"].to_list(), strict=True)
    marks = zip(flags["is_approximate"].to_list(), flags["is_derived"].to_list(), strict=True)
    return dict(zip(keys, marks, strict=True))


def _comparison_sheet(book, fmt: _Formats, data: PackData, level: str,
                      unit_code: str, unit_name: str) -> None:
    """The same period of the previous year, and the change, one row per indicator."""
    sheet = book.add_worksheet("So sánh cùng kỳ")
    now, before = period_label(data.period), period_label(data.previous)
    sheet.merge_range(0, 0, 0, 6, f"SO SÁNH VỚI CÙNG KỲ: {now.upper()} VÀ {before.upper()}",
                      fmt.title)
    sheet.merge_range(1, 0, 1, 6, unit_name, fmt.subtitle)
    headers = ("STT", "Chỉ tiêu", "Đơn vị tính", now, before, "Tăng/giảm", "Tỷ lệ tăng/giảm")
    for column, header in enumerate(headers):
        sheet.write_string(3, column, header, fmt.head)
    current, previous = data.lookup(level, data.period), data.lookup(level, data.previous)
    row = 4
    for theme, members in indicator_groups(data.indicators):
        sheet.merge_range(row, 0, row, 6, theme, fmt.bold)
        row += 1
        for number, indicator in enumerate(members, 1):
            code, unit = indicator["indicator_code"], indicator["unit"]
            this = (current.get((unit_code, code)) or {}).get("value")
            last = (previous.get((unit_code, code)) or {}).get("value")
            sheet.write_number(row, 0, number, fmt.center)
            sheet.write_string(row, 1, indicator["indicator_name"], fmt.text)
            sheet.write_string(row, 2, unit_word(unit), fmt.center)
            _write_value(sheet, row, 3, this, fmt.value(unit))
            _write_value(sheet, row, 4, last, fmt.value(unit))
            _write_value(sheet, row, 5, None if this is None or last is None else this - last,
                         fmt.value(unit))
            change = percent_change(this, last)
            _write_value(sheet, row, 6, None if change is None else change / 100, fmt.percent)
            row += 1
    if previous == {}:
        sheet.merge_range(row + 1, 0, row + 1, 6, f"Chưa có số liệu {before} để so sánh.",
                          fmt.note)
    sheet.set_column(0, 0, 5)
    sheet.set_column(1, 1, 48)
    sheet.set_column(2, 2, 11)
    sheet.set_column(3, 6, 17)
    sheet.set_portrait()
    sheet.set_paper(9)
    sheet.repeat_rows(3, 3)
    sheet.fit_to_pages(1, 0)
    sheet.freeze_panes(4, 2)


def _reporting_sheet(book, fmt: _Formats, wards: pl.DataFrame, with_district: bool) -> None:
    """Which wards reported, when, with which file: mart.ward_completeness as a table (the
    city's: only the wards missing, late or with dropped values)."""
    sheet = book.add_worksheet("Tình hình báo cáo")
    headers = ["STT", "Mã phường", "Phường/xã", "Đã nhận", "Đúng hạn", "Số ngày trễ",
               "Thời điểm nhận", "Tệp được tính", "Trạng thái tệp", "Giá trị bị loại"]
    if with_district:
        headers.insert(1, "Quận/huyện")
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, fmt.head)
    for row, ward in enumerate(wards.iter_rows(named=True), 1):
        cells = [("n", row), ("s", ward["ward_code"]), ("s", ward["ward_name"] or ""),
                 ("s", "Có" if ward["is_received"] else "Chưa"),
                 ("s", "Có" if ward["is_on_time"] else "Không"),
                 ("n", ward["days_late"]), ("d", ward["received_at"]),
                 ("s", ward["file_name"] or ""), ("s", ward["file_status"] or ""),
                 ("n", ward["values_dropped"])]
        if with_district:
            cells.insert(1, ("s", ward["district_name"] or ""))
        for column, (kind, value) in enumerate(cells):
            cell_format = fmt.warn if not ward["is_received"] else fmt.text
            if value is None:
                sheet.write_blank(row, column, None, cell_format)
            elif kind == "s":
                sheet.write_string(row, column, str(value), cell_format)
            elif kind == "d":
                sheet.write_datetime(row, column, value, fmt.date)
            else:
                sheet.write_number(row, column, value, fmt.center)
    widths = [5, 10, 22, 9, 9, 9, 16, 40, 20, 10]
    if with_district:
        widths.insert(1, 18)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    _print_setup(sheet, (0, 0), (1, 4 if with_district else 3))


def sheet_groups(groups: list[tuple[str, list[dict]]]) -> list[list[tuple[str, list[dict]]]]:
    """Consecutive themes packed into sheets of at most MAX_COLUMNS indicators: a sheet of 37
    columns is unreadable on A4; each sheet fits the page width at a readable size."""
    sheets: list[list] = []
    for theme in groups:
        width = sum(len(members) for _, members in sheets[-1]) if sheets else MAX_COLUMNS
        if width + len(theme[1]) > MAX_COLUMNS:
            sheets.append([])
        sheets[-1].append(theme)
    return sheets


def _summary_sheets(book, fmt: _Formats, data: PackData, title: str, first_headers: tuple,
                    rows: list[tuple[list, dict, dict]], total_label: str, totals: dict,
                    flags: dict, unit_code: str) -> dict[str, tuple[str, int]]:
    """The "Biểu" sheets: header, one row per unit below (`rows`: leading cells, values,
    (approximate, derived) per indicator), the total row and coverage, the legend.
    Returns indicator_code -> (sheet name, column) for the charts."""
    where: dict[str, tuple[str, int]] = {}
    for number, themes in enumerate(sheet_groups(indicator_groups(data.indicators)), 1):
        name = f"Biểu {number}"
        sheet = book.add_worksheet(name)
        last_column = FIRST_COLUMNS + sum(len(members) for _, members in themes) - 1
        sheet.merge_range(0, 0, 0, last_column, "BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC MẶT TRẬN "
                          f"{period_label(data.period).upper()} (biểu {number}: "
                          f"{'; '.join(theme.lower() for theme, _ in themes)})", fmt.title)
        sheet.merge_range(1, 0, 1, last_column, title, fmt.subtitle)
        for column, header in enumerate(first_headers):
            sheet.merge_range(3, column, 5, column, header, fmt.head)
        ordered = _indicator_header(sheet, fmt, themes, 3, FIRST_COLUMNS)
        for offset, indicator in enumerate(ordered):
            where[indicator["indicator_code"]] = (name, FIRST_COLUMNS + offset)
        for column, width in enumerate((5, 8, 22, 16)):
            sheet.set_column(column, column, width)
        sheet.set_row(4, 75)
        row = 6
        for leading, values, marks in rows:
            for column, (value, cell_format) in enumerate(leading):
                if isinstance(value, (int, float)):
                    sheet.write_number(row, column, value, cell_format)
                else:
                    sheet.write_string(row, column, value or "", cell_format)
            for offset, indicator in enumerate(ordered):
                code = indicator["indicator_code"]
                approx, derived = marks.get(code, (False, False))
                _write_value(sheet, row, FIRST_COLUMNS + offset, values.get(code),
                             fmt.value(indicator["unit"], False, approx, derived))
            row += 1
        _total_rows(sheet, fmt, row, total_label, ordered, totals, flags, unit_code,
                    FIRST_COLUMNS)
        sheet.merge_range(row + 3, 0, row + 3, last_column, LEGEND, fmt.note)
        sheet.set_row(row + 3, 45)
        _print_setup(sheet, (3, 5), (6, 3))
    return where


def _dropped_sheet(book, fmt: _Formats, data: PackData, wards: pl.DataFrame) -> None:
    """Every value dropped from the files that count (V_ findings): what the ward wrote, where,
    and why, for the office to ask for a correction. Written only when there is one."""
    dropped = (data.findings.filter(pl.col("finding_code").str.starts_with("V_"))
               .join(wards.select("file_hash", "ward_name").drop_nulls("file_hash"),
                     on="file_hash", how="inner"))
    if dropped.is_empty():
        return
    names = dict(data.indicators.select("indicator_code", "indicator_name").iter_rows())
    sheet = book.add_worksheet("Giá trị bị loại")
    headers = ("Phường/xã", "Tệp", "Trang tính", "Dòng", "Cột", "Chỉ tiêu", "Nội dung ghi",
               "Lý do")
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, fmt.head)
    for row, finding in enumerate(dropped.iter_rows(named=True), 1):
        cells = (finding["ward_name"], finding["file_name"], finding["sheet"], finding["row"],
                 finding["column"], names.get(finding["indicator_code"],
                                              finding["indicator_code"]),
                 finding["found_text"], finding["message_vi"])
        for column, value in enumerate(cells):
            if isinstance(value, int):
                sheet.write_number(row, column, value, fmt.center)
            else:  # text from the ward's file: always a string, never a formula
                sheet.write_string(row, column, "" if value is None else str(value), fmt.text)
    for column, width in enumerate((20, 34, 12, 6, 6, 30, 30, 50)):
        sheet.set_column(column, column, width)
    _print_setup(sheet, (0, 0), (1, 1))


def write_district_workbook(path: Path, data: PackData, district_code: str,
                            flags: pl.DataFrame) -> Path:
    """The district's "Biểu tổng hợp": one row per ward in official order and the total row
    (= mart.district_summary), then the comparison and reporting sheets."""
    wards = data.ward_completeness.filter(pl.col("district_code") == district_code)
    district_name = wards["district_name"][0]
    book, fmt = _new_book(path)
    received = int(wards["is_received"].sum())
    rows = []
    for ward in ward_rows(data.ward_values, data.ward_completeness, district_code):
        name_format = fmt.warn if ward["status"] else fmt.text
        leading = [(ward["ward_order"], fmt.center), (ward["ward_code"], fmt.center),
                   (ward["ward_name"], name_format), (ward["status"], name_format)]
        marks = {code: (code in ward["approximate"], code in ward["derived"])
                 for code in ward["values"]}
        rows.append((leading, ward["values"], marks))
    _summary_sheets(book, fmt, data, f"Ủy ban MTTQ Việt Nam {district_name} — số liệu từ "
                    f"{received}/{wards.height} phường đã gửi báo cáo",
                    ("STT", "Mã phường", "Phường/xã", "Tình trạng báo cáo"), rows,
                    f"Tổng cộng {district_name}",
                    data.lookup("district", data.period), _flag_lookup(flags),
                    district_code)
    _comparison_sheet(book, fmt, data, "district", district_code, district_name)
    _reporting_sheet(book, fmt, wards, with_district=False)
    _dropped_sheet(book, fmt, data, wards)
    book.close()
    return path


def write_city_workbook(path: Path, data: PackData, city_code: str, city_name: str,
                        flags: pl.DataFrame) -> Path:
    """The city's workbook: one row per district and the city total (= mart.city_summary),
    one sheet per emulation cluster ranking its districts, native charts, comparison sheet."""
    book, fmt = _new_book(path)
    wards = data.ward_completeness.filter(pl.col("province_code") == city_code)
    districts = (wards.filter(pl.col("district_code").is_not_null())
                 .group_by("district_code", "district_name", maintain_order=True)
                 .agg(pl.col("is_received").sum().alias("received"),
                      pl.len().alias("expected"))
                 .sort("district_code"))
    lookup, flag_lookup = data.lookup("district", data.period), _flag_lookup(flags)
    codes = data.indicators["indicator_code"].to_list()
    rows = []
    for number, district in enumerate(districts.iter_rows(named=True), 1):
        code = district["district_code"]
        missing = district["received"] < district["expected"]
        leading = [(number, fmt.center), (code, fmt.center),
                   (district["district_name"], fmt.text),
                   (f"{district['received']}/{district['expected']}",
                    fmt.warn if missing else fmt.center)]
        values = {c: (lookup.get((code, c)) or {}).get("value") for c in codes}
        marks = {c: flag_lookup.get((code, c), (False, False)) for c in codes}
        rows.append((leading, values, marks))
    total_received = int(wards["is_received"].sum())
    where = _summary_sheets(
        book, fmt, data, f"Ủy ban MTTQ Việt Nam {city_name} — số liệu từ {total_received}/"
        f"{wards.height} phường, xã, thị trấn",
        ("STT", "Mã", "Quận/huyện/thị xã", "Số phường đã gửi / phải gửi"), rows,
        f"Tổng cộng {city_name}", data.lookup("city", data.period), flag_lookup,
        city_code)
    ordered = [ind for _, members in indicator_groups(data.indicators) for ind in members]
    own_clusters = data.clusters.filter(pl.col("district_code").is_in(
        districts["district_code"].implode()))
    rankings = cluster_rankings(data.district_summary, data.clusters, data.period)
    names = dict(districts.select("district_code", "district_name").iter_rows())
    for cluster_code, members in own_clusters.group_by("cluster_code", maintain_order=True):
        _cluster_sheet(book, fmt, data, cluster_code[0], members["cluster_name"][0], ordered,
                       rankings.get(cluster_code[0], {}), names)
    _charts_sheet(book, fmt, data, city_code, ordered, where, 6, 5 + len(rows))
    _comparison_sheet(book, fmt, data, "city", city_code, city_name)
    # the city's office follows up the exceptions: wards missing, late or with dropped values
    _reporting_sheet(book, fmt, wards.filter(~pl.col("is_received") | ~pl.col("is_on_time")
                                             | (pl.col("file_status") == "accepted_with_errors")),
                     with_district=True)
    book.close()
    return path


def _cluster_sheet(book, fmt: _Formats, data: PackData, cluster_code: str, cluster_name: str,
                   ordered: list[dict], rankings: dict[str, list[dict]],
                   names: dict[str, str]) -> None:
    """The cluster's districts ranked per indicator: one row per indicator, a value and a rank
    column per district (highest first is 1; ties share the rank; no value, no rank)."""
    sheet = book.add_worksheet(cluster_name[:31])
    members = data.clusters.filter(pl.col("cluster_code") == cluster_code)["district_code"]
    districts = [code for code in sorted(members) if code in names]
    last = 1 + 2 * len(districts)
    sheet.merge_range(0, 0, 0, last, f"{cluster_name.upper()}: XẾP HẠNG CÁC QUẬN, HUYỆN "
                      f"{period_label(data.period).upper()}", fmt.title)
    sheet.merge_range(2, 0, 3, 0, "Chỉ tiêu", fmt.head)
    sheet.merge_range(2, 1, 3, 1, "Đơn vị tính", fmt.head)
    for i, code in enumerate(districts):
        sheet.merge_range(2, 2 + 2 * i, 2, 3 + 2 * i, names[code], fmt.head)
        sheet.write_string(3, 2 + 2 * i, "Kết quả", fmt.head)
        sheet.write_string(3, 3 + 2 * i, "Hạng", fmt.head)
    for row, indicator in enumerate(ordered, 4):
        by_district = {r["unit_code"]: r for r in rankings.get(indicator["indicator_code"], [])}
        sheet.write_string(row, 0, indicator["indicator_name"], fmt.text)
        sheet.write_string(row, 1, unit_word(indicator["unit"]), fmt.center)
        for i, code in enumerate(districts):
            found = by_district.get(code) or {}
            value = found.get("value")
            _write_value(sheet, row, 2 + 2 * i, value, fmt.value(indicator["unit"]))
            _write_value(sheet, row, 3 + 2 * i, found.get("rank") if value is not None
                         else None, fmt.center)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 9)
    sheet.set_column(2, last, 13)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.repeat_rows(2, 3)
    sheet.fit_to_pages(1, 0)
    sheet.freeze_panes(4, 2)


def _charts_sheet(book, fmt: _Formats, data: PackData, city_code: str, ordered: list[dict],
                  where: dict[str, tuple[str, int]], first_row: int, last_row: int) -> None:
    """Native Excel charts: districts compared on the main indicators (from the summary
    sheet's cells), and the city's quarters of the year (from a small table here)."""
    sheet = book.add_worksheet("Biểu đồ")
    sheet.write_string(0, 0, f"BIỂU ĐỒ {period_label(data.period).upper()}", fmt.title)
    names = {ind["indicator_code"]: ind for ind in ordered}
    main = [code for code in MAIN_INDICATORS if code in where]
    chart_row = 2
    for code in main:
        chart = book.add_chart({"type": "column"})
        chart.add_series({
            "name": names[code]["indicator_name"],
            "categories": [where[code][0], first_row, 2, last_row, 2],
            "values": [where[code][0], first_row, where[code][1], last_row, where[code][1]],
            "fill": {"color": "#2F5597"},
        })
        chart.set_title({"name": f"{names[code]['indicator_name']} "
                                 f"({unit_word(names[code]['unit'])}) theo quận, huyện"})
        chart.set_legend({"none": True})
        chart.set_x_axis({"num_font": {"rotation": -60, "size": 7}})
        chart.set_y_axis({"num_format": "#,##0"})
        chart.set_size({"width": 960, "height": 320})
        sheet.insert_chart(chart_row, 0, chart)
        chart_row += 17
    # the quarter trend: a small table of the city's quarters of the year up to the period's
    # end, then one chart per indicator
    quarters = quarters_to(data.period)
    table_row = chart_row
    span = quarters_span_label(data.period)
    sheet.write_string(table_row, 0, f"Số liệu toàn thành phố theo quý, {span}", fmt.bold)
    sheet.write_string(table_row + 1, 0, "Chỉ tiêu", fmt.head)
    for i, quarter in enumerate(quarters):
        sheet.write_string(table_row + 1, 1 + i, period_label(quarter), fmt.head)
    for j, code in enumerate(main):
        sheet.write_string(table_row + 2 + j, 0, names[code]["indicator_name"], fmt.text)
        for i, quarter in enumerate(quarters):
            summary = data.lookup("city", quarter).get((city_code, code))
            _write_value(sheet, table_row + 2 + j, 1 + i, summary["value"] if summary else None,
                         fmt.value(names[code]["unit"]))
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 4, 16)
    chart_row = table_row + 3 + len(main)
    for j, code in enumerate(main):
        chart = book.add_chart({"type": "line"})
        chart.add_series({
            "name": names[code]["indicator_name"],
            "categories": ["Biểu đồ", table_row + 1, 1, table_row + 1, len(quarters)],
            "values": ["Biểu đồ", table_row + 2 + j, 1, table_row + 2 + j, len(quarters)],
            "marker": {"type": "circle"},
        })
        chart.set_title({"name": f"{names[code]['indicator_name']} toàn thành phố theo quý, "
                                 f"{span}"})
        chart.set_legend({"none": True})
        chart.set_y_axis({"num_format": "#,##0"})
        chart.set_size({"width": 640, "height": 280})
        sheet.insert_chart(chart_row, 0, chart)
        chart_row += 15
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
