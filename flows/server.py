"""`mttq server start|stop|status`: one local Prefect server that command-line runs reuse.

Decisions:
- The server's PREFECT_HOME is `<data_dir>/prefect/` (its SQLite history, its log
  `server.log`, and `mttq-server.json`, which says where it listens): the run history lives
  beside the data it describes, and two data dirs never mix their histories.
- It is Prefect's own `prefect server start` (UI included) on 127.0.0.1, started in a session of
  its own (closing the terminal does not stop it) with its output in `server.log`; stopped with
  SIGTERM, as Ctrl+C would.
- `mttq run` uses it when it answers `/api/health`; with PREFECT_API_URL set (a deployment, an
  operator's own server) that one is used; otherwise Prefect starts its temporary server for
  the run, as it does for any flow.

The standard library only: the command line reads this before it imports Prefect.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

RECORD = "mttq-server.json"
FIRST_PORT = 4200  # Prefect's usual port; the next free one when it is taken
START_TIMEOUT_S = 90.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: no proxy


class ServerError(RuntimeError):
    """The local server could not be started or stopped (the message says why, in words)."""


@dataclass(frozen=True)
class ServerInfo:
    api_url: str
    pid: int
    started_at: str
    home: Path

    @property
    def ui_url(self) -> str:
        return self.api_url.removesuffix("/api")


def server_home(data_dir: Path) -> Path:
    """Where the local server of a data dir keeps its history and log."""
    return data_dir / "prefect"


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    """True when a Prefect API answers its health check."""
    try:
        with _DIRECT.open(f"{api_url}/health", timeout=timeout) as answer:
            return answer.status == 200
    except OSError:
        return False


def recorded(data_dir: Path) -> ServerInfo | None:
    """What `mttq server start` wrote, whether or not the server still runs."""
    home = server_home(data_dir)
    try:
        record = json.loads((home / RECORD).read_text(encoding="utf-8"))
        return ServerInfo(record["api_url"], int(record["pid"]), record["started_at"], home)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running(data_dir: Path, timeout: float = 1.0) -> ServerInfo | None:
    """The data dir's local server when it answers, else None."""
    info = recorded(data_dir)
    return info if info and healthy(info.api_url, timeout) else None


def server_environment(home: Path) -> dict[str, str]:
    """The server's environment: its own home, no telemetry, the UI on."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PREFECT_API_") and key != "PREFECT_PROFILES_PATH"}
    return env | {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                  "DO_NOT_TRACK": "1", "PREFECT_UI_ENABLED": "true",
                  "PREFECT_SERVER_UI_ENABLED": "true"}


def start(data_dir: Path, port: int | None = None, timeout: float = START_TIMEOUT_S
          ) -> tuple[ServerInfo, bool]:
    """Start the data dir's server unless it already runs; (info, started now)."""
    already = running(data_dir)
    if already:
        return already, False
    home = server_home(data_dir).resolve()
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port(FIRST_PORT)
    api_url = f"http://127.0.0.1:{port}/api"
    prefect = Path(sys.executable).with_name("prefect")
    with (home / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=server_environment(home), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    info = ServerInfo(api_url, process.pid, datetime.now().isoformat(timespec="seconds"), home)
    deadline = time.monotonic() + timeout
    while not healthy(api_url):
        if process.poll() is not None or time.monotonic() > deadline:
            _end(process.pid)
            raise ServerError(
                f"Máy chủ Prefect không khởi động được (xem {home / 'server.log'}) / "
                f"the Prefect server did not start (see {home / 'server.log'})")
        time.sleep(0.2)
    (home / RECORD).write_text(json.dumps({"api_url": api_url, "pid": process.pid,
                                           "started_at": info.started_at}), encoding="utf-8")
    return info, True


def stop(data_dir: Path) -> ServerInfo | None:
    """Stop the data dir's server (SIGTERM to its process group); the info, or None when none
    was recorded."""
    info = recorded(data_dir)
    if info is None:
        return None
    _end(info.pid)
    (info.home / RECORD).unlink(missing_ok=True)
    return info


def _end(pid: int, grace: float = 15.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        _reap(pid)
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> None:
    """Collect our own child's exit status (started by this process), so it does not linger."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def free_port(first: int) -> int:
    """`first`, or the next port on 127.0.0.1 that nothing listens on."""
    for port in range(first, first + 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- which Prefect API a command-line run reports to ------------------------------------------

# What `mttq` sets for Prefect in its own process (never at import of a module): nothing leaves
# the machine, and the operator reads mttq's words, not Prefect's chatter or console tracebacks
# (those still reach the server's logs). Each can be overridden from the environment.
QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    "PREFECT_UI_ENABLED": "false",  # of Prefect's temporary server (the local one has its UI)
    # Prefect's temporary server gives up after 20 s by default: too short on a loaded machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}
FLOW_COMMANDS = {"demo", "run", "rerun", "backfill"}


@dataclass(frozen=True)
class ApiChoice:
    """Where a command's flow runs are recorded: `configured` (PREFECT_API_URL), `local`
    (`mttq server`), or `temporary` (Prefect's own server for this run only)."""

    kind: str
    api_url: str = ""
    data_dir: Path | None = None

    def describe(self, hint: str = "") -> str:
        """One line for the operator, Vietnamese first."""
        if self.kind == "local":
            ui = self.api_url.removesuffix("/api")
            return (f"Máy chủ Prefect: {ui} (mttq server; lịch sử chạy xem tại giao diện này) / "
                    f"Prefect server: {ui} (mttq server; run history in its UI)")
        if self.kind == "configured":
            return (f"Máy chủ Prefect: {self.api_url} (PREFECT_API_URL) / "
                    f"Prefect server: {self.api_url} (PREFECT_API_URL)")
        return ("Máy chủ Prefect tạm thời: lịch sử lần chạy này mất khi chạy xong; muốn giữ, "
                f"chạy `mttq server start{hint}` / Temporary Prefect server: this run's history "
                f"is lost when it ends; to keep it, run `mttq server start{hint}`")


def command_data_dir(args: list[str]) -> Path:
    """The data dir a command line names (`--data-dir`, else MTTQ_DATA_DIR, else the
    command's default), read before the command line is parsed."""
    for index, arg in enumerate(args):
        if arg == "--data-dir" and index + 1 < len(args):
            return Path(args[index + 1])
        if arg.startswith("--data-dir="):
            return Path(arg.split("=", 1)[1])
    if os.environ.get("MTTQ_DATA_DIR"):
        return Path(os.environ["MTTQ_DATA_DIR"])
    return Path("data/demo") if args and args[0] == "demo" else Path("data")


def prepare_environment(args: list[str]) -> ApiChoice:
    """Set Prefect's quiet defaults and choose the API of this command's flow runs.

    Called by the `mttq` entry point before anything imports Prefect: Prefect reads its
    settings from the environment when it is imported, not afterwards.
    """
    for name, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(name, value)
    if os.environ.get("PREFECT_API_URL"):
        return ApiChoice("configured", os.environ["PREFECT_API_URL"])
    data_dir = command_data_dir(args)
    if not args or args[0] not in FLOW_COMMANDS or "--help" in args:
        return ApiChoice("temporary", data_dir=data_dir)
    local = running(data_dir)
    if local is None:
        return ApiChoice("temporary", data_dir=data_dir)
    os.environ["PREFECT_API_URL"] = local.api_url
    return ApiChoice("local", local.api_url, data_dir)
