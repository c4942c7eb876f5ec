"""From what the readers found to accepted files, clean values and findings (pure).

Order: standardize headers -> identify wards -> parse and check values -> decide each file's
status. A file-level problem rejects the file; a bad value drops that value only (or, in
strict mode, rejects the file). Values of rejected files never reach the ledger's values.
Decisions (each explained where it is made): transforms/standardize.py, transforms/validate.py,
warehouse/readers.py.
"""

from dataclasses import dataclass

import polars as pl

from transforms.findings import cap_findings, findings_frame
from transforms.schema import FINDINGS
from transforms.standardize import standardize_headers, standardize_values
from transforms.validate import check_values, decide_file_status
from transforms.wards import match_wards

# Where the readers found each header field (optional columns of `read_files`).
PLACE_FIELDS = ("sheet_name", "ward_code_cell", "ward_name_cell", "period_cell",
                "report_date_cell", "error_cell", "district_name_cell")


@dataclass(frozen=True)
class Ingested:
    """The outcome of reading a batch of new files."""

    files: pl.DataFrame  # one row per file: file_hash, file_format, ingest_status, ward_code,
    #                      period, report_date, *_as_written, author
    values: pl.DataFrame  # PARSED_VALUES plus sheet/row/column, accepted files only
    findings: pl.DataFrame  # FINDINGS (file_name filled in by the ledger)


def ingest(read_files: pl.DataFrame, cells: pl.DataFrame, units: pl.DataFrame,
           indicators: pl.DataFrame, strict: bool = False,
           max_findings_per_file: int | None = None) -> Ingested:
    """Decide the fate of every file read and keep its good values.

    Args:
        read_files: one row per file from warehouse.readers.read_batch.
        cells: one row per value cell (RAW_VALUES).
        max_findings_per_file: keep at most this many findings per file (file-level ones
            first), the rest counted in one I_FINDINGS_TRUNCATED.
    """
    headers = standardize_headers(read_files)
    matches = match_wards(
        headers.filter(pl.col("read_error").is_null()).select(
            "file_hash", "ward_code", "ward_name", "district_name", "period"),
        units,
    )
    values, value_findings = check_values(standardize_values(cells, indicators))
    statuses, file_findings = decide_file_status(
        headers.select("file_hash", "read_error", "read_error_text", "ward_code", "period_text",
                       "period", "value_count", "report_date_text", "report_date",
                       *(c for c in PLACE_FIELDS if c in headers.columns)),
        matches.select("file_hash", "matched_ward_code", "match_error", "candidates", "found",
                       "by_code"),
        value_findings,
        strict,
        clean_values=values,
    )
    files = headers.join(statuses.rename({"ward_code": "matched_code"}), on=["file_hash"],
                         how="left", suffix="_decided").select(
        "file_hash",
        "file_format",
        pl.col("status").alias("ingest_status"),
        pl.col("matched_code").alias("ward_code"),
        pl.col("period_decided").alias("period"),
        "report_date",
        pl.col("ward_name").alias("ward_name_as_written"),
        pl.col("district_name").alias("district_name_as_written"),
        "author",
    )
    accepted = files.filter(pl.col("ingest_status") != "rejected").select(
        "file_hash", "ward_code", "period")
    # Findings about values of rejected files still help the ward fix them: keep them all,
    # and stamp every finding with the ward and period the file was identified as.
    findings = (
        pl.concat([file_findings, value_findings], how="vertical")
        .drop("ward_code", "period")
        .join(files.select("file_hash", "ward_code", "period"), on="file_hash", how="left")
        .select(list(FINDINGS))
    ) if file_findings.height or value_findings.height else findings_frame([])
    if max_findings_per_file is not None:
        findings = cap_findings(findings, max_findings_per_file)
    return Ingested(
        files=files,
        values=values.join(accepted.select("file_hash"), on="file_hash", how="semi"),
        findings=findings,
    )
