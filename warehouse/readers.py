"""Read ward submissions (xlsx / csv / json) into plain records of strings, as found.

Readers find the header block and the indicator table by their labels, not by fixed cell
addresses, so rows inserted above the table, an empty first sheet, merged cells and label
variants (case, spacing, diacritics) all read. Nothing is interpreted here beyond locating
cells: numbers, periods and wards are parsed by the pure modules in `transforms/`.

A reader returns a `Submission`. A file that cannot be read at all carries `error_code`
(F_UNREADABLE, F_NO_TABLE, ...) and `error_text`; it never raises for bad input.

Decisions:
- Only when a library fails to open a file are its bytes looked at, to say why in words: empty
  (F_EMPTY_FILE), an encrypted workbook (F_PASSWORD_PROTECTED), or content that does not match
  the extension, e.g. a CSV named .xlsx or an old .xls renamed (F_WRONG_FORMAT). Good files pay
  nothing for this.
- A table row with neither an indicator code nor a name (or only column numbers such as
  `(2)`, `B`) is not an indicator row (the `(1) (2) (3)` row under the header, a signature
  block): it is skipped.
- A CSV is one ward and one period: a second ward code or period in it rejects the file
  (F_MIXED_SUBMISSION, naming the line), rather than guessing which rows to keep.
- A CSV that is not UTF-8 is read as Windows-1258 (what Excel's plain "Save as CSV" writes on a
  Vietnamese Windows); UTF-16 with a BOM ("Unicode text") is read too; `,`, `;` or tab separated.
- A JSON value that is not a finite number (`1e400`) is kept as text, so it is reported, not
  summed; a JSON list holding one report is that report, several reports are F_MIXED_SUBMISSION.
- Where each header field was found is kept (`*_cell`: "row:column"), so that a rejection for an
  unknown ward or period points at the cell.
- .xls, .ods and .xlsb are read by the same label-based reader as .xlsx (fastexcel opens them
  all); their `file_format` says which they were.
- Resources are bounded before anything is parsed (ReadLimits, settings MTTQ_MAX_*): a file
  larger than the size limit is archived by streaming and rejected (F_FILE_TOO_LARGE) unread;
  a zipped workbook (.xlsx, .xlsm, .xlsb, .ods) whose directory declares more unpacked bytes,
  or a higher compression ratio, than allowed is rejected before it is inflated
  (F_ZIP_TOO_LARGE); a sheet, CSV or JSON with more rows than the row limit is rejected
  (F_TOO_MANY_ROWS) after reading at most that many rows plus one.
- A read that fails on the inbox file (permission, I/O) is that file's finding
  (F_UNREADABLE_FILE); a failure writing the archive is the data dir's, and fails the run.
- A file saved again between the scan and the read (its bytes no longer have the scanned
  hash) is rejected F_CHANGED_WHILE_READING and not archived under a hash that is not its
  own; its change time moved, so the next run hashes and reads it as a new file.
"""

import csv
import io
import json
import math
import os
import re
import stat
import string
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

import fastexcel
import polars as pl

from transforms.period_parser import parse_period
from transforms.text import fold
from warehouse.db import pause_point
from warehouse.inbox import (
    PLACEHOLDER_CODES,
    ChangedWhileReading,
    keep_copy,
    keep_copy_from,
    skip_reason,
)

