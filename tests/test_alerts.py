"""Alert rules and delivery bookkeeping under fixed clocks: dedup across runs, unanswered questions,
spikes, quiet hours, the hourly cap, per-channel retries and bounded attempts."""
from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import storage.db
from delivery.alerts import deliver_pending, delivery_report, email_parts, plain_payload, slack_payload
from engagement.alerts import SpikeStats, raise_alerts, raise_timed_alerts, spike_stats, spike_verdicts
from jobs.engage import engage_new_posts
from jobs.tag import set_stage_cursor
from listenwell.config import Config, ConfigError, load_config
from storage.db import Database
from storage.migrations import MIGRATIONS

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)   # a Friday; Europe/London is on GMT in November
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def make_config(when: datetime = NOW, **alerts: Any) -> Config:
    return Config.model_validate({
        "me": {"name": "Fernhill", "handles": {"x": ["fernhillhq"]}},
        "key_clients": [{"name": "Ana Souza", "tier": 1, "handles": {"x": ["anasouza"]}},
                        {"name": "Bo Chen", "tier": 2, "handles": {"x": ["bochen"]}}],
        "topics": {"exports": {"keywords": ["export"]}, "pricing": {"keywords": ["pricing"]}},
        "schedule": {"timezone": "Europe/London"},
        "alerts": alerts,
        "reference_time": when.isoformat(),
    })


def at(config: Config, when: datetime) -> Config:
    return config.model_copy(update={"reference_time": when})



def _label(score: float | None) -> str | None:
    """The sentiment model's label for these hand-made scores (the tests write both, as the tag stage does)."""
    if score is None:
        return None
    return "negative" if score <= -0.5 else "positive" if score >= 0.5 else "neutral"

class World:
    """Posts with their tags written straight into the database: the rules read only these tables."""

    def __init__(self, db: Database):
        self.db = db
        self.n = 0
        self.person("me", "Fernhill")
        self.identity("fernhillhq", "me", ours=True)
        self.person("kc:ana-souza", "Ana Souza", tier=1)
        self.identity("anasouza", "kc:ana-souza")
        self.person("kc:bo-chen", "Bo Chen", tier=2)
        self.identity("bochen", "kc:bo-chen")

    def person(self, pid: str, name: str, tier: int | None = None) -> None:
        self.db.con.execute("INSERT OR IGNORE INTO people VALUES (?, ?, ?, ?, NULL, ?)",
                            [pid, name, tier, tier is not None, NOW])

    def identity(self, handle: str, pid: str, ours: bool = False) -> None:
        self.db.con.execute(
            """INSERT OR IGNORE INTO identities (identity_uid, platform, handle, display_name, is_ours, person_id)
               VALUES (?, 'x', ?, ?, ?, ?)""", [f"x:{handle}", handle, handle.title(), ours, pid])

    def post(self, author: str, at_: datetime, text: str = "a post", *, sentiment: float | None = 0.2,
             topics: tuple[str, ...] = (), intents: tuple[str, ...] = (), to_us: bool = False,
             parent: str | None = None, moments: list | None = None) -> str:
        if author != "fernhillhq" and not author.startswith(("anasouza", "bochen")):
            self.person(f"p:x:{author}", author.title())
            self.identity(author, f"p:x:{author}")
        self.n += 1
        uid = f"x:{self.n}"
        seq = self.db.scalar(
            """INSERT INTO posts (post_uid, seq, platform, native_id, kind, url, text, created_at, author_uid,
                                  parent_uid, source, retrieved_at)
               VALUES (?, nextval('post_seq'), 'x', ?, 'post', ?, ?, ?, ?, ?, 'test', ?) RETURNING seq""",
            [uid, str(self.n), f"https://x.com/{author}/status/{self.n}", text, at_, f"x:{author}", parent, at_])
        self.db.con.execute(
            """INSERT INTO tags (post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents, moments,
                                 addressed_to_us, from_us, tagged_at, pipeline_version)
               VALUES (?, ?, 'en', ?, ?, ?, ?, ?, ?, ?, ?, 'test')""",
            [uid, seq, sentiment, _label(sentiment), list(topics), list(intents), json.dumps(moments or []), to_us,
             author == "fernhillhq", at_])
        return uid

    def many(self, specs: list[tuple[str, datetime, str, float | None, tuple[str, ...]]]) -> None:
        """Bulk version of post() for long histories: (author, at, text, sentiment, topics) each."""
        import pyarrow as pa

        for author in {a for a, *_ in specs}:
            self.person(f"p:x:{author}", author.title())
            self.identity(author, f"p:x:{author}")
        start = self.n + 1
        self.n += len(specs)
        table = pa.table({
            "uid": [f"x:{start + i}" for i in range(len(specs))],
            "native": [str(start + i) for i in range(len(specs))],
            "author": [a for a, *_ in specs],
            "posted": pa.array([t for _, t, *_ in specs], pa.timestamp("us", tz="UTC")),
            "text": [x for _, _, x, *_ in specs],
            "sentiment": pa.array([s for *_, s, _ in specs], pa.float64()),
            "topics": pa.array([list(t) for *_, t in specs], pa.list_(pa.string())),
        })
        self.db.con.register("incoming", table)
        self.db.con.execute(
            """INSERT INTO posts (post_uid, seq, platform, native_id, kind, url, text, created_at, author_uid,
                                  source, retrieved_at)
               SELECT uid, nextval('post_seq'), 'x', native, 'post', 'https://x.com/' || author || '/status/' || native,
                      text, posted, 'x:' || author, 'test', posted FROM incoming""")
        self.db.con.execute(
            """INSERT INTO tags (post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents, moments,
                                 addressed_to_us, from_us, tagged_at, pipeline_version)
               SELECT i.uid, p.seq, 'en', i.sentiment,
                      CASE WHEN i.sentiment <= -0.5 THEN 'negative' WHEN i.sentiment >= 0.5 THEN 'positive'
                           ELSE 'neutral' END,
                      i.topics, [], '[]', false, false, i.posted, 'test'
               FROM incoming i JOIN posts p ON p.post_uid = i.uid""")
        self.db.con.unregister("incoming")

    @property
    def high(self) -> int:
        return int(self.db.scalar("SELECT coalesce(max(seq), 0) FROM posts"))

    def rules(self, config: Config, lo: int = 0) -> int:
        with self.db.transaction() as con:
            return raise_alerts(config, con, lo, self.high) + raise_timed_alerts(config, con)

    def alert_ids(self) -> list[str]:
        return [r[0] for r in self.db.con.execute("SELECT alert_id FROM alerts ORDER BY alert_id").fetchall()]


