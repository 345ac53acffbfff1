"""A fault-injecting HTTP server on 127.0.0.1: every way a feed or an API has failed us.

Raw sockets, so a fault can be exactly what a broken or hostile server does: headers a byte at a
time, a body that trickles after an honest Content-Length, a connection that hangs or is cut half-way,
a gzip bomb made on the fly, redirects in a loop, to file:// or to another local port, far-future
Retry-After headers, and an error body that echoes the request's Authorization header.

    with FaultServer() as srv:
        srv.url("/trickle-body")
        srv.requests          # request heads received (method, path, headers)

Every loop here is bounded in time and stops with the server. Nothing listens beyond 127.0.0.1.
"""
from __future__ import annotations

import socket
import socketserver
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Callable

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Fault blog</title><link>http://127.0.0.1/</link>
<item><guid>fault-1</guid><title>One</title><link>http://127.0.0.1/1</link><description>first post</description>
<pubDate>Thu, 19 Nov 2026 10:00:00 GMT</pubDate></item>
<item><guid>fault-2</guid><title>Two</title><link>http://127.0.0.1/2</link><description>second post</description>
<pubDate>Thu, 19 Nov 2026 11:00:00 GMT</pubDate></item>
</channel></rss>
"""

FAR_FUTURE = "Fri, 31 Dec 9999 23:59:59 GMT"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class _Handler(socketserver.BaseRequestHandler):
    server: "_Server"

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(30)
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                head += chunk
        except OSError:
            return
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        try:
            method, path, _version = lines[0].split(" ", 2)
        except ValueError:
            return
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(Seen(method, path, headers))
        fault = owner.faults.get(path.split("?", 1)[0])
        if fault is None:
            self._send(sock, 404, {"Content-Type": "text/plain"}, b"not found")
            return
        try:
            fault(self, sock, Seen(method, path, headers))
        except OSError:
            pass  # the client gave up: that is what most faults are for

    @staticmethod
    def _send(sock: socket.socket, status: int, headers: dict[str, str], body: bytes) -> None:
        out = [f"HTTP/1.1 {status} X".encode()]
        headers = {"Content-Length": str(len(body)), "Connection": "close", **headers}
        out += [f"{k}: {v}".encode("latin-1") for k, v in headers.items()]
        sock.sendall(b"\r\n".join(out) + b"\r\n\r\n" + body)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    owner: "FaultServer"


class FaultServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.faults: dict[str, Callable] = {}
        self._srv = _Server(("127.0.0.1", 0), _Handler)
        self._srv.owner = self
        self.port = self._srv.server_address[1]
        self._thread = threading.Thread(target=self._srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.other_port: int | None = None  # a second local service a redirect may point at
        self._install_defaults()

    # --- lifecycle --------------------------------------------------------------------------------
    def __enter__(self) -> "FaultServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self._srv.shutdown()
        self._srv.server_close()
        self._thread.join(timeout=2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, fault: Callable) -> None:
        self.faults[path] = fault

    def seen(self, path: str) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    # --- the faults -------------------------------------------------------------------------------
    def _install_defaults(self) -> None:
        send = _Handler._send
        stop = self.stopping

        def ok(h, sock, req):
            send(sock, 200, {"Content-Type": "application/rss+xml"}, RSS)

        def trickle_body(h, sock, req, rate: float = 0.25, size: int = 100_000):
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: "
                         + str(size).encode() + b"\r\nConnection: close\r\n\r\n")
            body = (RSS * (size // len(RSS) + 1))[:size]
            for i in range(size):  # one byte every `rate` seconds, until the client or the server stops
                if stop.wait(rate):
                    return
                sock.sendall(body[i:i + 1])

        def trickle_headers(h, sock, req):
            head = b"HTTP/1.1 200 OK\r\n" + b"".join(f"X-Pad-{i}: {'y' * 20}\r\n".encode() for i in range(500))
            for i in range(len(head)):
                if stop.wait(0.25):
                    return
                sock.sendall(head[i:i + 1])

        def hang(h, sock, req):
            stop.wait(120)

        def cut(h, sock, req):
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 50000\r\n\r\n"
                         + RSS[:200])
            sock.shutdown(socket.SHUT_RDWR)

        def bomb(h, sock, req, gib: float = 2.0):
            """gzip of `gib` GiB of zeros (about 2 MB per GiB on the wire), made as it is sent."""
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Encoding: gzip\r\n"
                         b"Connection: close\r\n\r\n")
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            block = b"\0" * (1 << 20)
            for _ in range(int(gib * 1024)):
                if stop.is_set():
                    return
                data = z.compress(block)
                if data:
                    sock.sendall(data)
            sock.sendall(z.flush())

        def big(h, sock, req, mib: int = 50):
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: "
                         + str(mib << 20).encode() + b"\r\nConnection: close\r\n\r\n")
            block = b"<!-- padding -->" * 4096
            for _ in range((mib << 20) // len(block)):
                if stop.is_set():
                    return
                sock.sendall(block)

        def redirect_loop(h, sock, req):
            send(sock, 302, {"Location": req.path}, b"")

        def redirect_file(h, sock, req):
            send(sock, 302, {"Location": "file:///etc/passwd"}, b"")

        def redirect_port(h, sock, req):
            send(sock, 302, {"Location": f"http://127.0.0.1:{self.other_port}/feed.xml"}, b"")

        def redirect_localhost(h, sock, req):
            send(sock, 302, {"Location": f"http://localhost:{self.port}/ok"}, b"")

        def redirect_same(h, sock, req):
            send(sock, 301, {"Location": "/ok"}, b"")

        def far_future_503(h, sock, req):
            send(sock, 503, {"Retry-After": FAR_FUTURE, "Content-Type": "text/plain"}, b"come back later")

        def far_future_429(h, sock, req):
            send(sock, 429, {"Retry-After": "99999999999", "Content-Type": "text/plain"}, b"slow down")

        def server_error(h, sock, req):
            send(sock, 500, {"Content-Type": "text/plain"}, b"boom")

        def malformed(h, sock, req):
            send(sock, 200, {"Content-Type": "application/rss+xml"}, b"<rss><channel><item><title>unclosed")

        def truncated(h, sock, req):
            send(sock, 200, {"Content-Type": "application/rss+xml"}, RSS[: len(RSS) // 2])

        def echo_auth(h, sock, req):
            """An error body that echoes the request's headers, as some proxies and APIs do."""
            echoed = "; ".join(f"{k}: {v}" for k, v in req.headers.items())
            body = ('{"title": "Unauthorized", "detail": "' + echoed.replace('"', "'") + '", "type": "about:blank"}')
            send(sock, 401, {"Content-Type": "application/json"}, body.encode())

        for path, fault in {
            "/ok": ok, "/trickle-body": trickle_body, "/trickle-headers": trickle_headers, "/hang": hang,
            "/cut": cut, "/bomb": bomb, "/big": big, "/redirect-loop": redirect_loop,
            "/redirect-file": redirect_file, "/redirect-port": redirect_port,
            "/redirect-localhost": redirect_localhost, "/redirect-same": redirect_same,
            "/far-future-503": far_future_503, "/far-future-429": far_future_429, "/500": server_error,
            "/malformed": malformed, "/truncated": truncated, "/echo-auth": echo_auth,
        }.items():
            self.route(path, fault)
