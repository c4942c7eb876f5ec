"""Column names and dtypes of every frame that crosses a module boundary.

Each schema states its grain. `warehouse/schema/README.md` is the data dictionary of the
DuckDB tables built from these frames and stays in step with this file.
"""

from dataclasses import dataclass

import polars as pl

# One row per value cell read from a submission, as found (before parsing).
RAW_VALUES = {
    "file_hash": pl.String,
    "sheet": pl.String,  # sheet name (xlsx) or "" for csv/json
    "row": pl.Int32,  # 1-based row in the sheet / line in the csv; null for json
    "column": pl.String,  # Excel column letter, csv column name or json key path
    "indicator_code": pl.String,  # as written; null when only the name is given
    "indicator_name": pl.String,  # as written; may be null
    "unit_text": pl.String,  # the `Đơn vị tính` cell as written; may be null
    "value_text": pl.String,  # the cell as text; null when the cell is blank
    "value_number": pl.Float64,  # the cell when Excel/JSON stored a number; else null
    "note": pl.String,
}

# One row per clean value: a ward's figure for one indicator in one submission.
PARSED_VALUES = {
    "file_hash": pl.String,
    "indicator_code": pl.String,
    "value": pl.Float64,
    "is_approximate": pl.Boolean,
}

# One row per (ward, period, indicator): the figure that counts (see transforms/cumulative.py).
WARD_VALUES = {
    "ward_code": pl.String,
    "period": pl.String,
    "indicator_code": pl.String,
    "value": pl.Float64,
    "is_approximate": pl.Boolean,
    "is_derived": pl.Boolean,
    "file_hash": pl.String,  # the submission it came from; for derived values the cumulative one
}

# One row per file ever seen in the inbox.
FILES = {
    "file_hash": pl.String,  # sha256 of the bytes: the archive key
    "original_path": pl.String,  # path relative to the inbox when first seen
    "file_name": pl.String,
    "size_bytes": pl.Int64,
    "seen_at": pl.Datetime("us"),  # when a run first saw the file
    "received_at": pl.Datetime("us"),  # when it landed in the inbox (modification time)
    "file_format": pl.String,  # xlsx / csv / json / other
    "ingest_status": pl.String,  # what reading decided: accepted / accepted_with_errors /
    #                              rejected / duplicate
    "status": pl.String,  # ingest_status, or superseded when a later report won
    "ward_code": pl.String,
    "period": pl.String,
    "report_date": pl.Date,
    "ward_name_as_written": pl.String,
    "district_name_as_written": pl.String,
    "author": pl.String,
    "superseded_by": pl.String,
    "run_id": pl.String,  # run that first saw the file
}

# One row per rejection, value error or rule finding.
FINDINGS = {
    "file_hash": pl.String,  # null for findings about aggregates (outliers across wards)
    "file_name": pl.String,
    "severity": pl.String,  # error (value dropped / file rejected) / warning / info
    "finding_code": pl.String,  # stable code, e.g. E_PERIOD_MISSING; see transforms/findings.py
    "message_vi": pl.String,
    "message_en": pl.String,
    "sheet": pl.String,
    "row": pl.Int32,
    "column": pl.String,
    "found_text": pl.String,
    "ward_code": pl.String,
    "period": pl.String,
    "indicator_code": pl.String,
}

# One row per unit, period and indicator at one level (district / cluster / city).
SUMMARY = {
    "period": pl.String,
    "level": pl.String,
    "unit_code": pl.String,
    "unit_name": pl.String,
    "indicator_code": pl.String,
    "indicator_name": pl.String,
    "unit": pl.String,
    "value": pl.Float64,  # null when no ward reported
    "wards_reporting": pl.Int32,
    "wards_expected": pl.Int32,
}

# One row per level, unit and period.
COMPLETENESS = {
    "level": pl.String,
    "unit_code": pl.String,
    "unit_name": pl.String,
    "period": pl.String,
    "wards_expected": pl.Int32,
    "wards_received": pl.Int32,
    "wards_on_time": pl.Int32,
    "received_rate": pl.Float64,  # percent 0-100
    "on_time_rate": pl.Float64,  # percent 0-100
}

# One row per ward expected in a period (valid at its end): did its report arrive, on time?
WARD_COMPLETENESS = {
    "period": pl.String,
    "period_start": pl.Date,
    "period_order": pl.Int32,
    "province_code": pl.String,
    "district_code": pl.String,  # null after 2025-07-01 (wards directly under the province)
    "district_name": pl.String,
    "ward_code": pl.String,
    "ward_name": pl.String,
    "ward_order": pl.Int32,  # 1.. within the district (by code: the official order)
    "is_received": pl.Boolean,
    "is_on_time": pl.Boolean,  # false when not received
    "days_late": pl.Int32,  # 0 when on time; null when not received
    "received_at": pl.Datetime("us"),  # when the ward's figure became whole (local time)
    "file_hash": pl.String,  # the report that counts for this very period; null when the
    #                          figure is made from other reports, or none came
    "file_name": pl.String,
    "file_status": pl.String,  # accepted / accepted_with_errors
    "values_dropped": pl.Int32,  # values of that file dropped with a V_ finding
}

# Reference frames, as loaded by warehouse/reference.py.
UNITS = {
    "unit_code": pl.String,
    "unit_name": pl.String,
    "level": pl.String,  # city / district / ward
    "parent_code": pl.String,
    "province_code": pl.String,
    "valid_from": pl.Date,
    "valid_to": pl.Date,  # inclusive; null = still valid
}

CROSSWALK = {
    "old_code": pl.String,
    "new_code": pl.String,
    "effective_date": pl.Date,
    "is_default": pl.Boolean,  # for a ward split in several: the one its history restates into
}

CLUSTERS = {
    "cluster_code": pl.String,
    "cluster_name": pl.String,
    "district_code": pl.String,
    "is_sample": pl.Boolean,  # true where membership is illustrative, not sourced
}

INDICATORS = {
    "indicator_code": pl.String,
    "indicator_name": pl.String,
    "unit": pl.String,
    "aggregation": pl.String,  # sum / stock / ratio
    "numerator_code": pl.String,  # ratio only
    "denominator_code": pl.String,  # ratio only
    "is_count": pl.Boolean,  # values must be whole numbers
    "sort_order": pl.Int32,
}

RULES = {
    "rule_code": pl.String,
    "lhs_codes": pl.String,  # indicator codes joined by '+'
    "rhs_codes": pl.String,
    "severity": pl.String,
    "message_vi": pl.String,
    "message_en": pl.String,
}


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with the given schema."""
    return pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class Reference:
    """The reference frames a run works with (warehouse/reference.py loads them)."""

    units: pl.DataFrame  # UNITS
    crosswalk: pl.DataFrame  # CROSSWALK
    clusters: pl.DataFrame  # CLUSTERS
    indicators: pl.DataFrame  # INDICATORS
    rules: pl.DataFrame  # RULES
    deadline_days: int
