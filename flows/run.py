"""What every flow run shares: its id, the writer's lock and its row in `ops.runs`."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from prefect.runtime import flow_run

from flows.lock import writer_lock
from flows.settings import Settings
from warehouse import db, state


def new_run_id() -> str:
    """Readable and sortable: `20261122-010000-1a2b`."""
    return f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"


@contextmanager
def recorded_run(settings: Settings, flow_name: str, parameters: dict) -> Iterator[str]:
    """Hold the writer's lock and record the run; a failure is recorded in words, then raised."""
    run_id = new_run_id()
    with writer_lock(settings.lock_file, run_id, settings.lock_timeout_s):
        with db.connect(settings.state_db) as con:
            state.start_run(con, run_id, flow_name, parameters, flow_run_id=flow_run.id)
        try:
            yield run_id
        except BaseException as exc:
            with db.connect(settings.state_db) as con:
                state.finish_run(con, run_id, "failed", error=describe_error(exc))
            raise


def describe_error(exc: BaseException) -> str:
    """One line an operator can act on."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted by the operator (Ctrl+C) / bị người vận hành dừng"
    return f"{type(exc).__name__}: {exc}"[:1000]
