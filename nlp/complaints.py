"""Complaint probability: the bundled linear model (``nlp/models/complaints/``, numpy only).

Trained by ``listenwell nlp train-complaints`` (:mod:`nlp.textclf_train`) on the public brand-directed
complaints data (eight domains) plus our own labelled posts. Measured with one domain held out at a time
(docs/nlp.md). The decision of whether a post *is* a complaint also weighs who it is addressed to and
what it names: that is :func:`nlp.intents.read_intents`; this module only gives the probability.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from nlp.textclf import LinearTextClassifier

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "complaints"


@lru_cache(maxsize=1)
def default_complaint_model() -> LinearTextClassifier:
    """The bundled complaint model, loaded once per process."""
    return LinearTextClassifier.load(DEFAULT_MODEL_DIR)


def complaint_probability(text: str, analysed: tuple[list[str], list[str]] | None = None) -> float:
    """P(complaint) for one post; ``analysed`` = ``nlp.sentiment.analyze(text, ...)`` if already done."""
    model = default_complaint_model()
    if analysed is not None:
        return model.proba_analysed(*analysed)
    return model.proba(text)
