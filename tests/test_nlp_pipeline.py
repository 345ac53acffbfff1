from __future__ import annotations

import pytest

from nlp.pipeline import build_pipeline, make_doc

TOPICS = {
    "dataviz": {"keywords": ["dashboard"], "phrases": ["data quality"], "hashtags": ["dataviz"]},
    "pricing": {"keywords": ["pricing", "invoice"], "aliases": ["price plan"]},
}


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(TOPICS)


def test_topics_match_case_insensitively_plurals_phrases_and_hashtags(nlp):
    doc = nlp(make_doc(nlp, "New DASHBOARDS and better Data Quality checks #DataViz"))
    assert doc._.topics == ["dataviz"]
    doc = nlp(make_doc(nlp, "Our price plan changed, see the invoice"))
    assert doc._.topics == ["pricing"]
    assert nlp(make_doc(nlp, "nothing relevant here"))._.topics == []


@pytest.mark.parametrize("text, topic", [
    ("two overdue INVOICES this week", "pricing"),
    ("invoiced twice", None),  # a token match, not a prefix match
    ("new policies for dashboards", "dataviz"),
    ("the pricing pages", "pricing"),
])
def test_topic_terms_match_their_plural_forms(text, topic):
    nlp = build_pipeline({"dataviz": {"keywords": ["dashboard", "policy"]},
                          "pricing": {"keywords": ["invoice"], "phrases": ["pricing page"]}})
    assert nlp(make_doc(nlp, text))._.topics == ([topic] if topic else [])


def test_inflections():
    from nlp.pipeline import inflections

    assert inflections("policy") == {"policies"}
    assert inflections("inbox") == {"inboxes"}
    assert inflections("pricing page") == {"pricing pages"}
    assert inflections("key") == {"keys"}
    assert inflections("status") == set()  # already a plural-looking word: left alone


def test_sentiment_intents_and_moments_on_english(nlp):
    doc = nlp(make_doc(nlp, "I'm thrilled to share I've joined Acme as VP Ops! Thank you all, this is amazing",
                       addressed_to_us=True))
    assert doc._.lang == "en"
    assert doc._.sentiment_label == "positive" and doc._.sentiment > 0
    assert "praise" in doc._.intents
    assert doc._.moments[0]["type"] == "new_job"


def test_non_english_posts_are_marked_and_not_scored(nlp):
    doc = nlp(make_doc(nlp, "O painel está horrível, não funciona nada", declared_lang="pt"))
    assert doc._.lang == "pt"
    assert doc._.sentiment is None and doc._.sentiment_label is None
    assert doc._.intents == [] and doc._.moments == []


def test_pipe_in_two_processes_matches_one(nlp):
    texts = ["I love this dashboard", "this pricing is terrible and broken", "We're moving to Lisbon!"] * 20

    def run(n):
        docs = nlp.pipe((make_doc(nlp, t) for t in texts), n_process=n, batch_size=10)
        return [(d._.sentiment_label, tuple(d._.topics), tuple(m["type"] for m in d._.moments)) for d in docs]

    assert run(2) == run(1)


def test_tag_stage_in_two_worker_processes_matches_one(tmp_path):
    from datetime import datetime, timedelta, timezone

    from collectors.base import Identity, Post
    from jobs.tag import tag_new_posts
    from listenwell.config import Config
    from storage.db import Database
    from storage.writes import store_batch

    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    texts = ["I love this dashboard", "@fernhillhq the export is broken again, terrible", "We're moving to Lisbon!",
             "O painel está ótimo, obrigado", "how do I add a workspace?"] * 900
    posts = [Post(platform="x", native_id=str(i), text=t, created_at=now - timedelta(minutes=i),
                  author=Identity("x", f"u{i % 50}"), source="t", retrieved_at=now, mentions=["fernhillhq"] if "@" in t else [])
             for i, t in enumerate(texts)]
    config = Config.model_validate({"me": {"name": "F", "handles": {"x": ["fernhillhq"]}},
                                    "topics": TOPICS, "reference_time": now.isoformat()})
    results = []
    for n in (1, 2):
        with Database.open(tmp_path / f"{n}.duckdb") as db:
            store_batch(db, source="t", source_type="files", posts=posts, state={}, note=None,
                        our_handles=config.our_handles(), now=now)
            assert tag_new_posts(config, db, n_process=n, batch_size=1500).tagged == len(posts)
            results.append(db.con.execute(
                "SELECT post_uid, lang, sentiment_label, topics, intents, moments, addressed_to_us FROM tags "
                "ORDER BY post_uid").fetchall())
    assert results[0] == results[1]
