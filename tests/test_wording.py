"""One wording per moment and intent, shown the same everywhere; one tier weight; one 'negative'."""
from __future__ import annotations

import pytest

from engagement import wording
from engagement.replies import priority
from nlp.intents import INTENTS
from nlp.moments import MOMENT_TYPES
from nlp.polarity import is_negative, negative_sql


@pytest.mark.parametrize("kind", MOMENT_TYPES)
def test_every_moment_type_has_its_wording_everywhere_it_is_shown(kind):
    from engagement import reading

    words = wording.MOMENTS[kind]  # a KeyError here: a moment type without wording
    assert words.noun and words.the and words.touch and words.action in ("call", "meal", "note")
    assert "{first}" in words.touch
    # alerts: "Priya shared a new role"; reach-out: the touch; replies: celebrated, or never replied to in public
    assert wording.moment_wording(kind) is words
    assert (kind in wording.SENSITIVE_MOMENTS) != (kind in wording.CELEBRATED_MOMENTS)
    assert reading.CELEBRATED.get(kind) == (None if words.sensitive else words.the)  # the reply composer's words


@pytest.mark.parametrize("name", INTENTS)
def test_every_intent_has_its_wording_everywhere_it_is_shown(name):
    words = wording.INTENTS[name]  # a KeyError here: an intent without wording
    assert words.label and words.reason and words.alert and 0 < words.weight <= 70
    assert wording.intent_label(name) == words.label
    assert priority(name, None, 0) == words.weight


def test_no_other_module_keeps_its_own_wording_table():
    """The old per-module tables are gone: wording lives in engagement/wording.py only."""
    import engagement.alerts as alerts
    import engagement.reach_out as reach_out
    import engagement.replies as replies

    assert not hasattr(alerts, "MOMENT_WORDS")
    assert not hasattr(reach_out, "ACTIONS") and not hasattr(reach_out, "TIER_WEIGHT")
    assert not hasattr(replies, "INTENT_WEIGHT") and not hasattr(replies, "TIER_BONUS")
    assert replies.CELEBRATED_MOMENTS is wording.CELEBRATED_MOMENTS


def test_tier_weight_and_queue_bonus_order_people_the_same_way():
    tiers = [1, 2, 3, 4, 5, None]
    weights = [wording.tier_weight(t) for t in tiers]
    bonuses = [wording.tier_bonus(t) for t in tiers]
    assert weights == sorted(weights, reverse=True) and bonuses == sorted(bonuses, reverse=True)
    assert wording.tier_weight(None) == 1.0 and wording.tier_bonus(None) == 0
    assert priority("question", 1, 0) > priority("question", 5, 0) > priority("question", None, 0)


def test_negative_means_the_model_label_in_python_and_in_sql():
    import duckdb

    assert is_negative("negative") and not is_negative("neutral") and not is_negative(None)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (sentiment_label VARCHAR)")
    con.execute("INSERT INTO t VALUES ('negative'), ('neutral'), ('positive'), (NULL)")
    assert con.execute(f"SELECT count(*) FROM t WHERE {negative_sql('sentiment_label')}").fetchone()[0] == 1


def test_language_note_for_posts_not_read_by_the_english_models():
    assert wording.language_note("en") == "" and wording.language_note(None) == ""
    assert wording.language_note("pt") == "in Portuguese, not scored"
    assert "undetermined" in wording.language_note("und")
