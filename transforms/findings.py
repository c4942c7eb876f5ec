"""The catalog of stable finding codes, with the Vietnamese and English words operators read.

Codes never change meaning once published: operators and analysts filter on them. Prefixes:
`F_` rejects the whole file, `V_` drops one value, `R_` is a rule or plausibility finding on
values that are kept, `I_` is information (duplicates, supersession, lateness).
Rule codes from `warehouse/reference/rules.csv` (R_...) carry their own messages.
"""

from typing import Any

import polars as pl

from transforms.schema import FINDINGS

# code -> (severity, message_vi, message_en); placeholders are filled from keyword arguments.
CATALOG: dict[str, tuple[str, str, str]] = {
    # --- file level: the file is rejected (and kept in the archive) ---
    "F_UNSUPPORTED_TYPE": (
        "error",
        "Loại tệp '{found}' không được hỗ trợ. Hãy gửi tệp Excel (.xlsx) theo mẫu, hoặc "
        ".csv/.json.",
        "File type '{found}' is not supported. Send the Excel template (.xlsx), or .csv/.json.",
    ),
    "F_UNREADABLE": (
        "error",
        "Không mở được tệp. Tệp có thể bị hỏng hoặc không đúng định dạng; hãy mở lại bằng "
        "Excel, lưu dạng .xlsx và gửi lại. (Chi tiết kỹ thuật: {found})",
        "The file cannot be opened. It may be damaged or mislabelled; open it in Excel, save "
        "as .xlsx and send it again. (Technical detail: {found})",
    ),
    "F_NO_TABLE": (
        "error",
        "Không tìm thấy bảng chỉ tiêu (dòng tiêu đề có cột 'Mã chỉ tiêu' hoặc 'Chỉ tiêu' và "
        "'Kết quả'). Hãy dùng mẫu báo cáo do `mttq template` tạo ra.",
        "No indicator table found (a header row with 'Mã chỉ tiêu' or 'Chỉ tiêu' and "
        "'Kết quả'). Use the template made by `mttq template`.",
    ),
    "F_MISSING_COLUMNS": (
        "error",
        "Thiếu cột bắt buộc: {found}. Dòng đầu tệp CSV phải có các cột ma_don_vi, ky_bao_cao, "
        "ma_chi_tieu, gia_tri; hãy thêm rồi gửi lại.",
        "Required columns are missing: {found}. The first line of a CSV must name the columns "
        "ma_don_vi, ky_bao_cao, ma_chi_tieu, gia_tri; add them and send it again.",
    ),
    "F_BAD_JSON": (
        "error",
        "Tệp JSON không hợp lệ ({found}). Cần một đối tượng với các khóa ma_don_vi, ky_bao_cao "
        "và chi_tieu (mã chỉ tiêu: giá trị); hãy sửa rồi gửi lại.",
        "The JSON file is not valid ({found}). It needs one object with the keys ma_don_vi, "
        "ky_bao_cao and chi_tieu (indicator code: value); fix it and send it again.",
    ),
    "F_NO_VALUES": (
        "error",
        "Tệp không có số liệu hợp lệ nào (cột 'Kết quả' để trống, hoặc mọi giá trị đều lỗi như "
        "liệt kê). Hãy điền số vào cột 'Kết quả' rồi gửi lại.",
        "The file holds no valid figure (the 'Kết quả' column is empty, or every value is in "
        "error as listed). Fill in the 'Kết quả' column and send it again.",
    ),
    "F_WARD_MISSING": (
        "error",
        "Thiếu 'Mã đơn vị' và 'Đơn vị báo cáo'. Hãy ghi mã phường/xã (5 chữ số) hoặc tên "
        "phường/xã vào ô bên cạnh nhãn (CSV/JSON: ma_don_vi).",
        "Neither 'Mã đơn vị' nor 'Đơn vị báo cáo' is filled in. Write the 5-digit ward code or "
        "the ward's name in the cell next to the label (CSV/JSON: ma_don_vi).",
    ),
    "F_WARD_UNKNOWN": (
        "error",
        "Không tìm thấy đơn vị '{found}' trong danh mục đơn vị hành chính của kỳ báo cáo. "
        "Gần giống nhất: {candidates}. Hãy sửa mã/tên đơn vị.",
        "Unit '{found}' is not in the list of administrative units for the period. "
        "Closest: {candidates}. Correct the unit code or name.",
    ),
    "F_WARD_AMBIGUOUS": (
        "error",
        "Tên đơn vị '{found}' trùng với nhiều phường/xã: {candidates}. Hãy ghi 'Mã đơn vị' "
        "hoặc 'Quận/Huyện'.",
        "Unit name '{found}' matches several wards: {candidates}. Write 'Mã đơn vị' or "
        "'Quận/Huyện'.",
    ),
    "F_WARD_MISMATCH": (
        "error",
        "Mã đơn vị và tên (hoặc quận/huyện) không cùng một phường/xã: mã '{written_code}' là "
        "{by_code}, còn '{found}' là {candidates} (ô {cells}). Hãy sửa ô ghi sai cho đúng "
        "phường/xã của mình rồi gửi lại; tệp chưa được tính.",
        "The unit code and the name (or district) name different wards: code "
        "'{written_code}' is {by_code}, while '{found}' is {candidates} (cells {cells}). "
        "Correct the wrong cell to your own ward and send the file again; it was not counted.",
    ),
    "F_PERIOD_MISSING": (
        "error",
        "Thiếu 'Kỳ báo cáo'. Hãy ghi kỳ vào ô bên cạnh nhãn 'Kỳ báo cáo' (CSV/JSON: "
        "ky_bao_cao), ví dụ 'Quý III/2021' hoặc '6 tháng đầu năm 2022'.",
        "'Kỳ báo cáo' (period) is missing. Write it in the cell next to the 'Kỳ báo cáo' label "
        "(CSV/JSON: ky_bao_cao), e.g. 'Quý III/2021' or '6 tháng đầu năm 2022'.",
    ),
    "F_PERIOD_INVALID": (
        "error",
        "Không hiểu kỳ báo cáo '{found}'. Hãy ghi ví dụ 'Quý III/2021', '9 tháng năm 2021', "
        "'Năm 2021'.",
        "Period '{found}' is not understood. Write e.g. 'Quý III/2021', '9 tháng năm 2021', "
        "'Năm 2021'.",
    ),
    # --- value level: the value is dropped, the rest of the file is kept ---
    "V_NOT_A_NUMBER": (
        "error",
        "Giá trị '{found}' không phải là số. Hãy ghi số, ví dụ '1.084', '10,4 triệu'; để trống "
        "nếu không có số liệu.",
        "Value '{found}' is not a number. Write a number such as '1.084' or '10,4 triệu'; "
        "leave it blank when there is no figure.",
    ),
    "V_NEGATIVE": (
        "error",
        "Giá trị '{found}' là số âm; chỉ tiêu này không thể âm. Hãy ghi số từ 0 trở lên.",
        "Value '{found}' is negative; this indicator cannot be negative. Write 0 or more.",
    ),
    "V_NOT_WHOLE": (
        "error",
        "Giá trị '{found}' phải là số nguyên (đơn vị: {unit}). Hãy ghi số nguyên, ví dụ '12'.",
        "Value '{found}' must be a whole number (unit: {unit}). Write a whole number, e.g. '12'.",
    ),
    "V_BAD_UNIT": (
        "error",
        "Giá trị '{found}' ghi đơn vị không dùng được cho chỉ tiêu tính bằng '{unit}'. Hãy ghi "
        "số theo đơn vị '{unit}' và sửa cột 'Đơn vị tính' cho khớp.",
        "Value '{found}' is written in a unit that cannot be used for an indicator measured in "
        "'{unit}'. Write the figure in '{unit}' and make the 'Đơn vị tính' column match.",
    ),
    "V_PERCENT_OUT_OF_RANGE": (
        "error",
        "Tỷ lệ '{found}' nằm ngoài khoảng 0–100%. Hãy ghi tỷ lệ phần trăm từ 0 đến 100, ví dụ "
        "'98%'.",
        "Rate '{found}' is outside 0–100%. Write a percentage from 0 to 100, e.g. '98%'.",
    ),
    "V_UNKNOWN_INDICATOR": (
        "error",
        "Chỉ tiêu '{found}' không có trong danh mục chỉ tiêu nên giá trị ở dòng này không được "
        "nhận. Hãy ghi mã hoặc tên chỉ tiêu đúng như mẫu (`mttq template`), hoặc xóa dòng này.",
        "Indicator '{found}' is not in the indicator catalog, so the value on this row is not "
        "taken. Use the code or name exactly as in the template (`mttq template`), or delete "
        "the row.",
    ),
    "V_DUPLICATE_INDICATOR": (
        "error",
        "Chỉ tiêu '{found}' xuất hiện nhiều lần; chỉ lấy lần đầu. Hãy xóa dòng thừa hoặc cộng "
        "gộp vào một dòng.",
        "Indicator '{found}' appears more than once; only the first is kept. Delete the extra "
        "row or add the figures into one row.",
    ),
    # --- rules and plausibility: values are kept, the finding is reported ---
    "R_CUMULATIVE_BELOW_QUARTERS": (
        "warning",
        "Số lũy kế kỳ {period} ({lhs}) nhỏ hơn tổng các quý đã báo cáo ({rhs}).",
        "The cumulative figure for {period} ({lhs}) is below the sum of the reported quarters "
        "({rhs}).",
    ),
    "R_CUMULATIVE_DISAGREES": (
        "info",
        "Số lũy kế kỳ {period} ({lhs}) khác tổng các quý ({rhs}); số lũy kế được dùng làm số "
        "chính thức.",
        "The cumulative figure for {period} ({lhs}) differs from the sum of its quarters "
        "({rhs}); the cumulative report is the official figure.",
    ),
    "R_DERIVED_NEGATIVE": (
        "warning",
        "Không suy ra được quý {period}: số lũy kế ({lhs}) nhỏ hơn các quý trước ({rhs}).",
        "Quarter {period} cannot be derived: the cumulative figure ({lhs}) is below the earlier "
        "quarters ({rhs}).",
    ),
    "R_OUTLIER": (
        "warning",
        "Giá trị {lhs} khác thường so với các kỳ trước của phường và các phường cùng quận "
        "(thường khoảng {rhs}). Hãy kiểm tra lại.",
        "Value {lhs} is unusual against the ward's history and its district's other wards "
        "(typically about {rhs}). Please check it.",
    ),
    # --- information ---
    "I_DUPLICATE": (
        "info",
        "Tệp trùng nội dung với tệp đã nhận '{found}'; không nạp lại.",
        "Same content as the file already received '{found}'; not loaded again.",
    ),
    "I_SUPERSEDED": (
        "info",
        "Đã có báo cáo mới hơn cho cùng phường và kỳ ('{found}'); tệp này được lưu nhưng không "
        "dùng.",
        "A newer report for the same ward and period exists ('{found}'); this file is kept but "
        "not used.",
    ),
    "I_APPROXIMATE": (
        "info",
        "Giá trị '{found}' là số ước lượng ('trên', 'gần', 'khoảng'...); được ghi nhận là gần "
        "đúng. Nếu là số chính xác, hãy bỏ chữ 'trên'/'gần'/'khoảng'.",
        "Value '{found}' is approximate ('trên', 'gần', 'khoảng'...); recorded as approximate. "
        "If the figure is exact, drop the word 'trên'/'gần'/'khoảng'.",
    ),
    "I_RATIO_IGNORED": (
        "info",
        "Tỷ lệ do phường tự ghi chỉ để tham khảo; hệ thống tự tính lại tỷ lệ. Không cần sửa.",
        "A rate written by the ward is for information only; the pipeline recomputes it. "
        "Nothing to fix.",
    ),
    # --- appended for ingestion (issue 3) ---
    "F_EMPTY_FILE": (
        "error",
        "Tệp rỗng, không có nội dung. Có thể tệp bị lỗi khi tải về từ e-mail/Zalo; hãy kiểm "
        "tra lại tệp và gửi lại.",
        "The file is empty. It may have been damaged when downloaded from e-mail/Zalo; check "
        "the file and send it again.",
    ),
    "F_WRONG_FORMAT": (
        "error",
        "Nội dung tệp không khớp với đuôi tên tệp ({found}). Hãy mở tệp bằng Excel, chọn "
        "'Lưu thành' (Save As) kiểu 'Excel Workbook (*.xlsx)' rồi gửi lại.",
        "The file's content does not match its extension ({found}). Open it in Excel, choose "
        "Save As 'Excel Workbook (*.xlsx)' and send it again.",
    ),
    "F_PASSWORD_PROTECTED": (
        "error",
        "Tệp Excel có đặt mật khẩu nên không đọc được. Hãy mở tệp, gỡ mật khẩu (File > Info > "
        "Protect Workbook > Encrypt with Password, xóa mật khẩu), lưu và gửi lại.",
        "The Excel file is password-protected and cannot be read. Open it, remove the password "
        "(File > Info > Protect Workbook > Encrypt with Password, clear it), save and send it "
        "again.",
    ),
    "F_MIXED_SUBMISSION": (
        "error",
        "Tệp chứa báo cáo của nhiều đơn vị hoặc nhiều kỳ ({found}). Mỗi tệp chỉ gồm một "
        "phường/xã và một kỳ báo cáo; hãy tách thành các tệp riêng rồi gửi lại.",
        "The file holds reports of several wards or periods ({found}). One file holds one ward "
        "and one period; split it into separate files and send them again.",
    ),
    "F_STRICT_VALUE_ERRORS": (
        "error",
        "Tệp bị từ chối vì có {count} giá trị lỗi (chế độ kiểm tra nghiêm ngặt --strict: một "
        "giá trị lỗi là từ chối cả tệp). Hãy sửa các giá trị được liệt kê rồi gửi lại.",
        "The file is rejected because {count} value(s) are in error (strict mode, --strict: "
        "any bad value rejects the whole file). Fix the values listed and send it again.",
    ),
    "F_NOT_FOUND": (
        "error",
        "Không tìm thấy tệp '{found}'. Hãy kiểm tra tên và đường dẫn của tệp.",
        "File '{found}' was not found. Check the file's name and path.",
    ),
    "V_TOO_LARGE": (
        "error",
        "Giá trị '{found}' quá lớn (từ 10^15 trở lên theo đơn vị '{unit}'), có lẽ gõ nhầm. Hãy "
        "kiểm tra lại số và cột 'Đơn vị tính'.",
        "Value '{found}' is too large (10^15 or more in '{unit}'), probably a typing error. "
        "Check the figure and the 'Đơn vị tính' column.",
    ),
    "I_REPORT_DATE_INVALID": (
        "info",
        "Không hiểu 'Ngày lập' '{found}'; nếu phường gửi lại báo cáo, bản nhận sau sẽ được "
        "dùng. Hãy ghi ngày dạng 05/10/2021.",
        "'Ngày lập' (report date) '{found}' is not understood; if the ward resends, the file "
        "received last is used. Write the date as 05/10/2021.",
    ),
    # --- appended by transforms/cumulative.py and transforms/rollup.py ---
    "R_CUMULATIVE_STOCK_DISAGREES": (
        "info",
        "Số lũy kế kỳ {period} ({lhs}) khác số của quý cuối kỳ ({rhs}); số lũy kế được dùng làm "
        "số chính thức.",
        "The cumulative figure for {period} ({lhs}) differs from the figure of its last quarter "
        "({rhs}); the cumulative report is the official figure.",
    ),
    "I_WARD_NOT_IN_HIERARCHY": (
        "info",
        "Phường/xã {ward_code} không thuộc danh mục đơn vị hiệu lực vào ngày cuối kỳ {period}; "
        "số liệu kỳ này của đơn vị không được cộng vào tổng hợp.",
        "Ward {ward_code} is not in the units valid at the end of {period}; its figures for that "
        "period are left out of the summaries.",
    ),
    # --- the inbox is a boundary (issue 12) and every office format is read (issue 11) ---
    "I_SKIPPED_LOCK_FILE": (
        "info",
        "Tệp khóa của Office (~$...), do Excel/LibreOffice tạo ra khi đang mở một bảng tính: đã "
        "ghi nhận và lưu trữ, không phải báo cáo nên bỏ qua. Không cần làm gì; hãy đóng bảng "
        "tính trước khi chép vào hộp thư.",
        "An Office lock file (~$...), written by Excel/LibreOffice while a workbook is open: "
        "recorded and archived, skipped as it is not a report. Nothing to do; close the "
        "workbook before copying it into the inbox.",
    ),
    "I_SKIPPED_SYSTEM_FILE": (
        "info",
        "Tệp hệ thống do Windows/macOS tạo ra (Thumbs.db, .DS_Store, ._...): đã ghi nhận và "
        "lưu trữ, không phải báo cáo nên bỏ qua.",
        "A system file written by Windows/macOS (Thumbs.db, .DS_Store, ._...): recorded and "
        "archived, skipped as it is not a report.",
    ),
    "F_SYMLINK": (
        "error",
        "Đây là liên kết (symlink) tới '{found}', không phải tệp: hộp thư chỉ đọc tệp thật nằm "
        "trong nó, nên không mở đích của liên kết. Hãy chép chính tệp báo cáo vào hộp thư.",
        "This is a link (symlink) to '{found}', not a file: the inbox reads only real files "
        "inside it, so the link's target was not opened. Copy the report file itself into the "
        "inbox.",
    ),
    "F_SPECIAL_FILE": (
        "error",
        "Đây không phải tệp thường ({found}): không đọc. Hãy chép tệp báo cáo vào hộp thư.",
        "This is not a regular file ({found}): not read. Copy the report file into the inbox.",
    ),
    "F_UNREADABLE_FILE": (
        "error",
        "Không đọc được tệp trên đĩa ({found}): có thể do quyền truy cập hoặc lỗi đĩa. Hãy cấp "
        "quyền đọc cho tài khoản chạy mttq (ví dụ `chmod a+r TỆP`) hoặc chép lại tệp; lần chạy "
        "sau sẽ đọc lại.",
        "The file cannot be read from disk ({found}): a permission or a disk error. Give the "
        "account that runs mttq read access (e.g. `chmod a+r FILE`) or copy the file again; "
        "the next run reads it again.",
    ),
    "F_FILE_TOO_LARGE": (
        "error",
        "Tệp quá lớn ({found}): một báo cáo theo mẫu chỉ vài chục KB. Tệp đã được lưu trữ nhưng "
        "không đọc. Hãy gửi báo cáo theo mẫu `mttq template` (người quản trị có thể nâng giới "
        "hạn bằng MTTQ_MAX_FILE_MB).",
        "The file is too large ({found}): a filled template is a few dozen KB. It was archived "
        "but not read. Send the report on the `mttq template` form (an administrator can raise "
        "the limit with MTTQ_MAX_FILE_MB).",
    ),
    "F_ZIP_TOO_LARGE": (
        "error",
        "Bảng tính nén khi giải nén sẽ quá lớn ({found}; giới hạn MTTQ_MAX_UNPACKED_MB và "
        "MTTQ_MAX_COMPRESSION_RATIO): không mở, để bảo vệ máy chủ. Hãy mở tệp bằng Excel, xóa "
        "các dòng/trang thừa, lưu lại và gửi lại.",
        "The workbook would unpack to too much ({found}; limits MTTQ_MAX_UNPACKED_MB and "
        "MTTQ_MAX_COMPRESSION_RATIO): not opened, to protect the server. Open it in Excel, "
        "delete the extra rows/sheets, save and send it again.",
    ),
    "F_TOO_MANY_ROWS": (
        "error",
        "Tệp có quá nhiều dòng ({found}; giới hạn MTTQ_MAX_ROWS): một báo cáo chỉ có vài chục "
        "chỉ tiêu. Hãy xóa các dòng thừa hoặc tách tệp theo từng phường/xã và kỳ, rồi gửi lại.",
        "The file has too many rows ({found}; limit MTTQ_MAX_ROWS): a report has a few dozen "
        "indicators. Delete the extra rows or split the file per ward and period, then send "
        "it again.",
    ),
    "F_CHANGED_WHILE_READING": (
        "error",
        "Tệp bị ghi đè trong lúc lần chạy đang đọc (có người vừa lưu lại tệp): lần này không "
        "đọc; lần chạy sau sẽ đọc bản mới. Không cần làm gì, hoặc chạy lại `mttq run`.",
        "The file was saved again while the run was reading it: not read this time; the next "
        "run reads the new version. Nothing to do, or run `mttq run` again.",
    ),
    "I_FINDINGS_TRUNCATED": (
        "info",
        "Còn {count} lỗi/ghi chú khác của tệp này không được liệt kê (chỉ hiện {limit} mục "
        "đầu; MTTQ_MAX_FINDINGS_PER_FILE). Hãy sửa các lỗi trên rồi kiểm tra lại bằng "
        "`mttq validate TỆP`.",
        "{count} more findings of this file are not listed (only the first {limit}; "
        "MTTQ_MAX_FINDINGS_PER_FILE). Fix the ones above, then check again with "
        "`mttq validate FILE`.",
    ),
}


