"""Đăng nhập / Log in: the operator password, when one is set (`mttq console --set-password`)."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flows.console import security
from flows.console.app import COOKIE, render

router = APIRouter()
FAILED_LOGIN_PAUSE_S = 1.0  # on top of scrypt's cost: a guess a second at most per request


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if not request.app.state.password_required or request.state.session.logged_in:
        return RedirectResponse("/upload", status_code=303)
    return render(request, "login.html", {"failed": False})


@router.post("/login", response_class=HTMLResponse)
async def log_in(request: Request) -> Response:
    form = await request.form()
    password = form.get("password")
    stored = security.load_password_hash(request.app.state.settings.data_dir)
    ok = bool(stored and isinstance(password, str)
              and await asyncio.to_thread(security.check_password, password, stored))
    if not ok:
        await asyncio.sleep(FAILED_LOGIN_PAUSE_S)
        return render(request, "login.html", {"failed": True}, status_code=401)
    key, session = request.app.state.sessions.renew(request.cookies.get(COOKIE) or "")
    session.logged_in = True
    request.state.new_session_key = key
    return RedirectResponse("/upload", status_code=303)


@router.post("/logout")
def log_out(request: Request) -> Response:
    request.state.session.logged_in = False
    return RedirectResponse("/login", status_code=303)
