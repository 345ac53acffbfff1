"""The app factory: routes, middleware, templates and error pages."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from delivery.bidi import bdi, isolate
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from listenwell.web.auth import LoginSecrets, LoginThrottle, SessionSigner
from listenwell.web.security import SessionMiddleware, TrustedHostMiddleware, safe_url
from listenwell.web.sessions import SESSIONS_FILE, SessionStore
from listenwell.web.store import Busy, NotReady, Store

HERE = Path(__file__).parent
NAV = [("queue", "/queue", "Queue"), ("reach-out", "/reach-out", "Reach out"), ("people", "/people", "People"),
       ("opportunities", "/opportunities", "Opportunities"), ("digest", "/digest", "Digest"),
       ("sources", "/sources", "Sources"), ("team", "/team", "Team")]


def _when(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "never"
    return value.strftime(fmt) if hasattr(value, "strftime") else str(value)


def make_env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True,
                      default_for_string=True), trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_url"] = safe_url
    env.filters["bdi"] = bdi  # every piece of user text: <bdi>, so an RTL override cannot flip what follows
    env.filters["isolate"] = isolate  # the same in plain-text places (<title>)
    env.filters["when"] = _when
    env.filters["label"] = lambda v: str(v or "").replace("_", " ")
    from engagement.wording import intent_label

    env.filters["intent_label"] = intent_label  # intents named as everywhere else (engagement/wording.py)
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    state = request.app.state
    session = getattr(request.state, "session", None)
    html = state.templates.get_template(template).render(
        request=request, csrf=session.csrf if session else "", logged_in=bool(session and session.auth),
        flash=session.pop_flash() if session else None, nav=NAV, me=state.config.me.name,
        user=getattr(request.state, "user", None),
        path=request.url.path, sending_enabled=state.config.sending.enabled, **context)
    return HTMLResponse(html, status_code=status)


def back(request: Request, to: str, kind: str | None = None, message: str | None = None) -> RedirectResponse:
    """POST → redirect → GET, with a one-time message kept in the session."""
    if message:
        request.state.session.set_flash(kind or "ok", message)
    return RedirectResponse(to, status_code=303)


async def _busy(request: Request, exc: Busy) -> Response:
    response = render(request, "error.html", 503, title="Busy, retry in a moment",
                      message="Another listenwell process (a run, the scheduler or a command) is writing to the "
                              "database right now. Try again in a few seconds.", retry=True)
    response.headers["Retry-After"] = "5"
    return response


async def _not_ready(request: Request, exc: NotReady) -> Response:
    return render(request, "error.html", 503, title="No data yet",
                  message="There is no database yet: run `listenwell run --once` first.", retry=True)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    titles = {403: "Forbidden", 404: "Not found", 405: "Not allowed", 429: "Too many attempts"}
    if request.url.path.startswith("/api/") or request.url.path == "/calendar.ics":
        from listenwell.web.api import api_error

        return api_error(exc.status_code, exc.detail if isinstance(exc.detail, str) else titles.get(exc.status_code, "Error"),
                         exc.headers)
    if not hasattr(request.state, "session"):
        return PlainTextResponse(f"{exc.status_code} {titles.get(exc.status_code, 'Error')}", exc.status_code)
    response = render(request, "error.html", exc.status_code, title=titles.get(exc.status_code, "Error"),
                      message=exc.detail if isinstance(exc.detail, str) else "", retry=False)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def create_app(config, secrets: LoginSecrets, *, reads_read_only: bool = True,
               secure_cookie: bool | None = None, extra_hosts: list[str] | tuple[str, ...] = ()) -> Starlette:
    """``extra_hosts``: names to answer besides ``web.trusted_hosts`` (the address `serve --host` binds)."""
    from listenwell.web import api, pages_brand, pages_misc, pages_people, pages_queue, pages_session, pages_team
    from listenwell.web.users import UserDirectory, UserMiddleware

    store = SessionStore(config.db_path.parent / SESSIONS_FILE)
    signer = SessionSigner(secrets.session_key, secrets.fingerprint, config.web.session_hours, store=store)
    routes = [
        Route("/", lambda request: RedirectResponse("/queue", status_code=303)),
        Route("/healthz", lambda request: PlainTextResponse("ok")),
        *pages_session.routes(),
        *pages_queue.routes(),
        *pages_people.routes(),
        *pages_misc.routes(),
        *pages_brand.routes(),
        *pages_team.routes(),
        *api.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        # outermost first: a foreign Host is refused before anything else (the API and calendar too); then the
        # server-side session (security headers on every response); then the session's named user and role
        middleware=[Middleware(TrustedHostMiddleware, trusted=[*config.web.trusted_hosts, *extra_hosts]),
                    Middleware(SessionMiddleware, signer=signer, secure_cookie=secure_cookie),
                    Middleware(UserMiddleware)],  # named users and roles (listenwell/web/users.py)
        exception_handlers={Busy: _busy, NotReady: _not_ready, HTTPException: _http_error},
    )
    app.state.config = config
    app.state.store = Store(config, reads_read_only=reads_read_only)
    app.state.users = UserDirectory(app.state.store, sessions=store)
    app.state.templates = make_env()
    app.state.secrets = secrets
    app.state.signer = signer
    app.state.sessions = store
    app.state.throttle = LoginThrottle()
    return app


def post_paths(app: Starlette) -> list[str]:
    """Every route that accepts POST (the tests send each one without a CSRF token)."""
    return [r.path for r in app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]


__all__ = ["create_app", "render", "back", "post_paths", "Markup"]
