"""A binary linear text classifier over the sentiment model's features, scored with numpy only.

Complaints and irony are read with this: a logistic regression trained by :mod:`nlp.textclf_train`
(scikit-learn, the ``train`` extra) and exported as ``meta.json`` + ``vocab.json`` + ``weights.npz``
(loaded with ``allow_pickle=False``). Its features are exactly those of :func:`nlp.sentiment.analyze`
with the same analyzer settings, so a post analysed once for sentiment is scored here without being
analysed again (:meth:`LinearTextClassifier.proba_analysed`):

* word block: the binary word features (uni/bigrams with negation marks, emoticons, flags),
  idf-weighted and L2-normalised;
* character block: character 2-5-grams of each normalised word, idf-weighted, summed over the post's
  words and divided by the root of the summed squared norms (one cached number pair per distinct word).

Public API::

    model = LinearTextClassifier.load(path)
    model.proba("your export sent last week's numbers, twice now")   # -> P(positive class)
    model.proba_analysed(feats, words)                                # after analyze() once
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.sentiment import DEFAULT_ANALYZER, analyze, char_ngrams

FORMAT = "listenwell-linear-binary/1"


class LinearTextClassifier:
    """P(label) for one label (``meta["label"]``: "complaint", "irony") against the rest."""

    def __init__(self, meta: dict, word_vocab: Sequence[str], char_vocab: Sequence[str],
                 arrays: dict[str, np.ndarray], lexicon: dict[str, float] | None = None):
        if meta.get("format") != FORMAT:
            raise ValueError(f"unsupported classifier format {meta.get('format')!r}")
        self.meta = meta
        self.label = str(meta.get("label", "positive"))
        self.version = str(meta.get("version", "unknown"))
        self.threshold = float(meta.get("threshold", 0.5))
        self.settings = dict(DEFAULT_ANALYZER)
        self.settings.update(meta.get("analyzer", {}))
        self._cmin, self._cmax = int(self.settings["char_min"]), int(self.settings["char_max"])
        self._wvocab = {s: i for i, s in enumerate(word_vocab)}
        self._cvocab = {s: i for i, s in enumerate(char_vocab)}
        self._ww = np.asarray(arrays["word_w"], dtype=np.float64).reshape(-1)
        self._wi2 = np.asarray(arrays["word_idf2"], dtype=np.float64).reshape(-1)
        self._cw = np.asarray(arrays["char_w"], dtype=np.float64).reshape(-1)
        self._ci2 = np.asarray(arrays["char_idf2"], dtype=np.float64).reshape(-1)
        self._bias = float(np.asarray(arrays["bias"]).reshape(-1)[0])
        if len(self._ww) != len(self._wvocab) or len(self._cw) != len(self._cvocab):
            raise ValueError("weights do not match vocabulary sizes")
        self._wlist = self._ww.tolist()
        self._w2list = self._wi2.tolist()
        self._clist = self._cw.tolist()  # plain lists: summing a few dozen values beats numpy's indexing
        self._c2list = self._ci2.tolist()
        if self.settings.get("lexicon") and lexicon is None:
            raise ValueError("classifier was trained with a polarity lexicon but none was given")
        self._lexicon = lexicon if self.settings.get("lexicon") else None
        self._char_cache: dict[str, tuple[float, float]] = {}

    @classmethod
    def load(cls, path: str | Path) -> "LinearTextClassifier":
        d = Path(path)
        try:
            meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
            vocab = json.loads((d / "vocab.json").read_text(encoding="utf-8"))
            with np.load(d / "weights.npz", allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            lexicon = None
            if meta.get("analyzer", {}).get("lexicon"):
                lexicon = _shared_lexicon(d)
        except FileNotFoundError as e:
            raise FileNotFoundError(f"{d} is not a classifier directory (needs meta.json, vocab.json, weights.npz): "
                                    f"{e}") from e
        return cls(meta, vocab["word"], vocab["char"], arrays, lexicon=lexicon)

    def shares_analysis_with(self, settings: dict) -> bool:
        """Whether features analysed with ``settings`` (a sentiment model's) are this model's features."""
        keys = ("but_mark", "bigrams", "lexicon")
        return all(bool(self.settings.get(k)) == bool(settings.get(k)) for k in keys)

    def _char_entry(self, word: str) -> tuple[float, float]:
        entry = self._char_cache.get(word)
        if entry is None:
            get = self._cvocab.get
            ids = {get(g) for g in char_ngrams(word, self._cmin, self._cmax)}
            ids.discard(None)
            cw, c2 = self._clist, self._c2list
            entry = (sum(cw[i] for i in ids), sum(c2[i] for i in ids))
            if len(self._char_cache) > 300_000:
                self._char_cache.clear()
            self._char_cache[word] = entry
        return entry

    def prefill(self, words) -> None:
        """Compute the character entries of many new words at once (numpy, one pass): what a batch of posts
        costs instead of one small sum per word."""
        new = [w for w in set(words) if w not in self._char_cache]
        if not new:
            return
        if len(self._char_cache) + len(new) > 300_000:
            self._char_cache.clear()
        get = self._cvocab.get
        flat: list[int] = []
        owner: list[int] = []
        for j, w in enumerate(new):
            ids = {get(g) for g in char_ngrams(w, self._cmin, self._cmax)}
            ids.discard(None)
            flat.extend(ids)
            owner.extend([j] * len(ids))
        if flat:
            ids_a = np.asarray(flat, dtype=np.intp)
            own = np.asarray(owner, dtype=np.intp)
            a = np.bincount(own, weights=self._cw[ids_a], minlength=len(new)).tolist()
            b = np.bincount(own, weights=self._ci2[ids_a], minlength=len(new)).tolist()
            self._char_cache.update(zip(new, zip(a, b)))
        else:
            self._char_cache.update((w, (0.0, 0.0)) for w in new)

    def logit_analysed(self, feats: list[str], words: list[str]) -> float:
        """The decision value for a post already split by :func:`nlp.sentiment.analyze`."""
        z = self._bias
        get = self._wvocab.get
        ids = {get(f) for f in feats}
        ids.discard(None)
        if ids:
            wl, w2 = self._wlist, self._w2list
            z += sum(wl[i] for i in ids) / math.sqrt(sum(w2[i] for i in ids))
        if words:
            cache = self._char_cache
            a = n2 = 0.0
            for w in words:
                e = cache.get(w) or self._char_entry(w)
                a += e[0]
                n2 += e[1]
            if n2 > 0:
                z += a / math.sqrt(n2)
        return z

    def proba_analysed(self, feats: list[str], words: list[str]) -> float:
        z = self.logit_analysed(feats, words)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def analyse(self, text: str) -> tuple[list[str], list[str]]:
        return analyze(text if isinstance(text, str) else str(text), bool(self.settings.get("but_mark", True)),
                       bool(self.settings.get("bigrams", True)), self._lexicon)

    def proba(self, text: str) -> float:
        """P(``self.label``) for one post."""
        return self.proba_analysed(*self.analyse(text))

    def __repr__(self) -> str:
        return f"LinearTextClassifier(label={self.label!r}, version={self.version!r}, words={len(self._wvocab)})"


_LEXICONS: dict[Path, dict[str, float]] = {}


def _shared_lexicon(model_dir: Path) -> dict[str, float]:
    """The polarity lexicon: the model's own copy if it has one, else the bundled sentiment model's."""
    from nlp.sentiment import DEFAULT_MODEL_DIR

    path = model_dir / "lexicon.json"
    if not path.is_file():
        path = DEFAULT_MODEL_DIR / "lexicon.json"
    path = path.resolve()
    if path not in _LEXICONS:
        _LEXICONS[path] = json.loads(path.read_text(encoding="utf-8"))
    return _LEXICONS[path]
