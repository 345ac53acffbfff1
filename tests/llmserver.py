"""A chat-completions server on 127.0.0.1 for the LLM backend's tests: it speaks the OpenAI protocol
(POST /v1/chat/completions) and answers as each test scripts it.

    with ChatServer() as srv:
        srv.reply = lambda request: "Hi Ingrid, data volume is rows scanned…"   # the model's text
        srv.mode = "slow" | "429" | "500" | "malformed" | "ok"
        srv.base_url        # http://127.0.0.1:PORT/v1
        srv.requests        # every request body (parsed JSON) and its headers
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_POST(self):  # noqa: N802
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            data = None
        with owner.lock:
            owner.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                   "json": data})
        mode = owner.mode
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._send(404, {"error": {"message": "not found"}})
        if mode == "slow":
            owner.stopping.wait(owner.delay)
            if owner.stopping.is_set():
                self.close_connection = True
                return
            mode = "ok"
        if mode == "429":
            return self._send(429, {"error": {"message": "rate limited", "type": "rate_limit"}},
                              {"Retry-After": "30"})
        if mode == "500":
            return self._send(500, {"error": {"message": "internal error"}})
        if mode == "malformed":
            raw = b'{"id": "x", "choices": [{"message": '  # cut off mid-object
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return
        if mode == "no_choices":
            return self._send(200, {"id": "x", "object": "chat.completion", "choices": []})
        text = owner.reply(data) if callable(owner.reply) else owner.reply
        return self._send(200, {
            "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": data.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366},
        })

    def _send(self, status: int, payload: dict, headers: dict | None = None):
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "ChatServer"


class ChatServer:
    def __init__(self):
        self.mode = "ok"
        self.delay = 5.0
        self.reply: str | Callable[[dict], str] = "Thanks!"
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> "ChatServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
