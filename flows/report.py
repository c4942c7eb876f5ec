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
from warehouse.state import INTERRUPTED


def print_run_summary(console: Console, result: dict, data_dir: Path | None) -> None:
    """After a run: counts, periods with values, where the outputs are, what to do next.

    A backfill's result (it carries `files_changed`) counts the archived files it read again,
    under their own label: it reads no inbox and finds nothing new.
    """
    console.print(f"[bold green]Đã chạy xong lần chạy {result['run_id']} / Run "
                  f"{result['run_id']} completed.[/bold green]")
    table = Table(show_header=False, box=None)
    backfill = "files_changed" in result
    if backfill:
        head = (("Tệp lưu trữ được đọc lại / Archived files read again", result["files_seen"]),)
    else:
        head = (("Tệp trong hộp thư / Files in the inbox", result["files_seen"]),
                ("Tệp mới / New this run", result["files_new"]))
    rows = (
        *head,
        ("  hợp lệ / accepted", result["files_accepted"]),
        ("  hợp lệ nhưng có giá trị lỗi / accepted with errors", result["files_with_errors"]),
        ("  bị từ chối / rejected", result["files_rejected"]),
        *(() if backfill else (
            ("  trùng lặp / duplicates", result["files_duplicate"]),
            ("  bỏ qua (tệp khóa) / skipped (lock files)",
             result.get("files_skipped", 0)))),
        ("Bị thay thế (tổng) / Superseded in total", result["files_superseded"]),
        *((("Tệp đổi trạng thái / Files whose status changed", result["files_changed"]),)
          if backfill else ()),
    )
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    periods = result.get("periods") or []
    if periods:
        console.print(f"Các kỳ có số liệu / Periods with values: {', '.join(periods)}",
                      soft_wrap=True)
    console.print(f"DuckDB: {result['duckdb']}\nParquet: {result['parquet']}", soft_wrap=True)
    if "reports" in result:  # the conference pack (flows/pack.py)
        if result.get("pack_error"):
            console.print(f"[red]Chưa viết được báo cáo / Reports not written: "
                          f"{escape(result['pack_error'])}[/red]", soft_wrap=True)
        rewritten = ", ".join(result.get("pack_periods") or []) or "không kỳ nào / none"
        console.print(f"Báo cáo hội nghị / Reports: {result['reports']} (viết lại / rewritten: "
                      f"{rewritten})", soft_wrap=True)
    hint = f" --data-dir {data_dir}" if data_dir else ""
    if result["files_rejected"] or result["files_with_errors"]:
        console.print(f"Tiếp theo: `mttq status{hint}` liệt kê các tệp bị từ chối hoặc có giá trị "
                      f"lỗi và lý do; đề nghị phường sửa và gửi lại. / Next: `mttq status{hint}` "
                      "lists the rejected files and the dropped values and why; ask the wards to "
                      "fix and resend them.", soft_wrap=True)
    console.print(f"Truy vấn / Query: duckdb -readonly {result['duckdb']} "
                  "\"select * from mart.city_summary limit 10\"", soft_wrap=True)


PARAMETER_WORDS = {"inbox": "hộp thư / inbox", "data_dir": "thư mục dữ liệu / data dir",
                   "strict": "nghiêm ngặt / strict", "force": "tính lại / force",
                   "period_from": "từ kỳ / from", "period_to": "đến kỳ / to"}


def describe_parameters(parameters: dict) -> str:
    """A run's parameters as an operator reads them: `hộp thư / inbox: data/inbox; ...`."""
    def word(value: object) -> str:
        if value is None:
            return "mặc định / default"
        if isinstance(value, bool):
            return "có / yes" if value else "không / no"
        return str(value)

    return "; ".join(f"{PARAMETER_WORDS.get(name, name)}: {word(value)}"
                     for name, value in parameters.items())


