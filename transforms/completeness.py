"""Completeness of reporting: per level, unit and period, how many wards sent, and on time.

Grain (COMPLETENESS): one row per level (district / cluster / city), unit valid at the period
end, and period asked for. Decisions:

- Expected: the wards valid at the period end under the unit (the hierarchy of that date, as in
  transforms/rollup.py; after 2025-07-01 there are only city rows).
- Received: the ward's accepted reports make its figure for the period whole, the same way
  transforms/cumulative.py makes it:
  * a quarter: sent it, or it can be derived from a cumulative report and other reports
    (e.g. Q2 from H1 and Q1: the derivation formulas of cumulative.py);
  * a cumulative period (H1, H2, 9M, Y): sent it, or its quarters are covered exactly by the
    reports it has (explicit cumulative reports inside it, and quarters as above), e.g. H1 if it
    sent H1, or Q1 and Q2, or Q1 and derived Q2; 9M if 9M, or H1 + Q3, or Q1 + Q2 + Q3;
    H2 also from Y and H1 (cumulative.py case C11).
    A partial figure (Q1 only for H1) is not received.
- When: the earliest moment the ward's figure became whole: the latest first_received_at of the
  reports needed, minimised over the ways to make it.
- On time: that moment is on or before the end of the day period_end + deadline_days, in local
  time (Asia/Ho_Chi_Minh). Naive datetimes are taken as local; time-zone-aware ones are converted
  to local first. A Q3 report with the default 10 days is on time up to 10/10 23:59:59.
- Rates in percent 0–100, rounded to 6 decimals; null when nothing is expected.
"""

from datetime import timedelta

import polars as pl

from transforms.cumulative import KINDS, QUARTER_KINDS, derivation_formulas, exact_covers
from transforms.periods import QUARTERS_OF_KIND, with_period_order
from transforms.rollup import (
    period_frame,
    roll_up_levels,
    units_at_period_end,
    units_by_level,
    ward_placement,
)
from transforms.schema import COMPLETENESS, WARD_COMPLETENESS

LOCAL_TIME_ZONE = "Asia/Ho_Chi_Minh"
DECIMALS = 6
LEVEL_ORDER = {"district": 0, "cluster": 1, "city": 2}


def _latest(*columns: pl.Expr) -> pl.Expr:
    """The latest of the times, null when any is missing (all the reports are needed)."""
    return pl.when(pl.all_horizontal([c.is_not_null() for c in columns])).then(
        pl.max_horizontal(columns)
    )


def _sent(kind: str) -> pl.Expr:
    return pl.col(f"t_{kind}")


def _quarter_times() -> list[pl.Expr]:
    """When each quarter became known: sent, or derivable from reports sent (earliest way)."""
    times = []
    for quarter in QUARTER_KINDS:
        ways = [_sent(quarter)] + [
            _latest(_sent(cumulative), *[_sent(part) for part in parts])
            for cumulative, parts in derivation_formulas(quarter)
        ]
        times.append(pl.min_horizontal(ways).alias(f"tq_{quarter}"))
    return times


def _period_time(kind: str) -> pl.Expr:
    """When the ward's figure for `kind` became whole (null: never)."""
    if kind in QUARTER_KINDS:
        return pl.col(f"tq_{kind}")
    tile = lambda k: pl.col(f"tq_{k}") if k in QUARTER_KINDS else _sent(k)  # noqa: E731
    covers = exact_covers(frozenset(QUARTERS_OF_KIND[kind]), exclude="")
    ways = [_latest(*[tile(k) for k in cover]) for cover in covers]
    if kind == "H2":  # cumulative.py case C11: H2 = Y − H1
        ways.append(_latest(_sent("Y"), _sent("H1")))
    return pl.min_horizontal(ways)


