"""Decide what is accepted: value checks (drop one value) and file checks (reject the file).

Findings carry a stable code and the place in the file (transforms/findings.py). A value error
drops that value only and the file is `accepted_with_errors`; in strict mode any value error
rejects the whole file instead. Values are never altered to make them pass.

Decisions:
- Every file-level problem is reported, not only the first (a bad period and an unknown ward
  are both listed), so that a ward fixes its file in one go; a read error alone is reported
  when the file could not be read.
- A file left with no valid value is rejected (F_NO_VALUES), its value errors still listed:
  "received" must not count a file that brings nothing.
- Strict mode (`--strict`, MTTQ_STRICT) rejects a file with any value error and says so with
  F_STRICT_VALUE_ERRORS; the value findings are still listed so the ward can fix them.
- A row whose indicator is unknown and whose cell holds no digit at all (`TM. BAN THƯỜNG
  TRỰC`, `Đã thực hiện`) is not a figure: it is ignored rather than reported.
- A figure that is not finite, or is 10^15 or more in the indicator's unit, is a typing error
  (V_NOT_A_NUMBER / V_TOO_LARGE): one such value would swamp every total above it.
- An unreadable `Ngày lập` does not reject the file (I_REPORT_DATE_INVALID, information).
- A file the readers skipped (an Office lock file, OS litter: read_error I_SKIPPED_*) is
  `skipped`, with that code as its finding: recorded and archived, never counted.
"""

import polars as pl

from transforms.findings import findings_frame, make_finding
from transforms.schema import FINDINGS, PARSED_VALUES

FILE_CODES = ("F_WARD_MISSING", "F_WARD_UNKNOWN", "F_WARD_AMBIGUOUS", "F_WARD_MISMATCH")
SKIPPED_PREFIX = "I_SKIPPED_"  # read errors that skip a file rather than reject it
TOO_LARGE = 1e15  # no ward figure comes near: Hà Nội's half-term poor fund was 1.37e11 VND


