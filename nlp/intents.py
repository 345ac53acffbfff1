"""What a post wants from us: a question, a complaint, praise, purchase intent, churn risk.

Pure functions over text and a sentiment score; the spaCy component is glue.
"""
from __future__ import annotations

import re

INTENTS = ("question", "complaint", "praise", "purchase_intent", "churn_risk")

_QUESTION_START = re.compile(
    r"(^|[.!?]\s+|\n)\s*(how|what|why|when|where|which|who|can|could|does|do|is|are|will|would|should|any(one|body)|has anyone)\b[^.!?\n]*\?",
    re.IGNORECASE,
)
_QUESTION_ANY = re.compile(r"\?\s*($|[\s#@)])")
_ASK = re.compile(r"\b(any (tips|advice|ideas|recommendations)|wondering (if|whether|how)|help me|is there a way|how do i|how can i)\b", re.I)
_COMPLAINT = re.compile(
    r"\b(broken|bug|crash(ed|es|ing)?|outage|down again|not working|doesn'?t work|stopped working|fail(ed|ing|s)?|"
    r"error|terrible|awful|worst|frustrat\w+|disappoint\w+|unacceptable|still waiting|no (response|reply)|"
    r"nobody (answers|replied|responds)|overcharg\w+|refund|slow(er)? than|waste of|annoy\w+|ridiculous|useless)\b",
    re.IGNORECASE,
)
_PRAISE = re.compile(
    r"\b(thank(s| you)|kudos|shout[- ]?out|love (it|this|the|how|that|your)|amazing|awesome|brilliant|fantastic|"
    r"great (job|work|support|team|product)|well done|impressed|game[- ]?changer|life[- ]?saver|recommend(ed)?)\b",
    re.IGNORECASE,
)
_PURCHASE = re.compile(
    r"\b(looking for (a|an)? ?\w* ?(tool|alternative|platform|solution|vendor)|alternatives? to|recommend (a|an|any)|"
    r"pricing|how much (does|is)|free trial|demo|evaluating|shortlist|want to buy|budget for|quote)\b",
    re.IGNORECASE,
)
_CHURN = re.compile(
    r"\b(switch(ing|ed)? (to|away|from)|cancel+(ing|ed|ling)?( my| our)? (subscription|account|plan|contract)?|"
    r"moving (away )?from|migrat(e|ing) (off|away|from)|leaving|not renewing|won'?t renew|done with|"
    r"looking (at|for) alternatives)\b",
    re.IGNORECASE,
)


def detect_intents(text: str, sentiment: float | None = None, addressed_to_us: bool = False) -> list[str]:
    """Intents in a stable order. Sentiment sharpens complaint/praise; questions need a real ask."""
    found: list[str] = []
    if _QUESTION_START.search(text) or _ASK.search(text) or (addressed_to_us and _QUESTION_ANY.search(text)):
        found.append("question")
    negative = sentiment is not None and sentiment <= -0.25
    positive = sentiment is not None and sentiment >= 0.25
    if _COMPLAINT.search(text) and not positive or (addressed_to_us and sentiment is not None and sentiment <= -0.6):
        found.append("complaint")
    if _PRAISE.search(text) and not negative:
        found.append("praise")
    if _PURCHASE.search(text):
        found.append("purchase_intent")
    if _CHURN.search(text) and (addressed_to_us or negative or "switch" in text.lower() or "cancel" in text.lower()):
        found.append("churn_risk")
    return found
