"""Tweet sentiment scoring: a linear model over social-media-aware n-gram features.

Inference needs only the standard library and numpy (no scikit-learn, no spaCy,
no pickle).  The model is a three-class (negative / neutral / positive)
multinomial logistic regression trained by :mod:`nlp.sentiment_train` and
exported as ``meta.json`` + ``vocab.json`` + ``weights.npz`` (loaded with
``allow_pickle=False``).

Features (see :func:`analyze`):

* text normalisation: HTML entities, curly apostrophes, URLs -> ``__url__``,
  @mentions -> ``__user__``, ``#happy`` -> ``happy`` (plus a ``#happy`` feature),
  numbers -> ``__num__``, elongation ``sooo`` -> ``soo`` (+ an ``__elong__`` flag),
  ALL CAPS words lower-cased (+ an ``__allcaps__`` flag);
* emoticons (``:)``, ``:-(``, ``<3``, ``xD`` ...) and a small emoji polarity list map
  to ``__emopos__`` / ``__emoneg__`` (the SemEval tweets carry emoticons but no
  emoji, so emoji share the emoticon weights);
* negation scope: words after ``not``/``never``/``n't``/... up to the next
  punctuation mark, emoticon or ``but`` get a ``_NEG`` suffix;
* ``but``: words in the clause after ``but`` also yield a ``B_``-prefixed unigram
  (the clause after "but" usually carries the overall sentiment);
* sarcasm markers (``#sarcasm``, ``#not``, ``#irony``, ``yeah right``) -> ``__sarcasm__``;
* word 1-2-grams (binary, idf-weighted, L2-normalised block) and character
  2-5-grams of each normalised word (per word: binary, idf-weighted; block =
  sum over the post's words / sqrt(sum of their squared norms), so the block's
  contribution can be cached per distinct word).

Public API::

    model = SentimentModel.load()          # bundled artefact, or load(path)
    model.score("sooo happy :)")           # -> (score in [-1, 1], "positive")
    model.score_many(list_of_texts)        # fast batch path
    default_model()                        # process-wide cached bundled model
"""

from __future__ import annotations

import html
import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

LABELS = ("negative", "neutral", "positive")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "sentiment"
FORMAT = "listenwell-sentiment-linear/1"

# Analyzer settings; stored in meta.json so training and inference always agree.
DEFAULT_ANALYZER = {
    "char_min": 2,
    "char_max": 5,
    "but_mark": True,
    "bigrams": True,
}

# --------------------------------------------------------------------------- lexicons

NEGATION_WORDS = frozenset(
    """not no never nothing nobody none nowhere neither nor cannot cant dont doesnt didnt
    isnt arent wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt aint without
    mustnt neednt shant lack lacks lacked""".split()
)
SARCASM_TAGS = frozenset("sarcasm sarcastic not irony ironic notreally yeahright".split())

# Emoji polarity (small, hand-picked).  Skin-tone modifiers / variation selectors are
# dropped by the tokenizer, so the bare code points are enough.
EMOJI_POS = frozenset(
    "😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩🥳😇😻😸😹😺😽👍👏🙌💪🎉🎊🎈🎁❤♥💕💖💗💓💞💘💝💜💙💚💛🧡"
    "✨🌟⭐👌💯🔥😜😝😛🤤🌞🌈🍾🥂🏆🥇✌🤘🙏☺😌🤑👑💐🌹"
)
EMOJI_NEG = frozenset(
    "😞😔😟😕🙁☹😣😖😫😩😢😭😤😠😡🤬👎💔😒😑😓😥😰😨😱🤮🤢🙄😪💩😿🖕😾👿💀☠🤦😬🥺🤡😷🤒🤕"
)

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.I)
# a question that asks how, where, whether: "@acme how do I export a board?" (see SentimentModel._plain_question)
_PLAIN_QUESTION = re.compile(
    r"^\s*(?:@\w+[\s,:]*)*(?:hi|hey|hello|quick q(?:uestion)?:?|so|ok)?[\s,]*"
    r"(?:how (?:do|can|should|would) (?:i|we|you)|is there (?:a|any)|are there|where (?:can|do|is|are)|"
    r"can (?:i|we|you)|could (?:i|we|you)|does (?:it|the|your|this)|do (?:you|i|we)|which|what(?:'s| is) the "
    r"(?:best|easiest|right|limit|max)|any (?:tips|advice|recommendations|idea))\b[^?]*\?\s*$", re.I)
