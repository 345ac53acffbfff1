"""The Reddit collector and reply sender: the real praw/prawcore client against a loopback server
that speaks Reddit's OAuth token endpoint and serves its JSON shapes (Listing, t1, t3, ``after``)."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from collectors.base import Checkpoint, CredentialsError, Post, RateLimited, SourceError
from collectors.reddit import RedditCollector, RedditReplySender, compile_queries
from jobs.collect import run_collector
from listenwell.config import ConfigError, load_config
from storage.db import Database
from storage.writes import load_source_state
from tests.conftest import minimal_config, write_config
from tests.httpserver import LocalHTTPServer, _RequestHandler

DATA = Path(__file__).parent / "data" / "reddit"
NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"x": set(), "reddit": {"fernhill_team"}, "blog": set()}
CLIENT_ID, CLIENT_SECRET, USER, PASSWORD = "app-id-1", "app-secret-1", "fernhill_team", "hunter2-pw"
TOKEN = "test-token-123"


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def things(name: str) -> list[dict]:
    return load(name)["data"]["children"]


def t3(n: int, hours_ago: float, sub: str = "dataengineering", title: str | None = None) -> dict:
    created = (NOW - timedelta(hours=hours_ago)).timestamp()
    return {"kind": "t3", "data": {
        "id": f"g{n}", "name": f"t3_g{n}", "title": title or f"Generated post {n}", "selftext": f"body {n}",
        "author": f"user{n % 7}", "author_fullname": f"t2_u{n % 7}", "subreddit": sub, "created": created,
        "created_utc": created, "permalink": f"/r/{sub}/comments/g{n}/generated_post_{n}/", "num_comments": 0}}


class _PostingHandler(_RequestHandler):
    """The shared test server answers GET/HEAD; Reddit's token and comment endpoints need POST.

    prawcore asks for ``Connection: close`` on token requests; like a real server we say so in the
    answer, or the client may reuse a socket we are closing (a spurious ConnectionError)."""

    def end_headers(self) -> None:
        if self.close_connection:
            self.send_header("Connection", "close")
        super().end_headers()

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        with self.server.owner._lock:
            self.server.owner.post_bodies.append((urlsplit(self.path).path, parse_qs(body)))
        self._serve(send_body=True)


class FakeReddit:
    """Listings by path (newest first), paged like Reddit with ``limit`` and ``after``; queued failures."""

    def __init__(self, srv: LocalHTTPServer):
        self.srv = srv
        srv.post_bodies = []
        srv._httpd.RequestHandlerClass = _PostingHandler
        self.listings: dict[str, list[dict]] = {}
        self.failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.extra_headers: dict[str, str] = {}
        self.token_error: tuple[int, dict] | None = None
        self.reply_failure: int | None = None
        srv.route("/api/v1/access_token", handler=self._token)
        srv.route("/api/comment/", handler=self._comment)
        srv.route("/api/comment", handler=self._comment)

    @property
    def url(self) -> str:
        return self.srv.base_url

    def set(self, path: str, children: list[dict]) -> None:
        self.listings[path] = list(children)
        self.srv.route(path, handler=lambda req, p=path: self._listing(p, req))

    def fail(self, path: str, status: int, headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.setdefault(path, []).extend([(status, headers or {})] * times)
        if path not in self.listings:
            self.set(path, [])

    def _json(self, status: int, payload, headers: dict[str, str] | None = None):
        return status, {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}, json.dumps(payload).encode()

    def _token(self, req):
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if req.header("Authorization") != f"Basic {basic}":
            return self._json(401, {"message": "Unauthorized", "error": 401})
        if self.token_error:
            return self._json(*self.token_error)
        return self._json(200, load("token.json"))

    def _authorized(self, req) -> bool:
        return req.header("Authorization") == f"bearer {TOKEN}"

    def _listing(self, path: str, req):
        if not self._authorized(req):
            return self._json(401, {"message": "Unauthorized", "error": 401},
                              {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'})
        queued = self.failures.get(path)
        if queued:
            status, headers = queued.pop(0)
            body = {"reason": "private", "message": "Forbidden", "error": 403} if status == 403 else {"error": status}
            return self._json(status, body, headers)
        query = parse_qs(urlsplit(req.path).query)
        assert query.get("raw_json") == ["1"]
        limit = int(query.get("limit", ["25"])[0])
        children = self.listings[path]
        start = 0
        if "after" in query:
            names = [c["data"]["name"] for c in children]
            start = names.index(query["after"][0]) + 1
        page = children[start:start + limit]
        after = page[-1]["data"]["name"] if page and start + limit < len(children) else None
        return self._json(200, {"kind": "Listing", "data": {"after": after, "dist": len(page), "children": page,
                                                            "before": None}}, self.extra_headers)

    def _comment(self, req):
        if not self._authorized(req):
            return self._json(401, {"error": 401}, {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'})
        if self.reply_failure:
            return self._json(self.reply_failure, {"error": self.reply_failure})
        return self._json(200, load("reply_response.json"))

    # --- inspection -----------------------------------------------------------------------
    def gets(self, path: str) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(r.path).query) for r in self.srv.requests_for(path) if r.method == "GET"]

    def posts_to(self, path: str) -> list[dict[str, list[str]]]:
        return [body for p, body in self.srv.post_bodies if p.rstrip("/") == path.rstrip("/")]


@pytest.fixture
def reddit():
    with LocalHTTPServer() as srv:
        yield FakeReddit(srv)


def session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False  # never a proxy from the environment: loopback only
    return s


def collector(fake: FakeReddit, sleeps: list[float] | None = None, **kw) -> RedditCollector:
    options = dict(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, username=USER, password=PASSWORD,
        user_agent="listenwell-tests:0.1 (by u/fernhill_team)", subreddits=["dataengineering"], inbox=False,
        own_comments=False, oauth_url=fake.url, reddit_url=fake.url, timeout=5, our_handles={"fernhill_team"},
        now=lambda: NOW, sleep=(sleeps.append if sleeps is not None else lambda s: None), session=session(),
    )
    options.update(kw)
    return RedditCollector("reddit", **options)


def run(db: Database, c: RedditCollector):
    return run_collector(db, c, source_type="reddit", our_handles=OURS, now=NOW)


def drain(c: RedditCollector, state: dict | None = None) -> tuple[list[Post], list[Checkpoint]]:
    posts, checkpoints = [], []
    for item in c.fetch(state or {}):
        (checkpoints if isinstance(item, Checkpoint) else posts).append(item)
    return posts, checkpoints


# --- collecting -------------------------------------------------------------------------------


def test_pages_with_after_then_resumes_without_duplicates(tmp_path: Path, reddit: FakeReddit):
    reddit.set("/r/dataengineering/new", [t3(n, hours_ago=n / 10) for n in range(250)])
    reddit.set("/r/dataengineering/comments", [])
    with Database.open(tmp_path / "lw.duckdb") as db:
        first = run(db, collector(reddit))
        assert first.ok, first.error
        assert first.new_posts == 250
        assert db.scalar("SELECT count(*) FROM posts") == 250
        pages = reddit.gets("/r/dataengineering/new")
        assert [p.get("after") for p in pages] == [None, ["t3_g99"], ["t3_g199"]]
        assert all(p["limit"] == ["100"] for p in pages)
        state = load_source_state(db, "reddit")["streams"]["r/dataengineering/new"]
        assert state["last"] == "t3_g0" and state["since"] == (NOW - timedelta(hours=0)).timestamp()

        # three newer posts arrive; the next run reads one page, stops at the cursor, stores only them
        reddit.set("/r/dataengineering/new", [t3(1000 + n, hours_ago=-(3 - n) / 60) for n in range(3)]
                   + reddit.listings["/r/dataengineering/new"])
        second = run(db, collector(reddit))
        assert second.ok and second.new_posts == 3 and second.seen_posts == 3
        assert len(reddit.gets("/r/dataengineering/new")) == 4
        assert db.scalar("SELECT count(*) FROM posts") == 253

        third = run(db, collector(reddit))
        assert third.ok and third.new_posts == 0 and third.seen_posts == 0


def test_checkpoints_every_hundred_items_and_malformed_items_are_noted(reddit: FakeReddit):
    broken = t3(999, hours_ago=0.01)
    del broken["data"]["created_utc"], broken["data"]["created"]
    reddit.set("/r/dataengineering/new", [broken] + [t3(n, hours_ago=1 + n / 10) for n in range(250)])
    reddit.set("/r/dataengineering/comments", [])
    posts, checkpoints = drain(collector(reddit))
    assert len(posts) == 250 and len(checkpoints) == 4  # after 100, 200, the stream, the comments stream
    assert checkpoints[0].state["streams"]["r/dataengineering/new"]["last"] == "t3_g150"  # oldest first
    assert "r/dataengineering/new: 1 malformed items skipped" in checkpoints[2].note


def test_items_per_run_are_bounded_and_the_rest_follows_oldest_first(tmp_path: Path, reddit: FakeReddit):
    reddit.set("/r/dataengineering/new", [t3(n, hours_ago=50 + n) for n in range(3)])
    reddit.set("/r/dataengineering/comments", [])
    with Database.open(tmp_path / "lw.duckdb") as db:
        assert run(db, collector(reddit, max_items_per_run=10)).new_posts == 3
        backlog = [t3(100 + n, hours_ago=(12 - n) / 10) for n in range(12)]  # g111 is the newest
        reddit.set("/r/dataengineering/new", list(reversed(backlog)) + reddit.listings["/r/dataengineering/new"])
        got, stored, notes = [], [], []
        for _ in range(4):
            result = run(db, collector(reddit, max_items_per_run=10))  # 5 for each of the two streams
            assert result.ok, result.error
            got.append(result.new_posts)
            notes.append(" | ".join(result.notes))
            stored.append({r["native_id"] for r in db.rows("SELECT native_id FROM posts")})
        assert got == [5, 5, 2, 0]
        assert db.scalar("SELECT count(*) FROM posts") == 15
        # the oldest of the backlog came first: no gap was ever left behind the cursor
        assert stored[0] - {"t3_g0", "t3_g1", "t3_g2"} == {f"t3_g{100 + n}" for n in range(5)}
        assert "r/dataengineering/new: 7 more new items left for the next run" in notes[0]
        assert "left for the next run" not in notes[2]


def test_threads_deleted_authors_and_removed_content(tmp_path: Path, reddit: FakeReddit):
    reddit.set("/r/dataengineering/new", things("dataengineering_new.json"))
    reddit.set("/r/dataengineering/comments", things("dataengineering_comments.json"))
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, collector(reddit))
        assert result.ok, result.error
        assert result.new_posts == 8
        rows = {r["native_id"]: r for r in db.rows("SELECT * FROM posts")}
        removed_post = rows["t3_1h0e4"]
        assert removed_post["author_uid"] == "reddit:[deleted]"
        assert removed_post["text"] == "Rant about our vendor\n\n[removed]"
        assert rows["t1_lq4"]["text"] == "[removed]" and rows["t1_lq4"]["author_uid"] == "reddit:[deleted]"
        assert rows["t1_lq3"]["text"] == "[deleted]"
        reply = rows["t1_lq2"]
        assert reply["kind"] == "reply"
        assert reply["parent_uid"] == "reddit:t1_lq1" and reply["conversation_uid"] == "reddit:t3_1h0e5"
        assert rows["t1_lq1"]["kind"] == "comment" and rows["t1_lq1"]["parent_uid"] == "reddit:t3_1h0e5"
        assert list(reply["mentions"]) == ["fernhill_team"]
        assert rows["t3_1h0e5"]["url"] == "https://www.reddit.com/r/dataengineering/comments/1h0e5/which_dashboard_tool_for_a_sma/"
        handles = {r["handle"] for r in db.rows("SELECT handle FROM identities")}
        assert {"ana_tidewater", "carol_data", "[deleted]"} <= handles


def test_keyword_queries_filter_subreddit_streams(reddit: FakeReddit):
    reddit.set("/r/dataengineering/new", things("dataengineering_new.json"))
    reddit.set("/r/dataengineering/comments", things("dataengineering_comments.json"))
    posts, _ = drain(collector(reddit, queries=["dashboard -looker"]))
    assert [p.native_id for p in posts] == ["t1_lq1"]  # the submission names Looker
    posts, checkpoints = drain(collector(reddit, queries=["dashboard -looker", '"small ops"', "metabase"]))
    assert sorted(p.native_id for p in posts) == ["t1_lq1", "t1_lq2", "t3_1h0e5"]
    # filtered-out items still move the cursor: the next run does not look at them again
    state = checkpoints[-1].state
    assert state["streams"]["r/dataengineering/new"]["last"] == "t3_1h0e5"
    assert len(drain(collector(reddit, queries=["metabase"]), state)[0]) == 0


def test_site_wide_search_when_there_are_no_subreddits_and_bad_names_are_skipped(reddit: FakeReddit):
    reddit.set("/search", [t3(1, 1, title="Looking for a dbt consultant")])
    posts, checkpoints = drain(collector(reddit, subreddits=["ok/../../api", "dataengineering?x=1"],
                                         queries=["dbt consultant"], client_accounts=["no/slash"]))
    assert [p.native_id for p in posts] == ["t3_g1"]
    query = reddit.gets("/search")[0]
    assert query["q"] == ["dbt consultant"] and query["sort"] == ["new"]
    assert checkpoints[0].note.startswith("not valid Reddit names, skipped: r/ok/../../api, r/dataengineering?x=1, u/no/slash")
    assert [p for p in reddit.srv.paths() if "api" in p and "access_token" not in p] == []


def test_query_matcher():
    match = compile_queries(['"data pipeline" -hiring', "dbt OR"])
    assert match("Our Data  Pipeline broke") and match("we love dbt")
    assert not match("data pipeline, we are hiring") and not match("pipelines of data") and not match("dbtx")
    assert compile_queries([" ", "OR"]) is None


def test_inbox_clients_and_own_comments(tmp_path: Path, reddit: FakeReddit):
    reddit.set("/message/mentions", things("inbox_mentions.json"))
    reddit.set("/message/comments", things("inbox_comments.json"))
    reddit.set("/message/selfreply", [])
    reddit.set("/user/ana_tidewater/overview", things("client_overview.json"))
    reddit.set("/user/fernhill_team/comments", things("own_comments.json"))
    c = collector(reddit, subreddits=[], inbox=True, own_comments=True, client_accounts=["u/ana_tidewater"],
                  own_accounts=["fernhill_team"])
    assert [s.key for s in c.streams()] == ["inbox/mentions", "inbox/comments", "inbox/selfreply",
                                            "u/ana_tidewater/overview", "u/fernhill_team/comments"]
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, c)
        assert result.ok, result.error
        assert result.new_posts == 5
        rows = {r["native_id"]: r for r in db.rows("SELECT * FROM posts")}
        mention = rows["t1_m7k"]
        assert mention["conversation_uid"] == "reddit:t3_1h0f9"  # completed from the inbox 'context'
        assert mention["url"] == "https://www.reddit.com/r/dataengineering/comments/1h0f9/dashboards_for_ops/m7k/"
        assert list(mention["mentions"]) == ["fernhill_team"]
        reply = rows["t1_m8r"]
        assert reply["kind"] == "reply" and reply["parent_uid"] == "reddit:t1_ow1"
        assert rows["t1_ow1"]["author_uid"] == "reddit:fernhill_team"
        assert {"t3_1h0a1", "t1_cl2"} <= set(rows)
    # the user streams are read anonymously (read-only app token), the inbox as the user
    token_grants = [b.get("grant_type") for p, b in reddit.srv.post_bodies if p == "/api/v1/access_token"]
    assert ["password"] in token_grants and ["client_credentials"] in token_grants


def test_inbox_without_a_user_is_skipped_with_a_note(reddit: FakeReddit):
    reddit.set("/r/dataengineering/new", [])
    reddit.set("/r/dataengineering/comments", [])
    posts, checkpoints = drain(collector(reddit, inbox=True, username=None, password=None,
                                         env_names={"username": "RD_USER", "password": "RD_PASS"}))
    assert not posts
    assert "inbox skipped: set RD_USER and RD_PASS" in checkpoints[0].note
    assert not reddit.gets("/message/mentions")


# --- errors ------------------------------------------------------------------------------------


def test_429_stops_the_source_with_retry_at_and_keeps_earlier_streams(tmp_path: Path, reddit: FakeReddit):
    reddit.set("/r/alpha/new", [t3(1, 1, sub="alpha")])
    reddit.set("/r/alpha/comments", [])
    reddit.fail("/r/beta/new", 429, {"Retry-After": "120", "x-ratelimit-remaining": "0", "x-ratelimit-used": "600",
                                       "x-ratelimit-reset": "120"})
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, collector(reddit, subreddits=["alpha", "beta"]))
        assert result.error.startswith("rate limited: Reddit answered 429 on r/beta/new")
        assert db.scalar("SELECT next_allowed_at FROM source_state WHERE source = 'reddit'") == NOW + timedelta(seconds=120)
        assert db.scalar("SELECT count(*) FROM posts") == 1
        assert "r/alpha/new" in load_source_state(db, "reddit")["streams"]
    assert len(reddit.gets("/r/beta/new")) == 1  # never retried


def test_used_up_rate_limit_window_ends_the_run_instead_of_sleeping(reddit: FakeReddit):
    reddit.set("/r/alpha/new", [t3(1, 1, sub="alpha")])
    reddit.set("/r/alpha/comments", [])
    reddit.extra_headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "600", "x-ratelimit-reset": "400"}
    items = []
    with pytest.raises(RateLimited) as caught:
        for item in collector(reddit, subreddits=["alpha"], max_wait_seconds=30).fetch({}):
            items.append(item)
    assert NOW + timedelta(seconds=390) < caught.value.retry_at <= NOW + timedelta(seconds=400)
    assert isinstance(items[-1], Checkpoint) and len(items) == 2  # r/alpha/new was stored first
    assert not reddit.gets("/r/alpha/comments")


def test_private_banned_and_deleted_are_noted_while_others_carry_on(tmp_path: Path, reddit: FakeReddit):
    reddit.fail("/r/secret/new", 403)
    reddit.fail("/r/secret/comments", 403)
    reddit.fail("/r/gone/new", 404)
    reddit.fail("/r/gone/comments", 404)
    reddit.set("/r/dataengineering/new", things("dataengineering_new.json"))
    reddit.set("/r/dataengineering/comments", [])
    reddit.fail("/user/old_client/overview", 404)
    reddit.fail("/r/nosuchsub/new", 302, {"Location": "https://www.reddit.com/subreddits/search.json?q=nosuchsub"})
    reddit.set("/r/nosuchsub/comments", [])
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, collector(reddit, subreddits=["r/secret", "gone", "nosuchsub", "dataengineering"],
                                   client_accounts=["old_client"]))
        assert result.ok, result.error
        assert result.new_posts == 4
        notes = " | ".join(result.notes)
        assert "r/secret/new: forbidden (403; private or quarantined subreddit?)" in notes
        assert "r/gone/new: not found (404; banned or unknown subreddit?)" in notes
        assert "u/old_client/overview: not found (404; deleted account?)" in notes
        assert "r/nosuchsub/new: not found (302; banned or unknown subreddit?)" in notes
        streams = load_source_state(db, "reddit")["streams"]
        assert "r/dataengineering/new" in streams and "r/secret/new" not in streams


def test_503_is_retried_then_succeeds(tmp_path: Path, reddit: FakeReddit):
    reddit.set("/r/dataengineering/new", things("dataengineering_new.json"))
    reddit.set("/r/dataengineering/comments", [])
    reddit.fail("/r/dataengineering/new", 503)
    sleeps: list[float] = []
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, collector(reddit, sleeps=sleeps))
        assert result.ok and result.new_posts == 4
    assert len(reddit.gets("/r/dataengineering/new")) == 2  # prawcore's own retries are off: ours are counted
    assert len(sleeps) == 1 and 2 <= sleeps[0] < 3


def test_503_that_persists_is_bounded_noted_and_others_carry_on(reddit: FakeReddit):
    reddit.fail("/r/dataengineering/new", 503, times=10)
    reddit.set("/r/dataengineering/comments", things("dataengineering_comments.json"))
    sleeps: list[float] = []
    posts, checkpoints = drain(collector(reddit, sleeps=sleeps))
    assert len(posts) == 4
    assert len(reddit.gets("/r/dataengineering/new")) == 3 and len(sleeps) == 2
    assert "r/dataengineering/new: HTTP 503 after 3 attempts" in checkpoints[0].note
    assert "r/dataengineering/new" not in checkpoints[-1].state["streams"]


def test_an_expired_token_is_renewed_once(reddit: FakeReddit):
    reddit.set("/r/dataengineering/new", things("dataengineering_new.json"))
    reddit.set("/r/dataengineering/comments", [])
    reddit.fail("/r/dataengineering/new", 401, {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'})
    posts, _ = drain(collector(reddit))
    assert len(posts) == 4
    assert len(reddit.srv.requests_for("/api/v1/access_token")) == 2


def test_every_stream_failing_fails_the_source(reddit: FakeReddit):
    reddit.fail("/r/dataengineering/new", 502, times=3)
    reddit.fail("/r/dataengineering/comments", 500, times=3)
    with pytest.raises(SourceError, match="every Reddit stream failed"):
        drain(collector(reddit))


def test_credentials_missing_or_rejected_name_the_variables(reddit: FakeReddit):
    reddit.set("/r/dataengineering/new", [])
    names = {"client_id": "LW_RD_ID", "client_secret": "LW_RD_SECRET", "username": "LW_RD_USER",
             "password": "LW_RD_PASS"}
    with pytest.raises(CredentialsError, match="set LW_RD_ID$"):
        drain(collector(reddit, client_id=None, env_names=names))
    with pytest.raises(CredentialsError, match="HTTP 401.*LW_RD_ID and LW_RD_SECRET"):
        drain(collector(reddit, client_secret="wrong", env_names=names))
    reddit.token_error = (200, {"error": "invalid_grant"})
    with pytest.raises(CredentialsError, match="invalid_grant.*LW_RD_USER and LW_RD_PASS"):
        drain(collector(reddit, subreddits=[], inbox=True, env_names=names))


# --- config ------------------------------------------------------------------------------------


def test_from_config_through_the_config_file(tmp_path: Path, reddit: FakeReddit, monkeypatch):
    reddit.set("/r/dataengineering/new", things("dataengineering_new.json"))
    reddit.set("/r/dataengineering/comments", [])
    reddit.set("/user/ana_tidewater/overview", things("client_overview.json"))
    reddit.set("/user/fernhill_team/comments", things("own_comments.json"))
    for path in ("/message/mentions", "/message/comments", "/message/selfreply"):
        reddit.set(path, [])
    monkeypatch.setenv("REDDIT_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("REDDIT_USERNAME", USER)
    monkeypatch.setenv("REDDIT_PASSWORD", PASSWORD)
    data = minimal_config(
        key_clients=[{"name": "Tidewater", "tier": 1, "handles": {"reddit": ["u/ana_tidewater"]}}],
        sources=[{"name": "reddit-main", "type": "reddit", "user_agent": "listenwell-tests:0.1 (by u/fernhill_team)",
                  "subreddits": ["dataengineering"], "oauth_url": reddit.url, "reddit_url": reddit.url,
                  "max_wait_seconds": 5, "timeout_seconds": 5}])
    config = load_config(write_config(tmp_path, data))
    c = RedditCollector.from_config(config.sources[0], config)
    c.session = session()
    assert [s.key for s in c.streams()][-2:] == ["u/ana_tidewater/overview", "u/fernhill_team/comments"]
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run_collector(db, c, source_type="reddit", our_handles=config.our_handles(), now=config.now())
        assert result.ok, result.error
        assert result.new_posts == 7
    sender = RedditReplySender.from_config(config.sources[0], config)
    sender.session = session()
    assert sender.send_reply("t3_1h0e5", "Happy to help!") == "t1_new9"

    bad = dict(data, sources=[dict(data["sources"][0], oauth_url="http://reddit.example.com")])
    with pytest.raises(ConfigError, match=r"sources\[0\]\.oauth_url: credentials are sent here"):
        load_config(write_config(tmp_path, bad, name="bad.yaml"))


# --- sending -----------------------------------------------------------------------------------


def sender(fake: FakeReddit, **kw) -> RedditReplySender:
    options = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, username=USER, password=PASSWORD,
                   user_agent="listenwell-tests:0.1 (by u/fernhill_team)", oauth_url=fake.url, reddit_url=fake.url,
                   timeout=5, now=lambda: NOW, session=session())
    options.update(kw)
    return RedditReplySender(**options)


def test_reply_is_sent_once_and_returns_the_new_fullname(reddit: FakeReddit):
    assert sender(reddit).send_reply("t1_lq2", "Yes, we do. See *our* notes.") == "t1_new9"
    posts = reddit.posts_to("/api/comment")
    assert posts == [{"api_type": ["json"], "text": ["Yes, we do. See *our* notes."], "thing_id": ["t1_lq2"]}]


def test_reply_failing_with_503_is_not_retried(reddit: FakeReddit):
    reddit.reply_failure = 503
    with pytest.raises(SourceError, match="HTTP 503 to the reply; it may or may not have been posted"):
        sender(reddit).send_reply("t3_1h0e5", "Hello")
    assert len(reddit.posts_to("/api/comment")) == 1


def test_reply_needs_credentials_and_a_fullname(reddit: FakeReddit):
    with pytest.raises(CredentialsError, match="REDDIT_USERNAME and REDDIT_PASSWORD"):
        sender(reddit, username=None, password="").send_reply("t3_1h0e5", "Hello")
    with pytest.raises(SourceError, match="fullname"):
        sender(reddit).send_reply("https://reddit.com/r/x/comments/1", "Hello")
    assert not reddit.posts_to("/api/comment")
