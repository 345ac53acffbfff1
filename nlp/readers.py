"""Trained readers for intents and moments: what the rules miss in varied phrasings, scored with numpy only.

A reader is a one-vs-rest logistic regression over word uni/bigrams and character 3-5-grams (binary, idf-weighted,
each block L2-normalised), trained by :mod:`nlp.readers_train` (scikit-learn, the ``train`` extra) on the labelled
training posts in ``nlp/data/train/`` only, and exported as ``meta.json`` + ``vocab.json`` + ``weights.npz``
(loaded with ``allow_pickle=False``): nothing here imports scikit-learn.

They are combined with the rules (:func:`nlp.intents.read_intents`, :func:`nlp.moments.detect_moments`): a label
the rules missed is added when the reader's probability reaches that label's ``add`` threshold; a rule's label is
dropped when the probability is below the label's ``veto`` threshold (0 = never). Both thresholds were chosen by
cross-validation across the training writers (train on two, choose on the third), never on the evaluation sets;
``meta.json`` records them and the cross-validated figures.

A moment the reader adds must be the author's own: its best sentence passes the same self-reference checks the
rules use (a first person or an announcement, nobody else's news, no negation or hypothetical, not the past).
Its evidence is the sentence the reader scores highest, as for an intent.

Public API::

    reader = intent_reader()          # or moment_reader(); None when the model files are absent
    reader.proba(text, addressed)     # -> {label: P(label)}
"""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

FORMAT = "listenwell-readers/1"
_CHAR_CACHE_ROWS = 100_000  # distinct words whose character sums are kept (8 bytes x labels each)
MODELS_DIR = Path(__file__).resolve().parent / "models"
INTENT_READER_DIR = MODELS_DIR / "intent_reader"
MOMENT_READER_DIR = MODELS_DIR / "moment_reader"

_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_HANDLE = re.compile(r"(?<![\w@])@\w+")
_DIGITS = re.compile(r"\d")
_TOKEN = re.compile(r"[a-z0-9#$€£%]+(?:['’][a-z]+)*|[!?]|[^\sa-z0-9]", re.I)
ADDRESSED_FEATURE = "__addressed__"


def words_of(text: str) -> list[str]:
    """The post's tokens as the reader sees them: lower case, URLs, handles and digits folded."""
    text = text.lower()
    if "http" in text or "www." in text:  # the substitutions only where they can apply (most posts have none)
        text = _URL.sub(" httpurl ", text)
    if "@" in text:
        text = _HANDLE.sub(" @handle ", text)
    text = _DIGITS.sub("0", text)
    return [t.replace("’", "'") for t in _TOKEN.findall(text)]


def word_features(words: Sequence[str], addressed: bool) -> set[str]:
    feats = set(words)
    feats.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    if addressed:
        feats.add(ADDRESSED_FEATURE)
    return feats


def char_features(word: str, low: int = 3, high: int = 5) -> set[str]:
    padded = f" {word} "
    return {padded[i:i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)}


