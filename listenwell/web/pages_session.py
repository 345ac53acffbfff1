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


def _too_many(request: Request, wait: float, why: str, named: bool):
    seconds = max(1, math.ceil(wait))
    response = render(request, "login.html", 429, title="Log in", named=named,
                      error=f"{why}: wait {seconds} seconds and try again.")
    response.headers["Retry-After"] = str(seconds)
    return response


async def login(request: Request):
    form = await verified_form(request)
    throttle = request.app.state.throttle
    address = _client(request)
    named = await run_in_threadpool(_named, request)
    # per account: the user name once named users exist ('' is the one shared password before that), so a
    # guesser at one name slows only that name; per address as well, both checked before any password
    name = str(form.get("name") or form.get("username") or "")[:64]
    account = name.strip().lower() if named else ""
    # at most CONCURRENT password checks (scrypt or argon2) at once: the rest are told to retry, never queued
    if not throttle.verifying.acquire(blocking=False):
        return _too_many(request, 1, "Too many logins at once", named)
    try:
        wait = throttle.attempt(address, account)  # checked and counted in one step, before the password
        if wait > 0:
            return _too_many(request, wait, "Too many failed attempts", named)
        password = str(form.get("password") or "")
        user = None
        if named:  # each person logs in with their own name and password; the shared one no longer works
            user = bool(password) and await run_in_threadpool(_check_user, request, name, password)
            ok = bool(user)
        else:
            ok = bool(password) and await run_in_threadpool(verify_password, password,
                                                            request.app.state.secrets.password_hash)
    finally:
        throttle.verifying.release()
    if not ok:
        error = "That name and password do not match." if named else "That password is not right."
        return render(request, "login.html", 401, title="Log in", error=error, named=named)
    throttle.succeeded(address, account)
    signer = request.app.state.signer
    # the session is a server-side row that carries the user (and their password's fingerprint)
    request.state.session = (signer.login(user_id=user["name"], fingerprint=user["pw_fingerprint"]) if user
                             else signer.login())
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
