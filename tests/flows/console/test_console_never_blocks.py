"""An analyst's read-only connection and a console being read never block a run (issue 15)."""

import os
import threading
import time
import urllib.request
from datetime import datetime

import duckdb
import pytest
from conftest import LiveConsole, three_files
from ops_support import mttq

from flows.console import data as console_data
from flows.settings import load_settings

pytestmark = pytest.mark.slow


def test_analyst_connection_and_console_pages_never_block_a_run(data_copy, tmp_path,
                                                                prefect_server):
    published = data_copy / "warehouse" / "mttq.duckdb"
    analyst = duckdb.connect(str(published), read_only=True)
    before = analyst.execute("select count(*) from raw.files").fetchall()[0][0]
    arrived = datetime(2021, 10, 5, 9, 0).timestamp()
    for path in three_files(data_copy / "inbox" / "moi"):
        os.utime(path, (arrived, arrived))
    live = LiveConsole(data_copy)
    loads: list[tuple[str, int]] = []
    done = threading.Event()

    def keep_reading() -> None:
        while not done.is_set():
            for page in ("/grid", "/fixes", "/run", "/grid/cell?ward=00001&period=2021-Q1"):
                with urllib.request.urlopen(f"{live.url}{page}", timeout=30) as response:
                    loads.append((page, response.status))
            time.sleep(0.05)

    reader = threading.Thread(target=keep_reading, daemon=True)
    try:
        reader.start()
        started = time.monotonic()
        run = mttq("run", "--data-dir", str(data_copy), server=prefect_server,
                   env={"MTTQ_LOCK_TIMEOUT": "5"})
        took = time.monotonic() - started
        done.set()
        reader.join(60)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Tệp mới / New this run 3" in " ".join(run.stdout.split())
        assert len(loads) >= 8 and {status for _, status in loads} == {200}, loads[-5:]
        # the analyst's session still reads its complete old snapshot; the console, which
        # opens the file per request, already shows the new one
        assert analyst.execute("select count(*) from raw.files").fetchall()[0][0] == before
        with urllib.request.urlopen(f"{live.url}/fixes", timeout=30) as response:
            assert "BC Quý III phường lạ.xlsx" in response.read().decode()
        with console_data.published(load_settings(data_dir=data_copy)) as fresh:
            assert fresh.execute("select count(*) from raw.files").fetchall()[0][0] == before + 3
        print(f"run took {took:.1f} s while the console served {len(loads)} pages")
    finally:
        done.set()
        live.stop()
        analyst.close()
