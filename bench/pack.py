"""The conference pack's cost (issue 14), as ratios measured in the same run, on the demo data.

    python -m bench.pack            # also the last part of `make bench`

On the demo inbox (Hà Nội, 2021-Q1 … 2022-Q4, ~4,200 files), in subprocesses as an operator
runs them, against one running Prefect server (PREFECT_API_URL, or one started here: the
temporary server's start is the same fixed cost with or without the pack, and on a loaded
machine it can time out):

- run:          `mttq run` from an empty data dir with the pack off (MTTQ_REPORTS=off): the run
                that publishes what the pack reads;
- pack:         `mttq report --period all`: every period some ward reported, every district and
                the city (workbook, .docx, .md each);
- +1 file:      `mttq run` after one corrected ward file arrived, pack on (it rewrites that
                ward's district and the city, in the periods the file touches), and the same
                file, the same night, pack off: the night's cost of the pack.

The +1 file runs come in pairs: the published data dir is copied, and each corrected file is
run once with the pack on (the first copy) and once with it off (the second), in alternating
order. Both runs of a pair start from the same state and read the same one file, and every
pack-on run rewrites only that file's units (a pack-off run before it in the same data dir
would leave its own units for it to write too). A run's wall time here varies by ±0.7 s from
one minute to the next (Prefect's start and exit, the server still taking the last run's
events), as much as the pack adds: the ratio is the median of many pairs' ratios.

Targets: the pack ÷ the run (reported), and +1 file with the pack ≤ 1.2 × without.
"""

import argparse
import os
import shutil
import statistics
import sys
from datetime import date
from pathlib import Path

import openpyxl

from bench.inbox import OUT_DIR
from bench.run import BIN, Measure, PrefectServer, median_of, run_measured
from flows.demo import make_demo_inbox

TARGET_INCREMENTAL_OVERHEAD = 0.20
PAIRS = 3  # +1-file pairs per fresh data dir


def corrected_copy(inbox: Path, nth: int, extra: Path) -> Path:
    """A resubmission of the nth 2022-Q3 workbook (one value changed, a later Ngày lập), in a
    folder of its own inside the inbox: one new file for the nightly run."""
    source = sorted(inbox.rglob("BC_2022-Q3_*.xlsx"))[nth]
    extra.mkdir(parents=True, exist_ok=True)
    target = extra / f"resubmitted {source.name}"
    book = openpyxl.load_workbook(source)
    sheet = book.active
    for row in sheet.iter_rows():
        if row[1].value == "giam_sat_cuoc":
            row[4].value = 99 + nth
        if str(row[0].value).startswith("Ngày lập"):
            row[2].value = date(2022, 12, 28)
    book.save(target)
    return target


def bench_pack(out: Path, repeat: int, log) -> list[str]:
    inbox = out / "pack-demo-inbox"
    make_demo_inbox(inbox)  # generated once, kept in bench/out/
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("MTTQ_DATA_DIR", "MTTQ_PROVINCE", "MTTQ_INBOX"):
        env.pop(name, None)
    # a Prefect home of its own: the user's ~/.prefect database may belong to another version
    env.setdefault("PREFECT_HOME", str((out / "pack-prefect-home").resolve()))
    if env.get("PREFECT_API_URL"):
        return _bench(inbox, out, repeat, log, env)
    with PrefectServer(env, out / "pack-prefect-server.log") as server:
        return _bench(inbox, out, repeat, log, {**env, "PREFECT_API_URL": server.url})


def _bench(inbox: Path, out: Path, repeat: int, log, env: dict[str, str],
           pairs: int = PAIRS) -> list[str]:
    on, off = {**env, "MTTQ_REPORTS": "on"}, {**env, "MTTQ_REPORTS": "off"}
    mttq = str(BIN / "mttq")
    samples: dict[str, list[Measure]] = {"run": [], "pack": [], "plus_one_pack": [],
                                         "plus_one": []}
    ratios: list[float] = []
    extra = inbox / "zz-bench-resubmissions"
    for attempt in range(repeat):
        shutil.rmtree(extra, ignore_errors=True)
        data, twin = out / f"pack-data-{attempt}", out / f"pack-data-{attempt}-off"
        for folder in (data, twin):
            shutil.rmtree(folder, ignore_errors=True)
        run = [mttq, "run", "--inbox", str(inbox), "--data-dir", str(data)]
        samples["run"].append(run_measured("run (pack off)", run, off, 0, out / "pack-run.log"))
        samples["pack"].append(run_measured(
            "pack, every period", [mttq, "report", "--period", "all", "--data-dir", str(data)],
            env, 0, out / "pack-report.log"))
        shutil.copytree(data, twin, symlinks=True)  # the same state, for the pack-off runs
        runs = {"plus_one_pack": (data, on), "plus_one": (twin, off)}
        for pair in range(pairs):
            corrected_copy(inbox, attempt * pairs + pair, extra)
            order = list(runs) if (attempt * pairs + pair) % 2 == 0 else list(runs)[::-1]
            measured = {}
            for name in order:  # pack on and off alternate, so that a noisy minute touches both
                folder, step_env = runs[name]
                command = [mttq, "run", "--inbox", str(inbox), "--data-dir", str(folder)]
                measured[name] = run_measured(name, command, step_env, 1,
                                              out / f"pack-{name}.log")
                samples[name].append(measured[name])
            ratios.append(measured["plus_one_pack"].wall_s / measured["plus_one"].wall_s)
        for folder in (data, twin):
            shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(extra, ignore_errors=True)
    measures = {name: median_of(found) for name, found in samples.items()}
    run, pack = measures["run"].wall_s, measures["pack"].wall_s
    with_pack, without = measures["plus_one_pack"].wall_s, measures["plus_one"].wall_s
    overhead = statistics.median(ratios) - 1
    mark = "✓" if overhead <= TARGET_INCREMENTAL_OVERHEAD else "✗"
    spread = ", ".join(f"{100 * (r - 1):+.0f}" for r in sorted(ratios))
    steals = [m.steal for m in measures.values() if m.steal is not None]
    lines = [f"-- conference pack (demo inbox, {sum(1 for _ in inbox.rglob('*.*')):,} files), "
             f"median of {repeat} (+1 file: of {len(ratios)} pairs), same run --",
             f"  run, pack off           {run:7.2f} s",
             f"  pack, every period      {pack:7.2f} s   pack ÷ run {pack / run:5.2f}x",
             f"  +1 file, pack on        {with_pack:7.2f} s",
             f"  +1 file, pack off       {without:7.2f} s   pack adds {100 * overhead:+.1f} %  "
             f"target ≤ {100 * TARGET_INCREMENTAL_OVERHEAD:.0f} %  {mark}",
             f"  each pair, pack on ÷ off − 1 (%): {spread}"]
    if steals:  # the hypervisor's share: under heavy steal, re-run before trusting a ratio
        lines.append(f"  CPU stolen by the hypervisor while measuring: ≤ {100 * max(steals):.0f} %")
    for line in lines:
        log(line)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    bench_pack(args.out, args.repeat, lambda text: print(text, flush=True))


if __name__ == "__main__":
    main(sys.argv[1:])
