"""The benchmark (issue 6): mttq against the physical floor and a naive peer, in one run.

    python -m bench.run                        # every district-era ward of Vietnam, 1 quarter
    python -m bench.run --sizes 1000 3000 all allx4   # the scale curve

For each size, on the same cached inbox (bench/inbox.py) and in the same run (the machine is
noisy: only ratios between figures measured together mean anything):

- floor:        fastexcel opening every workbook and loading every sheet to Arrow, one process,
                no processing: what reading the bytes costs at least;
- prefect:      an empty Prefect flow with one task (import, `mttq`'s environment, Prefect's
                temporary server, shut-down): the fixed cost every `mttq run` pays before
                reading a single file;
- full:         `mttq run` in a subprocess from an empty data dir (hash, archive, read, validate,
                load, roll up, publish), Prefect's start included;
- incremental:  the same command again, nothing new;
- peer:         bench/naive_peer.py (pandas + openpyxl), the same files.

With `--prefect server` (or `both`, the default) prefect/full/incremental are measured again
against a Prefect server that is already running (`mttq server start`, as an operator keeps
one; a deployment's server is the same), which removes the temporary server's start from every
run.

Peak RSS is the largest sum of RSS over the subprocess and all its children (pool workers, the
temporary Prefect server), sampled every 20 ms.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import fastexcel
import psutil

from bench.inbox import OUT_DIR, Size, ensure_inbox, inbox_files

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
EMPTY_FLOW = (  # Prefect's fixed cost as `mttq` pays it: its entry point's environment, then
    # a flow with one task against the same server a run uses (PREFECT_API_URL or temporary)
    "from flows.server import prepare_environment\n"
    "prepare_environment(['empty-flow'])\n"
    "from prefect import flow, task\n"
    "@task\ndef step():\n    return 1\n"
    "@flow\ndef empty():\n    return step()\n"
    "empty()\n"
)
# Issue 6 targets on this machine
TARGET_FULL_OVER_FLOOR = 4.0
TARGET_PEER_OVER_FULL = 5.0
TARGET_INCREMENTAL_S = 5.0
TARGET_RSS_MB = 2048
# Issue 13 targets, against `mttq server`
TARGET_INCREMENTAL_OVER_EMPTY_SRV = 1.3
TARGET_FULL_OVER_FLOOR_SRV = 3.0


@dataclass
class Measure:
    name: str
    wall_s: float
    peak_rss_mb: float | None = None
    files: int = 0
    note: str = ""
    # the share of the machine's CPU time its hypervisor took for other guests meanwhile
    # (/proc/stat "steal"): a run measured under heavy steal is slow for reasons not its own
    steal: float | None = None

    @property
    def ms_per_file(self) -> float | None:
        return 1000 * self.wall_s / self.files if self.files else None


@dataclass
class SizeResult:
    size: str
    files: int
    measures: dict[str, Measure] = field(default_factory=dict)

    def wall(self, name: str) -> float | None:
        measure = self.measures.get(name)
        return measure.wall_s if measure else None

    def ratio(self, top: str, bottom: str) -> float | None:
        a, b = self.wall(top), self.wall(bottom)
        return a / b if a is not None and b else None


# --- measuring -------------------------------------------------------------------------------

def run_measured(name: str, command: list[str], env: dict[str, str], files: int = 0,
                 log: Path | None = None) -> Measure:
    """Wall time and peak tree RSS of a subprocess; raises if it fails."""
    peak = 0
    before = psutil.cpu_times()
    started = time.perf_counter()
    with open(log or os.devnull, "w") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            peak = max(peak, tree_rss(watched))
            time.sleep(0.02)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        tail = log.read_text()[-2000:] if log else ""
        raise RuntimeError(f"{name} failed with exit code {process.returncode}\n{tail}")
    return Measure(name, wall, peak / 2**20, files, steal=steal_since(before))


def steal_since(before) -> float | None:
    """The share of all CPU time since `before` (psutil.cpu_times()) that was stolen."""
    after = psutil.cpu_times()
    if not hasattr(after, "steal"):
        return None
    # Linux counts guest time inside user time already: left out so it is not counted twice
    def busy_and_idle(times) -> float:
        return sum(times) - getattr(times, "guest", 0) - getattr(times, "guest_nice", 0)

    total = busy_and_idle(after) - busy_and_idle(before)
    return (after.steal - before.steal) / total if total > 0 else 0.0


def tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        for member in [process, *process.children(recursive=True)]:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def measure_floor(files: list[Path]) -> Measure:
    """fastexcel alone: open each workbook and load every sheet to Arrow, one process."""
    before = psutil.cpu_times()
    started = time.perf_counter()
    for path in files:
        reader = fastexcel.read_excel(path)
        for index in range(len(reader.sheet_names)):
            reader.load_sheet(index, header_row=None).to_arrow()
    return Measure("floor", time.perf_counter() - started, None, len(files),
                   "fastexcel, 1 process", steal=steal_since(before))


def warm_page_cache(files: list[Path]) -> None:
    """Every measurement reads from memory, not from disk (the first one would be penalised)."""
    for path in files:
        path.read_bytes()


# --- a running Prefect server (the deployment's way) ----------------------------------------

class PrefectServer:
    """`mttq server start` (its own data dir under the bench's output, a free port) for the
    `server` mode; `mttq server stop` on exit. The runs get its address as PREFECT_API_URL:
    each full run has a data dir of its own, and would not find a server recorded elsewhere."""

    def __init__(self, env: dict[str, str], out: Path):
        self.env, self.data_dir = env, out / "server"
        self.url = ""

    def __enter__(self) -> "PrefectServer":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [str(BIN / "mttq"), "server", "start", "--data-dir", str(self.data_dir),
                   "--port", str(port)]
        done = subprocess.run(command, env=self.env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"mttq server start failed:\n{done.stdout}{done.stderr}")
        self.url = f"http://127.0.0.1:{port}/api"
        return self

    def __exit__(self, *args: object) -> None:
        subprocess.run([str(BIN / "mttq"), "server", "stop", "--data-dir", str(self.data_dir)],
                       env=self.env, cwd=ROOT, capture_output=True)


# --- one size --------------------------------------------------------------------------------

def bench_size(size: Size, args: argparse.Namespace, log: callable) -> SizeResult:
    inbox, count = ensure_inbox(size, workers=2, out_dir=args.out)
    remove_data_dirs(args.out)  # a previous size's or run's
    files = inbox_files(inbox)
    result = SizeResult(size.label, len(files))
    log(f"\n== {size.label}: {len(files):,} files ({inbox}) ==")
    warm_page_cache(files)
    floors: list[Measure] = []  # one next to each full run, in every mode (see _bench_mttq)

    # the pipeline's figures; the pack (~700 districts nationally) is measured by bench/pack.py
    env = {**os.environ, "MTTQ_PROVINCE": "all", "PYTHONUNBUFFERED": "1", "MTTQ_REPORTS": "off"}
    env.pop("MTTQ_DATA_DIR", None)
    modes = {"temporary": "", "server": "_srv"}
    wanted = ["temporary", "server"] if args.prefect == "both" else [args.prefect]
    for mode in wanted:
        if mode == "server" and not args.api_url:
            with PrefectServer(env, args.out) as server:
                _bench_mttq(result, inbox, files, {**env, "PREFECT_API_URL": server.url},
                            modes[mode], args, log, floors)
        else:
            mode_env = {**env, "PREFECT_API_URL": args.api_url} if mode == "server" else env
            if mode == "temporary":
                mode_env.pop("PREFECT_API_URL", None)
            _bench_mttq(result, inbox, files, mode_env, modes[mode], args, log, floors)
    result.measures["floor"] = median_of(floors)
    log(_line(result.measures["floor"]))

    if not args.no_peer:
        peer_files = files if len(files) <= args.peer_max_files else None
        if peer_files is not None:
            measure = run_measured("peer", [str(BIN / "python"), "-m", "bench.naive_peer",
                                            str(inbox), str(args.out / "peer.csv")],
                                   env, len(files), args.out / "peer.log")
            measure.note = "pandas + openpyxl, 1 process"
        else:
            # the peer is linear in files: time it on the same wards' first quarter, scale up
            subset, subset_files = ensure_inbox(Size(size.wards, 1), workers=2, out_dir=args.out)
            measure = run_measured("peer", [str(BIN / "python"), "-m", "bench.naive_peer",
                                            str(subset), str(args.out / "peer.csv")],
                                   env, subset_files, args.out / "peer.log")
            measure = Measure("peer", measure.wall_s * len(files) / subset_files,
                              measure.peak_rss_mb, len(files),
                              f"extrapolated from {subset_files:,} files")
        result.measures["peer"] = measure
        log(_line(measure))
    if not args.keep:
        remove_data_dirs(args.out)
    return result


def _bench_mttq(result: SizeResult, inbox: Path, files: list[Path], env: dict[str, str],
                suffix: str, args: argparse.Namespace, log: callable,
                floors: list[Measure]) -> None:
    """The empty flow, the full run and the nothing-new run, `repeat` times interleaved, each
    time next to a floor measurement (appended to `floors`): this machine's speed drifts by up
    to 2x within minutes, and a floor measured minutes before the runs made their ratio a
    coin flip."""
    where = "running server" if suffix else "temporary server"
    samples: dict[str, list[Measure]] = {"prefect": [], "full": [], "incremental": []}
    for repeat in range(args.repeat):  # interleaved, so that a noisy minute touches every figure
        # A data dir of its own for each full run, all removed once everything is measured:
        # on a `discard`-mounted ext4 the TRIM of a just-deleted 10,000-file archive slows the
        # next run's file creation for longer than a sync and a pause, which no nightly run
        # (it never deletes its archive) would pay.
        data_dir = args.out / f"data-{result.size}{suffix}-{repeat}"
        command = [str(BIN / "mttq"), "run", "--inbox", str(inbox), "--data-dir", str(data_dir)]
        floors.append(measure_floor(files))
        samples["prefect"].append(run_measured(
            f"prefect{suffix}", [str(BIN / "python"), "-c", EMPTY_FLOW], env, 0,
            args.out / f"prefect{suffix}.log"))
        samples["full"].append(run_measured(f"full{suffix}", command, env, len(files),
                                            args.out / f"full{suffix}.log"))
        _check_published(data_dir, len(files))
        samples["incremental"].append(run_measured(f"incremental{suffix}", command, env, 0,
                                                   args.out / f"incremental{suffix}.log"))
    notes = {"prefect": f"empty flow, {where}", "full": f"mttq run, empty data dir, {where}",
             "incremental": f"mttq run, nothing new, {where}"}
    for name, measures in samples.items():
        measure = median_of(measures)
        measure.note = notes[name] + measure.note
        result.measures[measure.name] = measure
        log(_line(measure))


def median_of(measures: list[Measure]) -> Measure:
    """The median wall time (and the largest peak RSS and steal) of repeated measurements."""
    walls = sorted(m.wall_s for m in measures)
    middle = len(walls) // 2
    wall = walls[middle] if len(walls) % 2 else (walls[middle - 1] + walls[middle]) / 2
    peaks = [m.peak_rss_mb for m in measures if m.peak_rss_mb is not None]
    first = measures[0]
    note = f" (median of {len(measures)})" if len(measures) > 1 else ""
    steals = [m.steal for m in measures if m.steal is not None]
    return Measure(first.name, wall, max(peaks) if peaks else None, first.files,
                   first.note + note, max(steals) if steals else None)


def remove_data_dirs(out: Path) -> None:
    """Delete the runs' data dirs, then let the disk settle (TRIM) before anything is timed."""
    folders = list(out.glob("data-*"))
    for folder in folders:
        shutil.rmtree(folder)
    if folders:
        os.sync()
        time.sleep(5)


def _check_published(data_dir: Path, files: int) -> None:
    """The run really did the work: every file accepted, every district summarised."""
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        accepted = con.sql("select count(*) from raw.files where status = 'accepted'"
                           ).fetchall()[0][0]
        rows = con.sql("select count(*) from mart.district_summary").fetchall()[0][0]
    finally:
        con.close()
    if accepted != files or rows == 0:
        raise RuntimeError(f"{data_dir}: {accepted} of {files} files accepted, "
                           f"{rows} district rows")


# --- reporting -------------------------------------------------------------------------------

def _line(m: Measure) -> str:
    per_file = f"{m.ms_per_file:7.3f} ms/file" if m.ms_per_file else " " * 15
    rss = f"{m.peak_rss_mb:7.0f} MB" if m.peak_rss_mb else " " * 10
    steal = f"  steal ≤{100 * m.steal:3.0f} %" if m.steal is not None else ""
    return f"  {m.name:17s} {m.wall_s:8.2f} s  {per_file}  peak RSS {rss}{steal}  {m.note}"


def summary(result: SizeResult) -> list[str]:
    """Ratios and the issue's targets for one size."""
    lines = [f"-- {result.size} ({result.files:,} files): ratios, same run --"]
    for suffix, where in (("", "temporary Prefect server"), ("_srv", "running Prefect server")):
        full = result.measures.get(f"full{suffix}")
        if full is None:
            continue
        incremental = result.measures[f"incremental{suffix}"]
        empty = result.measures[f"prefect{suffix}"]
        over_floor = result.ratio(f"full{suffix}", "floor")
        work_over_floor = (full.wall_s - empty.wall_s) / result.wall("floor")
        lines.append(f"  [{where}]")
        lines.append(f"  full ÷ floor               {over_floor:6.2f}x   target ≤ "
                     f"{TARGET_FULL_OVER_FLOOR:.0f}x  {_ok(over_floor <= TARGET_FULL_OVER_FLOOR)}")
        lines.append(f"  (full − empty flow) ÷ floor {work_over_floor:5.2f}x   "
                     f"(the pipeline's own work)")
        if "peer" in result.measures:
            peer_ratio = result.ratio("peer", f"full{suffix}")
            passed = _ok(peer_ratio >= TARGET_PEER_OVER_FULL)
            lines.append(f"  peer ÷ full                {peer_ratio:6.2f}x   target ≥ "
                         f"{TARGET_PEER_OVER_FULL:.0f}x  {passed}")
        passed = _ok(incremental.wall_s <= TARGET_INCREMENTAL_S)
        lines.append(f"  incremental                {incremental.wall_s:6.2f} s   target ≤ "
                     f"{TARGET_INCREMENTAL_S:.0f} s  {passed}  (empty flow {empty.wall_s:.2f} s)")
        lines.append(f"  peak RSS (full)            {full.peak_rss_mb:6.0f} MB  target ≤ "
                     f"{TARGET_RSS_MB} MB {_ok(full.peak_rss_mb <= TARGET_RSS_MB)}")
        if suffix:
            nothing_new = incremental.wall_s / empty.wall_s
            lines.append(f"  incremental ÷ empty flow   {nothing_new:6.2f}x   target ≤ "
                         f"{TARGET_INCREMENTAL_OVER_EMPTY_SRV}x  "
                         f"{_ok(nothing_new <= TARGET_INCREMENTAL_OVER_EMPTY_SRV)}")
            lines.append(f"  full ÷ floor (issue 13)    {over_floor:6.2f}x   target ≤ "
                         f"{TARGET_FULL_OVER_FLOOR_SRV:.0f}x  "
                         f"{_ok(over_floor <= TARGET_FULL_OVER_FLOOR_SRV)}")
    temporary, running = result.measures.get("prefect"), result.measures.get("prefect_srv")
    if temporary and running:
        lines.append(f"  empty flow: running server ÷ temporary server  "
                     f"{running.wall_s / temporary.wall_s:5.2f}x  ({running.wall_s:.2f} s vs "
                     f"{temporary.wall_s:.2f} s)")
        lines.append(f"  incremental: running server ÷ temporary server "
                     f"{result.ratio('incremental_srv', 'incremental'):5.2f}x")
    return lines


def scale_table(results: list[SizeResult]) -> list[str]:
    """The README's table: one row per size."""
    head = ("| size | files | floor s | full s | full ÷ floor | full ms/file | incremental s "
            "| peer s | peer ÷ full | full (running server) s | ÷ floor "
            "| incremental (running server) s | peak RSS MB |")
    lines = [head, "|" + "---|" * 13]
    for r in results:
        def cell(value: float | None, fmt: str) -> str:
            return "—" if value is None else format(value, fmt)
        full, srv = r.measures.get("full"), r.measures.get("full_srv")
        peer = r.measures.get("peer")
        lines.append(
            f"| {r.size} | {r.files:,} | {cell(r.wall('floor'), '.2f')} "
            f"| {cell(r.wall('full'), '.1f')} | {cell(r.ratio('full', 'floor'), '.1f')}× "
            f"| {cell(full.ms_per_file if full else None, '.2f')} "
            f"| {cell(r.wall('incremental'), '.1f')} "
            f"| {cell(r.wall('peer'), '.0f')}{'~' if peer and 'extrapolated' in peer.note else ''} "
            f"| {cell(r.ratio('peer', 'full'), '.1f')}× "
            f"| {cell(r.wall('full_srv'), '.1f')} | {cell(r.ratio('full_srv', 'floor'), '.1f')}× "
            f"| {cell(r.wall('incremental_srv'), '.1f')} "
            f"| {cell(max((m.peak_rss_mb for m in (full, srv) if m), default=None), '.0f')} |")
    return lines


def _ok(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["all"],
                        help="wards[xQUARTERS]: 1000, 3k, all (10,035 wards), allx4")
    parser.add_argument("--prefect", choices=["temporary", "server", "both"], default="both",
                        help="temporary server per run (what `mttq run` does), an already "
                             "running server (a deployment), or both")
    parser.add_argument("--api-url", default="",
                        help="use this running Prefect API for the server mode")
    parser.add_argument("--no-peer", action="store_true", help="skip the naive peer")
    parser.add_argument("--peer-max-files", type=int, default=11000,
                        help="above this, time the peer on that many files and scale")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs")
    parser.add_argument("--no-pack", action="store_true",
                        help="skip the conference pack's figures (bench/pack.py)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure the floor and every mttq figure N times, keep the median")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[SizeResult]:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    def log(text: str) -> None:
        print(text, flush=True)

    log(f"mttq benchmark — {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, fastexcel {fastexcel.__version__}")
    results = [bench_size(Size.parse(text), args, log) for text in args.sizes]
    log("")
    for result in results:
        for line in summary(result):
            log(line)
    log("")
    for line in scale_table(results):
        log(line)
    if not args.no_pack:  # the conference pack, on the demo inbox (issue 14)
        from bench.pack import bench_pack

        log("")
        bench_pack(args.out, args.repeat, log)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (args.out / f"results-{stamp}.json").write_text(json.dumps(
        [{"size": r.size, "files": r.files,
          "measures": {k: asdict(m) for k, m in r.measures.items()}} for r in results],
        indent=1))
    return results


if __name__ == "__main__":
    main()
