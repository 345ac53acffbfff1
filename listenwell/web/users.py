"""Who is using the web app: the named user a session carries (or the shared password's login while no
user exists), their role, and the checks every action makes.

A session is a server-side row (sessions.py) that names its user and the fingerprint of the password
they logged in with. Every request looks the user up (cached for a few seconds, and dropped at once
when any process changes a user: ``SessionStore.users_version``), so a user who is removed, whose
password changed or whose role changed is logged out or restricted on their next request; their
session row is revoked too. While users exist, the shared password no longer logs in. Actions record
the user's name (queue decisions, touches, merges, undos).
"""
from __future__ import annotations

import threading
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

from listenwell.team import has_users, login_state, role_allows
from listenwell.web.auth import Session
from listenwell.web.security import PUBLIC_PATHS
from listenwell.web.store import Busy, NotReady

# the shared password's login while the team has no named user: it may do everything, as before
SHARED = {"name": "web", "display_name": "shared login", "role": "admin", "shared": True}


class UserDirectory:
    """Users by name and whether any exist, read through the store and kept for ``ttl`` seconds."""

    def __init__(self, store, ttl: float = 3.0, sessions=None):
        self.store = store
        self.ttl = ttl
        self.sessions = sessions  # the SessionStore whose users_version says a user changed somewhere
        self._version: int | None = None
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Any]] = {}

    def _fresh(self) -> None:
        if self.sessions is None:
            return
        version = self.sessions.users_version()
        if version != self._version:
            self.forget()
            self._version = version

    def _cached(self, key: str, load):
        self._fresh()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < self.ttl:
                return hit[1]
        try:
            value = load()
        except Busy:
            if hit:  # another process is writing: what we knew a moment ago stands
                return hit[1]
            raise
        with self._lock:
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[key] = (now, value)
        return value

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()

    def any_users(self) -> bool:
        def load() -> bool:
            try:
                with self.store.open() as db:
                    return has_users(db)
            except NotReady:
                return False
        return self._cached("*", load)

    def user(self, name: str) -> dict[str, Any] | None:
        """An active user with their password's fingerprint (``login_state``); None when gone."""
        def load():
            try:
                with self.store.open() as db:
                    return login_state(db, name)
            except NotReady:
                return None
        return self._cached(f"u:{name}", load)


def current_user(request: Request) -> dict[str, Any] | None:
    return getattr(request.state, "user", None)


def actor(request: Request) -> str:
    user = current_user(request)
    return user["name"] if user else "web"


def require(request: Request, role: str) -> dict[str, Any]:
    """The user, when their role allows ``role``'s actions; else 403 (nothing is changed)."""
    user = current_user(request)
    if user is None or not role_allows(user["role"], role):
        have = user["role"] if user else "no"
        raise HTTPException(403, f"This needs the {role} role; you are logged in with the {have} role.")
    return user


class UserMiddleware:
    """Runs inside the session middleware: puts the session's user on ``request.state.user``, and ends
    (revokes) a session whose user is gone or has a new password, or a shared-password session once named
    users exist. The API and the calendar feed (PUBLIC_PATHS) authenticate with tokens instead."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PATHS):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        session: Session | None = getattr(request.state, "session", None)
        if session is not None and session.auth:
            from starlette.concurrency import run_in_threadpool

            directory: UserDirectory = request.app.state.users
            try:
                if session.user_id:
                    user = await run_in_threadpool(directory.user, session.user_id)
                    if user is not None and user["pw_fingerprint"] != session.pw:
                        user = None  # logged in with a password that has since changed
                else:
                    user = None if await run_in_threadpool(directory.any_users) else SHARED
            except Busy as exc:  # the database is locked and we know nothing yet: the usual busy page
                from listenwell.web.app import _busy

                await (await _busy(request, exc))(scope, receive, send)
                return
            if user is None:  # removed, disabled, new password, or the shared password after users were added
                request.state.session = await run_in_threadpool(request.app.state.signer.logout, session)
                if scope["method"] in ("GET", "HEAD"):
                    response = RedirectResponse("/login", status_code=303)
                else:
                    response = PlainTextResponse("Forbidden: log in first.", status_code=403)
                await response(scope, receive, send)
                return
            request.state.user = user
        await self.app(scope, receive, send)
