"""Publish outputs where analysts read them, atomically.

DuckDB: the analysts' file `mttq.duckdb` is rebuilt next to itself from the writer's state
database and swapped in with one `os.replace`. A reader that has the old file open keeps reading
the old snapshot (the old inode lives until it closes) and is never blocked; new connections
see the new file whole. The file is written in an older storage format so that PyPI's
`duckdb-cli` 1.5.x and DBeaver open it (warehouse/db.py: STORAGE_VERSION).

Parquet: `parquet/<table>/period=<id>/part-0.parquet`, where `parquet` is a symlink to the
folder of one data version (`.parquet-v<N>-<pid>/`). A run writes every table into a new
version folder, and once the DuckDB file is swapped in, swaps the link with one rename: a
reader sees every partition of one version, the one the DuckDB file published, never a mix
and never half a file; a run killed while writing leaves the old link (and a half-built folder
that the next run removes). Files are never replaced in place, so Polars' path-based readers,
which open a file twice, are safe too. The previous version's folder stays until the next run.
"""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from warehouse.db import STORAGE_VERSION, apply_schema, pause_point
from warehouse.state import finish_run

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
    "mart.ward_completeness",
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
    "mart.ward_completeness",
    "mart.findings",
)
UNKNOWN_PERIOD = "unknown"


def publish_duckdb(state: duckdb.DuckDBPyConnection, target: Path,
                   completed_run: dict | None = None,
                   before_swap: Callable[[], object] | None = None) -> Path:
    """Make the analysts' file from the open state database and swap it in at `target`.

    The cheapest of three ways that applies:
    - the published file already holds this data version (a run that found nothing new): it
      is copied as it is and only its run history (`ops.*`) is refreshed;
    - the state file is in the analysts' storage format (every state file made since that
      became the default, warehouse/db.py): a byte copy of it, taken after a checkpoint, with
      the job's own tables (raw.values, raw.findings, ops.inbox_index) emptied: a file copy
      instead of re-inserting two million rows, which was half of a full run's publishing;
    - otherwise (an older state file): a new file, every published table inserted.

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
    catalog = '"' + state_catalog.replace('"', '""') + '"'  # a file name: quoted identifier
    copied = _copy_if_current(state, target, temporary) or _copy_if_compatible(state, temporary)
    # the path is bound, never pasted: a data dir named `o'brien` must work
    state.execute("attach ? as published (storage_version ?)", [str(temporary), STORAGE_VERSION])
    try:
        if copied:  # the data is there; a copy of the state still holds the job's own rows
            for table in _private_tables(state, "published"):
                state.execute(f"delete from published.{table}")
        else:
            apply_schema(state, catalog="published")
        for table in RUN_TABLES if copied else PUBLISHED_TABLES:
            state.execute(f"delete from published.{table}")
            state.execute(f"insert into published.{table} select * from {catalog}.{table}")
        if completed_run:
            finish_run(state, completed_run["run_id"], "completed", completed_run["counts"],
                       ended_at=completed_run["ended_at"], table="published.ops.runs")
    finally:
        state.execute(f"use {catalog}")
        state.execute("detach published")
    if before_swap is not None:
        before_swap()
    _fsync(temporary)
    pause_point("publish")
    os.replace(temporary, target)
    _fsync(target.parent)
    return target


def _copy_if_compatible(state: duckdb.DuckDBPyConnection, temporary: Path) -> bool:
    """Copy the state file itself to `temporary` if the analysts' tools can open it."""
    path, version = state.execute(
        "select path, tags['storage_version'] from duckdb_databases() "
        "where database_name = current_database()").fetchone()
    if not path or not str(version or "").startswith(STORAGE_VERSION):
        return False
    state.execute("checkpoint")  # every committed change in the file itself, none in its WAL
    shutil.copyfile(path, temporary)
    return True


def _private_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    """Tables of `catalog` that are not published (the job's own: emptied in the copy)."""
    rows = con.execute("select schema_name || '.' || table_name from duckdb_tables() "
                       "where database_name = ?", [catalog]).fetchall()
    return [name for (name,) in rows if name not in PUBLISHED_TABLES]


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


def write_parquet_tables(frames: dict[str, pl.DataFrame], root: Path, version: int) -> Path:
    """Every Parquet table of one data version, in a new folder beside `root` that no reader
    sees until swap_parquet makes `root` name it; its `_data_version` says which version.

    Folders of earlier versions (but the one `root` names now) and leftovers of killed runs
    are removed first: the previous version stays readable until the next run.
    """
    remove_stale_parquet(root)
    folder = root.with_name(f".{root.name}-v{version}-{os.getpid()}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for table, frame in frames.items():
        write_parquet(table, frame, folder)
    marker = folder / "_data_version"
    marker.write_text(str(version))
    _fsync(marker)
    _fsync(folder)
    return folder


def swap_parquet(root: Path, folder: Path) -> None:
    """Make `root` (data/parquet) name `folder`, with one rename of a symlink: readers that
    open `parquet/<table>/...` after it see the new version whole, before it the old one."""
    link = root.with_name(f".{root.name}.link-{os.getpid()}")
    link.unlink(missing_ok=True)
    os.symlink(folder.name, link)  # relative: the data dir may be moved or mounted elsewhere
    if root.is_dir() and not root.is_symlink():  # a Parquet folder written before versions
        legacy = root.with_name(f".{root.name}-legacy-{os.getpid()}")
        root.rename(legacy)
    os.replace(link, root)
    _fsync(root.parent)


def parquet_version(root: Path) -> str | None:
    """The data version the published Parquet holds (its `_data_version`), or None."""
    marker = root / "_data_version"
    try:
        return marker.read_text()
    except OSError:
        return None


def remove_stale_parquet(root: Path) -> None:
    """Version folders that `root` does not name, half-built ones and stray links."""
    current = os.readlink(root) if root.is_symlink() else None
    for path in root.parent.glob(f".{root.name}-*"):
        if path.name != current:
            shutil.rmtree(path, ignore_errors=True)
    for path in root.parent.glob(f".{root.name}.link-*"):
        path.unlink(missing_ok=True)


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
