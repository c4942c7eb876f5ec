"""The `mttq` command line: what an operator types. Output is plain words, never a traceback
for an expected problem (bad file, busy writer, missing folder)."""

import atexit
import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Annotated, NoReturn

from flows.prefect_api import EarlyServer  # the standard library only: cheap to import first

# The operator reads the CLI's own words; Prefect's console tracebacks stay out of the way
# (they still reach the Prefect server's logs). Set it to 0 to see them while debugging.
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")

# Commands that run a flow: their Prefect server starts while the command imports (see
# flows/prefect_api.py) and is stopped when the command ends.
FLOW_COMMANDS = {"demo", "run", "rerun", "backfill"}


def _start_early(argv: list[str]) -> EarlyServer | None:
    """Started by the `mttq` program before the command line's own imports (typer, rich,
    Polars: ~0.6 s of the server's start saved); imported any other way, by the callback."""
    runs_a_flow = len(argv) > 1 and argv[1] in FLOW_COMMANDS and "--help" not in argv[2:]
    return EarlyServer().start() if runs_a_flow and Path(argv[0]).name == "mttq" else None


_early_server = _start_early(sys.argv)

import typer  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.markup import escape  # noqa: E402

from flows import report  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="mttq: tổng hợp báo cáo MTTQ phường/xã / MTTQ ward report roll-up.")
console = Console()

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", envvar="MTTQ_DATA_DIR",
    help="Holds inbox/, archive/, warehouse/, parquet/, reports/.")]


@app.callback()
def _before_command(ctx: typer.Context) -> None:
    global _early_server
    showing_help = "--help" in sys.argv[1:]
    if ctx.invoked_subcommand in FLOW_COMMANDS and not showing_help and _early_server is None:
        _early_server = EarlyServer().start()


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option("--data-dir", envvar="MTTQ_DATA_DIR")] = Path(
        "data/demo"),
    seed: Annotated[int, typer.Option(help="Seed of the sample generator.")] = 2021,
) -> None:
    """Make a realistic sample inbox (Hà Nội, 2021-2022) and run the nightly flow on it."""
    from flows.demo import make_demo_inbox

    inbox = data_dir / "inbox"
    with console.status("Generating the sample inbox / Đang tạo hộp thư mẫu..."):
        written = make_demo_inbox(inbox, seed=seed)
    console.print(f"Sample inbox: {written} files in {inbox}")
    _run_nightly(data_dir=data_dir, inbox=inbox, strict=False)


@app.command()
def run(
    inbox: Annotated[Path | None, typer.Option("--inbox", help="Folder of ward files.")] = None,
    data_dir: DataDir = None,
    strict: Annotated[bool, typer.Option(help="Reject a whole file on any bad value.")] = False,
) -> None:
    """Run the nightly flow once, here (no Prefect server needed).

    Exit 0 when the run completed (rejected files are reported, not fatal), 1 when it failed,
    2 when another run holds the writer's lock.
    """
    _run_nightly(data_dir=data_dir, inbox=inbox, strict=strict)


