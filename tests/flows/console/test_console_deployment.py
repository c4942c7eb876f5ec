"""Run now through the `nightly` deployment when PREFECT_API_URL is set: a real Prefect server,
`prefect deploy --all`, a process worker; the console creates the flow run and follows it."""

import os
import subprocess
from datetime import datetime

import pytest
from conftest import client_for, csrf_of, three_files
from ops_support import PREFECT, PROJECT, stop, wait_for

pytestmark = pytest.mark.slow
POOL = "mttq-process"  # as in prefect.yaml


def prefect_cli(server, *args: str) -> None:
    done = subprocess.run([PREFECT, "--no-prompt", *args], env=server.env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def test_run_now_goes_through_the_nightly_deployment(prefect_server, data_copy, tmp_path,
                                                     monkeypatch):
    prefect_cli(prefect_server, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    prefect_cli(prefect_server, "deploy", "--all")
    arrived = datetime(2021, 10, 5, 9, 0).timestamp()
    for path in three_files(data_copy / "inbox" / "moi"):
        os.utime(path, (arrived, arrived))
    worker_log = tmp_path / "worker.log"
    with worker_log.open("wb") as out:
        worker = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", POOL, "--limit", "1"],
            env={**prefect_server.env, "MTTQ_WORKERS": "1", "PREFECT_WORKER_QUERY_SECONDS": "1"},
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    monkeypatch.setenv("PREFECT_API_URL", prefect_server.url)
    try:
        client = client_for(data_copy)
        page = client.get("/run")
        assert "Lần chạy đi qua Prefect (deployment nightly)" in page.text
        ui = prefect_server.url.removesuffix("/api")
        assert f'href="{ui}/runs"' in page.text  # the Prefect UI's run history
        started = client.post("/run", data={"csrf_token": csrf_of(page.text)})
        assert started.status_code == 200

        def finished():
            job = client.app.state.runs.current
            return job if job.status != "running" else None
        job = wait_for(finished, 240, "the deployment run",
                       details=lambda: worker_log.read_text(errors="replace")[-3000:])
        assert job.status == "completed", list(job.output)
        assert job.flow_run_id
        page = client.get("/run").text
        assert "Đã chạy xong" in page
        assert f'href="{ui}/runs/flow-run/{job.flow_run_id}"' in page
        assert "Completed" in "\n".join(job.output)
        fixes = client.get("/fixes").text
        assert "BC Quý III phường lạ.xlsx" in fixes
    finally:
        stop(worker)
