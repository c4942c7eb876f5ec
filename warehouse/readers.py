"""Read ward submissions (xlsx / csv / json) into plain records of strings, as found.

Readers find the header block and the indicator table by their labels, not by fixed cell
addresses, so rows inserted above the table, an empty first sheet, merged cells and label
variants (case, spacing, diacritics) all read. Nothing is interpreted here beyond locating
cells: numbers, periods and wards are parsed by the pure modules in `transforms/`.

A reader returns a `Submission`. A file that cannot be read at all carries `error_code`
(F_UNREADABLE, F_NO_TABLE, ...) and `error_text`; it never raises for bad input.
"""

import csv
import io
import json
import string
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel

from transforms.text import fold

# Header block labels (folded) -> header field. A label matches when the folded cell text
# equals it or starts with it ("Mã đơn vị (5 số):" -> "madonvi5so").
HEADER_LABELS = {
    "madonvi": "ward_code",
    "donvibaocao": "ward_name",
    "tendonvi": "ward_name",
    "phuongxa": "ward_name",
    "quanhuyen": "district_name",
    "quan": "district_name",
    "huyen": "district_name",
    "kybaocao": "period_text",
    "ngaylap": "report_date_text",
    "nguoilap": "author",
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
SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".json"}


@dataclass
class Submission:
    """One file as read: its header fields and its value cells (strings as found)."""

    file_format: str
    header: dict[str, str | None] = field(default_factory=dict)
    # (sheet, row, column, indicator_code, indicator_name, unit_text, value_text,
    #  value_number, note) per value cell
    cells: list[tuple] = field(default_factory=list)
    error_code: str | None = None
    error_text: str | None = None


