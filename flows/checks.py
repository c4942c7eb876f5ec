"""`mttq validate`: the same checks as a run, on files given by path, loading nothing."""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.findings import findings_frame, make_finding
from transforms.ingest import ingest
from warehouse import reference
from warehouse.inbox import discover
from warehouse.readers import frames_from_batches, read_batch


@dataclass(frozen=True)
class Validation:
    files: pl.DataFrame  # path, file_hash (a key per path, not a content hash), status,
    #                      ward_code, period
    findings: pl.DataFrame  # FINDINGS, joined to `files` on file_hash


def validate_files(paths: list[Path], strict: bool = False) -> Validation:
    """Read, parse and check the files exactly as the nightly flow would.

    A folder stands for every file under it (as the inbox is scanned); a path that does not
    exist is reported as F_NOT_FOUND. Each path gets its own key, so that two files with the
    same bytes (two empty files) are each reported once.
    """
    expanded: list[Path] = []
    for path in paths:
        expanded += [Path(f.path) for f in discover(path)] if path.is_dir() else [path]
    expanded = list(dict.fromkeys(expanded))
    existing = [p for p in expanded if p.is_file()]
    items = [(f"file-{index}", str(p)) for index, p in enumerate(existing)]
    files, cells = frames_from_batches([read_batch(items)])
    outcome = ingest(files, cells, reference.load_units(), reference.load_indicators(), strict)
    keys = pl.DataFrame({"path": [str(p) for p in existing], "file_hash": [k for k, _ in items]},
                        schema={"path": pl.String, "file_hash": pl.String})
    statuses = keys.join(
        outcome.files.select("file_hash", pl.col("ingest_status").alias("status"),
                             "ward_code", "period"),
        on="file_hash", how="left", maintain_order="left")
    missing = [str(p) for p in expanded if not p.is_file()]
    if not missing:
        return Validation(statuses, outcome.findings)
    missing_keys = [f"missing-{index}" for index in range(len(missing))]
    statuses = pl.concat([statuses, pl.DataFrame({
        "path": missing, "file_hash": missing_keys, "status": ["rejected"] * len(missing),
        "ward_code": [None] * len(missing), "period": [None] * len(missing),
    }, schema=statuses.schema)])
    not_found = findings_frame([make_finding("F_NOT_FOUND", file_hash=key, found=path)
                                for key, path in zip(missing_keys, missing, strict=True)])
    return Validation(statuses, pl.concat([outcome.findings, not_found]))
