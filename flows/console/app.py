"""The operator console (SPEC §9): a small server-rendered web app over the data dir.

Pages (one module each): drop files (`upload.py`, with the ward clerk's check), the completeness
grid (`grid.py`), what needs fixing (`fixes.py`), run now (`run.py`), downloads (`downloads.py`),
the login (`login.py`). Guards (`security.py`): a session cookie, a CSRF token on every POST,
the operator password when one is set, a size limit on every request body.

Decisions:
- The console reads the published DuckDB file read-only with a fresh connection per request
  (`data.py`) and writes only into the inbox (uploads), so it never blocks a run.
- Vietnamese first; `?lang=en` puts English first (the other language stays beside it).
"""

from dataclasses import dataclass
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.middleware.trustedhost import TrustedHostMiddleware

from flows.console import security
from flows.settings import Settings

HERE = Path(__file__).parent
COOKIE = "mttq_console"
# A ward file is ~20 KB; these leave room for scans and pictures pasted into a workbook.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 50
MAX_REQUEST_BYTES = 64 * 1024 * 1024
OPEN_PATHS = ("/login", "/static/")
LOCAL_NAMES = ["127.0.0.1", "localhost"]
# Scripts and styles only from the console itself; forms post only to it; no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@dataclass(frozen=True)
class Limits:
    file_bytes: int = MAX_FILE_BYTES
    files: int = MAX_FILES
    request_bytes: int = MAX_REQUEST_BYTES


class ConsoleError(Exception):
    """An expected problem shown to the operator as a page, in both languages."""

    def __init__(self, status: int, vi: str, en: str) -> None:
        super().__init__(en)
        self.status, self.vi, self.en = status, vi, en


def create_app(settings: Settings, password_required: bool = False,
               limits: Limits = Limits(), local_only: bool = False) -> FastAPI:
    """The console over `settings.data_dir`.

    Args:
        password_required: every page but the login needs the operator password; set when a
            password file exists (see `mttq console --set-password`).
        local_only: served on 127.0.0.1: refuse requests naming another host (a web page
            that rebinds its own name to 127.0.0.1 cannot read the console).
    """
    from flows.console import downloads, fixes, grid, login, run, upload

    app = FastAPI(title="mttq console", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(require_csrf)])
    app.state.settings = settings
    app.state.limits = limits
    app.state.sessions = security.Sessions()
    app.state.password_required = password_required
    app.state.runs = run.RunJobs(settings)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in (upload, grid, fixes, run, downloads, login):
        app.include_router(module.router)

    @app.middleware("http")
    async def session_and_login(request: Request, call_next) -> Response:
        sessions: security.Sessions = request.app.state.sessions
        key = request.cookies.get(COOKIE)
        session = sessions.get(key)
        new_key = None
        if session is None:
            new_key, session = sessions.create()
        lang = request.query_params.get("lang")
        if lang in ("vi", "en"):
            session.lang = lang
        request.state.session = session
        open_path = request.url.path.startswith(OPEN_PATHS)
        if request.app.state.password_required and not session.logged_in and not open_path:
            response: Response = RedirectResponse("/login", status_code=303)
        else:
            response = await call_next(request)
        new_key = getattr(request.state, "new_session_key", None) or new_key
        if new_key:
            response.set_cookie(COOKIE, new_key, httponly=True, samesite="strict", path="/")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    @app.exception_handler(ConsoleError)
    async def console_error(request: Request, error: ConsoleError) -> HTMLResponse:
        return render(request, "error.html", {"vi": error.vi, "en": error.en},
                      status_code=error.status)

    @app.exception_handler(404)
    async def not_found(request: Request, _error) -> HTMLResponse:
        return render(request, "error.html", {"vi": "Không có trang này.",
                                              "en": "There is no such page."}, status_code=404)

    @app.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/upload", status_code=303)

    if local_only:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=LOCAL_NAMES)
    app.add_middleware(BodyLimit, limit=limits.request_bytes)  # outermost: before any parsing
    return app


async def require_csrf(request: Request) -> None:
    """Every POST carries the session's CSRF token (form field `csrf_token`)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    sent = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not security.csrf_matches(getattr(request.state, "session", None),
                                 sent if isinstance(sent, str) else None):
        raise ConsoleError(
            403, "Biểu mẫu đã hết hạn hoặc không gửi từ trang này. Hãy tải lại trang rồi thử lại.",
            "The form has expired or was not sent from this page. Reload the page and try again.")


class BodyLimit:
    """Refuse a request body larger than `limit` before reading it (ASGI middleware).

    A POST must say its length (browsers always do for forms); the server never reads past it.
    """

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is None or not length.isdigit():
            return await self._refuse(send, 411, "Yêu cầu không nêu kích thước.",
                                      "The request does not state its size.")
        if int(length) > self.limit:
            mb = self.limit // (1024 * 1024)
            return await self._refuse(
                send, 413,
                f"Dữ liệu gửi lên quá lớn ({int(length) / 1048576:.0f} MB): tối đa {mb} MB mỗi "
                f"lần gửi, {MAX_FILE_BYTES // 1048576} MB mỗi tệp.",
                f"Too much data sent ({int(length) / 1048576:.0f} MB): at most {mb} MB at a "
                f"time, {MAX_FILE_BYTES // 1048576} MB per file.")
        return await self.app(scope, receive, send)

    async def _refuse(self, send, status: int, vi: str, en: str) -> None:
        body = (f"<!doctype html><html lang=vi><meta charset=utf-8><title>mttq</title>"
                f"<body><p>{escape(vi)}</p><p lang=en>{escape(en)}</p>"
                f"<p><a href='/upload'>Quay lại / Back</a></p></body></html>").encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


templates = Jinja2Templates(directory=HERE / "templates")


def bilingual(lang: str):
    """`t(vi, en)`: the session's language first, the other beside it (smaller)."""
    def t(vi: str, en: str) -> Markup:
        first, second, first_lang, second_lang = (vi, en, "vi", "en") if lang == "vi" \
            else (en, vi, "en", "vi")
        return Markup('<span lang="{}">{}</span> <span class="alt" lang="{}">{}</span>').format(
            first_lang, first, second_lang, second)

    def one(vi: str, en: str) -> str:
        """One language only, for attributes and buttons."""
        return vi if lang == "vi" else en
    return t, one


NAV = [
    ("/upload", "Nộp tệp", "Drop files"),
    ("/grid", "Tình hình nộp báo cáo", "Completeness"),
    ("/fixes", "Lỗi cần xử lý", "What needs fixing"),
    ("/run", "Chạy tổng hợp", "Run now"),
    ("/downloads", "Báo cáo", "Downloads"),
    ("/check", "Kiểm tra tệp", "Check a file"),
]


def render(request: Request, template: str, context: dict, status_code: int = 200,
           headers: dict | None = None) -> HTMLResponse:
    session = getattr(request.state, "session", None)
    lang = session.lang if session else "vi"
    t, one = bilingual(lang)
    other = "en" if lang == "vi" else "vi"
    toggle = str(request.url.include_query_params(lang=other).replace(scheme="", netloc=""))
    return templates.TemplateResponse(request, template, {
        "lang_toggle": toggle.removeprefix("//"),
        "t": t, "one": one, "lang": lang, "nav": NAV, "path": request.url.path,
        "csrf_token": session.csrf_token if session else "",
        "logged_in": bool(session and session.logged_in),
        "password_required": request.app.state.password_required,
        "data_dir": str(request.app.state.settings.data_dir),
        **context,
    }, status_code=status_code, headers=headers)
