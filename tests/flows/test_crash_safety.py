"""Kill -9 at several points of a run, run again: the outputs are those of a run never killed.

`MTTQ_TEST_PAUSE_AT=<step>` (warehouse/db.py `pause_point`) makes the run announce the step on
stderr and sleep there, so the SIGKILL lands exactly while ingesting, loading or publishing.
"""

import hashlib
import shutil
import signal
import subprocess
import time

import polars as pl
import pytest
from ops_support import (
    MTTQ,
    PROJECT,
    copy_inbox,
    mttq,
    outputs,
    published,
    runs,
)
from polars.testing import assert_frame_equal

from warehouse.inbox import archive_path

pytestmark = pytest.mark.slow
STEPS = ["ingest", "load", "parquet", "publish"]


@pytest.fixture(scope="module")
def first_night(tmp_path_factory, small_inbox, prefect_server):
    """Night 1 saw only 2021-Q1; night 2 brings 2021-Q2 and the bad files."""
    data_dir = tmp_path_factory.mktemp("night1")
    copy_inbox(small_inbox, data_dir, only="2021-Q1")
    done = mttq("run", "--data-dir", str(data_dir), server=prefect_server)
    assert done.returncode == 0, done.stdout + done.stderr
    return data_dir


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, first_night, small_inbox, prefect_server):
    data_dir = tmp_path_factory.mktemp("uninterrupted")
    shutil.copytree(first_night, data_dir, dirs_exist_ok=True)
    copy_inbox(small_inbox, data_dir)
    done = mttq("run", "--data-dir", str(data_dir), server=prefect_server)
    assert done.returncode == 0, done.stdout + done.stderr
    return data_dir


def start_paused_run(data_dir, step, server) -> subprocess.Popen:
    env = {**server.env, "MTTQ_TEST_PAUSE_AT": step, "MTTQ_WORKERS": "1"}
    return subprocess.Popen([MTTQ, "run", "--data-dir", str(data_dir)], env=env, cwd=PROJECT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_paused(process: subprocess.Popen, step: str) -> None:
    """Read the run's stderr until it says it paused at `step`."""
    deadline = time.monotonic() + 120
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if line.strip() == f"MTTQ_PAUSED_AT {step}":
            return
    process.kill()
    raise AssertionError(f"run never paused at {step}:\n{''.join(seen)}\n{process.stdout.read()}")


def parquet_table(data_dir, table: str) -> pl.DataFrame:
    return pl.read_parquet(data_dir / "parquet" / table / "**" / "*.parquet",
                           hive_partitioning=True).sort(pl.all())


def file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("step", STEPS)
def test_run_killed_at_step_then_run_again_equals_uninterrupted_run(
        step, tmp_path, first_night, uninterrupted, small_inbox, prefect_server):
    data_dir = tmp_path / "data"
    shutil.copytree(first_night, data_dir)
    copy_inbox(small_inbox, data_dir)
    published_db = data_dir / "warehouse" / "mttq.duckdb"
    before = file_digest(published_db)

    killed = start_paused_run(data_dir, step, prefect_server)
    wait_until_paused(killed, step)
    killed.send_signal(signal.SIGKILL)
    killed.wait(10)

    # The analysts' file is exactly as the first night left it; every Parquet file is whole.
    assert file_digest(published_db) == before
    for part in (data_dir / "parquet").rglob("*.parquet"):
        pl.read_parquet(part)

    again = mttq("run", "--data-dir", str(data_dir), server=prefect_server)
    assert again.returncode == 0, again.stdout + again.stderr

    expected, actual = outputs(uninterrupted), outputs(data_dir)
    for table in expected:
        assert_frame_equal(actual[table], expected[table])
    for table in ("city_summary", "district_summary", "completeness"):
        assert_frame_equal(parquet_table(data_dir, table), parquet_table(uninterrupted, table))

    files = published(data_dir, "select file_hash, original_path from raw.files")
    inbox_paths = sorted(p.relative_to(data_dir / "inbox").as_posix()
                         for p in (data_dir / "inbox").rglob("*") if p.is_file())
    assert sorted(files["original_path"].to_list()) == inbox_paths  # each file once per path
    duplicates = published(data_dir, "select ward_code, period, indicator_code, count(*) n "
                           "from core.ward_values group by all having n > 1")
    assert duplicates.is_empty()
    for file_hash, path in files.iter_rows():
        suffix = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
        assert archive_path(data_dir / "archive", file_hash, suffix).is_file(), path
    assert not list((data_dir / "warehouse").glob(".*building*"))

    history = runs(data_dir)
    assert [r["status"] for r in history] == ["completed", "failed", "completed"]
    assert history[1]["error_message"].startswith("bị dừng: lần chạy dừng giữa chừng")
