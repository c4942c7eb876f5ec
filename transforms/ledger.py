"""Which submission counts for each ward and period: the latest report wins (SPEC §5).

A new file for the same ward and period supersedes the earlier one: later `Ngày lập`
(report_date) first, then later arrival (received_at, then seen_at), then the file hash so the
choice never depends on row order. The earlier files stay in the ledger as `superseded`.
"""

from dataclasses import dataclass

import polars as pl

from transforms.findings import findings_frame, make_finding
from transforms.ingest import Ingested

ACCEPTED = ("accepted", "accepted_with_errors")


def resolve_supersession(files: pl.DataFrame) -> pl.DataFrame:
    """Set `status` and `superseded_by` of every file from its `ingest_status`.

    Args:
        files: one row per file: file_hash, ingest_status (what reading and validating decided:
            accepted / accepted_with_errors / rejected / duplicate), ward_code, period,
            report_date, received_at, seen_at; other columns are kept.
    """
    ranked = (
        files.with_columns(pl.col("ingest_status").is_in(ACCEPTED).alias("_usable"))
        .sort(
            ["_usable", "ward_code", "period", "report_date", "received_at", "seen_at",
             "file_hash"],
            descending=[True, False, False, True, True, True, True],
            nulls_last=True,
        )
        .with_columns(
            pl.when(pl.col("_usable"))
            .then(pl.col("file_hash").first().over("_usable", "ward_code", "period"))
            .alias("_winner")
        )
    )
    return ranked.with_columns(
        pl.when(pl.col("_usable") & (pl.col("file_hash") != pl.col("_winner")))
        .then(pl.lit("superseded"))
        .otherwise(pl.col("ingest_status"))
        .alias("status"),
        pl.when(pl.col("_usable") & (pl.col("file_hash") != pl.col("_winner")))
        .then(pl.col("_winner"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("superseded_by"),
    ).drop("_usable", "_winner").sort("file_hash", "seen_at")


def classify_inbox(listing: pl.DataFrame, ledger: pl.DataFrame) -> pl.DataFrame:
    """Which inbox files are new, and which of the new ones repeat content already seen.

    Args:
        listing: one row per inbox file: file_hash, original_path, ... (sorted by path).
        ledger: raw.files so far (file_hash, original_path, ...).
    Returns the files not yet in the ledger with `duplicate_of`: the path already holding the
    same bytes (null for new content, which must be read).
    """
    unseen = listing.join(ledger.select("file_hash", "original_path"),
                          on=["file_hash", "original_path"], how="anti")
    first_known = ledger.group_by("file_hash").agg(
        pl.col("original_path").min().alias("known_path"))
    return (
        unseen.join(first_known, on="file_hash", how="left")
        .with_columns(pl.col("original_path").min().over("file_hash").alias("first_new_path"))
        .with_columns(
            pl.when(pl.col("known_path").is_not_null())
            .then(pl.col("known_path"))
            .when(pl.col("original_path") != pl.col("first_new_path"))
            .then(pl.col("first_new_path"))
            .alias("duplicate_of")
        )
        .drop("known_path", "first_new_path")
        .sort("original_path")
    )


def new_ledger_rows(new_files: pl.DataFrame, ingested_files: pl.DataFrame,
                    seen_at: object, run_id: str) -> pl.DataFrame:
    """raw.files rows for files seen for the first time.

    Args:
        new_files: classify_inbox output (file_hash, original_path, size_bytes, received_at,
            duplicate_of).
        ingested_files: transforms.ingest.Ingested.files for the new content.
    A duplicate takes the ward and period of the content it repeats, with status `duplicate`.
    """
    return (
        new_files.join(ingested_files, on="file_hash", how="left")
        .with_columns(
            pl.col("original_path").str.split("/").list.last().alias("file_name"),
            pl.lit(seen_at).cast(pl.Datetime("us")).alias("seen_at"),
            pl.col("received_at").cast(pl.Datetime("us")),
            pl.lit(run_id).alias("run_id"),
            pl.when(pl.col("duplicate_of").is_not_null())
            .then(pl.lit("duplicate"))
            .otherwise(pl.col("ingest_status"))
            .alias("ingest_status"),
            pl.col("file_format").fill_null("other"),
        )
        .with_columns(pl.col("ingest_status").alias("status"),
                      pl.lit(None, dtype=pl.String).alias("superseded_by"))
    )


def duplicate_findings(new_files: pl.DataFrame) -> pl.DataFrame:
    """One I_DUPLICATE finding per new path whose bytes were already seen."""
    duplicates = new_files.filter(pl.col("duplicate_of").is_not_null())
    return findings_frame([
        make_finding("I_DUPLICATE", file_hash=row["file_hash"], found=row["duplicate_of"],
                     file_name=row["original_path"].rsplit("/", 1)[-1])
        for row in duplicates.iter_rows(named=True)
    ])


def restate_ledger(ledger: pl.DataFrame, reread: pl.DataFrame) -> pl.DataFrame:
    """The ledger with what re-reading decided for the files in `reread` (Ingested.files).

    Paths, sizes, arrival and first-seen times and runs stay; a duplicate path stays a
    duplicate and takes the ward and period now read from its content.
    """
    decided = ["file_format", "ingest_status", "ward_code", "period", "report_date",
               "ward_name_as_written", "district_name_as_written", "author"]
    updated = ledger.join(reread.select("file_hash", *decided), on="file_hash", how="left",
                          suffix="_new")
    was_read = pl.col("file_format_new").is_not_null()
    return updated.with_columns(
        *[pl.when(was_read).then(pl.col(f"{c}_new")).otherwise(pl.col(c)).alias(c)
          for c in decided if c != "ingest_status"],
        pl.when(was_read & (pl.col("ingest_status") != "duplicate"))
        .then(pl.col("ingest_status_new")).otherwise(pl.col("ingest_status"))
        .alias("ingest_status"),
    ).select(ledger.columns)


# --- a run's changes merged into what the state holds (flows/tasks.py commits them) ---------

@dataclass(frozen=True)
class Merged:
    """The whole ledger, values and findings after a run, and the rows the run adds."""

    ledger: pl.DataFrame  # raw.files after the run, statuses re-decided
    values: pl.DataFrame  # raw.values after the run
    findings: pl.DataFrame  # raw.findings after the run
    added_files: pl.DataFrame  # ledger rows to insert (new, or re-read by a backfill)
    added_findings: pl.DataFrame  # findings to insert


def merge_new_files(known_ledger: pl.DataFrame, known_values: pl.DataFrame,
                    known_findings: pl.DataFrame, new_files: pl.DataFrame,
                    ingested: Ingested, seen_at: object, run_id: str) -> Merged:
    """The nightly run's merge: new files join the ledger, the latest report of each ward and
    period wins again over all files, and a repeated content gets its I_DUPLICATE finding.

    Args:
        new_files: classify_inbox output (the inbox files not yet in the ledger).
        ingested: what reading the new content decided.
    """
    new_rows = new_ledger_rows(new_files, ingested.files, seen_at, run_id)
    ledger = resolve_supersession(pl.concat([known_ledger, new_rows.select(known_ledger.columns)],
                                            how="vertical_relaxed"))
    added_findings = pl.concat([ingested.findings, duplicate_findings(new_files)],
                               how="vertical_relaxed")
    new_keys = new_rows.select("file_hash", "original_path")
    return Merged(
        ledger=ledger,
        values=pl.concat([known_values, ingested.values], how="vertical_relaxed"),
        findings=pl.concat([known_findings, added_findings], how="vertical_relaxed"),
        added_files=ledger.join(new_keys, on=["file_hash", "original_path"], how="semi"),
        added_findings=added_findings,
    )


def merge_reread_files(known_ledger: pl.DataFrame, known_values: pl.DataFrame,
                       known_findings: pl.DataFrame, reread_hashes: list[str],
                       ingested: Ingested) -> Merged:
    """A backfill's merge: what re-reading decided replaces the files' ledger decisions,
    values and findings (never added to them: twice is the same as once). The duplicate notes
    stay, as they belong to paths, not to contents."""
    ledger = resolve_supersession(restate_ledger(known_ledger, ingested.files))
    reread = pl.col("file_hash").is_in(reread_hashes)
    kept_findings = known_findings.filter(~reread | (pl.col("finding_code") == "I_DUPLICATE"))
    return Merged(
        ledger=ledger,
        values=pl.concat([known_values.filter(~reread), ingested.values], how="vertical_relaxed"),
        findings=pl.concat([kept_findings, ingested.findings], how="vertical_relaxed"),
        added_files=ledger.filter(reread),
        added_findings=ingested.findings,
    )


def status_changes(before: pl.DataFrame, after: pl.DataFrame) -> int:
    """How many ledger rows (file and path) have another status `after` than `before`."""
    return after.join(before, on=["file_hash", "original_path"], suffix="_before").filter(
        pl.col("status") != pl.col("status_before")).height


def ledger_counts(ledger: pl.DataFrame, files_seen: int, files_new: int,
                  new_rows: pl.DataFrame) -> dict:
    """Counts an operator reads: the run's files by status (`new_rows`), the ledger's totals."""
    def count(frame: pl.DataFrame, status: str, column: str = "ingest_status") -> int:
        return 0 if frame.is_empty() else frame.filter(pl.col(column) == status).height

    return {
        "files_seen": files_seen,
        "files_new": files_new,
        "files_accepted": count(new_rows, "accepted"),
        "files_with_errors": count(new_rows, "accepted_with_errors"),
        "files_rejected": count(new_rows, "rejected"),
        "files_duplicate": count(new_rows, "duplicate"),
        "files_skipped": count(new_rows, "skipped"),
        "files_superseded": count(ledger, "superseded", "status"),
    }
