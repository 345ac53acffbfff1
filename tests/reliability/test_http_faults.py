"""The feed collector against every fault of tests/reliability/faultserver.py: each is recorded on the
source within a bounded time, nothing hostile is stored, and the waits a server asks for are capped."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from collectors import http_policy
from collectors.base import Checkpoint, Post, RateLimited, SourceError
from collectors.feeds import FeedCollector
from tests.httpserver import LocalHTTPServer
from tests.reliability.faultserver import FAR_FUTURE, RSS

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def fetch(url: str, **kwargs):
    collector = FeedCollector("f", url=url, timeout=1.0, now=lambda: NOW, comments=False, **kwargs)
    posts, notes = [], []
    started = time.monotonic()
    error = None
    try:
        for item in collector.fetch({}):
            if isinstance(item, Post):
                posts.append(item)
            elif isinstance(item, Checkpoint) and item.note:
                notes.append(item.note)
    except SourceError as exc:
        error = exc
    return posts, error, time.monotonic() - started


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers", "/hang"])
def test_a_slow_server_is_cut_at_the_deadline(faults, short_deadlines, path):
    posts, error, took = fetch(faults.url(path))
    assert posts == [] and error is not None
    assert "gave up" in str(error) or "timed out" in str(error), str(error)
    # the deadline is 2 s and the slowest fault lasts minutes: 8 s leaves room for a loaded machine
    assert took < 8.0, f"{path}: gave up after {took:.1f} s, the deadline was 2 s"


def test_a_trickle_is_cut_by_the_source_deadline_too(faults):
    """The runner's budget reaches into the HTTP layer: with 1.5 s left for the source, a request that
    could take 10 s on its own ends at 1.5 s (a 64 KB chunk would take 4.5 hours at this rate)."""
    started = time.monotonic()
    with http_policy.source_deadline(1.5):
        posts, error, _took = fetch(faults.url("/trickle-body"))
    assert error is not None and time.monotonic() - started < 3.0


def test_a_cut_body_is_a_transport_error_and_nothing_is_stored(faults, short_deadlines):
    posts, error, _ = fetch(faults.url("/cut"))
    assert posts == [] and error is not None


def test_a_gzip_bomb_stops_at_the_size_cap(faults, short_deadlines, monkeypatch):
    monkeypatch.setattr(http_policy, "REQUEST_FLOOR", 20.0)
    posts, error, took = fetch(faults.url("/bomb"))
    assert posts == [] and "larger than 10 MB (after decompression)" in str(error)


def test_a_huge_body_is_refused(faults, short_deadlines, monkeypatch):
    monkeypatch.setattr(http_policy, "REQUEST_FLOOR", 20.0)
    posts, error, _ = fetch(faults.url("/big"))
    assert posts == [] and "larger than 10 MB" in str(error)


def test_redirects_are_refused_to_file_urls_other_ports_other_hosts_and_in_loops(faults, short_deadlines):
    with LocalHTTPServer() as other:
        other.route("/feed.xml", RSS.replace(b"first post", b"INTERNAL SERVICE DATA"),
                    headers={"Content-Type": "application/rss+xml"})
        faults.other_port = other.port
        posts, error, _ = fetch(faults.url("/redirect-port"))
        assert posts == [] and "another site" in str(error)
        assert other.requests == [], "the other local service was never even asked"
    posts, error, _ = fetch(faults.url("/redirect-file"))
    assert posts == [] and "non-http(s)" in str(error)
    posts, error, _ = fetch(faults.url("/redirect-localhost"))
    assert posts == [] and "another site" in str(error)
    posts, error, _ = fetch(faults.url("/redirect-loop"))
    assert posts == [] and "redirected more than 5 times" in str(error)
    posts, error, _ = fetch(faults.url("/redirect-same"))  # the same host and port: followed
    assert error is None and len(posts) == 2


def test_a_redirect_to_a_configured_host_is_followed(faults, short_deadlines):
    with LocalHTTPServer() as other:
        other.route("/feed.xml", RSS, headers={"Content-Type": "application/rss+xml"})
        faults.other_port = other.port
        # the host is the same (127.0.0.1) but the port is not: only the configured endpoints' ports count
        posts, error, _ = fetch(faults.url("/redirect-port"), redirect_hosts=["127.0.0.1"])
        assert error is None and len(posts) == 2


@pytest.mark.parametrize("path", ["/far-future-503", "/far-future-429"])
def test_a_far_future_retry_after_is_capped(faults, short_deadlines, path):
    posts, error, _ = fetch(faults.url(path))
    assert isinstance(error, RateLimited)
    assert error.retry_at <= NOW + http_policy.MAX_RETRY_AFTER


def test_retry_at_caps_every_form():
    now = NOW
    cap = now + http_policy.MAX_RETRY_AFTER
    assert http_policy.retry_at(FAR_FUTURE, now) == cap  # an HTTP date
    assert http_policy.retry_at("9223372036854775808", now, form="seconds") == cap  # seconds
    assert http_policy.retry_at("253402300799", now, form="epoch") == cap  # an epoch (9999-12-31)
    assert http_policy.retry_at("9999-12-31T23:59:59Z", now) == cap  # ISO
    assert http_policy.retry_at("1e308", now) == cap and http_policy.retry_at("inf", now) == cap
    assert http_policy.retry_at("120", now, form="seconds") == now + timedelta(seconds=120)
    assert http_policy.retry_at(str(int(now.timestamp()) + 60), now, form="epoch") == now + timedelta(seconds=60)
    assert http_policy.retry_at("Thu, 01 Jan 1970 00:00:00 GMT", now) == now  # the past: run now
    assert http_policy.retry_at("-5", now) == now
    assert http_policy.retry_at("soon", now) is None


def test_private_addresses_are_refused_unless_the_source_is_private():
    def resolver(host, port):
        return {"feeds.example.com": ["93.184.216.34"], "evil.example.com": ["10.0.0.7"],
                "rebind.example.com": ["169.254.169.254"]}.get(host, [])

    policy = http_policy.RedirectPolicy(["https://feeds.example.com/rss"], ["evil.example.com", "rebind.example.com"],
                                        resolver=resolver)
    assert policy.check("https://feeds.example.com/rss", "/rss2") == "https://feeds.example.com/rss2"
    assert policy.check("http://feeds.example.com/rss", "https://www.feeds.example.com/rss").startswith("https://www.")
    for target in ("https://evil.example.com/x", "http://rebind.example.com/latest/meta-data"):
        with pytest.raises(http_policy.RedirectRefused, match="private or local address"):
            policy.check("https://feeds.example.com/rss", target)
    with pytest.raises(http_policy.RedirectRefused, match="another site"):
        policy.check("https://feeds.example.com/rss", "https://other.example.org/")
    with pytest.raises(http_policy.RedirectRefused, match="user name or password"):
        policy.check("https://feeds.example.com/rss", "https://u:p@feeds.example.com/")
    intranet = http_policy.RedirectPolicy(["http://10.1.2.3/feed"], resolver=resolver)
    assert intranet.check("http://10.1.2.3/feed", "/feed2") == "http://10.1.2.3/feed2"


def test_the_api_session_cuts_a_trickle_too(faults, short_deadlines):
    """tweepy and praw are given a PolicySession: the same deadline covers their requests."""
    import requests

    session = http_policy.PolicySession(1.0, http_policy.RedirectPolicy([faults.url("/")]))
    for path in ("/trickle-body", "/trickle-headers"):
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            session.get(faults.url(path))
        assert time.monotonic() - started < 4.0, path
    with pytest.raises(requests.ConnectionError, match="larger than"):
        http_policy.PolicySession(5.0, max_bytes=1 << 20).get(faults.url("/bomb"))
    faults.other_port = faults.port + 1
    response = session.get(faults.url("/redirect-port"))  # refused: the 302 itself comes back, not followed
    assert response.status_code == 302 and session.refused and "another site" in session.refused[0]
