"""Roll ward values up to district, cluster and city summaries through each period's hierarchy.

Grain of every summary (SUMMARY): one row per period, unit and catalog indicator.

- A period rolls up through the units valid at its end (periods.period_end): a ward goes to its
  parent district and that district's city; a ward whose parent is the city (after 2025-07-01)
  goes straight to the city, so those periods have no district and no cluster rows.
- `sum` and `stock` add across units (ward values are already per period, see
  transforms/cumulative.py). `ratio` = 100 × Σ numerator ÷ Σ denominator over the wards that
  reported both; null when nobody did or the denominator sum is 0; wards_reporting = wards that
  reported both.
- A cluster is its member districts (the sum of their wards; ratios recomputed).
- wards_expected = wards valid at the period end under the unit; wards_reporting = wards with a
  value. Rows where no ward reported carry value null and wards_reporting 0 (SPEC: no imputation).
- Ward values of a ward that is not valid at the period end (e.g. a district-era ward's derived
  2025-Y) are left out and reported as I_WARD_NOT_IN_HIERARCHY info findings (one per ward and
  period) under the extra key `findings`; they are not an error because cumulative periods that
  span a reorganisation legitimately produce them, and raising would stop the nightly run.
- Values are rounded to 6 decimals, and rows sorted by period (periods.period_sort_key), unit_code
  and catalog sort_order, so two runs give byte-identical tables.
"""

import polars as pl

from transforms.periods import period_end, period_sort_key, periods_of_year
from transforms.rules import findings_from_frame
from transforms.schema import SUMMARY, WARD_VALUES
from transforms.validity import valid_at

DECIMALS = 6
LEVELS = ("district", "cluster", "city")


def period_frame(periods: list[str]) -> pl.DataFrame:
    """One row per distinct period: period, period_end, period_rank (summary order)."""
    ordered = sorted(set(periods), key=period_sort_key)
    return pl.DataFrame(
        {
            "period": ordered,
            "period_end": [period_end(p) for p in ordered],  # one call per period, not per row
            "period_rank": list(range(len(ordered))),
        },
        schema={"period": pl.String, "period_end": pl.Date, "period_rank": pl.Int32},
    )


