"""What every flow run shares: its id, the writer's lock and its row in `ops.runs`."""

import errno
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
from prefect.runtime import flow_run

from flows.lock import WriterBusy, lock_is_held, writer_lock
from flows.settings import Settings
from warehouse import db, state
from warehouse.publish import publish_duckdb

RERUN_OF_ENV = "MTTQ_RERUN_OF"  # set by `mttq rerun` around the flow call: recorded in ops.runs


class RunNotFound(LookupError):
    """`mttq rerun` was given a run id (or --last-failed) that matches no run."""


def new_run_id() -> str:
    """Readable and sortable: `20261122-010000-1a2b`."""
    return f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"


@contextmanager
def recorded_run(settings: Settings, flow_name: str, parameters: dict) -> Iterator[str]:
    """Hold the writer's lock and record the run; a failure is recorded in words, then raised.

    A failed run is also published (the outputs stay those of the last good run), so that
    `mttq status`, which reads only the published file, shows the failure and its error.
    """
    run_id = new_run_id()
    os.umask(settings.umask)  # the archive, warehouse and Parquet: owner-only by default
    with writer_lock(settings.lock_file, run_id, settings.lock_timeout_s):
        with db.connect(settings.state_db) as con:
            state.start_run(con, run_id, flow_name, parameters, flow_run_id=flow_run.id,
                            rerun_of=os.environ.get(RERUN_OF_ENV) or None)
        try:
            yield run_id
        except BaseException as exc:
            record_failure(settings, run_id, describe_error(exc))
            raise


def record_failure(settings: Settings, run_id: str, error: str) -> None:
    """Mark the run failed and republish; never hides the original error (best effort)."""
    try:
        with db.connect(settings.state_db) as con:
            state.finish_run(con, run_id, "failed", error=error)
            publish_duckdb(con, settings.published_db)
    except (OSError, duckdb.Error):
        pass


NO_SPACE = "No space left on device"


def describe_error(exc: BaseException) -> str:
    """One line an operator can act on."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted by the operator (Ctrl+C) / bị người vận hành dừng"
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or NO_SPACE in str(exc):
        where = getattr(exc, "filename", None) or _quoted_path(str(exc))
        return (f"the disk is full / đĩa đã đầy{f' ({where})' if where else ''}: free some "
                "space, then run again / hãy giải phóng dung lượng rồi chạy lại")[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]


def _quoted_path(message: str) -> str:
    """The first "quoted" path of a library's message (DuckDB names the file it could not
    write that way)."""
    parts = message.split('"')
    return parts[1] if len(parts) > 2 else ""


def find_run(settings: Settings, run_id: str | None = None,
             last_failed: bool = False) -> tuple[str, str, dict]:
    """(run_id, flow_name, parameters) of the run to repeat, from the state database.

    Read-only: while another run holds the state file for writing, wait for it briefly, then
    fall back to the published copy. A run still `running` when nobody holds the writer's lock
    was killed, so `--last-failed` takes it too.
    """
    stale = not lock_is_held(settings.lock_file)
    found = None
    for path in (settings.state_db, settings.published_db):
        if not path.exists():
            continue
        try:
            with db.connect(path, read_only=True) as con:
                found = state.find_run(con, run_id, last_failed, running_is_stale=stale)
            break
        except duckdb.IOException:
            continue  # the writer has the state file open: the published copy will do
    if found is None:
        what = "no failed run" if last_failed else f"no run {run_id}"
        raise RunNotFound(f"{what} in {settings.warehouse_dir} / không tìm thấy lần chạy")
    return found


__all__ = ["RunNotFound", "WriterBusy", "describe_error", "find_run", "new_run_id",
           "recorded_run"]
