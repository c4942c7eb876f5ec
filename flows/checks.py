"""`mttq validate`: the same checks as a run, on files given by path, loading nothing."""

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.settings import load_settings
from transforms.findings import findings_frame, make_finding
from transforms.ingest import ingest
from warehouse import reference
from warehouse.inbox import discover, display_name, inspect_path
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
    same bytes (two empty files) are each reported once. Paths are shown escaped
    (warehouse.inbox.display_name); the run's limits (MTTQ_MAX_*) apply.
    """
    settings = load_settings()
    expanded: dict[str, tuple[str, str, str]] = {}  # shown path -> (path, problem, detail)
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for entry in discover(path):
                shown = display_name(os.path.join(str(path), entry.relative_path))
                expanded.setdefault(shown, (entry.path, entry.problem, entry.problem_text))
        elif os.path.lexists(path):  # a link is not followed here either, as in the inbox
            expanded.setdefault(display_name(str(path)), (str(path), *inspect_path(str(path))))
    missing = [display_name(str(p)) for p in dict.fromkeys(paths)
               if not os.path.lexists(p) and not p.is_dir()]
    existing = list(expanded)
    items = [(f"file-{index}", real, "", problem, detail)
             for index, (real, problem, detail) in enumerate(expanded.values())]
    limits = settings.read_limits()
    files, cells = frames_from_batches([read_batch(items, limits)])
    outcome = ingest(files, cells, reference.load_units(), reference.load_indicators(), strict,
                     settings.max_findings_per_file)
    keys = pl.DataFrame({"path": existing, "file_hash": [item[0] for item in items]},
                        schema={"path": pl.String, "file_hash": pl.String})
    statuses = keys.join(
        outcome.files.select("file_hash", pl.col("ingest_status").alias("status"),
                             "ward_code", "period"),
        on="file_hash", how="left", maintain_order="left")
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
