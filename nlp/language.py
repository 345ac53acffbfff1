"""Cheap language identification from function words: enough to keep English-only scoring honest."""
from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(("the and is are was to of in it that for you with this on my have not be at but so just what we "
                     "our your i me a an do does did how why when where who which can could would should will "
                     "there they their he she his her them from by as or if about into than then its im i'm "
                     "don't can't it's any get got new one all").split()),
    "es": frozenset("el la los las de que y en un una es por para con no se lo su al del muy pero como más está".split()),
    "pt": frozenset("o a os as de que e em um uma é não para com se do da dos das mas como mais está muito você".split()),
    "fr": frozenset("le la les de des et est en un une pour que qui pas ne sur avec dans au du ce mais très je".split()),
    "de": frozenset("der die das und ist nicht ich mit zu den ein eine für auf es sie wir aber sehr auch von".split()),
    "it": frozenset("il lo la gli le di che e è un una per non con del della ma come più sono molto".split()),
    "nl": frozenset("de het een en is van niet dat ik met voor op zijn maar ook wel heel je".split()),
}
_CLEAN = re.compile(r"https?://\S+|[@#]\w+")


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code, or None when there is too little text to tell. A platform's own tag wins."""
    if declared and declared not in ("und", "qme", "qht", "zxx", "art"):
        return declared.split("-")[0].lower()
    words = [w.lower() for w in _WORD.findall(_CLEAN.sub(" ", text))]
    if not words:
        return None
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in STOPWORDS.items()}
    if all(w.isascii() for w in words):
        scores["en"] += 1  # most posts here are English; accents tip the balance to the others
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        # no function words at all: short English-looking text is the common case on these platforms
        return "en" if all(w.isascii() for w in words) else None
    if best != "en" and scores.get("en", 0) == scores[best]:
        return "en"
    return best
