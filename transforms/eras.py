"""Keep a ward's history apart from another ward that later reuses its code.

Ward codes were reused in the 2025 reorganisation (old 00004 Trúc Bạch, new 00004 Ba Đình). A
year that spans the change must not add the old ward's Q1–Q2 to the new ward's Q3–Q4 as if they
were one ward. So cumulative periods are derived per *unit version*: the ward code plus the date
its unit became valid (`00004@2020-01-01`, `00004@2025-07-01`), and each derived value is kept
only when its period ends while that version is valid (the hierarchy it rolls up through).
Within a single version nothing changes: keys map back to the plain code.
"""

import polars as pl

from transforms.periods import period_end
from transforms.validity import valid_at

SEPARATOR = "@"


def _period_ends(periods: pl.Series) -> pl.DataFrame:
    unique = periods.unique().drop_nulls().to_list()
    return pl.DataFrame({"period": unique, "_end": [period_end(p) for p in unique]},
                        schema={"period": pl.String, "_end": pl.Date})


def key_by_unit_version(submissions: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """`ward_code` replaced by `code@valid_from` of the ward unit valid at the period's end.

    A submission whose ward is not valid then (upstream validation prevents it) keeps its code.
    """
    wards = units.filter(pl.col("level") == "ward").select(
        pl.col("unit_code").alias("ward_code"), "valid_from", "valid_to")
    numbered = submissions.with_row_index("_order")
    versions = (
        numbered.select("_order", "ward_code", "period")
        .join(_period_ends(submissions["period"]), on="period", how="left")
        .join(wards, on="ward_code")
        .filter(valid_at("_end"))
        .unique("_order", keep="first")
        .select("_order", (pl.col("ward_code") + SEPARATOR
                           + pl.col("valid_from").cast(pl.String)).alias("_key"))
    )
    return (
        numbered.join(versions, on="_order", how="left")
        .with_columns(pl.coalesce("_key", "ward_code").alias("ward_code"))
        .sort("_order")
        .select(submissions.columns)
    )


def restore_ward_codes(frame: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Plain ward codes again, keeping only rows whose period ends while that version is valid
    (e.g. an old ward's 2025-Y, which its version does not reach, is dropped). Row order kept."""
    if frame.is_empty():
        return frame
    restored = frame.join(_restored_keys(frame.select("ward_code", "period").unique(), units),
                          on=["ward_code", "period"], how="inner", nulls_equal=True,
                          maintain_order="left")
    return restored.with_columns(pl.col("_code").alias("ward_code")).select(frame.columns)


def _restored_keys(pairs: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """For each distinct (keyed ward_code, period) worth keeping: its plain code `_code`.

    Decided once per pair (a few thousand) rather than once per value row (millions)."""
    split = pairs.with_columns(
        pl.col("ward_code").str.split_exact(SEPARATOR, 1).struct.rename_fields(
            ["_code", "_from"]).alias("_parts"))
    split = split.unnest("_parts").with_columns(pl.col("_from").str.to_date(strict=False))
    wards = units.filter(pl.col("level") == "ward").select(
        pl.col("unit_code").alias("_code"), pl.col("valid_from").alias("_from"), "valid_to")
    return (
        split.join(_period_ends(pairs["period"]), on="period", how="left")
        .join(wards, on=["_code", "_from"], how="left")
        .filter(pl.col("_from").is_null() | pl.col("period").is_null()
                | valid_at("_end", valid_from="_from"))
        .select("ward_code", "period", "_code")
    )