# Header block labels (folded) -> header field. A label matches when the folded cell text
# equals it or starts with it ("Mã đơn vị (5 số):" -> "madonvi5so").
# Labels of 5 characters or fewer must match exactly ("Đơn vị:" is the ward, "Đơn vị tính" is not).
HEADER_LABELS = {
    "madonvi": "ward_code",
    "masodonvi": "ward_code",
    "madv": "ward_code",
    "maphuong": "ward_code",  # also `Mã phường/xã`
    "maxa": "ward_code",
    "donvibaocao": "ward_name",
    "tendonvi": "ward_name",
    "donvi": "ward_name",
    "tenphuong": "ward_name",  # also `Tên phường/xã`
    "phuongxa": "ward_name",  # also `Phường/Xã/Thị trấn`
    "quanhuyen": "district_name",
    "quan": "district_name",
    "huyen": "district_name",
    "thixa": "district_name",
    "kybaocao": "period_text",
    "ky": "period_text",
    "thoigianbaocao": "period_text",
    "baocaoky": "period_text",
    "ngaylap": "report_date_text",  # also `Ngày lập báo cáo`
    "ngaybaocao": "report_date_text",
    "ngay": "report_date_text",
    "nguoilap": "author",
    "nguoibaocao": "author",
    "canbolap": "author",
}
# Table columns (folded header text) -> field; checked in order, first prefix match wins.
TABLE_COLUMNS = (
    ("stt", "row_number"),
    ("machitieu", "indicator_code"),
    ("tenchitieu", "indicator_name"),
    ("chitieu", "indicator_name"),
    ("noidung", "indicator_name"),
    ("donvitinh", "unit_text"),
    ("dvt", "unit_text"),
    ("ketqua", "value"),
    ("giatri", "value"),
    ("solieu", "value"),
    ("ghichu", "note"),
)
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES | {".csv", ".json"}
MIB = 2 ** 20


@dataclass(frozen=True)
class ReadLimits:
    """What one file may cost to read (flows/settings.py reads them from MTTQ_MAX_*)."""

    max_file_bytes: int = 20 * MIB  # a filled template is ~10 KB; a scanned PDF is not a report
    max_unpacked_bytes: int = 50 * MIB  # what a zipped workbook may inflate to
    max_compression_ratio: float = 100.0  # per member larger than 1 MiB; sheet XML: ~5-20x
    max_rows: int = 5000  # rows of a sheet, lines of a CSV, values of a JSON (a report: ~40)


DEFAULT_LIMITS = ReadLimits()


@dataclass
class Submission:
    """One file as read: its header fields and its value cells (strings as found)."""

    file_format: str
    # HEADER_FIELDS; `*_cell` fields say where the field was found, as "row:column"
    header: dict[str, str | None] = field(default_factory=dict)
    # (sheet, row, column, indicator_code, indicator_name, unit_text, value_text,
    #  value_number, note) per value cell
    cells: list[tuple] = field(default_factory=list)
    error_code: str | None = None
    error_text: str | None = None


def read_submission(path: Path, data: bytes | None = None,
                    limits: ReadLimits = DEFAULT_LIMITS) -> Submission:
    """Read any supported file (from `data` when the caller already holds its bytes);
    unsupported types come back with F_UNSUPPORTED_TYPE."""
    suffix = path.suffix.lower()
    file_format = suffix.lstrip(".") or "other"
    if suffix not in SUPPORTED_SUFFIXES:
        return Submission("other", error_code="F_UNSUPPORTED_TYPE",
                          error_text=_short_suffix(suffix) or "—")
    try:
        data = path.read_bytes() if data is None else data
        if suffix == ".csv":
            return read_csv_submission(data, limits)
        if suffix == ".json":
            return read_json_submission(data, limits)
        too_large = check_zip_directory(data, file_format, limits)
        if too_large is not None:
            return too_large
        return read_excel_submission(data, file_format, limits)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's problem
        return explain_unreadable(data, file_format, exc)


def _short_suffix(suffix: str) -> str:
    """An extension as quoted back: a 240-character one is cut."""
    return suffix if len(suffix) <= 20 else f"{suffix[:20]}… ({len(suffix)})"


