"""A small threaded HTTP server for tests, bound to 127.0.0.1 on a random port.

    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", body=FEED, headers={"Content-Type": "application/rss+xml"},
                  etag='"v1"', last_modified="Mon, 02 Nov 2026 10:00:00 GMT")
        srv.route("/slow", body=b"...", delay=2.0)
        srv.route("/dyn", handler=lambda req: (200, {"X": "y"}, b"body"))
        url = srv.url("/feed.xml")
        ...
        srv.requests            # every request: RecordedRequest(method, path, headers)
        srv.requests_for("/feed.xml")

A route with ``etag`` and/or ``last_modified`` answers 304 to a matching
``If-None-Match`` / ``If-Modified-Since``. ``delay`` sleeps before answering (the
sleep is cut short when the server stops, so teardown stays fast). Unknown paths
answer 404. Nothing here talks to anything but 127.0.0.1.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

Handler = Callable[["RecordedRequest"], "tuple[int, dict[str, str], bytes]"]


@dataclass
class RecordedRequest:
    method: str
    path: str  # path with query, as sent
    headers: dict[str, str]  # header names lowercased
    body: bytes = b""  # a POST's body

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    handler: Handler | None = None


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body are written separately: with Nagle's algorithm the body waits for the client's delayed
    # ACK (40 ms a response), which is not the client's time
    disable_nagle_algorithm = True
    server: "_Server"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output clean

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(send_body=False)

    def do_POST(self) -> None:  # noqa: N802 - the body is read (and kept as ``body``) and the route answers
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(min(length, 1 << 20)) if length else b""
        self._serve(send_body=True)

    def _serve(self, *, send_body: bool) -> None:
        owner = self.server.owner
        req = RecordedRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=getattr(self, "body", b""),
        )
        with owner._lock:
            owner.requests.append(req)
            route = owner._routes.get(self.path) or owner._routes.get(urlsplit(self.path).path)
        if route is None:
            status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
        else:
            if route.delay and owner._stopping.wait(route.delay):
                self.close_connection = True
                return  # server is stopping; drop the connection
            if route.handler is not None:
                status, headers, body = route.handler(req)
            elif self._not_modified(route, req):
                status, headers, body = 304, {}, b""
            else:
                status, headers, body = route.status, dict(route.headers), route.body
            if route.etag:
                headers.setdefault("ETag", route.etag)
            if route.last_modified:
                headers.setdefault("Last-Modified", route.last_modified)
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired)

    @staticmethod
    def _not_modified(route: Route, req: RecordedRequest) -> bool:
        inm = req.header("If-None-Match")
        if route.etag and inm is not None:
            return route.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = req.header("If-Modified-Since")
        if route.last_modified and ims is not None:
            return ims.strip() == route.last_modified
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    owner: "LocalHTTPServer"


class LocalHTTPServer:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _RequestHandler)
        self._httpd.owner = self
        self.host, self.port = self._httpd.server_address[:2]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> "LocalHTTPServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)

    def __enter__(self) -> "LocalHTTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- configuration ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        etag: str | None = None,
        last_modified: str | None = None,
        handler: Handler | None = None,
    ) -> Route:
        if isinstance(body, str):
            body = body.encode("utf-8")
        route = Route(status=status, body=body, headers=dict(headers or {}), delay=delay,
                      etag=etag, last_modified=last_modified, handler=handler)
        with self._lock:
            self._routes[path] = route
        return route

    # --- inspection ------------------------------------------------------------------------
    def requests_for(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path or urlsplit(r.path).path == path]

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]