MAX_QUOTED = 120  # characters of a file's text quoted back in a finding


def quoted(text: str) -> str:
    """Text from a file as a finding quotes it: a 400-digit number or a pasted page is cut."""
    if len(text) <= MAX_QUOTED:
        return text
    return f"{text[:MAX_QUOTED]}… (+{len(text) - MAX_QUOTED})"


class _Blank(dict):
    """Leaves unknown placeholders visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def make_finding(code: str, **fields: Any) -> dict[str, Any]:
    """A FINDINGS row for `code`; message placeholders come from `fields`.

    Keyword arguments named like FINDINGS columns (file_hash, sheet, row, ...) fill those
    columns; `found` fills `found_text`; the rest only feed the message templates.
    """
    severity, vi, en = CATALOG[code]
    if fields.get("found") is not None and len(str(fields["found"])) > MAX_QUOTED:
        fields["found"] = quoted(str(fields["found"]))
    values = _Blank({k: "" if v is None else v for k, v in fields.items()})
    row = {column: fields.get(column) for column in FINDINGS}
    row.update(
        finding_code=code,
        severity=severity,
        message_vi=vi.format_map(values),
        message_en=en.format_map(values),
        found_text=None if fields.get("found") is None else str(fields["found"]),
    )
    return row


def findings_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows from `make_finding` as a FINDINGS frame."""
    return pl.DataFrame(rows, schema=FINDINGS)