def check_zip_directory(data: bytes, file_format: str, limits: ReadLimits) -> Submission | None:
    """F_ZIP_TOO_LARGE when a zipped workbook's directory declares more unpacked bytes, or a
    higher compression ratio (members over 1 MiB), than the limits: decided before inflating."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        return None  # damaged: the reader says so
    unpacked = sum(member.file_size for member in members)
    ratio = max((member.file_size / max(member.compress_size, 1) for member in members
                 if member.file_size > MIB), default=0.0)
    if unpacked > limits.max_unpacked_bytes or ratio > limits.max_compression_ratio:
        return Submission(file_format, error_code="F_ZIP_TOO_LARGE",
                          error_text=f"{unpacked / MIB:.0f} MB, ×{ratio:.0f}")
    return None


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and every encrypted workbook
ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")  # stream name inside an encrypted OOXML


class WrongFormat(Exception):
    """The bytes are another format than the extension says (found: what they really are)."""


def explain_unreadable(data: bytes | None, file_format: str, exc: Exception) -> Submission:
    """Why a file failed to open, in the words an operator can act on (looked at only on
    failure, so readable files pay nothing for it). `data` is None when the bytes could not
    even be read."""
    if isinstance(exc, WrongFormat):
        return Submission(file_format, error_code="F_WRONG_FORMAT", error_text=str(exc))
    if data is None:
        return Submission(file_format, error_code="F_UNREADABLE", error_text=_short(exc))
    if not data.strip():
        return Submission(file_format, error_code="F_EMPTY_FILE", error_text="0 byte")
    if data.startswith(OLE2_MAGIC) and ENCRYPTED_MARK in data:
        return Submission(file_format, error_code="F_PASSWORD_PROTECTED")
    kind = content_kind(data)
    if kind and kind != {"xlsm": "xlsx"}.get(file_format, file_format):
        return Submission(file_format, error_code="F_WRONG_FORMAT",
                          error_text=f".{file_format} ≠ {CONTENT_NAMES[kind]}")
    return Submission(file_format, error_code="F_UNREADABLE", error_text=_short(exc))


CONTENT_NAMES = {"xlsx": "Excel (.xlsx)", "xls": "Excel 97-2003 (.xls)", "docx": "Word (.docx)",
                 "xlsb": "Excel binary (.xlsb)", "ods": "OpenDocument (.ods)",
                 "zip": "ZIP", "pdf": "PDF", "html": "HTML", "json": "JSON", "csv": "CSV/text"}


def content_kind(data: bytes) -> str | None:
    """What the first bytes say a file is (`xlsx`, `xls`, `pdf`, `csv`...), or None."""
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError):
            return None  # a damaged archive: unreadable, whatever it was meant to be
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "content.xml" in names and "mimetype" in names:
            return "ods"
        return "docx" if "word/document.xml" in names else "zip"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    if data.startswith(b"%PDF"):
        return "pdf"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"<":
        return "html"
    if head[:1] in (b"{", b"["):
        return "json"
    if b"\x00" not in head:
        return "csv"
    return None


# --- Excel ---------------------------------------------------------------------------------

def excel_column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = string.ascii_uppercase[remainder] + letters
    return letters


def read_excel_submission(source: Path | bytes, file_format: str = "xlsx",
                          limits: ReadLimits = DEFAULT_LIMITS) -> Submission:
    """The first sheet that holds an indicator table is the report; other sheets are ignored.
    Any workbook fastexcel opens (.xlsx, .xlsm, .xls, .xlsb, .ods) is read the same way."""
    reader = fastexcel.read_excel(source)
    for index, sheet_name in enumerate(reader.sheet_names):
        # skip_rows=0: keep leading empty rows so that row indices are the sheet's own rows
        sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string",
                                  n_rows=limits.max_rows + 1)
        if sheet.height > limits.max_rows:
            return Submission(file_format, error_code="F_TOO_MANY_ROWS",
                              error_text=f"> {limits.max_rows}")
        columns = list(sheet.to_arrow().to_pydict().values())
        if not columns:
            continue
        rows = list(zip(*columns, strict=True))
        table = _find_table_header(rows)
        if table is None:
            continue
        header_row, column_map = table
        submission = Submission(file_format, header=_read_header_block(rows[:header_row]))
        submission.header["sheet_name"] = sheet_name
        _read_table(submission, sheet_name, columns, header_row, column_map,
                    partial(_numeric_cells, reader, index, column_map["value"]))
        return submission
    return Submission(file_format, error_code="F_NO_TABLE")


def _find_table_header(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """The first row naming an indicator column and a result column, and its column map."""
    for row_index, row in enumerate(rows):
        column_map: dict[str, int] = {}
        for column_index, cell in enumerate(row):
            if cell is None:
                continue
            for name in _table_fields(fold(cell)):
                if name not in column_map:
                    column_map[name] = column_index
                    break
        has_indicator = "indicator_code" in column_map or "indicator_name" in column_map
        if has_indicator and "value" in column_map:
            return row_index, column_map
    return None


@lru_cache(maxsize=4096)
def _table_fields(folded: str) -> tuple[str, ...]:
    """The table fields a folded header text may name, first choice first (cached: every
    file of a template repeats the same few header texts)."""
    return tuple(name for prefix, name in TABLE_COLUMNS if folded and folded.startswith(prefix))


def _read_header_block(rows: list[tuple]) -> dict[str, str | None]:
    """Labelled cells above the table: the value is the next non-empty cell to the right,
    or the text after ':' in the label cell itself ("Kỳ báo cáo: Quý III/2021").

    Each field found also gets `<field>_cell`, where its value is ("7:C").
    """
    header: dict[str, str | None] = {}
    for row_index, row in enumerate(rows):
        for column_index, cell in enumerate(row):
            if cell is None:
                continue
            label, _, inline_value = str(cell).partition(":")
            name = _header_field(fold(label))
            if name is None or header.get(name):
                continue
            value, value_column = inline_value.strip(), column_index
            if not value:
                value_column, value = next(
                    ((i, str(v).strip()) for i, v in enumerate(row[column_index + 1:],
                                                              start=column_index + 1)
                     if v is not None and str(v).strip()),
                    (column_index, ""),
                )
            header[name] = value or None
            header[CELL_OF[name]] = f"{row_index + 1}:{excel_column_letter(value_column)}"
            break  # one label per row
    return header


@lru_cache(maxsize=4096)
def _header_field(folded_label: str) -> str | None:
    """The header field a folded label names (cached: templates repeat the same labels)."""
    if not folded_label:
        return None
    if folded_label in HEADER_LABELS:
        return HEADER_LABELS[folded_label]
    for label, name in HEADER_LABELS.items():
        if len(label) > 5 and folded_label.startswith(label):
            return name
    return None


def _numeric_cells(reader: fastexcel.ExcelReader, sheet_index: int,
                   value_column: int) -> set[int]:
    """Row indices whose value cell Excel stores as a number (not as text).

    Loading the column as booleans makes text cells fail while numeric cells load: a cheap way
    to learn the cell types from fastexcel, so that the text "1.084" (Vietnamese: 1084) is never
    confused with the number 1.084.
    """
    batch, _errors = reader.load_sheet(
        sheet_index, header_row=None, skip_rows=0, use_columns=[value_column],
        dtypes={value_column: "boolean"},
    ).to_arrow_with_errors()
    return {i for i, v in enumerate(batch.column(0).to_pylist()) if v is not None}


def _read_table(submission: Submission, sheet_name: str, columns: list[list], header_row: int,
                column_map: dict[str, int], numeric_cells: Callable[[], set[int]]) -> None:
    """The indicator rows below the header, as Submission.cells (column by column: a sheet is
    a few dozen rows, and a call per cell was a third of the reading time).

    Which value cells Excel stores as numbers is asked of `numeric_cells` only when it matters:
    when every value is a plain run of digits, text and number read alike (the text "1084" is
    1084 as the number is), so all are taken as numbers and the sheet is not loaded a second
    time. That is the common case, and it saves about a sixth of the reading time.
    """
    first = header_row + 1
    height = len(columns[0]) - first

    def below_header(name: str) -> list[str | None]:
        index = column_map.get(name)
        if index is None:
            return [None] * height
        return [None if cell is None else (cell.strip() or None) for cell in columns[index][first:]]

    value_letter = excel_column_letter(column_map["value"])
    found = [
        (first + offset, value_text, code, name, unit_text, note)
        for offset, (value_text, code, name, unit_text, note) in enumerate(zip(
            below_header("value"), below_header("indicator_code"),
            below_header("indicator_name"), below_header("unit_text"), below_header("note"),
            strict=True))
        # blank = not reported; a row naming no indicator is the `(1) (2) (3)` row under the
        # header or a signature block
        if value_text is not None and not (_not_an_indicator(code) and _not_an_indicator(name))
    ]
    if all(_plain_digits(value_text) for _, value_text, *_rest in found):
        numeric_rows = {row_index for row_index, *_rest in found}
    else:
        numeric_rows = numeric_cells()
    submission.cells.extend(
        (sheet_name, row_index + 1, value_letter, code, name, unit_text, value_text,  # 1-based
         _as_number(value_text) if row_index in numeric_rows else None, note)
        for row_index, value_text, code, name, unit_text, note in found
    )


def _plain_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


COLUMN_MARKER = re.compile(r"^\(?[0-9A-Za-z]{1,2}\)?$")  # `(3)`, `3`, `C`: a column's number


def _not_an_indicator(text: str | None) -> bool:
    return text is None or (len(text) <= 4 and COLUMN_MARKER.match(text) is not None)


def _as_number(text: str) -> float | None:
    """A numeric cell's text as a float; a boolean cell (`true`) is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


