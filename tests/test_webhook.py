"""post_webhook and the webhook channel against tests/httpserver.py on 127.0.0.1."""
from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from delivery import DeliveryError
from delivery.alerts import deliver_pending
from delivery.webhook import post_webhook
from httpserver import LocalHTTPServer, _RequestHandler
from listenwell.config import Config
from storage.db import Database

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
SECRET_PATH = "/services/T000/B000/s3cretTOKEN"


class _PostHandler(_RequestHandler):
    """The test server's handler, plus POST: the body is kept in ``owner.bodies`` before routing."""

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with self.server.owner._lock:
            self.server.owner.bodies.append((self.path, body))
        self._serve(send_body=True)


@pytest.fixture
def server():
    srv = LocalHTTPServer()
    srv.bodies = []
    srv._httpd.RequestHandlerClass = _PostHandler
    with srv:
        yield srv


def posted(srv) -> list[dict[str, Any]]:
    return [json.loads(body) for path, body in srv.bodies if path == SECRET_PATH]


@pytest.fixture
def db(tmp_path: Path):
    database = Database.open(tmp_path / "lw.duckdb")
    database.con.execute("INSERT INTO people VALUES ('kc:ana-souza', 'Ana Souza', 1, true, NULL, ?)", [NOW])
    yield database
    database.close()


def add_alert(db: Database, alert_id: str) -> None:
    db.con.execute(
        """INSERT INTO alerts (alert_id, rule, post_uid, person_id, title, reason, url, created_at,
                               delivery_status, attempts, priority, details)
           VALUES (?, 'key_client_negative', 'x:1', 'kc:ana-souza', 'Ana Souza posted something negative',
                   'Tier 1 client Ana Souza posted on X with negative sentiment (-0.70): “exports failed again”',
                   'https://x.com/anasouza/status/1', ?, 'pending', 0, 1, '{"sentiment": -0.7}')""",
        [alert_id, NOW])


def config_for(url_env: str = "TEST_ALERT_WEBHOOK", fmt: str = "slack", when: datetime = NOW, **alerts) -> Config:
    return Config.model_validate({
        "me": {"name": "Fernhill"},
        "alerts": {"channels": ["console", "webhook"], "webhook_url_env": url_env, "webhook_format": fmt, **alerts},
        "reference_time": when.isoformat(),
    })


# --- post_webhook ------------------------------------------------------------------------------------------

def test_post_webhook_sends_json(server):
    server.route(SECRET_PATH, body="ok")
    post_webhook(server.url(SECRET_PATH), {"text": "héllo"})
    assert posted(server) == [{"text": "héllo"}]
    request = server.requests_for(SECRET_PATH)[0]
    assert request.method == "POST" and request.header("Content-Type").startswith("application/json")


@pytest.mark.parametrize("status", [500, 404, 301])
def test_non_2xx_raises_without_the_secret_path(server, status):
    server.route(SECRET_PATH, status=status, body=f"no such hook {SECRET_PATH}",
                 headers={"Location": server.url("/elsewhere")})
    with pytest.raises(DeliveryError) as caught:
        post_webhook(server.url(SECRET_PATH), {"text": "x"})
    message = str(caught.value)
    assert f"webhook {server.base_url} answered HTTP {status}" in message
    assert "s3cretTOKEN" not in message and "/services" not in message
    assert not server.requests_for("/elsewhere")   # redirects are not followed


def test_timeout_and_refused_connection_hide_the_path(server):
    server.route(SECRET_PATH, body="ok", delay=2.0)
    with pytest.raises(DeliveryError, match=r"no answer within 0.2s") as caught:
        post_webhook(server.url(SECRET_PATH), {"text": "x"}, timeout=0.2)
    assert "s3cret" not in str(caught.value)
    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{s.getsockname()[1]}{SECRET_PATH}"
    with pytest.raises(DeliveryError, match="cannot connect") as caught:
        post_webhook(dead_url, {"text": "x"}, timeout=1)
    assert "s3cret" not in str(caught.value) and "/services" not in str(caught.value)


# --- the webhook channel -------------------------------------------------------------------------------------