class Reader:
    """P(label) for each of ``meta["labels"]``, and the thresholds the rules are combined with."""

    def __init__(self, meta: dict, word_vocab: Sequence[str], char_vocab: Sequence[str], arrays: dict[str, np.ndarray]):
        if meta.get("format") != FORMAT:
            raise ValueError(f"unsupported reader format {meta.get('format')!r}")
        self.meta = meta
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.add_at: dict[str, float] = {k: float(v) for k, v in meta.get("add", {}).items()}
        self.veto_below: dict[str, float] = {k: float(v) for k, v in meta.get("veto", {}).items()}
        self._wvocab = {s: i for i, s in enumerate(word_vocab)}
        self._cvocab = {s: i for i, s in enumerate(char_vocab)}
        # the idf is folded into the weights: a binary feature's contribution is w·idf, its squared norm idf²
        # stored (labels, features); kept (features, labels) so a post's rows are gathered contiguously
        self._ww = np.ascontiguousarray(np.asarray(arrays["word_w"], dtype=np.float64).T)
        self._wi2 = np.asarray(arrays["word_idf2"], dtype=np.float64)
        self._cw = np.ascontiguousarray(np.asarray(arrays["char_w"], dtype=np.float64).T)
        self._ci2 = np.asarray(arrays["char_idf2"], dtype=np.float64)
        self._bias = np.asarray(arrays["bias"], dtype=np.float64).reshape(-1)
        if self._ww.shape != (len(self._wvocab), len(self.labels)) or \
                self._cw.shape != (len(self._cvocab), len(self.labels)):
            raise ValueError("reader weights do not match its labels and vocabulary")
        self._wi2_list = self._wi2.tolist()
        self._char_cache: dict[str, tuple[int, float]] = {}  # word -> (row of _rows_mat or -1, squared norm)
        self._rows_mat = np.zeros((_CHAR_CACHE_ROWS, len(self.labels)))
        self._used = 0

    @classmethod
    def load(cls, path: str | Path) -> "Reader":
        d = Path(path)
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
        with np.load(d / "weights.npz", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        return cls(meta, vocab["word"], vocab["char"], arrays)

    def _store(self, word: str, vec, sq: float) -> None:
        if self._used == len(self._rows_mat):
            self._char_cache.clear()
            self._used = 0
        self._rows_mat[self._used] = vec
        self._char_cache[word] = (self._used, sq)
        self._used += 1

    def _fill(self, words: list[str]) -> None:
        """The character entries of new words in one numpy gather: each word's n-grams summed once, kept as a
        row of a matrix, so a post then costs one gather of its words' rows. Two words of a post rarely share
        an n-gram of 3-5 characters with their padding; the training side (nlp/readers_train.py) sums per
        word the same way."""
        get = self._cvocab.get
        flat: list[int] = []
        starts: list[int] = []
        kept: list[str] = []
        for w in words:
            ids = sorted(i for i in {get(g) for g in char_features(w)} if i is not None)
            if ids:
                starts.append(len(flat))
                flat.extend(ids)
                kept.append(w)
            else:
                self._char_cache[w] = (-1, 0.0)
        if not kept:
            return
        idx = np.asarray(flat, dtype=np.intp)
        vecs = np.add.reduceat(self._cw[idx], starts, axis=0)
        sqs = np.add.reduceat(self._ci2[idx], starts).tolist()
        for w, vec, sq in zip(kept, vecs, sqs):
            self._store(w, vec, sq)

    def logits(self, text: str, addressed: bool = False) -> np.ndarray:
        words = words_of(text)
        get = self._wvocab.get
        # sorted: the sums then run in one order in every process (a set's order follows the hash seed)
        wids = sorted(i for i in map(get, word_features(words, addressed)) if i is not None)
        z = self._bias.copy()
        if wids:
            w2 = self._wi2_list
            z += self._ww[wids].sum(axis=0) / math.sqrt(sum(w2[i] for i in wids))
        distinct = sorted(set(words))
        cache = self._char_cache
        new = [w for w in distinct if w not in cache]
        if new:
            self._fill(new)
            cache = self._char_cache
            if any(w not in cache for w in distinct):  # the cache was full and cleared: fill again
                self._fill([w for w in distinct if w not in cache])
        rows = []
        n2 = 0.0
        for w in distinct:
            row, sq = cache[w]
            if row >= 0:
                rows.append(row)
                n2 += sq
        if rows:
            z += self._rows_mat[rows].sum(axis=0) / math.sqrt(n2)
        return z

    def proba(self, text: str, addressed: bool = False) -> dict[str, float]:
        z = np.clip(self.logits(text, addressed), -50, 50)
        p = 1.0 / (1.0 + np.exp(-z))
        return dict(zip(self.labels, p.tolist()))

    def label_proba(self, text: str, label: str, addressed: bool = False) -> float:
        return self.proba(text, addressed)[label]

    def __repr__(self) -> str:
        return f"Reader(labels={len(self.labels)}, words={len(self._wvocab)}, chars={len(self._cvocab)})"


@lru_cache(maxsize=1)
def intent_reader() -> Reader | None:
    """The bundled intent reader, or None when its files are absent (the rules then work alone)."""
    return _load_or_none(INTENT_READER_DIR)


@lru_cache(maxsize=1)
def moment_reader() -> Reader | None:
    return _load_or_none(MOMENT_READER_DIR)


def _load_or_none(path: Path) -> Reader | None:
    if not (path / "meta.json").is_file():
        return None
    return Reader.load(path)


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def best_sentence(reader: Reader, text: str, label: str, addressed: bool = False) -> tuple[int, int]:
    """The span of the sentence the reader scores highest for ``label``: a model-only label's evidence."""
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]
    if len(spans) <= 1:
        return spans[0] if spans else (0, len(text))
    best, best_p = spans[0], -1.0
    for a, b in spans:
        p = reader.label_proba(text[a:b], label, addressed)
        if p > best_p:
            best, best_p = (a, b), p
    return best


