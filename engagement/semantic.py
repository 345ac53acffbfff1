"""Meaning, not only words: static word vectors for matching a post to knowledge entries.

BM25 finds the entry that shares the post's words. People rarely use the entry's words: "is there a ceiling on
rows in a CSV?" asks what "How big can an export be?" answers. This module gives retrieval two signals that
survive a paraphrase, from a table of word vectors shipped in the package (``engagement/data/word_vectors.npz``,
built once by ``bench/build_word_vectors.py``: all-MiniLM-L6-v2 run over 60,000 English words, reduced by PCA,
keyed by the same Snowball stems BM25 uses, and retrofitted to WordNet synonyms). No model runs per post and
nothing is downloaded: a post's vector is a weighted mean of its words' vectors (numpy only).

* :func:`WordVectors.sentence`: a post's or a phrase's vector (SIF weights: frequent words weigh less);
* :func:`WordVectors.soft_match`: for each word of a question, how close the nearest word of an entry is, so that
  coverage can count "ceiling" as partly matching "limit" instead of not at all.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

_FILE = Path(__file__).with_name("data") / "word_vectors.npz"
SIF_A = 1e-4  # SIF smoothing: a word seen once in 10,000 weighs half as much as a rare one


class WordVectors:
    def __init__(self, path: Path = _FILE):
        data = np.load(path)
        self.stems: list[str] = str(data["stems"]).split("\n")
        self.vectors = data["vectors"].astype(np.float32)
        zipf = data["zipf"].astype(np.float32)
        self.zipfs = zipf
        self.weights = SIF_A / (SIF_A + (10.0 ** zipf) / 1e9)
        self.row = {s: i for i, s in enumerate(self.stems)}
        self.dims = self.vectors.shape[1]

    def zipf(self, stem: str) -> float | None:
        """How common the word is in English (Zipf scale: 6 is 'the', 3 is once per million words)."""
        r = self.row.get(stem)
        return float(self.zipfs[r]) if r is not None else None

    def rows(self, stems: list[str]) -> list[int]:
        return [self.row[s] for s in stems if s in self.row]

    def sentence(self, stems: list[str]) -> np.ndarray | None:
        """The unit vector of a bag of stems, or None when no stem is known."""
        rows = self.rows(stems)
        if not rows:
            return None
        v = (self.vectors[rows] * self.weights[rows, None]).sum(axis=0)
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else None

    def matrix(self, stems: list[str]) -> tuple[list[str], np.ndarray]:
        """The known stems of a list and their vectors (rows in the same order)."""
        known = [s for s in dict.fromkeys(stems) if s in self.row]
        return known, self.vectors[[self.row[s] for s in known]] if known else np.zeros((0, self.dims), np.float32)

    def soft_match(self, stems: list[str], against: np.ndarray) -> dict[str, float]:
        """For each stem, its best cosine with the rows of ``against`` (0 when unknown or nothing to compare)."""
        out = {s: 0.0 for s in stems}
        rows = [(s, self.row[s]) for s in stems if s in self.row]
        if not rows or against.shape[0] == 0:
            return out
        best = (self.vectors[[r for _, r in rows]] @ against.T).max(axis=1)
        for (s, _), value in zip(rows, best.tolist()):
            out[s] = value
        return out


@lru_cache(maxsize=1)
def word_vectors() -> WordVectors | None:
    """The shipped table, loaded once; None if the package was installed without it."""
    if not _FILE.exists():
        return None
    return WordVectors(_FILE)
