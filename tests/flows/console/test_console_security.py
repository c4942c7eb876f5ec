"""The console's guards (issue 15, item 7): CSRF, clean upload names, size limits, the host and
password rule, sessions."""

import http.client
import os
import stat
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import LiveConsole, client_for, csrf_of
from ops_support import free_port, stop, wait_for
from typer.testing import CliRunner

from flows.cli import app as cli_app
from flows.console import security
from flows.console.app import Limits, create_app
from flows.settings import load_settings

GOOD_CSV = (b"ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri\n"
            b"00001,2021-Q3,2021-10-05,giam_sat_cuoc,12\n")


def test_post_without_csrf_token_is_refused_and_saves_nothing(tmp_path):
    client = client_for(tmp_path)
    client.get("/upload")  # a session, but the form's token is not sent
    response = client.post("/upload", files={"files": ("a.csv", GOOD_CSV, "text/csv")})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn hoặc không gửi từ trang này" in response.text
    assert "The form has expired or was not sent from this page" in response.text
    assert not (tmp_path / "inbox").exists()


def test_post_with_another_sessions_token_is_refused(tmp_path):
    first, second = client_for(tmp_path), client_for(tmp_path)
    token = csrf_of(first.get("/upload").text)
    second.get("/upload")
    response = second.post("/upload", data={"csrf_token": token},
                           files={"files": ("a.csv", GOOD_CSV, "text/csv")})
    assert response.status_code == 403


def test_every_post_route_needs_the_csrf_token(tmp_path):
    app = create_app(load_settings(data_dir=tmp_path))
    client = client_for(tmp_path)
    client.get("/upload")
    posts = sorted(path for path, methods in app.openapi()["paths"].items() if "post" in methods)
    assert posts == ["/check", "/login", "/logout", "/run", "/upload"]
    for path in posts:
        response = client.post(path, data={"x": "1"})
        assert response.status_code == 403, path


def test_upload_named_with_dot_dot_lands_as_a_plain_name_inside_the_inbox(tmp_path):
    client = client_for(tmp_path)
    token = csrf_of(client.get("/upload").text)
    response = client.post("/upload", data={"csrf_token": token},
                           files={"files": ("../../x.csv", GOOD_CSV, "text/csv")})
    assert response.status_code == 200
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                  if p.is_file()) == ["inbox/x.csv"]
    assert (tmp_path / "inbox" / "x.csv").read_bytes() == GOOD_CSV
    assert not (tmp_path.parent / "x.csv").exists()


@pytest.mark.parametrize(("sent", "kept"), [
    ("../../x.xlsx", "x.xlsx"),
    ("..\\..\\Windows\\báo cáo.xlsx", "báo cáo.xlsx"),
    ("C:\\Users\\MTTQ\\Desktop\\BC Quý III.xlsx", "BC Quý III.xlsx"),
    ("/etc/passwd", "passwd"),
    ("..", "tep-tai-len"),
    (".hidden.xlsx", "hidden.xlsx"),
    ("bad\x00na\x1fme\n.xlsx", "badname.xlsx"),
    ('a<b>c:d"e|f?g*.csv', "a_b_c_d_e_f_g_.csv"),
    ("Phu\u031bo\u031b\u0300ng.xlsx", "Phường.xlsx"),  # NFD as macOS sends it -> NFC
    ("x" * 300 + ".xlsx", "x" * 115 + ".xlsx"),
    ("", "tep-tai-len"),
])
def test_clean_filename_cases(sent, kept):
    assert security.clean_filename(sent) == kept


def test_same_name_twice_gets_a_new_name_and_never_overwrites(tmp_path):
    client = client_for(tmp_path)
    token = csrf_of(client.get("/upload").text)
    for body in (GOOD_CSV, GOOD_CSV + b"00001,2021-Q3,2021-10-06,doi_thoai_cuoc,3\n"):
        response = client.post("/upload", data={"csrf_token": token},
                               files={"files": ("bc.csv", body, "text/csv")})
        assert response.status_code == 200
    assert (tmp_path / "inbox" / "bc.csv").read_bytes() == GOOD_CSV
    assert (tmp_path / "inbox" / "bc (2).csv").read_bytes().endswith(b"doi_thoai_cuoc,3\n")
    assert "bc (2).csv" in response.text
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["bc (2).csv", "bc.csv"]


