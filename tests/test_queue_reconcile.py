"""A reply interrupted mid-send: its process gone, the row becomes `unknown`; `queue reconcile` looks it
up on X (the real tweepy client, replayed cassettes) and marks it sent, or ready again. Never sent twice."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import vcr
from click.testing import CliRunner

from collectors.base import Identity, Post
from engagement.reconcile import owner_alive, process_token
from jobs.engage import engage_new_posts
from jobs.tag import tag_new_posts
from listenwell.cli import main
from listenwell.config import load_config
from storage.db import Database
from storage.writes import store_batch, sync_key_clients
from tests.cassettes.x import make_cassettes as tape
from tests.conftest import minimal_config, write_config

CASSETTES = Path(__file__).parent / "cassettes" / "x"
CREDS = {"X_BEARER_TOKEN": "bearer-1234", "X_CONSUMER_KEY": "ck-1234", "X_CONSUMER_SECRET": "cs-1234",
         "X_ACCESS_TOKEN": "at-1234", "X_ACCESS_TOKEN_SECRET": "ats-1234"}
player = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none", match_on=["method", "path"])


def cli(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], env=CREDS)


def dead_owner() -> str:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}:1"


@pytest.fixture
def interrupted(tmp_path: Path) -> tuple[Path, str]:
    """An approved reply whose sender died after marking it 'sending' (as a kill -9 leaves it)."""
    at = datetime(2026, 11, 19, 12, tzinfo=timezone.utc)
    config_path = write_config(tmp_path, minimal_config(
        reference_time=(at + timedelta(hours=1)).isoformat(),
        sources=[{"name": "x-live", "type": "x", "enabled": True}], sending={"enabled": True}))
    config = load_config(config_path)
    post = Post(platform="x", native_id=tape.M3["id"], text="@fernhillhq the export failed again, so frustrating",
                created_at=at, author=Identity("x", "sofialindqvist", display_name="Sofia Lindqvist"),
                source="x-live", retrieved_at=at, mentions=["fernhillhq"])
    with Database.open(config.db_path) as db:
        sync_key_clients(db, config.key_clients, config.me, config.now())
        store_batch(db, source="x-live", source_type="x", posts=[post], state={}, note=None,
                    our_handles=config.our_handles(), now=at)
        tag_new_posts(config, db)
        engage_new_posts(config, db)
        sid = db.scalar("SELECT suggestion_id FROM reply_suggestions")
        with db.transaction() as con:
            con.execute("UPDATE reply_suggestions SET status = 'sending', text = 'Sorry Sofia, fixed now.', "
                        "sending_owner = ?, sending_started_at = ? WHERE suggestion_id = ?",
                        [dead_owner(), at, sid])
    return config_path, sid


def status(config_path: Path, sid: str) -> dict:
    return json.loads(cli(config_path, "queue", "show", sid, "--json").output)


def test_owners_alive_or_gone():
    assert owner_alive(process_token(), "rs-x") is False  # this process, but not sending it
    assert owner_alive(dead_owner(), "rs-x") is False
    assert owner_alive(None, "rs-x") is False
    assert owner_alive(process_token(1), "rs-x") is True  # init lives
    assert owner_alive("another-host:1:1", "rs-x") is True  # cannot be checked from here


def test_an_interrupted_send_becomes_unknown_and_is_never_sent_again_blindly(interrupted):
    config_path, sid = interrupted
    with player.use_cassette("send_reply.yaml") as cassette:
        refused = cli(config_path, "queue", "send", sid)
        assert cassette.play_count == 0
    assert refused.exit_code == 2 and f"listenwell queue reconcile {sid}" in refused.output
    assert status(config_path, sid)["status"] == "unknown"
    assert cli(config_path, "queue", "approve", sid).exit_code == 2


def test_reconcile_finds_the_reply_and_marks_it_sent(interrupted):
    config_path, sid = interrupted
    with player.use_cassette("reconcile_found.yaml") as cassette:
        result = cli(config_path, "queue", "reconcile", sid, "--json")
        assert cassette.play_count == 2, "looked up our timeline; posted nothing"
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)
    assert item["status"] == "sent" and item["sent_post_uid"] == f"x:{tape.tid(20, 17)}"
    with Database.open(load_config(config_path).db_path, read_only=True) as db:
        assert db.scalar("SELECT count(*) FROM interactions WHERE post_uid = ?", [item["sent_post_uid"]]) == 1
    again = cli(config_path, "queue", "send", sid)
    assert again.exit_code == 2 and "already sent" in again.output


def test_reconcile_that_finds_nothing_makes_it_ready_again(interrupted):
    config_path, sid = interrupted
    with player.use_cassette("reconcile_missing.yaml"):
        result = cli(config_path, "queue", "reconcile", sid, "--json")
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)
    assert item["status"] == "approved" and "ready to send again" in item["last_error"]
    with player.use_cassette("send_reply.yaml") as cassette:
        sent = cli(config_path, "queue", "send", sid, "--json")
        assert cassette.play_count == 1
    assert json.loads(sent.output)["status"] == "sent"


def test_reconcile_by_hand(interrupted):
    config_path, sid = interrupted
    assert cli(config_path, "queue", "reconcile", sid, "--mark", "sent").exit_code == 2  # needs --sent-id
    result = cli(config_path, "queue", "reconcile", sid, "--mark", "sent", "--sent-id", "x:777", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["sent_post_uid"] == "x:777"
    assert cli(config_path, "queue", "reconcile", sid).exit_code == 2  # only unknown replies


def test_reddit_finds_our_reply_among_our_newest_comments():
    """The real praw client against the local fake Reddit: our comments listing, parent_id matched."""
    from tests.httpserver import LocalHTTPServer
    from tests.test_reddit import FakeReddit, sender

    def comment(cid: str, parent: str, body: str) -> dict:
        return {"kind": "t1", "data": {"id": cid, "name": f"t1_{cid}", "parent_id": parent, "body": body,
                                       "author": "fernhill_team", "created_utc": 1795000000.0,
                                       "link_id": "t3_abc", "subreddit": "dataengineering"}}

    with LocalHTTPServer() as srv:
        fake = FakeReddit(srv)
        fake.set("/user/fernhill_team/comments", [comment("z9", "t1_other", "unrelated"),
                                                 comment("z8", "t1_lq2", "Yes, we do.")])
        assert sender(fake).find_reply("t1_lq2", "Yes,  we do.") == "t1_z8"
        assert sender(fake).find_reply("t3_nothing", "Yes, we do.") is None
        assert fake.posts_to("/api/comment") == [], "a lookup posts nothing"
