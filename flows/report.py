"""What the operator reads: run summaries, validation tables and `mttq status`, in plain words."""

import textwrap
from pathlib import Path

import duckdb
import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.lock import last_owner, lock_holder
from flows.settings import Settings
from transforms.findings import describe_place
from transforms.periods import is_period_id, period_sort_key
from warehouse.db import table_columns


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
    if "reports" in result:  # the conference pack (flows/pack.py)
        if result.get("pack_error"):
            console.print(f"[red]Chưa viết được báo cáo / Reports not written: "
                          f"{escape(result['pack_error'])}[/red]", soft_wrap=True)
        rewritten = ", ".join(result.get("pack_periods") or []) or "không kỳ nào / none"
        console.print(f"Báo cáo hội nghị / Reports: {result['reports']} (viết lại / rewritten: "
                      f"{rewritten})", soft_wrap=True)
    if "files_changed" in result:
        console.print(f"Files whose status changed / Tệp đổi trạng thái: {result['files_changed']}")
    hint = f" --data-dir {data_dir}" if data_dir else ""
    if result["files_rejected"] or result["files_with_errors"]:
        console.print(f"Next: `mttq status{hint}` lists the rejected files and why; ask the wards "
                      "to fix and resend them. / Xem lý do bằng `mttq status`.")
    console.print(f"Query: duckdb -readonly {result['duckdb']} "
                  "\"select * from mart.city_summary limit 10\"")


def print_validation(console: Console, outcome) -> None:
    """One block per file: its status, then each problem with its place and both messages.

    Lines are never wrapped (soft_wrap) and text from the files is escaped, so that what a ward
    typed (`[1]`) prints as typed and each message stays on one line.
    """
    for file in outcome.files.iter_rows(named=True):
        colour = {"accepted": "green", "accepted_with_errors": "yellow"}.get(file["status"], "red")
        identified = f" ({file['ward_code']}, {file['period'] or '—'})" if file["ward_code"] \
            else ""
        console.print(f"[bold]{escape(file['path'])}[/bold]: [{colour}]{file['status']}"
                      f"[/{colour}]{escape(identified)}", soft_wrap=True)
        problems = outcome.findings.filter(pl.col("file_hash") == file["file_hash"])
        for finding in problems.iter_rows(named=True):
            place = describe_place(finding["sheet"], finding["row"], finding["column"])
            console.print(escape(f"  {finding['finding_code']} [{place}]\n"
                                 f"    {finding['message_vi']}\n    {finding['message_en']}"),
                          soft_wrap=True)


WIDTH = 79  # `mttq status` fits an 80-column terminal
RESULT_WORDS = {"completed": "completed / xong", "failed": "FAILED / thất bại",
                "running": "running / đang chạy"}


def _print_reports(say, settings: Settings) -> None:
    """Where the conference pack is, and which periods it has (flows/pack.py)."""
    folder = settings.reports_dir
    periods = sorted((p.name for p in folder.iterdir() if p.is_dir()
                      and is_period_id(p.name)), key=period_sort_key) \
        if folder.is_dir() else []
    if periods:
        say(f"Báo cáo hội nghị / Reports: {folder} ({len(periods)} kỳ / periods: "
            f"{periods[0]} … {periods[-1]})")
    else:
        say(f"Báo cáo hội nghị / Reports: chưa có / none yet; `mttq report --period P "
            f"--data-dir {settings.data_dir}` viết báo cáo / writes one.")


def print_status(console: Console, settings: Settings) -> None:
    """Recent runs, files waiting, rejected files and why, latest completeness.

    Reads only the published file (read-only) and the lock's owner note, so it never blocks,
    nor waits for, a running job; it also works before the first run.
    """
    say = _sayer(console)
    say(f"mttq status: {settings.data_dir}")
    _print_writer(say, settings)
    if not settings.published_db.exists():
        say(f"No published data yet in {settings.warehouse_dir}: run `mttq run` first.\n"
            "Chưa có dữ liệu công bố: hãy chạy `mttq run`.")
        _print_waiting(say, set(), settings)
        return
    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        published_at = con.execute("select value from ops.meta where key = 'published_at'"
                                   ).fetchall()
        when = published_at[0][0].replace("T", " ") if published_at else "?"
        say(f"Published / Công bố: {when} ({settings.published_db.name}, opened read-only)")
        _print_reports(say, settings)
        _print_runs(say, con)
        known = {row[0] for row in con.execute("select original_path from raw.files").fetchall()}
        _print_waiting(say, known, settings)
        _print_rejected(say, con)
        _print_completeness(say, con)
    finally:
        con.close()


def _sayer(console: Console):
    """Print plain text (no markup: messages quote ward text) wrapped to WIDTH columns."""
    def say(text: str = "", indent: int = 0, hang: int = 0) -> None:
        for line in text.split("\n"):
            wrapped = textwrap.wrap(line, WIDTH, initial_indent=" " * indent,
                                    subsequent_indent=" " * (indent + hang),
                                    break_on_hyphens=False) or [""]
            for part in wrapped:
                console.print(part, markup=False, highlight=False, soft_wrap=True)
    return say