def check_values(values: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split standardized values into clean values and value findings.

    Returns (clean rows with file_hash, indicator_code, value, is_approximate, plus the place
    columns sheet/row/column; findings per dropped or noteworthy value).
    """
    not_a_figure = (
        pl.col("resolved_code").is_null()
        & pl.col("value_number").is_null()
        & ~pl.col("value_text").fill_null("").str.contains(r"\d")
    )
    checked = values.filter(~not_a_figure).with_row_index("_order").with_columns(
        pl.when(pl.col("error_code").is_not_null())
        .then(pl.col("error_code"))
        .when(pl.col("resolved_code").is_null())
        .then(pl.lit("V_UNKNOWN_INDICATOR"))
        .when(pl.col("value").is_nan() | pl.col("value").is_infinite())
        .then(pl.lit("V_NOT_A_NUMBER"))
        .when(pl.col("value").abs() >= TOO_LARGE)
        .then(pl.lit("V_TOO_LARGE"))
        .when(pl.col("value") < 0)
        .then(pl.lit("V_NEGATIVE"))
        .when(pl.col("is_count") & (pl.col("value") != pl.col("value").round(0)))
        .then(pl.lit("V_NOT_WHOLE"))
        .when((pl.col("indicator_unit") == "%") & (pl.col("value") > 100))
        .then(pl.lit("V_PERCENT_OUT_OF_RANGE"))
        # a later row of an indicator already given (one window: a unique key is its own first)
        .when(pl.col("value").is_not_null()
              & (pl.col("_order") != pl.col("_order").min().over("file_hash", "resolved_code")))
        .then(pl.lit("V_DUPLICATE_INDICATOR"))
        .alias("check_code")
    )
    errors = checked.filter(pl.col("check_code").is_not_null())
    clean = checked.filter(pl.col("check_code").is_null() & pl.col("value").is_not_null())
    findings = [
        make_finding(
            row["check_code"], file_hash=row["file_hash"], sheet=row["sheet"], row=row["row"],
            column=row["column"], indicator_code=row["resolved_code"],
            found=_found_text(row), unit=row["indicator_unit"],
        )
        for row in errors.iter_rows(named=True)
    ]
    approximate = clean.filter(pl.col("is_approximate"))
    findings += [
        make_finding("I_APPROXIMATE", file_hash=row["file_hash"], sheet=row["sheet"],
                     row=row["row"], column=row["column"], indicator_code=row["resolved_code"],
                     found=row["value_text"])
        for row in approximate.iter_rows(named=True)
    ]
    clean = clean.select(
        "file_hash",
        pl.col("resolved_code").alias("indicator_code"),
        "value",
        "is_approximate",
        "sheet",
        "row",
        "column",
    ).cast({k: v for k, v in PARSED_VALUES.items()})
    return clean, findings_frame(findings)


def _found_text(row: dict) -> str:
    if row["check_code"] == "V_UNKNOWN_INDICATOR":
        return row["indicator_code"] or row["indicator_name"] or ""
    if row["check_code"] == "V_DUPLICATE_INDICATOR":
        return row["resolved_code"]
    if row["check_code"] == "V_BAD_UNIT" and row["unit_text"]:
        return f"{row['value_text']} ({row['unit_text']})"
    return row["value_text"] or ""


# Which header cell a file-level code points at ("row:column" fields from the readers).
_PLACE_OF = {
    "F_PERIOD_INVALID": "period_cell",
    "F_MIXED_SUBMISSION": "error_cell",
    "I_REPORT_DATE_INVALID": "report_date_cell",
}


def decide_file_status(
    files: pl.DataFrame, matches: pl.DataFrame, value_findings: pl.DataFrame, strict: bool,
    clean_values: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Status of each newly read file and the file-level findings.

    Args:
        files: one row per file read: file_hash, read_error, read_error_text, period_text,
            period, value_count; optionally report_date_text, report_date, sheet_name and the
            readers' `*_cell` places.
        matches: output of transforms.wards.match_wards.
        value_findings: findings from `check_values`.
        clean_values: the clean values from `check_values`; a file with none is F_NO_VALUES.
            Without it, a file with no value cell and no value error is.
    Returns (file_hash, status, ward_code, period) per file; findings.
    """
    errors_per_file = (
        value_findings.filter(pl.col("severity") == "error")
        .group_by("file_hash")
        .len("value_errors")
    )
    optional = ("report_date_text", "report_date", "sheet_name", "ward_code_cell",
                "ward_name_cell", "period_cell", "report_date_cell", "error_cell",
                "district_name_cell")
    files = files.with_columns(pl.lit(None, pl.String).alias(c) for c in optional
                               if c not in files.columns)
    decided = (
        files.join(matches, on="file_hash", how="left")
        .join(errors_per_file, on="file_hash", how="left")
        .with_columns(pl.col("value_errors").fill_null(0))
    )
    if clean_values is not None:
        decided = decided.join(clean_values.group_by("file_hash").len("clean_values"),
                               on="file_hash", how="left").with_columns(
            pl.col("clean_values").fill_null(0))
        no_values = pl.col("clean_values") == 0
    else:
        no_values = (pl.col("value_count") == 0) & (pl.col("value_errors") == 0)
    readable = pl.col("read_error").is_null()
    problems = [
        pl.when(~readable).then(pl.col("read_error")),
        pl.when(readable & pl.col("period_text").is_null()).then(pl.lit("F_PERIOD_MISSING")),
        pl.when(readable & pl.col("period_text").is_not_null() & pl.col("period").is_null())
        .then(pl.lit("F_PERIOD_INVALID")),
        pl.when(readable).then(pl.col("match_error")),
        pl.when(readable & no_values).then(pl.lit("F_NO_VALUES")),
        pl.when(readable & pl.lit(strict) & (pl.col("value_errors") > 0))
        .then(pl.lit("F_STRICT_VALUE_ERRORS")),
    ]
    decided = decided.with_columns(
        pl.concat_list(problems).list.drop_nulls().alias("reject_codes"),
        (readable & pl.col("report_date_text").is_not_null() & pl.col("report_date").is_null())
        .alias("bad_date"),
    ).with_columns(
        pl.when(pl.col("read_error").str.starts_with(SKIPPED_PREFIX))
        .then(pl.lit("skipped"))
        .when(pl.col("reject_codes").list.len() > 0)
        .then(pl.lit("rejected"))
        .when(pl.col("value_errors") > 0)
        .then(pl.lit("accepted_with_errors"))
        .otherwise(pl.lit("accepted"))
        .alias("status")
    )
    findings = []
    for row in decided.filter((pl.col("reject_codes").list.len() > 0) | pl.col("bad_date")
                              ).iter_rows(named=True):
        codes = [*row["reject_codes"], *(["I_REPORT_DATE_INVALID"] if row["bad_date"] else [])]
        for code in codes:
            findings.append(_file_finding(code, row))
    statuses = decided.select(
        "file_hash",
        "status",
        pl.col("matched_ward_code").alias("ward_code"),
        "period",
    )
    return statuses, findings_frame(findings) if findings else pl.DataFrame(schema=FINDINGS)


def _file_finding(code: str, row: dict) -> dict:
    """A file-level finding, pointing at the header cell concerned when the reader saw one."""
    found = {
        "F_PERIOD_INVALID": row["period_text"],
        "F_WARD_UNKNOWN": row.get("found"),
        "F_WARD_AMBIGUOUS": row.get("found"),
        "F_WARD_MISMATCH": row.get("found"),
        "I_REPORT_DATE_INVALID": row["report_date_text"],
    }.get(code, row["read_error_text"])
    cell_field = _PLACE_OF.get(code)
    if code in FILE_CODES:
        cell_field = "ward_code_cell" if row.get("ward_code") else "ward_name_cell"
    place_row, place_column = _split_cell(row.get(cell_field) if cell_field else None)
    return make_finding(
        code, file_hash=row["file_hash"], found=found, candidates=row.get("candidates") or "—",
        by_code=row.get("by_code"), written_code=row.get("ward_code"),
        cells=_cells_text(row),
        ward_code=row.get("matched_ward_code"), period=row["period"],
        count=row["value_errors"],
        sheet=row["sheet_name"] if place_column else None, row=place_row, column=place_column,
    )


def _cells_text(row: dict) -> str:
    """`C5 (mã) và C6 (tên)` -style places of the code and name cells, as far as known."""
    places = []
    for field, label in (("ward_code_cell", "Mã đơn vị"), ("ward_name_cell", "Đơn vị báo cáo"),
                         ("district_name_cell", "Quận/Huyện")):
        number, column = _split_cell(row.get(field))
        if column:
            places.append(f"'{label}' {column}{number or ''}")
    return ", ".join(places) or "—"


def _split_cell(cell: str | None) -> tuple[int | None, str | None]:
    """`7:C` -> (7, "C"); `:ky_bao_cao` -> (None, "ky_bao_cao")."""
    if not cell:
        return None, None
    row, _, column = cell.partition(":")
    return (int(row) if row.isdigit() else None), (column or None)
