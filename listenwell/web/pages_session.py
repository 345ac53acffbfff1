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


def _named(request: Request) -> bool:
    """Whether the team has named users: then the login asks for a name too."""
    return request.app.state.users.any_users()


def _check_user(request: Request, name: str, password: str):
    from listenwell.team import verify_login
    from listenwell.web.store import NotReady

    try:
        with request.app.state.store.open() as db:
            return verify_login(db, name, password)
    except NotReady:
        return None


async def login_page(request: Request):
    if request.state.session.auth:
        return RedirectResponse("/queue", status_code=303)
    named = await run_in_threadpool(_named, request)
    return render(request, "login.html", title="Log in", named=named)


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
    named = await run_in_threadpool(_named, request)
    user = None
    if named:  # each person logs in with their own name and password; the shared one no longer works
        name = str(form.get("name") or "")[:64]
        user = bool(password) and await run_in_threadpool(_check_user, request, name, password)
        ok = bool(user)
    else:
        ok = bool(password) and await run_in_threadpool(verify_password, password,
                                                        request.app.state.secrets.password_hash)
    if not ok:
        throttle.failed(address)
        error = "That name and password do not match." if named else "That password is not right."
        return render(request, "login.html", 401, title="Log in", error=error, named=named)
    throttle.succeeded(address)
    request.state.session = request.app.state.signer.login(user=user["name"] if user else "")
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
