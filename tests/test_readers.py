"""The trained intent and moment readers (nlp/readers.py): scored with numpy alone, joined to the rules, each
added label quoting its sentence, other people's news kept out."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp import readers
from nlp.intents import INTENTS, read_intents
from nlp.moments import MOMENT_TYPES, detect_moments
from nlp.readers_train import rules_only

ROOT = Path(__file__).resolve().parents[1]


def test_bundled_readers_load_and_score_without_scikit_learn():
    # `make run` installs without the train extra: inference must not import sklearn (a None entry makes any
    # import of it fail)
    code = ("import sys, json; sys.modules['sklearn'] = None\n"
            "from nlp.readers import intent_reader, moment_reader\n"
            "i, m = intent_reader(), moment_reader()\n"
            "print(json.dumps([i.proba('@fernhillhq how do I add a viewer?', True), m.proba('we raised our seed')]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    intents_p, moments_p = json.loads(out)
    assert set(intents_p) == set(INTENTS) and set(moments_p) == set(MOMENT_TYPES)
    assert all(0.0 <= p <= 1.0 for p in [*intents_p.values(), *moments_p.values()])
    assert intents_p["question"] > 0.5 and moments_p["funding"] > moments_p["wedding"]


def test_thresholds_were_chosen_for_every_label_and_nothing_is_vetoed():
    for reader, labels in ((readers.intent_reader(), INTENTS), (readers.moment_reader(), MOMENT_TYPES)):
        assert reader.labels == labels
        assert set(reader.add_at) == set(labels) and all(0 < t <= 2 for t in reader.add_at.values())
        assert all(v == 0 for v in reader.veto_below.values())
        assert reader.meta["cross_validation"]["protocol"].startswith("train on two writers")


@pytest.mark.parametrize("text, kind, sentence", [
    ("Hit publish on our new careers site today. Took four months and a lot of arguments about fonts.", "launch",
     "Hit publish on our new careers site today."),
    ("The bank approved our small business loan this morning. We can finally hire.", "funding",
     "The bank approved our small business loan this morning."),
])
def test_a_moment_only_the_reader_sees_quotes_its_best_sentence(text, kind, sentence):
    with rules_only():
        assert kind not in {m.type for m in detect_moments(text)}
    found = {m.type: m for m in detect_moments(text)}
    assert kind in found
    assert found[kind].evidence == sentence and text[found[kind].start:found[kind].end].strip() == sentence


@pytest.mark.parametrize("text", [
    "my friend Jess got promoted to head of design!",
    "Partner got the job!",
    "Fintech funding hits a four-year low",
    "congrats to Ana on the new role at Stripe",
    "Can I get my data out as CSV without talking to sales?",
])
def test_other_peoples_news_headlines_and_questions_are_not_the_authors_moments(text):
    assert detect_moments(text) == []


def test_an_intent_only_the_reader_sees_carries_evidence_and_rules_are_kept():
    text = "thinking we should move the team to the annual plan, who handles that?"
    with rules_only():
        rules = {i.name for i in read_intents(text, None, False)}
    found = {i.name: i for i in read_intents(text, None, False)}
    assert rules <= set(found)  # the reader only adds
    assert "purchase_intent" in found and "purchase_intent" not in rules
    assert found["purchase_intent"].evidence and found["purchase_intent"].evidence in text


@pytest.mark.parametrize("text", ["Anyone watching the game tonight?",
                                  "Does anyone else think Mondays should be illegal?",
                                  "what a day, right?"])
def test_the_reader_adds_no_social_or_rhetorical_question(text):
    assert "question" not in {i.name for i in read_intents(text, None, False)}


def test_missing_reader_files_leave_the_rules_alone(tmp_path):
    assert readers._load_or_none(tmp_path) is None


@pytest.mark.slow
def test_train_readers_writes_loadable_readers_with_cross_validated_thresholds(tmp_path):
    from nlp.readers_train import train_readers

    report = train_readers(tmp_path, tasks=("intents",), version="test")
    reader = readers.Reader.load(tmp_path / "intent_reader")
    assert reader.meta["version"] == "test" and reader.labels == INTENTS
    cv = report["intents"]
    assert cv["combined_micro"]["recall"] >= cv["rules_micro"]["recall"]
    assert 0 <= reader.proba("@fernhillhq is the export down?", True)["question"] <= 1


def test_the_fast_gate_regexes_match_exactly_where_the_readable_ones_do():
    from nlp.moments_eval import load_eval_set

    texts = [p.text for path in sorted((ROOT / "nlp" / "data" / "train").glob("*.tsv")) for p in load_eval_set(path)]
    texts += ["Forty today!", "i'm 30", "We're off", "US open", "b-day!!", "my 21st", "v2 is out", "nothing here"]
    for readable, fast in ((readers.MOMENT_CUE, readers._FAST_CUE), (readers._FIRST_PERSON, readers._FAST_FIRST_PERSON)):
        assert fast.pattern != readable.pattern
        assert [bool(fast.search(t)) for t in texts] == [bool(readable.search(t)) for t in texts]