def _print_writer(say, settings: Settings) -> None:
    """Is a run writing now, or did the last one die without saying so?"""
    holder = lock_holder(settings.lock_file)
    if holder:
        say(f"Now running / Đang chạy: {holder}. Published data stays as below until it "
            "finishes. / Dữ liệu công bố giữ nguyên đến khi chạy xong.")
        return
    owner = last_owner(settings.lock_file)
    if owner:
        say(f"Run {owner.get('run_id')} (since {owner.get('since')}) stopped before finishing: "
            "killed or the machine stopped. The next run records it as interrupted and "
            "completes its work; or `mttq rerun --last-failed`. / Lần chạy này bị dừng giữa "
            "chừng; lần chạy sau sẽ hoàn tất.")


def _print_runs(say, con: duckdb.DuckDBPyConnection) -> None:
    say()
    say("Recent runs / Các lần chạy gần đây")
    say(f"  {'Run / Lần chạy':<20}  {'Flow':<8}  {'Started':<11}  {'Result / Kết quả':<17}"
        f"  {'New':>5}  {'Rej.':>4}")
    rerun_of = "rerun_of" if "rerun_of" in table_columns(con, "ops.runs") else "null"
    rows = con.execute(
        "select run_id, flow_name, strftime(started_at, '%m-%d %H:%M'), status, files_new, "
        f"files_rejected, error_message, {rerun_of} from ops.runs "
        "order by started_at desc limit 6").fetchall()
    for run_id, flow, started, status, new, rejected, error, rerun_of in rows:
        result = RESULT_WORDS.get(status, status)
        if status == "failed" and (error or "").startswith("interrupted"):
            result = "KILLED / bị dừng"
        say(f"  {run_id:<20}  {flow:<8}  {started:<11}  {result:<17}"
            f"  {_count(new):>5}  {_count(rejected):>4}")
        if rerun_of:
            say(f"re-run of / chạy lại {rerun_of}", indent=6)
        if error and status == "failed":
            say(error, indent=6, hang=2)
    if not rows:
        say("  (none yet / chưa có)")


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def _print_waiting(say, known: set[str], settings: Settings) -> None:
    from warehouse.inbox import discover

    found = discover(settings.inbox_dir) if settings.inbox_dir.is_dir() else []
    waiting = [f.relative_path for f in found if f.relative_path not in known]
    say()
    say(f"Files waiting for the next run / Tệp chờ lần chạy tới: {len(waiting)}"
        + ("" if settings.inbox_dir.is_dir() else
           f" (inbox folder not found / không thấy thư mục: {settings.inbox_dir})"))
    for path in waiting[:8]:
        say(path, indent=2)
    if len(waiting) > 8:
        say(f"... and {len(waiting) - 8} more / và {len(waiting) - 8} tệp khác", indent=2)


def _print_rejected(say, con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select f.original_path, x.finding_code, x.message_vi, x.message_en, x.sheet, x.row, "
        "x.\"column\" from raw.files f join mart.findings x using (file_hash) "
        "where f.status = 'rejected' and x.severity = 'error' "
        "order by f.original_path, x.finding_code").fetchall()
    files = list(dict.fromkeys(row[0] for row in rows))
    say()
    say(f"Rejected files / Tệp bị từ chối: {len(files)}"
        + (" (ask the wards to fix and resend / đề nghị phường sửa và gửi lại)" if files else ""))
    shown, previous = set(files[:10]), None
    for path, code, vi, en, sheet, row, column in rows:
        if path not in shown:
            continue
        if path != previous:
            say(path, indent=2)
            previous = path
        place = describe_place(sheet, row, column)
        say(f"{code}{f' [{place}]' if place else ''}: {vi}", indent=4, hang=2)
        say(en, indent=6)
    if len(files) > 10:
        say(f"... and {len(files) - 10} more: see mart.findings / xem bảng mart.findings",
            indent=2)


def _print_completeness(say, con: duckdb.DuckDBPyConnection) -> None:
    quarters = [row[0] for row in con.execute(
        "select distinct period from mart.completeness where level = 'city' "
        "and wards_received > 0 and period like '%-Q%'").fetchall()]
    say()
    if not quarters:
        say("Completeness / Mức độ đầy đủ: no quarter has reports yet / chưa có báo cáo.")
        return
    latest = max(quarters, key=period_sort_key)
    say(f"Completeness, latest quarter {latest} / Mức độ đầy đủ, quý gần nhất {latest}")
    rows = con.execute(
        "select level, unit_name, wards_received, wards_expected, received_rate, wards_on_time, "
        "on_time_rate from mart.completeness where period = ? and level in ('city', 'district') "
        "order by level = 'district', received_rate, on_time_rate, unit_name",
        [latest]).fetchall()
    silent = [row[1] for row in rows if row[0] == "district" and not row[2]]
    rows = [row for row in rows if row[0] == "city" or row[2]]
    say(f"  {'Unit / Đơn vị':<28}  {'Received / Đã nhận':>18}  {'On time / Đúng hạn':>18}")
    for index, (level, name, received, expected, rate, on_time, on_time_rate) in enumerate(rows):
        if index == 11:
            say(f"  ... {len(rows) - 11} more districts / quận khác")
            break
        label = name if level == "city" else f"  {name}"
        say(f"  {label[:28]:<28}  {f'{received}/{expected}':>9} {_pct(rate):>8}"
            f"  {on_time:>9} {_pct(on_time_rate):>8}")
        if level == "city" and len(rows) > 1:
            say("  Districts, worst first / Quận, huyện, thấp nhất trước:")
    if silent:
        names = ", ".join(silent[:6]) + (", ..." if len(silent) > 6 else "")
        say(f"No report yet / Chưa có báo cáo: {len(silent)} districts ({names})",
            indent=2, hang=2)


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1f}%"
