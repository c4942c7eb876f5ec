"""The `mttq` command line: what an operator types. Output is plain words, never a traceback
for an expected problem (bad file, busy writer, missing folder)."""

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from flows import report, server
from flows.server import ApiChoice

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="mttq: tổng hợp báo cáo MTTQ phường/xã / MTTQ ward report roll-up.")
console = Console()

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", envvar="MTTQ_DATA_DIR",
    help="Thư mục dữ liệu / data folder: inbox/, archive/, warehouse/, parquet/, reports/.")]


Strict = Annotated[bool | None, typer.Option(
    "--strict/--no-strict",
    help="Từ chối cả tệp khi có một giá trị lỗi / reject a whole file on any bad value "
         "(default: MTTQ_STRICT, else off).")]
API = ApiChoice("temporary")  # set by main() before the command runs (flows/server.py)


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option("--data-dir", envvar="MTTQ_DATA_DIR")] = Path(
        "data/demo"),
    seed: Annotated[int, typer.Option(
        help="Hạt giống bộ sinh mẫu / seed of the sample generator.")] = 2021,
) -> None:
    """Tạo hộp thư mẫu (Hà Nội, 2021-2022) và chạy luồng hằng đêm / make a sample inbox and
    run the nightly flow on it."""
    from flows.demo import make_demo_inbox

    inbox = data_dir / "inbox"
    with console.status("Đang tạo hộp thư mẫu / Generating the sample inbox..."):
        written = make_demo_inbox(inbox, seed=seed)
    console.print(f"Hộp thư mẫu / Sample inbox: {written} tệp / files, {inbox}", soft_wrap=True)
    _run_nightly(data_dir=data_dir, inbox=inbox, strict=False)


@app.command()
def run(
    inbox: Annotated[Path | None, typer.Option(
        "--inbox", help="Thư mục tệp của phường / folder of ward files.")] = None,
    data_dir: DataDir = None,
    strict: Strict = None,
) -> None:
    """Chạy luồng hằng đêm một lần, tại máy này / run the nightly flow once, here.

    Mã thoát 0: chạy xong (tệp bị từ chối được báo, không phải lỗi); 1: thất bại; 2: một lần
    chạy khác đang ghi. / Exit 0 when the run completed (rejected files are reported, not
    fatal), 1 when it failed, 2 when another run holds the writer's lock.
    """
    _run_nightly(data_dir=data_dir, inbox=inbox, strict=strict)


