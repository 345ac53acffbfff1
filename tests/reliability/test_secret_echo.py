"""The secret-echo server: an API whose error bodies echo the request's Authorization header back.

The real tweepy and praw clients talk HTTP to it (tweepy's fixed https://api.twitter.com is routed to
127.0.0.1 by a test adapter; praw through the oauth_url/reddit_url overrides). After `listenwell run
--once`, no run of 6 or more characters of any secret may appear anywhere a message goes: the
source's last error and note, `sources --json`, the run's stdout and stderr, and job_runs."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

import collectors.x as x_module
from collectors import http_policy
from listenwell.cli import main
from storage.db import Database
from tests.conftest import minimal_config, write_config
from tests.httpserver import LocalHTTPServer

BEARER = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"
REDDIT_SECRET = "gko_LXELoV07ZBNUXrvWZfzE3aI"
REDDIT_PASSWORD = "correct-horse-battery-staple-42"
SECRETS = [BEARER, REDDIT_SECRET, REDDIT_PASSWORD]


def fragments(secret: str, n: int = 6) -> set[str]:
    return {secret[i:i + n] for i in range(len(secret) - n + 1)}


def leaks(text: str) -> list[str]:
    return sorted({f for s in SECRETS for f in fragments(s) if f in text})


def echo(req):
    detail = "; ".join(f"{k}: {v}" for k, v in req.headers.items())
    body = {"title": "Unauthorized", "detail": f"you sent {detail}", "type": "about:blank",
            "errors": [{"message": f"Authorization header was {req.header('authorization')}"}]}
    return 401, {"Content-Type": "application/json"}, json.dumps(body).encode()


class ToLocal(http_policy.WatchedAdapter):
    """Sends https://api.twitter.com/... to the local echo server instead."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def send(self, request, **kwargs):
        request.url = request.url.replace("https://api.twitter.com", self.base)
        return super().send(request, **kwargs)


@pytest.fixture
def echo_server():
    with LocalHTTPServer() as srv:
        srv.route("/2/users/by", handler=echo)
        srv.route("/api/v1/access_token", handler=lambda req: (
            401, {"Content-Type": "application/json"},
            json.dumps({"error": f"bad {req.header('authorization')} for {req.body.decode()}"}).encode()))
        yield srv


def test_no_part_of_a_secret_is_kept_or_shown(tmp_path: Path, echo_server, monkeypatch, caplog):
    real = x_module.make_client

    def local_client(timeout, **credentials):
        client = real(timeout, **credentials)
        client.session.mount("https://", ToLocal(echo_server.base_url))
        return client

    monkeypatch.setattr(x_module, "make_client", local_client)
    config = write_config(tmp_path, minimal_config(sources=[
        {"name": "x-live", "type": "x", "queries": ["fernhill"]},
        {"name": "reddit-live", "type": "reddit", "user_agent": "listenwell:test:0.1 (by u/test)",
         "oauth_url": echo_server.base_url, "reddit_url": echo_server.base_url},
    ]))
    env = {"X_BEARER_TOKEN": BEARER, "REDDIT_CLIENT_ID": "fernhill-client-id", "REDDIT_CLIENT_SECRET": REDDIT_SECRET,
           "REDDIT_USERNAME": "fernhill_team", "REDDIT_PASSWORD": REDDIT_PASSWORD}
    caplog.set_level(logging.DEBUG, logger="listenwell")
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once", "--no-digest"],
                                                env=env)
    assert result.exit_code == 3, result.output  # the sources that echo secrets fail: exit 3
    # the servers did see the secrets: the test would prove nothing otherwise
    assert any(BEARER in (r.header("authorization") or "") for r in echo_server.requests)
    assert any(REDDIT_PASSWORD.encode() in r.body for r in echo_server.requests)
    shown = CliRunner().invoke(main, ["--config", str(config), "sources", "--json"], env=env)
    with Database.open(tmp_path / "data" / "test.duckdb", read_only=True) as db:
        stored = json.dumps(db.rows("SELECT * FROM source_state"), default=str)
        jobs = json.dumps(db.rows("SELECT * FROM job_runs"), default=str)
    errors = {s["source"]: s["last_error"] for s in json.loads(shown.stdout)}
    assert "X rejected the bearer token" in errors["x-live"] and "***" in errors["x-live"]
    assert errors["reddit-live"]
    for where, text in {"stdout": result.stdout, "stderr": result.stderr, "source_state": stored,
                        "job_runs": jobs, "sources --json": shown.stdout, "log": caplog.text}.items():
        assert leaks(text) == [], f"{where} holds part of a secret"
