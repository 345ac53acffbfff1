"""The Mastodon collector and sender: the real Mastodon.py client against a Mastodon API on 127.0.0.1."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from collectors.base import CredentialsError
from collectors.mastodon import MastodonCollector, MastodonReplySender, make_client, toot_length
from engagement.queue import QueueError, send
from jobs.collect import run_collector
from storage.db import Database
from storage.writes import load_source_state
from tests.fakes.mastodon_api import MARCUS, SOFIA, US, FakeMastodon, notification, status
from tests.httpserver import LocalHTTPServer

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"mastodon": {"fernhill@mastodon.example"}}
TOKEN = "tok-7f3a9c1e5b42"


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
        yield FakeMastodon(server)


@pytest.fixture
def db(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as database:
        yield database


def collector(api: FakeMastodon, clock: Clock | None = None, token: str = TOKEN, **kw) -> MastodonCollector:
    clock = clock or Clock()
    options = dict(instance="https://mastodon.example", hashtags=["fernhill"], client_accounts=["sofia@hachyderm.io"],
                   now=lambda: NOW, sleep=clock.sleep, clock=clock.time, page_size=2)
    options.update(kw)
    return MastodonCollector("masto", make_client(api.server.base_url, token, 5), **options)


def run(db, coll):
    return run_collector(db, coll, source_type="mastodon", our_handles=OURS, now=NOW, secrets=[TOKEN])


def seed(api: FakeMastodon) -> dict[str, dict]:
    ours = status(1000, US, "<p>We shipped exports.</p>", minutes=1)
    api.add_account_statuses("100", ours)
    q = status(1001, SOFIA, '<p><span class="h-card"><a href="https://mastodon.example/@fernhill">@fernhill</a></span> '
                            "how is data volume counted?</p>", minutes=2, reply_to=ours, mentions=(US,))
    m = status(1002, MARCUS, "<p>@fernhill thanks &amp; well done</p>", minutes=3, mentions=(US,))
    api.add_notifications(notification(5001, q), notification(5002, m))
    tagged = [status(1100 + i, MARCUS, f"<p>#fernhill tip {i}</p>", minutes=10 + i) for i in range(5)]
    api.add_tag("fernhill", *tagged)
    api.add_account_statuses("201", status(1200, SOFIA, "<p>New job at Northwind!</p>", minutes=20))
    return {"ours": ours, "question": q, "thanks": m, "tagged": tagged}


def test_streams_are_stored_with_replies_linked_and_cursors_at_the_newest_stored(api, db):
    s = seed(api)
    result = run(db, collector(api))
    assert result.ok, result.error
    rows = {r["native_id"]: r for r in db.rows("SELECT native_id, kind, parent_uid, author_uid, text FROM posts")}
    q = rows[s["question"]["id"]]
    assert q["kind"] == "reply" and q["parent_uid"] == f"mastodon:{s['ours']['id']}"
    assert q["author_uid"] == "mastodon:sofia@hachyderm.io" and q["text"].endswith("how is data volume counted?")
    assert rows[s["thanks"]["id"]]["kind"] == "mention" and "thanks & well done" in rows[s["thanks"]["id"]]["text"]
    assert rows[s["ours"]["id"]]["author_uid"] == "mastodon:fernhill@mastodon.example"
    # a first run reads the newest page of each stream (two statuses here) and goes on from there
    assert [t["id"] in rows for t in s["tagged"]] == [False, False, False, True, True]
    streams = load_source_state(db, "masto")["streams"]
    assert streams["tag:fernhill"]["value"] == max(t["id"] for t in s["tagged"])
    assert streams["notifications"]["value"] == "5002"
    assert streams["account:sofia@hachyderm.io"]["value"] == "1200"

    # five new ones, two a page: walked up with min_id, each page stored before the cursor moves
    later = [status(1500 + i, MARCUS, f"<p>#fernhill later {i}</p>", minutes=50 + i) for i in range(5)]
    api.add_tag("fernhill", *later)
    api.server.requests.clear()
    assert run(db, collector(api)).ok
    assert db.scalar("SELECT count(*) FROM posts WHERE text LIKE '%#fernhill later%'") == 5
    tag_requests = [r.path for r in api.server.requests if "/timelines/tag/" in r.path]
    assert len(tag_requests) == 3 and all("min_id=" in p for p in tag_requests)
    assert load_source_state(db, "masto")["streams"]["tag:fernhill"]["value"] == "1504"


def test_a_rerun_stores_nothing_twice_and_only_asks_above_the_cursor(api, db):
    seed(api)
    assert run(db, collector(api)).new_posts > 0
    again = run(db, collector(api))
    assert again.ok and again.new_posts == 0
    api.add_tag("fernhill", status(1300, MARCUS, "<p>#fernhill one more</p>", minutes=30))
    third = run(db, collector(api))
    assert third.new_posts == 1


def test_429_with_a_far_reset_rests_the_stream_and_keeps_its_cursor(api, db):
    seed(api)
    assert run(db, collector(api)).ok
    before = load_source_state(db, "masto")["streams"]["tag:fernhill"]
    reset = (NOW + timedelta(minutes=4)).isoformat()
    api.fault("/api/v1/timelines/tag/fernhill", 429, {"error": "Too many requests"},
              {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    result = run(db, collector(api, max_wait_seconds=10))
    assert result.error.startswith("rate limited:") and "#fernhill" in result.error
    assert db.scalar("SELECT next_allowed_at FROM source_state WHERE source = 'masto'") == NOW + timedelta(minutes=4)
    after = load_source_state(db, "masto")["streams"]["tag:fernhill"]
    assert after["value"] == before["value"] and after["retry_at"]


def test_429_with_a_near_reset_waits_then_goes_on(api, db):
    seed(api)
    clock = Clock()
    reset = (NOW + timedelta(seconds=20)).isoformat()
    api.fault("/api/v1/timelines/tag/fernhill", 429, {"error": "Too many requests"},
              {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})
    result = run(db, collector(api, clock))
    assert result.ok and 20 <= clock.sleeps[0] <= 22


def test_5xx_is_retried_with_backoff_and_a_malformed_body_stores_nothing_from_that_stream(api, db):
    seed(api)
    clock = Clock()
    api.fault("/api/v1/notifications", 502, b"<html>bad gateway</html>")
    api.fault("/api/v1/timelines/tag/fernhill", 200, b"{not json")
    result = run(db, collector(api, clock))
    assert len(clock.sleeps) == 1 and 1 <= clock.sleeps[0] <= 2  # the 502, retried once
    assert "malformed" in result.error
    streams = load_source_state(db, "masto")["streams"]
    assert "tag:fernhill" not in streams and streams["notifications"]["value"] == "5002"
    assert db.scalar("SELECT count(*) FROM posts WHERE text LIKE '%#fernhill tip%'") == 0
    assert run(db, collector(api, clock)).ok  # next run: the stream picks up from where it was
    assert db.scalar("SELECT count(*) FROM posts WHERE text LIKE '%#fernhill tip%'") == 2  # a first run: the newest page


def test_401_names_the_variable_and_never_the_token(api, db):
    seed(api)
    result = run(db, collector(api, token="wrong-token-123456", token_env="LW_MASTODON"))
    assert "HTTP 401" in result.error and "LW_MASTODON" in result.error and "wrong-token" not in result.error
    assert db.scalar("SELECT count(*) FROM posts") == 0


def test_an_unknown_key_client_is_noted_and_the_rest_collected(api, db):
    seed(api)
    result = run(db, collector(api, client_accounts=["ghost@nowhere.example"]))
    assert result.ok and "no account @ghost@nowhere.example" in " ".join(result.notes)


def test_toot_length_counts_links_as_23_and_remote_mentions_as_local():
    assert toot_length("@ana@hachyderm.io see https://example.com/" + "a" * 80) == len("@ana see ") + 23


def test_sending_twice_posts_once_as_a_reply_with_the_parents_visibility(api, db):
    s = seed(api)
    private = status(1400, SOFIA, "<p>@fernhill can we talk pricing?</p>", minutes=40, visibility="private",
                     mentions=(US,))
    api.add_notifications(notification(5003, private))
    assert run(db, collector(api)).ok
    db.con.execute("INSERT INTO people (person_id, name, is_key_client, created_at) VALUES ('p1', 'Sofia', false, ?)",
                   [NOW])
    db.con.execute(
        """INSERT INTO reply_suggestions (suggestion_id, post_uid, person_id, platform, intent, priority, reason, text,
                                          original_text, status, created_at, updated_at)
           VALUES ('rs-m', 'mastodon:1400', 'p1', 'mastodon', 'question', 50, 'asked', 'Happy to: Tuesday?',
                   'Happy to: Tuesday?', 'approved', ?, ?)""", [NOW, NOW])
    sender = MastodonReplySender(make_client(api.server.base_url, TOKEN, 5), "https://mastodon.example")
    sent = send(db, "rs-m", sender=sender, enabled=True, by="ana", now=NOW)
    with pytest.raises(QueueError, match="already sent"):
        send(db, "rs-m", sender=sender, enabled=True, by="ana", now=NOW)
    assert len(api.posted) == 1
    posted = api.posted[0]
    assert posted["in_reply_to_id"] == "1400" and posted["visibility"] == "private"
    assert posted["status"] == "@sofia@hachyderm.io Happy to: Tuesday?" and posted["idempotency_key"]
    assert sent["status"] == "sent" and sent["sent_post_uid"] == f"mastodon:{900}"
    # a retried request with the same key (a timeout after the instance posted) gets the same status back
    assert sender.send_reply("1400", "Happy to: Tuesday?") == "900" and len(api.idempotency) == 1
    assert sender.find_reply("1400", "") == "900"


def test_without_a_token_the_source_says_which_variable(monkeypatch):
    from collectors.registry import build_collector
    from listenwell.config import Config

    monkeypatch.delenv("MASTODON_ACCESS_TOKEN", raising=False)
    cfg = Config.model_validate({"me": {"name": "F"}, "sources": [
        {"name": "m", "type": "mastodon", "instance": "https://mastodon.example"}]})
    with pytest.raises(CredentialsError, match="MASTODON_ACCESS_TOKEN"):
        build_collector(cfg, cfg.sources[0])


def test_a_used_up_window_stops_before_the_next_request_instead_of_spending_it_on_a_429(api, db):
    seed(api)
    reset = (NOW + timedelta(minutes=4)).isoformat()
    original = api.handle

    def last_request_of_the_window(req):
        status, headers, body = original(req)
        if "/accounts/verify_credentials" in req.path:
            headers = {**headers, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
        return status, headers, body

    api.server.route("/api/v1/accounts/verify_credentials", handler=last_request_of_the_window)
    result = run(db, collector(api, max_wait_seconds=10))
    assert result.error.startswith("rate limited:") and "window is used up" in result.error
    assert [r.path for r in api.server.requests] == ["/api/v1/accounts/verify_credentials"]
    assert db.scalar("SELECT next_allowed_at FROM source_state WHERE source = 'masto'") == NOW + timedelta(minutes=4)