def add_alert(db: Database, alert_id: str, *, priority: int = 9, created: datetime = NOW,
              title: str | None = None, rule: str = "key_client_negative", person_id: str | None = None,
              reason: str = "because") -> None:
    db.con.execute(
        """INSERT INTO alerts (alert_id, rule, post_uid, person_id, title, reason, url, created_at,
                               delivery_status, attempts, priority, details)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, '{}')""",
        [alert_id, rule, alert_id, person_id, title or f"title {alert_id}", reason,
         f"https://x.com/a/status/{alert_id}", created, priority])


@pytest.fixture
def db(tmp_path: Path):
    database = Database.open(tmp_path / "lw.duckdb")
    yield database
    database.close()


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


def deliveries(db: Database) -> dict[tuple[str, str], dict]:
    return {(r["alert_id"], r["channel"]): r for r in db.rows("SELECT * FROM alert_deliveries")}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- rules ---------------------------------------------------------------------------------------------------

def test_key_client_rules_fire_once_across_runs_and_deliver_once(world: World, db: Database):
    config = make_config()
    world.post("anasouza", NOW - 2 * HOUR, "@fernhillhq exports failed again, this is bad", sentiment=-0.7,
               intents=("complaint",), to_us=True)
    world.post("anasouza", NOW - HOUR, "@fernhillhq can I export to PDF?", intents=("question",), to_us=True)
    world.post("anasouza", NOW - 3 * HOUR, "Thrilled to start as COO at Brightpath!",
               moments=[{"type": "new_job", "evidence": "start as COO at Brightpath"}])
    world.post("carol", NOW - HOUR, "@fernhillhq this is awful", sentiment=-0.9, to_us=True)  # not a key client
    assert world.rules(config) == 3
    assert world.rules(config) == 0          # same posts, same run window: nothing new
    assert world.rules(config, lo=1) == 0    # overlapping windows neither
    assert world.alert_ids() == ["key_client_moment:x:3", "key_client_negative:x:1", "key_client_question:x:2"]

    printed: list[str] = []
    assert deliver_pending(config, db, echo=printed.append) == 3
    assert deliver_pending(at(config, NOW + HOUR), db, echo=printed.append) == 0
    alerts = [p for p in printed if p.startswith("ALERT")]
    assert len(alerts) == 1 and [line[:5] for line in alerts[0].splitlines()[1::2]] == ["  1. ", "  2. ", "  3. "]
    negative = next(p for p in printed if "raised a problem" in p)  # a complaint: quoted by its evidence
    assert "Ana Souza" in negative and "Tier 1" in negative and "https://x.com/anasouza/status/1" in negative
    assert {r["delivery_status"] for r in db.rows("SELECT delivery_status FROM alerts")} == {"delivered"}


