"""X spend: reads and writes counted per stream and day, priced from config, and the monthly budget stopping
the X streams before a request could pass it. The real tweepy.Client replays the X cassettes (no network)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import vcr

from collectors.platforms.x import XSettings
from collectors.x import XCollector, XReplySender, make_client
from engagement.queue import QueueError, send
from jobs.collect import run_collector
from listenwell.config import Config
from storage.db import Database
from storage.usage import budget_notices, month_totals, priced, usage_report
from storage.writes import load_source_state
from tests.cassettes.x import make_cassettes as tape

CASSETTES = Path(__file__).parent / "cassettes" / "x"
NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"x": {"fernhillhq"}}
TOKEN = "test-bearer-token-0123"
player = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                 match_on=["method", "scheme", "host", "port", "path", "query"])


def billed(page: dict) -> int:
    """What X bills for a page: its posts and the posts it includes."""
    return len(page.get("data") or []) + len((page.get("includes") or {}).get("tweets") or [])


def collector(pricing: XSettings | None = None) -> XCollector:
    return XCollector("x-main", make_client(5, bearer_token=TOKEN), account="fernhillhq", our_handles={"fernhillhq"},
                      own_posts=False, now=lambda: NOW, sleep=lambda s: None, clock=lambda: NOW.timestamp(),
                      pricing=pricing)


def run(db: Database, coll: XCollector):
    return run_collector(db, coll, source_type="x", our_handles=OURS, now=NOW, secrets=[TOKEN])


@pytest.fixture
def db(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as database:
        yield database


def test_reads_are_counted_per_stream_and_day_and_priced(db: Database):
    with player.use_cassette("mentions_two_runs.yaml"):
        assert run(db, collector(XSettings())).ok
    rows = db.rows("SELECT stream, day, reads, writes FROM api_usage ORDER BY stream")
    assert [(r["stream"], r["day"], r["reads"], r["writes"]) for r in rows] == [
        ("mentions", NOW.date(), billed(tape.PAGE1) + billed(tape.PAGE2), 0),
        ("user lookup", NOW.date(), 1, 0),
    ]
    cfg = Config.model_validate({"me": {"name": "F"}, "x": {"price_per_read": 0.005, "price_per_write": 0.01}})
    report = priced(cfg, usage_report(db, NOW))["x-main"]
    reads = billed(tape.PAGE1) + billed(tape.PAGE2) + 1
    assert report["reads_month"] == report["reads_today"] == reads
    assert report["spend_month"] == pytest.approx(reads * 0.005)
    assert month_totals(db, "x", NOW) == (reads, 0)


def test_the_budget_stops_x_before_a_page_could_pass_it_and_the_cursor_stays_on_what_is_stored(db: Database):
    # one read costs 1: the lookup (1) and page 1 fit; page 2 could bring 200 posts more, which would pass 205
    pricing = XSettings(price_per_read=1.0, price_per_write=1.0, monthly_budget=205)
    with player.use_cassette("mentions_two_runs.yaml") as cass:
        result = run(db, collector(pricing))
        assert cass.play_count == 2  # the lookup and page 1: page 2 was never requested
    assert result.ok
    assert db.scalar("SELECT count(*) FROM posts") == len(tape.PAGE1["data"])
    reads, writes = month_totals(db, "x", NOW)
    assert pricing.cost(reads, writes) <= pricing.monthly_budget
    note = db.scalar("SELECT last_note FROM source_state WHERE source = 'x-main'")
    assert "X monthly budget" in note and "stopped until 2026-12-01" in note
    mentions = load_source_state(db, "x-main")["streams"]["mentions"]
    assert "since_id" not in mentions and mentions["next_token"] == "tok-page-2"  # resumes where it stopped

    # a second run the same month asks X for nothing
    with player.use_cassette("no_requests.yaml") as cass:
        again = run(db, collector(pricing))
        assert cass.play_count == 0
    assert again.ok and month_totals(db, "x", NOW) == (reads, writes)
    cfg = Config.model_validate({"me": {"name": "F"}, "x": {"price_per_read": 1.0, "monthly_budget": 205}})
    assert any("X streams stopped" in n for n in budget_notices(cfg, db, NOW))
    assert budget_notices(Config.model_validate({"me": {"name": "F"}}), db, NOW) == []  # no budget, no notice


def test_a_budget_needs_a_price():
    with pytest.raises(ValueError, match="price_per_read"):
        XSettings(price_per_read=0, price_per_write=0, monthly_budget=10)


CREDS = {"consumer_key": "ck-1234", "consumer_secret": "cs-1234", "access_token": "at-1234",
         "access_token_secret": "ats-1234"}


def _approved_reply(db: Database) -> str:
    with player.use_cassette("mentions_two_runs.yaml"):
        assert run(db, collector()).ok
    db.con.execute("INSERT INTO people (person_id, name, is_key_client, created_at) VALUES ('p1', 'Sofia', false, ?)",
                   [NOW])
    db.con.execute(
        """INSERT INTO reply_suggestions (suggestion_id, post_uid, person_id, platform, intent, priority, reason, text,
                                          original_text, status, created_at, updated_at)
           VALUES ('rs-1', ?, 'p1', 'x', 'question', 50, 'asked', 'Sorry Sofia, fixed now.',
                   'Sorry Sofia, fixed now.', 'approved', ?, ?)""", [f"x:{tape.M3['id']}", NOW, NOW])
    return "rs-1"


def test_a_sent_reply_is_one_write_and_a_write_past_the_budget_is_refused(db: Database):
    from tests.test_x import config as x_config

    source, cfg = x_config()
    suggestion = _approved_reply(db)
    reads, _ = month_totals(db, "x", NOW)
    sender = XReplySender.from_config(source, cfg, secrets=CREDS)
    sender.pricing = XSettings(price_per_read=1.0, price_per_write=1.0, monthly_budget=reads + 0.5)
    post_player = vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode="none",
                          match_on=["method", "scheme", "host", "port", "path", "body"])
    with post_player.use_cassette("send_reply.yaml") as cass:
        with pytest.raises(QueueError, match="monthly budget"):
            send(db, suggestion, sender=sender, enabled=True, by="ana", now=NOW)
        assert cass.play_count == 0  # nothing was posted
        sender.pricing = XSettings(price_per_read=1.0, price_per_write=1.0, monthly_budget=reads + 1)
        sent = send(db, suggestion, sender=sender, enabled=True, by="ana", now=NOW)
        assert cass.play_count == 1
    assert sent["status"] == "sent"
    assert month_totals(db, "x", NOW) == (reads, 1)
    assert json.loads(json.dumps(usage_report(db, NOW)["queue"]["streams"]))["replies"]["writes_month"] == 1


def test_the_digest_says_when_the_budget_stopped_x(db: Database, tmp_path: Path):
    from delivery.digest import gather, render

    pricing = XSettings(price_per_read=1.0, price_per_write=1.0, monthly_budget=205)
    with player.use_cassette("mentions_two_runs.yaml"):
        assert run(db, collector(pricing)).ok
    cfg = Config.model_validate({"me": {"name": "F"}, "reference_time": NOW.isoformat(),
                                 "x": {"price_per_read": 1.0, "price_per_write": 1.0, "monthly_budget": 205}})
    html, text = render(gather(cfg, db, NOW.date()))
    assert "X streams stopped until 2026-12-01" in text and "X streams stopped until 2026-12-01" in html


def test_the_sources_page_says_what_each_source_costs_with_xs_spend_this_month(db: Database, tmp_path: Path):
    from listenwell.web.pages_misc import what_it_costs

    with player.use_cassette("mentions_two_runs.yaml"):
        assert run(db, collector(XSettings())).ok
    cfg = Config.model_validate({
        "me": {"name": "F", "handles": {"x": ["fernhillhq"]}}, "reference_time": NOW.isoformat(),
        "x": {"price_per_read": 0.5, "price_per_write": 1.0, "monthly_budget": 900},
        "sources": [{"name": "x-main", "type": "x", "bearer_token_env": "X_BEARER"},
                    {"name": "masto", "type": "mastodon", "instance": "https://mastodon.example"},
                    {"name": "blog", "type": "feed", "url": "https://blog.example/feed.xml"}]})
    usage = priced(cfg, usage_report(db, NOW))
    reads = billed(tape.PAGE1) + billed(tape.PAGE2) + 1
    x_main, masto, blog = cfg.sources
    words = what_it_costs(x_main, usage.get("x-main"))
    assert words.startswith("On X every post read and every reply sent is paid for")
    assert f"This month: {reads} posts read, 0 replies sent, about ${reads * 0.5:.2f} of the $900.00 budget." in words
    assert what_it_costs(masto, usage.get("masto")).startswith("On Mastodon: free")
    assert "free" in what_it_costs(blog, None) and "$" not in what_it_costs(blog, None)