# ------------------------------------------------------------------------------------ gates (cheap cues)
# A moment reader runs only on posts where the rules' prefilter found a candidate or one of these stems occurs
# (checked on the training posts: what the gate lets through is what the reader can add to).
MOMENT_CUE = re.compile(
    r"\b(?:job|role|position|promot|hired|joined|joining|started|starting|first day|freelance|ceo|cto|coo|head of|"
    r"launch|shipp|releas|out now|beta|opened|opening|v\d|"
    r"rais|fund|seed|series [a-e]|investor|backed|grant|"
    r"acqui|bought|sold|merg|"
    r"mov(?:e|ed|ing)|relocat|keys|lease|new (?:flat|house|home|place|city)|packing|"
    r"wedding|married|engag|husband|wife|fianc|proposed|said yes|honeymoon|"
    r"baby|born|pregnan|expecting|newborn|daughter|twins|parental|maternity|paternity|"
    r"birthday|bday|b-day|turn(?:ed|ing|s)? \d|\d\d today|older|"
    r"anniversar|decade|"
    r"hospital|surgery|diagnos|sick|ill\b|illness|cancer|covid|flu|burnout|recover|chemo|broke my|"
    r"passed|funeral|died|death|grief|griev|rip\b|miss (?:you|him|her)|"
    r"award|prize|won\b|winner|nominat|shortlist|finalist|honou?r|"
    r"speak|spoke|talk|keynote|panel|podcast|webinar|workshop|lectur|"
    r"new (?:dad|mum|mom|address|apartment|website|site|chapter|country)|dropp|publish|trading|"
    r"loan|financ|marr|hitch|knot|vow|\bwed|elop|mrs\b|it'?s a (?:boy|girl)|"
    r"hbd|\d\d(?:st|nd|rd|th)\b|accident|fever|miscarr|"
    r"ranked|elected|selected|voted|amalgamat|part of|taken over|"
    r"landed in|settled|living in|shifting|movin|removal|working for)", re.I)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'll|i'd|im|ive|me|my|we|we're|we've|we'll|our|us)\b", re.I)


def _top_level_alternatives(pattern: str) -> list[str]:
    out, depth, current, i = [], 0, "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            current += pattern[i:i + 2]
            i += 2
            continue
        if c == "[":
            j = pattern.index("]", i + 1)
            current += pattern[i:j + 1]
            i = j + 1
            continue
        depth += (c == "(") - (c == ")")
        if c == "|" and depth == 0:
            out.append(current)
            current = ""
        else:
            current += c
        i += 1
    out.append(current)
    return out


def grouped_by_first_letter(regex: re.Pattern[str]) -> re.Pattern[str]:
    """The same search for ``\\b(?:alt|alt|…)suffix``, its alternatives grouped by their first letter: Python's
    engine then tries one branch at each word start instead of every one (4× faster for MOMENT_CUE; whether it
    matches is unchanged, which match it returns may differ)."""
    pattern = regex.pattern
    head, close = "\\b(?:", pattern.rfind(")")
    if not pattern.startswith(head):
        return regex
    groups: dict[str, list[str]] = {}
    other: list[str] = []
    for alt in _top_level_alternatives(pattern[len(head):close]):
        if len(alt) >= 2 and alt[0].isalpha() and alt[1] not in "?*+{":
            groups.setdefault(alt[0].lower(), []).append(alt[1:])
        elif len(alt) == 1 and alt.isalpha():
            groups.setdefault(alt.lower(), []).append("")
        else:
            other.append(alt)
    parts = [f"{k}(?:{'|'.join(v)})" for k, v in sorted(groups.items())] + other
    return re.compile(head + "|".join(parts) + pattern[close:], regex.flags)


_FAST_CUE = grouped_by_first_letter(MOMENT_CUE)
_FAST_FIRST_PERSON = grouped_by_first_letter(_FIRST_PERSON)


def moment_gate(text: str, rule_candidates: int) -> bool:
    """Whether the moment reader reads the post: the rules' prefilter found a candidate, or a cue stem stands in
    a post that speaks in the first person."""
    if rule_candidates:
        return True
    return _FAST_FIRST_PERSON.search(text) is not None and _FAST_CUE.search(text) is not None


def intent_gate(text: str, addressed: bool, found: list) -> bool:
    """Whether the intent reader reads the post: it can lead to an action (addressed to us, a @mention, a
    question) or the rules already found an intent in it; the bulk of ordinary posts is left to the rules."""
    return addressed or bool(found) or "@" in text or "?" in text


