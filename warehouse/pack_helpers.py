"""Writing the pack on every core: the run's own process and helper processes at once.

- Processes, not threads: a workbook or a .docx is written by Python code (xlsxwriter,
  python-docx) that holds the GIL, so threads would only take turns. Each unit's files are
  independent of every other unit's.
- Spawned, not forked: the flow's process runs Prefect's threads and Polars' thread pool, which
  a fork would copy in whatever state they are in. (The readers fork because their workers run
  fastexcel only.)
- A helper imports the writers only, not Prefect. That takes 0.7–0.9 s of CPU. The command
  line starts the helpers of a run before it imports Prefect (`start_early`): that import
  keeps one core busy for ~2 s and leaves the other idle, where the helpers start, instead of
  beside the run's own work. The flow takes them (`take_early`) once its scan has found
  something new, or lets them go. A flow run elsewhere (a deployment's worker) starts its own
  helpers then. `mttq report` starts them itself.
- The run's own process writes too. It waits for a helper only for the last units. If a helper
  dies, its unit is written here instead; the helper is not started again. A helper whose run
  was killed ends itself.
"""

import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool


def warm_writers() -> None:
    """What every unit needs before its first file (~0.2 s): the writers, the blank draft."""
    import warehouse.pack_files  # noqa: F401
    from warehouse.document import blank_document

    blank_document()


def warm_writers_meanwhile() -> None:
    """`warm_writers` in this process, on a thread of its own: the run calls it before
    `update_state`, whose DuckDB and Polars work leaves the interpreter mostly free."""
    threading.Thread(target=warm_writers, name="mttq-warm-writers", daemon=True).start()


def _start_helper() -> None:
    """In each helper, first: the writers, and a watch on the run's process."""
    warm_writers()
    threading.Thread(target=_end_with_parent, daemon=True).start()


def _end_with_parent() -> None:
    # A run killed with SIGKILL cannot stop its helpers, which would wait for work for ever.
    multiprocessing.parent_process().join()
    os.kill(os.getpid(), signal.SIGTERM)


def _ready() -> None:
    """A no-op call: makes the pool start its processes now."""


class PackHelpers:
    """`processes` helper processes for writing packs; none when it is 0."""

    def __init__(self, processes: int):
        self.processes = max(0, processes)
        self._pool = None
        if self.processes:
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_helper)
            for _ in range(self.processes):
                self._pool.submit(_ready)

    def __enter__(self) -> "PackHelpers":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, wait: bool = False) -> None:
        """Stop the helpers. Not waiting for them to exit (0.1 s each) is safe: every unit
        handed out was returned by `map`; the interpreter joins them at its exit."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

    def map(self, function: Callable, jobs: Sequence[tuple]) -> list:
        """`function(*job)` for every job, here and on the helpers at once; results in job
        order. `function` must be importable by name (it runs in another process)."""
        results: list = [None] * len(jobs)
        waiting = deque(range(len(jobs)))
        running: dict[Future, int] = {}
        while waiting or running:
            while self._pool is not None and waiting and len(running) < self.processes:
                index = waiting.pop()  # helpers take from the end, this process from the front
                try:
                    running[self._pool.submit(function, *jobs[index])] = index
                except BrokenProcessPool:
                    waiting.append(index)
                    self.close()
            if waiting:
                index = waiting.popleft()
                results[index] = function(*jobs[index])
            elif running:
                wait(running, return_when=FIRST_COMPLETED)
            for future in [future for future in running if future.done()]:
                index = running.pop(future)
                try:
                    results[index] = future.result()
                except (BrokenProcessPool, CancelledError):
                    # a helper died (the pool's other units are cancelled): written here
                    waiting.append(index)
                    self.close()
        return results



_early: PackHelpers | None = None


def start_early(processes: int) -> None:
    """Start `processes` helpers now, for this process's next run to take (`take_early`)."""
    global _early
    if _early is None and processes > 0:
        _early = PackHelpers(processes)


def take_early() -> PackHelpers | None:
    """The helpers `start_early` started, handed over once (None when there are none)."""
    global _early
    early, _early = _early, None
    return early