def test_slack_shape_delivered_once(server, db, monkeypatch):
    server.route(SECRET_PATH, body="ok")
    monkeypatch.setenv("TEST_ALERT_WEBHOOK", server.url(SECRET_PATH))
    add_alert(db, "key_client_negative:x:1")
    printed: list[str] = []
    assert deliver_pending(config_for(), db, echo=printed.append) == 1
    assert deliver_pending(config_for(when=NOW + timedelta(hours=1)), db, echo=printed.append) == 0
    [payload] = posted(server)
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].startswith("Ana Souza posted something negative: Tier 1 client Ana Souza")
    assert "https://x.com/anasouza/status/1" in payload["text"]
    assert payload["blocks"][0]["type"] == "section"
    assert payload["blocks"][0]["text"]["text"].startswith("*Ana Souza posted something negative*\n")
    assert any("<https://x.com/anasouza/status/1|Open the post>" == e["text"]
               for e in payload["blocks"][1]["elements"])
    assert len([p for p in printed if p.startswith("ALERT")]) == 1


def test_plain_json_has_every_alert_field(server, db, monkeypatch):
    server.route(SECRET_PATH, body="ok")
    monkeypatch.setenv("TEST_ALERT_WEBHOOK", server.url(SECRET_PATH))
    add_alert(db, "key_client_negative:x:1")
    deliver_pending(config_for(fmt="json"), db, echo=lambda _m: None)
    [payload] = posted(server)
    assert payload == {
        "alert_id": "key_client_negative:x:1", "rule": "key_client_negative",
        "title": "Ana Souza posted something negative",
        "reason": "Tier 1 client Ana Souza posted on X with negative sentiment (-0.70): “exports failed again”",
        "url": "https://x.com/anasouza/status/1", "post_uid": "x:1", "person_id": "kc:ana-souza",
        "person": "Ana Souza", "tier": 1, "priority": 1, "created_at": "2026-11-20T18:00:00+00:00",
        "details": {"sentiment": -0.7},
    }


def test_a_500_is_retried_next_run_and_each_channel_delivers_exactly_once(server, db, monkeypatch):
    answers = iter([500, 200])
    lock = threading.Lock()

    def flaky(_req):
        with lock:
            status = next(answers, 200)
        return status, {"Content-Type": "text/plain"}, b"oops" if status == 500 else b"ok"

    server.route(SECRET_PATH, handler=flaky)
    monkeypatch.setenv("TEST_ALERT_WEBHOOK", server.url(SECRET_PATH))
    add_alert(db, "key_client_negative:x:1")
    printed: list[str] = []

    assert deliver_pending(config_for(), db, echo=printed.append) == 0
    row = db.rows("SELECT * FROM alert_deliveries WHERE channel = 'webhook'")[0]
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_error"] == f"webhook {server.base_url} answered HTTP 500: oops"
    assert db.scalar("SELECT delivery_status FROM alerts") == "pending"
    assert any("webhook failed (attempt 1 of 10, retried next run)" in p for p in printed)

    assert deliver_pending(config_for(when=NOW + timedelta(hours=1)), db, echo=printed.append) == 1
    assert deliver_pending(config_for(when=NOW + timedelta(hours=2)), db, echo=printed.append) == 0
    assert len(server.requests_for(SECRET_PATH)) == 2         # the failed try, then the one that worked
    assert len(posted(server)) == 2 and posted(server)[0] == posted(server)[1]
    assert len([p for p in printed if p.startswith("ALERT")]) == 1    # the console never re-sent
    rows = {r["channel"]: r for r in db.rows("SELECT * FROM alert_deliveries")}
    assert rows["webhook"]["status"] == "delivered" and rows["webhook"]["attempts"] == 2
    assert rows["console"]["status"] == "delivered" and rows["console"]["attempts"] == 1
    alert = db.rows("SELECT delivery_status, last_error, delivered_at FROM alerts")[0]
    assert alert == {"delivery_status": "delivered", "last_error": None, "delivered_at": NOW + timedelta(hours=1)}


def test_unset_webhook_variable_is_a_recorded_error(db, monkeypatch):
    monkeypatch.delenv("TEST_ALERT_WEBHOOK", raising=False)
    add_alert(db, "a1")
    deliver_pending(config_for(), db, echo=lambda _m: None)
    row = db.rows("SELECT * FROM alert_deliveries WHERE channel = 'webhook'")[0]
    assert row["last_error"] == "webhook URL: environment variable TEST_ALERT_WEBHOOK is not set"
