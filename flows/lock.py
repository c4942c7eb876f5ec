"""One writer at a time: a file lock next to the state database, naming its holder."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout


class WriterBusy(RuntimeError):
    """Another run holds the writer's lock."""


@contextmanager
def writer_lock(lock_file: Path, run_id: str, timeout_s: float) -> Iterator[None]:
    """Hold the writer's lock; wait up to `timeout_s`, then raise WriterBusy naming the holder."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    owner_file = lock_file.with_suffix(".owner")
    lock = FileLock(str(lock_file))
    try:
        lock.acquire(timeout=timeout_s)
    except Timeout:
        raise WriterBusy(_holder(owner_file)) from None
    try:
        owner_file.write_text(json.dumps({"run_id": run_id, "pid": os.getpid(),
                                          "since": datetime.now().isoformat(timespec="seconds")}))
        yield
    finally:
        owner_file.unlink(missing_ok=True)
        lock.release()


def _holder(owner_file: Path) -> str:
    try:
        owner = json.loads(owner_file.read_text())
        return f"run {owner['run_id']} (pid {owner['pid']}, since {owner['since']})"
    except (OSError, ValueError, KeyError):
        return "another run"


def lock_is_held(lock_file: Path) -> bool:
    """True while a run holds the writer's lock (probes it without waiting)."""
    if not lock_file.exists():
        return False
    lock = FileLock(str(lock_file))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def lock_holder(lock_file: Path) -> str | None:
    """Who holds the lock, in words; None when nobody does."""
    return _holder(lock_file.with_suffix(".owner")) if lock_is_held(lock_file) else None


def last_owner(lock_file: Path) -> dict | None:
    """The owner record left behind: present with the lock free means that run was killed."""
    try:
        return json.loads(lock_file.with_suffix(".owner").read_text())
    except (OSError, ValueError):
        return None
