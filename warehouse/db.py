"""DuckDB access: the schema in `warehouse/schema/*.sql`, and moving frames in and out.

Two files live in `<data_dir>/warehouse/`: `state.duckdb`, the writer's private working
database (ledger, parsed values, run history, the latest outputs), and `mttq.duckdb`, the
analysts' copy that `warehouse/publish.py` replaces whole and atomically on each run.
"""

import functools
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

SCHEMA_DIR = Path(__file__).parent / "schema"
# Oldest storage format the analysts' tools must open (PyPI's duckdb-cli 1.5.x reads 64..68).
# New state files are made in it too, so that publishing can copy the state file (publish.py).
STORAGE_VERSION = "v1.4.0"


def schema_files() -> list[Path]:
    """The DDL files in the order they apply (NNN_ prefix)."""
    return sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9]_*.sql"))


def apply_schema(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> None:
    """Create every schema, table and comment (idempotent). `catalog`: an attached database."""
    if catalog:
        con.execute(f"use {catalog}")
    for path in schema_files():
        con.execute(path.read_text(encoding="utf-8"))


@functools.cache
def schema_fingerprint() -> str:
    """A hash of the DDL files: a database stamped with it already has this schema."""
    digest = hashlib.sha256()
    for path in schema_files():
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Apply the schema unless this database already carries it (a run opens the state several
    times; re-running every DDL and COMMENT each time costs more than the work itself)."""
    try:
        stamp = con.execute("select value from ops.meta where key = 'schema'").fetchall()
    except duckdb.CatalogException:
        stamp = []
    if stamp and stamp[0][0] == schema_fingerprint():
        return
    apply_schema(con)
    set_meta(con, "schema", schema_fingerprint())


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a DuckDB file with the schema applied (when writable)."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    config = {} if read_only else {"storage_compatibility_version": STORAGE_VERSION}
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All the writes inside, or none: committed at the end, rolled back on any exception."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [row[0] for row in rows]


def append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Insert a frame's rows into `table`, matching columns by name.

    A frame column the table lacks raises ValueError (it would otherwise be lost without a
    word); table columns the frame lacks are filled with their default (null).
    """
    columns = table_columns(con, table)
    unknown = [c for c in frame.columns if c not in columns]
    if unknown:
        raise ValueError(f"{table} has no column {', '.join(unknown)} / bảng {table} không có "
                         f"cột {', '.join(unknown)}")
    if frame.is_empty():
        return 0
    staged = frame.select([c for c in columns if c in frame.columns])
    # Arrow string views: handed over without a copy (a large_string copy of a million-row
    # table cost a quarter of inserting it)
    con.register("_staged", staged.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        names = ", ".join(f'"{c}"' for c in staged.columns)
        con.execute(f"insert into {table} ({names}) select {names} from _staged")
    finally:
        con.unregister("_staged")
    return staged.height


def replace(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Replace all rows of `table` with the frame's."""
    con.execute(f"delete from {table}")
    return append(con, table, frame)


def read(con: duckdb.DuckDBPyConnection, table: str, where: str = "", params=None) -> pl.DataFrame:
    """All rows of a table (optionally filtered) as a Polars frame."""
    query = f"select * from {table}" + (f" where {where}" if where else "")
    return con.sql(query, params=params).pl()


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("select value from ops.meta where key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("insert or replace into ops.meta values (?, ?)", [key, value])


PAUSE_ENV = "MTTQ_TEST_PAUSE_AT"


def pause_point(step: str) -> None:
    """Crash-test hook: when `MTTQ_TEST_PAUSE_AT=<step>`, announce it on stderr and sleep.

    The crash tests (tests/flows/test_crash_safety.py) set it so that their SIGKILL lands at a
    known step: `ingest` (archiving inbox files), `load` (inside the state transaction),
    `parquet` (between two Parquet partitions), `publish` (the new DuckDB file built, not yet
    swapped in). Unset, it does nothing.
    """
    if os.environ.get(PAUSE_ENV) == step:
        os.write(2, f"MTTQ_PAUSED_AT {step}\n".encode())
        time.sleep(float(os.environ.get("MTTQ_TEST_PAUSE_SECONDS", 600)))