# --- CSV -----------------------------------------------------------------------------------

CSV_COLUMNS = {
    "madonvi": "ma_don_vi",
    "kybaocao": "ky_bao_cao",
    "ngaylap": "ngay_lap",
    "machitieu": "ma_chi_tieu",
    "giatri": "gia_tri",
    "donvitinh": "don_vi_tinh",
    "ghichu": "ghi_chu",
}
CSV_REQUIRED = ("ma_don_vi", "ky_bao_cao", "ma_chi_tieu", "gia_tri")


def read_csv_submission(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> Submission:
    """Long format, UTF-8 with or without BOM (else Windows-1258 or UTF-16), `,`/`;`/tab."""
    text = decode_text(data, "csv")
    if not text.strip():
        return Submission("csv", error_code="F_EMPTY_FILE", error_text="0 byte")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)  # a tie keeps ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    raw_header = next(reader, [])
    header = [CSV_COLUMNS.get(fold(name), name.strip()) for name in raw_header]
    missing = [name for name in CSV_REQUIRED if name not in header]
    if missing:
        return Submission("csv", error_code="F_MISSING_COLUMNS", error_text=", ".join(missing))
    position = {name: header.index(name) for name in header}
    submission = Submission("csv")
    seen: dict[str, tuple[str, str]] = {}  # csv column -> (comparison key, text) of line 2..

    def get(record: list[str], name: str) -> str | None:
        index = position.get(name)
        value = record[index].strip() if index is not None and index < len(record) else ""
        return value or None

    data_lines = 0
    for line_number, record in enumerate(reader, start=2):
        if not any(field.strip() for field in record):
            continue
        data_lines += 1
        if data_lines > limits.max_rows:
            return Submission("csv", error_code="F_TOO_MANY_ROWS",
                              error_text=f"> {limits.max_rows}")
        for name, key in CSV_HEADER_COLUMNS:
            text = get(record, name)
            if text is None:
                continue
            if submission.header.get(key) is None:
                submission.header[key] = text
                submission.header[CELL_OF[key]] = f"{line_number}:{name}"
            if name in CSV_ONE_PER_FILE:
                first = seen.setdefault(name, (_same_key(name, text), text))
                if first[0] != _same_key(name, text):
                    submission.error_code = "F_MIXED_SUBMISSION"
                    submission.error_text = f"{name}: {first[1]} / {text}"
                    submission.header["error_cell"] = f"{line_number}:{name}"
                    submission.cells.clear()
                    return submission
        value_text = get(record, "gia_tri")
        if value_text is None:
            continue
        submission.cells.append(("", line_number, "gia_tri", get(record, "ma_chi_tieu"), None,
                                 get(record, "don_vi_tinh"), value_text, None,
                                 get(record, "ghi_chu")))
    if not data_lines:
        return Submission("csv", error_code="F_NO_VALUES")  # a header line and nothing else
    return submission