def test_a_200_mb_upload_is_refused_with_a_message_before_it_is_read(tmp_path):
    live = LiveConsole(tmp_path)
    try:
        cookies = urllib.request.HTTPCookieProcessor()
        page = urllib.request.build_opener(cookies).open(f"{live.url}/upload").read().decode()
        session = "; ".join(f"{c.name}={c.value}" for c in cookies.cookiejar)
        boundary = "mttqboundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{csrf_of(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f"name=\"files\"; filename=\"big.xlsx\"\r\n\r\n").encode()
        connection = http.client.HTTPConnection("127.0.0.1", live.port, timeout=30)
        connection.putrequest("POST", "/upload")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(200 * 1024 * 1024))
        connection.putheader("Cookie", session)
        connection.endheaders()
        started = time.monotonic()
        connection.send(head)  # the start of the 200 MB announced: the answer comes at once
        response = connection.getresponse()
        text = response.read().decode()
        assert response.status == 413
        assert time.monotonic() - started < 10  # answered without waiting for 199 more MB
        assert "Dữ liệu gửi lên quá lớn (200 MB): tối đa 64 MB mỗi lần gửi, 10 MB mỗi tệp." in text
        assert "Too much data sent (200 MB): at most 64 MB at a time, 10 MB per file." in text
        connection.close()
    finally:
        live.stop()
    assert not (tmp_path / "inbox").exists()


def test_a_file_over_the_per_file_limit_is_answered_and_not_saved(tmp_path):
    client = client_for(tmp_path, limits=Limits(file_bytes=100))
    token = csrf_of(client.get("/upload").text)
    response = client.post("/upload", data={"csrf_token": token}, files=[
        ("files", ("big.csv", GOOD_CSV * 5, "text/csv")),
        ("files", ("small.csv", GOOD_CSV[:90], "text/csv"))])
    assert response.status_code == 200
    assert "Quá lớn, không lưu" in response.text and "Too large, not saved" in response.text
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["small.csv"]


def test_too_many_files_at_once_are_refused(tmp_path):
    client = client_for(tmp_path, limits=Limits(files=2))
    token = csrf_of(client.get("/upload").text)
    response = client.post("/upload", data={"csrf_token": token}, files=[
        ("files", (f"{n}.csv", GOOD_CSV, "text/csv")) for n in range(3)])
    assert response.status_code == 413
    assert "Quá nhiều tệp (3): tối đa 2 tệp mỗi lần gửi." in response.text
    assert "Too many files (3): at most 2 at a time." in response.text
    assert not (tmp_path / "inbox").exists()