# --------------------------------------------------------------------------- the author is the subject
def own_moment_sentence(kind: str, sentence: str, text: str) -> bool:
    """Whether a sentence the reader picked reads as the author's own ``kind`` of moment, by the rules'
    self-reference checks (nlp/moments.py): a first person or an announcement, nobody else's news, no negation,
    hypothetical or memory."""
    from nlp import moments as m

    if sentence.rstrip().endswith("?"):
        return False  # a question is not news: "can I get my data out without talking to sales?"
    if m._PAST.search(sentence) or m._NEGATION.search(sentence) or m._HEARSAY.search(sentence):
        return False
    if m._WORK_RELATION.search(sentence):
        return False
    if kind not in m._OWN_FAMILY_OK and m._CLOSE_RELATION.search(sentence):
        return False
    if kind in m._PERSONAL and m._NAMED_SUBJECT.search(sentence):
        return False
    if kind == "birthday" and m._LAST_WEEK.search(sentence):
        return False
    if m._FIRST_PERSON.search(sentence):
        return True
    # no first person in the sentence: a short announcement ("Forty today.", "Engaged!!") in a post that is
    # otherwise the author's ("we", "my") or says it is their news; a headline has neither
    short = len(sentence.split()) <= 6
    return short and bool(m._FIRST_PERSON.search(text) or m._OWN_NEWS.search(text))


def combine_moments(text: str, found: list, rule_candidates: int, reader: Reader | None = None) -> list:
    """The rules' moments, less those the reader vetoes, plus the author's own moments only the reader saw."""
    from nlp.moments import Moment

    reader = reader if reader is not None else moment_reader()
    if reader is None or not moment_gate(text, rule_candidates):
        return found
    p = reader.proba(text)
    kept = [mo for mo in found if p.get(mo.type, 1.0) >= reader.veto_below.get(mo.type, 0.0)]
    have = {mo.type for mo in kept}
    for kind in reader.labels:
        if kind in have or p[kind] < reader.add_at.get(kind, 2.0):
            continue
        a, b = best_sentence(reader, text, kind)
        sentence = text[a:b]
        if not own_moment_sentence(kind, sentence, text):
            continue
        evidence = sentence.strip()
        if len(evidence) > 180:
            evidence = evidence[:177].rstrip() + "…"
        kept.append(Moment(kind, round(min(0.5 + p[kind] / 2, 0.95), 2), evidence, a, b))
    return sorted(kept, key=lambda mo: -mo.confidence)


def answerable_question(sentence: str, addressed: bool) -> bool:
    """Whether a question the reader found is one the rules would not rule out: not rhetorical ("can you
    believe…"), not quoted, and, in a post not addressed to us, not social ("anyone watching the game?")."""
    from nlp import intents as i

    if i._RHETORICAL.search(sentence) or i._QUOTED_QUESTION.search(sentence):
        return False
    return addressed or not i._SOCIAL.search(sentence) or bool(i._ASK.search(sentence))


_BUYING_OR_LEAVING = frozenset({"purchase_intent", "churn_risk"})


def allowed_intent(name: str, sentence: str, addressed: bool, have=frozenset(), sentiment_label: str | None = None
                   ) -> bool:
    """The rules' exclusions a label the reader adds must pass too. A question needs a question mark unless it
    is addressed to us, and is not added to a buying or leaving post not addressed to us (that post's question
    is its purchase or leaving talk: an opportunity, read by hand, not queued); a complaint is not added to a
    positive post or beside praise, praise not to a negative post."""
    from nlp.polarity import is_negative, is_positive

    if name == "question":
        if not addressed and ("?" not in sentence or have & _BUYING_OR_LEAVING):
            return False
        return answerable_question(sentence, addressed)
    if name == "complaint":
        return not is_positive(sentiment_label) and "praise" not in have
    if name == "praise":
        return not is_negative(sentiment_label) and "complaint" not in have
    return True


def combine_intents(text: str, addressed: bool, found: list, sentiment_label: str | None = None,
                    reader: Reader | None = None) -> list:
    """The rules' intents, less those the reader vetoes, plus those only the reader saw (never praise beside a
    complaint)."""
    from nlp.intents import INTENTS, Intent

    reader = reader if reader is not None else intent_reader()
    if reader is None or not intent_gate(text, addressed, found):
        return found
    p = reader.proba(text, addressed)
    kept = [i for i in found if p.get(i.name, 1.0) >= reader.veto_below.get(i.name, 0.0)]
    have = {i.name for i in kept}
    for name in reader.labels:
        if name in have or p[name] < reader.add_at.get(name, 2.0):
            continue
        a, b = best_sentence(reader, text, name, addressed)
        if not allowed_intent(name, text[a:b], addressed, frozenset(have), sentiment_label):
            continue
        evidence = text[a:b].strip()
        if len(evidence) > 160:
            evidence = evidence[:159].rstrip() + "…"
        kept.append(Intent(name, evidence, a, b, round(min(0.5 + p[name] / 2, 0.95), 2)))
        have.add(name)
    if "complaint" in have and "praise" in have:
        kept = [i for i in kept if i.name != "praise"]
    kept.sort(key=lambda i: INTENTS.index(i.name))
    return kept