def place_words(sheet: str | None, row: int | None, column: str | None) -> tuple[str, str]:
    """Where in a file: (`trang 'Báo cáo', dòng 29, cột E`, `sheet 'Báo cáo', row 29, column E`)."""
    vi, en = [], []
    if sheet:
        vi.append(f"trang '{sheet}'")
        en.append(f"sheet '{sheet}'")
    if row is not None:
        vi.append(f"dòng {row}")
        en.append(f"row {row}")
    if column:
        vi.append(f"cột {column}")
        en.append(f"column {column}")
    return (", ".join(vi) or "cả tệp", ", ".join(en) or "whole file")


def describe_place(sheet: str | None, row: int | None, column: str | None) -> str:
    """Where in a file, Vietnamese first: `trang 'Báo cáo', dòng 12, cột E / sheet 'Báo cáo',
    row 12, column E`."""
    return " / ".join(place_words(sheet, row, column))


def cap_findings(findings: pl.DataFrame, limit: int) -> pl.DataFrame:
    """At most `limit` findings per file, in their order (file-level ones come first); the
    rest of a file's are counted in one I_FINDINGS_TRUNCATED row. Findings with no file
    (about aggregates) are kept."""
    per_file = pl.int_range(pl.len()).over("file_hash")
    ranked = findings.with_columns(per_file.alias("_rank"),
                                   pl.len().over("file_hash").alias("_total"))
    over = ranked.filter(pl.col("file_hash").is_not_null() & (pl.col("_total") > limit))
    if over.is_empty():
        return findings
    kept = ranked.filter(pl.col("file_hash").is_null() | (pl.col("_rank") < limit))
    summaries = findings_frame([
        {**make_finding("I_FINDINGS_TRUNCATED", file_hash=row["file_hash"],
                        count=row["_total"] - limit, limit=limit, found=row["_total"]),
         "file_name": row["file_name"], "ward_code": row["ward_code"], "period": row["period"]}
        for row in over.filter(pl.col("_rank") == 0).iter_rows(named=True)
    ])
    return pl.concat([kept.drop("_rank", "_total"), summaries], how="vertical_relaxed")
