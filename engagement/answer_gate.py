"""Whether a knowledge entry answers a post: one calibrated number from what retrieval measured.

Retrieval (engagement/knowledge.py) measures, for the best entries, how much of the question each covers by its
words (coverage), by near words (soft coverage: "ceiling" ~ "limit"), by meaning (the semantic cosine with the
entry's closest phrasing), how many of the question's words name what the entry is about, how far it leads the
next entry, whether ranking by words alone and by meaning alone both put it first, and how heavy the heaviest
question word it covers neither way is ("euros" in "can we get invoices in
euros?" next to an entry about invoices). A logistic model turns these into a probability that the entry answers
the post. Its weights are fitted by ``bench/fit_answer_gate.py`` on the development sets (never on a held-out set)
and stored in ``engagement/data/answer_gate.json`` with the threshold chosen there; the composer answers at or
above ``threshold`` and, between ``hedge`` and ``threshold``, offers the entry as a second candidate ("If you
mean …") beside the find-out reply, for the person approving it to choose.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

_FILE = Path(__file__).with_name("data") / "answer_gate.json"
# the gate for a question searched with the sentence model: the same inputs and the model's cosine and its lead
_DEEP_FILE = Path(__file__).with_name("data") / "answer_gate_deep.json"

FEATURES = ("coverage", "soft_coverage", "semantic", "about", "lead", "missing", "rare", "agrees")
DEEP_FEATURES = FEATURES + ("cosine", "cosine_lead")


def features(hit, other_score: float) -> list[float]:
    """The gate's inputs for one hit; ``other_score`` is the next entry's score (the lead is measured against it).
    A hit the sentence model read (``hit.cosine`` set) has two more: DEEP_FEATURES."""
    lead = (hit.score - other_score) / hit.score if hit.score > 0 else 0.0
    row = [hit.coverage, hit.soft_coverage, hit.semantic, min(len(hit.about), 3) / 3, max(lead, -1.0),
           hit.missing, min(len(hit.rare), 2) / 2, hit.agrees / 2]
    if getattr(hit, "cosine", None) is not None:
        row += [hit.cosine, hit.cosine_lead]
    return row


@lru_cache(maxsize=2)
def model(deep: bool = False) -> dict:
    return json.loads((_DEEP_FILE if deep and _DEEP_FILE.exists() else _FILE).read_text(encoding="utf-8"))


def _deep(hit) -> bool:
    return getattr(hit, "cosine", None) is not None and _DEEP_FILE.exists()


def confidence(hit, other_score: float) -> float:
    deep = _deep(hit)
    m = model(deep)
    row = features(hit, other_score)
    z = m["bias"] + sum(w * x for w, x in zip(m["weights"], row if deep else row[: len(FEATURES)]))
    return round(1 / (1 + math.exp(-z)), 3)


def threshold(hit=None) -> float:
    """The confidence at which the composer answers (the gate that read ``hit``: with the sentence model or not)."""
    return float(model(hit is not None and _deep(hit))["threshold"])


def hedge(hit=None) -> float:
    return float(model(hit is not None and _deep(hit))["hedge"])