def test_engage_job_raises_timed_alerts_every_run(world: World, db: Database):
    """The engage job calls both rule sets; the unanswered check runs even when nothing new was tagged."""
    config = make_config(unanswered_question_hours=24)
    world.post("carol", NOW - 2 * HOUR, "@fernhillhq does the API support webhooks?", intents=("question",),
               to_us=True)
    with db.transaction() as con:
        set_stage_cursor(con, "tag", world.high, NOW)
    assert engage_new_posts(config, db).alerts == 0
    later = at(config, NOW + 23 * HOUR)
    assert engage_new_posts(later, db).alerts == 1   # nothing new tagged, but the question is now overdue
    assert world.alert_ids() == ["unanswered_question:x:1"]


def test_unanswered_question_fires_once_key_clients_first_and_not_when_we_replied(world: World, db: Database):
    config = make_config(unanswered_question_hours=24, max_per_hour=1, key_client_question=False)
    t0 = NOW - 30 * HOUR
    world.post("carol", t0, "@fernhillhq does the API support webhooks?", intents=("question",), to_us=True)
    world.post("bochen", t0 + HOUR, "@fernhillhq how do I export a dashboard?", intents=("question",), to_us=True)
    world.post("fernhillhq", t0 + 2 * HOUR, "@bochen Settings, Export, PDF", parent="x:2")
    world.post("anasouza", t0 + 3 * HOUR, "@fernhillhq is SSO on the team plan?", intents=("question",),
               to_us=True)
    world.post("dave", t0 + 3 * HOUR, "does anyone use Fernhill?", intents=("question",))    # not to us
    world.post("erin", NOW - 200 * HOUR, "@fernhillhq old question?", intents=("question",), to_us=True)  # too old

    assert world.rules(at(config, t0 + 20 * HOUR)) == 0        # not overdue yet
    assert world.rules(config) == 2
    assert world.rules(at(config, NOW + 5 * HOUR)) == 0         # once per post
    assert world.alert_ids() == ["unanswered_question:x:1", "unanswered_question:x:4"]
    ana = db.rows("SELECT * FROM alerts WHERE alert_id = 'unanswered_question:x:4'")[0]
    assert ana["title"] == "Ana Souza's question has waited 27 hours"
    assert "Tier 1 client Ana Souza asked us on X" in ana["reason"] and ana["url"].endswith("/status/4")
    carol = db.rows("SELECT * FROM alerts WHERE alert_id = 'unanswered_question:x:1'")[0]
    assert "Carol (@carol)" in carol["reason"] and "30 hours" in carol["reason"]

    printed: list[str] = []
    deliver_pending(config, db, echo=printed.append)            # cap 1 an hour: the key client goes first
    alerts = [p for p in printed if p.startswith("ALERT")]
    assert len(alerts) == 1 and "Ana Souza" in alerts[0]
    assert "alerts: 1 over the limit of 1 an hour wait for the next hour" in printed


def test_a_question_dismissed_in_the_queue_does_not_alert(world: World, db: Database):
    config = make_config(unanswered_question_hours=24)
    world.post("carol", NOW - 30 * HOUR, "@fernhillhq pricing?", intents=("question",), to_us=True)
    db.con.execute("""INSERT INTO reply_suggestions (suggestion_id, post_uid, person_id, platform, intent, text,
                          original_text, reason, priority, status, created_at, updated_at)
                      VALUES ('rs-1', 'x:1', 'p:x:carol', 'x', 'question', 't', 't', 'r', 1, 'dismissed', ?, ?)""",
                   [NOW, NOW])
    assert world.rules(config) == 0