@app.command()
def rerun(
    run_id: Annotated[str | None, typer.Argument(help="Lần chạy cần chạy lại / the run to repeat "
                                                "(`mttq status`).")
                      ] = None,
    last_failed: Annotated[bool, typer.Option(
        "--last-failed",
        help="Chạy lại lần thất bại gần nhất / repeat the latest failed or killed run.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Chạy lại một lần chạy với cùng tham số / run a run's flow again with its parameters."""
    from flows.run import RunNotFound, find_run
    from flows.settings import load_settings

    if bool(run_id) == last_failed:
        console.print("Hãy nêu mã lần chạy hoặc --last-failed (một trong hai). / Give a RUN_ID "
                      "or --last-failed (one of them).")
        raise typer.Exit(1)
    settings = load_settings(data_dir=data_dir)
    try:
        found, flow_name, parameters = find_run(settings, run_id, last_failed)
    except RunNotFound as missing:
        console.print(f"[red]{escape(str(missing))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"Chạy lại lần chạy {found} ({flow_name}) / Re-running {flow_name} run "
                  f"{found}: {escape(report.describe_parameters(parameters))}", soft_wrap=True)
    _run_flow(flow_name, {**parameters, "rerun_of": found}, data_dir)


@app.command()
def backfill(
    period_from: Annotated[str, typer.Option(
        "--from", help="Quý đầu / first quarter, e.g. 2021-Q1.")],
    period_to: Annotated[str, typer.Option(
        "--to", help="Quý cuối / last quarter, e.g. 2022-Q4.")],
    data_dir: DataDir = None,
    strict: Strict = None,
) -> None:
    """Đọc lại các tệp lưu trữ của khoảng kỳ và tính lại / read the range's archived files
    again with today's reference data and recompute.

    Tệp của kỳ khác và tệp mới trong hộp thư để lại cho lần chạy hằng đêm. / Files of other
    periods and new inbox files are left for the nightly run.
    """
    from transforms.periods import periods_touching

    try:
        periods_touching(period_from, period_to)
    except ValueError as wrong:
        console.print(f"[red]Kỳ không hợp lệ / not a valid range: {escape(str(wrong))}. Dùng kỳ "
                      "dạng 2021-Q1 / use quarters such as 2021-Q1.[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    _run_flow("backfill", {"period_from": period_from, "period_to": period_to,
                                          "data_dir": _str(data_dir), "strict": strict},
              data_dir)


def _run_nightly(data_dir: Path | None, inbox: Path | None, strict: bool | None) -> None:
    from flows.settings import load_settings

    settings = load_settings(data_dir=data_dir, inbox=inbox)
    if not settings.inbox_dir.is_dir():  # said before anything is created
        console.print(report.missing_inbox(settings.inbox_dir, data_dir, inbox), soft_wrap=True)
        raise typer.Exit(1)
    _run_flow("nightly", {"inbox": _str(inbox), "data_dir": _str(data_dir),
                                         "strict": strict}, data_dir)


def _flow_by_name(name: str):
    if name == "backfill":
        from flows.backfill import backfill as flow_
    else:
        from flows.nightly import nightly as flow_
    return flow_


def _run_flow(name: str, parameters: dict, data_dir: Path | None) -> None:
    """Run the flow `name` here and say how it went; exit 1 when it failed, 2 when the writer
    is busy.

    The pack's helpers start before Prefect is imported (warehouse/pack_helpers.py). The task
    runner is chosen now, from the settings (MTTQ_TASK_RUNNER), for this call only.
    """
    from flows.settings import load_settings
    from warehouse.pack_helpers import start_early

    settings = load_settings(data_dir=data_dir)
    start_early(settings.workers - 1 if settings.write_reports else 0)

    from prefect.settings import get_current_settings

    from flows.lock import WriterBusy
    from flows.run import describe_error
    from flows.tasks import task_runner_for

    flow_ = _flow_by_name(name)

    hint = f" --data-dir {data_dir}" if data_dir else ""
    choice = API
    if choice.kind == "temporary" and get_current_settings().api.url:  # set in a profile
        choice = ApiChoice("configured", str(get_current_settings().api.url))
    console.print(choice.describe(hint), soft_wrap=True)
    try:
        runner = task_runner_for(settings)
    except (ValueError, RuntimeError) as wrong:
        console.print(f"[red]{escape(str(wrong))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    try:
        with console.status(f"Đang chạy {flow_.name} / Running {flow_.name}..."):
            result = flow_.with_options(task_runner=runner)(**parameters)
    except WriterBusy as busy:
        console.print(f"[red]Một lần chạy khác đang ghi dữ liệu ({busy}); hãy chạy lại sau. / "
                      f"Another run is writing: {busy}. Try again when it has finished.[/red]",
                      soft_wrap=True)
        raise typer.Exit(2) from None
    except Exception as failure:  # noqa: BLE001 - the operator gets words, not a traceback
        console.print(f"[red]Lần chạy thất bại / Run failed: "
                      f"{escape(describe_error(failure))}[/red]\n"
                      f"Sửa nguyên nhân rồi chạy lại: `mttq rerun --last-failed{hint}` / "
                      f"Fix the cause, then `mttq rerun --last-failed{hint}`.", soft_wrap=True)
        raise typer.Exit(1) from None
    report.print_run_summary(console, result, data_dir)


@app.command()
def template(
    ward: Annotated[str, typer.Option("--ward", help="Mã phường 5 chữ số / 5-digit ward code.")],
    period: Annotated[str, typer.Option("--period", help="Kỳ / period: 2021-Q3, 'Quý III/2021'.")],
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="Tệp .xlsx cần tạo / the .xlsx to write.")],
) -> None:
    """Tạo mẫu báo cáo trống cho một phường và kỳ / write the blank report template for a ward
    and period."""
    from flows.template import make_template

    try:
        path = make_template(ward, period, output)
    except ValueError as problem:
        console.print(f"[red]{escape(str(problem))}[/red]")
        raise typer.Exit(1) from None
    except OSError as problem:
        console.print(f"[red]Không ghi được / Cannot write {escape(str(output))}: "
                      f"{escape(problem.strerror or str(problem))}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Đã tạo mẫu / Template written: {escape(str(path))}\nPhường điền 'Ngày lập' "
                  "(ngày lập báo cáo) và cột 'Kết quả' / the ward fills in 'Ngày lập' (the report "
                  "date) and the 'Kết quả' column", soft_wrap=True)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(
        help="Tệp hoặc thư mục / files or folders to check.")],
    strict: Annotated[bool, typer.Option(
        help="Giá trị lỗi làm từ chối cả tệp / any bad value rejects the file.")] = False,
) -> None:
    """Kiểm tra tệp mà không nạp dữ liệu; mã thoát 1 nếu có tệp bị từ chối / check files without
    loading them; exit 1 if any would be rejected."""
    from flows.checks import validate_files

    outcome = validate_files(files, strict=strict)
    report.print_validation(console, outcome)
    raise typer.Exit(1 if (outcome.files["status"] == "rejected").any() else 0)