def missing_inbox(inbox: Path, data_dir: Path | None, inbox_option: Path | None) -> str:
    """What to do when `mttq run` finds no inbox folder (nothing has been created)."""
    hint = f" --data-dir {data_dir}" if data_dir else ""
    named = f" --inbox {inbox_option}" if inbox_option else ""
    return (f"Không thấy thư mục hộp thư {inbox}: hãy tạo thư mục này và chép vào đó các tệp "
            f"phường gửi, rồi chạy lại `mttq run{named}{hint}`; hoặc chỉ ra thư mục khác bằng "
            f"`mttq run --inbox THƯ_MỤC{hint}`. Chưa có gì được tạo. Muốn chạy thử: `mttq demo`."
            f"\nInbox folder not found: {inbox}. Create it and copy the wards' files into it, "
            f"then run `mttq run{named}{hint}` again; or name another folder with "
            f"`mttq run --inbox DIR{hint}`. Nothing was created. To try it out: `mttq demo`.")


VERDICT_WORDS = {"accepted": "hợp lệ / accepted",
                 "accepted_with_errors": "hợp lệ, bỏ giá trị lỗi / accepted with errors",
                 "rejected": "bị từ chối / rejected", "skipped": "bỏ qua / skipped"}


def print_validation(console: Console, outcome) -> None:
    """One block per file: its status, then each problem with its place and both messages.

    Lines are never wrapped (soft_wrap) and text from the files is escaped, so that what a ward
    typed (`[1]`) prints as typed and each message stays on one line.
    """
    for file in outcome.files.iter_rows(named=True):
        colour = {"accepted": "green", "accepted_with_errors": "yellow",
                  "skipped": "cyan"}.get(file["status"], "red")
        identified = f" ({file['ward_code']}, {file['period'] or '—'})" if file["ward_code"] \
            else ""
        verdict = VERDICT_WORDS.get(file["status"], file["status"])
        console.print(f"[bold]{escape(file['path'])}[/bold]: [{colour}]{verdict}"
                      f"[/{colour}]{escape(identified)}", soft_wrap=True)
        problems = outcome.findings.filter(pl.col("file_hash") == file["file_hash"])
        for finding in problems.iter_rows(named=True):
            place = describe_place(finding["sheet"], finding["row"], finding["column"])
            console.print(escape(f"  {finding['finding_code']} [{place}]\n"
                                 f"    {finding['message_vi']}\n    {finding['message_en']}"),
                          soft_wrap=True)


WIDTH = 79  # `mttq status` fits an 80-column terminal
RESULT_WORDS = {"completed": "xong / completed", "failed": "THẤT BẠI / FAILED",
                "running": "đang chạy / running"}


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
        hint = "" if settings.data_dir == Path("data") else f" --data-dir {settings.data_dir}"
        say(f"Chưa có dữ liệu công bố trong {settings.warehouse_dir}: hãy chạy `mttq run{hint}` "
            f"(hoặc `mttq demo` để chạy thử).\nNo published data yet in "
            f"{settings.warehouse_dir}: run `mttq run{hint}` first (or `mttq demo` to try it).")
        demo = Path("data/demo")
        if settings.data_dir != demo and (demo / "warehouse" / "mttq.duckdb").exists():
            say("Dữ liệu của `mttq demo` nằm ở data/demo: `mttq status --data-dir data/demo` / "
                "`mttq demo`'s data is in data/demo: `mttq status --data-dir data/demo`")
        _print_waiting(say, set(), settings)
        return
    con = duckdb.connect(str(settings.published_db), read_only=True)
    try:
        published_at = con.execute("select value from ops.meta where key = 'published_at'"
                                   ).fetchall()
        when = (published_at[0][0].replace("T", " ") if published_at
                else "không rõ thời điểm / time unknown")
        say(f"Công bố / Published: {when} ({settings.published_db.name}, chỉ đọc / opened "
            "read-only)")
        _print_reports(say, settings)
        _print_runs(say, con)
        known = {row[0] for row in con.execute("select original_path from raw.files").fetchall()}
        _print_waiting(say, known, settings)
        _print_rejected(say, con)
        _print_dropped(say, con)
        _print_completeness(say, con)
    finally:
        con.close()