# --- spikes --------------------------------------------------------------------------------------------------

def spike_history(world: World, days: int = 20) -> None:
    """Every day in the morning (London = UTC in November): 4–6 export posts (one negative every other day)
    and 3–4 pricing posts; burst() then adds, today, 25 export posts, 15 of them negative."""
    today = NOW.replace(hour=0)
    specs = []
    for i in range(days, 0, -1):
        day = today - i * DAY
        for k in range(4 + i % 3):
            specs.append((f"user{k}", day + timedelta(hours=9, minutes=k), "export works",
                          -0.6 if (k == 0 and i % 2) else 0.3, ("exports",)))
        for k in range(3 + i % 2):
            specs.append((f"buyer{k}", day + timedelta(hours=10, minutes=k), "pricing q", 0.2, ("pricing",)))
    world.many(specs)


def burst(world: World) -> None:
    today = NOW.replace(hour=0)
    world.many([(f"angry{k}", today + timedelta(hours=8, minutes=k), "exports are broken again",
                 -0.8 if k < 15 else 0.1, ("exports",)) for k in range(25)]
               + [(f"buyer{k}", today + timedelta(hours=10, minutes=k), "pricing q", 0.2, ("pricing",))
                  for k in range(3)])


def test_a_normal_day_does_not_spike(world: World, db: Database):
    spike_history(world)
    normal = at(make_config(), NOW - DAY)   # a baseline day, checked against the 14 days before it
    stats = spike_stats(normal, db.con)
    assert {s.scope for s in stats} == {"overall", "exports", "pricing"}   # checked, not skipped
    assert world.rules(normal) == 0


def test_a_burst_fires_volume_and_negative_share_once_per_topic_and_day(world: World, db: Database):
    spike_history(world)
    burst(world)
    config = make_config(key_client_negative=False)
    assert world.rules(config) >= 2
    ids = set(world.alert_ids())
    assert {"spike:exports:volume:2026-11-20", "spike:exports:negative_share:2026-11-20"} <= ids
    assert not any(i.startswith("spike:pricing:") for i in ids)
    assert ids <= {f"spike:{scope}:{metric}:2026-11-20" for scope in ("exports", "overall")
                   for metric in ("volume", "negative_share")}
    # later runs the same day add nothing
    assert world.rules(at(config, NOW + 3 * HOUR)) == 0
    volume = db.rows("SELECT * FROM alerts WHERE alert_id = 'spike:exports:volume:2026-11-20'")[0]
    details = json.loads(volume["details"])
    assert details["today"] == 25 and details["baseline_days"] == 14 and details["z"] >= 3
    assert "25 posts about exports" in volume["title"] and "14-day average" in volume["reason"]
    share = db.rows("SELECT * FROM alerts WHERE alert_id = 'spike:exports:negative_share:2026-11-20'")[0]
    assert "15 of 25 posts about exports" in share["reason"] and share["url"].startswith("https://x.com/angry")


def test_spikes_wait_for_a_full_baseline(world: World, db: Database):
    spike_history(world, days=5)
    burst(world)
    assert spike_stats(make_config(), db.con) == []
    assert world.rules(make_config()) == 0


def test_spike_verdicts_need_min_count_and_z():
    quiet = SpikeStats("pricing", n_today=4, scored_today=4, neg_today=4, n_mean=0.5, n_std=0.5,
                       base_scored=7, base_neg=0)
    assert spike_verdicts([quiet], z=3.0, min_count=5) == []       # big z, too few posts
    busy = SpikeStats("overall", n_today=12, scored_today=12, neg_today=1, n_mean=8.0, n_std=3.0,
                      base_scored=100, base_neg=10)
    assert spike_verdicts([busy], z=3.0, min_count=5) == []        # more than usual, within the noise


# --- delivery: quiet hours, cap, retries ---------------------------------------------------------------------

