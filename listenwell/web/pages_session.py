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


def _too_many(request: Request, wait: float, why: str):
    seconds = max(1, math.ceil(wait))
    response = render(request, "login.html", 429, title="Log in", error=f"{why}: wait {seconds} seconds and try again.")
    response.headers["Retry-After"] = str(seconds)
    return response


async def login(request: Request):
    form = await verified_form(request)
    throttle = request.app.state.throttle
    address = _client(request)
    account = str(form.get("username") or "")[:100]  # one password today; named users later share this
    # at most CONCURRENT scrypt checks at once: the rest are told to retry, never queued in memory
    if not throttle.verifying.acquire(blocking=False):
        return _too_many(request, 1, "Too many logins at once")
    try:
        wait = throttle.attempt(address, account)  # checked and counted in one step, before the password
        if wait > 0:
            return _too_many(request, wait, "Too many failed attempts")
        password = str(form.get("password") or "")
        ok = bool(password) and await run_in_threadpool(verify_password, password,
                                                        request.app.state.secrets.password_hash)
    finally:
        throttle.verifying.release()
    if not ok:
        return render(request, "login.html", 401, title="Log in", error="That password is not right.")
    throttle.succeeded(address, account)
    request.state.session = request.app.state.signer.login()
    return RedirectResponse("/queue", status_code=303)


async def logout(request: Request):
    await verified_form(request)
    request.state.session = request.app.state.signer.logout(request.state.session)
    return RedirectResponse("/login", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]
