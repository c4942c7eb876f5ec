"""The Prefect API a `mttq` command's flow run reports to, started as early as possible.

With a configured API (PREFECT_API_URL: a deployment, an operator's long-lived `prefect server
start`), that server is used and nothing is started. Without one, Prefect itself would start a
temporary server inside the first flow call: after every import, and after importing its own
server code into the client as well — about 8 s on a 2-core machine before the flow begins.

`mttq` starts that same temporary server (the command Prefect's SubprocessASGIServer runs) as
soon as the command line is parsed, before Prefect is even imported, so that the server's
start-up overlaps the command's imports; the flow call is pointed at it and the server is
stopped when the process exits. If it cannot start, Prefect's own way is the fallback.
"""

import atexit
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

# What Prefect's own temporary server sets (prefect.server.api.server.SubprocessASGIServer).
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
              "PREFECT__SERVER_FINAL": "1"}
START_TIMEOUT_S = 60.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: no proxy


class EarlyServer:
    """A temporary Prefect server started now; `use()` runs a block against it."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.api_url = ""

    def start(self) -> "EarlyServer":
        if os.environ.get("PREFECT_API_URL"):
            return self  # a configured server: use it
        try:
            port = _free_port()
            # The server reads the same environment, profile and prefect.toml as the client.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory",
                 "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "error", "--lifespan", "on"],
                env={**os.environ, **SERVER_ENV}, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return self  # Prefect's own temporary server is the fallback
        self.api_url = f"http://127.0.0.1:{port}/api"
        # Stopped at exit, after Prefect's own exit hooks (registered later, so run earlier)
        # have sent the run's last events and logs to it.
        atexit.register(self.stop)
        return self

    @contextmanager
    def use(self) -> Iterator[None]:
        """Run the block against this server once it answers (else Prefect's default)."""
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            get_current_settings,
            temporary_settings,
        )

        settings = get_current_settings()
        if settings.api.url or not settings.server.ephemeral.enabled:
            self.stop()  # a server configured in a profile or prefect.toml: use that one
        # No flow-run heartbeats for a run started from the command line: they let a server's
        # zombie-detection automation mark a killed run crashed, but a temporary server dies
        # with the run, and ops.runs with the writer's lock already tell a killed run (`mttq
        # status`); stopping their thread costs up to 1 s. Deployment runs keep them.
        updates = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
        if self.api_url and self._ready():
            updates[PREFECT_API_URL] = self.api_url
        with temporary_settings(updates=updates):
            yield

    def _ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with _DIRECT.open(f"{self.api_url}/health", timeout=1) as answer:
                    if answer.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        self.api_url = ""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
