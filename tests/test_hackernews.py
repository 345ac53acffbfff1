"""Hacker News through the Algolia search API: requests (via collectors/http.py) against an Algolia-shaped
server on 127.0.0.1. Hits are in the API's real shape (hn.algolia.com/api/v1/search_by_date)."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from collectors.platforms.hackernews import HackerNewsCollector
from engagement.queue import QueueError, send
from jobs.collect import run_collector
from storage.db import Database
from storage.writes import load_source_state
from tests.httpserver import LocalHTTPServer, RecordedRequest

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
T0 = int(datetime(2026, 11, 20, 9, tzinfo=timezone.utc).timestamp())


def story(n: int, author: str, title: str, minutes: int, text: str | None = None) -> dict:
    t = T0 + minutes * 60
    return {"created_at": datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "created_at_i": t,
            "title": title, "url": None if text else f"https://blog.example/{n}", "author": author, "points": 12,
            "story_text": text, "comment_text": None, "num_comments": 3, "story_id": None, "story_title": None,
            "story_url": None, "parent_id": None, "updated_at": "2026-11-20T18:00:00Z",
            "_tags": ["story", f"author_{author}", f"story_{n}"], "objectID": str(n),
            "_highlightResult": {"title": {"value": title, "matchLevel": "full", "matchedWords": ["fernhill"]}}}


def comment(n: int, author: str, html: str, minutes: int, story_: dict, parent: int | None = None) -> dict:
    t = T0 + minutes * 60
    return {"created_at": datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "created_at_i": t,
            "title": None, "url": None, "author": author, "points": None, "story_text": None, "comment_text": html,
            "num_comments": None, "story_id": int(story_["objectID"]), "story_title": story_["title"],
            "story_url": story_["url"], "parent_id": parent or int(story_["objectID"]),
            "updated_at": "2026-11-20T18:00:00Z", "_tags": ["comment", f"author_{author}", f"story_{story_['objectID']}"],
            "objectID": str(n)}


class FakeAlgolia:
    """search_by_date as Algolia answers it: newest first, ``numericFilters`` on created_at_i, ``hitsPerPage``."""

    def __init__(self, server: LocalHTTPServer):
        self.server, self.hits, self.faults, self.lock = server, [], [], threading.Lock()
        server.route("/api/v1/search_by_date", handler=self.handle)

    def handle(self, req: RecordedRequest):
        with self.lock:
            if self.faults:
                status, headers, body = self.faults.pop(0)
                return status, {"Content-Type": "application/json", **headers}, body
        q = {k: v[0] for k, v in parse_qs(urlsplit(req.path).query).items()}
        tags = q.get("tags", "")
        hits = [h for h in self.hits if q["query"].lower() in json.dumps(h).lower()
                and any(t in tags for t in h["_tags"][:1])]
        for f in filter(None, q.get("numericFilters", "").split(",")):
            op = ">=" if ">=" in f else "<="
            bound = int(f.split(op)[1])
            hits = [h for h in hits if (h["created_at_i"] >= bound if op == ">=" else h["created_at_i"] <= bound)]
        hits.sort(key=lambda h: h["created_at_i"], reverse=True)
        per = int(q.get("hitsPerPage", 20))
        body = {"hits": hits[:per], "nbHits": len(hits), "page": 0, "nbPages": max(1, -(-len(hits) // per)),
                "hitsPerPage": per, "exhaustiveNbHits": True, "query": q["query"], "params": urlsplit(req.path).query,
                "processingTimeMS": 1}
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(body).encode()

    def fault(self, status: int, body: bytes | dict = b"", headers: dict | None = None) -> None:
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        self.faults.append((status, headers or {}, raw))


class Clock:
    def __init__(self):
        self.t, self.sleeps = NOW.timestamp(), []

    def time(self):
        return self.t

    def sleep(self, s):
        self.sleeps.append(s)
        self.t += s


@pytest.fixture
def algolia():
    with LocalHTTPServer() as server:
        yield FakeAlgolia(server)


@pytest.fixture
def db(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as database:
        yield database


def collector(algolia, clock=None, **kw):
    clock = clock or Clock()
    options = dict(queries=["fernhill"], api_url=algolia.server.url("/api/v1"), now=lambda: NOW, sleep=clock.sleep,
                   clock=clock.time, page_size=2)
    options.update(kw)
    return HackerNewsCollector("hn", **options)


def run(db, coll):
    return run_collector(db, coll, source_type="hackernews", our_handles={}, now=NOW)


def seed(algolia) -> dict:
    s = story(100, "tomreyes", "Ask HN: Fernhill vs Looker for a team of three?", 0,
              text="<p>We are migrating from Metabase. Fernhill or Looker?</p>")
    c1 = comment(101, "priya_r", "<p>We use Fernhill for our board pack &amp; it has been solid.</p>", 5, s)
    c2 = comment(102, "grumpy", "<p>Fernhill exports failed on us twice last week.</p>", 9, s, parent=101)
    algolia.hits += [s, c1, c2]
    return {"story": s, "c1": c1, "c2": c2}


def test_stories_and_comments_are_stored_linked_to_their_thread_and_walked_down_with_numeric_filters(algolia, db):
    seed(algolia)
    result = run(db, collector(algolia))
    assert result.ok, result.error
    rows = {r["native_id"]: r for r in db.rows("SELECT native_id, kind, parent_uid, conversation_uid, author_uid, "
                                               "title, text, url FROM posts")}
    assert rows["100"]["kind"] == "post" and "Fernhill or Looker?" in rows["100"]["text"]
    assert rows["101"]["kind"] == "comment" and rows["101"]["parent_uid"] == "hackernews:100"
    assert rows["102"]["parent_uid"] == "hackernews:101" and rows["102"]["conversation_uid"] == "hackernews:100"
    assert "board pack & it has been solid" in rows["101"]["text"]
    assert rows["101"]["url"] == "https://news.ycombinator.com/item?id=101"
    paths = [r.path for r in algolia.server.requests]
    # later pages ask at or below the oldest hit so far (a same-second hit is not lost; seen ids skip repeats)
    assert len(paths) == 3 and all("numericFilters=created_at_i%3C%3D" in p for p in paths[1:])
    state = load_source_state(db, "hn")["streams"]["search:fernhill"]
    assert state["value"] == algolia.hits[2]["created_at_i"] and "page" not in state


def test_a_rerun_stores_nothing_twice_and_asks_only_from_the_cursor(algolia, db):
    s = seed(algolia)
    assert run(db, collector(algolia)).new_posts == 3
    again = run(db, collector(algolia))
    assert again.ok and again.new_posts == 0
    assert "numericFilters=created_at_i%3E%3D" in algolia.server.requests[-1].path
    algolia.hits.append(comment(103, "helenk", "<p>Fernhill support answered within the hour for us.</p>", 30,
                                s["story"]))
    assert run(db, collector(algolia)).new_posts == 1


def test_a_page_bound_keeps_the_cursor_until_the_walk_reaches_it(algolia, db):
    s = seed(algolia)
    assert run(db, collector(algolia)).ok
    value = load_source_state(db, "hn")["streams"]["search:fernhill"]["value"]
    algolia.hits += [comment(200 + i, "someone", f"<p>fernhill thought {i}</p>", 60 + i, s["story"]) for i in range(5)]
    first = run(db, collector(algolia, max_pages_per_run=1))
    mid = load_source_state(db, "hn")["streams"]["search:fernhill"]
    assert first.new_posts == 2 and mid["value"] == value and mid["backlog"] and mid["pending"] == T0 + 64 * 60
    assert "more than 1 pages new" in " ".join(first.notes)
    assert run(db, collector(algolia)).new_posts == 3
    assert load_source_state(db, "hn")["streams"]["search:fernhill"]["value"] == T0 + 64 * 60


def test_429_with_a_far_retry_after_date_rests_the_source_at_most_a_day(algolia, db):
    seed(algolia)
    algolia.fault(429, {"message": "Too many requests"},
                  {"Retry-After": format_datetime(NOW + timedelta(days=400), usegmt=True)})
    result = run(db, collector(algolia, max_wait_seconds=30))
    assert result.error.startswith("rate limited:")
    assert db.scalar("SELECT next_allowed_at FROM source_state WHERE source = 'hn'") == NOW + timedelta(hours=24)
    assert db.scalar("SELECT count(*) FROM posts") == 0


def test_429_with_a_short_retry_after_is_waited_for(algolia, db):
    seed(algolia)
    clock = Clock()
    algolia.fault(429, {"message": "Too many requests"}, {"Retry-After": "7"})
    assert run(db, collector(algolia, clock)).ok and 7 <= clock.sleeps[0] <= 9


def test_5xx_is_retried_and_a_malformed_body_stores_nothing(algolia, db):
    seed(algolia)
    clock = Clock()
    algolia.fault(502, b"<html>bad gateway</html>")
    assert run(db, collector(algolia, clock)).ok and len(clock.sleeps) == 1
    algolia.fault(200, b'{"hits": [{"objectID": "9"}]}')
    algolia.hits.append(comment(300, "x", "<p>fernhill new</p>", 90, algolia.hits[0]))
    before = load_source_state(db, "hn")["streams"]["search:fernhill"]
    result = run(db, collector(algolia, clock))
    assert "malformed" in result.error
    assert load_source_state(db, "hn")["streams"]["search:fernhill"] == before
    assert db.scalar("SELECT count(*) FROM posts WHERE native_id = '300'") == 0


def test_404_is_recorded_on_the_source(algolia, db):
    result = run(db, collector(algolia, api_url=algolia.server.url("/wrong/v1")))
    assert "HTTP 404" in result.error and "Hacker News" in result.error


def test_queue_send_says_replies_there_are_manual(algolia, db):
    seed(algolia)
    assert run(db, collector(algolia)).ok
    db.con.execute("INSERT INTO people (person_id, name, is_key_client, created_at) VALUES ('p1', 'Tom', false, ?)",
                   [NOW])
    db.con.execute(
        """INSERT INTO reply_suggestions (suggestion_id, post_uid, person_id, platform, intent, priority, reason, text,
                                          original_text, status, created_at, updated_at)
           VALUES ('rs-h', 'hackernews:100', 'p1', 'hackernews', 'question', 50, 'asked', 'Happy to compare notes.',
                   'Happy to compare notes.', 'approved', ?, ?)""", [NOW, NOW])
    with pytest.raises(QueueError, match="manual step") as err:
        send(db, "rs-h", sender=None, enabled=True, by="ana", now=NOW)
    assert "news.ycombinator.com/item?id=100" in str(err.value)
    assert db.scalar("SELECT status FROM reply_suggestions WHERE suggestion_id = 'rs-h'") == "approved"