def _valid_at_end(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(valid_at("period_end"))


def units_at_period_end(units: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """One row per period and unit valid at its end (unit_code, unit_name, level, parent_code)."""
    return (
        _valid_at_end(periods.join(units, how="cross"))
        .group_by("period", "unit_code")
        .agg(pl.col("unit_name", "level", "parent_code").sort_by("valid_from").last())
    )


def ward_placement(units: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """One row per period and ward valid at its end: period, ward_code, district_code, city_code.

    district_code is null for a ward hanging directly under the city (after 2025-07-01). A ward
    whose parent is not valid at the period end is left out (it is expected nowhere).
    """
    valid = units_at_period_end(units, periods)
    wards = valid.filter(pl.col("level") == "ward").select(
        "period", pl.col("unit_code").alias("ward_code"), "parent_code"
    )
    parents = valid.select(
        "period",
        pl.col("unit_code").alias("parent_code"),
        pl.col("level").alias("parent_level"),
        pl.col("parent_code").alias("grandparent_code"),
    )
    is_district = pl.col("parent_level") == "district"
    return (
        wards.join(parents, on=["period", "parent_code"], how="inner")
        .select(
            "period",
            "ward_code",
            pl.when(is_district).then(pl.col("parent_code")).alias("district_code"),
            pl.when(is_district)
            .then(pl.col("grandparent_code"))
            .when(pl.col("parent_level") == "city")
            .then(pl.col("parent_code"))
            .alias("city_code"),
        )
        .filter(pl.col("city_code").is_not_null() | pl.col("district_code").is_not_null())
    )


def roll_up_levels(
    by_ward: pl.DataFrame,
    placement: pl.DataFrame,
    clusters: pl.DataFrame,
    keys: list[str],
    aggs: list[pl.Expr],
) -> pl.DataFrame:
    """Additive aggregates of ward rows at every level: period, level, unit_code, *keys, aggs.

    `by_ward` holds period, ward_code, keys and the columns `aggs` add up; each agg must stay
    additive when applied again to its own output (sums and counts), because wards are first
    added into their parent (district, or city after 2025-07-01) and those parents then into
    cities and clusters: one pass over the ward rows instead of three.
    """
    re_aggs = [pl.col(agg.meta.output_name()).sum() for agg in aggs]
    parents = (
        by_ward.join(placement, on=["period", "ward_code"], how="inner")
        .group_by("period", "district_code", "city_code", *keys)
        .agg(aggs)
    )
    district = (
        parents.filter(pl.col("district_code").is_not_null())
        .group_by("period", pl.col("district_code").alias("unit_code"), *keys)
        .agg(re_aggs)
        .with_columns(level=pl.lit("district"))
    )
    city = (
        parents.filter(pl.col("city_code").is_not_null())
        .group_by("period", pl.col("city_code").alias("unit_code"), *keys)
        .agg(re_aggs)
        .with_columns(level=pl.lit("city"))
    )
    cluster = (
        parents.filter(pl.col("district_code").is_not_null())
        .join(
            clusters.select("district_code", "cluster_code").unique(),
            on="district_code",
            how="inner",
        )
        .group_by("period", pl.col("cluster_code").alias("unit_code"), *keys)
        .agg(re_aggs)
        .with_columns(level=pl.lit("cluster"))
    )
    columns = ["period", "level", "unit_code", *keys, *[agg.meta.output_name() for agg in aggs]]
    return pl.concat([frame.select(columns) for frame in (district, cluster, city)])


def units_by_level(
    units: pl.DataFrame, clusters: pl.DataFrame, periods: pl.DataFrame, placement: pl.DataFrame
) -> pl.DataFrame:
    """One row per period, level and unit valid at its end: unit_name and wards_expected."""
    valid = units_at_period_end(units, periods)
    plain = valid.filter(pl.col("level").is_in(["district", "city"])).select(
        "period", "level", "unit_code", "unit_name"
    )
    cluster_names = clusters.group_by("cluster_code").agg(pl.col("cluster_name").min())
    valid_clusters = (
        valid.filter(pl.col("level") == "district")
        .join(
            clusters.select("district_code", "cluster_code"),
            left_on="unit_code",
            right_on="district_code",
        )
        .select("period", "cluster_code")
        .unique()
        .join(cluster_names, on="cluster_code")
        .select(
            "period",
            pl.lit("cluster").alias("level"),
            pl.col("cluster_code").alias("unit_code"),
            pl.col("cluster_name").alias("unit_name"),
        )
    )
    expected = roll_up_levels(
        placement.select("period", "ward_code"),
        placement,
        clusters,
        keys=[],
        aggs=[pl.len().cast(pl.Int32).alias("wards_expected")],
    )
    return (
        pl.concat([plain, valid_clusters])
        .join(expected, on=["period", "level", "unit_code"], how="left")
        .with_columns(pl.col("wards_expected").fill_null(0))
    )


def _contributions(ward_values: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """One row per ward, period and catalog indicator it counts for: x (value or numerator), y
    (denominator, ratios only)."""
    additive = indicators.filter(pl.col("aggregation").is_in(["sum", "stock"]))["indicator_code"]
    plain = ward_values.filter(pl.col("indicator_code").is_in(additive.implode())).select(
        "period",
        "ward_code",
        "indicator_code",
        pl.col("value").alias("x"),
        pl.lit(None, pl.Float64).alias("y"),
    )
    ratios = indicators.filter(pl.col("aggregation") == "ratio").select(
        "indicator_code", "numerator_code", "denominator_code"
    )
    values = ward_values.select("period", "ward_code", "indicator_code", "value")
    denominators = values.filter(
        pl.col("indicator_code").is_in(ratios["denominator_code"].implode())
    )
    both = (
        ratios.join(values, left_on="numerator_code", right_on="indicator_code", how="inner")
        .rename({"value": "x"})
        .join(
            denominators,
            left_on=["period", "ward_code", "denominator_code"],
            right_on=["period", "ward_code", "indicator_code"],
            how="inner",
        )
        .select("period", "ward_code", "indicator_code", "x", pl.col("value").alias("y"))
    )
    return pl.concat([plain, both])


def rollup(
    ward_values: pl.DataFrame,
    units: pl.DataFrame,
    indicators: pl.DataFrame,
    clusters: pl.DataFrame,
) -> dict[str, pl.DataFrame]:
    """District, cluster and city summaries (SUMMARY frames) of every period of ward_values.

    Periods: those present in ward_values plus all eight of each year present. Units: every
    district / cluster / city valid at the period end; indicators: the whole catalog.

    Returns:
        {"district": ..., "cluster": ..., "city": ..., "findings": FINDINGS frame}
        (findings: I_WARD_NOT_IN_HIERARCHY, see the module docstring).
    """
    present = ward_values["period"].unique().to_list()
    years = {int(p[:4]) for p in present}
    periods = period_frame(present + [p for y in years for p in periods_of_year(y)])
    placement = ward_placement(units, periods)
    unit_rows = units_by_level(units, clusters, periods, placement)

    outside = (
        ward_values.select("ward_code", "period")
        .unique()
        .join(placement, on=["period", "ward_code"], how="anti")
    )
    totals = roll_up_levels(
        _contributions(ward_values, indicators),
        placement,
        clusters,
        keys=["indicator_code"],
        aggs=[
            pl.col("x").sum().alias("x"),
            pl.col("y").sum().alias("y"),
            pl.len().cast(pl.Int32).alias("wards_reporting"),
        ],
    )
    catalog = indicators.select(
        "indicator_code", "indicator_name", "unit", "aggregation", "sort_order"
    )
    value = (
        pl.when(pl.col("aggregation") == "ratio")
        .then(pl.when(pl.col("y") > 0).then(100.0 * pl.col("x") / pl.col("y")))
        .otherwise(pl.col("x"))
        .round(DECIMALS)
    )
    # Sorting the few thousand unit rows, then keeping that order through the joins, gives the
    # summary order without sorting the hundreds of thousands of summary rows.
    ordered_units = unit_rows.join(periods.select("period", "period_rank"), on="period").sort(
        "level", "period_rank", "unit_code"
    )
    summary = (
        ordered_units.join(catalog.sort("sort_order"), how="cross", maintain_order="left_right")
        .join(
            totals,
            on=["period", "level", "unit_code", "indicator_code"],
            how="left",
            maintain_order="left",
        )
        .with_columns(
            value=pl.when(pl.col("wards_reporting") > 0).then(value),
            wards_reporting=pl.col("wards_reporting").fill_null(0),
        )
        .select([pl.col(column).cast(dtype) for column, dtype in SUMMARY.items()])
    )
    result = {level: summary.filter(pl.col("level") == level) for level in LEVELS}
    result["findings"] = findings_from_frame(
        outside.sort("ward_code", "period"),
        "I_WARD_NOT_IN_HIERARCHY",
        fields={"ward_code": pl.col("ward_code"), "period": pl.col("period")},
    )
    return result


def restate_to_current(ward_values: pl.DataFrame, crosswalk: pl.DataFrame) -> pl.DataFrame:
    """Ward values re-keyed to today's ward codes, for the "history in today's units" view.

    Grain: one row per current ward, period and indicator (WARD_VALUES). A value is re-keyed by a
    crosswalk row when its period ends before the row's effective_date (codes are reused across
    eras, e.g. old 00004 Trúc Bạch vs new 00004 Ba Đình, so later values are already current).
    Reorganisations are applied oldest first, so a value passes through each one its period
    predates. An old ward split in several goes to its is_default new ward (else the lowest new
    code). Several old wards merged into one are summed; is_approximate / is_derived are OR-ed;
    file_hash is kept when one file is the source, else null. Wards absent from the crosswalk keep
    their code. Pass only sum and stock values (ratios are recomputed from them, never restated);
    values of ratio indicators are not expected here.
    """
    targets = (
        crosswalk.sort("old_code", "effective_date", pl.col("is_default").not_(), "new_code")
        .group_by("old_code", "effective_date", maintain_order=True)
        .agg(pl.col("new_code").first())
    )
    dates = sorted(targets["effective_date"].unique().to_list())
    periods = period_frame(ward_values["period"].unique().to_list()).select("period", "period_end")
    restated = ward_values.join(periods, on="period", how="left")
    for effective in dates:  # one pass per reorganisation (a handful), never per row
        step = targets.filter(pl.col("effective_date") == effective).select("old_code", "new_code")
        restated = (
            restated.join(step, left_on="ward_code", right_on="old_code", how="left")
            .with_columns(
                ward_code=pl.when(
                    (pl.col("period_end") < effective) & pl.col("new_code").is_not_null()
                )
                .then(pl.col("new_code"))
                .otherwise(pl.col("ward_code"))
            )
            .drop("new_code")
        )
    # maintain_order=True: about twice as fast here (Polars 2.1, national data), and the groups
    # come out in the input's order, sorted by period or by ward, so the sort below is faster.
    merged = restated.group_by("ward_code", "period", "indicator_code", maintain_order=True).agg(
        pl.col("value").sum().round(DECIMALS),
        pl.col("is_approximate").any(),
        pl.col("is_derived").any(),
        pl.when(pl.col("file_hash").n_unique() == 1)
        .then(pl.col("file_hash").first())
        .alias("file_hash"),
    )
    return merged.select([pl.col(c).cast(t) for c, t in WARD_VALUES.items()]).sort(
        "ward_code", "period", "indicator_code"
    )