def test_quiet_hours_hold_alerts_then_release_them(db: Database):
    config = make_config(quiet_hours={"start": "22:00", "end": "07:00"})
    add_alert(db, "a1", created=NOW.replace(hour=23))
    printed: list[str] = []
    assert deliver_pending(at(config, NOW.replace(hour=23, minute=30)), db, echo=printed.append) == 0
    assert deliver_pending(at(config, NOW + DAY - timedelta(hours=11, minutes=1)), db, echo=printed.append) == 0
    assert printed == ["alerts: 1 waiting for quiet hours to end (07:00 Europe/London)"] * 2
    row = db.rows("SELECT delivery_status, released_at FROM alerts")[0]
    assert row == {"delivery_status": "pending", "released_at": None}
    assert deliver_pending(at(config, NOW + DAY - timedelta(hours=11)), db, echo=printed.append) == 1   # 07:00
    assert printed[-1].startswith("ALERT title a1")


def test_quiet_hours_follow_the_schedule_timezone(db: Database):
    # 22:30 UTC in July is 23:30 in London (BST): quiet
    config = make_config(when=datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc),
                         quiet_hours={"start": "23:00", "end": "06:00"})
    add_alert(db, "a1")
    assert deliver_pending(config, db, echo=lambda _m: None) == 0
    assert deliver_pending(at(config, datetime(2026, 7, 1, 21, 30, tzinfo=timezone.utc)), db,
                           echo=lambda _m: None) == 1


def test_hourly_cap_defers_the_excess_to_the_next_hour_never_drops(db: Database):
    config = make_config(max_per_hour=2)
    for i in range(5):
        add_alert(db, f"a{i}", priority=9 - i)   # a4 is the most important
    printed: list[str] = []
    sent = lambda: [p.split()[2] for p in printed if p.startswith("ALERT")]  # noqa: E731
    assert deliver_pending(at(config, NOW.replace(hour=10, minute=5)), db, echo=printed.append) == 2
    assert sent() == ["a4", "a3"]
    assert "alerts: 3 over the limit of 2 an hour wait for the next hour" in printed
    assert deliver_pending(at(config, NOW.replace(hour=10, minute=55)), db, echo=printed.append) == 0
    assert deliver_pending(at(config, NOW.replace(hour=11, minute=0)), db, echo=printed.append) == 2
    assert deliver_pending(at(config, NOW.replace(hour=12, minute=30)), db, echo=printed.append) == 1
    assert sent() == ["a4", "a3", "a2", "a1", "a0"]
    assert deliver_pending(at(config, NOW.replace(hour=13)), db, echo=printed.append) == 0
    assert {r["delivery_status"] for r in db.rows("SELECT delivery_status FROM alerts")} == {"delivered"}


def email_config(**alerts: Any) -> Config:
    return make_config(channels=["console", "email"], email_recipients=["ops@fernhill.example"],
                       smtp={"host": "127.0.0.1", "port": closed_port(), "security": "none",
                             "sender": "alerts@fernhill.example"}, **alerts)


def test_only_the_failed_channel_is_retried_and_bounded_attempts_end_in_failed(db: Database):
    config = email_config(max_attempts=3)
    add_alert(db, "a1")
    printed: list[str] = []
    for run in range(3):
        assert deliver_pending(at(config, NOW + run * HOUR), db, echo=printed.append) == 0
    assert len([p for p in printed if p.startswith("ALERT")]) == 1            # console: once only
    fails = [p for p in printed if p.startswith("the alert about “title a1”: email failed")]
    assert len(fails) == 3 and "attempt 1 of 3" in fails[0] and "giving up" in fails[2]
    assert "connection refused" in fails[2]
    d = deliveries(db)
    assert d[("a1", "console")]["status"] == "delivered" and d[("a1", "console")]["attempts"] == 1
    assert d[("a1", "email")]["status"] == "failed" and d[("a1", "email")]["attempts"] == 3
    alert = db.rows("SELECT * FROM alerts")[0]
    assert alert["delivery_status"] == "failed" and alert["attempts"] == 3
    assert alert["last_error"].startswith("email: SMTP server 127.0.0.1")
    # permanently failed: no further attempts, but still visible
    assert deliver_pending(at(config, NOW + 5 * HOUR), db, echo=printed.append) == 0
    assert deliveries(db)[("a1", "email")]["attempts"] == 3
    report = delivery_report(db, "failed")
    assert [r["alert_id"] for r in report] == ["a1"]
    assert report[0]["channels"]["email"]["status"] == "failed"
    assert report[0]["channels"]["console"]["status"] == "delivered"


