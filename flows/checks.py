"""`mttq validate`: the same checks as a run, on files given by path, loading nothing."""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.tasks import frames_from_batches
from transforms.ingest import ingest
from warehouse import reference
from warehouse.inbox import hash_file
from warehouse.readers import read_batch


@dataclass(frozen=True)
class Validation:
    files: pl.DataFrame  # path, file_hash, status, ward_code, period
    findings: pl.DataFrame  # FINDINGS


def validate_files(paths: list[Path], strict: bool = False) -> Validation:
    """Read, parse and check the files exactly as the nightly flow would."""
    existing = [p for p in paths if p.is_file()]
    items = [(hash_file(p), str(p)) for p in existing]
    files, cells = frames_from_batches([read_batch(items)])
    outcome = ingest(files, cells, reference.load_units(), reference.load_indicators(), strict)
    by_hash = pl.DataFrame({"path": [str(p) for p in existing],
                            "file_hash": [h for h, _ in items]}, schema={"path": pl.String,
                                                                          "file_hash": pl.String})
    statuses = by_hash.join(
        outcome.files.select("file_hash", pl.col("ingest_status").alias("status"),
                             "ward_code", "period"),
        on="file_hash", how="left").unique("path", maintain_order=True)
    missing = pl.DataFrame({"path": [str(p) for p in paths if not p.is_file()]},
                           schema={"path": pl.String})
    if missing.height:
        statuses = pl.concat([statuses, missing.with_columns(
            pl.lit(None, pl.String).alias("file_hash"), pl.lit("rejected").alias("status"),
            pl.lit(None, pl.String).alias("ward_code"), pl.lit(None, pl.String).alias("period"),
        )])
    return Validation(statuses, outcome.findings)