def _sayer(console: Console):
    """Print plain text (no markup: messages quote ward text) wrapped to WIDTH columns; a word
    longer than a line (a path) is kept whole, so that it can be copied."""
    def say(text: str = "", indent: int = 0, hang: int = 0) -> None:
        for line in text.split("\n"):
            wrapped = textwrap.wrap(line, WIDTH, initial_indent=" " * indent,
                                    subsequent_indent=" " * (indent + hang),
                                    break_on_hyphens=False, break_long_words=False) or [""]
            for part in wrapped:
                console.print(part, markup=False, highlight=False, soft_wrap=True)
    return say


def _print_writer(say, settings: Settings) -> None:
    """Is a run writing now, or did the last one die without saying so?"""
    holder = lock_holder(settings.lock_file)
    if holder:
        say(f"Đang chạy / Now running: {holder}. Dữ liệu công bố giữ nguyên đến khi chạy xong. "
            "/ Published data stays as below until it finishes.")
        return
    owner = last_owner(settings.lock_file)
    if owner:
        hint = "" if settings.data_dir == Path("data") else f" --data-dir {settings.data_dir}"
        say(f"Lần chạy {owner.get('run_id')} (từ {owner.get('since')}) bị dừng giữa chừng (bị tắt "
            "hoặc máy dừng); lần chạy sau ghi nhận và hoàn tất việc còn dở, hoặc chạy "
            f"`mttq rerun --last-failed{hint}`. / Run {owner.get('run_id')} (since "
            f"{owner.get('since')}) stopped before finishing: killed or the machine stopped. "
            "The next run records it as interrupted and completes its work; or "
            f"`mttq rerun --last-failed{hint}`.")


def _print_runs(say, con: duckdb.DuckDBPyConnection) -> None:
    say()
    say("Các lần chạy gần đây / Recent runs")
    # two heading rows, Vietnamese over English, so the table stays within 80 columns
    for run, flow, started, result, new, rejected in (
            ("Lần chạy", "Luồng", "Bắt đầu", "Kết quả", "Mới", "Loại"),
            ("Run", "Flow", "Started", "Result", "New", "Rej.")):
        say(f"  {run:<20}  {flow:<8}  {started:<11}  {result:<19}  {new:>5}  {rejected:>4}")
    rerun_of = "rerun_of" if "rerun_of" in table_columns(con, "ops.runs") else "null"
    rows = con.execute(
        "select run_id, flow_name, strftime(started_at, '%m-%d %H:%M'), status, files_new, "
        f"files_rejected, error_message, {rerun_of} from ops.runs "
        "order by started_at desc limit 6").fetchall()
    for run_id, flow, started, status, new, rejected, error, rerun_of in rows:
        result = RESULT_WORDS.get(status, status)
        if status == "failed" and (error or "").startswith(INTERRUPTED[:9]):
            result = "BỊ DỪNG / KILLED"
        say(f"  {run_id:<20}  {flow:<8}  {started:<11}  {result:<19}"
            f"  {_count(new):>5}  {_count(rejected):>4}")
        if rerun_of:
            say(f"chạy lại / re-run of {rerun_of}", indent=6)
        if error and status == "failed":
            say(error, indent=6, hang=2)
    if not rows:
        say("  (chưa có / none yet)")


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)


def _print_waiting(say, known: set[str], settings: Settings) -> None:
    from warehouse.inbox import discover

    found = discover(settings.inbox_dir) if settings.inbox_dir.is_dir() else []
    waiting = [f.relative_path for f in found if f.relative_path not in known]
    say()
    say(f"Tệp chờ lần chạy tới / Files waiting for the next run: {len(waiting)}"
        + ("" if settings.inbox_dir.is_dir() else
           f" (không thấy thư mục / inbox folder not found: {settings.inbox_dir})"))
    for path in waiting[:8]:
        say(path, indent=2)
    if len(waiting) > 8:
        say(f"... và {len(waiting) - 8} tệp khác / and {len(waiting) - 8} more", indent=2)


