"""Security headers, the session middleware, CSRF checks and safe links."""
from __future__ import annotations

import hmac
from ipaddress import ip_address
from urllib.parse import urlparse

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

from delivery.links import safe_url  # noqa: F401  (re-exported for the web app)

from listenwell.web.auth import COOKIE, Session, SessionSigner

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'")
# a stored digest file: its own inline styles, nothing else, shown only inside our digest page
DIGEST_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# the JSON API and the calendar feed authenticate with API tokens, not the session (listenwell/web/api.py):
# no login redirect and no session cookie there; the trusted hosts and the security headers still apply
TOKEN_PATHS = ("/api/", "/calendar.ics")
PUBLIC_PATHS = ("/login", "/static/", "/healthz", *TOKEN_PATHS)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go back to after a form: never another site (`//evil`, `https://…`, `\\evil`)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or "\r" in value \
            or "\n" in value:
        return default
    return value


class SessionMiddleware(BaseHTTPMiddleware):
    """Reads the signed session cookie, turns anonymous visitors to the login page, writes the
    cookie back when it changed, and adds the security headers to every response."""

    def __init__(self, app, signer: SessionSigner, secure_cookie: bool | None):
        super().__init__(app)
        self.signer = signer
        self.secure_cookie = secure_cookie  # None: Secure unless the request came to a loopback address

    async def dispatch(self, request: Request, call_next):
        session = self.signer.loads(request.cookies.get(COOKIE))
        if session is None:
            session = Session(dirty=True)
        request.state.session = session
        path = request.url.path
        if not session.auth and not path.startswith(PUBLIC_PATHS):
            if request.method in ("GET", "HEAD"):
                response = RedirectResponse("/login", status_code=303)
            else:  # a form sent without a login is refused outright, never replayed after one
                response = PlainTextResponse("Forbidden: log in first.", status_code=403)
        else:
            response = await call_next(request)
        session = request.state.session
        if session.dirty and session.auth:
            self.signer.save(session)  # csrf and flash stay on the server; the cookie holds the token only
        if session.dirty and (not session.auth or session.new_token) and not path.startswith(TOKEN_PATHS):
            secure = self.secure_cookie
            if secure is None:
                secure = request.url.scheme == "https" or not is_loopback(request.url.hostname)
            response.set_cookie(COOKIE, self.signer.dumps(session), max_age=self.signer.seconds, path="/",
                                httponly=True, samesite="lax", secure=secure)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", CSP)
        if not path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def host_of(header: str) -> str:
    """The host name of a Host header, without the port ('[::1]:8321' → '::1')."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def host_allowed(host: str, trusted: list[str]) -> bool:
    host = host.rstrip(".")
    for pattern in trusted:
        if pattern == "*" or host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


class TrustedHostMiddleware:
    """Answers 400 to a request whose Host header is not one of ours: a page served to any name is open
    to DNS rebinding (a hostile page whose name resolves to 127.0.0.1 reads it as same-origin)."""

    def __init__(self, app, trusted: list[str]):
        self.app = app
        self.trusted = [t.lower().strip("[]") for t in trusted]

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            host = host_of(headers.get(b"host", b"").decode("latin-1"))
            if not host_allowed(host, self.trusted):
                response = PlainTextResponse("Invalid host header: add it to web.trusted_hosts in the config "
                                             "if you reach listenwell by this name.", status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _same_origin(request: Request) -> bool:
    """When the browser says where a POST comes from (Origin, else Referer), it must be us."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    parsed = urlparse(origin)
    return f"{parsed.scheme}://{parsed.netloc}" == f"{request.url.scheme}://{request.url.netloc}"


async def verified_form(request: Request) -> FormData:
    """Every POST handler starts here: the form, after its CSRF token matched the session's."""
    form = await request.form(max_files=0, max_fields=50, max_part_size=64 * 1024)
    token = form.get("csrf")
    session: Session = request.state.session
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), session.csrf.encode()) \
            or not _same_origin(request):
        raise HTTPException(403, "the form's security token is missing or out of date; reload the page and try again")
    return form
