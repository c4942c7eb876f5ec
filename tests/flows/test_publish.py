"""Analysts' readers against a run: never blocked, never half a run; the file opens in the CLI.

Readers are separate Python processes (as an analyst's DuckDB session would be): one holds a
read-only connection across the whole run, one opens a new connection again and again while the
run publishes. A thread re-reads one Parquet partition throughout.
"""

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import polars as pl
import pytest
from ops_support import BIN, copy_inbox, mttq, outputs, published, runs
from polars.testing import assert_frame_equal

from flows.settings import Settings
from warehouse import db
from warehouse.publish import PUBLISHED_TABLES, publish_duckdb, write_parquet

pytestmark = pytest.mark.slow

SNAPSHOT = """
import duckdb, json, sys
def snapshot(con):
    return {
        "files": con.sql("select count(*) from raw.files").fetchall()[0][0],
        "total": con.sql("select sum(value) from mart.city_summary").fetchall()[0][0],
        "version": con.sql("select value from ops.meta where key = 'data_version'"
                           ).fetchall()[0][0],
        "runs": [list(r) for r in con.sql("select status, count(*) from ops.runs "
                                           "group by all order by all").fetchall()],
    }
"""
HOLDER = SNAPSHOT + """
con = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    print(json.dumps(snapshot(con)), flush=True)
"""
POLLER = SNAPSHOT + """
import os, time
seen, errors = [], []
while not os.path.exists(sys.argv[2]):
    try:
        con = duckdb.connect(sys.argv[1], read_only=True)
        try:
            seen.append(snapshot(con))
        finally:
            con.close()
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.02)
print(json.dumps({"seen": seen, "errors": errors}))
"""


@pytest.fixture(scope="module")
def night_one(tmp_path_factory, small_inbox, prefect_server):
    data_dir = tmp_path_factory.mktemp("publish")
    copy_inbox(small_inbox, data_dir, only="2021-Q1")
    done = mttq("run", "--data-dir", str(data_dir), server=prefect_server)
    assert done.returncode == 0, done.stdout + done.stderr
    return data_dir


