"""Shared reply vocabulary: which moments are sensitive, how a person is named, what a queue item weighs.

The replies themselves are written by the composer (engagement/composer.py) from the knowledge base, or by the
optional LLM backend (engagement/llm.py); engagement/suggest.py puts them behind one call. A suggestion is never
sent by itself: it enters the queue as ``pending`` and a human approves, edits or dismisses it.
"""
from __future__ import annotations

import re

# each moment's and intent's words, and what a tier weighs, are defined once in engagement/wording.py
from engagement.wording import CELEBRATED_MOMENTS, SENSITIVE_MOMENTS, intent_wording, tier_bonus  # noqa: E402,F401
from nlp.mentions import strip_mentions


def first_name(name: str | None, handle: str) -> str:
    if name:
        word = re.split(r"[\s|·,]+", name.strip())[0]
        if word and word.isalpha() and len(word) > 1:
            return word
    return "@" + handle.split("@")[0] if handle else "there"


def excerpt(text: str, limit: int = 60) -> str:
    text = strip_mentions(re.sub(r"https?://\S+", "", text)).strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def priority(intent: str, tier: int | None, age_hours: float) -> float:
    """0–100: what it is (≤70), who it is from (key-client tier, ≤20), how long it has waited (≤10 over 3 days)."""
    waiting = min(age_hours, 72) / 72 * 10 if intent in ("question", "complaint", "churn_risk") else 0
    return round(intent_wording(intent).weight + tier_bonus(tier) + waiting, 1)


def choose_intent(intents: list[str], moments: list[dict]) -> str | None:
    for intent in ("churn_risk", "complaint", "question", "purchase_intent", "praise"):
        if intent in intents:
            return intent
    if moments:
        return "moment"
    return None
