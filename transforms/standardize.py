"""Turn what readers found into typed, conformed frames: header fields and value cells.

Headers: the period text becomes a canonical id, the report date a date (ISO, dd/mm/yyyy, an
Excel date cell or serial number, `ngày 05 tháng 10 năm 2021`), the ward code a 5-digit string.
Values: the indicator is resolved from its code or, failing that, its name; then the text is
parsed the Vietnamese way (transforms/numbers).

Decisions:
- An indicator is found by its code (any case, trimmed); else by its name compared folded
  (case, spacing, punctuation, quotes, Unicode form and diacritics ignored), so a table without
  a `Mã chỉ tiêu` column reads; else a code typed in the name column is taken as the code.
- A report date that cannot be read is null (the file is still accepted; supersession then goes
  by arrival) and the validator reports it as I_REPORT_DATE_INVALID.
"""

import re
from datetime import date, timedelta

import polars as pl

from transforms.numbers import parse_values
from transforms.period_parser import parse_period
from transforms.text import fold, normalize_text, strip_diacritics

HEADERS = {
    "file_hash": pl.String,
    "ward_code": pl.String,
    "ward_name": pl.String,
    "district_name": pl.String,
    "period_text": pl.String,
    "report_date_text": pl.String,
    "author": pl.String,
}
EXCEL_EPOCH = date(1899, 12, 30)
DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
# `ngày 05 tháng 10 năm 2021`, also after a place (`Phúc Xá, ngày 5 tháng 10 năm 2021`)
WORDED = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam|/|-)?\s*(\d{4})\s*$")
ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


def parse_report_date(text: str | None) -> date | None:
    """`2021-10-05`, `05/10/2021` (day first, as Vietnam writes it), an Excel serial `44474`, or
    `ngày 05 tháng 10 năm 2021`."""
    text = normalize_text(text)
    if not text:
        return None
    try:
        if match := WORDED.search(strip_diacritics(text.lower())):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := DAY_FIRST.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        serial = float(text)
        if 20000 < serial < 80000:  # 1954 .. 2119: a date cell read as its serial number
            return EXCEL_EPOCH + timedelta(days=int(serial))
    except ValueError:
        return None
    return None


def normalize_ward_code(text: str | None) -> str | None:
    """` 115 ` or `115.0` (a code typed as a number) -> `00115`; anything non-numeric is kept."""
    if text is None:
        return None
    text = text.strip()
    if text.endswith(".0"):
        text = text[:-2]
    if text.isdigit() and len(text) <= 5:
        return text.zfill(5)
    return text or None


def standardize_headers(headers: pl.DataFrame) -> pl.DataFrame:
    """One row per file: HEADERS plus `period` (canonical id or null) and `report_date`."""
    return headers.with_columns(
        pl.col("ward_code").map_elements(normalize_ward_code, return_dtype=pl.String),
        pl.col("period_text").map_elements(parse_period, return_dtype=pl.String).alias("period"),
        pl.col("report_date_text")
        .map_elements(parse_report_date, return_dtype=pl.Date)
        .alias("report_date"),
    )


def _folded(names: pl.Series) -> pl.Expr:
    """`fold` of each name, computed once per distinct name (a template repeats the same few
    dozen names in every file: a Python call per cell was a fifth of the standardizing)."""
    distinct = names.drop_nulls().unique().to_list()
    return pl.col(names.name).replace_strict(distinct, [fold(n) for n in distinct],
                                             default=None, return_dtype=pl.String)


def resolve_indicators(raw_values: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Attach the catalog indicator to each value cell, by code or else by folded name.

    Adds `resolved_code` (null when neither code nor name is in the catalog), `indicator_unit`,
    `aggregation` and `is_count`.
    """
    codes = indicators.select(
        pl.col("indicator_code").alias("resolved_code"), "unit", "aggregation", "is_count"
    )
    by_name = indicators.select(
        pl.col("indicator_name").map_elements(fold, return_dtype=pl.String).alias("name_key"),
        pl.col("indicator_code").alias("code_by_name"),
    )
    known_codes = indicators["indicator_code"].implode()
    name_as_code = pl.col("indicator_name").str.strip_chars().str.to_lowercase()
    resolved = (
        raw_values.with_columns(
            pl.col("indicator_code").str.strip_chars().str.to_lowercase().alias("code_key"),
            _folded(raw_values["indicator_name"]).alias("name_key"),
        )
        .join(by_name, on="name_key", how="left")
        .with_columns(
            pl.when(pl.col("code_key").is_in(known_codes))
            .then(pl.col("code_key"))
            .when(pl.col("code_by_name").is_not_null())
            .then(pl.col("code_by_name"))
            .when(name_as_code.is_in(known_codes))
            .then(name_as_code)
            .alias("resolved_code")
        )
        .join(codes, on="resolved_code", how="left")
        .rename({"unit": "indicator_unit"})
        .drop("code_key", "name_key", "code_by_name")
    )
    return resolved


def standardize_values(raw_values: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Value cells with their indicator resolved and their text parsed.

    Adds `resolved_code`, `indicator_unit`, `aggregation`, `is_count`, `value`,
    `is_approximate`, `error_code` (from transforms/numbers).
    """
    resolved = resolve_indicators(raw_values, indicators)
    parsed = parse_values(resolved.with_columns(pl.col("indicator_unit").fill_null("")))
    return parsed
