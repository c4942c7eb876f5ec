"""Shared fixtures: a Prefect test server for the session, reference frames, a demo inbox."""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def prefect_harness():
    """A real temporary Prefect server (SQLite) for flow runs in this session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


def pytest_unconfigure(config):
    """After pytest's summary: keep interpreter-exit noise (duckdb 2.0 binding leak reports,
    Prefect server shutdown) from burying the summary line."""
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
