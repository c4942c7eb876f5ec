"""What the operator reads: run summaries, validation tables and `mttq status`, in plain words."""

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from flows.settings import Settings
from transforms.findings import describe_place


def print_run_summary(console: Console, result: dict, data_dir: Path | None) -> None:
    """After a run: counts, periods covered, where the outputs are, what to do next."""
    console.print(f"[bold green]Run {result['run_id']} completed / Đã chạy xong.[/bold green]")
    table = Table(show_header=False, box=None)
    rows = (
        ("Files in the inbox / Tệp trong hộp thư", result["files_seen"]),
        ("New this run / Tệp mới", result["files_new"]),
        ("  accepted / hợp lệ", result["files_accepted"]),
        ("  accepted with errors / hợp lệ nhưng có giá trị lỗi", result["files_with_errors"]),
        ("  rejected / bị từ chối", result["files_rejected"]),
        ("  duplicates / trùng lặp", result["files_duplicate"]),
        ("Superseded in total / Bị thay thế (tổng)", result["files_superseded"]),
    )
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    periods = result.get("periods") or []
    if periods:
        console.print(f"Periods covered / Các kỳ: {', '.join(periods)}")
    console.print(f"DuckDB: {result['duckdb']}\nParquet: {result['parquet']}")
    hint = f" --data-dir {data_dir}" if data_dir else ""
    if result["files_rejected"] or result["files_with_errors"]:
        console.print(f"Next: `mttq status{hint}` lists the rejected files and why; ask the wards "
                      "to fix and resend them. / Xem lý do bằng `mttq status`.")
    console.print(f"Query: duckdb -readonly {result['duckdb']} "
                  "\"select * from mart.city_summary limit 10\"")


def print_validation(console: Console, outcome) -> None:
    """One block per file: its status, then each problem with its place and both messages."""
    for file in outcome.files.iter_rows(named=True):
        colour = {"accepted": "green", "accepted_with_errors": "yellow"}.get(file["status"], "red")
        console.print(f"[bold]{file['path']}[/bold]: [{colour}]{file['status']}[/{colour}]"
                      + (f" ({file['ward_code']}, {file['period']})" if file["ward_code"] else ""))
        problems = outcome.findings.filter(outcome.findings["file_hash"] == file["file_hash"])
        for finding in problems.iter_rows(named=True):
            place = describe_place(finding["sheet"], finding["row"], finding["column"])
            console.print(f"  {finding['finding_code']} [{place}]\n"
                          f"    {finding['message_vi']}\n    {finding['message_en']}")


def print_status(console: Console, settings: Settings) -> None:
    """Reads the published file read-only, so it never blocks (or waits for) a running job."""
    if not settings.published_db.exists():
        console.print(f"No published data yet in {settings.warehouse_dir}. Run `mttq run` first. "
                      "/ Chưa có dữ liệu; hãy chạy `mttq run`.")
        return
    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        _print_runs(console, con)
        _print_waiting(console, con, settings)
        _print_rejected(console, con)
        _print_completeness(console, con)
    finally:
        con.close()


def _print_runs(console: Console, con: duckdb.DuckDBPyConnection) -> None:
    table = Table(title="Recent runs / Các lần chạy gần đây")
    for column in ("run", "flow", "started", "status", "new", "accepted", "with errors",
                   "rejected", "duplicate", "error"):
        table.add_column(column)
    for row in con.execute(
        "select run_id, flow_name, strftime(started_at, '%Y-%m-%d %H:%M'), status, files_new, "
        "files_accepted, files_with_errors, files_rejected, files_duplicate, "
        "coalesce(error_message, '') from ops.runs order by started_at desc limit 5"
    ).fetchall():
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)


def _print_waiting(console: Console, con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    from warehouse.inbox import discover

    known = {row[0] for row in con.execute("select original_path from raw.files").fetchall()}
    waiting = [f.relative_path for f in discover(settings.inbox_dir)] if \
        settings.inbox_dir.is_dir() else []
    waiting = [path for path in waiting if path not in known]
    console.print(f"Files waiting for the next run / Tệp chờ xử lý: {len(waiting)}")
    for path in waiting[:10]:
        console.print(f"  {path}")


def _print_rejected(console: Console, con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select f.original_path, x.finding_code, x.message_vi, x.message_en, x.sheet, x.row, "
        "x.\"column\" from raw.files f join mart.findings x using (file_hash) "
        "where f.status = 'rejected' and x.severity = 'error' order by f.original_path"
    ).fetchall()
    console.print(f"Rejected files / Tệp bị từ chối: "
                  f"{len({row[0] for row in rows})}")
    for path, code, vi, en, sheet, row, column in rows[:20]:
        place = describe_place(sheet, row, column)
        console.print(f"  {path} — {code} [{place}]\n    {vi}\n    {en}")


def _print_completeness(console: Console, con: duckdb.DuckDBPyConnection) -> None:
    latest = con.execute("select max(period) from mart.completeness where level = 'city' "
                         "and period like '%-Q%'").fetchall()[0][0]
    if latest is None:
        return
    row = con.execute("select unit_name, wards_expected, wards_received, wards_on_time, "
                      "received_rate, on_time_rate from mart.completeness "
                      "where level = 'city' and period = ?", [latest]).fetchall()[0]
    name, expected, received, on_time, received_rate, on_time_rate = row
    console.print(f"Completeness {latest} / Mức độ đầy đủ: {name}: {received}/{expected} wards "
                  f"reported ({received_rate or 0:.1f}%), {on_time} on time "
                  f"({on_time_rate or 0:.1f}%).")