@app.command()
def rerun(
    run_id: Annotated[str | None, typer.Argument(help="The run to repeat (see `mttq status`).")
                      ] = None,
    last_failed: Annotated[bool, typer.Option(
        "--last-failed", help="Repeat the latest failed or killed run.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Run a run's flow again with the same parameters (e.g. after fixing what failed)."""
    from flows.run import RERUN_OF_ENV, RunNotFound, find_run
    from flows.settings import load_settings

    if bool(run_id) == last_failed:
        console.print("Give a RUN_ID or --last-failed (one of them). / Hãy nêu mã lần chạy "
                      "hoặc --last-failed.")
        raise typer.Exit(1)
    settings = load_settings(data_dir=data_dir)
    try:
        found, flow_name, parameters = find_run(settings, run_id, last_failed)
    except RunNotFound as missing:
        console.print(f"[red]{missing}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Re-running {flow_name} run {found} / Chạy lại lần chạy {found} "
                  f"with / với {parameters}")
    os.environ[RERUN_OF_ENV] = found
    try:
        _run_flow(_flow_by_name(flow_name), parameters, data_dir)
    finally:
        os.environ.pop(RERUN_OF_ENV, None)


@app.command()
def backfill(
    period_from: Annotated[str, typer.Option("--from", help="First quarter, e.g. 2021-Q1.")],
    period_to: Annotated[str, typer.Option("--to", help="Last quarter, e.g. 2022-Q4.")],
    data_dir: DataDir = None,
    strict: Annotated[bool, typer.Option(help="Reject a whole file on any bad value.")] = False,
) -> None:
    """Read the range's archived files again with today's reference data and recompute.

    Files of other periods and new inbox files are left for the nightly run.
    """
    from warehouse.state import periods_touching

    try:
        periods_touching(period_from, period_to)
    except ValueError as wrong:
        console.print(f"[red]{wrong}. Use quarters such as 2021-Q1 / Dùng kỳ dạng 2021-Q1.[/red]")
        raise typer.Exit(1) from None
    _run_flow(_flow_by_name("backfill"), {"period_from": period_from, "period_to": period_to,
                                          "data_dir": _str(data_dir), "strict": strict},
              data_dir)


def _run_nightly(data_dir: Path | None, inbox: Path | None, strict: bool) -> None:
    _run_flow(_flow_by_name("nightly"), {"inbox": _str(inbox), "data_dir": _str(data_dir),
                                         "strict": strict}, data_dir)


def _flow_by_name(name: str):
    if name == "backfill":
        from flows.backfill import backfill as flow_
    else:
        from flows.nightly import nightly as flow_
    return flow_


def _run_flow(flow_, parameters: dict, data_dir: Path | None) -> None:
    """Run a flow here and say how it went; exit 1 when it failed, 2 when the writer is busy."""
    from flows.lock import WriterBusy
    from flows.run import describe_error

    try:
        with console.status(f"Running {flow_.name} / Đang chạy..."), _prefect_api():
            result = flow_(**parameters)
    except WriterBusy as busy:
        console.print(f"[red]Another run is writing: {busy}. Try again when it has finished.\n"
                      f"Một lần chạy khác đang ghi dữ liệu; hãy chạy lại sau.[/red]")
        raise typer.Exit(2) from None
    except Exception as failure:  # noqa: BLE001 - the operator gets words, not a traceback
        hint = f" --data-dir {data_dir}" if data_dir else ""
        console.print(f"[red]Run failed / Lần chạy thất bại: {describe_error(failure)}[/red]\n"
                      f"Fix the cause, then `mttq rerun --last-failed{hint}`. "
                      f"/ Sửa nguyên nhân rồi chạy lại bằng lệnh trên.")
        raise typer.Exit(1) from None
    report.print_run_summary(console, result, data_dir)


def _prefect_api():
    """The Prefect API and settings of a flow run started here (flows/prefect_api.py)."""
    return (_early_server or EarlyServer()).use()


@app.command()
def template(
    ward: Annotated[str, typer.Option("--ward", help="5-digit ward code.")],
    period: Annotated[str, typer.Option("--period", help="e.g. 2021-Q3 or 'Quý III/2021'.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The .xlsx to write.")],
) -> None:
    """Write the blank report template for a ward and period."""
    from flows.template import make_template

    try:
        path = make_template(ward, period, output)
    except ValueError as problem:
        console.print(f"[red]{escape(str(problem))}[/red]")
        raise typer.Exit(1) from None
    except OSError as problem:
        console.print(f"[red]Cannot write / Không ghi được {escape(str(output))}: "
                      f"{escape(problem.strerror or str(problem))}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Template written / Đã tạo mẫu: {escape(str(path))}")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Files or folders to check.")],
    strict: Annotated[bool, typer.Option(help="Treat any bad value as rejecting.")] = False,
) -> None:
    """Check files without loading them; exit 1 if any would be rejected."""
    from flows.checks import validate_files

    outcome = validate_files(files, strict=strict)
    report.print_validation(console, outcome)
    raise typer.Exit(1 if (outcome.files["status"] == "rejected").any() else 0)


@app.command()
def status(data_dir: DataDir = None) -> None:
    """Recent runs, files waiting, rejected files with reasons, latest completeness."""
    from flows.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    report.print_status(console, settings)


@app.command("report")
def report_command(
    period: Annotated[list[str], typer.Option(
        "--period", help="e.g. 2021-Q3 or 'Quý III/2021' (repeat for several); "
        "'all': every period some ward reported.")],
    unit: Annotated[str | None, typer.Option(
        "--unit", help="A district code (006) or the province code (01); default: all.")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Folder to write to (default <data-dir>/reports).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Write the conference pack (workbooks, .docx and .md drafts) of a period."""
    from flows.pack import PackError, reported_periods, write_reports
    from transforms.period_parser import parse_period

    try:
        periods = [p for text in period for p in (
            reported_periods(data_dir) if text.strip().lower() == "all"
            else [parse_period(text) or text])]
        with console.status("Đang viết báo cáo / Writing the pack..."):
            written = write_reports(data_dir, periods, unit=unit, out_dir=output)
    except PackError as problem:
        console.print(f"[red]{escape(str(problem))}[/red]")
        raise typer.Exit(1) from None
    except OSError as problem:
        console.print(f"[red]Không ghi được / Cannot write: "
                      f"{escape(problem.strerror or str(problem))}[/red]")
        raise typer.Exit(1) from None
    folders = sorted({str(path.parent) for path in written})
    console.print(f"Đã viết báo cáo / Pack written: {len(written)} tệp / files, "
                  f"{escape(', '.join(folders))}", soft_wrap=True)


def _str(path: Path | None) -> str | None:
    """An absolute path, so that `mttq rerun` finds the same folders from anywhere."""
    return None if path is None else str(path.resolve())


def main() -> None:
    code: int | str | None = 0
    try:
        app(prog_name="mttq")
    except SystemExit as done:
        code = done.code
    except Exception:  # a bug, not an operator's problem: show it before stderr is silenced
        traceback.print_exc()
        code = 1
    if isinstance(code, str):  # SystemExit("message"): said as Python would, exit status 1
        print(code, file=sys.stderr)
        code = 1
    silence_shutdown_noise()
    exit_without_teardown(code)


def exit_without_teardown(code: int | None) -> NoReturn:
    """Run every exit hook, then end the process without the interpreter's teardown.

    The hooks are what matters: Prefect's services send their last events and logs (threading's
    exit hooks), Prefect's and mttq's atexit functions close clients and stop the temporary
    server. What is skipped is freeing every module and object one by one: ~0.75 s at the end of
    each run (measured with py-spy) that the operating system does at once. Files are closed and
    DuckDB connections committed long before this point.
    """
    threading._shutdown()  # noqa: SLF001 - joins threads and runs their exit hooks, as at exit
    atexit._run_exitfuncs()  # noqa: SLF001
    sys.stdout.flush()
    os._exit(code or 0)


def silence_shutdown_noise() -> None:
    """Once the command has said all it has to say, send stderr to /dev/null.

    At interpreter exit the temporary Prefect server logs its shutdown and duckdb 2.0's
    bindings print reference-leak diagnostics; neither means anything to an operator.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)


if __name__ == "__main__":
    sys.exit(main())
