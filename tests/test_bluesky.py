"""The Bluesky collector and sender: the real atproto SDK against XRPC endpoints on 127.0.0.1."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from collectors.bluesky import BlueskyCollector, BlueskyReplySender, facets, make_client, record_key
from engagement.queue import QueueError, send
from jobs.collect import run_collector
from storage.db import Database
from storage.writes import load_source_state
from tests.fakes.bluesky_api import APP_PASSWORD, MARCUS, SOFIA, US, FakeBluesky, notification, post
from tests.httpserver import LocalHTTPServer

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"bluesky": {US["handle"]}}


class Clock:
    def __init__(self):
        self.t, self.sleeps = NOW.timestamp(), []

    def time(self):
        return self.t

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture
def api():
    with LocalHTTPServer() as server:
        yield FakeBluesky(server)


@pytest.fixture
def db(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as database:
        yield database


def collector(api, clock=None, password=APP_PASSWORD, **kw) -> BlueskyCollector:
    clock = clock or Clock()
    options = dict(identifier=US["handle"], app_password=password, queries=["fernhill"],
                   client_handles=[SOFIA["handle"]], now=lambda: NOW, sleep=clock.sleep, clock=clock.time,
                   page_size=2)
    options.update(kw)
    return BlueskyCollector("bsky", make_client(api.server.base_url, 5), **options)


def run(db, coll):
    return run_collector(db, coll, source_type="bluesky", our_handles=OURS, now=NOW, secrets=[APP_PASSWORD])


def seed(api: FakeBluesky) -> dict:
    ours = post(1, US, "We shipped scheduled exports today.", minutes=1)
    q = post(2, SOFIA, "@fernhill.bsky.social how is data volume counted?", minutes=2, reply_to=ours, mention=US)
    m = post(3, MARCUS, "Loving @fernhill.bsky.social dashboards", minutes=3, mention=US)
    api.notifications += [notification(q, "reply"), notification(m, "mention")]
    api.search["fernhill"] = [post(10 + i, MARCUS, f"fernhill tip {i}", minutes=10 + i) for i in range(3)]
    api.feeds[SOFIA["handle"]] = [post(30, SOFIA, "New job at Northwind!", minutes=30)]
    api.feeds[US["handle"]] = [ours]
    api.remember(ours, q, m, *api.search["fernhill"])
    return {"ours": ours, "question": q, "mention": m}


def test_streams_are_stored_with_reply_refs_and_the_cursor_only_moves_when_the_walk_is_complete(api, db):
    s = seed(api)
    result = run(db, collector(api))
    assert result.ok, result.error
    rows = {r["native_id"]: r for r in db.rows("SELECT native_id, kind, parent_uid, author_uid, mentions FROM posts")}
    q = rows[s["question"]["uri"]]
    assert q["kind"] == "reply" and q["parent_uid"] == f"bluesky:{s['ours']['uri']}"
    assert q["author_uid"] == "bluesky:sofia.bsky.social" and q["mentions"] == ["fernhill.bsky.social"]
    assert rows[s["mention"]["uri"]]["kind"] == "mention"
    assert db.scalar("SELECT count(*) FROM posts WHERE text LIKE 'fernhill tip%'") == 3  # two pages of two
    streams = load_source_state(db, "bsky")["streams"]
    assert streams["search:fernhill"]["value"] == max(p["indexedAt"] for p in api.search["fernhill"])
    assert "page" not in streams["search:fernhill"] and "pending" not in streams["search:fernhill"]
    assert streams["notifications"]["value"] == s["mention"]["indexedAt"]


def test_a_rerun_stores_nothing_twice_and_a_page_bound_resumes_where_it_stopped(api, db):
    seed(api)
    assert run(db, collector(api)).ok
    assert run(db, collector(api)).new_posts == 0
    before = load_source_state(db, "bsky")["streams"]["search:fernhill"]["value"]
    api.search["fernhill"] += [post(50 + i, MARCUS, f"fernhill later {i}", minutes=50 + i) for i in range(5)]
    first = run(db, collector(api, max_pages_per_run=1))  # one page of two: the walk is not done
    mid = load_source_state(db, "bsky")["streams"]["search:fernhill"]
    assert first.new_posts == 2 and mid["value"] == before and mid["backlog"] and mid["page"]
    second = run(db, collector(api))
    assert second.new_posts == 3
    after = load_source_state(db, "bsky")["streams"]["search:fernhill"]
    assert after["value"] == max(p["indexedAt"] for p in api.search["fernhill"]) and "page" not in after


def test_429_rests_the_stream_until_ratelimit_reset(api, db):
    seed(api)
    reset = int((NOW + timedelta(minutes=10)).timestamp())
    api.fault("app.bsky.feed.searchPosts", 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
              {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)})
    result = run(db, collector(api, max_wait_seconds=30))
    assert result.error.startswith("rate limited:") and "search 'fernhill'" in result.error
    assert db.scalar("SELECT next_allowed_at FROM source_state WHERE source = 'bsky'") == NOW + timedelta(minutes=10)
    assert db.scalar("SELECT count(*) FROM posts WHERE text LIKE '%data volume%'") == 1  # the other streams ran


def test_5xx_is_retried_and_a_malformed_page_stores_nothing_from_that_stream(api, db):
    seed(api)
    clock = Clock()
    api.fault("app.bsky.notification.listNotifications", 503, {"error": "InternalServerError"})
    api.fault("app.bsky.feed.searchPosts", 200, {"posts": [{"uri": "at://x", "indexedAt": "2026-11-20T10:00:00Z"}]})
    result = run(db, collector(api, clock))
    assert len(clock.sleeps) == 1
    assert "malformed" in result.error
    assert "search:fernhill" not in load_source_state(db, "bsky")["streams"]
    assert db.scalar("SELECT count(*) FROM posts WHERE text LIKE 'fernhill tip%'") == 0
    assert db.scalar("SELECT count(*) FROM posts WHERE text LIKE '%data volume%'") == 1


def test_a_wrong_app_password_names_the_variable_and_not_the_password(api, db):
    seed(api)
    result = run(db, collector(api, password="wrong-pass-1234", env_names=("LW_BSKY_HANDLE", "LW_BSKY_PASSWORD")))
    assert "LW_BSKY_PASSWORD" in result.error and "wrong-pass" not in result.error and "401" in result.error
    assert db.scalar("SELECT count(*) FROM posts") == 0


def test_facets_are_utf8_byte_ranges_for_links_and_mentions():
    text = "Grüße @sofia.bsky.social: https://fernhill.example/docs"
    found = facets(text, {"sofia.bsky.social": SOFIA["did"]}.get)
    raw = text.encode()
    link = next(f for f in found if f["features"][0]["$type"].endswith("#link"))
    mention = next(f for f in found if f["features"][0]["$type"].endswith("#mention"))
    assert raw[link["index"]["byteStart"]:link["index"]["byteEnd"]] == b"https://fernhill.example/docs"
    assert raw[mention["index"]["byteStart"]:mention["index"]["byteEnd"]] == b"@sofia.bsky.social"
    assert mention["features"][0]["did"] == SOFIA["did"]
    assert len(record_key("at://a", "hi")) == 13 and record_key("at://a", "hi") != record_key("at://a", "hello")


def test_sending_twice_posts_one_reply_record_with_root_and_parent(api, db):
    s = seed(api)
    deeper = post(4, SOFIA, "and exports too?", minutes=4, reply_to=s["question"])
    api.notifications.append(notification(deeper, "reply"))
    api.remember(deeper)
    assert run(db, collector(api)).ok
    db.con.execute("INSERT INTO people (person_id, name, is_key_client, created_at) VALUES ('p1', 'Sofia', false, ?)",
                   [NOW])
    db.con.execute(
        """INSERT INTO reply_suggestions (suggestion_id, post_uid, person_id, platform, intent, priority, reason, text,
                                          original_text, status, created_at, updated_at)
           VALUES ('rs-b', ?, 'p1', 'bluesky', 'question', 50, 'asked', ?, ?, 'approved', ?, ?)""",
        [f"bluesky:{deeper['uri']}", "Yes @sofia.bsky.social, see https://fernhill.example/exports",
         "Yes @sofia.bsky.social, see https://fernhill.example/exports", NOW, NOW])
    sender = BlueskyReplySender(make_client(api.server.base_url, 5), identifier=US["handle"],
                                app_password=APP_PASSWORD, now=lambda: NOW)
    sent = send(db, "rs-b", sender=sender, enabled=True, by="ana", now=NOW)
    with pytest.raises(QueueError, match="already sent"):
        send(db, "rs-b", sender=sender, enabled=True, by="ana", now=NOW)
    # the same reply again at the SDK level (a retry after a lost answer) finds the record: still one post
    again = sender.send_reply(deeper["uri"], "Yes @sofia.bsky.social, see https://fernhill.example/exports")
    assert len(api.created) == 1 and again == sent["sent_post_uid"].removeprefix("bluesky:")
    record = api.created[0]["record"]
    ref = lambda r: {"uri": r["uri"], "cid": r["cid"]}  # noqa: E731  (the SDK adds $type: strongRef)
    assert ref(record["reply"]["parent"]) == ref(deeper)
    assert ref(record["reply"]["root"]) == ref(s["ours"])  # the thread's root, not the parent
    kinds = sorted(f["features"][0]["$type"].rsplit("#", 1)[1] for f in record["facets"])
    assert kinds == ["link", "mention"]
