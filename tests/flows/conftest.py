"""Fixtures for the operations tests: one real Prefect server for the session (shared by every
`mttq` subprocess, so no run starts a temporary server) and a small generated inbox."""

import os
import subprocess
from pathlib import Path

import pytest
from ops_support import (
    PREFECT,
    SMALL_DISTRICT,
    SMALL_QUARTERS,
    PrefectServer,
    free_port,
    healthy,
    stop,
    wait_for,
)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> PrefectServer:
    """`prefect server start` on a free 127.0.0.1 port with its own PREFECT_HOME (SQLite)."""
    home = tmp_path_factory.mktemp("prefect_home")
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


@pytest.fixture(scope="session")
def small_inbox(tmp_path_factory) -> Path:
    """A generated inbox: one district, two quarters, with the planted bad files (32 files)."""
    from flows.demo import make_demo_inbox

    inbox = tmp_path_factory.mktemp("small") / "inbox"
    make_demo_inbox(inbox, quarters=SMALL_QUARTERS, district_codes=SMALL_DISTRICT)
    return inbox

