"""Reply suggestions: a pluggable generator, and a template generator that sounds like a person.

A suggestion is never sent by itself: it enters the queue as ``pending`` and a
human approves, edits or dismisses it.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Protocol

# the words for each moment and intent live in engagement/wording.py, once
from engagement.wording import CELEBRATED_MOMENTS, SENSITIVE_MOMENTS, intent_wording, tier_bonus
from nlp.polarity import is_negative

X_LIMIT = 280
REDDIT_LIMIT = 10_000

@dataclass
class ReplyContext:
    post_uid: str
    platform: str
    intent: str  # question | complaint | praise | churn_risk | purchase_intent | moment
    text: str
    author_name: str | None
    author_handle: str
    sentiment: float | None = None
    sentiment_label: str | None = None  # the sentiment model's label: "negative" is nlp.polarity's one meaning
    evidence: str | None = None  # the words of the post that show the intent (nlp.intents), quoted in the reason
    topics: list[str] = field(default_factory=list)
    moment: str | None = None
    is_key_client: bool = False
    tier: int | None = None
    last_conversation: str | None = None  # e.g. "in August about the onboarding checklist"
    our_name: str = "the team"


@dataclass
class Suggestion:
    text: str
    reason: str


class ReplyGenerator(Protocol):
    def generate(self, ctx: ReplyContext) -> Suggestion | None: ...


def first_name(name: str | None, handle: str) -> str:
    if name:
        word = re.split(r"[\s|·,]+", name.strip())[0]
        if word and word.isalpha() and len(word) > 1:
            return word
    return "@" + handle.split("@")[0] if handle else "there"


def _pick(options: list[str], key: str) -> str:
    digest = hashlib.sha256(key.encode()).digest()
    return options[digest[0] % len(options)]


def excerpt(text: str, limit: int = 60) -> str:
    text = re.sub(r"https?://\S+|@\w+", "", text).strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


TEMPLATES: dict[str, list[str]] = {
    "question": [
        "Hi {name}, good question{about}. I'd rather get you a proper answer than a quick guess: can I DM you?",
        "{name}, thanks for asking{about}. Let me check the details with the team and come back to you today.",
        "Hey {name}! Happy to help{about}. Could you share a bit more about your setup so we point you to the right fix?",
        "Hi {name}, we've got you. I'll send over a short guide{about} — and if it's quicker, a 10-minute call works too.",
    ],
    # a question asked in frustration: acknowledge the feeling before the help
    "question_frustrated": [
        "{name}, sorry this has been a headache. Let me get you a proper answer today; can I DM you?",
        "Hi {name}, that shouldn't be this hard, and I'm sorry it is. I'll find out and get back to you directly.",
    ],
    "complaint": [
        "{name}, I'm sorry — that's not the experience we want you to have. Can you DM me the details? I'll look into it personally.",
        "Hi {name}, thanks for flagging this, and apologies for the trouble. I've raised it with the team; could you DM me your account email so we can fix it fast?",
        "{name}, that's frustrating and on us. I'm picking this up now and will update you here as soon as we know more.",
    ],
    "churn_risk": [
        "{name}, sorry to hear we've fallen short. Before you decide, could we talk for 15 minutes? I'd like to understand what's missing.",
        "Hi {name}, that's hard to read, and fair feedback. Would you be open to a quick call so we can make this right?",
    ],
    "praise": [
        "Thank you, {name}! This made our day{about}.",
        "{name}, that's so kind — thank you! Passing this on to the team{about}.",
        "Really appreciate this, {name}. Thanks for being part of it{about}!",
        "Thanks {name}! Notes like yours are why we do this{about}.",
    ],
    "purchase_intent": [
        "Hi {name}, happy to help{about}. Want a quick look at how teams like yours use it? No pressure, just a 15-minute demo.",
        "{name}, if it helps{about}: we'd be glad to share how others solved this. Can I DM you a couple of examples?",
    ],
    "moment": [
        "Congratulations, {name}! Wonderful news about {moment}. Wishing you all the best with it.",
        "{name}, so happy to see this — congrats on {moment}! Let's celebrate next time we catch up.",
        "Huge congrats on {moment}, {name}! Well deserved.",
    ],
}

# a nod to the last conversation, so the reply reads as from someone who remembers
HISTORY_NOTES = {
    "question": ["Building on our chat {when}, too.", "Good to pick this up again (we last spoke {when})."],
    "complaint": ["I know we spoke {when} as well; I'll make sure this one gets sorted.",
                  "Especially after our conversation {when}, we owe you better."],
    "churn_risk": ["You've been with us a while (we last spoke {when}) and I'd hate to lose you."],
    "praise": ["Lovely to hear from you again (we last spoke {when})."],
}



class TemplateGenerator:
    """Varied templates per intent, personalised with name, topic, moment and shared history."""

    def __init__(self, learned: dict[str, list[str]] | None = None):
        self.templates = {k: list(v) for k, v in TEMPLATES.items()}
        for intent, variants in (learned or {}).items():
            self.templates.setdefault(intent, []).extend(variants)

    def generate(self, ctx: ReplyContext) -> Suggestion | None:
        if ctx.intent == "moment" and (ctx.moment in SENSITIVE_MOMENTS or ctx.moment not in CELEBRATED_MOMENTS):
            return None  # a loss or an illness deserves a personal note, not a public reply
        key = ctx.intent
        if key == "question" and is_negative(ctx.sentiment_label):
            key = "question_frustrated"
        options = self.templates.get(key)
        if not options:
            return None
        name = first_name(ctx.author_name, ctx.author_handle)
        about = ""  # topic ids (e.g. "bi_alternatives") read badly in a reply; the reason carries the topic
        moment = CELEBRATED_MOMENTS.get(ctx.moment or "", "the news")
        text = _pick(options, ctx.post_uid).format(name=name, about=about, moment=moment)
        if ctx.last_conversation and ctx.intent in HISTORY_NOTES:
            text += " " + _pick(HISTORY_NOTES[ctx.intent], ctx.post_uid + "h").format(when=ctx.last_conversation)
        text = fit(text, ctx.platform)
        said = excerpt(ctx.evidence or ctx.text, 120 if ctx.evidence else 60)
        who = "key client " + name if ctx.is_key_client else name
        about = f" about {', '.join(ctx.topics[:2])}" if ctx.topics else ""
        reason = f"{who} {intent_wording(ctx.intent).reason}{about}: “{said}”"
        return Suggestion(text=text, reason=reason)


def fit(text: str, platform: str) -> str:
    limit = X_LIMIT if platform == "x" else REDDIT_LIMIT
    if len(text) <= limit:
        return text
    # drop the trailing parenthetical first, then cut at a word boundary
    text = re.sub(r"\s*\([^)]*\)\s*$", "", text)
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


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
