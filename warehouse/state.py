"""The writer's state database: the file ledger, clean values, findings, runs and outputs.

Everything a run learns is committed in one transaction (`commit_run`), so a run killed at any
moment leaves the state as it was before the run or as it is after it, never in between.
"""

import json
from datetime import datetime

import duckdb
import polars as pl

from transforms.schema import Reference
from warehouse import db

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


def clean_values(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return db.read(con, "raw.values")


def ingest_findings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return db.read(con, "raw.findings")


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
) -> int:
    """Record new files, their values and findings, the re-decided statuses and the outputs,
    all or nothing. Returns the new data version."""
    version = data_version(con) + 1
    con.execute("begin transaction")
    try:
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
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return version


# --- runs ----------------------------------------------------------------------------------

def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow_name: str,
              parameters: dict, flow_run_id: str | None = None) -> None:
    """Record a run as `running`; runs left `running` by a killed process become `failed`."""
    con.execute(
        "update ops.runs set status = 'failed', ended_at = coalesce(ended_at, ?), "
        "error_message = coalesce(error_message, 'interrupted: the run stopped before finishing "
        "(killed or machine stopped) / lần chạy bị dừng giữa chừng') where status = 'running'",
        [datetime.now()],
    )
    con.execute(
        "insert into ops.runs (run_id, flow_run_id, flow_name, parameters, started_at, status) "
        "values (?, ?, ?, ?, ?, 'running')",
        [run_id, flow_run_id, flow_name, json.dumps(parameters, ensure_ascii=False,
                                                    sort_keys=True, default=str), datetime.now()],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str,
               counts: dict[str, int] | None = None, error: str | None = None) -> None:
    counts = counts or {}
    assignments = ", ".join(f"{name} = ?" for name in RUN_COUNTS)
    con.execute(
        f"update ops.runs set status = ?, ended_at = ?, error_message = ?, {assignments} "
        "where run_id = ?",
        [status, datetime.now(), error, *[counts.get(name) for name in RUN_COUNTS], run_id],
    )


def run_parameters(con: duckdb.DuckDBPyConnection, run_id: str | None = None,
                   last_failed: bool = False) -> tuple[str, str, dict] | None:
    """(run_id, flow_name, parameters) of a given run, or of the latest failed one."""
    if last_failed:
        rows = con.execute("select run_id, flow_name, parameters from ops.runs "
                          "where status = 'failed' order by started_at desc limit 1").fetchall()
    else:
        rows = con.execute("select run_id, flow_name, parameters from ops.runs where run_id = ?",
                          [run_id]).fetchall()
    if not rows:
        return None
    run, flow_name, parameters = rows[0]
    return run, flow_name, json.loads(parameters or "{}")
