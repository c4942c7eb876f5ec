"""Publish outputs where analysts read them, atomically.

DuckDB: the analysts' file `mttq.duckdb` is rebuilt next to itself from the writer's state
database and swapped in with one `os.replace`. A reader that has the old file open keeps reading
the old snapshot (the old inode lives until it closes) and is never blocked; new connections
see the new file whole. The file is written in an older storage format so that PyPI's
`duckdb-cli` 1.5.x and DBeaver open it.

Parquet: `parquet/<table>/period=<id>/part-0.parquet`, each partition written to a temporary
name and renamed over the old one, so a reader that opens a partition sees it whole, old or new.
Polars' path-based `read_parquet` opens a file more than once and can trip over a partition
replaced between two opens; during a run read Parquet through DuckDB, pyarrow, or an open file
handle (`pl.read_parquet(open(path, "rb"))`). Across partitions, a reader may mix two runs'
partitions while a run is writing; the DuckDB file is the consistent snapshot.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import apply_schema, pause_point
from warehouse.state import finish_run

# Oldest storage format the analysts' tools must open (duckdb-cli 1.5.x reads 64..68).
STORAGE_VERSION = "v1.4.0"
PUBLISHED_TABLES = (
    "raw.files",
    "core.units",
    "core.unit_crosswalk",
    "core.clusters",
    "core.indicators",
    "core.ward_values",
    "core.ward_values_current",
    "mart.district_summary",
    "mart.cluster_summary",
    "mart.city_summary",
    "mart.completeness",
    "mart.findings",
    "ops.runs",
    "ops.meta",
)
PARQUET_TABLES = (
    "core.ward_values",
    "mart.district_summary",
    "mart.cluster_summary",
    "mart.city_summary",
    "mart.completeness",
    "mart.findings",
)
UNKNOWN_PERIOD = "unknown"


def publish_duckdb(state: duckdb.DuckDBPyConnection, target: Path,
                   completed_run: dict | None = None,
                   before_swap: Callable[[], object] | None = None) -> Path:
    """Copy the published tables from the open state database into a new file at `target`.

    When the published file already holds this data version (a run that found nothing new),
    it is copied as it is and only its run history (`ops.*`) is refreshed: a file copy instead
    of re-inserting every table, which was most of an incremental run's publishing.

    Args:
        completed_run: `run_id`, `counts`, `ended_at` of the run publishing: marked completed in
            the new file only (the state database marks it once the file is in place), so a run
            killed before the swap is never recorded as completed.
        before_swap: waited for once the new file is built, before it replaces the old one (the
            Parquet files, written meanwhile on another thread, are then complete first).
    """
    temporary = target.with_name(f".{target.name}.building")
    for leftover in (temporary, Path(f"{temporary}.wal")):
        leftover.unlink(missing_ok=True)  # from a run killed while publishing
    state_catalog = state.execute("select current_database()").fetchall()[0][0]
    current = _copy_if_current(state, target, temporary)
    state.execute(f"attach '{temporary}' as published (storage_version '{STORAGE_VERSION}')")
    try:
        tables = RUN_TABLES if current else PUBLISHED_TABLES
        if not current:
            apply_schema(state, catalog="published")
        for table in tables:
            state.execute(f"delete from published.{table}")
            state.execute(f"insert into published.{table} select * from {state_catalog}.{table}")
        if completed_run:
            finish_run(state, completed_run["run_id"], "completed", completed_run["counts"],
                       ended_at=completed_run["ended_at"], table="published.ops.runs")
    finally:
        state.execute(f"use {state_catalog}")
        state.execute("detach published")
    if before_swap is not None:
        before_swap()
    _fsync(temporary)
    pause_point("publish")
    os.replace(temporary, target)
    _fsync(target.parent)
    return target


RUN_TABLES = ("ops.runs", "ops.meta")


def _copy_if_current(state: duckdb.DuckDBPyConnection, target: Path, temporary: Path) -> bool:
    """Copy `target` to `temporary` if it holds the state's data version and schema."""
    if not target.exists():
        return False
    wanted = state.execute("select key, value from ops.meta where key in "
                           "('data_version', 'schema')").fetchall()
    shutil.copyfile(target, temporary)
    try:
        copy = duckdb.connect(str(temporary), read_only=True)
        try:
            found = copy.execute("select key, value from ops.meta where key in "
                                 "('data_version', 'schema')").fetchall()
        finally:
            copy.close()
    except duckdb.Error:
        found = []
    if sorted(found) == sorted(wanted) and len(wanted) == 2:
        return True
    temporary.unlink()
    return False


def write_parquet(table: str, frame: pl.DataFrame, root: Path) -> int:
    """Write one table hive-partitioned by period; remove partitions that no longer exist.

    Returns the number of partitions written.
    """
    folder = root / table.split(".", 1)[1]
    folder.mkdir(parents=True, exist_ok=True)
    keyed = frame.with_columns(pl.col("period").fill_null(UNKNOWN_PERIOD).alias("_partition"))
    written = set()
    for (period,), part in keyed.group_by("_partition", maintain_order=True):
        partition = folder / f"period={period}"
        partition.mkdir(exist_ok=True)
        temporary = partition / ".part-0.parquet.tmp"
        part.drop("_partition", "period").write_parquet(temporary, statistics=True)
        _fsync(temporary)
        os.replace(temporary, partition / "part-0.parquet")
        written.add(partition.name)
        pause_point("parquet")
    for stale in folder.glob("period=*"):
        if stale.name not in written:
            (stale / "part-0.parquet").unlink(missing_ok=True)
            stale.rmdir() if not any(stale.iterdir()) else None
    return len(written)


def _fsync(path: Path) -> None:
    """Flush a file or directory to disk so a crash right after the rename keeps it."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