def test_console_on_another_host_without_a_password_refuses_to_start(tmp_path):
    result = CliRunner().invoke(cli_app, ["console", "--host", "0.0.0.0", "--data-dir",
                                          str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 1
    words = " ".join(result.output.split())
    assert ("Không mở bảng điều khiển ra mạng (0.0.0.0) khi chưa đặt mật khẩu. Hãy đặt mật khẩu "
            f"trước: mttq console --set-password --data-dir {tmp_path}") in words
    assert "The console is not served beyond this machine (0.0.0.0) without an operator " \
           "password." in words
    assert "Traceback" not in result.output


def test_set_password_stores_a_salted_scrypt_hash_readable_by_its_owner_only(tmp_path):
    result = CliRunner().invoke(cli_app, ["console", "--set-password", "--data-dir",
                                          str(tmp_path)], input="mat-khau-dai\nmat-khau-dai\n")
    assert result.exit_code == 0, result.output
    path = security.password_file(tmp_path)
    stored = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stored.startswith("scrypt$16384$8$1$") and "mat-khau-dai" not in stored
    assert security.check_password("mat-khau-dai", stored)
    assert not security.check_password("mat-khau-dai!", stored)
    assert security.hash_password("mat-khau-dai") != security.hash_password("mat-khau-dai")


def test_set_password_refuses_a_short_one(tmp_path):
    result = CliRunner().invoke(cli_app, ["console", "--set-password", "--data-dir",
                                          str(tmp_path)], input="ngan\nngan\n")
    assert result.exit_code == 1
    assert "Mật khẩu cần ít nhất 8 ký tự." in result.output
    assert not security.password_file(tmp_path).exists()


def test_with_a_password_every_page_but_the_login_needs_it(tmp_path):
    security.save_password(tmp_path, "mat-khau-dai")
    client = client_for(tmp_path, password_required=True)
    for path in ("/", "/upload", "/check", "/grid", "/grid/cell?ward=00001&period=2021-Q1",
                 "/fixes", "/run", "/downloads", "/downloads/2021-Q3/x.xlsx"):
        response = client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login"), path
    login = client.get("/login")
    assert login.status_code == 200 and "Mật khẩu người vận hành" in login.text
    token = csrf_of(login.text)
    posted = client.post("/upload", data={"csrf_token": token}, follow_redirects=False,
                         files={"files": ("a.csv", GOOD_CSV, "text/csv")})
    assert posted.status_code == 303 and not (tmp_path / "inbox").exists()
    wrong = client.post("/login", data={"csrf_token": token, "password": "sai-roi-nhe"})
    assert wrong.status_code == 401 and "Mật khẩu không đúng." in wrong.text
    before = client.cookies.get("mttq_console")
    right = client.post("/login", data={"csrf_token": token, "password": "mat-khau-dai"},
                        follow_redirects=False)
    assert (right.status_code, right.headers["location"]) == (303, "/upload")
    assert client.cookies.get("mttq_console") != before  # a new session key after login
    assert client.get("/grid", follow_redirects=False).status_code == 200
    page = client.get("/upload").text
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    assert client.get("/grid", follow_redirects=False).status_code == 303


def test_session_cookie_is_httponly_and_samesite_strict(tmp_path):
    response = client_for(tmp_path).get("/upload")
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("mttq_console=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert response.headers["x-frame-options"] == "DENY"


def test_mttq_console_with_a_password_serves_every_host_behind_the_login(tmp_path):
    security.save_password(tmp_path, "mat-khau-dai")
    port = free_port()
    mttq = os.path.join(os.path.dirname(sys.executable), "mttq")
    server = subprocess.Popen([mttq, "console", "--host", "0.0.0.0", "--port", str(port),
                               "--data-dir", str(tmp_path)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def answered():
            try:
                opener = urllib.request.build_opener(NoRedirect)
                return opener.open(f"http://127.0.0.1:{port}/grid", timeout=2)
            except urllib.error.HTTPError as redirect:
                return redirect
            except OSError:
                return None
        response = wait_for(answered, 60, "mttq console")
        assert response.status == 303 and response.headers["location"] == "/login"
    finally:
        stop(server)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_uploads_are_owner_only_as_a_runs_files(tmp_path):
    client = client_for(tmp_path)
    token = csrf_of(client.get("/upload").text)
    client.post("/upload", data={"csrf_token": token},
                files={"files": ("bc.csv", GOOD_CSV, "text/csv")})
    assert stat.S_IMODE((tmp_path / "inbox").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "inbox" / "bc.csv").stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "inbox").iterdir()] == ["bc.csv"]  # no .part left


def test_console_on_a_taken_port_says_so_in_words(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["console", "--port", str(port), "--data-dir",
                                              str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 1
    words = " ".join(result.output.split())
    assert f"Không mở được cổng {port} trên 127.0.0.1 (cổng đang bận)" in words
    assert f"Use another port: mttq console --port {port + 1} --data-dir {tmp_path}" in words


def test_served_on_this_machine_a_request_naming_another_host_is_refused(tmp_path):
    from fastapi.testclient import TestClient

    app = create_app(load_settings(data_dir=tmp_path), local_only=True)
    assert TestClient(app, base_url="http://127.0.0.1:8800").get("/upload").status_code == 200
    assert TestClient(app, base_url="http://localhost:8800").get("/upload").status_code == 200
    # a page of evil.example whose name now resolves to 127.0.0.1 (DNS rebinding)
    assert TestClient(app, base_url="http://evil.example:8800").get("/upload").status_code == 400


def test_pages_carry_a_content_security_policy_without_inline_script(tmp_path):
    response = client_for(tmp_path).get("/upload")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "<script>" not in response.text and "javascript:" not in response.text


def test_sessions_are_forgotten_oldest_first_past_the_cap():
    sessions = security.Sessions()
    sessions.MAX_SESSIONS = 3
    keys = [sessions.create()[0] for _ in range(5)]
    assert [sessions.get(k) is not None for k in keys] == [False, False, True, True, True]


def test_an_inbox_without_hard_links_still_never_overwrites(tmp_path, monkeypatch):
    def no_links(*_args, **_kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)  # as on a FAT or SMB share
    client = client_for(tmp_path)
    token = csrf_of(client.get("/upload").text)
    for body in (GOOD_CSV, GOOD_CSV + b"00001,2021-Q3,2021-10-06,doi_thoai_cuoc,3\n"):
        client.post("/upload", data={"csrf_token": token},
                    files={"files": ("bc.csv", body, "text/csv")})
    assert (tmp_path / "inbox" / "bc.csv").read_bytes() == GOOD_CSV
    assert (tmp_path / "inbox" / "bc (2).csv").read_bytes().endswith(b"doi_thoai_cuoc,3\n")
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["bc (2).csv", "bc.csv"]