CSV_HEADER_COLUMNS = (("ma_don_vi", "ward_code"), ("ky_bao_cao", "period_text"),
                      ("ngay_lap", "report_date_text"))
CSV_ONE_PER_FILE = ("ma_don_vi", "ky_bao_cao")


def _same_key(column: str, text: str) -> str:
    """What must agree on every line: the ward code (`115` = `00115`) and the period
    (`Quý III/2021` = `2021-Q3`)."""
    if column == "ky_bao_cao":
        return parse_period(text) or fold(text)
    code = text.removesuffix(".0")
    return code.zfill(5) if code.isdigit() else fold(code)


def decode_text(data: bytes, file_format: str) -> str:
    """Text of a CSV/JSON file; WrongFormat when the bytes are a workbook, PDF..."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    kind = content_kind(data)
    if data.startswith(b"PK\x03\x04"):
        kind = kind or "zip"
    if kind in ("xlsx", "xls", "docx", "zip", "pdf"):
        raise WrongFormat(f".{file_format} ≠ {CONTENT_NAMES[kind]}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


# --- JSON ----------------------------------------------------------------------------------

def read_json_submission(data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> Submission:
    """`{"ma_don_vi", "ky_bao_cao", "ngay_lap", "chi_tieu": {code: value}}`.

    An integer of more than 18 digits is kept as its text (reported by the number checks):
    Python would build a 400-digit int, and a 5,000-digit one fails json itself."""
    text = decode_text(data, "json")
    if not text.strip():
        return Submission("json", error_code="F_EMPTY_FILE", error_text="0 byte")
    try:
        document = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        return Submission("json", error_code="F_BAD_JSON", error_text=_short(exc))
    if isinstance(document, list) and len(document) == 1:
        document = document[0]
    if isinstance(document, list) and len(document) > 1:
        return Submission("json", error_code="F_MIXED_SUBMISSION",
                          error_text=f"{len(document)} × chi_tieu")
    if not isinstance(document, dict) or not isinstance(document.get("chi_tieu"), dict):
        return Submission("json", error_code="F_BAD_JSON", error_text="chi_tieu")
    submission = Submission("json", header={
        "ward_code": _text(document.get("ma_don_vi")),
        "ward_name": _text(document.get("ten_don_vi")),
        "district_name": _text(document.get("quan_huyen")),
        "period_text": _text(document.get("ky_bao_cao")),
        "report_date_text": _text(document.get("ngay_lap")),
        "author": _text(document.get("nguoi_lap")),
    })
    for key, name in (("ward_code", "ma_don_vi"), ("ward_name", "ten_don_vi"),
                      ("period_text", "ky_bao_cao"), ("report_date_text", "ngay_lap")):
        if submission.header[key] is not None:
            submission.header[CELL_OF[key]] = f":{name}"
    if len(document["chi_tieu"]) > limits.max_rows:
        return Submission("json", error_code="F_TOO_MANY_ROWS", error_text=f"> {limits.max_rows}")
    for code, value in document["chi_tieu"].items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        is_number = (isinstance(value, int | float) and not isinstance(value, bool)
                     and math.isfinite(value))
        submission.cells.append(("", None, f"chi_tieu.{code}", str(code), None, None,
                                 str(value), float(value) if is_number else None, None))
    return submission


def _json_int(digits: str) -> int | str:
    return int(digits) if len(digits.lstrip("-")) <= 18 else digits


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _short(exc: Exception) -> str:
    """The first line of the library's message: enough to tell damage from a wrong format
    (without the exception's class name, which means nothing to an operator)."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return first_line[:160] or "?"


# --- batches -------------------------------------------------------------------------------

HEADER_FIELDS = ("ward_code", "ward_name", "district_name", "period_text", "report_date_text",
                 "author", "sheet_name", "ward_code_cell", "ward_name_cell", "period_cell",
                 "report_date_cell", "error_cell", "district_name_cell")
# header field -> the field saying where it was found ("row:column")
CELL_OF = {"ward_code": "ward_code_cell", "ward_name": "ward_name_cell",
           "district_name": "district_name_cell", "period_text": "period_cell",
           "report_date_text": "report_date_cell", "author": "author_cell"}
CELL_FIELDS = ("sheet", "row", "column", "indicator_code", "indicator_name", "unit_text",
               "value_text", "value_number", "note")


def read_batch(items: list[tuple[str, ...]], limits: ReadLimits = DEFAULT_LIMITS
               ) -> tuple[dict[str, list], dict[str, list]]:
    """Read many files; columnar lists, cheap to send between processes.

    Args:
        items: (file_hash, path) pairs, or (file_hash, path, archive_to[, problem, detail]):
            then the file's bytes, read once, are also kept at `archive_to`
            (warehouse.inbox.keep_copy) before they are parsed, so archiving runs on the
            reading workers. `problem` is the scan's code for an entry that is not read as a
            report (warehouse.inbox: a placeholder is not opened at all; a skipped file is
            only archived).
    Returns (files, cells): `files` has file_hash, file_format, read_error, read_error_text,
    value_count and the header fields; `cells` has file_hash and CELL_FIELDS.
    """
    files: dict[str, list] = {k: [] for k in ("file_hash", "file_format", "read_error",
                                              "read_error_text", "value_count", *HEADER_FIELDS)}
    cells: dict[str, list] = {k: [] for k in ("file_hash", *CELL_FIELDS)}
    for file_hash, path, *more in items:
        archive_to, problem, detail = (*more, "", "", "")[:3]
        if problem in PLACEHOLDER_CODES:
            submission = Submission("other", error_code=problem, error_text=detail)
        else:
            submission = read_one(file_hash, path, archive_to, problem, limits)
        files["file_hash"].append(file_hash)
        files["file_format"].append(submission.file_format)
        files["read_error"].append(submission.error_code)
        files["read_error_text"].append(submission.error_text)
        files["value_count"].append(len(submission.cells))
        for name in HEADER_FIELDS:
            files[name].append(submission.header.get(name))
        if submission.cells:  # column by column: one extend per field, not one append per value
            cells["file_hash"].extend([file_hash] * len(submission.cells))
            for name, values in zip(CELL_FIELDS, zip(*submission.cells, strict=True),
                                    strict=True):
                cells[name].extend(values)
    return files, cells


def read_one(file_hash: str, path: str, archive_to: str, problem: str,
             limits: ReadLimits) -> Submission:
    """Open one file (never through a link), keep its copy, and read it within the limits."""
    suffix = Path(path).suffix.lower()
    file_format = suffix.lstrip(".") if suffix in SUPPORTED_SUFFIXES else "other"
    problem = problem or skip_reason(os.path.basename(path))
    try:
        handle = open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb")
    except OSError as failure:
        return Submission(file_format, error_code="F_UNREADABLE_FILE",
                          error_text=failure.strerror or str(failure))
    with handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):  # replaced by a FIFO or device since the scan
            return Submission(file_format, error_code="F_SPECIAL_FILE",
                              error_text="not a regular file")
        if info.st_size > limits.max_file_bytes:
            if archive_to:  # kept like every file, by streaming: never whole in memory
                try:
                    keep_copy_from(handle, file_hash, Path(archive_to), source=path)
                except ChangedWhileReading:
                    return Submission(file_format, error_code="F_CHANGED_WHILE_READING")
            return Submission(file_format, error_code="F_FILE_TOO_LARGE",
                              error_text=f"{info.st_size / MIB:.1f} MB > "
                                         f"{limits.max_file_bytes / MIB:.0f} MB")
        try:
            data = handle.read()
        except OSError as failure:
            return Submission(file_format, error_code="F_UNREADABLE_FILE",
                              error_text=failure.strerror or str(failure))
    if archive_to:
        try:  # an OSError here is the archive's (the data dir's): it fails the run
            keep_copy(data, file_hash, Path(archive_to), source=path)
        except ChangedWhileReading:  # saved again since the scan: the next run reads it
            return Submission(file_format, error_code="F_CHANGED_WHILE_READING")
        pause_point("ingest")
    if problem:
        return Submission(file_format, error_code=problem)
    return read_submission(Path(path), data, limits)


def concat_frames(frames: list[tuple[pl.DataFrame, pl.DataFrame]]
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(files, cells) of many batches as one pair, in batch order."""
    if not frames:
        return frames_from_batches([])
    return (pl.concat([files for files, _ in frames], rechunk=True),
            pl.concat([cells for _, cells in frames], rechunk=True))


def frames_from_batches(results: list[tuple[dict, dict]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Columnar batch results as (files, cells) frames with stable dtypes."""
    files_schema = {name: pl.String for name in
                    ("file_hash", "file_format", "read_error", "read_error_text",
                     *HEADER_FIELDS)} | {"value_count": pl.Int64}
    cells_schema = {"file_hash": pl.String, "sheet": pl.String, "row": pl.Int32,
                    "column": pl.String, "indicator_code": pl.String,
                    "indicator_name": pl.String, "unit_text": pl.String,
                    "value_text": pl.String, "value_number": pl.Float64, "note": pl.String}
    files = pl.concat([pl.DataFrame(f, schema=files_schema) for f, _ in results]
                      or [pl.DataFrame(schema=files_schema)])
    cells = pl.concat([pl.DataFrame(c, schema=cells_schema) for _, c in results]
                      or [pl.DataFrame(schema=cells_schema)])
    return files, cells