def test_missing_smtp_is_a_recorded_error_not_a_crash(db: Database):
    config = make_config(channels=["email"], email_recipients=["ops@fernhill.example"])
    add_alert(db, "a1")
    printed: list[str] = []
    deliver_pending(config, db, echo=printed.append)
    assert "no SMTP server configured" in deliveries(db)[("a1", "email")]["last_error"]


def test_dry_run_shows_without_sending_or_recording(db: Database):
    add_alert(db, "a1")
    printed: list[str] = []
    assert deliver_pending(make_config(), db, echo=printed.append, dry_run=True) == 1
    assert printed and db.scalar("SELECT count(*) FROM alert_deliveries") == 0
    assert db.scalar("SELECT released_at FROM alerts") is None


def test_alerts_delivered_before_the_upgrade_are_not_sent_again(tmp_path: Path, monkeypatch):
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(storage.db, "MIGRATIONS", [m for m in MIGRATIONS if m[0] < "0004"])
    with Database.open(path) as old:
        old.con.execute("""INSERT INTO alerts (alert_id, rule, title, reason, created_at, delivery_status, attempts,
                                               delivered_at)
                           VALUES ('old', 'key_client_negative', 't', 'r', ?, 'delivered', 1, ?),
                                  ('new', 'key_client_negative', 't', 'r', ?, 'pending', 0, NULL)""",
                        [NOW - DAY, NOW - DAY, NOW - HOUR])
    monkeypatch.setattr(storage.db, "MIGRATIONS", MIGRATIONS)
    printed: list[str] = []
    with Database.open(path) as upgraded:
        assert deliver_pending(make_config(), upgraded, echo=printed.append) == 1
    assert printed == ["ALERT t\n    r"]


# --- what an alert says ----------------------------------------------------------------------------------------

ALERT = {"alert_id": "key_client_negative:x:1", "rule": "key_client_negative", "post_uid": "x:1",
         "person_id": "kc:ana", "person": "Ana Souza", "tier": 1, "priority": 1,
         "title": "Ana Souza posted something negative", "reason": "Tier 1 client Ana said <b>“bad & sad”</b>",
         "url": "https://x.com/anasouza/status/1", "created_at": NOW, "details": '{"sentiment": -0.7}'}


def test_payloads_say_who_what_why_and_link_the_post():
    slack = slack_payload(ALERT)
    assert set(slack) == {"text", "blocks"}
    assert "Ana Souza posted something negative" in slack["text"] and ALERT["url"] in slack["text"]
    section = slack["blocks"][0]["text"]["text"]
    assert section.startswith("*Ana Souza posted something negative*") and "&lt;b&gt;" in section
    assert "<https://x.com/anasouza/status/1|Open the post>" in json.dumps(slack)
    plain = plain_payload(ALERT)
    assert plain["details"] == {"sentiment": -0.7} and plain["created_at"] == "2026-11-20T18:00:00+00:00"
    assert {"alert_id", "rule", "title", "reason", "url", "person", "tier", "post_uid"} <= set(plain)
    subject, text, html = email_parts(ALERT, make_config().tz)
    assert subject == "[listenwell] Ana Souza posted something negative"
    assert ALERT["url"] in text and "&lt;b&gt;" in html and 'href="https://x.com/anasouza/status/1"' in html


def test_a_javascript_url_is_never_made_a_link():
    evil = {**ALERT, "url": "javascript:alert(1)"}
    assert "javascript" not in json.dumps(slack_payload(evil)["blocks"])
    assert "href" not in email_parts(evil, make_config().tz)[2]


# --- configuration -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("alerts, expected", [
    ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "alerts.quiet_hours.start: expected a time"),
    ({"quiet_hours": {"start": 1320, "end": "07:00"}}, "alerts.quiet_hours.start: expected a time"),  # 22:00 unquoted
    ({"quiet_hours": {"start": "07:00", "end": "07:00"}}, "alerts.quiet_hours: start and end are the same"),
    ({"channels": ["webhook"]}, "channel 'webhook' needs webhook_url_env"),
    ({"channels": ["email"]}, "channel 'email' needs email_recipients"),
    ({"channels": ["sms"]}, "alerts.channels[0]"),
    ({"webhook_url_env": "https://hooks.slack.com/services/T/B/X"}, "alerts.webhook_url_env: expected the NAME"),
    ({"spike": {"baseline_days": 1}}, "alerts.spike.baseline_days"),
    ({"email_recipients": ["not an address"]}, "alerts.email_recipients"),
])
def test_bad_alert_settings_name_the_key(tmp_path: Path, alerts: dict, expected: str):
    import yaml
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"me": {"name": "Fernhill"}, "alerts": alerts}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in str(caught.value)