_WORDS = re.compile(r"[a-z']+")
_MENTION_RE = re.compile(r"(?<![\w@])@\w+")
_YEAH_RIGHT_RE = re.compile(r"\byeah,? right\b", re.I)
_ELONG_RE = re.compile(r"(\w)\1{2,}")

_EYES = r"[:=;]"
_EYES_X = r"(?<![\w])[xX8]"
_NOSE = r"[-o^'\"]?"
_TOKEN_ALTS = [
    r"#\w+",  # 1 hashtag
    # 2 positive emoticons
    r"%s%s[)\]}dDpP3*]+(?![\w])|%s%s[)\]}D]+(?![\w])|\(+%s%s|<3+|\^[_.-]?\^|\\o/"
    % (_EYES, _NOSE, _EYES_X, _NOSE, _NOSE, _EYES),
    # 3 negative emoticons
    r"%s'?%s[(\[{/\\|]+(?![\w/])|\)+%s%s(?![\w])|</3|-_+-|[tT]_+[tT](?![\w])"
    % (_EYES, _NOSE, _NOSE, _EYES),
    r"\w+(?:'\w+)*",  # 4 word
    r"[!?]+|\.{2,}|[.,;:]",  # 5 punctuation
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2764\u2B06-\u2B07]",  # 6 emoji
]
_TOKEN_RE = re.compile("|".join("(%s)" % a for a in _TOKEN_ALTS))
_findall = re.compile("|".join("(?:%s)" % a for a in _TOKEN_ALTS)).findall



@lru_cache(maxsize=200_000)
def _norm_word(w: str) -> tuple[str, bool, bool]:
    """(normalised form, is_all_caps, is_elongated) for one word token."""
    caps = len(w) >= 3 and w.isupper() and any(c.isalpha() for c in w)
    lw = w.lower()
    elong = False
    if _ELONG_RE.search(lw):
        lw = _ELONG_RE.sub(r"\1\1", lw)
        elong = True
    if lw.isdigit() or (lw[:1].isdigit() and any(c.isdigit() for c in lw[1:]) and len(lw) > 2
                        and sum(c.isdigit() for c in lw) * 2 >= len(lw)):
        lw = "__num__"
    return lw, caps, elong


_TOK_CACHE: dict[str, tuple] = {}


def _classify(tok: str) -> tuple:
    """Cached per-token analysis (the token string alone decides its class)."""
    m = _TOKEN_RE.fullmatch(tok)
    kind = m.lastindex if m else 0
    if kind == 4 or kind == 1:
        tag = None
        role = 0
        raw = tok
        if kind == 1:
            raw = tok[1:]
            if raw.lower() in SARCASM_TAGS:
                info: tuple = (0, "", False, False, 4, None)
                return _remember(tok, info)
            tag = "#" + _norm_word(raw)[0]
        if raw == "__url__" or raw == "__user__":
            info = (0, raw, False, False, 3, tag)
            return _remember(tok, info)
        w, caps, el = _norm_word(raw)
        if w == "__num__":
            role = 5
        elif w in NEGATION_WORDS or w.endswith("n't"):
            role = 1
        elif w in ("but", "however", "although", "though"):
            role = 2
        # a plain word (most tokens) gets its own short record, so the hot loop in analyze() skips the checks
        info = (6, w) if role == 0 and tag is None and not caps and not el else (0, w, caps, el, role, tag)
    elif kind == 5:
        c0 = tok[0]
        if c0 == "!" or c0 == "?":
            if len(tok) == 1:
                p = tok
            elif "!" in tok and "?" in tok:
                p = "?!"
            else:
                p = c0 + c0
        else:
            p = tok if len(tok) == 1 else "..."
        info = (1, p)
    elif kind == 2:
        info = (2, "__emopos__", None)
    elif kind == 3:
        info = (2, "__emoneg__", None)
    elif tok in EMOJI_POS:
        info = (2, "__emopos__", tok)
    elif tok in EMOJI_NEG:
        info = (2, "__emoneg__", tok)
    else:
        info = (3, tok)
    return _remember(tok, info)


