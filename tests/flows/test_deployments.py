"""prefect.yaml against a real Prefect server: create the pool, deploy, start a worker, run.

Uses the session's `prefect server start` (tests/flows/conftest.py), a process work pool and a
`prefect worker start` subprocess; both deployments are triggered through the REST API.
"""

import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from ops_support import PREFECT, PROJECT, copy_inbox, published, stop, wait_for

pytestmark = pytest.mark.slow
POOL = "mttq-process"  # as in prefect.yaml


def readme_unit(name: str) -> str:
    """The systemd unit README.md gives for a service (its ```ini block after `name`)."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    return re.search(rf"# /etc/systemd/system/{name}\n(.*?)```", text, re.S).group(1)


WORKER_UNIT = readme_unit("mttq-worker.service")
WORKER_COMMAND = re.search(r"^ExecStart=(.*)$", WORKER_UNIT, re.M).group(1).split()


def test_readme_worker_service_stops_the_worker_with_one_sigint():
    assert re.search(r"^KillSignal=SIGINT$", WORKER_UNIT, re.M)
    assert re.search(r"^KillMode=mixed$", WORKER_UNIT, re.M)  # SIGINT to the worker only
    assert WORKER_COMMAND[0].endswith("/.venv/bin/prefect")
    assert WORKER_COMMAND[1:] == ["worker", "start", "--pool", POOL]


# What Prefect's own client retries: the server answers 503 for errors a client should retry,
# such as its SQLite database locked while the worker and the server's services write to it.
RETRYABLE = {429, 502, 503}


def api(server, method: str, path: str, body: dict | None = None, attempts: int = 6) -> dict:
    request = urllib.request.Request(
        f"{server.url}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code not in RETRYABLE or attempt == attempts - 1:
                raise
            time.sleep(2 ** attempt * 0.5)


def prefect_cli(server, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([PREFECT, "--no-prompt", *args], env=server.env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def run_deployment(server, name: str, parameters: dict, worker_log, timeout: float = 120):
    deployment = api(server, "GET", f"/deployments/name/{name}")
    flow_run = api(server, "POST", f"/deployments/{deployment['id']}/create_flow_run",
                   {"parameters": parameters})

    def final_state():
        state = api(server, "GET", f"/flow_runs/{flow_run['id']}")["state"]
        return state if state["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

    def logs():
        worker = worker_log.read_text(errors="replace")[-4000:]
        return f"{worker}\n--- server ---\n{server.log_tail()}"

    state = wait_for(final_state, timeout, f"{name} to finish", details=logs)
    assert state["type"] == "COMPLETED", (state, logs())
    return flow_run


def test_prefect_yaml_deploys_and_a_worker_runs_nightly_and_backfill(
        prefect_server, small_inbox, tmp_path):
    data_dir = tmp_path / "data"
    copy_inbox(small_inbox, data_dir, only="2021-Q1")
    prefect_cli(prefect_server, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    prefect_cli(prefect_server, "deploy", "--all")

    deployments = {d["name"]: d for d in api(prefect_server, "POST", "/deployments/filter", {})}
    assert set(deployments) == {"nightly", "backfill"}
    nightly = deployments["nightly"]
    assert nightly["schedules"][0]["schedule"]["cron"] == "0 1 * * *"
    assert nightly["schedules"][0]["schedule"]["timezone"] == "Asia/Ho_Chi_Minh"
    assert nightly["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {
        "directory": str(PROJECT)}}]

    worker_log = tmp_path / "worker.log"
    with worker_log.open("wb") as out:
        worker = subprocess.Popen(
            [PREFECT, *WORKER_COMMAND[1:], "--limit", "1"],
            env={**prefect_server.env, "MTTQ_WORKERS": "1",
                 "PREFECT_WORKER_QUERY_SECONDS": "1"},
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        run_deployment(prefect_server, "nightly/nightly", {"data_dir": str(data_dir)},
                       worker_log)
        city = published(data_dir, "select value, wards_reporting from mart.city_summary "
                         "where period = '2021-Q1' and indicator_code = 'quy_vi_nguoi_ngheo'")
        assert city["wards_reporting"][0] > 0 and city["value"][0] > 0
        run_deployment(prefect_server, "backfill/backfill",
                       {"data_dir": str(data_dir), "period_from": "2021-Q1",
                        "period_to": "2021-Q1"}, worker_log)
        # How the README's service stops it: one SIGINT (systemd's KillSignal=SIGINT)
        worker.send_signal(signal.SIGINT)
        assert worker.wait(30) == 0, worker_log.read_text(errors="replace")[-2000:]
    finally:
        stop(worker)
    log = worker_log.read_text(errors="replace")
    assert "stopped!" in log
    assert "nanobind" not in log and "leaked" not in log
    history = published(data_dir, "select flow_name, status, flow_run_id from ops.runs "
                        "order by started_at")
    assert history["flow_name"].to_list() == ["nightly", "backfill"]
    assert history["status"].to_list() == ["completed", "completed"]
    assert history["flow_run_id"].null_count() == 0
