"""Logging in and out."""
from __future__ import annotations

import math

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from listenwell.web.app import render
from listenwell.web.auth import verify_password
from listenwell.web.security import verified_form


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login_page(request: Request):
    if request.state.session.auth:
        return RedirectResponse("/queue", status_code=303)
    return render(request, "login.html", title="Log in")


async def login(request: Request):
    form = await verified_form(request)
    throttle = request.app.state.throttle
    address = _client(request)
    wait = throttle.wait_seconds(address)
    if wait > 0:
        response = render(request, "login.html", 429, title="Log in",
                          error=f"Too many failed attempts: wait {math.ceil(wait)} seconds and try again.")
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    password = str(form.get("password") or "")
    ok = bool(password) and await run_in_threadpool(verify_password, password,
                                                    request.app.state.secrets.password_hash)
    if not ok:
        throttle.failed(address)
        return render(request, "login.html", 401, title="Log in", error="That password is not right.")
    throttle.succeeded(address)
    request.state.session = request.app.state.signer.login()
    return RedirectResponse("/queue", status_code=303)


async def logout(request: Request):
    await verified_form(request)
    from listenwell.web.auth import Session

    request.state.session = Session(dirty=True)
    return RedirectResponse("/login", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]
