"""`mttq server`: one local Prefect server that command-line runs find, keep history in, and
re-run from; and the command line's Prefect environment, set by its entry point only."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import psutil
import pytest
from ops_support import PREFECT, PROJECT, copy_inbox, free_port, mttq, runs

from flows import server
from flows.server import ApiChoice, command_data_dir, prepare_environment

NO_API = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_API")}


def test_importing_flows_changes_no_environment_variable():
    # Third-party libraries first: Polars sets its allocator's variable when imported.
    code = (
        "import os, json\n"
        "import duckdb, polars, prefect, rich, typer\n"
        "before = dict(os.environ)\n"
        "import flows, flows.cli, flows.nightly, flows.backfill, flows.tasks, flows.server\n"
        "print(json.dumps({k: [before.get(k), os.environ.get(k)] for k in "
        "set(before) | set(os.environ) if before.get(k) != os.environ.get(k)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=NO_API, cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {}


def test_no_private_prefect_or_python_internals_in_the_package():
    done = subprocess.run(["grep", "-rn", r"_shutdown\|_run_exitfuncs\|os._exit\|PREFECT__",
                           "flows/", "warehouse/", "transforms/"], cwd=PROJECT,
                          capture_output=True, text=True)
    assert done.stdout == "" and done.returncode == 1


@pytest.mark.parametrize(("args", "env", "expected"), [
    (["run", "--data-dir", "/srv/mttq"], {}, Path("/srv/mttq")),
    (["run", "--data-dir=/srv/mttq"], {}, Path("/srv/mttq")),
    (["run"], {"MTTQ_DATA_DIR": "/srv/env"}, Path("/srv/env")),
    (["run"], {}, Path("data")),
    (["demo"], {}, Path("data/demo")),
])
def test_command_data_dir_reads_the_option_then_the_environment(args, env, expected,
                                                                 monkeypatch):
    monkeypatch.delenv("MTTQ_DATA_DIR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert command_data_dir(args) == expected


@pytest.fixture
def clean_prefect_env(monkeypatch):
    """prepare_environment writes os.environ: every name it may set is restored afterwards."""
    for name in [*server.QUIET_DEFAULTS, "PREFECT_API_URL"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_prepare_environment_uses_a_configured_api(clean_prefect_env, tmp_path):
    clean_prefect_env.setenv("PREFECT_API_URL", "http://10.1.2.3:4200/api")
    choice = prepare_environment(["run", "--data-dir", str(tmp_path)])
    assert choice == ApiChoice("configured", "http://10.1.2.3:4200/api")
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_prepare_environment_without_a_local_server_leaves_prefects_temporary_one(
        clean_prefect_env, tmp_path):
    home = server.server_home(tmp_path)
    home.mkdir()
    (home / server.RECORD).write_text(json.dumps({  # a server that has since died
        "api_url": f"http://127.0.0.1:{free_port()}/api", "pid": 1, "started_at": "x"}))
    choice = prepare_environment(["run", "--data-dir", str(tmp_path)])
    assert choice == ApiChoice("temporary", data_dir=tmp_path)
    assert "PREFECT_API_URL" not in os.environ


def test_api_choice_describes_itself_vietnamese_first():
    assert ApiChoice("temporary").describe(" --data-dir d") == (
        "Máy chủ Prefect tạm thời: lịch sử lần chạy này mất khi chạy xong; muốn giữ, chạy "
        "`mttq server start --data-dir d` / Temporary Prefect server: this run's history is "
        "lost when it ends; to keep it, run `mttq server start --data-dir d`")
    assert ApiChoice("local", "http://127.0.0.1:4200/api").describe() == (
        "Máy chủ Prefect: http://127.0.0.1:4200 (mttq server; lịch sử chạy xem tại giao diện "
        "này) / Prefect server: http://127.0.0.1:4200 (mttq server; run history in its UI)")


def test_server_status_and_stop_when_none_runs(tmp_path):
    status = mttq("server", "status", "--data-dir", str(tmp_path), env=NO_API)
    assert status.returncode == 1
    assert " ".join(status.stdout.split()) == (
        f"Máy chủ Prefect cục bộ không chạy; khởi động bằng `mttq server start --data-dir "
        f"{tmp_path}` / the local Prefect server is not running; start it with `mttq server "
        f"start --data-dir {tmp_path}`")
    stopped = mttq("server", "stop", "--data-dir", str(tmp_path), env=NO_API)
    assert stopped.returncode == 0
    assert " ".join(stopped.stdout.split()) == (
        "Không có máy chủ Prefect cục bộ nào đang chạy / no local Prefect server is running")


def api(url: str, method: str = "GET", body: dict | None = None):
    request = urllib.request.Request(url, method=method, headers={
        "Content-Type": "application/json"}, data=None if body is None else
        json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def server_processes(home: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if "prefect" in " ".join(process.info["cmdline"] or []) and \
                    process.environ().get("PREFECT_HOME") == str(home):
                found.append(process)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
def test_local_server_keeps_three_runs_and_retries_the_failed_one(small_inbox, tmp_path):
    data_dir = tmp_path / "data"
    copy_inbox(small_inbox, data_dir, only="2021-Q1")
    port = free_port()
    started = mttq("server", "start", "--data-dir", str(data_dir), "--port", str(port),
                   env=NO_API)
    ui = f"http://127.0.0.1:{port}"
    home = (data_dir / "prefect").resolve()
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"Đã khởi động máy chủ Prefect / Prefect server started: {ui}" in started.stdout
        status = mttq("server", "status", "--data-dir", str(data_dir), env=NO_API)
        assert status.returncode == 0
        assert f"Máy chủ Prefect đang chạy / Prefect server running: {ui}" in status.stdout

        broken = tmp_path / "reference"
        broken.mkdir()
        first = mttq("run", "--data-dir", str(data_dir), env=NO_API)
        failed = mttq("run", "--data-dir", str(data_dir),
                      env={**NO_API, "MTTQ_REFERENCE_DIR": str(broken)})
        third = mttq("run", "--data-dir", str(data_dir), env=NO_API)
        assert [first.returncode, failed.returncode, third.returncode] == [0, 1, 0]
        for done in (first, failed, third):
            assert " ".join(done.stdout.split()).startswith(
                f"Máy chủ Prefect: {ui} (mttq server; lịch sử chạy xem tại giao diện này) / "
                f"Prefect server: {ui} (mttq server; run history in its UI)")
            assert "nanobind" not in done.stderr and "Traceback" not in done.stderr

        listed = subprocess.run([PREFECT, "flow-run", "ls"], capture_output=True, text=True,
                                env={**NO_API, "PREFECT_API_URL": f"{ui}/api",
                                     "COLUMNS": "200"}, timeout=60)
        assert listed.returncode == 0, listed.stderr
        history = runs(data_dir)
        assert [r["status"] for r in history] == ["completed", "failed", "completed"]
        flow_run_ids = [r["flow_run_id"] for r in _runs_with_ids(data_dir)]
        for flow_run_id in flow_run_ids:
            assert flow_run_id in listed.stdout
        states = [api(f"{ui}/api/flow_runs/{i}")["state"]["type"] for i in flow_run_ids]
        assert states == ["COMPLETED", "FAILED", "COMPLETED"]

        retried = subprocess.run(
            [PREFECT, "flow-run", "retry", flow_run_ids[1], "--entrypoint",
             "flows/nightly.py:nightly"], cwd=PROJECT, capture_output=True, text=True,
            env={**NO_API, "PREFECT_API_URL": f"{ui}/api", "MTTQ_WORKERS": "1"}, timeout=180)
        assert retried.returncode == 0, retried.stdout + retried.stderr
        assert api(f"{ui}/api/flow_runs/{flow_run_ids[1]}")["state"]["type"] == "COMPLETED"
        again = _runs_with_ids(data_dir)
        assert [(r["status"], r["flow_run_id"]) for r in again][-1] == (
            "completed", flow_run_ids[1])
    finally:
        stopped = mttq("server", "stop", "--data-dir", str(data_dir), env=NO_API)
    assert stopped.returncode == 0
    assert "Đã dừng máy chủ Prefect" in stopped.stdout
    assert not server_processes(home)

    temporary = mttq("run", "--data-dir", str(data_dir), env=NO_API)
    assert temporary.returncode == 0, temporary.stdout + temporary.stderr
    assert " ".join(temporary.stdout.split()).startswith(
        f"Máy chủ Prefect tạm thời: lịch sử lần chạy này mất khi chạy xong; muốn giữ, chạy "
        f"`mttq server start --data-dir {data_dir}` / Temporary Prefect server:")
    assert "nanobind" not in temporary.stderr and temporary.stderr.strip() == ""


def _runs_with_ids(data_dir: Path) -> list[dict]:
    from ops_support import published

    return published(data_dir, "select status, flow_run_id from ops.runs "
                     "order by started_at").to_dicts()
