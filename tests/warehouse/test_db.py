"""A transaction keeps all of its writes or none: a failed run or scan leaves the state as is."""

import polars as pl
import pytest

from warehouse import db, state


def test_a_failure_inside_a_transaction_leaves_the_table_as_it_was(tmp_path):
    last_scan = {"00001.xlsx": ((10, 1, 1, 7), "a" * 64)}
    with db.connect(tmp_path / "state.duckdb") as con:
        state.save_inbox_index(con, last_scan)

        with pytest.raises(ZeroDivisionError), db.transaction(con):
            db.replace(con, "ops.inbox_index", pl.DataFrame(
                {"original_path": ["00002.xlsx"], "size_bytes": [5], "mtime_ns": [2],
                 "ctime_ns": [2], "inode": [8], "file_hash": ["b" * 64]}))
            1 / 0  # noqa: B018 - the failure halfway through a run's writes

        assert state.inbox_index(con) == last_scan
        with db.transaction(con):  # and the connection takes the next transaction
            db.set_meta(con, "data_version", "3")
        assert state.data_version(con) == 3
