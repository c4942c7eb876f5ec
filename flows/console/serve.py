"""`mttq console`: check the host against the password rule, then serve with uvicorn."""

import errno
import socket

import typer
from rich.console import Console
from rich.markup import escape

from flows.console import security
from flows.settings import Settings

MIN_PASSWORD_CHARS = 8


def _hint(settings: Settings) -> str:
    return f"mttq console --set-password --data-dir {settings.data_dir}"


def set_operator_password(console: Console, settings: Settings) -> int:
    """Ask for the password twice and store its salted hash under the data dir."""
    password = typer.prompt("Mật khẩu mới / New password", hide_input=True,
                            confirmation_prompt="Nhập lại / Repeat it")
    if len(password) < MIN_PASSWORD_CHARS:
        console.print(f"[red]Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự. / The password "
                      f"needs at least {MIN_PASSWORD_CHARS} characters.[/red]")
        return 1
    path = security.save_password(settings.data_dir, password)
    console.print(f"Đã lưu mật khẩu (dạng băm) / Password saved (hashed): {escape(str(path))}")
    return 0


def serve(console: Console, settings: Settings, host: str, port: int) -> int:
    """Serve the console; refuse any host but this machine when no password is set."""
    import uvicorn

    from flows.console.app import create_app

    has_password = security.load_password_hash(settings.data_dir) is not None
    if host not in security.LOCAL_HOSTS and not has_password:
        console.print(
            f"[red]Không mở bảng điều khiển ra mạng ({escape(host)}) khi chưa đặt mật khẩu. "
            f"Hãy đặt mật khẩu trước: {escape(_hint(settings))}\n"
            f"The console is not served beyond this machine ({escape(host)}) without an "
            f"operator password. Set one first: {escape(_hint(settings))}[/red]")
        return 1
    try:
        with socket.create_server((host, port)):
            pass  # uvicorn's own message for a taken port is an English log line
    except OSError as problem:
        busy = problem.errno == errno.EADDRINUSE
        why_vi, why_en = ("cổng đang bận", "the port is in use") if busy else (
            problem.strerror or "lỗi mạng", problem.strerror or "a network error")
        console.print(
            f"[red]Không mở được cổng {port} trên {escape(host)} ({escape(why_vi)}): có thể "
            f"bảng điều khiển đã chạy. "
            f"Dùng cổng khác: mttq console --port {port + 1} --data-dir {settings.data_dir}\n"
            f"Cannot listen on {escape(host)}:{port} ({escape(why_en)}); the console may already "
            f"be running. "
            f"Use another port: mttq console --port {port + 1} --data-dir "
            f"{settings.data_dir}[/red]")
        return 1
    app = create_app(settings, password_required=has_password,
                     local_only=host in security.LOCAL_HOSTS)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"Bảng điều khiển / Console: http://{shown}:{port}/  "
                  f"(dữ liệu / data: {escape(str(settings.data_dir))}; Ctrl+C để dừng / to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    return 0
