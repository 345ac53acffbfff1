"""Shared reply vocabulary: which moments are sensitive, how a person is named, what a queue item weighs.

The replies themselves are written by the composer (engagement/composer.py) from the knowledge base, or by the
optional LLM backend (engagement/llm.py); engagement/suggest.py puts them behind one call. A suggestion is never
sent by itself: it enters the queue as ``pending`` and a human approves, edits or dismisses it.
"""
from __future__ import annotations

import re

SENSITIVE_MOMENTS = {"bereavement", "illness"}
CELEBRATED_MOMENTS = {
    "new_job": "the new role",
    "launch": "the launch",
    "funding": "the raise",
    "acquisition": "the acquisition news",
    "award": "the award",
    "speaking": "the talk",
    "wedding": "the wedding",
    "baby": "the new arrival",
    "moving": "the move",
    "anniversary": "the anniversary",
    "birthday": "your birthday",
}


def first_name(name: str | None, handle: str) -> str:
    if name:
        word = re.split(r"[\s|·,]+", name.strip())[0]
        if word and word.isalpha() and len(word) > 1:
            return word
    return "@" + handle.split("@")[0] if handle else "there"


def excerpt(text: str, limit: int = 60) -> str:
    text = re.sub(r"https?://\S+|@\w+", "", text).strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


INTENT_WEIGHT = {"churn_risk": 70, "complaint": 65, "question": 55, "purchase_intent": 50, "moment": 45, "praise": 30}
TIER_BONUS = {1: 20, 2: 14, 3: 8, 4: 4, 5: 2}


def priority(intent: str, tier: int | None, age_hours: float) -> float:
    """0–100: what it is (≤70), who it is from (key-client tier, ≤20), how long it has waited (≤10 over 3 days)."""
    waiting = min(age_hours, 72) / 72 * 10 if intent in ("question", "complaint", "churn_risk") else 0
    return round(INTENT_WEIGHT.get(intent, 20) + TIER_BONUS.get(tier or 0, 0) + waiting, 1)


def choose_intent(intents: list[str], moments: list[dict]) -> str | None:
    for intent in ("churn_risk", "complaint", "question", "purchase_intent", "praise"):
        if intent in intents:
            return intent
    if moments:
        return "moment"
    return None
