"""The writer's state database: the file ledger, clean values, findings, runs and outputs.

Everything a run learns is committed in one transaction (`commit_run`), so a run killed at any
moment leaves the state as it was before the run or as it is after it, never in between.
"""

import hashlib
import json
from datetime import datetime

import duckdb
import polars as pl

from transforms.schema import Reference
from warehouse import db
from warehouse.inbox import ScanIndex

REFERENCE_TABLES = {
    "core.units": "units",
    "core.unit_crosswalk": "crosswalk",
    "core.clusters": "clusters",
    "core.indicators": "indicators",
}
RUN_COUNTS = ("files_seen", "files_new", "files_accepted", "files_with_errors",
              "files_rejected", "files_duplicate", "files_superseded")


def ledger(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return db.read(con, "raw.files")


def known_files(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """file_hash, original_path of every file in the ledger: what a scan compares against."""
    return con.sql("select file_hash, original_path from raw.files").pl()


def clean_values(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return db.read(con, "raw.values")


def ingest_findings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return db.read(con, "raw.findings")


def inbox_index(con: duckdb.DuckDBPyConnection) -> ScanIndex:
    """The last scan: relative path -> ((size, mtime_ns, ctime_ns, inode), file_hash)."""
    rows = con.execute("select original_path, size_bytes, mtime_ns, ctime_ns, inode, file_hash "
                       "from ops.inbox_index").fetchall()
    return {path: ((size, mtime, ctime, inode), file_hash)
            for path, size, mtime, ctime, inode, file_hash in rows}


def save_inbox_index(con: duckdb.DuckDBPyConnection, index: ScanIndex) -> None:
    """Replace the last scan with this one (warehouse.inbox.scan_index). Only a cache: a hash is
    the file's content whatever the run does next, so it needs no run transaction."""
    frame = pl.DataFrame(
        [(path, *key, file_hash) for path, (key, file_hash) in index.items()], orient="row",
        schema={"original_path": pl.String, "size_bytes": pl.Int64, "mtime_ns": pl.Int64,
                "ctime_ns": pl.Int64, "inode": pl.Int64, "file_hash": pl.String})
    with db.transaction(con):
        db.replace(con, "ops.inbox_index", frame)


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """Bumped whenever the outputs change; the publisher compares it with what it published."""
    return int(db.get_meta(con, "data_version") or 0)


def commit_run(
    con: duckdb.DuckDBPyConnection,
    new_files: pl.DataFrame,
    new_values: pl.DataFrame,
    new_findings: pl.DataFrame,
    statuses: pl.DataFrame,
    outputs: dict[str, pl.DataFrame],
    reference: Reference,
    reread_hashes: list[str] | None = None,
) -> int:
    """Record new files, their values and findings, the re-decided statuses and the outputs,
    all or nothing. Returns the new data version.

    Args:
        reread_hashes: files read again by a backfill: their values and findings (except the
            duplicate notes, which belong to the paths) are replaced by `new_values` and
            `new_findings`, and their ledger rows by the matching rows of `new_files`.
    """
    version = data_version(con) + 1
    with db.transaction(con):
        if reread_hashes:
            con.register("_reread", pl.DataFrame({"file_hash": reread_hashes}).to_arrow())
            con.execute("delete from raw.values where file_hash in (select file_hash from _reread)")
            con.execute("delete from raw.findings where file_hash in "
                        "(select file_hash from _reread) and finding_code <> 'I_DUPLICATE'")
            con.execute("delete from raw.files where file_hash in (select file_hash from _reread)")
            con.unregister("_reread")
        db.append(con, "raw.files", new_files)
        db.append(con, "raw.values", new_values)
        db.append(con, "raw.findings", new_findings)
        if not statuses.is_empty():
            con.register("_statuses", statuses.to_arrow())
            con.execute(
                "update raw.files set status = s.status, superseded_by = s.superseded_by "
                "from _statuses s where raw.files.file_hash = s.file_hash "
                "and raw.files.original_path = s.original_path"
            )
            con.unregister("_statuses")
        for table, attribute in REFERENCE_TABLES.items():
            db.replace(con, table, getattr(reference, attribute))
        for table, frame in outputs.items():
            db.replace(con, table, frame)
        db.set_meta(con, "data_version", str(version))
        # in the same transaction: the outputs and what they were computed from never disagree
        db.set_meta(con, "reference_fingerprint", reference_fingerprint(reference))
        db.pause_point("load")
    return version


# --- backfill ------------------------------------------------------------------------------

def archived_files(con: duckdb.DuckDBPyConnection, periods: list[str]) -> pl.DataFrame:
    """The ledger rows whose content was read (not duplicates) and whose period is one of
    `periods`: file_hash, original_path. Files with no recognised period belong to no range."""
    return db.read(con, "raw.files", "ingest_status <> 'duplicate' and list_contains(?, period)",
                   [periods]).select("file_hash", "original_path").sort("original_path")


def reference_fingerprint(reference: Reference) -> str:
    """A hash of the reference frames: outputs are recomputed when an administrator edits them."""
    digest = hashlib.sha256(str(reference.deadline_days).encode())
    # and the schema: a new output table or column is filled by the next run, not left empty
    digest.update(db.schema_fingerprint().encode())
    for frame in (reference.units, reference.crosswalk, reference.clusters,
                  reference.indicators, reference.rules):
        digest.update(frame.write_csv().encode())
    return digest.hexdigest()


# --- runs ----------------------------------------------------------------------------------

INTERRUPTED = ("bị dừng: lần chạy dừng giữa chừng (bị tắt hoặc máy dừng) / interrupted: the "
               "run stopped before finishing (killed or machine stopped)")


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow_name: str,
              parameters: dict, flow_run_id: str | None = None,
              rerun_of: str | None = None) -> None:
    """Record a run as `running`. Called under the writer's lock, so any run still `running`
    was killed: it becomes `failed` with the error `interrupted: ...`."""
    con.execute(
        "update ops.runs set status = 'failed', ended_at = coalesce(ended_at, ?), "
        "error_message = coalesce(error_message, ?) where status = 'running'",
        [datetime.now(), INTERRUPTED],
    )
    con.execute(
        "insert into ops.runs (run_id, flow_run_id, flow_name, parameters, started_at, status, "
        "rerun_of) values (?, ?, ?, ?, ?, 'running', ?)",
        [run_id, flow_run_id, flow_name, json.dumps(parameters, ensure_ascii=False,
                                                    sort_keys=True, default=str),
         datetime.now(), rerun_of],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str,
               counts: dict[str, int] | None = None, error: str | None = None,
               ended_at: datetime | None = None, table: str = "ops.runs") -> None:
    """Close a run's row (`table`: e.g. `published.ops.runs` for the copy being published)."""
    counts = counts or {}
    assignments = ", ".join(f"{name} = ?" for name in RUN_COUNTS)
    con.execute(
        f"update {table} set status = ?, ended_at = ?, error_message = ?, {assignments} "
        "where run_id = ?",
        [status, ended_at or datetime.now(), error, *[counts.get(name) for name in RUN_COUNTS],
         run_id],
    )


def find_run(con: duckdb.DuckDBPyConnection, run_id: str | None = None,
             last_failed: bool = False,
             running_is_stale: bool = False) -> tuple[str, str, dict] | None:
    """(run_id, flow_name, parameters) of a given run, or of the latest failed one.

    Args:
        running_is_stale: nobody holds the writer's lock, so a run still `running` was killed
            and counts as failed.
    """
    if last_failed:
        statuses = ["failed", "running"] if running_is_stale else ["failed"]
        rows = con.execute("select run_id, flow_name, parameters from ops.runs "
                           "where list_contains(?, status) order by started_at desc limit 1",
                           [statuses]).fetchall()
    else:
        rows = con.execute("select run_id, flow_name, parameters from ops.runs where run_id = ?",
                           [run_id]).fetchall()
    if not rows:
        return None
    run, flow_name, parameters = rows[0]
    return run, flow_name, json.loads(parameters or "{}")
