"""Language identification: which posts the English models may read.

A cascade, so the bulk stays cheap (docs/nlp.md has the measurements behind each choice):

1. the platform's own tag wins (X and Reddit declare a language for many posts);
2. a post with no words left once links, @handles, #tags, emoji and numbers are removed, or only a word
   used across languages ("ok", "lol", "xD"), is **undetermined** (``und``), never English;
3. letters of a non-Latin script decide by script (Japanese kana, Hangul, Cyrillic, Greek, Arabic, …);
4. Latin-script text that reads plainly as English (two or more English function words, none of another
   language's, no letters outside ASCII) is English without further work: most posts stop here;
5. everything else goes to **py3langid** (a maintained fork of langid.py: a naive Bayes model over byte
   n-grams, numpy only, shipped in its package), restricted to the languages listed in :data:`LANGUAGES`.
   When it is unsure on a very short post, the post is ``und``.

Pure functions; the py3langid model is loaded once per process, on first use.
"""
from __future__ import annotations

import re
from functools import lru_cache

UNDETERMINED = "und"

# the Latin-script languages py3langid chooses among (the ones our users' posts come in); other scripts
# are told by their letters
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "sv", "pl", "tr", "da", "fi", "no", "id", "ro", "ca",
             "cs", "hu", "ms", "tl", "vi", "hr", "sk", "sl", "et", "lt", "lv", "sw", "eu", "gl")

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CLEAN = re.compile(r"https?://\S+|www\.\S+|(?<!\w)[@#]\w+|\S+@\S+\.\w+|\br/\w+|\bu/\w+")
# the same without the e-mail branch, for text with no "@" (where that branch cannot match, so the result is
# the same): its \S+ tries every position of every word, about half of the cleaning's time
_CLEAN_NO_AT = re.compile(r"https?://\S+|www\.\S+|(?<!\w)[@#]\w+|\br/\w+|\bu/\w+")

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
_ENGLISH = STOPWORDS["en"]
_FOREIGN = frozenset().union(*(words for lang, words in STOPWORDS.items() if lang != "en")) - STOPWORDS["en"]
# words written the same in many languages: alone they tell nothing
_ANY_LANGUAGE = frozenset("ok okay lol lmao xd haha hahaha jaja jajaja kkk omg wow yes no si sí ja nee oui non "
                          "hi hey ciao hola hallo bye gg wtf ty thx pls plz".split())

# Posts in other scripts: their letters tell the language (or, for Cyrillic and Arabic script, at least
# that it is not English). Checked in this order.
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
_CYRILLIC_OTHERS = {"uk": re.compile(r"[іїєґІЇЄҐ]"), "bg": re.compile(r"ъ[^\W\d_]")}

# below this confidence (py3langid's normalised probability) a post of few words is undetermined
_MIN_CONFIDENCE = 0.6
_SHORT_WORDS = 3


def _script_language(letters: str) -> str | None:
    """The language of the script most letters are in, when that is not the Latin alphabet."""
    latin = sum(1 for ch in letters if ch < "\u0250")
    best, best_n = None, 0
    for lang, pattern in _SCRIPTS:
        n = len(pattern.findall(letters))
        if n > best_n:
            best, best_n = lang, n
    if best is None or (best not in ("ja", "zh", "ko") and best_n <= latin):
        return None
    # kanji/hanzi count once per character, so compare against Latin letters as words rather than letters
    if best in ("ja", "zh", "ko") and best_n * 2 < latin:
        return None
    if best == "ru":
        for lang, marks in _CYRILLIC_OTHERS.items():
            if marks.search(letters):
                return lang
    return best


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def preload() -> None:
    """Load the identifier's model now (about 1.5 s: it is decompressed and checked) rather than in the middle
    of the first batch that needs it. The pipeline does this when it is built, with the other models."""
    _identifier()


def identify(text: str) -> tuple[str, float]:
    """py3langid's (language, normalised probability) among :data:`LANGUAGES`."""
    lang, prob = _identifier().classify(text)
    return lang, float(prob)


def detect_language(text: str, declared: str | None = None) -> str:
    """ISO 639-1 code, or ``"und"`` when the text does not tell. A platform's own tag wins."""
    if declared and declared not in ("und", "qme", "qht", "qam", "qct", "zxx", "art"):
        return declared.split("-")[0].lower()
    if not text:
        return UNDETERMINED
    if "@" in text:
        cleaned = _CLEAN.sub(" ", text[:2000])
    elif "#" in text or "http" in text or "www." in text or "r/" in text or "u/" in text:
        cleaned = _CLEAN_NO_AT.sub(" ", text[:2000])
    else:
        cleaned = text[:2000]
    # ASCII text lowers letter for letter, so its words can be found in the lowered text (one call)
    ascii_text = cleaned.isascii()
    words = _WORD.findall(cleaned.lower()) if ascii_text else [w.lower() for w in _WORD.findall(cleaned)]
    if not words or all(len(w) < 2 for w in words):
        return UNDETERMINED
    # emoji and curly quotes are not letters of a language
    ascii_only = ascii_text or all(w.isascii() for w in words)
    if not ascii_only:
        script = _script_language("".join(words))
        if script is not None:
            return script
    if len(words) <= 2 and all(w in _ANY_LANGUAGE for w in words):
        return UNDETERMINED
    if ascii_only:
        english = sum(map(_ENGLISH.__contains__, words))
        if english >= 2 and english >= 3 * sum(map(_FOREIGN.__contains__, words)):
            return "en"
    lang, prob = identify(" ".join(words))
    if lang == "en" and ascii_only and not any(w in _FOREIGN for w in words):
        return "en"  # short English without function words ("scheduled exports failed"): the common case here
    if prob < _MIN_CONFIDENCE and len(words) <= _SHORT_WORDS:
        if ascii_only and any(w in STOPWORDS["en"] for w in words) and not any(w in _FOREIGN for w in words):
            return "en"
        return UNDETERMINED
    return lang