def read_submission(path: Path) -> Submission:
    """Read any supported file; unsupported types come back with F_UNSUPPORTED_TYPE."""
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm"}:
            return read_excel_submission(path)
        if suffix == ".csv":
            return read_csv_submission(path)
        if suffix == ".json":
            return read_json_submission(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is the file's problem
        return Submission(suffix.lstrip(".") or "other", error_code="F_UNREADABLE",
                          error_text=_short(exc))
    return Submission("other", error_code="F_UNSUPPORTED_TYPE", error_text=suffix or path.name)


# --- Excel ---------------------------------------------------------------------------------

def excel_column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = string.ascii_uppercase[remainder] + letters
    return letters


def read_excel_submission(path: Path) -> Submission:
    """The first sheet that holds an indicator table is the report; other sheets are ignored."""
    reader = fastexcel.read_excel(path)
    for index, sheet_name in enumerate(reader.sheet_names):
        # skip_rows=0: keep leading empty rows so that row indices are the sheet's own rows
        sheet = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string")
        columns = list(sheet.to_arrow().to_pydict().values())
        if not columns:
            continue
        rows = list(zip(*columns, strict=True))
        table = _find_table_header(rows)
        if table is None:
            continue
        header_row, column_map = table
        submission = Submission("xlsx", header=_read_header_block(rows[:header_row]))
        numeric_rows = _numeric_cells(reader, index, column_map.get("value"))
        _read_table(submission, sheet_name, rows, header_row, column_map, numeric_rows)
        return submission
    return Submission("xlsx", error_code="F_NO_TABLE")


def _find_table_header(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """The first row naming an indicator column and a result column, and its column map."""
    for row_index, row in enumerate(rows):
        column_map: dict[str, int] = {}
        for column_index, cell in enumerate(row):
            key = fold(cell)
            if not key:
                continue
            for prefix, name in TABLE_COLUMNS:
                if key.startswith(prefix) and name not in column_map:
                    column_map[name] = column_index
                    break
        has_indicator = "indicator_code" in column_map or "indicator_name" in column_map
        if has_indicator and "value" in column_map:
            return row_index, column_map
    return None


def _read_header_block(rows: list[tuple]) -> dict[str, str | None]:
    """Labelled cells above the table: the value is the next non-empty cell to the right,
    or the text after ':' in the label cell itself ("Kỳ báo cáo: Quý III/2021")."""
    header: dict[str, str | None] = {}
    for row in rows:
        for column_index, cell in enumerate(row):
            if cell is None:
                continue
            label, _, inline_value = str(cell).partition(":")
            name = _header_field(fold(label))
            if name is None or header.get(name):
                continue
            value = inline_value.strip() or next(
                (str(v).strip() for v in row[column_index + 1:] if v is not None and str(v).strip()),
                None,
            )
            header[name] = value
            break  # one label per row
    return header


def _header_field(folded_label: str) -> str | None:
    if not folded_label:
        return None
    if folded_label in HEADER_LABELS:
        return HEADER_LABELS[folded_label]
    for label, name in HEADER_LABELS.items():
        if len(label) > 5 and folded_label.startswith(label):
            return name
    return None


def _numeric_cells(reader: fastexcel.ExcelReader, sheet_index: int,
                   value_column: int | None) -> set[int]:
    """Row indices whose value cell Excel stores as a number (not as text).

    Loading the column as booleans makes text cells fail while numeric cells load: a cheap way
    to learn the cell types from fastexcel, so that the text "1.084" (Vietnamese: 1084) is never
    confused with the number 1.084.
    """
    if value_column is None:
        return set()
    batch, _errors = reader.load_sheet(
        sheet_index, header_row=None, skip_rows=0, use_columns=[value_column],
        dtypes={value_column: "boolean"},
    ).to_arrow_with_errors()
    return {i for i, v in enumerate(batch.column(0).to_pylist()) if v is not None}


def _read_table(submission: Submission, sheet_name: str, rows: list[tuple], header_row: int,
                column_map: dict[str, int], numeric_rows: set[int]) -> None:
    def cell(row: tuple, name: str) -> str | None:
        index = column_map.get(name)
        if index is None or index >= len(row) or row[index] is None:
            return None
        text = str(row[index]).strip()
        return text or None

    value_letter = excel_column_letter(column_map["value"])
    for row_index in range(header_row + 1, len(rows)):
        row = rows[row_index]
        value_text = cell(row, "value")
        if value_text is None:
            continue  # blank = not reported
        value_number = float(value_text) if row_index in numeric_rows else None
        submission.cells.append((
            sheet_name,
            row_index + 1,  # Excel rows are 1-based
            value_letter,
            cell(row, "indicator_code"),
            cell(row, "indicator_name"),
            cell(row, "unit_text"),
            value_text,
            value_number,
            cell(row, "note"),
        ))


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


def read_csv_submission(path: Path) -> Submission:
    """Long format, UTF-8 with or without BOM, ',' or ';' separated."""
    text = path.read_bytes().decode("utf-8-sig")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    raw_header = next(reader, [])
    header = [CSV_COLUMNS.get(fold(name), name.strip()) for name in raw_header]
    missing = [name for name in CSV_REQUIRED if name not in header]
    if missing:
        return Submission("csv", error_code="F_MISSING_COLUMNS", error_text=", ".join(missing))
    position = {name: header.index(name) for name in header}
    submission = Submission("csv")

    def get(record: list[str], name: str) -> str | None:
        index = position.get(name)
        value = record[index].strip() if index is not None and index < len(record) else ""
        return value or None

    for line_number, record in enumerate(reader, start=2):
        if not any(field.strip() for field in record):
            continue
        for name, key in (("ma_don_vi", "ward_code"), ("ky_bao_cao", "period_text"),
                          ("ngay_lap", "report_date_text")):
            submission.header.setdefault(key, get(record, name))
        value_text = get(record, "gia_tri")
        if value_text is None:
            continue
        submission.cells.append(("", line_number, "gia_tri", get(record, "ma_chi_tieu"), None,
                                 get(record, "don_vi_tinh"), value_text, None,
                                 get(record, "ghi_chu")))
    return submission


# --- JSON ----------------------------------------------------------------------------------

def read_json_submission(path: Path) -> Submission:
    """`{"ma_don_vi", "ky_bao_cao", "ngay_lap", "chi_tieu": {code: value}}`."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Submission("json", error_code="F_BAD_JSON", error_text=_short(exc))
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
    for code, value in document["chi_tieu"].items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        submission.cells.append(("", None, f"chi_tieu.{code}", str(code), None, None,
                                 str(value), float(value) if is_number else None, None))
    return submission


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _short(exc: Exception) -> str:
    """The first line of the library's message: enough to tell damage from a wrong format."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line}"[:160]


# --- batches -------------------------------------------------------------------------------

HEADER_FIELDS = ("ward_code", "ward_name", "district_name", "period_text", "report_date_text",
                 "author")
CELL_FIELDS = ("sheet", "row", "column", "indicator_code", "indicator_name", "unit_text",
               "value_text", "value_number", "note")


def read_batch(items: list[tuple[str, str]]) -> tuple[dict[str, list], dict[str, list]]:
    """Read many files; columnar lists, cheap to send between processes.

    Args:
        items: (file_hash, path) pairs.
    Returns (files, cells): `files` has file_hash, file_format, read_error, read_error_text,
    value_count and the header fields; `cells` has file_hash and CELL_FIELDS.
    """
    files: dict[str, list] = {k: [] for k in ("file_hash", "file_format", "read_error",
                                              "read_error_text", "value_count", *HEADER_FIELDS)}
    cells: dict[str, list] = {k: [] for k in ("file_hash", *CELL_FIELDS)}
    for file_hash, path in items:
        submission = read_submission(Path(path))
        files["file_hash"].append(file_hash)
        files["file_format"].append(submission.file_format)
        files["read_error"].append(submission.error_code)
        files["read_error_text"].append(submission.error_text)
        files["value_count"].append(len(submission.cells))
        for name in HEADER_FIELDS:
            files[name].append(submission.header.get(name))
        for cell in submission.cells:
            cells["file_hash"].append(file_hash)
            for name, value in zip(CELL_FIELDS, cell, strict=True):
                cells[name].append(value)
    return files, cells
