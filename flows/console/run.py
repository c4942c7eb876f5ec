"""Chạy tổng hợp / Run now: start the nightly flow, watch it finish, see who holds the lock.

With `PREFECT_API_URL` set, the run goes through the `nightly` deployment (a worker runs it and
it shows in the Prefect UI); without it, `mttq run --data-dir ...` runs here in a subprocess
(its own temporary Prefect server). One run at a time from the console; a run started elsewhere
(the schedule, a terminal) is seen through the writer's lock, and the console will not start a
second one while the lock is held.
"""

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flows.console.app import render
from flows.console.data import NotPublished, published, rows
from flows.console.words import vn_date
from flows.lock import lock_holder
from flows.settings import Settings

router = APIRouter()
DEPLOYMENT = "nightly/nightly"
POLL_S = 2.0
BUSY_EXIT = 2  # `mttq run`: another run held the writer's lock
# Prefect's log line of a task or flow run: `12:00:01.123 | INFO    | Task run 'scan_inbox-879' - …`
LOG_LINE = re.compile(r"^(\d\d:\d\d:\d\d)\.\d+ \| \w+ +\| (?:Task|Flow) run "
                      r"'([^']+?)(?:-[0-9a-f]{3})?' - (.*)$")
# The nightly flow's steps, as the operator reads them (task name -> words)
STEPS = {
    "load_reference_data": ("Đọc danh mục đơn vị, chỉ tiêu", "Reference data"),
    "scan_inbox": ("Quét hộp thư", "Scan the inbox"),
    "read_files": ("Đọc tệp", "Read the files"),
    "ingest_files": ("Kiểm tra số liệu", "Check the figures"),
    "update_state": ("Ghi sổ, tổng hợp", "Ledger and roll-up"),
    "publish_outputs": ("Công bố DuckDB, Parquet", "Publish DuckDB, Parquet"),
}


