"""Emerging terms: keyphrases counted per day in the tag stage, scored against the previous 14 days."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from collectors.base import Identity, Post
from engagement.emerging import emerging_terms
from listenwell.config import Config
from storage.db import Database
from storage.terms import count_terms
from storage.writes import store_batch
from tests.conftest import minimal_config

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
DAY = NOW.date()
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TOPICS = {"reliability": {"keywords": ["outage", "export"]}, "pricing": {"keywords": ["invoice"]}}


def make_config(**extra) -> Config:
    return Config.model_validate(minimal_config(topics=TOPICS, **extra))


def terms(db: Database, day: date = DAY) -> dict[str, int]:
    return dict(db.con.execute("SELECT term, n FROM term_daily WHERE day = ?", [day]).fetchall())


# --- counting, through the real tag job ------------------------------------------------------------------

@pytest.fixture(scope="module")
def nlp():
    from nlp.pipeline import build_pipeline

    return build_pipeline(TOPICS)


def x_post(n: int, author: str, text: str, *, at: datetime = NOW - timedelta(hours=1), lang: str | None = None) -> Post:
    return Post(platform="x", native_id=str(n), text=text, created_at=at - timedelta(minutes=n),
                author=Identity("x", author, display_name=author.title()), source="t", retrieved_at=NOW,
                url=f"https://x.com/{author}/status/{n}", lang=lang)


def store(db: Database, config: Config, posts: list[Post]) -> None:
    store_batch(db, source="t", source_type="files", posts=posts, state={}, note=None,
                our_handles=config.our_handles(), now=NOW)


def test_tag_job_counts_each_post_terms_once_english_by_others_only(tmp_path: Path, nlp):
    from jobs.tag import tag_new_posts

    config = make_config()
    posts = [
        x_post(1, "ana", "Outage, OUTAGE, outage spreading?! Dashboards https://status.example.com/outage-now "
                         "@ops_team #LaunchWeek"),
        x_post(2, "bo", "The pricing change is here: the new API pricing change. It's 2026, 10k users"),
        x_post(3, "cy", "major outage for us"),
        x_post(4, "dee", "El cambio de precios es terrible, otra caída del servicio", lang="es"),
        x_post(5, "fernhillhq", "outage resolved, apologies to everyone affected"),
    ]
    with Database.open(tmp_path / "lw.duckdb") as db:
        store(db, config, posts)
        tag_new_posts(config, db, nlp=nlp)
        counted = terms(db)
        assert counted["outage"] == 2  # once per post (ana repeats it), our own post not counted
        assert counted["#launchweek"] == 1
        assert counted["pricing change"] == 1 and counted["new api"] == 1 and counted["api pricing"] == 1
        assert counted["pricing"] == 1 and counted["change"] == 1
        for absent in ("the", "is", "here", "it's", "https", "status", "example", "outage-now", "ops_team",
                       "2026", "10k", "10k users", "spreading dashboards",  # punctuation and links break phrases
                       "cambio", "precios", "caída",  # not English
                       "resolved", "apologies"):  # ours
            assert absent not in counted, absent
        assert counted["major outage"] == 1 and counted["outage spreading"] == 1 and counted["dashboards"] == 1

        before = terms(db)
        tag_new_posts(config, db, nlp=nlp)  # nothing new: nothing added
        assert terms(db) == before
        store(db, config, posts)  # re-collected: stored once, tagged once, counted once
        tag_new_posts(config, db, nlp=nlp)
        assert terms(db) == before
        store(db, config, [x_post(6, "eve", "the outage is back")])
        tag_new_posts(config, db, nlp=nlp)
        assert terms(db)["outage"] == 3
        high = db.scalar("SELECT max(seq) FROM posts")
        assert db.scalar("SELECT last_seq FROM stage_cursors WHERE stage = 'terms'") == high


def test_a_database_tagged_before_the_table_existed_is_caught_up_once(tmp_path: Path, nlp):
    from jobs.tag import tag_new_posts

    config = make_config()
    with Database.open(tmp_path / "lw.duckdb") as db:
        store(db, config, [x_post(1, "ana", "scheduled exports failed"), x_post(2, "bo", "exports failed again")])
        tag_new_posts(config, db, nlp=nlp)
        # as if tagged by the previous version: no counts, no terms cursor
        db.con.execute("DELETE FROM term_daily")
        db.con.execute("DELETE FROM stage_cursors WHERE stage = 'terms'")
        store(db, config, [x_post(3, "cy", "exports failed for us too")])
        tag_new_posts(config, db, nlp=nlp)
        assert terms(db)["exports failed"] == 3
        tag_new_posts(config, db, nlp=nlp)
        assert terms(db)["exports failed"] == 3


# --- scoring, on posts and tags written straight into the database ----------------------------------------

class World:
    """Posts with their tags (English, by others unless said), counted with count_terms like the tag job."""

    def __init__(self, db: Database):
        self.db = db
        self.n = 0
        self.counted = 0
        db.con.execute("INSERT INTO people VALUES ('me', 'Fernhill', NULL, false, NULL, ?)", [NOW])
        db.con.execute("""INSERT INTO identities (identity_uid, platform, handle, display_name, is_ours, person_id)
                          VALUES ('x:fernhillhq', 'x', 'fernhillhq', 'Fernhill', true, 'me')""")

    def post(self, author: str, at: datetime, text: str, *, url: str | None = None, person: str | None = None) -> str:
        self.n += 1
        uid = f"x:{self.n}"
        person = person or f"p:x:{author}"
        self.db.con.execute("INSERT OR IGNORE INTO people VALUES (?, ?, NULL, false, NULL, ?)",
                            [person, author.title(), NOW])
        self.db.con.execute(
            """INSERT OR IGNORE INTO identities (identity_uid, platform, handle, display_name, is_ours, person_id)
               VALUES (?, 'x', ?, ?, false, ?)""", [f"x:{author}", author, author.title(), person])
        seq = self.db.scalar(
            """INSERT INTO posts (post_uid, seq, platform, native_id, kind, url, text, created_at, author_uid,
                                  source, retrieved_at)
               VALUES (?, nextval('post_seq'), 'x', ?, 'post', ?, ?, ?, ?, 'test', ?) RETURNING seq""",
            [uid, str(self.n), url or f"https://x.com/{author}/status/{self.n}", text, at, f"x:{author}", at])
        self.db.con.execute("INSERT INTO tags (post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents, moments, addressed_to_us, from_us, tagged_at, pipeline_version) VALUES (?, ?, 'en', 0.0, NULL, [], [], '[]', false, ?, ?, 'test')",
                            [uid, seq, author == "fernhillhq", at])
        return uid

    def count(self) -> None:
        high = int(self.db.scalar("SELECT max(seq) FROM posts"))
        with self.db.transaction() as con:
            count_terms(con, self.counted, high)
        self.counted = high

    def history(self, days: int = 14) -> None:
        """Two steady posts a day by different people, every day before today."""
        for d in range(1, days + 1):
            at = NOW - timedelta(days=d)
            self.post("steady1", at, "morning dashboard review, as usual")
            self.post("steady2", at - timedelta(hours=1), "weekly dashboard review notes")


@pytest.fixture
def world(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        yield World(db)


OUTAGE_POSTS = ["is there an outage?", "outage again, great", "login outage for us", "huge outage today",
                "outage!!", "another outage, seriously"]


def by_term(rows: list[dict]) -> dict[str, dict]:
    return {r["term"]: r for r in rows}


def test_a_new_term_in_many_posts_emerges_a_steady_one_does_not(world: World):
    world.history()
    world.post("steady1", NOW - timedelta(hours=3), "morning dashboard review, as usual")
    world.post("steady2", NOW - timedelta(hours=4), "weekly dashboard review notes")
    latest = [world.post(f"user{i}", NOW - timedelta(hours=2, minutes=i), text)
              for i, text in enumerate(OUTAGE_POSTS)][0]
    world.count()
    found = by_term(emerging_terms(world.db.con, DAY, topics=TOPICS))
    assert "outage" in found
    assert not {"dashboard", "review", "dashboard review"} & set(found)
    outage = found["outage"]
    assert outage["today"] == 6 and outage["daily_avg"] == 0 and outage["authors"] == 6
    assert outage["topic"] == "reliability"  # flagged, not removed
    # the example: the most recent of the day's posts, with its author and link
    assert outage["example"]["handle"] == "user0" and outage["example"]["author"] == "User0"
    assert outage["example"]["url"] == f"https://x.com/user0/status/{latest.split(':')[1]}"
    assert "outage" in outage["example"]["excerpt"]


def test_below_min_count_and_one_loud_account_do_not_emerge(world: World):
    world.history()
    for i in range(2):
        world.post(f"user{i}", NOW - timedelta(hours=2, minutes=i), "tiny blip here")
    for i in range(8):
        world.post("spammer", NOW - timedelta(hours=1, minutes=i), f"buy now #megasale {i}")
    for i in range(6):  # one person, two handles
        world.post(f"sofia_{i % 2}", NOW - timedelta(hours=3, minutes=i), f"#sofiasays {i}", person="kc:sofia")
    world.count()
    found = by_term(emerging_terms(world.db.con, DAY, min_count=3))
    assert "blip" not in found and "tiny blip" not in found
    assert "#megasale" not in found  # eight posts, one author
    assert "#sofiasays" not in found
    assert "#sofiasays" in by_term(emerging_terms(world.db.con, DAY, min_count=3, min_authors=1))


def test_a_word_hides_behind_its_phrase_unless_it_rose_on_its_own(world: World):
    world.history()
    for i, text in enumerate(["the pricing change is bad", "pricing change again?", "hate this pricing change",
                              "pricing change: per seat now", "is the pricing change real", "pricing change, sigh"]):
        world.post(f"p{i}", NOW - timedelta(hours=2, minutes=i), text)
    for i, text in enumerate(["launch party tonight", "launch party was fun", "great launch party", "launch party pics",
                              "launch party, finally", "the launch went well", "launch day done", "smooth launch",
                              "launch metrics look good", "launch recap soon"]):
        world.post(f"l{i}", NOW - timedelta(hours=3, minutes=i), text)
    world.count()
    found = by_term(emerging_terms(world.db.con, DAY, limit=20))
    assert "pricing change" in found and "pricing" not in found and "change" not in found
    # 10 posts about the launch, only 5 about the party: the word stays, and it tells the story (the party's
    # posts are all launch posts, so the phrase is not listed again)
    assert "launch" in found and "launch party" not in found and "party" not in found


def test_terms_of_the_same_posts_are_one_story(world: World):
    world.history()
    for i in range(6):  # the same words in every post: one line, not one per word
        world.post(f"u{i}", NOW - timedelta(hours=2, minutes=i), f"metabase migration, sso broken #mbfail {i}")
    for i, text in enumerate(["looker outage again #lookerdown", "looker outage, dashboards blank #lookerdown",
                              "this looker outage #lookerdown", "looker outage hurts", "looker outage: day two",
                              "looker outage status?"]):
        world.post(f"v{i}", NOW - timedelta(hours=1, minutes=i), text)
    for i, text in enumerate(["#lookerdown still", "#lookerdown for real", "#lookerdown, status page red",
                              "#lookerdown again", "#lookerdown lol", "#lookerdown: any eta?"]):
        world.post(f"w{i}", NOW - timedelta(minutes=30 + i), text)
    world.count()
    found = [e["term"] for e in emerging_terms(world.db.con, DAY)]
    # 9 posts, then the outage (3 of its 6 posts carry the hashtag: a story of its own), then the migration:
    # one of its six terms (a phrase, on a tie), since all six come from the same posts
    assert found[:2] == ["#lookerdown", "looker outage"] and len(found) == 3
    assert found[2] in ("metabase migration", "sso broken")


def test_a_term_steady_at_a_higher_level_rises_only_with_a_real_jump(world: World):
    for d in range(1, 15):
        for i in range(4 + d % 3):  # 4 to 6 a day
            world.post(f"s{i}", NOW - timedelta(days=d, minutes=i), "invoice question")
    for i in range(7):
        world.post(f"s{i}", NOW - timedelta(hours=1, minutes=i), "invoice question")
    world.count()
    assert "invoice" not in by_term(emerging_terms(world.db.con, DAY))  # 7 against ≈5 ± 0.8 (√5 floor): z ≈ 0.9
    for i in range(20):  # two different phrases: neither carries the whole rise, so the word stays
        world.post(f"t{i}", NOW - timedelta(hours=2, minutes=i), "invoice doubled?" if i % 2 else "wrong invoice!")
    world.count()
    found = by_term(emerging_terms(world.db.con, DAY, topics=TOPICS))
    assert found["invoice"]["today"] == 27 and found["invoice"]["topic"] == "pricing"
    assert found["invoice"]["daily_avg"] == pytest.approx(5.07, abs=0.01)
    assert "invoice doubled" in found and "wrong invoice" in found


def test_no_baseline_yet_means_nothing_emerges(world: World):
    for i in range(6):
        world.post(f"user{i}", NOW - timedelta(hours=2, minutes=i), "is there an outage?")
    world.count()
    assert emerging_terms(world.db.con, DAY) == []


def test_an_unsafe_link_never_becomes_an_href(world: World):
    from delivery.digest import gather, render

    world.history()
    for i in range(5):
        world.post(f"user{i}", NOW - timedelta(hours=2, minutes=i), "outage again", url="javascript:alert(1)")
    world.count()
    context = gather(make_config(), world.db, DAY)
    assert by_term(context["emerging_terms"])["outage"]["today"] == 5
    html, _text = render(context)
    assert "javascript:" not in html  # every section: emerging, notable, actions, reach-out, queue


def test_digest_shows_emerging_terms_with_hostile_text_escaped(world: World):
    from delivery.digest import gather, render

    world.history()
    for i, text in enumerate(OUTAGE_POSTS[:5]):
        world.post(f"user{i}", NOW - timedelta(hours=2, minutes=i), text)
    world.post("evil", NOW - timedelta(minutes=5), HOSTILE + " outage", url="javascript:alert(1)")
    world.count()
    context = gather(make_config(), world.db, DAY)
    outage = by_term(context["emerging_terms"])["outage"]
    assert outage["today"] == 6 and outage["example"]["handle"] == "evil"
    html, text = render(context)
    section = html[html.index('id="emerging"'):html.index('id="notable"')]
    assert "<strong><bdi>outage</bdi></strong> · 6 posts today" in section  # user text isolated (bidi)
    assert "&lt;script&gt;alert" in section and "<script>" not in html and "<img src=x" not in html
    assert "javascript:" not in section
    assert "EMERGING TODAY" in text and "- outage: 6 posts today by 6 people, 14-day average 0.0 a day" in text
    assert HOSTILE in text  # plain text is not HTML: shown as written


def test_templates_escape_a_hostile_term_and_say_when_nothing_emerges():
    from delivery.digest import render
    from tests.test_digest import context

    item = {"term": HOSTILE, "today": 7, "daily_avg": 0.5, "authors": 4, "topic": HOSTILE,
            "example": {"author": HOSTILE, "platform": "x", "url": "https://x.com/a/status/1", "excerpt": HOSTILE}}
    html, text = render(context(emerging_terms=[item]))
    section = html[html.index('id="emerging"'):html.index('id="notable"')]
    assert "<script>" not in section and "&lt;script&gt;" in section and 'href="https://x.com/a/status/1"' in section
    html, text = render(context())  # older contexts without the key still render
    assert "Nothing unusual today." in html and "Nothing unusual today." in text