def _local(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return column.dt.convert_time_zone(LOCAL_TIME_ZONE).dt.replace_time_zone(None)
    return column


def ward_arrivals(received: pl.DataFrame, frame: pl.DataFrame, deadline_days: int
                  ) -> pl.DataFrame:
    """One row per ward and period of `frame` whose figure is whole: period, ward_code,
    whole_at (local time), due_date (the last day on time), is_on_time."""
    arrivals = (
        received.select(
            "ward_code",
            pl.col("period").str.slice(0, 4).alias("year"),
            pl.col("period").str.slice(5).alias("kind"),
            _local(pl.col("first_received_at"), received.schema["first_received_at"])
            .cast(pl.Datetime("us"))
            .alias("t"),
        )
        .group_by("ward_code", "year", "kind")
        .agg(pl.col("t").min())
    )
    wide = arrivals.pivot(on="kind", index=["ward_code", "year"], values="t")
    wide = wide.rename({k: f"t_{k}" for k in KINDS if k in wide.columns}).with_columns(
        [pl.lit(None, pl.Datetime("us")).alias(f"t_{k}") for k in KINDS if k not in wide.columns]
    )
    wide = wide.with_columns(_quarter_times())
    wanted = {kind for period in frame["period"] for kind in [period[5:]]}
    whole = pl.concat(
        [
            wide.select(
                "ward_code",
                pl.concat_str(pl.col("year"), pl.lit(f"-{kind}")).alias("period"),
                _period_time(kind).alias("whole_at"),
            )
            for kind in KINDS
            if kind in wanted
        ]
    ).filter(pl.col("whole_at").is_not_null())
    due = pl.col("period_end") + timedelta(days=deadline_days)
    return (
        whole.join(frame.select("period", "period_end"), on="period")
        .select(
            "period",
            "ward_code",
            "whole_at",
            due.alias("due_date"),
            # on time up to the end of the due day: before the next day's midnight
            (pl.col("whole_at") < (due + timedelta(days=1)).cast(pl.Datetime("us")))
            .alias("is_on_time"),
        )
    )


def completeness(
    received: pl.DataFrame,
    units: pl.DataFrame,
    clusters: pl.DataFrame,
    periods: list[str],
    deadline_days: int,
) -> pl.DataFrame:
    """COMPLETENESS rows for `periods` at district, cluster and city level.

    Args:
        received: one row per ward and period it sent an accepted report for: ward_code,
            period, first_received_at (Datetime).
        periods: canonical period ids to report on.
        deadline_days: days after the period end a report may arrive and still be on time.
    """
    if not periods:
        return pl.DataFrame(schema=COMPLETENESS)
    frame = period_frame(periods)
    placement = ward_placement(units, frame)
    per_ward = (
        placement.select("period", "ward_code")
        .join(ward_arrivals(received, frame, deadline_days), on=["period", "ward_code"],
              how="inner")
        .select(
            "period",
            "ward_code",
            pl.lit(1, pl.Int32).alias("wards_received"),
            pl.col("is_on_time").cast(pl.Int32).alias("wards_on_time"),
        )
    )
    counts = roll_up_levels(
        per_ward,
        placement,
        clusters,
        keys=[],
        aggs=[pl.col("wards_received").sum(), pl.col("wards_on_time").sum()],
    )
    rate = lambda c: (  # noqa: E731
        pl.when(pl.col("wards_expected") > 0).then(
            (100.0 * pl.col(c) / pl.col("wards_expected")).round(DECIMALS)
        )
    )
    return (
        units_by_level(units, clusters, frame, placement)
        .join(counts, on=["period", "level", "unit_code"], how="left")
        .with_columns(pl.col("wards_received", "wards_on_time").fill_null(0).cast(pl.Int32))
        .with_columns(received_rate=rate("wards_received"), on_time_rate=rate("wards_on_time"))
        .join(frame.select("period", "period_rank"), on="period")
        .sort(
            pl.col("level").replace_strict(LEVEL_ORDER, return_dtype=pl.Int8),
            "period_rank",
            "unit_code",
        )
        .select([pl.col(column).cast(dtype) for column, dtype in COMPLETENESS.items()])
    )


def ward_completeness(
    received: pl.DataFrame,
    counting: pl.DataFrame,
    units: pl.DataFrame,
    periods: list[str],
    deadline_days: int,
) -> pl.DataFrame:
    """WARD_COMPLETENESS rows: one per ward expected in each of `periods` (valid at its end).

    The same reckoning as `completeness` (its counts are these rows added up), per ward:
    received_at is when the ward's figure became whole; days_late is how many days after the
    due day (period end + deadline_days) that was, 0 when on time, null when not received.
    The file that counts is the ward's accepted report for that very period; a figure made from
    other reports (H1 from Q1 and Q2, Q2 from H1 − Q1) has none (file columns null).

    Args:
        received: as for `completeness`.
        counting: one row per ward and period of the report that counts (the ledger's winner):
            ward_code, period, file_hash, file_name, file_status, values_dropped.
    """
    if not periods:
        return pl.DataFrame(schema=WARD_COMPLETENESS)
    frame = period_frame(periods)
    valid = units_at_period_end(units, frame)
    names = lambda level, code: valid.filter(pl.col("level") == level).select(  # noqa: E731
        "period", pl.col("unit_code").alias(f"{code}_code"),
        pl.col("unit_name").alias(f"{code}_name"))
    province = units.group_by("unit_code").agg(pl.col("province_code").first())
    rows = (
        ward_placement(units, frame)
        .join(names("ward", "ward"), on=["period", "ward_code"], how="left")
        .join(names("district", "district"), on=["period", "district_code"], how="left")
        .join(province.rename({"unit_code": "ward_code"}), on="ward_code", how="left")
        .join(ward_arrivals(received, frame, deadline_days), on=["period", "ward_code"],
              how="left")
        .join(counting, on=["period", "ward_code"], how="left")
        .join(frame.select("period", "period_rank"), on="period")
        .sort("period_rank", "district_code", "ward_code", nulls_last=True)
        .with_columns(
            pl.int_range(1, pl.len() + 1).over("period", "district_code").alias("ward_order"),
            pl.col("whole_at").is_not_null().alias("is_received"),
            pl.col("is_on_time").fill_null(False),
            pl.when(pl.col("whole_at").is_not_null()).then(
                pl.max_horizontal(
                    (pl.col("whole_at").dt.date() - pl.col("due_date")).dt.total_days(),
                    pl.lit(0),
                )
            ).alias("days_late"),
            pl.col("whole_at").alias("received_at"),
        )
    )
    return with_period_order(rows).select(
        [pl.col(column).cast(dtype) for column, dtype in WARD_COMPLETENESS.items()])
