"""The `mttq` command line: what an operator types. Output is plain words, never a traceback
for an expected problem (bad file, busy writer, missing folder)."""

import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from flows import report

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="mttq: tổng hợp báo cáo MTTQ phường/xã / MTTQ ward report roll-up.")
console = Console()

DataDir = typer.Option(None, "--data-dir", envvar="MTTQ_DATA_DIR",
                       help="Holds inbox/, archive/, warehouse/, parquet/, reports/.")


@app.command()
def demo(data_dir: Path = typer.Option(Path("data/demo"), "--data-dir", envvar="MTTQ_DATA_DIR"),
         seed: int = typer.Option(2021, help="Seed of the sample generator.")) -> None:
    """Make a realistic sample inbox (Hà Nội, 2021-2022) and run the nightly flow on it."""
    from flows.demo import make_demo_inbox

    inbox = data_dir / "inbox"
    with console.status("Generating the sample inbox / Đang tạo hộp thư mẫu..."):
        written = make_demo_inbox(inbox, seed=seed)
    console.print(f"Sample inbox: {written} files in {inbox}")
    _run_nightly(data_dir=data_dir, inbox=inbox, strict=False)


@app.command()
def run(inbox: Path = typer.Option(None, "--inbox", help="Folder of ward files."),
        data_dir: Path = DataDir,
        strict: bool = typer.Option(False, help="Reject a whole file on any bad value.")) -> None:
    """Run the nightly flow once, here (no Prefect server needed)."""
    _run_nightly(data_dir=data_dir, inbox=inbox, strict=strict)


def _run_nightly(data_dir: Path | None, inbox: Path | None, strict: bool) -> None:
    from flows.lock import WriterBusy
    from flows.nightly import nightly

    try:
        with console.status("Running the nightly flow / Đang chạy tổng hợp..."):
            result = nightly(inbox=_str(inbox), data_dir=_str(data_dir), strict=strict)
    except WriterBusy as busy:
        console.print(f"[red]Another run is writing: {busy}. Try again when it has finished.\n"
                      f"Một lần chạy khác đang ghi dữ liệu; hãy chạy lại sau.[/red]")
        raise typer.Exit(2) from None
    except FileNotFoundError as missing:
        console.print(f"[red]{missing}. Check --inbox / --data-dir.[/red]")
        raise typer.Exit(1) from None
    report.print_run_summary(console, result, data_dir)


@app.command()
def template(ward: str = typer.Option(..., "--ward", help="5-digit ward code."),
             period: str = typer.Option(..., "--period", help="e.g. 2021-Q3 or 'Quý III/2021'."),
             output: Path = typer.Option(..., "-o", "--output", help="The .xlsx to write.")) -> None:
    """Write the blank report template for a ward and period."""
    from flows.template import make_template

    try:
        path = make_template(ward, period, output)
    except ValueError as problem:
        console.print(f"[red]{problem}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Template written / Đã tạo mẫu: {path}")


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="Files to check."),
             strict: bool = typer.Option(False, help="Treat any bad value as rejecting.")) -> None:
    """Check files without loading them; exit 1 if any would be rejected."""
    from flows.checks import validate_files

    outcome = validate_files(files, strict=strict)
    report.print_validation(console, outcome)
    raise typer.Exit(1 if (outcome.files["status"] == "rejected").any() else 0)


@app.command()
def status(data_dir: Path = DataDir) -> None:
    """Recent runs, files waiting, rejected files with reasons, latest completeness."""
    from flows.settings import load_settings

    settings = load_settings(data_dir=data_dir)
    report.print_status(console, settings)


def _str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def main() -> None:
    try:
        app(prog_name="mttq")
    finally:
        silence_shutdown_noise()


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