def test_unquoted_yaml_time_is_explained(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text("me: {name: F}\nalerts:\n  quiet_hours: {start: 22:00, end: '07:00'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r'alerts.quiet_hours.start: expected a time "HH:MM" in quotes'):
        load_config(path)


def test_bundled_config_documents_the_alert_keys(repo: Path):
    alerts = load_config(repo / "config.yaml").alerts
    assert alerts.channels == ["console"] and alerts.quiet_hours is not None and alerts.spike.baseline_days == 14


def test_one_alert_per_person_per_run_listing_what_they_said_weightiest_first(db: Database):
    """Four alerts about Sofia in one run are one ALERT (and one email), her problem first; Bo's stays his own."""
    db.con.execute("INSERT INTO people VALUES ('kc:sofia', 'Sofia Lindqvist', 1, true, NULL, ?)", [NOW])
    db.con.execute("INSERT INTO people VALUES ('kc:bo', 'Bo Chen', 2, true, NULL, ?)", [NOW])
    add_alert(db, "q1", priority=1, person_id="kc:sofia", rule="key_client_question", created=NOW - 3 * HOUR,
              title="Sofia Lindqvist asked us a question", reason="asked: does the export retry?")
    add_alert(db, "n1", priority=1, person_id="kc:sofia", rule="key_client_negative", created=NOW - 2 * HOUR,
              title="Sofia Lindqvist raised a problem", reason="said: third failed export this week")
    add_alert(db, "n2", priority=1, person_id="kc:sofia", rule="key_client_negative", created=NOW - HOUR,
              title="Sofia Lindqvist raised a problem", reason="said: ticket open since Tuesday")
    add_alert(db, "c1", priority=1, person_id="kc:sofia", rule="key_client_churn", created=NOW,
              title="Sofia Lindqvist is talking about leaving", reason="said: looking at alternatives")
    add_alert(db, "b1", priority=2, person_id="kc:bo", title="Bo Chen posted something negative", reason="meh")
    printed: list[str] = []
    assert deliver_pending(make_config(), db, echo=printed.append) == 5
    alerts = [p for p in printed if p.startswith("ALERT")]
    assert len(alerts) == 2
    sofia = alerts[0].splitlines()
    assert sofia[0] == ("ALERT Sofia Lindqvist is talking about leaving, raised a problem and asked us a question")
    said = [line.strip() for line in sofia[1:] if line.strip()[:2] in ("1.", "2.", "3.", "4.")]
    assert said == ["1. said: looking at alternatives", "2. said: third failed export this week",
                    "3. said: ticket open since Tuesday", "4. asked: does the export retry?"]
    assert "https://x.com/a/status/c1" in alerts[0] and alerts[1].startswith("ALERT Bo Chen posted something negative")
    assert {r["delivery_status"] for r in db.rows("SELECT delivery_status FROM alerts")} == {"delivered"}
    assert deliver_pending(make_config(), db, echo=printed.append) == 0  # nothing again


def test_one_email_per_person_and_a_failure_is_recorded_on_each_of_their_alerts(db: Database):
    config = email_config(max_attempts=2)
    db.con.execute("INSERT INTO people VALUES ('kc:sofia', 'Sofia Lindqvist', 1, true, NULL, ?)", [NOW])
    add_alert(db, "n1", priority=1, person_id="kc:sofia", title="Sofia Lindqvist raised a problem")
    add_alert(db, "q1", priority=1, person_id="kc:sofia", rule="key_client_question",
              title="Sofia Lindqvist asked us a question")
    printed: list[str] = []
    deliver_pending(config, db, echo=printed.append)
    fails = [p for p in printed if "email failed" in p]
    assert fails == [f for f in fails if f.startswith("the alert about Sofia Lindqvist: email failed (attempt 1 of 2")]
    assert len(fails) == 1
    d = deliveries(db)
    assert d[("n1", "email")]["attempts"] == d[("q1", "email")]["attempts"] == 1
    assert d[("n1", "email")]["status"] == d[("q1", "email")]["status"] == "pending"
