"""`listenwell queue send` end to end: the real tweepy client posts an approved, edited reply once."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import vcr
from click.testing import CliRunner

from collectors.base import Identity, Post
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


def cli(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], env=CREDS)


def test_approved_reply_is_sent_once_through_x(tmp_path: Path):
    at = datetime(2026, 11, 19, 12, tzinfo=timezone.utc)
    config_path = write_config(tmp_path, minimal_config(
        reference_time=(at + timedelta(hours=1)).isoformat(),
        sources=[{"name": "x-live", "type": "x", "enabled": True}],
        sending={"enabled": True},
    ))
    config = load_config(config_path)
    complaint = Post(platform="x", native_id=tape.M3["id"], text="@fernhillhq the export failed again, so frustrating",
                     created_at=at, author=Identity("x", "sofialindqvist", display_name="Sofia Lindqvist"),
                     source="x-live", retrieved_at=at, mentions=["fernhillhq"],
                     url=f"https://x.com/sofialindqvist/status/{tape.M3['id']}")
    with Database.open(config.db_path) as db:
        sync_key_clients(db, config.key_clients, config.me, config.now())
        store_batch(db, source="x-live", source_type="x", posts=[complaint], state={}, note=None,
                    our_handles=config.our_handles(), now=at)
        tag_new_posts(config, db)
        engage_new_posts(config, db)

    queue = json.loads(cli(config_path, "queue", "list", "--json").output)
    assert len(queue) == 1 and queue[0]["intent"] == "complaint"
    sid = queue[0]["id"]

    refused = cli(config_path, "queue", "send", sid)
    assert refused.exit_code == 2 and "approve it first" in refused.output

    edited = cli(config_path, "queue", "edit", sid, "--text", "Sorry Sofia, fixed now.", "--approve", "--json")
    assert edited.exit_code == 0, edited.output

    player = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                     match_on=["method", "scheme", "host", "port", "path", "body"])
    with player.use_cassette("send_reply.yaml") as cassette:
        sent = cli(config_path, "queue", "send", sid, "--json")
        assert sent.exit_code == 0, sent.output
        again = cli(config_path, "queue", "send", sid)
        assert cassette.play_count == 1
    assert again.exit_code == 2 and "already sent" in again.output
    result = json.loads(sent.output)
    assert result["status"] == "sent" and result["sent_post_uid"] == f"x:{tape.tid(20, 17)}"

    with Database.open(config.db_path, read_only=True) as db:
        assert db.scalar("SELECT count(*) FROM interactions WHERE direction = 'outbound' AND post_uid = ?",
                         [result["sent_post_uid"]]) == 1


def test_send_is_a_dry_run_unless_enabled(tmp_path: Path):
    config_path = write_config(tmp_path, minimal_config(sources=[{"name": "x-live", "type": "x"}]))
    config = load_config(config_path)
    at = config.now() - timedelta(hours=2)
    question = Post(platform="x", native_id="55", text="@fernhillhq how do I add a workspace?", created_at=at,
                    author=Identity("x", "gus"), source="x-live", retrieved_at=at, mentions=["fernhillhq"])
    with Database.open(config.db_path) as db:
        store_batch(db, source="x-live", source_type="x", posts=[question], state={}, note=None,
                    our_handles=config.our_handles(), now=at)
        tag_new_posts(config, db)
        engage_new_posts(config, db)
    sid = json.loads(cli(config_path, "queue", "list", "--json").output)[0]["id"]
    assert cli(config_path, "queue", "approve", sid).exit_code == 0
    dry = cli(config_path, "queue", "send", sid)  # no cassette: a real request would fail the test
    assert dry.exit_code == 0 and "dry run" in dry.output
    shown = json.loads(cli(config_path, "queue", "show", sid, "--json").output)
    assert shown["status"] == "approved"
