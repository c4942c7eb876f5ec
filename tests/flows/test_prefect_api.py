"""`mttq run` without a configured server: its own temporary server, started early, then gone."""

import os
import sqlite3

import psutil
import pytest
from ops_support import copy_inbox, mttq

from flows.prefect_api import EarlyServer


def test_a_configured_server_is_used_and_nothing_is_started(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    server = EarlyServer().start()
    assert server.process is None and server.api_url == ""


@pytest.mark.slow
def test_mttq_run_reports_to_its_temporary_server_and_stops_it(tmp_path, small_inbox):
    home = tmp_path / "prefect_home"
    data_dir = tmp_path / "data"
    copy_inbox(small_inbox, data_dir, only="2021-Q1")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PREFECT_API")} | {"PREFECT_HOME": str(home)}

    done = mttq("run", "--data-dir", str(data_dir), env=env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "completed / Đã chạy xong" in done.stdout
    with sqlite3.connect(home / "prefect.db") as db:  # the temporary server's own database
        states = db.execute("select f.name, r.state_type from flow_run r "
                            "join flow f on f.id = r.flow_id").fetchall()
    assert states == [("nightly", "COMPLETED")]
    assert not [p for p in psutil.process_iter(["cmdline"])
                if "prefect.server.api.server:create_app" in " ".join(p.info["cmdline"] or [])
                and _home_of(p) == str(home)]  # the server did not outlive the command


def _home_of(process: psutil.Process) -> str | None:
    try:
        return process.environ().get("PREFECT_HOME")
    except psutil.Error:
        return None
