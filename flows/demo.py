"""The demo inbox: every district-era Hà Nội ward, 2021-Q1 .. 2022-Q4."""

from datetime import date
from pathlib import Path

import polars as pl

from transforms.periods import quarter_range
from warehouse import reference
from warehouse.sample_inbox import plan_inbox, write_inbox

DEMO_QUARTERS = quarter_range("2021-Q1", "2022-Q4")


def district_era_wards(province_code: str = "01", district_codes: list[str] | None = None,
                       on: date = date(2021, 12, 31)) -> pl.DataFrame:
    """ward_code, ward_name, district_code, district_name, is_rural of one province."""
    units = reference.units_valid_on(reference.load_units(province_code), on)
    districts = units.filter(pl.col("level") == "district").select(
        pl.col("unit_code").alias("district_code"), pl.col("unit_name").alias("district_name"))
    wards = (
        units.filter(pl.col("level") == "ward")
        .join(districts, left_on="parent_code", right_on="district_code")
        .select(pl.col("unit_code").alias("ward_code"), pl.col("unit_name").alias("ward_name"),
                pl.col("parent_code").alias("district_code"), "district_name")
        .with_columns(pl.col("district_name").str.starts_with("Huyện").alias("is_rural"))
    )
    if district_codes is not None:
        wards = wards.filter(pl.col("district_code").is_in(district_codes))
    return wards.sort("ward_code")


def make_demo_inbox(inbox: Path, seed: int = 2021, quarters: list[str] | None = None,
                    district_codes: list[str] | None = None) -> int:
    """Write the sample inbox unless it is already there (same seed, same files)."""
    if inbox.is_dir() and any(inbox.rglob("*.xlsx")):
        return sum(1 for p in inbox.rglob("*") if p.is_file())
    planned = plan_inbox(district_era_wards(district_codes=district_codes),
                         quarters or DEMO_QUARTERS, seed=seed)
    return write_inbox(inbox, planned, reference.load_indicators())