def test_publish_readers_are_never_blocked_and_never_see_half_a_run(
        night_one, small_inbox, prefect_server, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(night_one, data_dir)
    copy_inbox(small_inbox, data_dir)
    target = str(data_dir / "warehouse" / "mttq.duckdb")
    partition = data_dir / "parquet" / "city_summary" / "period=2021-H1" / "part-0.parquet"
    old_partition = pl.read_parquet(partition)

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, target], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    stop_flag = tmp_path / "stop"
    poller = subprocess.Popen([sys.executable, "-c", POLLER, target, str(stop_flag)],
                              stdout=subprocess.PIPE, text=True)
    partitions_read, partition_errors, done_reading = [], [], threading.Event()

    def read_partition_until_done():
        while not done_reading.is_set():
            try:
                # One open file handle: the file as it was when opened (Polars' path reader
                # re-opens by name and can mix two files; see warehouse/publish.py).
                with partition.open("rb") as handle:
                    partitions_read.append(pl.read_parquet(handle))
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                partition_errors.append(repr(exc))

    reader = threading.Thread(target=read_partition_until_done)
    try:
        holder.stdin.write("?\n")
        holder.stdin.flush()
        before = json.loads(holder.stdout.readline())
        reader.start()
        run = mttq("run", "--data-dir", str(data_dir), server=prefect_server,
                   env={"MTTQ_LOCK_TIMEOUT": "5"}, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        done_reading.set()
        reader.join()
        holder.stdin.write("?\n")
        holder.stdin.flush()
        held = json.loads(holder.stdout.readline())
        stop_flag.touch()
        polled = json.loads(poller.communicate(timeout=30)[0])
    finally:
        done_reading.set()
        holder.kill()
        poller.kill()

    after = json.loads(subprocess.run(
        [sys.executable, "-c", SNAPSHOT + "print(json.dumps(snapshot(duckdb.connect("
         "sys.argv[1], read_only=True))))", target],
        capture_output=True, text=True, check=True).stdout)
    assert held == before  # the held connection keeps its snapshot across the whole run
    assert after["files"] > before["files"] and after["version"] != before["version"]
    assert after["runs"] == [["completed", 2]]
    assert polled["errors"] == []
    assert len(polled["seen"]) > 10
    assert all(snapshot in (before, after) for snapshot in polled["seen"]), polled["seen"]
    new_partition = pl.read_parquet(partition)
    assert not new_partition.equals(old_partition)
    assert partition_errors == [] and len(partitions_read) > 10
    assert all(read.equals(old_partition) or read.equals(new_partition)
               for read in partitions_read)


def test_publish_file_opens_read_only_in_pypi_duckdb_cli(night_one):
    cli = Path(BIN) / "duckdb"
    assert cli.is_file(), "duckdb-cli (a dev dependency) is not installed in the venv"
    query = ("select count(*) from mart.city_summary where period = '2021-Q1';"
             "select count(*) from duckdb_tables() where comment is null;")
    done = subprocess.run([str(cli), "-readonly", "-csv", "-noheader",
                           str(night_one / "warehouse" / "mttq.duckdb"), "-c", query],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    expected = published(night_one, "select count(*) n from mart.city_summary "
                         "where period = '2021-Q1'")["n"][0]
    assert done.stdout.split() == [str(expected), "0"]


def test_publish_duckdb_replaces_a_leftover_building_file(tmp_path):
    settings = Settings(data_dir=tmp_path)
    leftover = settings.warehouse_dir / ".mttq.duckdb.building"
    settings.warehouse_dir.mkdir(parents=True)
    leftover.write_bytes(b"half a file from a killed run")
    with db.connect(settings.state_db) as con:
        publish_duckdb(con, settings.published_db)
    assert not leftover.exists()
    assert published(tmp_path, "select count(*) n from ops.runs")["n"][0] == 0


def test_write_parquet_replaces_partitions_and_drops_stale_ones(tmp_path):
    first = pl.DataFrame({"period": ["2021-Q1", "2021-Q2"], "value": [1.0, 2.0]})
    second = pl.DataFrame({"period": ["2021-Q2"], "value": [3.0]})
    assert write_parquet("mart.city_summary", first, tmp_path) == 2
    assert write_parquet("mart.city_summary", second, tmp_path) == 1
    folder = tmp_path / "city_summary"
    assert sorted(p.name for p in folder.iterdir()) == ["period=2021-Q2"]
    assert sorted(p.name for p in (folder / "period=2021-Q2").iterdir()) == ["part-0.parquet"]
    assert pl.read_parquet(folder / "period=2021-Q2" / "part-0.parquet")["value"].to_list() \
        == [3.0]


def test_a_run_with_nothing_new_republishes_the_same_tables_and_records_itself(
        night_one, prefect_server, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(night_one, data_dir)
    before = outputs(data_dir)

    done = mttq("run", "--data-dir", str(data_dir), server=prefect_server)

    assert done.returncode == 0, done.stdout + done.stderr
    for table, frame in outputs(data_dir).items():
        assert_frame_equal(frame, before[table])
    history = runs(data_dir)
    assert [run["status"] for run in history] == ["completed", "completed"]
    files_new = published(data_dir, "select files_new from ops.runs order by started_at")
    assert files_new["files_new"].to_list()[-1] == 0
    opened = subprocess.run([str(BIN / "duckdb"), "-readonly", str(data_dir / "warehouse" /
                             "mttq.duckdb"), "-c", "select count(*) from ops.runs"],
                            capture_output=True, text=True)
    assert opened.returncode == 0 and "2" in opened.stdout, opened.stderr  # duckdb-cli 1.5.x


def _published_tables_of(path: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [f"{s}.{t}" for s, t in con.sql(
            "select schema_name, table_name from duckdb_tables() order by all").fetchall()]
        return {name: con.sql(f"select * from {name}").pl() for name in names}
    finally:
        con.close()


@pytest.mark.parametrize("state_format", ["analysts' format (a copy)", "newest (inserted)"])
def test_published_file_holds_the_published_tables_and_none_of_the_jobs_own(
        night_one, tmp_path, state_format):
    """Whether the state file can be copied (made since STORAGE_VERSION became its format) or
    not (an older state file), analysts get the same tables, and the CLI opens them."""
    state_db = tmp_path / "state.duckdb"
    if state_format.startswith("newest"):
        con = duckdb.connect(str(state_db))  # no storage_compatibility_version: duckdb 2's own
        con.execute(f"attach '{night_one / 'warehouse' / 'state.duckdb'}' as night "
                    "(read_only)")
        con.execute("copy from database night to state")
        con.close()
    else:
        shutil.copyfile(night_one / "warehouse" / "state.duckdb", state_db)
    target = tmp_path / "mttq.duckdb"

    with db.connect(state_db) as con:
        version = con.sql("select tags['storage_version'] from duckdb_databases() "
                          "where database_name = current_database()").fetchall()[0][0]
        publish_duckdb(con, target)

    assert version.startswith("v1.4.0") == state_format.startswith("analysts")
    state, out = _published_tables_of(state_db), _published_tables_of(target)
    assert set(out) == set(state)  # every table exists ...
    for name, frame in out.items():
        if name in PUBLISHED_TABLES:
            assert_frame_equal(frame, state[name])
        else:  # ... but the job's own (raw.values, raw.findings, ops.inbox_index) are empty
            assert frame.is_empty(), name
    assert state["raw.values"].height > 100 and state["ops.inbox_index"].height > 5
    opened = subprocess.run([str(BIN / "duckdb"), "-readonly", "-csv", "-noheader", str(target),
                             "-c", "select count(*) from raw.values"],
                            capture_output=True, text=True, timeout=60)
    assert opened.returncode == 0 and opened.stdout.split() == ["0"], opened.stderr
