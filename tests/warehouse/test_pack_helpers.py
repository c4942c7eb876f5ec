"""The pack's helper processes: every unit written once, in order, here and on the helpers at
once, and written here when a helper dies."""

import os
import subprocess
import sys
import time
from pathlib import Path

from warehouse.pack_helpers import PackHelpers, start_early, take_early


def slow_pid(seconds: float, index: int = 0) -> tuple[int, int]:
    time.sleep(seconds)
    return index, os.getpid()


def started_at(seconds: float) -> tuple[int, float]:
    began = time.monotonic()
    time.sleep(seconds)
    return os.getpid(), began


def dies_in_a_helper(parent: int, marker: str, index: int) -> int:
    if os.getpid() != parent:
        Path(marker).touch()
        os._exit(1)  # a helper killed mid-unit (out of memory, kill -9)
    time.sleep(0.25)  # time for the helper to start and take a unit
    return index


def test_units_are_shared_with_the_helper_and_come_back_in_job_order():
    jobs = [(0.25, n) for n in range(16)]  # 4 s in one process; the helper joins at ~1 s
    with PackHelpers(1) as helpers:
        started = time.perf_counter()
        results = helpers.map(slow_pid, jobs)
        elapsed = time.perf_counter() - started
    assert [index for index, _ in results] == list(range(16))
    pids = [pid for _, pid in results]
    assert len(set(pids)) == 2, "the helper wrote no unit"
    assert pids.count(os.getpid()) >= 8, "this process waited instead of writing"
    assert elapsed < 0.9 * 0.25 * len(jobs), f"no faster than one process: {elapsed:.2f} s"


def test_helpers_started_early_are_ready_and_handed_over_once(tmp_path):
    # imported here: a helper unpickling this module's functions must not import Prefect
    from flows.pack import pack_helpers
    from flows.settings import load_settings

    start_early(1)  # what the command line does before it imports Prefect
    time.sleep(3)  # the run's scan and update: the helper starts meanwhile
    settings = load_settings(data_dir=tmp_path)
    with pack_helpers(settings, anything_new=True) as helpers:
        assert helpers.processes == 1
        started = time.monotonic()  # one clock for every process on Linux
        stamps = helpers.map(started_at, [(0.25,)] * 4)
    helper_starts = [at for pid, at in stamps if pid != os.getpid()]
    assert helper_starts, "the helper wrote no unit"
    # a helper started now takes 0.7 s or more before its first unit
    assert min(helper_starts) - started < 0.3, (
        f"the early helper was not ready: its first unit began after "
        f"{min(helper_starts) - started:.2f} s")
    assert take_early() is None, "the same helpers were handed out twice"


def test_a_night_with_nothing_new_lets_the_early_helpers_go(tmp_path):
    from flows.pack import pack_helpers
    from flows.settings import load_settings

    start_early(1)
    with pack_helpers(load_settings(data_dir=tmp_path), anything_new=False) as helpers:
        assert helpers.processes == 0
        assert helpers.map(slow_pid, [(0, 0)]) == [(0, os.getpid())]
    assert take_early() is None


def test_without_helpers_everything_is_written_here():
    with PackHelpers(0) as helpers:
        assert helpers.map(slow_pid, [(0, n) for n in range(3)]) == [
            (n, os.getpid()) for n in range(3)]


def test_a_helper_that_dies_loses_no_unit(tmp_path):
    marker = tmp_path / "a helper died"
    with PackHelpers(1) as helpers:
        values = helpers.map(dies_in_a_helper, [(os.getpid(), str(marker), n)
                                                for n in range(16)])
    assert marker.exists(), "no helper took a unit: nothing was lost because nothing died"
    assert values == list(range(16))


HELPER_OF_A_KILLED_RUN = """
import os, signal, sys, time
sys.path.insert(0, {tests!r})
from test_pack_helpers import slow_pid
from warehouse.pack_helpers import PackHelpers, start_early, take_early

if __name__ == "__main__":
    helpers = PackHelpers(1)
    pids = [pid for _, pid in helpers.map(slow_pid, [(0.25,)] * 16)]
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
    said = tmp_path / "stdout"
    with said.open("w") as stdout:  # a file, not a pipe a surviving helper would hold open
        subprocess.run([sys.executable, str(script)], stdout=stdout, stderr=subprocess.DEVNULL,
                       cwd=Path(__file__).parents[2], timeout=60)
    helper = int(said.read_text().split()[0])
    deadline = time.monotonic() + 10
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(helper), f"helper {helper} outlived its killed run"
