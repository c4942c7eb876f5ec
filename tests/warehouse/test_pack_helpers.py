"""The pack's helper processes: every unit written once, in order, here and on the helpers at
once, and written here when a helper dies."""

import os
import subprocess
import sys
import time
from pathlib import Path

from warehouse.pack_helpers import PackHelpers


def slow_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def dies_in_a_helper(parent: int, value: int) -> int:
    if os.getpid() != parent:
        os._exit(1)  # a helper killed mid-unit (out of memory, kill -9)
    return value


def test_results_come_back_in_job_order():
    with PackHelpers(1) as helpers:
        assert helpers.map(pow, [(2, n) for n in range(12)]) == [2 ** n for n in range(12)]


def test_the_units_are_shared_between_this_process_and_the_helper():
    jobs = [(0.25,)] * 16  # 4 s in one process; the helper joins once started (~1 s)
    with PackHelpers(1) as helpers:
        started = time.perf_counter()
        pids = helpers.map(slow_pid, jobs)
        elapsed = time.perf_counter() - started
    assert len(set(pids)) == 2, "the helper wrote no unit"
    assert pids.count(os.getpid()) >= 8, "this process waited instead of writing"
    assert elapsed < 0.9 * 0.25 * len(jobs), f"no faster than one process: {elapsed:.2f} s"


def test_without_helpers_everything_is_written_here():
    with PackHelpers(0) as helpers:
        assert set(helpers.map(slow_pid, [(0,)] * 3)) == {os.getpid()}


def test_a_helper_that_dies_loses_no_unit():
    with PackHelpers(1) as helpers:
        time.sleep(1.5)  # started, so that the helper takes a unit and dies
        values = helpers.map(dies_in_a_helper, [(os.getpid(), n) for n in range(6)])
    assert values == list(range(6))


HELPER_OF_A_KILLED_RUN = """
import os, signal, sys, time
sys.path.insert(0, {tests!r})
from test_pack_helpers import slow_pid
from warehouse.pack_helpers import PackHelpers

if __name__ == "__main__":
    helpers = PackHelpers(1)
    pids = helpers.map(slow_pid, [(0.25,)] * 16)
    print(next(pid for pid in pids if pid != os.getpid()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9: no shutdown of the pool
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_the_helpers_of_a_killed_run_end_themselves(tmp_path):
    script = tmp_path / "killed_run.py"
    script.write_text(HELPER_OF_A_KILLED_RUN.format(tests=str(Path(__file__).parent)))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2], timeout=60)
    helper = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(helper), f"helper {helper} outlived its killed run"
