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

FEATURES = ("coverage", "soft_coverage", "semantic", "about", "lead", "missing", "rare", "agrees")


def features(hit, other_score: float) -> list[float]:
    """The gate's inputs for one hit; ``other_score`` is the next entry's score (the lead is measured against it)."""
    lead = (hit.score - other_score) / hit.score if hit.score > 0 else 0.0
    return [hit.coverage, hit.soft_coverage, hit.semantic, min(len(hit.about), 3) / 3, max(lead, -1.0),
            hit.missing, min(len(hit.rare), 2) / 2, hit.agrees / 2]


@lru_cache(maxsize=1)
def model() -> dict:
    return json.loads(_FILE.read_text(encoding="utf-8"))


def confidence(hit, other_score: float) -> float:
    m = model()
    z = m["bias"] + sum(w * x for w, x in zip(m["weights"], features(hit, other_score)))
    return round(1 / (1 + math.exp(-z)), 3)


def threshold() -> float:
    return float(model()["threshold"])


def hedge() -> float:
    return float(model()["hedge"])
