"""Shared fixtures: a Prefect test server for the session, reference frames, a demo inbox."""

import atexit
import os
import sys

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def prefect_harness():
    """A real temporary Prefect server (SQLite) for flow runs in this session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


def _silence_exit_noise() -> None:
    """At interpreter exit, after pytest's summary: keep duckdb 2.0's binding leak reports and
    Prefect's server shutdown chatter from burying the summary line."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


# atexit, not a pytest hook: pytest restores the original stderr after its last hook.
atexit.register(_silence_exit_noise)
