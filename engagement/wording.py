"""How listenwell speaks about each moment and intent, and what a person's tier weighs: once, here.

Every place that shows a moment or an intent (alerts, the reply queue and its suggestions, the reach-out
list, the digest, the web pages) takes its words from :data:`MOMENTS` and :data:`INTENTS`;
``tests/test_wording.py`` checks that every type in ``nlp.moments.MOMENT_TYPES`` and
``nlp.intents.INTENTS`` has its wording, so a new type cannot ship half-worded. A person's importance
comes from :func:`tier_weight` (reach-out scores) and :func:`tier_bonus` (reply-queue priority), both
from the one table :data:`TIER_WEIGHT`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MomentWording:
    noun: str          # "a new role": "Priya shared a new role"
    the: str           # "the new role": "congrats on the new role"
    action: str        # call | meal | note: the personal touch it deserves
    touch: str         # "Call {first}: congratulate them on the new role"
    sensitive: bool = False  # a loss or an illness: a personal note, never a public reply


MOMENTS: dict[str, MomentWording] = {
    "new_job": MomentWording("a new role", "the new role", "call", "Call {first}: congratulate them on the new role"),
    "launch": MomentWording("a launch", "the launch", "call", "Call {first}: congratulate them on the launch"),
    "funding": MomentWording("a funding round", "the raise", "call",
                             "Call {first}: congratulate them on the funding round"),
    "acquisition": MomentWording("an acquisition", "the acquisition news", "call",
                                 "Call {first}: ask what the acquisition means for them"),
    "moving": MomentWording("a move", "the move", "meal",
                            "Take {first} for coffee or lunch: the move is a good moment to catch up"),
    "wedding": MomentWording("a wedding", "the wedding", "note", "Send {first} a card for the wedding"),
    "baby": MomentWording("a new baby", "the new arrival", "note", "Send {first} a card for the new baby"),
    "birthday": MomentWording("a birthday", "your birthday", "note", "Send {first} a birthday note"),
    "anniversary": MomentWording("an anniversary", "the anniversary", "note",
                                 "Send {first} a note for the anniversary"),
    "illness": MomentWording("an illness", "the illness", "note",
                             "Send {first} a personal note wishing them well, no business talk", sensitive=True),
    "bereavement": MomentWording("a loss", "the loss", "note",
                                 "Send {first} a handwritten condolence note, no business talk", sensitive=True),
    "award": MomentWording("an award", "the award", "note", "Send {first} a note: congratulations on the award"),
    "speaking": MomentWording("a talk", "the talk", "note", "Send {first} a note: good luck with the talk"),
}
SENSITIVE_MOMENTS = frozenset(k for k, w in MOMENTS.items() if w.sensitive)
CELEBRATED_MOMENTS = {k: w.the for k, w in MOMENTS.items() if not w.sensitive}
UNKNOWN_MOMENT = MomentWording("news", "the news", "note", "Send {first} a note about their news")


@dataclass(frozen=True)
class IntentWording:
    label: str         # "purchase intent": a column, a filter, a chip
    reason: str        # "is looking for a solution like ours": "Sofia is looking for …"
    alert: str         # "asked us a question": an alert's title, "Tom asked us a question"
    weight: int        # what it weighs in the reply queue's priority (≤ 70)


INTENTS: dict[str, IntentWording] = {
    "question": IntentWording("question", "asked us a question", "asked us a question", 55),
    "complaint": IntentWording("complaint", "complained about us", "raised a problem", 65),
    "praise": IntentWording("praise", "praised us", "praised us", 30),
    "purchase_intent": IntentWording("purchase intent", "is looking for a solution like ours",
                                     "is looking to buy", 50),
    "churn_risk": IntentWording("churn risk", "is thinking of leaving", "may be leaving", 70),
}
# a reply to someone's news is queued like an intent, with its own wording
MOMENT_REPLY = IntentWording("moment", "shared news", "shared news", 45)


def moment_wording(kind: str | None) -> MomentWording:
    return MOMENTS.get(kind or "", UNKNOWN_MOMENT)


def intent_wording(name: str) -> IntentWording:
    if name == "moment":
        return MOMENT_REPLY
    return INTENTS.get(name, IntentWording(name.replace("_", " "), "wrote to us", "wrote to us", 20))


def intent_label(name: str | None) -> str:
    """How an intent (or "moment") is named on a page or in the digest."""
    return intent_wording(name or "").label if name else ""


# ------------------------------------------------------------------------------------------ tier weight
# A key client's tier (1 = most important). The one table everything derives from.
TIER_WEIGHT: dict[int, float] = {1: 3.0, 2: 2.0, 3: 1.5, 4: 1.2, 5: 1.1}
NOT_A_KEY_CLIENT = 1.0


def tier_weight(tier: int | None) -> float:
    """How much more a tier's people matter than someone who is not a key client (1.0)."""
    return TIER_WEIGHT.get(tier, NOT_A_KEY_CLIENT) if tier is not None else NOT_A_KEY_CLIENT


def tier_bonus(tier: int | None) -> float:
    """Reply-queue priority points for a key client's tier: ten per unit of tier weight above 1, so tier 1
    adds 20 and tier 5 adds 1 — the same ordering and spacing as :func:`tier_weight`."""
    return round((tier_weight(tier) - NOT_A_KEY_CLIENT) * 10, 1)


# ------------------------------------------------------------------------------------------- languages
LANGUAGE_NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian",
    "nl": "Dutch", "sv": "Swedish", "pl": "Polish", "tr": "Turkish", "da": "Danish", "fi": "Finnish",
    "no": "Norwegian", "id": "Indonesian", "ro": "Romanian", "ca": "Catalan", "cs": "Czech", "hu": "Hungarian",
    "ja": "Japanese", "ko": "Korean", "zh": "Chinese", "ru": "Russian", "uk": "Ukrainian", "bg": "Bulgarian",
    "ar": "Arabic", "he": "Hebrew", "el": "Greek", "hi": "Hindi", "th": "Thai", "und": "an undetermined language",
}


def language_note(lang: str | None) -> str:
    """What the digest says next to a post the English models did not read: "in Portuguese, not scored"."""
    if not lang or lang == "en":
        return ""
    return f"in {LANGUAGE_NAMES.get(lang, lang)}, not scored"
