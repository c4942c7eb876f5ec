"""What the console reads: the published DuckDB file, read-only, freshly opened per request.

The published file is replaced whole by each run (renamed over), so a connection opened for one
request sees one complete snapshot, and holding none between requests means the console never
keeps an old snapshot alive nor stands in a run's way. Queries live in `queries/*.sql`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from flows.settings import Settings

QUERIES = Path(__file__).parent / "queries"


class NotPublished(Exception):
    """No published file yet, or one without the table a page needs (an older run)."""

    def __init__(self, table: str | None = None) -> None:
        super().__init__(table or "no published file")
        self.table = table


@cache
def query(name: str) -> str:
    return (QUERIES / f"{name}.sql").read_text()


@contextmanager
def published(settings: Settings, *needs: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published file, closed at the end of the request.

    Raises NotPublished when the file is not there, or when a query finds a table missing
    (naming it when it is one of `needs`, e.g. "mart.ward_completeness").
    """
    if not settings.published_db.exists():
        raise NotPublished()
    # Attached to a new in-memory database, not `duckdb.connect(path)`: connect() shares one
    # database instance per path within a process, so while any other connection to the file
    # is open here (an analyst's notebook, a slow request) a request would see that
    # connection's snapshot, possibly a file a run has since replaced.
    con = duckdb.connect(":memory:")
    try:
        path = str(settings.published_db).replace("'", "''")
        con.execute(f"attach '{path}' as published (read_only)")
        con.execute("use published")
    except duckdb.Error:
        con.close()
        raise NotPublished() from None
    try:
        yield con
    except duckdb.CatalogException:
        # A table is missing (a file from an older version): name it if the page said which
        # it needs. Checked only then: listing the catalog costs more than a page's queries.
        missing = [table for table in needs if table not in tables(con)]
        raise NotPublished(missing[0] if missing else None) from None
    finally:
        con.close()


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """`schema.table` of every table and view in the file."""
    found = con.execute("select schema_name, table_name from duckdb_tables() "
                        "where database_name = current_database() union all "
                        "select schema_name, view_name from duckdb_views() "
                        "where database_name = current_database()").fetchall()
    return {f"{schema}.{table}" for schema, table in found}


def rows(con: duckdb.DuckDBPyConnection, name: str, params: list | None = None) -> list[dict]:
    """The rows of query `name` as dicts."""
    result = con.execute(query(name), params or [])
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
