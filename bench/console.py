"""Console page load times against `mttq status`, measured in the same run.

    python -m bench.console --data-dir data/demo [--repeat 7]

Serves the console (uvicorn, in a thread) over the data dir and times each page with a plain
HTTP GET (the server already running, as an operator's browser finds it), the median of
`--repeat` loads after one warm-up; then times `mttq status --data-dir ...` (a new process each
time, as an operator types it) the same number of times. Prints one line per page with its
median and its ratio to `mttq status`.
"""

import argparse
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

PAGES = ["/upload", "/grid", "/grid?district=006&year=2021",
         "/grid/cell?ward=00235&period=2021-Q3", "/fixes", "/fixes?district=006", "/run",
         "/downloads", "/check"]


def timed(action, repeat: int) -> float:
    action()  # warm-up: imports, caches, the file in the page cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import uvicorn

    from flows.console.app import create_app
    from flows.settings import load_settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(load_settings(data_dir=args.data_dir)),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    def load(page: str):
        def get() -> int:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=60) as answer:
                return len(answer.read())
        return get

    mttq = str(Path(sys.executable).parent / "mttq")
    status = [mttq, "status", "--data-dir", str(args.data_dir)]
    results = {page: timed(load(page), args.repeat) for page in PAGES}
    status_s = timed(lambda: subprocess.run(status, capture_output=True, check=True),
                     args.repeat)
    sizes = {page: load(page)() for page in PAGES}
    server.should_exit = True
    thread.join(10)
    print(f"data dir: {args.data_dir}; median of {args.repeat} loads each, after a warm-up")
    print(f"{'page':<40} {'median ms':>10} {'KB':>7} {'÷ mttq status':>14}")
    for page, seconds in results.items():
        print(f"{page:<40} {seconds * 1000:>10.1f} {sizes[page] / 1024:>7.1f} "
              f"{seconds / status_s:>13.3f}×")
    print(f"{'mttq status (a new process)':<40} {status_s * 1000:>10.1f} {'':>7} {1:>13.3f}×")


if __name__ == "__main__":
    main()
