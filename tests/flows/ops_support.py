"""Helpers of the operations tests: paths, `mttq` in a subprocess, published tables."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MTTQ = str(BIN / "mttq")
PREFECT = str(BIN / "prefect")
SMALL_DISTRICT = ["001"]  # Ba Đình: 14 wards, enough for every planted special case
SMALL_QUARTERS = ["2021-Q1", "2021-Q2"]


@dataclass(frozen=True)
class PrefectServer:
    url: str
    env: dict[str, str]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 0.5, details=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{details()}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen, grace: float = 10) -> None:
    """Terminate a process group started with start_new_session, then kill it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, 15)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(5)
    except ProcessLookupError:
        pass



@contextmanager
def prefect_server_in(home: Path) -> Iterator[PrefectServer]:
    """`prefect server start` on a free 127.0.0.1 port with PREFECT_HOME `home` (SQLite),
    stopped on exit: what the operations and hostile-inbox suites share."""
    url = f"http://127.0.0.1:{free_port()}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": url,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
           "DO_NOT_TRACK": "1",
           # a 503 (SQLite busy) is retried by clients; log its cause should one still fail
           "PREFECT_API_LOG_RETRYABLE_ERRORS": "true"}
    env.pop("PREFECT_PROFILES_PATH", None)
    log = home / "server.log"
    port = url.rsplit(":", 1)[1].split("/")[0]
    with log.open("wb") as out:
        server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1",
                                   "--port", port], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    info = PrefectServer(url, env, log)
    try:
        wait_for(lambda: server.poll() is not None or healthy(url), 90, "the Prefect server",
                 details=info.log_tail)
        assert server.poll() is None, f"Prefect server exited:\n{info.log_tail()}"
        yield info
    finally:
        stop(server)


def copy_inbox(source: Path, data_dir: Path, only: str | None = None) -> Path:
    """Copy (keeping modification times, which decide timeliness) all files, or those whose
    path contains `only`."""
    target = data_dir / "inbox"
    for path in sorted(source.rglob("*")):
        if path.is_file() and (only is None or only in path.as_posix()):
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
    return target


def mttq(*args: str, server: PrefectServer | None = None, env: dict | None = None,
         timeout: float = 180) -> subprocess.CompletedProcess:
    """Run the `mttq` command; against the shared server when given (no temporary server)."""
    environment = {**(server.env if server else os.environ), "COLUMNS": "80",
                   "MTTQ_WORKERS": "1", **(env or {})}
    return subprocess.run([MTTQ, *args], env=environment, capture_output=True, text=True,
                          timeout=timeout, cwd=PROJECT)


def published(data_dir: Path, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(data_dir / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


# Tables whose content must not depend on how many runs it took (run ids and times excluded).
OUTPUT_QUERIES = {
    "raw.files": "select * exclude (seen_at, run_id) from raw.files order by all",
    "core.ward_values": "select * from core.ward_values order by all",
    "mart.district_summary": "select * from mart.district_summary order by all",
    "mart.cluster_summary": "select * from mart.cluster_summary order by all",
    "mart.city_summary": "select * from mart.city_summary order by all",
    "mart.completeness": "select * from mart.completeness order by all",
    "mart.findings": "select * from mart.findings order by all",
}


def outputs(data_dir: Path) -> dict[str, pl.DataFrame]:
    return {table: published(data_dir, sql) for table, sql in OUTPUT_QUERIES.items()}


def runs(data_dir: Path) -> list[dict]:
    return published(data_dir, "select run_id, flow_name, status, error_message, rerun_of, "
                     "parameters from ops.runs order by started_at").to_dicts()