# No token spans whitespace and none of the patterns' look-arounds can tell whitespace from the string's
# edge, so a post's tokens are its whitespace-separated chunks' tokens: analysed once per distinct chunk.
_CHUNK_CACHE: dict[str, tuple] = {}


def _chunk_infos(chunk: str) -> tuple:
    get = _TOK_CACHE.get
    infos = tuple(get(tok) or _classify(tok) for tok in _findall(chunk))
    if len(_CHUNK_CACHE) > 300_000:
        _CHUNK_CACHE.clear()
    _CHUNK_CACHE[chunk] = infos
    return infos


def _remember(tok: str, info: tuple) -> tuple:
    if len(_TOK_CACHE) > 300_000:
        _TOK_CACHE.clear()
    _TOK_CACHE[tok] = info
    return info


def analyze(text: str, but_mark: bool = True, bigrams: bool = True, lexicon: dict | None = None,
            **_ignored) -> tuple[list[str], list[str]]:
    """Split a post into (word-level features, normalised words for character n-grams).

    ``lexicon`` (word -> valence, e.g. VADER's) adds bucketed polarity-sum features,
    with valences of negated words flipped and damped.
    """
    if "&" in text:
        text = html.unescape(text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    if "http" in text or "www." in text or "WWW." in text:
        text = _URL_RE.sub(" __url__ ", text)
    if "@" in text:
        text = _MENTION_RE.sub(" __user__ ", text)
    extras: list[str] = []
    if "right" in text and _YEAH_RIGHT_RE.search(text):
        extras.append("__sarcasm__")

    seq: list[str] = []  # sequence for uni/bigrams (negation-marked)
    words: list[str] = []  # normalised words (for char n-grams)
    neg = False
    after_but = False
    caps_n = 0
    elong = False
    lpos = lneg = 0.0
    chunk_get = _CHUNK_CACHE.get
    for info in [info for chunk in text.split() for info in (chunk_get(chunk) or _chunk_infos(chunk))]:
        k = info[0]
        if k == 6:  # plain word: (6, norm); the k == 0 path below, without its flags
            w = info[1]
            words.append(w)
            if neg:
                seq.append(w + "_NEG")
            else:
                seq.append(w)
            if lexicon is not None:
                v = lexicon.get(w)
                if v:
                    if neg:
                        v = -0.74 * v
                    if after_but:
                        v *= 1.5
                    if v > 0:
                        lpos += v
                    else:
                        lneg -= v
            if after_but and but_mark:
                extras.append("B_" + w)
        elif k == 0:  # word or hashtag: (0, norm, caps, elong, role, hashtag-feature)
            if info[5] is not None:
                extras.append(info[5])
            role = info[4]
            if role == 3:  # __url__ / __user__
                seq.append(info[1])
                continue
            if role == 4:  # sarcasm hashtag
                extras.append("__sarcasm__")
                continue
            w = info[1]
            if info[2]:
                caps_n += 1
            if info[3]:
                elong = True
            if role == 5:  # number
                seq.append(w)
                continue
            words.append(w)
            if role == 1:
                seq.append(w)
                neg = True
                continue
            if role == 2:
                seq.append(w)
                neg = False
                after_but = True
                continue
            seq.append(w + "_NEG" if neg else w)
            if lexicon is not None:
                v = lexicon.get(w)
                if v:
                    if neg:
                        v = -0.74 * v
                    if info[2]:
                        v *= 1.5
                    if after_but:
                        v *= 1.5
                    if v > 0:
                        lpos += v
                    else:
                        lneg -= v
            if after_but and but_mark:
                extras.append("B_" + w)
        elif k == 1:  # punctuation: (1, normalised)
            p = info[1]
            seq.append(p)
            neg = False
            if p != ",":
                after_but = False
        elif k == 2:  # emoticon / polar emoji: (2, token, raw-emoji-feature or None)
            seq.append(info[1])
            neg = False
            if info[2] is not None:
                extras.append(info[2])
        else:  # other emoji: (3, raw)
            extras.append("__emoji__")
            extras.append(info[1])
    if caps_n:
        extras.append("__allcaps__")
        if caps_n > 1:
            extras.append("__allcaps2__")
    if elong:
        extras.append("__elong__")
    if lexicon is not None:
        extras.extend(_lex_buckets(lpos, lneg))
    feats = seq + extras
    if bigrams and len(seq) > 1:
        feats.extend([a + " " + b for a, b in zip(seq, seq[1:])])
    return feats, words


def _lex_buckets(lpos: float, lneg: float) -> list[str]:
    out = []
    for name, v in (("__lexpos", lpos), ("__lexneg", lneg)):
        if v > 0:
            out.append(name + "0__")
        if v >= 1.5:
            out.append(name + "1__")
        if v >= 3:
            out.append(name + "2__")
        if v >= 5:
            out.append(name + "3__")
    d = lpos - lneg
    if d >= 1:
        out.append("__lexdiff+1__")
    if d >= 3:
        out.append("__lexdiff+3__")
    if d <= -1:
        out.append("__lexdiff-1__")
    if d <= -3:
        out.append("__lexdiff-3__")
    if -1 < d < 1:
        out.append("__lexdiff0__")
    return out


def char_ngrams(word: str, nmin: int = 2, nmax: int = 5) -> list[str]:
    """Character n-grams of a word padded with one space each side (like sklearn ``char_wb``)."""
    w = " " + word + " "
    L = len(w)
    out = []
    for n in range(nmin, nmax + 1):
        if n > L:
            break
        out += [w[i:i + n] for i in range(L - n + 1)]
    return out


# --------------------------------------------------------------------------- model



def _char_block(cache: dict, words: list[str]) -> tuple[float, float, float]:
    """The character n-gram block's contribution to the three logits: the words' cached sums,
    L2-normalised over the whole post."""
    a0 = a1 = a2 = n2 = 0.0
    for w in words:
        v = cache[w]
        a0 += v[0]
        a1 += v[1]
        a2 += v[2]
        n2 += v[3]
    if n2 <= 0:
        return 0.0, 0.0, 0.0
    f = n2 ** -0.5
    return a0 * f, a1 * f, a2 * f

class SentimentModel:
    """Three-class linear tweet sentiment model (numpy-only inference)."""

    labels: tuple[str, ...]
    version: str

    def __init__(self, meta: dict, word_vocab: Sequence[str], char_vocab: Sequence[str],
                 arrays: dict[str, np.ndarray], lexicon: dict[str, float] | None = None):
        if meta.get("format") != FORMAT:
            raise ValueError(f"unsupported sentiment model format {meta.get('format')!r}")
        self.meta = meta
        self.version = str(meta.get("version", "unknown"))
        self.labels = tuple(meta.get("labels", LABELS))
        if set(self.labels) != set(LABELS):
            raise ValueError(f"model labels must be {LABELS}, got {self.labels}")
        self.settings = dict(DEFAULT_ANALYZER)
        self.settings.update(meta.get("analyzer", {}))
        self._cmin = int(self.settings["char_min"])
        self._cmax = int(self.settings["char_max"])
        self._wvocab = {s: i for i, s in enumerate(word_vocab)}
        self._cvocab = {s: i for i, s in enumerate(char_vocab)}
        self._ww = np.ascontiguousarray(arrays["word_w"], dtype=np.float64)
        self._wi2 = np.ascontiguousarray(arrays["word_idf2"], dtype=np.float64)
        self._cw = np.ascontiguousarray(arrays["char_w"], dtype=np.float64)
        self._ci2 = np.ascontiguousarray(arrays["char_idf2"], dtype=np.float64)
        self._bias = np.asarray(arrays["bias"], dtype=np.float64).reshape(-1)
        k = len(self.labels)
        if self._ww.shape != (len(self._wvocab), k) or self._cw.shape != (len(self._cvocab), k):
            raise ValueError("weights do not match vocabulary sizes")
        self._ipos = self.labels.index("positive")
        self._ineg = self.labels.index("negative")
        self._char_cache: dict[str, tuple[float, float, float, float]] = {}
        if self.settings.get("lexicon") and lexicon is None:
            raise ValueError("model was trained with a polarity lexicon but none was given")
        self._lexicon = lexicon if self.settings.get("lexicon") else None

    # ---------------------------------------------------------------- loading
    @classmethod
    def load(cls, path: str | Path | None = None) -> "SentimentModel":
        """Load an artefact directory (``None`` -> the bundled ``nlp/models/sentiment/``)."""
        d = Path(path) if path is not None else DEFAULT_MODEL_DIR
        try:
            meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
            vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
            with np.load(d / "weights.npz", allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            cache = None
            if (d / "char_cache.npy").is_file() and "cached_words" in vocab:
                cache = (vocab["cached_words"], np.load(d / "char_cache.npy", allow_pickle=False))
            lexicon = None
            if meta.get("analyzer", {}).get("lexicon"):
                lexicon = json.loads((d / "lexicon.json").read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise FileNotFoundError(
                f"{d} is not a sentiment model directory (needs meta.json, vocab.json, weights.npz"
                f" and lexicon.json if the model uses one): {e}"
            ) from e
        model = cls(meta, vocab["word"], vocab["char"], arrays, lexicon=lexicon)
        if cache is not None and len(cache[0]) == len(cache[1]):
            # precomputed char-block vectors of frequent words (same values the model would compute)
            model._char_cache.update(zip(cache[0], map(tuple, cache[1].tolist())))
        return model

    # ---------------------------------------------------------------- char block per word
    def _fill_char_cache(self, words: Iterable[str]) -> None:
        """Compute (3 class-logit contributions, squared idf norm) of the character n-grams
        of each new word, vectorised over all the words at once."""
        get = self._cvocab.get
        cmin, cmax = self._cmin, self._cmax
        words = set(words)
        new = [w for w in words if w not in self._char_cache]
        if not new:
            return
        if len(self._char_cache) + len(new) > 500_000:  # bound memory; keep this batch's words
            self._char_cache.clear()
            new = list(words)
        flat: list[int] = []
        owner: list[int] = []
        for j, w in enumerate(new):
            ids = set(map(get, char_ngrams(w, cmin, cmax)))
            ids.discard(None)
            flat.extend(ids)
            owner.extend([j] * len(ids))
        m = len(new)
        if flat:
            ids_a = np.asarray(flat, dtype=np.intp)
            own = np.asarray(owner, dtype=np.intp)
            cw = self._cw[ids_a]
            cols = [np.bincount(own, weights=cw[:, k], minlength=m) for k in range(3)]
            cols.append(np.bincount(own, weights=self._ci2[ids_a], minlength=m))
            vals = list(zip(*(c.tolist() for c in cols)))
        else:
            vals = [(0.0, 0.0, 0.0, 0.0)] * m
        self._char_cache.update(zip(new, vals))

    # ---------------------------------------------------------------- scoring
    def predict_proba(self, texts: Sequence[str], analyses_out: list | None = None) -> np.ndarray:
        """(len(texts), 3) class probabilities in the order of ``self.labels``. With ``analyses_out`` (a list),
        each text's :func:`analyze` result is appended to it, for models that share these features
        (:mod:`nlp.textclf`)."""
        n = len(texts)
        wget = self._wvocab.get
        but_mark = bool(self.settings.get("but_mark", True))
        bigrams = bool(self.settings.get("bigrams", True))
        lexicon = self._lexicon
        w_ids: list[int] = []
        w_doc: list[int] = []
        doc_words: list[list[str]] = []
        all_words: list[str] = []
        for d, text in enumerate(texts):
            feats, words = analyze(text if isinstance(text, str) else str(text), but_mark, bigrams, lexicon)
            if analyses_out is not None:
                analyses_out.append((feats, words))
            ids = set(map(wget, feats))
            ids.discard(None)
            if ids:
                w_ids.extend(ids)
                w_doc.extend([d] * len(ids))
            doc_words.append(words)
            all_words += words
        self._fill_char_cache(all_words)
        cache = self._char_cache
        crow = [_char_block(cache, words) for words in doc_words]
        logits = np.array(crow, dtype=np.float64).reshape(n, 3)
        logits += self._bias
        if w_ids:
            ids = np.asarray(w_ids, dtype=np.intp)
            doc = np.asarray(w_doc, dtype=np.intp)
            norm = np.sqrt(np.bincount(doc, weights=self._wi2[ids], minlength=n))
            norm[norm == 0] = 1.0
            contrib = self._ww[ids]
            for k in range(3):
                logits[:, k] += np.bincount(doc, weights=contrib[:, k], minlength=n) / norm
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def score_many(self, texts: Sequence[str], batch_size: int = 4096,
                   analyses_out: list | None = None) -> list[tuple[float, str]]:
        """Batch scoring: ``[(P(pos) - P(neg), label), ...]`` in input order (``analyses_out``: see
        :meth:`predict_proba`)."""
        if not isinstance(texts, (list, tuple)):
            texts = list(texts)
        out: list[tuple[float, str]] = []
        labels = self.labels
        for start in range(0, len(texts), batch_size):
            p = self.predict_proba(texts[start:start + batch_size], analyses_out)
            s = (p[:, self._ipos] - p[:, self._ineg]).tolist()
            am = p.argmax(axis=1).tolist()
            out.extend((sc, labels[a]) for sc, a in zip(s, am))
        if self._lexicon is not None:
            for i, text in enumerate(texts):
                if out[i][1] != "neutral" and "?" in text and self._plain_question(text):
                    out[i] = (out[i][0], "neutral")
        return out

    def _plain_question(self, text: str) -> bool:
        """A how-to question with no strong feeling in it ("how do I share a dashboard?"): neutral, whatever
        the words around it lean to. Strong words (valence ≥ 1.5 either way in the lexicon), "!" and emoticons
        keep the model's label."""
        if "!" in text or not _PLAIN_QUESTION.match(text):
            return False
        lexicon = self._lexicon
        for w in _WORDS.findall(text.lower()):
            v = lexicon.get(w)
            if v is not None and abs(v) >= 1.5:
                return False
        return not any(t in text for t in (":)", ":(", ":-)", ":-(", ":D"))

    def score(self, text: str, analyses_out: list | None = None) -> tuple[float, str]:
        """``(score, label)``: score = P(positive) - P(negative) in [-1, 1].

        Single-post path (same numbers as :meth:`score_many`, less numpy overhead)."""
        feats, words = analyze(text if isinstance(text, str) else str(text),
                               bool(self.settings.get("but_mark", True)),
                               bool(self.settings.get("bigrams", True)), self._lexicon)
        if analyses_out is not None:
            analyses_out.append((feats, words))
        l0, l1, l2 = self._bias.tolist()
        ids = set(map(self._wvocab.get, feats))
        ids.discard(None)
        if ids:
            idl = list(ids)
            c = (self._ww[idl].sum(axis=0) / math.sqrt(float(self._wi2[idl].sum()))).tolist()
            l0 += c[0]
            l1 += c[1]
            l2 += c[2]
        if words:
            cache = self._char_cache
            if any(w not in cache for w in words):
                self._fill_char_cache(words)
            c0, c1, c2 = _char_block(cache, words)
            l0 += c0
            l1 += c1
            l2 += c2
        mx = max(l0, l1, l2)
        e = [math.exp(l0 - mx), math.exp(l1 - mx), math.exp(l2 - mx)]
        z = e[0] + e[1] + e[2]
        p = [x / z for x in e]
        k = max(range(3), key=p.__getitem__)
        label = self.labels[k]
        if label != "neutral" and self._lexicon is not None and "?" in text and self._plain_question(text):
            label = "neutral"
        return p[self._ipos] - p[self._ineg], label

    def __repr__(self) -> str:
        return f"SentimentModel(version={self.version!r}, words={len(self._wvocab)}, chars={len(self._cvocab)})"


@lru_cache(maxsize=1)
def default_model() -> SentimentModel:
    """The bundled model, loaded lazily once per process."""
    return SentimentModel.load()


def score(text: str) -> tuple[float, str]:
    """Convenience: score one post with :func:`default_model`."""
    return default_model().score(text)


def score_many(texts: Iterable[str]) -> list[tuple[float, str]]:
    """Convenience: batch-score posts with :func:`default_model`."""
    return default_model().score_many(list(texts))
