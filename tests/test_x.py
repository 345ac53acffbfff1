"""The X collector and reply sender against the real tweepy.Client, replaying hand-made v2 cassettes.

No network: vcrpy plays tests/cassettes/x/*.yaml with record_mode="none" (an unexpected request fails
the test), and nothing really sleeps: the collector gets a fake clock and sleep.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import vcr

from collectors.base import Checkpoint, CredentialsError, Post, RateLimited, SourceError
from collectors.x import XCollector, XReplySender, make_client, snowflake_time, tweet_length
from jobs.collect import run_collector
from listenwell.config import Config, XSource
from storage.db import Database
from storage.writes import load_source_state
from tests.cassettes.x import make_cassettes as tape

CASSETTES = Path(__file__).parent / "cassettes" / "x"
NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"x": {"fernhillhq"}, "reddit": set(), "blog": set()}
TOKEN = "test-bearer-token-0123"

player = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "scheme", "host", "port", "path", "query"],
)


class FakeClock:
    def __init__(self, start: datetime = NOW):
        self.t = start.timestamp()
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def collector(clock: FakeClock | None = None, **kw) -> XCollector:
    clock = clock or FakeClock()
    options = dict(account="fernhillhq", our_handles={"fernhillhq"}, own_posts=False, now=lambda: NOW,
                   sleep=clock.sleep, clock=clock.time)
    options.update(kw)
    return XCollector("x-main", make_client(5, bearer_token=TOKEN), **options)


def run(db: Database, coll: XCollector):
    return run_collector(db, coll, source_type="x", our_handles=OURS, now=NOW, secrets=[TOKEN])


def stream_state(db: Database, stream: str = "mentions") -> dict:
    return load_source_state(db, "x-main")["streams"][stream]


def post_ids(db: Database) -> list[str]:
    return [r[0] for r in db.con.execute("SELECT native_id FROM posts ORDER BY native_id").fetchall()]


@pytest.fixture
def db(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as database:
        yield database


def test_cassettes_are_up_to_date():
    """The YAML files are what make_cassettes.py writes (edit the script, not the YAML)."""
    import yaml

    for name, interactions in tape.CASSETTES.items():
        on_disk = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text(encoding="utf-8"))
        assert on_disk == tape.cassette(interactions), f"{name}.yaml is stale: run tests/cassettes/x/make_cassettes.py"


# --- paging, includes, shapes ------------------------------------------------------------------


def test_mentions_two_pages_join_includes_and_checkpoint_after_each_page():
    with player.use_cassette("mentions_two_runs.yaml", allow_playback_repeats=False) as cass:
        items = list(collector().fetch({}))
        requested = [r.uri for r in cass.requests]
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["Post"] * 3 + ["Checkpoint"] + ["Post"] * 2 + ["Checkpoint"]
    posts = {p.native_id: p for p in items if isinstance(p, Post)}
    assert set(posts) == {t["id"] for t in (tape.M1, tape.M2, tape.M3, tape.M4, tape.M5)}

    # the expansions the issue asks for, on every page
    assert all("expansions=author_id%2Creferenced_tweets.id%2Cin_reply_to_user_id" in u for u in requested[1:])
    assert "pagination_token=tok-page-2" in requested[2]

    # authors joined from includes.users on both pages
    sofia = posts[tape.M3["id"]]
    assert sofia.author.handle == "sofialindqvist" and sofia.author.native_id == "2001"
    assert sofia.author.followers == 2260 and sofia.author.display_name == "Sofia Lindqvist"
    assert posts[tape.M1["id"]].author.handle == "marcusbell"
    # a suspended author: no user in includes, the tweet is kept with a placeholder identity
    spam = posts[tape.M2["id"]]
    assert spam.author.handle == "id:2003" and spam.author.native_id == "2003"
    assert spam.text.startswith("@fernhillhq get 5000")
    # a reply: parent and conversation linked
    assert sofia.kind == "reply" and sofia.parent_id == tape.OUR_ROOT and sofia.conversation_id == tape.OUR_ROOT
    # everything from the mentions stream is at least a mention
    assert posts[tape.M1["id"]].kind == "mention" and posts[tape.M4["id"]].kind == "mention"
    assert sofia.url == f"https://x.com/sofialindqvist/status/{tape.M3['id']}"

    # the cursor: after page 1 only pending, since_id jumps after the last page
    first, last = [i for i in items if isinstance(i, Checkpoint)]
    s1 = first.state["streams"]["mentions"]
    assert "since_id" not in s1 and s1["pending_newest"] == tape.M5["id"] and s1["next_token"] == "tok-page-2"
    assert s1["until_id"] == tape.M3["id"]
    s2 = last.state["streams"]["mentions"]
    assert s2["since_id"] == tape.M5["id"] and "pending_newest" not in s2 and "next_token" not in s2
    assert last.state["user_ids"] == {"fernhillhq": "1000"}


def test_since_id_resume_across_runs_without_duplicates(db: Database):
    with player.use_cassette("mentions_two_runs.yaml") as cass:
        first = run(db, collector())
        assert first.ok and first.new_posts == 5
        assert stream_state(db)["since_id"] == tape.M5["id"]

        second = run(db, collector())  # X repeats the boundary tweet M5 with the new M6
        assert second.ok and second.new_posts == 1 and second.seen_posts == 1
        assert stream_state(db)["since_id"] == tape.M6["id"]

        third = run(db, collector())  # nothing new
        assert third.ok and third.new_posts == 0
        assert cass.all_played
    assert db.scalar("SELECT count(*) FROM posts") == 6
    assert db.scalar("SELECT count(DISTINCT post_uid) FROM posts") == 6
    # authors became identities; the suspended one too
    handles = {r[0] for r in db.con.execute("SELECT handle FROM identities WHERE platform = 'x'").fetchall()}
    assert {"sofialindqvist", "marcusbell", "gracewhitfield", "id:2003"} <= handles
    parent = db.scalar(f"SELECT parent_uid FROM posts WHERE native_id = '{tape.M3['id']}'")
    assert parent == f"x:{tape.OUR_ROOT}"
    raw = json.loads(db.scalar(f"SELECT raw FROM posts WHERE native_id = '{tape.M3['id']}'"))
    assert raw["author"]["username"] == "sofialindqvist"


# --- rate limits -------------------------------------------------------------------------------


def test_429_within_the_bound_waits_for_the_reset_then_continues(db: Database):
    clock = FakeClock()
    with player.use_cassette("rate_limit_wait.yaml") as cass:
        result = run(db, collector(clock, max_wait_seconds=60))
        assert cass.all_played
    assert result.ok and result.new_posts == 2
    assert clock.sleeps == [31.0]  # reset is 30 s away, plus a second of margin


def test_429_beyond_the_bound_stops_the_stream_records_retry_at_and_keeps_stored_pages(db: Database):
    clock = FakeClock()
    with player.use_cassette("rate_limit_give_up.yaml") as cass:
        result = run(db, collector(clock, max_wait_seconds=60, queries=["fernhill -is:retweet"]))
        assert cass.all_played  # the search still ran after mentions were rate limited
    assert clock.sleeps == []
    assert result.error.startswith("rate limited: X rate limit for mentions of @fernhillhq (HTTP 429)")
    retry_at = db.scalar("SELECT next_allowed_at FROM source_state WHERE source = 'x-main'")
    assert retry_at == datetime.fromtimestamp(tape.NOW_TS + 900, timezone.utc)
    # page 1 of mentions and the search hit are stored; the mentions walk resumes from page 2
    assert db.scalar("SELECT count(*) FROM posts") == 4
    s = stream_state(db)
    assert s["next_token"] == "tok-page-2" and s["pending_newest"] == tape.M5["id"] and "since_id" not in s
    assert s["retry_at"] == retry_at.isoformat()
    assert stream_state(db, "search:fernhill -is:retweet")["since_id"] == tape.SEARCH_HIT["id"]

    # run again before the reset (e.g. forced): the limited stream is not even asked
    with player.use_cassette("no_requests.yaml") as cass:
        with pytest.raises(RateLimited) as err:
            list(collector(clock).fetch(load_source_state(db, "x-main")))
        assert cass.play_count == 0
    assert err.value.retry_at == retry_at


# --- credentials, server errors, malformed bodies ----------------------------------------------


def test_401_names_the_environment_variable_and_stores_nothing(db: Database):
    with player.use_cassette("unauthorized.yaml"):
        result = run(db, collector(bearer_token_env="FERNHILL_X_BEARER"))
    assert "HTTP 401" in result.error and "FERNHILL_X_BEARER" in result.error
    assert TOKEN not in result.error
    assert db.scalar("SELECT count(*) FROM posts") == 0
    assert load_source_state(db, "x-main") == {}


def test_403_says_which_access_level_is_needed(db: Database):
    with player.use_cassette("forbidden.yaml"):
        with pytest.raises(CredentialsError) as err:
            list(collector().fetch({}))
    message = str(err.value)
    assert "HTTP 403" in message and "Basic tier" in message and "X_BEARER_TOKEN" in message
    assert "client-not-enrolled" in message


def test_503_is_retried_with_backoff_then_succeeds(db: Database):
    clock = FakeClock()
    with player.use_cassette("server_error_then_ok.yaml") as cass:
        result = run(db, collector(clock, max_retries=3))
        assert cass.all_played
    assert result.ok and result.new_posts == 2
    # exponential backoff (1 s, 2 s) with up to a second of jitter, so that many sources do not retry in step
    assert len(clock.sleeps) == 2 and 1.0 <= clock.sleeps[0] <= 2.0 and 2.0 <= clock.sleeps[1] <= 3.0


def test_timeouts_are_retried_then_reported(db: Database):
    clock = FakeClock()
    coll = collector(clock, max_retries=2)

    def never_answers(*args, **kwargs):
        raise requests.ReadTimeout("read timed out")

    coll.client.session.request = never_answers
    result = run(db, coll)
    assert "after 3 attempts" in result.error and "ReadTimeout" in result.error
    assert len(clock.sleeps) == 2 and 1.0 <= clock.sleeps[0] <= 2.0 and 2.0 <= clock.sleeps[1] <= 3.0


def test_client_session_has_a_timeout():
    client = make_client(7.5, bearer_token=TOKEN)
    assert client.session.timeout == 7.5


def test_malformed_body_is_recorded_and_nothing_stored(db: Database):
    with player.use_cassette("malformed.yaml"):
        result = run(db, collector())
    assert result.error.startswith("malformed JSON from X for mentions of @fernhillhq")
    assert db.scalar("SELECT count(*) FROM posts") == 0
    assert db.scalar("SELECT last_error FROM source_state WHERE source = 'x-main'") == result.error
    assert "since_id" not in load_source_state(db, "x-main").get("streams", {}).get("mentions", {})


# --- backlogs ----------------------------------------------------------------------------------


def test_crash_mid_backlog_resumes_without_gaps(db: Database):
    clock = FakeClock()
    with player.use_cassette("backlog_crash.yaml") as cass:
        assert run(db, collector(clock)).ok  # six mentions; since_id = M6
        since = stream_state(db)["since_id"]
        assert since == tape.M6["id"]

        # page A stored, then page B fails four times: the run ends in an error
        failed = run(db, collector(clock, max_retries=3))
        assert "503" in failed.error and failed.new_posts == 2
        s = stream_state(db)
        assert s["since_id"] == since  # NOT moved to the newest tweet seen: pages B and C are missing
        assert s["pending_newest"] == tape.B[5]["id"] and s["next_token"] == "tok-b"

        # the next run continues the walk with the token and only then moves since_id
        resumed = run(db, collector(clock))
        assert resumed.ok and resumed.new_posts == 4
        assert stream_state(db) == {"since_id": tape.B[5]["id"], "seen": stream_state(db)["seen"]}

        assert run(db, collector(clock)).new_posts == 0
        assert cass.all_played
    assert db.scalar("SELECT count(*) FROM posts") == 12
    assert set(post_ids(db)) >= {t["id"] for t in tape.B}


def test_page_bound_then_expired_token_continues_by_until_id(db: Database):
    with player.use_cassette("backlog_bound_expired_token.yaml") as cass:
        run(db, collector(max_pages_per_run=1))
        bounded = run(db, collector(max_pages_per_run=1))  # one page of the backlog, then the bound
        assert bounded.ok and bounded.new_posts == 2
        assert any("collected next run" in n for n in bounded.notes)
        s = stream_state(db)
        assert s["since_id"] == tape.M6["id"] and s["until_id"] == tape.B[4]["id"]

        finished = run(db, collector(max_pages_per_run=1))  # token refused (400) → until_id
        assert finished.ok and finished.new_posts == 4
        assert stream_state(db)["since_id"] == tape.B[5]["id"]
        assert cass.all_played
    assert db.scalar("SELECT count(*) FROM posts") == 7


def test_first_run_page_bound_starts_incremental_from_the_newest(db: Database):
    with player.use_cassette("mentions_two_runs.yaml"):
        result = run(db, collector(max_pages_per_run=1))
    assert result.ok and result.new_posts == 3
    assert any("first run read 1 pages" in n for n in result.notes)
    assert stream_state(db) == {"since_id": tape.M5["id"], "seen": stream_state(db)["seen"]}


def test_mentions_gap_larger_than_800_is_noted(db: Database):
    with player.use_cassette("mentions_two_runs.yaml"):
        first = run(db, collector())
        assert not first.notes  # a first run has no gap to speak of
        coll = collector()
        coll.mentions_reach, coll.mentions_slack = 3, 1  # the API's ~800, scaled down: 2 new here is "too many"
        second = run(db, coll)
    assert second.ok
    assert any("X only reaches back about 3" in n for n in second.notes)
    assert "X only reaches back" in db.scalar("SELECT last_note FROM source_state WHERE source = 'x-main'")


# --- all the streams ---------------------------------------------------------------------------


def test_own_posts_client_timelines_and_search(db: Database):
    coll = collector(own_posts=True, client_handles=["sofialindqvist", "GraceWhitfield", "ghost_account"],
                     queries=["fernhill -is:retweet"])
    with player.use_cassette("all_streams.yaml") as cass:
        result = run(db, coll)
        assert cass.all_played
    assert result.ok, result.error
    assert any("@ghost_account" in n for n in result.notes)
    state = load_source_state(db, "x-main")
    assert set(state["streams"]) == {"mentions", "own", "timeline:sofialindqvist", "timeline:gracewhitfield",
                                     "search:fernhill -is:retweet"}
    assert state["user_ids"]["sofialindqvist"] == "2001"
    assert "since_id" not in state["streams"]["timeline:gracewhitfield"]  # nothing yet
    ours = db.con.execute("SELECT kind, parent_uid FROM posts WHERE author_uid = 'x:fernhillhq'").fetchall()
    assert ours == [("reply", f"x:{tape.M3['id']}")]
    assert db.scalar("SELECT is_ours FROM identities WHERE identity_uid = 'x:fernhillhq'") is True
    assert db.scalar("SELECT count(*) FROM posts") == 5


def test_search_cursor_older_than_seven_days_is_dropped_with_a_note():
    old = tape.tid(10, 9)
    assert snowflake_time(old) == datetime(2026, 11, 10, 9, tzinfo=timezone.utc)
    coll = collector(mentions=False, queries=["fernhill -is:retweet"])
    state = {"streams": {"search:fernhill -is:retweet": {"since_id": old}}}
    with player.use_cassette("search_stale_cursor.yaml") as cass:
        items = list(coll.fetch(state))
        assert cass.all_played
    notes = [i.note for i in items if isinstance(i, Checkpoint) and i.note]
    assert any("more than 7 days" in n for n in notes)
    assert items[-1].state["streams"]["search:fernhill -is:retweet"]["since_id"] == tape.SEARCH_HIT["id"]


def test_followers_walk_pages_then_waits_for_its_slower_schedule():
    from collectors.x import FollowersPage

    coll = collector(mentions=False, own_posts=False, followers=True, followers_every_hours=24)
    with player.use_cassette("followers.yaml") as cass:
        items = list(coll.fetch({}))
        assert cass.all_played
    pages = [i for i in items if isinstance(i, FollowersPage)]
    assert [[p.handle for p in page.identities] for page in pages] == [["sofialindqvist", "gracewhitfield"],
                                                                       ["marcusbell"]]
    assert [page.complete for page in pages] == [False, True]
    assert pages[0].walk_started_at == NOW and pages[0].identities[0].followers == 2260
    state = items[-1].state
    assert state["streams"]["followers"] == {"last_complete_at": NOW.isoformat()}
    # within the next 24 hours nothing is asked again
    with player.use_cassette("no_requests.yaml") as cass:
        again = list(collector(mentions=False, own_posts=False, followers=True).fetch(state))
        assert cass.play_count == 0
    assert not any(isinstance(i, FollowersPage) for i in again)


# --- from_config -------------------------------------------------------------------------------


def config(**source) -> tuple[XSource, Config]:
    src = {"name": "x-main", "type": "x", "queries": ["fernhill"], **source}
    cfg = Config.model_validate({
        "me": {"name": "Fernhill", "handles": {"x": ["fernhillhq"]}},
        "key_clients": [{"name": "Sofia", "tier": 1, "handles": {"x": ["sofialindqvist"]}},
                        {"name": "Us too", "tier": 2, "handles": {"x": ["FernhillHQ"]}}],
        "sources": [src],
        "reference_time": "2026-11-20T18:00:00Z",
    })
    return cfg.sources[0], cfg


def test_from_config_reads_the_bearer_token_from_the_named_variable(monkeypatch):
    source, cfg = config(bearer_token_env="LW_X_TOKEN", max_pages_per_run=3)
    monkeypatch.delenv("LW_X_TOKEN", raising=False)
    with pytest.raises(CredentialsError, match="LW_X_TOKEN"):
        XCollector.from_config(source, cfg)
    monkeypatch.setenv("LW_X_TOKEN", TOKEN)
    coll = XCollector.from_config(source, cfg)
    assert coll.client.bearer_token == TOKEN and coll.client.session.timeout == source.timeout_seconds
    assert coll.account == "fernhillhq" and coll.client_handles == ["sofialindqvist"]  # our own handle skipped
    assert coll.max_pages == 3 and coll.queries == ["fernhill"]
    assert [s.key for s in coll.streams()] == ["mentions", "own", "timeline:sofialindqvist", "search:fernhill"]
    assert coll.now() == NOW


def test_without_our_handle_mentions_need_an_account():
    with pytest.raises(SourceError, match="me.handles.x"):
        XCollector("x", make_client(5, bearer_token=TOKEN), account=None)


# --- sending -----------------------------------------------------------------------------------

CREDS = {"X_CONSUMER_KEY": "ck-1234", "X_CONSUMER_SECRET": "cs-1234", "X_ACCESS_TOKEN": "at-1234",
         "X_ACCESS_TOKEN_SECRET": "ats-1234"}


def test_send_reply_posts_once_and_returns_the_new_id(monkeypatch):
    for k, v in CREDS.items():
        monkeypatch.setenv(k, v)
    source, cfg = config()
    sender = XReplySender.from_config(source, cfg)
    outgoing = []
    post_player = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                          match_on=["method", "scheme", "host", "port", "path", "body"],
                          before_record_request=lambda r: outgoing.append(r) or r)
    with post_player.use_cassette("send_reply.yaml") as cass:
        new_id = sender.send_reply(tape.M3["id"], "Sorry Sofia, fixed now.")
        assert cass.play_count == 1 and cass.all_played
    sent = outgoing[-1]
    assert new_id == tape.tid(20, 17)
    assert sent.headers["Authorization"].startswith("OAuth ")  # user context, not the bearer token
    assert json.loads(sent.body) == {"reply": {"in_reply_to_tweet_id": tape.M3["id"]}, "text": "Sorry Sofia, fixed now."}


def test_send_reply_refuses_more_than_280_characters_without_calling_x(monkeypatch):
    for k, v in CREDS.items():
        monkeypatch.setenv(k, v)
    source, cfg = config()
    sender = XReplySender.from_config(source, cfg)
    with player.use_cassette("send_reply.yaml") as cass:
        with pytest.raises(SourceError, match="too long for X: 281"):
            sender.send_reply(tape.M3["id"], "a" * 281)
        with pytest.raises(SourceError, match="too long"):
            sender.send_reply(tape.M3["id"], "数" * 141)  # CJK counts double
        with pytest.raises(SourceError, match="empty"):
            sender.send_reply(tape.M3["id"], "  ")
        assert cass.play_count == 0
    assert tweet_length("a" * 280) == 280
    assert tweet_length("see https://example.com/a/very/long/path/that/goes/on/and/on " + "x" * 200) == 4 + 23 + 1 + 200


def test_send_reply_without_credentials_names_the_variables(monkeypatch):
    for k in CREDS:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("X_CONSUMER_KEY", "ck-1234")
    source, cfg = config()
    with pytest.raises(CredentialsError) as err:
        XReplySender.from_config(source, cfg)
    assert "X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET" in str(err.value)
    assert "X_CONSUMER_KEY," not in str(err.value)