@app.command()
def status(data_dir: DataDir = None) -> None:
    """Các lần chạy gần đây, tệp chờ, tệp bị từ chối và lý do, mức độ đầy đủ / recent runs, files
    waiting, rejected files with reasons, latest completeness."""
    from flows.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    report.print_status(console, settings)


server_app = typer.Typer(no_args_is_help=True, help=(
    "Máy chủ Prefect cục bộ giữ lịch sử chạy / the local Prefect server that keeps run history: "
    "start, stop, status."))
app.add_typer(server_app, name="server")


def _server_dir(data_dir: Path | None) -> Path:
    from flows.settings import load_settings

    return load_settings(data_dir=data_dir).data_dir


@server_app.command("start")
def server_start(
    data_dir: DataDir = None,
    port: Annotated[int | None, typer.Option(help="Cổng / port (default: 4200 or the next "
                                                   "free one).")] = None,
) -> None:
    """Khởi động máy chủ Prefect cục bộ / start the local Prefect server (127.0.0.1)."""
    where = _server_dir(data_dir)
    try:
        info, started = server.start(where, port)
    except server.ServerError as failed:
        console.print(f"[red]{escape(str(failed))}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
    said = ("Đã khởi động máy chủ Prefect / Prefect server started" if started else
            "Máy chủ Prefect đang chạy / Prefect server already running")
    hint = f" --data-dir {data_dir}" if data_dir else ""
    console.print(f"{said}: {info.ui_url} (pid {info.pid}, {info.home})\n"
                  f"Các lệnh `mttq run{hint}` sẽ dùng máy chủ này; dừng bằng `mttq server "
                  f"stop{hint}` / `mttq run{hint}` now uses it; stop it with "
                  f"`mttq server stop{hint}`", soft_wrap=True)


@server_app.command("stop")
def server_stop(data_dir: DataDir = None) -> None:
    """Dừng máy chủ Prefect cục bộ / stop the local Prefect server (its history is kept)."""
    info = server.stop(_server_dir(data_dir))
    if info is None:
        console.print("Không có máy chủ Prefect cục bộ nào đang chạy / no local Prefect server "
                      "is running", soft_wrap=True)
        return
    console.print(f"Đã dừng máy chủ Prefect (pid {info.pid}); lịch sử vẫn giữ ở {info.home} / "
                  f"Prefect server stopped (pid {info.pid}); its history stays in {info.home}",
                  soft_wrap=True)


@server_app.command("status")
def server_status(data_dir: DataDir = None) -> None:
    """Máy chủ Prefect cục bộ có đang chạy không / is the local Prefect server running?

    Exit 0 when it runs, 1 when it does not.
    """
    where = _server_dir(data_dir)
    info = server.running(where)
    hint = f" --data-dir {data_dir}" if data_dir else ""
    if info is None:
        console.print(f"Máy chủ Prefect cục bộ không chạy; khởi động bằng `mttq server start"
                      f"{hint}` / the local Prefect server is not running; start it with "
                      f"`mttq server start{hint}`", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"Máy chủ Prefect đang chạy / Prefect server running: {info.ui_url} "
                  f"(pid {info.pid}, từ / since {info.started_at}, {info.home})", soft_wrap=True)


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


@app.command("console")
def console_command(
    host: Annotated[str, typer.Option(help="Address to serve on (another than 127.0.0.1 "
                                           "needs --set-password first).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8800,
    data_dir: DataDir = None,
    set_password: Annotated[bool, typer.Option(
        "--set-password", help="Set the operator password (asked twice), then exit.")] = False,
) -> None:
    """The operator console: a web page to drop files, see what is wrong, run, download."""
    from flows.console.serve import serve, set_operator_password
    from flows.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    if set_password:
        raise typer.Exit(set_operator_password(console, settings))
    raise typer.Exit(serve(console, settings, host, port))


def _str(path: Path | None) -> str | None:
    """An absolute path, so that `mttq rerun` finds the same folders from anywhere."""
    return None if path is None else str(path.resolve())


def main() -> None:
    """The `mttq` program: Prefect's environment is decided before Prefect is imported."""
    global API
    API = server.prepare_environment(sys.argv[1:])
    app(prog_name="mttq")


if __name__ == "__main__":
    sys.exit(main())
