"""Fixtures for the operations tests: one real Prefect server for the session (shared by every
`mttq` subprocess, so no run starts a temporary server) and a small generated inbox."""

from pathlib import Path

import pytest
from ops_support import (
    SMALL_DISTRICT,
    SMALL_QUARTERS,
    PrefectServer,
    prefect_server_in,
)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> PrefectServer:
    """`prefect server start` on a free 127.0.0.1 port with its own PREFECT_HOME (SQLite)."""
    with prefect_server_in(tmp_path_factory.mktemp("prefect_home")) as server:
        yield server


@pytest.fixture(scope="session")
def small_inbox(tmp_path_factory) -> Path:
    """A generated inbox: one district, two quarters, with the planted bad files (32 files)."""
    from flows.demo import make_demo_inbox

    inbox = tmp_path_factory.mktemp("small") / "inbox"
    make_demo_inbox(inbox, quarters=SMALL_QUARTERS, district_codes=SMALL_DISTRICT)
    return inbox

