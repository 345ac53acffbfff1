"""The regex prefilter: derived literals are sound, and gated detection equals running every pattern."""
from __future__ import annotations

import re

import pytest

from nlp import intents, moments
from nlp.moments_eval import load_eval_set, synthetic_posts
from nlp.prefilter import Prefilter, required_literals


@pytest.mark.parametrize("pattern, expected", [
    (r"\bno (response|reply)\b", {"no response", "no reply"}),
    (r"(?:foo)?bar", {"bar"}),
    (r"colou?r", {"color", "colour"}),
    (r"\bHello\b", {"hello"}),
    (r"\d+\s*(days|weeks) still", {"days still", "weeks still"}),
    (r"why\?", {"why?"}),
    (r"(?:a|bc)+d", {"d"}),
])
def test_required_literals(pattern, expected):
    assert required_literals(re.compile(pattern, re.I)) == expected


@pytest.mark.parametrize("pattern", [r"\w+\s\w+", r"(?:foo)?", r"[^.]*", r"a|\w+", r"(\w)\1"])
def test_patterns_without_a_required_literal_always_run(pattern):
    assert required_literals(pattern) is None
    assert Prefilter([re.compile(pattern)]).may_match("zzz") == {re.compile(pattern)}


def test_scan_reports_only_patterns_whose_literals_occur():
    a, b, c = re.compile(r"\bcancel\w*", re.I), re.compile(r"refund", re.I), re.compile(r"\w+")
    pre = Prefilter([a, b, c])
    assert pre.may_match("We are CANCELLING") == {a, c}
    assert pre.may_match("nothing here") == {c}
    assert pre.may_match("ﬁ refund") == {b, c}


def _texts() -> list[str]:
    base = [p.text for p in load_eval_set()] + synthetic_posts(3000)
    return base + [t.upper() for t in base[:400]] + [t.replace(" ", "  ") for t in base[:400]]


@pytest.fixture()
def no_prefilter(monkeypatch):
    """Every pattern runs on every post: the reference the prefilter must reproduce exactly. The trained readers
    are off on both sides: they choose whom to read from the prefilter's candidates by design (nlp/readers.py),
    so only the rules' own findings must not depend on it."""
    from nlp import readers

    monkeypatch.setattr(readers, "moment_reader", lambda: None)
    monkeypatch.setattr(readers, "intent_reader", lambda: None)

    def ungated(module):
        everything = sum(module._PREFILTER.bit.values())
        monkeypatch.setattr(module._PREFILTER, "scan", lambda _text: everything)
    return ungated


def test_gated_moments_equal_running_every_pattern(no_prefilter):
    texts = _texts()
    gated = [moments.detect_moments(t) for t in texts]
    no_prefilter(moments)
    assert [moments.detect_moments(t) for t in texts] == gated
    assert sum(1 for g in gated if g) > 100  # the comparison covers plenty of real matches


def test_gated_intents_equal_running_every_pattern(no_prefilter):
    texts = _texts()
    cases = [(t, s, a) for t in texts for s in (None, "negative", "neutral", "positive") for a in (False, True)]
    gated = [intents.detect_intents(*case) for case in cases]
    no_prefilter(intents)
    assert [intents.detect_intents(*case) for case in cases] == gated
    assert sum(1 for g in gated if g) > 1000