@dataclass
class RunJob:
    how: str  # "local" or "deployment"
    started: float = field(default_factory=time.monotonic)
    started_at: datetime = field(default_factory=datetime.now)
    status: str = "running"  # running / completed / failed / busy
    output: deque = field(default_factory=lambda: deque(maxlen=200))
    flow_run_id: str | None = None
    ended: float | None = None
    steps_done: list = field(default_factory=list)  # STEPS keys, as their tasks finish

    def add_output(self, line: str) -> None:
        """Keep a line of the run's output; a Prefect log line is shortened, and a finished
        task marks its step done."""
        found = LOG_LINE.match(line)
        if not found:
            self.output.append(line)
            return
        clock, name, message = found.groups()
        if message.startswith("Finished in state Completed") and name in STEPS:
            self.steps_done.append(name)
        if not message.startswith(("Finished in state", "Beginning flow run", "View at")):
            self.output.append(f"{clock} {name}: {message}")

    @property
    def elapsed_s(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def finish(self, status: str) -> None:
        self.status, self.ended = status, time.monotonic()


def prefect_ui_url() -> str | None:
    """The Prefect UI of the configured server: PREFECT_UI_URL, else the API URL less /api."""
    ui = os.environ.get("PREFECT_UI_URL")
    api = os.environ.get("PREFECT_API_URL")
    if ui:
        return ui.rstrip("/")
    return api.rstrip("/").removesuffix("/api") if api else None


class RunJobs:
    """The console's run: at most one at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.current: RunJob | None = None
        self._lock = threading.Lock()

    def start(self) -> RunJob | None:
        """Start a run; None when one is already running here."""
        with self._lock:
            if self.current and self.current.status == "running":
                return None
            how = "deployment" if os.environ.get("PREFECT_API_URL") else "local"
            job = self.current = RunJob(how)
        target = self._deployment if how == "deployment" else self._local
        threading.Thread(target=target, args=(job,), daemon=True, name="mttq-run").start()
        return job

    def _command(self) -> list[str]:
        mttq = Path(sys.executable).parent / "mttq"
        program = [str(mttq)] if mttq.exists() else (
            [shutil.which("mttq")] if shutil.which("mttq") else
            [sys.executable, "-m", "flows.cli"])
        command = program + ["run", "--data-dir", str(self.settings.data_dir.resolve())]
        if self.settings.inbox:
            command += ["--inbox", str(self.settings.inbox.resolve())]
        return command

    def _local(self, job: RunJob) -> None:
        # Prefect's task logs (INFO) are what the page shows as progress
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PREFECT_LOGGING_LEVEL": "INFO",
               "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO"}
        if not env.get("PREFECT_API_URL"):
            env.pop("PREFECT_API_URL", None)  # empty: `mttq run` starts its own server
        try:
            process = subprocess.Popen(self._command(), stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True, env=env,
                                       stdin=subprocess.DEVNULL)
        except OSError as problem:
            job.output.append(f"Không chạy được mttq / Cannot start mttq: {problem.strerror}")
            job.finish("failed")
            return
        for line in process.stdout:
            job.add_output(line.rstrip("\n"))
        code = process.wait()
        job.finish("completed" if code == 0 else "busy" if code == BUSY_EXIT else "failed")

    def _deployment(self, job: RunJob) -> None:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # The server named by PREFECT_API_URL now, even if Prefect was imported (and read its
        # settings) before it was set, as in a process that also ran flows.
        with temporary_settings(updates={PREFECT_API_URL: os.environ["PREFECT_API_URL"]}):
            self._follow_deployment(job)

    def _follow_deployment(self, job: RunJob) -> None:
        from prefect.client.orchestration import get_client
        from prefect.deployments import run_deployment

        try:
            flow_run = run_deployment(DEPLOYMENT, parameters={
                "data_dir": str(self.settings.data_dir.resolve())}, timeout=0, as_subflow=False)
            job.flow_run_id = str(flow_run.id)
            job.output.append(f"Flow run {flow_run.name} ({flow_run.id}) created / đã tạo")
            seen = None
            with get_client(sync_client=True) as client:
                while True:
                    state = client.read_flow_run(flow_run.id).state
                    if state and state.name != seen:
                        seen = state.name
                        job.output.append(f"{datetime.now():%H:%M:%S} {state.name}")
                    if state and state.is_final():
                        job.finish("completed" if state.is_completed() else "failed")
                        if not state.is_completed() and state.message:
                            job.output.append(state.message)
                        return
                    time.sleep(POLL_S)
        except Exception as problem:  # noqa: BLE001 - the operator gets words, not a traceback
            job.output.append(f"Không chạy được qua Prefect / Could not run through Prefect "
                              f"({DEPLOYMENT}): {problem}")
            job.finish("failed")


def _page(request: Request, refused: str | None = None, status_code: int = 200) -> HTMLResponse:
    settings = request.app.state.settings
    jobs: RunJobs = request.app.state.runs
    job = jobs.current
    holder = lock_holder(settings.lock_file)
    runs = []
    try:
        with published(settings, "ops.runs") as con:
            runs = rows(con, "recent_runs")
    except NotPublished:
        pass
    for run in runs:
        run["started"] = vn_date(run["started_at"])
    ui = prefect_ui_url()
    return render(request, "run.html", {
        "job": job, "holder": holder, "steps": STEPS, "runs": runs, "refused": refused, "ui": ui,
        "running": bool(job and job.status == "running"),
        "mode": "deployment" if os.environ.get("PREFECT_API_URL") else "local",
        "output": list(job.output)[-40:] if job else []}, status_code=status_code,
        headers={"Refresh": "2"} if job and job.status == "running" else None)


@router.get("/run", response_class=HTMLResponse)
def run_page(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/run")
def start_run(request: Request) -> Response:
    settings = request.app.state.settings
    jobs: RunJobs = request.app.state.runs
    holder = lock_holder(settings.lock_file)
    if holder and not (jobs.current and jobs.current.status == "running"):
        return _page(request, refused=holder, status_code=409)
    jobs.start()
    return RedirectResponse("/run", status_code=303)