def _print_rejected(say, con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select f.original_path, x.finding_code, x.message_vi, x.message_en, x.sheet, x.row, "
        "x.\"column\" from raw.files f join mart.findings x using (file_hash) "
        "where f.status = 'rejected' and x.severity = 'error' "
        "order by f.original_path, x.finding_code").fetchall()
    files = list(dict.fromkeys(row[0] for row in rows))
    say()
    say(f"Tệp bị từ chối / Rejected files: {len(files)}"
        + (" (đề nghị phường sửa và gửi lại / ask the wards to fix and resend)" if files else ""))
    _print_findings_by_file(say, files, rows)


def _print_findings_by_file(say, files: list[str], rows: list[tuple]) -> None:
    """The first 10 files, each with its findings (code, place, both messages)."""
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
        say(f"... và {len(files) - 10} tệp khác / and {len(files) - 10} more: xem bảng / see "
            "mart.findings", indent=2)


def _print_dropped(say, con: duckdb.DuckDBPyConnection) -> None:
    """Files accepted with errors: their figures count, except the values listed (dropped)."""
    rows = con.execute(
        "select f.original_path, x.finding_code, x.message_vi, x.message_en, x.sheet, x.row, "
        "x.\"column\" from raw.files f join mart.findings x using (file_hash) "
        "where f.status = 'accepted_with_errors' and x.severity = 'error' "
        "order by f.original_path, x.row nulls last, x.finding_code").fetchall()
    files = list(dict.fromkeys(row[0] for row in rows))
    say()
    say(f"Tệp hợp lệ nhưng bỏ giá trị lỗi / Files accepted with dropped values: {len(files)}, "
        f"{len(rows)} giá trị / values"
        + (" (không có trong tổng số; đề nghị phường sửa và gửi lại / missing from the totals; "
           "ask the wards to fix and resend)" if files else ""))
    _print_findings_by_file(say, files, rows)


def _print_completeness(say, con: duckdb.DuckDBPyConnection) -> None:
    quarters = [row[0] for row in con.execute(
        "select distinct period from mart.completeness where level = 'city' "
        "and wards_received > 0 and period like '%-Q%'").fetchall()]
    say()
    if not quarters:
        say("Mức độ đầy đủ / Completeness: chưa có báo cáo / no quarter has reports yet.")
        return
    latest = max(quarters, key=period_sort_key)
    say(f"Mức độ đầy đủ, quý gần nhất {latest} / Completeness, latest quarter {latest}")
    rows = con.execute(
        "select level, unit_name, wards_received, wards_expected, received_rate, wards_on_time, "
        "on_time_rate from mart.completeness where period = ? and level in ('city', 'district') "
        "order by level = 'district', received_rate, on_time_rate, unit_name",
        [latest]).fetchall()
    silent = [row[1] for row in rows if row[0] == "district" and not row[2]]
    rows = [row for row in rows if row[0] == "city" or row[2]]
    say(f"  {'Đơn vị / Unit':<28}  {'Đã nhận / Received':>18}  {'Đúng hạn / On time':>18}")
    for index, (level, name, received, expected, rate, on_time, on_time_rate) in enumerate(rows):
        if index == 11:
            say(f"  ... {len(rows) - 11} quận khác / more districts")
            break
        label = name if level == "city" else f"  {name}"
        say(f"  {label[:28]:<28}  {f'{received}/{expected}':>9} {_pct(rate):>8}"
            f"  {on_time:>9} {_pct(on_time_rate):>8}")
        if level == "city" and len(rows) > 1:
            say("  Quận, huyện, thấp nhất trước / Districts, worst first:")
    if silent:
        names = ", ".join(silent[:6]) + (", ..." if len(silent) > 6 else "")
        say(f"Chưa có báo cáo / No report yet: {len(silent)} quận, huyện / districts ({names})",
            indent=2, hang=2)


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1f}%"
