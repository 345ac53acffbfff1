"""Relationships under a fixed clock: histories with known answers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from collectors.base import Identity, Post
from engagement.health import Event, finish, health, quiet_threshold_days, trend
from engagement.people import health_for_all, log_touch, merge_people, split_identity
from engagement.queue import QueueError, approve, dismiss, edit, list_queue, send
from engagement.reach_out import reach_out_list, snooze
from jobs.engage import engage_new_posts
from jobs.tag import tag_new_posts
from listenwell.config import Config
from storage.db import Database
from storage.writes import store_batch, sync_key_clients

DAY0 = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)


def config_at(when: datetime, **extra) -> Config:
    return Config.model_validate(config_data(when, **extra))


def config_data(when: datetime, **extra) -> dict:
    """The config ``config_at`` validates, as plain data (to write as a file for the CLI)."""
    data = {
        "me": {"name": "Fernhill", "handles": {"x": ["fernhillhq"], "reddit": ["fernhill_team"]}},
        "key_clients": [
            {"name": "Ana Souza", "tier": 1, "handles": {"x": ["anasouza"], "reddit": ["ana_s"]}},
            {"name": "Bo Chen", "tier": 2, "handles": {"x": ["bochen"]}},
        ],
        "reference_time": when.isoformat(),
    }
    data.update(extra)
    return data


class History:
    """Writes posts as a collector would, then tags and engages them at a given moment."""

    def __init__(self, path: Path):
        self.db = Database.open(path)
        self.n = 0

    def post(self, author: str, text: str, at: datetime, platform: str = "x", parent: str | None = None,
             mentions: tuple[str, ...] = ()) -> str:
        self.n += 1
        native = f"{1000 + self.n}" if platform == "x" else f"t1_{self.n}"
        post = Post(platform=platform, native_id=native, text=text, created_at=at,
                    author=Identity(platform, author, display_name=author.title()), source="test",
                    retrieved_at=at, kind="reply" if parent else "post", parent_id=parent,
                    url=f"https://x.com/{author}/status/{native}" if platform == "x" else None,
                    mentions=list(mentions) or [w[1:] for w in text.split() if w.startswith("@")])
        store_batch(self.db, source="test", source_type="files", posts=[post], state={"n": self.n}, note=None,
                    our_handles={"x": {"fernhillhq"}, "reddit": {"fernhill_team"}, "blog": set()}, now=at)
        return native

    def process(self, config: Config) -> None:
        sync_key_clients(self.db, config.key_clients, config.me, config.now())
        tag_new_posts(config, self.db)
        engage_new_posts(config, self.db)


@pytest.fixture
def history(tmp_path: Path):
    h = History(tmp_path / "lw.duckdb")
    yield h
    h.db.close()


def reasons(config: Config, db: Database) -> dict[str, dict]:
    return {r.person: r.to_dict() for r in reach_out_list(config, db, limit=50)}


def test_quiet_client_is_flagged_on_the_right_day_and_not_before(history: History):
    # weekly exchanges for four weeks, then silence
    for week in range(5):
        at = DAY0 + timedelta(days=7 * week)
        tweet = history.post("anasouza", f"@fernhillhq week {week} numbers look good", at)
        history.post("fernhillhq", f"@anasouza thanks, week {week} noted", at + timedelta(hours=2), parent=tweet)
    last = DAY0 + timedelta(days=28, hours=2)
    history.process(config_at(last))

    day_29 = config_at(last + timedelta(days=29, hours=23))
    assert "quiet" not in {r["reason"] for r in reasons(day_29, history.db).values()}
    day_30 = config_at(last + timedelta(days=30))
    flagged = reasons(day_30, history.db)["Ana Souza"]
    assert flagged["reason"] == "quiet"
    assert "no conversation for 30 days" in flagged["sentence"]
    assert flagged["action"] == "call"


def test_quiet_threshold_follows_a_persons_own_rhythm():
    start = DAY0
    monthly = [Event(start + timedelta(days=20 * i), "inbound", "mention") for i in range(5)]
    now = start + timedelta(days=100)
    assert quiet_threshold_days(monthly, now, 30) == 60  # three of their usual 20-day gaps
    weekly = [Event(start + timedelta(days=7 * i), "inbound", "mention") for i in range(5)]
    assert quiet_threshold_days(weekly, now, 30) == 30


def test_answered_question_is_not_flagged_and_unanswered_one_is(history: History):
    now = DAY0 + timedelta(days=3)
    asked = history.post("bochen", "@fernhillhq how do I export a dashboard to PDF?", DAY0)
    history.post("fernhillhq", "@bochen Settings → Export → PDF. Shout if it misbehaves!", DAY0 + timedelta(hours=1),
                 parent=asked)
    history.post("carol", "@fernhillhq does the API support webhooks?", DAY0 + timedelta(hours=2))
    history.process(config_at(now))
    flags = reasons(config_at(now), history.db)
    assert "Bo Chen" not in flags
    assert flags["Carol"]["reason"] == "unanswered"
    queued = {q["person"] for q in list_queue(history.db, "pending")}
    assert "Carol" in queued and "Bo Chen" not in queued


def test_merged_person_sinews_combine_both_identities(history: History, tmp_path: Path):
    now = DAY0 + timedelta(days=10)
    for i in range(3):
        history.post("dana_x", f"@fernhillhq love the new charts, part {i}", DAY0 + timedelta(days=i))
        history.post("dana_r", f"u/fernhill_team thanks for the help {i}", DAY0 + timedelta(days=i, hours=3),
                     platform="reddit", mentions=("fernhill_team",))
    history.process(config_at(now))
    before = health_for_all(history.db, now)
    x_only = before["p:x:dana_x"]["intensity"]
    merge_people(history.db, "x:dana_x", "reddit:dana_r", now)
    after = health_for_all(history.db, now)
    assert "p:reddit:dana_r" not in after
    assert after["p:x:dana_x"]["interactions"] == 6
    assert after["p:x:dana_x"]["intensity"] > x_only

    # re-collection and config sync never undo a merge
    history.post("dana_r", "u/fernhill_team one more thing", now, platform="reddit", mentions=("fernhill_team",))
    history.process(config_at(now + timedelta(hours=1)))
    person = history.db.scalar("SELECT person_id FROM identities WHERE identity_uid = 'reddit:dana_r'")
    assert person == "p:x:dana_x"

    split_identity(history.db, "reddit:dana_r", now)
    assert history.db.scalar("SELECT person_id FROM identities WHERE identity_uid = 'reddit:dana_r'") == "p:reddit:dana_r"


def test_life_event_produces_a_reach_out_that_quotes_it(history: History):
    at = DAY0 + timedelta(days=40)
    history.post("anasouza", "@fernhillhq thanks for the onboarding call", DAY0)
    history.post("anasouza", "Thrilled to share that I've joined Acme as VP Operations!", at)
    now = at + timedelta(days=2)
    history.process(config_at(now))
    item = reasons(config_at(now), history.db)["Ana Souza"]
    assert item["reason"] == "moment"
    assert "congratulate" in item["sentence"] and "joined Acme as VP Operations" in item["sentence"]
    assert f"{at.day} {at:%b}" in item["sentence"]
    assert item["evidence_url"] and item["action"] == "call"
    # a key client's loss gets a note, never a public reply suggestion
    history.post("bochen", "My father passed away last week. Taking some time off.", now)
    history.process(config_at(now + timedelta(hours=1)))
    loss = reasons(config_at(now + timedelta(hours=1)), history.db)["Bo Chen"]
    assert loss["action"] == "note" and "condolence" in loss["sentence"]
    assert not [q for q in list_queue(history.db, "all") if q["person"] == "Bo Chen"]


def test_many_waiting_questions_are_counted_not_quoted(history: History):
    at = DAY0 + timedelta(days=40)
    history.post("anasouza", "Thrilled to share that I've joined Acme as VP Operations!", at)
    questions = ["export a dashboard to PDF", "rotate the API key", "add a second admin", "invite my team",
                 "change the billing email"]
    for i, q in enumerate(questions):
        history.post("anasouza", f"@fernhillhq how do I {q}?", at - timedelta(days=1, hours=i))
    now = at + timedelta(days=2)
    history.process(config_at(now))
    item = reasons(config_at(now), history.db)["Ana Souza"]
    assert item["reason"] == "moment" and "unanswered" in item["also"]
    assert item["also"].count("unanswered") == 1
    also = item["sentence"].split("Also: ", 1)[1]
    assert sum(q in also for q in questions) == 2  # two quoted ...
    assert "3 more questions waiting" in also      # ... and the rest counted


def test_a_short_list_is_the_head_of_the_long_one(history: History):
    """Only the people who make the list get sentences written: cutting it must not change who they are."""
    at = DAY0 + timedelta(days=40)
    history.post("anasouza", "Thrilled to share that I've joined Acme as VP Operations!", at)
    history.post("bochen", "@fernhillhq the sync is broken again. Terrible.", at - timedelta(days=1))
    for i, name in enumerate(["carol", "dave", "erin", "frank", "gita"]):
        for j in range(1 + i % 3):
            history.post(name, f"@fernhillhq is there a way to schedule report {j}?", at - timedelta(days=i, hours=j))
    now = at + timedelta(days=2)
    config = config_at(now)
    history.process(config)
    everyone = [r.to_dict() for r in reach_out_list(config, history.db, limit=50)]
    assert len(everyone) >= 6
    for limit in range(1, len(everyone) + 1):
        assert [r.to_dict() for r in reach_out_list(config, history.db, limit=limit)] == everyone[:limit]


def test_snoozed_flag_is_hidden_until_it_expires(history: History):
    history.post("carol", "@fernhillhq is there an API for exports?", DAY0)
    now = DAY0 + timedelta(days=2)
    history.process(config_at(now))
    assert "Carol" in reasons(config_at(now), history.db)
    snooze(history.db, "p:x:carol", "unanswered", now + timedelta(days=3), now)
    assert "Carol" not in reasons(config_at(now + timedelta(days=1)), history.db)
    assert "Carol" in reasons(config_at(now + timedelta(days=3, hours=1)), history.db)


def test_suggestions_differ_for_complaint_and_praise_and_are_personal(history: History):
    now = DAY0 + timedelta(hours=5)
    history.post("erin", "@fernhillhq the sync is broken again and support never answers. Terrible.", DAY0)
    history.post("frank", "@fernhillhq thank you, the new dashboards are brilliant!", DAY0)
    history.process(config_at(now))
    items = {q["person"]: q for q in list_queue(history.db, "pending")}
    complaint, praise = items["Erin"], items["Frank"]
    assert complaint["intent"] == "complaint" and praise["intent"] == "praise"
    assert complaint["reply"] != praise["reply"]
    assert "Erin" in complaint["reply"] and "Frank" in praise["reply"]
    assert complaint["priority"] > praise["priority"]
    assert "complained" in complaint["reason"] and "praised" in praise["reason"]


class RecordingSender:
    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send_reply(self, in_reply_to_native_id: str, text: str) -> str:
        self.sent.append((in_reply_to_native_id, text))
        return str(900_000 + len(self.sent))


def test_queue_workflow_sends_once_only_when_approved_and_learns_edits(history: History):
    now = DAY0 + timedelta(hours=5)
    history.post("erin", "@fernhillhq the export is broken again, really frustrating", DAY0)
    history.post("gus", "@fernhillhq how do I add a second workspace?", DAY0)
    history.process(config_at(now))
    items = {q["person"]: q["id"] for q in list_queue(history.db, "pending")}
    sender = RecordingSender()

    with pytest.raises(QueueError, match="approve it first"):
        send(history.db, items["Erin"], sender=sender, enabled=True, by="me", now=now)
    edited = edit(history.db, items["Erin"], "Erin, sorry! We fixed the export; can you try again?", "ana", now,
                  approve_too=True)
    assert edited["status"] == "approved" and edited["decided_by"] == "ana"
    dry = send(history.db, items["Erin"], sender=sender, enabled=False, by="me", now=now)
    assert dry["dry_run"] and sender.sent == []

    sent = send(history.db, items["Erin"], sender=sender, enabled=True, by="me", now=now)
    assert sent["status"] == "sent" and sent["sent_post_uid"] == "x:900001"
    assert sender.sent == [("1001", "Erin, sorry! We fixed the export; can you try again?")]
    with pytest.raises(QueueError, match="already sent"):
        send(history.db, items["Erin"], sender=sender, enabled=True, by="me", now=now)
    assert len(sender.sent) == 1
    outbound = history.db.scalar("SELECT count(*) FROM interactions WHERE post_uid = 'x:900001'")
    assert outbound == 1
    variant = history.db.scalar("SELECT template FROM reply_variants WHERE intent = 'complaint'")
    assert variant == "{name}, sorry! We fixed the export; can you try again?"

    dismiss(history.db, items["Gus"], "ana", now)
    with pytest.raises(QueueError):
        approve(history.db, items["Gus"], "ana", now)


def test_failed_send_stays_approved_with_the_error(history: History):
    class Failing:
        def send_reply(self, *_):
            raise RuntimeError("503 Service Unavailable")

    history.post("gus", "@fernhillhq how do I add a second workspace?", DAY0)
    history.process(config_at(DAY0 + timedelta(hours=1)))
    sid = list_queue(history.db, "pending")[0]["id"]
    approve(history.db, sid, "ana", DAY0)
    with pytest.raises(QueueError, match="503"):
        send(history.db, sid, sender=Failing(), enabled=True, by="ana", now=DAY0)
    row = history.db.rows("SELECT status, last_error FROM reply_suggestions WHERE suggestion_id = ?", [sid])[0]
    assert row == {"status": "approved", "last_error": "503 Service Unavailable"}


def test_a_logged_touch_counts_toward_health(history: History):
    history.post("anasouza", "@fernhillhq quick question about SSO?", DAY0)
    now = DAY0 + timedelta(days=1)
    history.process(config_at(now))
    before = health_for_all(history.db, now)["kc:ana-souza"]
    log_touch(history.db, "Ana Souza", "call", "walked through SSO setup", now)
    after = health_for_all(history.db, now)["kc:ana-souza"]
    assert after["intensity"] > before["intensity"]
    assert after["reciprocity"] > before["reciprocity"]


def test_health_formula_decays_and_trends():
    now = DAY0 + timedelta(days=200)
    fresh = [Event(now - timedelta(days=d), "inbound", "reply", 0.6, answered=True) for d in (1, 3, 5)]
    stale = [Event(now - timedelta(days=d), "inbound", "reply", 0.6, answered=True) for d in (150, 152, 154)]
    assert health(fresh, now).time > health(stale, now).time
    assert health(fresh, now).intensity > health(stale, now).intensity
    unanswered_complaints = [Event(now - timedelta(days=d), "inbound", "mention", -0.8, complaint=True)
                             for d in (1, 2)]
    assert health(unanswered_complaints, now).trust < 20
    assert health(unanswered_complaints, now).reciprocity == 0
    assert health([], now).overall == 15.0
    assert trend(60, 50) == "warming" and trend(40, 50) == "cooling" and trend(52, 50) == "steady"


def test_sql_totals_match_the_python_formula_for_everyone(bundled_run: Path):
    from engagement.people import load_events, totals_for_all
    from listenwell.config import load_config

    config = load_config(bundled_run)
    now = config.now()
    with Database.open(config.db_path, read_only=True) as db:
        events = load_events(db)
        current, week_ago = totals_for_all(db, now, then=now - timedelta(days=7))
        by_sql = {pid: finish(t, now) for pid, t in current.items()}
        then = now - timedelta(days=7)
        for pid, t in week_ago.items():  # the trend's replay agrees with the pure formula too
            assert finish(t, then).overall == pytest.approx(health(events[pid], then).overall, abs=0.11)
    assert set(by_sql) == set(events) and len(by_sql) > 20
    for person_id, person_events in events.items():
        expected = health(person_events, now)
        got = by_sql[person_id]
        for sinew in ("time", "trust", "intensity", "reciprocity", "overall"):
            assert getattr(got, sinew) == pytest.approx(getattr(expected, sinew), abs=0.11), (person_id, sinew)
        assert got.interactions == expected.interactions
