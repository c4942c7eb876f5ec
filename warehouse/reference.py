"""Load `warehouse/reference/` as Polars frames shaped like transforms/schema.py."""

import os
from datetime import date
from pathlib import Path

import polars as pl
import yaml

from transforms import schema

DEFAULT_REFERENCE_DIR = Path(__file__).parent / "reference"
ALL_PROVINCES = "all"
DATE_FORMAT = "%Y-%m-%d"
# The 2025 reform: wards from this day hang directly under the province (no districts).
REFORM_DATE = date(2025, 7, 1)


def reference_dir() -> Path:
    """The folder holding the reference files: `MTTQ_REFERENCE_DIR`, else the shipped one.

    Read on every call (not cached) so tests and deployments can point elsewhere.
    """
    return Path(os.environ.get("MTTQ_REFERENCE_DIR") or DEFAULT_REFERENCE_DIR)


def _read_csv(name: str, target: dict[str, pl.DataType]) -> pl.DataFrame:
    """Read a reference CSV as text (codes keep their leading zeros), then cast to `target`."""
    path = reference_dir() / name
    # Polars drops a UTF-8 BOM (files re-saved from Excel); empty cells become null.
    raw = pl.read_csv(path, schema={column: pl.String for column in target}, encoding="utf8")
    casts = []
    for column, dtype in target.items():
        if dtype == pl.Date:
            casts.append(pl.col(column).str.to_date(DATE_FORMAT, strict=True))
        elif dtype == pl.Boolean:
            # Strict: a typo such as "yes" must fail loudly, not turn into false.
            casts.append(
                pl.col(column).replace_strict(
                    {"true": True, "false": False}, return_dtype=pl.Boolean
                )
            )
        elif dtype != pl.String:
            casts.append(pl.col(column).cast(dtype, strict=True))
    return raw.with_columns(casts).select(list(target))


def load_settings() -> dict:
    """The settings in settings.yaml (`province_code`, `deadline_days`)."""
    with (reference_dir() / "settings.yaml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def _province(province_code: str | None) -> str:
    """The explicit province code, else the configured default; "all" means the whole country."""
    code = province_code if province_code is not None else load_settings()["province_code"]
    return str(code)


def load_units(province_code: str | None = None) -> pl.DataFrame:
    """One row per unit and validity interval (UNITS), both eras.

    Args:
        province_code: e.g. "01"; None = settings.yaml's `province_code`; "all" = whole country.
            A province's units are those whose `province_code` matches: the province row(s), its
            district-era districts and wards and its post-2025 wards. Codes 15, 24, 44, 52, 80, 82
            and 91 name a different province in each era (see README).
    """
    units = _read_csv("units.csv", schema.UNITS)
    code = _province(province_code)
    if code == ALL_PROVINCES:
        return units
    selected = units.filter(pl.col("province_code") == code)
    if selected.is_empty():
        raise ValueError(f"unknown province_code {code!r}: not in {reference_dir() / 'units.csv'}")
    return selected


def load_crosswalk(province_code: str | None = None) -> pl.DataFrame:
    """One row per (ward that disappeared, ward it went into) pair and change (CROSSWALK):
    the 2025-01-01 mergers (district era to district era) and the 2025-07-01 reform.

    For one province: the pairs whose old or new ward belongs to it, so history of wards that
    moved in from a merged province (e.g. Bình Dương into Hồ Chí Minh) is kept.
    """
    crosswalk = _read_csv("unit_crosswalk.csv", schema.CROSSWALK)
    code = _province(province_code)
    if code == ALL_PROVINCES:
        return crosswalk
    wards = load_units(code).filter(pl.col("level") == "ward")
    # Ward codes are reused across eras (old 00004 Trúc Bạch, new 00004 Ba Đình): match each
    # side against its own era only. District-era wards hang under a district (3 digits).
    district_era = pl.col("parent_code").str.len_chars() == 3
    old_codes = wards.filter(district_era)["unit_code"].unique()
    new_codes = wards.filter(~district_era)["unit_code"].unique()
    into_new_era = pl.col("effective_date") >= REFORM_DATE
    return crosswalk.filter(
        pl.col("old_code").is_in(old_codes.implode())
        | pl.when(into_new_era).then(pl.col("new_code").is_in(new_codes.implode()))
        .otherwise(pl.col("new_code").is_in(old_codes.implode()))
    )


def load_clusters() -> pl.DataFrame:
    """One row per (cluster, member district) (CLUSTERS)."""
    return _read_csv("clusters.csv", schema.CLUSTERS)


def load_indicators() -> pl.DataFrame:
    """One row per indicator of the catalog, in report order (INDICATORS)."""
    return _read_csv("indicators.csv", schema.INDICATORS).sort("sort_order")


def load_rules() -> pl.DataFrame:
    """One row per cross-indicator rule `sum(lhs_codes) <= sum(rhs_codes)` (RULES)."""
    return _read_csv("rules.csv", schema.RULES)


def units_valid_on(units: pl.DataFrame, day: date) -> pl.DataFrame:
    """The units of `units` valid on `day` (valid_to is inclusive; null = still valid). Pure."""
    return units.filter(
        (pl.col("valid_from") <= day) & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= day))
    )
