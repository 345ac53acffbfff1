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

# Posts in other scripts have none of the function words above; their letters tell the language
# (or, for Cyrillic and Arabic script, at least that it is not English). Checked in this order.
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),  # kana: Japanese even when mixed with kanji
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
)


def _script_language(words: list[str]) -> str | None:
    """The language of the script most letters are in, when that is not the Latin alphabet."""
    letters = "".join(words)
    latin = sum(1 for ch in letters if ch < "\u0250")
    best, best_n = None, 0
    for lang, pattern in _SCRIPTS:
        n = len(pattern.findall(letters))
        if n > best_n:
            best, best_n = lang, n
    if best is None or (best not in ("ja", "zh") and best_n <= latin):
        return None
    # kanji/hanzi count once per character, so compare against Latin letters as words rather than letters
    if best in ("ja", "zh") and best_n * 2 < latin:
        return None
    return best


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code, or None when there is too little text to tell. A platform's own tag wins."""
    if declared and declared not in ("und", "qme", "qht", "zxx", "art"):
        return declared.split("-")[0].lower()
    words = [w.lower() for w in _WORD.findall(_CLEAN.sub(" ", text))]
    if not words:
        return None
    if not text.isascii():
        script = _script_language(words)
        if script is not None:
            return script
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
