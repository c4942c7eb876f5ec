"""The hostile-inbox suite: one real Prefect server for the session (as the operations tests),
builders of hostile files, and `mttq` run in a subprocess with its peak memory measured."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "flows"))
from ops_support import (  # noqa: E402
    MTTQ,
    PROJECT,
    PrefectServer,
    prefect_server_in,
    stop,
)

MIB = 2 ** 20


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> PrefectServer:
    """`prefect server start` on a free 127.0.0.1 port with its own PREFECT_HOME (SQLite)."""
    with prefect_server_in(tmp_path_factory.mktemp("prefect_home")) as server:
        yield server


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float  # peak RSS summed over the process tree
    seconds: float


def run_measured(args: list[str], server: PrefectServer, env: dict | None = None,
                 timeout: float = 300) -> Measured:
    """`mttq ARGS` against the session's server, sampling the tree's RSS every 20 ms."""
    environment = {**server.env, "COLUMNS": "100", "MTTQ_WORKERS": "2", **(env or {})}
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"mttq-sec-{os.getpid()}-{time.time_ns()}"
    peak, started = 0, time.perf_counter()
    with open(f"{out_path}.out", "w") as out, open(f"{out_path}.err", "w") as err:
        process = subprocess.Popen([MTTQ, *args], env=environment, stdout=out, stderr=err,
                                   cwd=PROJECT, start_new_session=True)
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            peak = max(peak, _tree_rss(watched))
            if time.perf_counter() - started > timeout:
                stop(process)
                raise AssertionError(f"mttq {' '.join(args)} took over {timeout} s")
            time.sleep(0.02)
    seconds = time.perf_counter() - started
    stdout, stderr = Path(f"{out_path}.out").read_text(), Path(f"{out_path}.err").read_text()
    Path(f"{out_path}.out").unlink()
    Path(f"{out_path}.err").unlink()
    return Measured(process.returncode, stdout, stderr, peak / MIB, seconds)


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        for member in [process, *process.children(recursive=True)]:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total
