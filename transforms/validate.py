"""Decide what is accepted: value checks (drop one value) and file checks (reject the file).

Findings carry a stable code and the place in the file (transforms/findings.py). A value error
drops that value only and the file is `accepted_with_errors`; in strict mode any value error
rejects the whole file instead. Values are never altered to make them pass.
"""

import polars as pl

from transforms.findings import findings_frame, make_finding
from transforms.schema import FINDINGS, PARSED_VALUES

FILE_CODES = ("F_WARD_MISSING", "F_WARD_UNKNOWN", "F_WARD_AMBIGUOUS")


def check_values(values: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split standardized values into clean values and value findings.

    Returns (clean rows with file_hash, indicator_code, value, is_approximate, plus the place
    columns sheet/row/column; findings per dropped or noteworthy value).
    """
    checked = values.with_row_index("_order").with_columns(
        pl.when(pl.col("error_code").is_not_null())
        .then(pl.col("error_code"))
        .when(pl.col("resolved_code").is_null())
        .then(pl.lit("V_UNKNOWN_INDICATOR"))
        .when(pl.col("value") < 0)
        .then(pl.lit("V_NEGATIVE"))
        .when(pl.col("is_count") & (pl.col("value") != pl.col("value").round(0)))
        .then(pl.lit("V_NOT_WHOLE"))
        .when((pl.col("indicator_unit") == "%") & (pl.col("value") > 100))
        .then(pl.lit("V_PERCENT_OUT_OF_RANGE"))
        .when(pl.col("value").is_not_null()
              & pl.col("resolved_code").is_duplicated().over("file_hash", "resolved_code")
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


def decide_file_status(
    files: pl.DataFrame, matches: pl.DataFrame, value_findings: pl.DataFrame, strict: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Status of each newly read file and the file-level findings.

    Args:
        files: one row per file read: file_hash, read_error, read_error_text, period_text,
            period, value_count.
        matches: output of transforms.wards.match_wards.
        value_findings: findings from `check_values`.
    Returns (file_hash, status, ward_code, period) per file; findings.
    """
    errors_per_file = (
        value_findings.filter(pl.col("severity") == "error")
        .group_by("file_hash")
        .len("value_errors")
    )
    decided = (
        files.join(matches, on="file_hash", how="left")
        .join(errors_per_file, on="file_hash", how="left")
        .with_columns(pl.col("value_errors").fill_null(0))
        .with_columns(
            pl.when(pl.col("read_error").is_not_null())
            .then(pl.col("read_error"))
            .when(pl.col("period_text").is_null())
            .then(pl.lit("F_PERIOD_MISSING"))
            .when(pl.col("period").is_null())
            .then(pl.lit("F_PERIOD_INVALID"))
            .when(pl.col("match_error").is_not_null())
            .then(pl.col("match_error"))
            .when((pl.col("value_count") == 0) & (pl.col("value_errors") == 0))
            .then(pl.lit("F_NO_VALUES"))
            .alias("reject_code")
        )
        .with_columns(
            pl.when(pl.col("reject_code").is_not_null())
            .then(pl.lit("rejected"))
            .when(pl.col("value_errors") > 0)
            .then(pl.lit("rejected" if strict else "accepted_with_errors"))
            .otherwise(pl.lit("accepted"))
            .alias("status")
        )
    )
    findings = []
    for row in decided.filter(pl.col("reject_code").is_not_null()).iter_rows(named=True):
        code = row["reject_code"]
        found = {
            "F_PERIOD_INVALID": row["period_text"],
            "F_WARD_UNKNOWN": row.get("found"),
            "F_WARD_AMBIGUOUS": row.get("found"),
        }.get(code, row["read_error_text"])
        findings.append(make_finding(
            code, file_hash=row["file_hash"], found=found, candidates=row.get("candidates") or "—",
            ward_code=row.get("matched_ward_code"), period=row["period"],
        ))
    statuses = decided.select(
        "file_hash",
        "status",
        pl.col("matched_ward_code").alias("ward_code"),
        "period",
    )
    return statuses, findings_frame(findings) if findings else pl.DataFrame(schema=FINDINGS)
