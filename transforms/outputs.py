"""Everything a run publishes, computed from the ledger and the clean values (pure).

The ledger decides which file counts for each ward and period; its values become the ward
values of every period (transforms/cumulative.py), which roll up to districts, clusters and the
city (transforms/rollup.py). Completeness, rule findings and outliers come from the same inputs.
The same inputs always give the same tables, row order included.
"""

import polars as pl

from transforms.completeness import completeness, ward_completeness
from transforms.cumulative import derive_ward_values
from transforms.eras import key_by_unit_version, restore_ward_codes
from transforms.ledger import ACCEPTED
from transforms.periods import period_sort_key, with_period_order
from transforms.rollup import restate_to_current, rollup
from transforms.rules import check_rules, flag_outliers
from transforms.schema import FINDINGS, Reference

FINDING_ORDER = ["period", "ward_code", "file_name", "finding_code", "indicator_code", "row"]


def build_outputs(ledger: pl.DataFrame, values: pl.DataFrame, ingest_findings: pl.DataFrame,
                  reference: Reference) -> dict[str, pl.DataFrame]:
    """Tables keyed by their DuckDB name: core.ward_values, mart.*_summary, ...

    Args:
        ledger: raw.files (status already resolved).
        values: raw.values (clean values of every accepted file).
        ingest_findings: raw.findings.
    """
    winners = ledger.filter(pl.col("status").is_in(ACCEPTED)).select(
        "file_hash", "ward_code", "period", "report_date", "received_at")
    winner_values = values.join(winners.select("file_hash"), on="file_hash", how="semi")
    ward_values, cumulative_findings = derive_ward_values(
        key_by_unit_version(winners, reference.units),
        winner_values.select("file_hash", "indicator_code", "value", "is_approximate"),
        reference.indicators,
    )
    ward_values = restore_ward_codes(ward_values, reference.units)
    cumulative_findings = restore_ward_codes(cumulative_findings, reference.units)
    summaries = rollup(ward_values, reference.units, reference.indicators, reference.clusters)
    periods = sorted(set(ward_values["period"].unique().to_list())
                     | set(summaries["city"]["period"].unique().to_list()), key=period_sort_key)
    received = (
        ledger.filter(pl.col("ingest_status").is_in(ACCEPTED))
        .group_by("ward_code", "period")
        .agg(pl.col("received_at").min().alias("first_received_at"))
    )
    rule_findings = check_rules(
        winner_values.join(winners.select("file_hash", "ward_code", "period"), on="file_hash")
        .select("file_hash", "ward_code", "period", "indicator_code", "value"),
        reference.rules,
        reference.indicators,
    )
    findings = (
        pl.concat([ingest_findings.select(list(FINDINGS)),
                   cumulative_findings.select(list(FINDINGS)),
                   rule_findings.select(list(FINDINGS)),
                   summaries["findings"].select(list(FINDINGS)),
                   flag_outliers(ward_values, reference.units, reference.indicators)
                   .select(list(FINDINGS))],
                  how="vertical")
        .join(ledger.group_by("file_hash").agg(pl.col("file_name").min().alias("ledger_name")),
              on="file_hash", how="left")
        .with_columns(pl.coalesce("file_name", "ledger_name").alias("file_name"))
        .select(list(FINDINGS))
        .sort(FINDING_ORDER + ["message_en"], nulls_last=True)
    )
    dropped = (findings.filter(pl.col("finding_code").str.starts_with("V_"))
               .group_by("file_hash").agg(pl.len().alias("values_dropped")))
    counting = (
        winners.join(ledger.select("file_hash", "file_name", "status").unique("file_hash"),
                     on="file_hash")
        .join(dropped, on="file_hash", how="left")
        .select("ward_code", "period", "file_hash", "file_name",
                pl.col("status").alias("file_status"),
                pl.col("values_dropped").fill_null(0))
    )
    return {
        "core.ward_values": by_period(ward_values),
        "core.ward_values_current": by_period(restate_to_current(ward_values, reference.crosswalk)),
        # every mart table carries period_start and period_order (reporting order)
        "mart.district_summary": with_period_order(summaries["district"]),
        "mart.cluster_summary": with_period_order(summaries["cluster"]),
        "mart.city_summary": with_period_order(summaries["city"]),
        "mart.completeness": with_period_order(completeness(
            received, reference.units, reference.clusters, periods, reference.deadline_days)),
        "mart.ward_completeness": ward_completeness(received, counting, reference.units,
                                                    periods, reference.deadline_days),
        "mart.findings": with_period_order(findings),
    }


def by_period(ward_values: pl.DataFrame) -> pl.DataFrame:
    """Ward values in their published order: period, ward_code, indicator_code.

    Both callers pass rows already in indicator order within each ward and period
    (derive_ward_values and restate_to_current sort them, one row per ward, period and
    indicator), so a stable sort on period and ward_code is enough: 2.5x to 4x faster than
    sorting a million rows on three string columns. It is still needed after
    derive_ward_values, which sorted unit-version keys (00004@2020-01-01, transforms/eras.py):
    they need not sort like the plain codes.
    """
    return ward_values.sort("period", "ward_code", maintain_order=True)
