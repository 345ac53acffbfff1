"""Train the tweet sentiment model (needs scikit-learn + scipy: ``pip install listenwell[train]``).

The fitted logistic regression is exported to plain JSON + ``.npz`` so that
:mod:`nlp.sentiment` can score posts with numpy only.

Usage from Python::

    from nlp.sentiment_train import train
    report = train("/path/to/sentiment", "nlp/models/sentiment",
                   holdout=("twitter-2016devtest-A.txt", "twitter-2016test-A.txt"))

``data_dir`` may be a directory of ``id<TAB>label<TAB>text`` files (``*.txt`` /
``*.tsv``) or a single such file.  Files named in ``holdout`` (looked up in
``data_dir``, or given as paths) are never trained on; the model is evaluated on
each of them and the metrics go into the report and ``meta.json``.  If no holdout
file is found (e.g. a user's own single file), a seeded ``holdout_fraction`` of the
rows is held back for the report and the final model is then refitted on all rows.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import random
import time
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from nlp import semeval
from nlp.sentiment import DEFAULT_ANALYZER, FORMAT, LABELS, SentimentModel, analyze, char_ngrams

DEFAULT_SETTINGS = {
    # analyzer (stored in meta.json, used again at inference)
    **DEFAULT_ANALYZER,
    # polarity lexicon: "vader" (VADER 3.3.2's lexicon, MIT licence, read from the
    # installed vaderSentiment package and copied into the artefact) or None
    "lexicon": "vader",
    # vocabulary
    "word_min_df": 2,
    "char_min_df": 3,
    "max_char_features": 300_000,
    "max_word_features": 300_000,
    # block scales (relative weight of the two L2-normalised blocks)
    "word_scale": 1.0,
    "char_scale": 1.4,
    # classifier
    "C": 1.0,
    "class_weight": "balanced",
    "max_iter": 2000,
    # used only when no holdout file exists
    "holdout_fraction": 0.1,
    # ship precomputed char-block vectors for this many frequent training words (speed only)
    "cached_words": 40_000,
    "seed": 13,
}

ANALYZER_KEYS = tuple(DEFAULT_ANALYZER)


# --------------------------------------------------------------------------- data


def load_rows(files: Iterable[Path]) -> tuple[list[tuple[str, str, str]], dict[str, dict]]:
    """Rows of all files + per-file ``{"rows", "skipped"}``."""
    rows: list[tuple[str, str, str]] = []
    info: dict[str, dict] = {}
    for f in files:
        r, skipped = semeval.read_labelled(f)
        rows.extend(r)
        info[Path(f).name] = {"rows": len(r), "skipped": skipped}
    return rows, info


def _resolve_holdout(data_dir: Path, holdout: Sequence[str | Path]) -> list[Path]:
    """Bare names are looked up in ``data_dir`` (or next to it, if it is a file); names with a
    directory part are taken as paths.  Names that do not exist are ignored."""
    base = data_dir if data_dir.is_dir() else data_dir.parent
    out = []
    for h in holdout:
        hp = Path(h)
        cand = hp if (hp.is_absolute() or len(hp.parts) > 1) else base / hp
        if cand.is_file() and cand.resolve() != data_dir.resolve():
            out.append(cand)
    return out


# --------------------------------------------------------------------------- features


class Featurizer:
    """Turns texts into the model's two sparse blocks (training side of nlp.sentiment)."""

    def __init__(self, settings: dict):
        self.s = settings
        self._char_cache: dict[str, list[str]] = {}
        self.lexicon = load_lexicon(settings.get("lexicon"))

    def docs(self, texts: Sequence[str]) -> list[tuple[set[str], list[str]]]:
        s = self.s
        out = []
        for t in texts:
            feats, words = analyze(t, bool(s["but_mark"]), bool(s["bigrams"]), self.lexicon)
            out.append((set(feats), words))
        return out

    def grams(self, w: str) -> list[str]:
        g = self._char_cache.get(w)
        if g is None:
            g = self._char_cache[w] = sorted(set(char_ngrams(w, int(self.s["char_min"]), int(self.s["char_max"]))))
        return g

    def fit_vocab(self, docs) -> None:
        s = self.s
        n = len(docs)
        wdf: Counter = Counter()
        cdf: Counter = Counter()
        for wf, words in docs:
            wdf.update(wf)
            cs: set[str] = set()
            for w in words:
                cs.update(self.grams(w))
            cdf.update(cs)

        def pick(df: Counter, min_df: int, cap: int) -> list[str]:
            items = [(c, f) for f, c in df.items() if c >= min_df]
            items.sort(key=lambda x: (-x[0], x[1]))
            return [f for _, f in items[:cap]]

        self.word_vocab = pick(wdf, int(s["word_min_df"]), int(s["max_word_features"]))
        self.char_vocab = pick(cdf, int(s["char_min_df"]), int(s["max_char_features"]))
        self.widx = {f: i for i, f in enumerate(self.word_vocab)}
        self.cidx = {f: i for i, f in enumerate(self.char_vocab)}
        # smooth idf, as sklearn's TfidfVectorizer
        self.widf = np.array([math.log((1 + n) / (1 + wdf[f])) + 1 for f in self.word_vocab])
        self.cidf = np.array([math.log((1 + n) / (1 + cdf[f])) + 1 for f in self.char_vocab])

    def matrix(self, docs):
        """CSR matrix [word block | char block].

        Word block: binary features, idf-weighted, L2-normalised.  Char block: each
        word w gives v_w = idf-weighted binary vector of its character n-grams; the
        block is sum_w v_w / sqrt(sum_w |v_w|^2) (so inference can cache one
        3-vector + one squared norm per distinct word).
        """
        from scipy import sparse

        s = self.s
        nw = len(self.word_vocab)
        wscale = float(s["word_scale"])
        cscale = float(s["char_scale"])
        widx, cidx, widf, cidf = self.widx, self.cidx, self.widf.tolist(), self.cidf.tolist()
        wcache: dict[str, list[int]] = {}
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        for wf, words in docs:
            ids = [widx[f] for f in wf if f in widx]
            if ids:
                v = [widf[i] for i in ids]
                norm = math.sqrt(sum(x * x for x in v))
                indices.extend(ids)
                data.extend(x * wscale / norm for x in v)
            acc: dict[int, float] = {}
            n2 = 0.0
            for w in words:
                cids = wcache.get(w)
                if cids is None:
                    cids = wcache[w] = [cidx[g] for g in self.grams(w) if g in cidx]
                for i in cids:
                    x = cidf[i]
                    acc[i] = acc.get(i, 0.0) + x
                    n2 += x * x
            if acc:
                f = cscale / math.sqrt(n2)
                indices.extend(i + nw for i in acc)
                data.extend(x * f for x in acc.values())
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(data), np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(docs), nw + len(self.char_vocab)),
        )


def load_lexicon(name) -> dict[str, float] | None:
    """Word -> valence.  ``"vader"``: single lower-case words of VADER's lexicon."""
    if not name:
        return None
    if name != "vader":
        p = Path(name)
        if p.is_file():  # a user's own "word<TAB>valence" file
            lex = {}
            for line in p.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) >= 2:
                    try:
                        lex[parts[0].strip().lower()] = float(parts[1])
                    except ValueError:
                        continue
            return lex
        raise ValueError(f"unknown lexicon {name!r} (use 'vader', a word<TAB>valence file, or None)")
    import vaderSentiment

    path = Path(vaderSentiment.__file__).resolve().parent / "vader_lexicon.txt"
    lex = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].replace("'", "").isalpha():
            lex[parts[0].lower()] = float(parts[1])
    return lex


def fit_classifier(X, y: Sequence[str], settings: dict):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(
        C=float(settings["C"]),
        class_weight=settings["class_weight"],
        max_iter=int(settings["max_iter"]),
        solver="lbfgs",
    )
    clf.fit(X, list(y))
    if tuple(clf.classes_) != LABELS:
        raise ValueError(f"training data must contain all three labels {LABELS}, got {tuple(clf.classes_)}")
    return clf


def export(fz: Featurizer, clf, out_dir: Path, meta: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    s = fz.s
    nw = len(fz.word_vocab)
    coef = clf.coef_.T  # (features, 3) in LABELS order
    word_w = coef[:nw] * (fz.widf * float(s["word_scale"]))[:, None]
    char_w = coef[nw:] * (fz.cidf * float(s["char_scale"]))[:, None]
    np.savez_compressed(
        out_dir / "weights.npz",
        word_w=word_w.astype(np.float32),
        word_idf2=(fz.widf ** 2).astype(np.float32),
        char_w=char_w.astype(np.float32),
        char_idf2=(fz.cidf ** 2).astype(np.float32),
        bias=clf.intercept_.astype(np.float64),
    )
    if fz.lexicon is not None:
        (out_dir / "lexicon.json").write_text(
            json.dumps(fz.lexicon, ensure_ascii=False, separators=(",", ":"), sort_keys=True), encoding="utf-8"
        )
    elif (out_dir / "lexicon.json").exists():
        (out_dir / "lexicon.json").unlink()
    (out_dir / "vocab.json").write_text(
        json.dumps({"word": fz.word_vocab, "char": fz.char_vocab}, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- entry point


def _fit(rows, settings):
    fz = Featurizer(settings)
    docs = fz.docs([r[2] for r in rows])
    fz.fit_vocab(docs)
    X = fz.matrix(docs)
    clf = fit_classifier(X, [r[1] for r in rows], settings)
    return fz, clf


def train(
    data_dir: str | Path,
    out_dir: str | Path,
    holdout: Sequence[str | Path] = ("twitter-2016devtest-A.txt",),
    **settings,
) -> dict:
    """Train on the labelled files under ``data_dir`` (minus ``holdout``), write the artefact
    to ``out_dir`` and return a report with metrics on each held-back file.

    Extra keyword ``settings`` override :data:`DEFAULT_SETTINGS`; ``exclude`` (file names)
    drops further files from training without evaluating on them; ``version`` sets the
    model version string.
    """
    unknown = set(settings) - set(DEFAULT_SETTINGS) - {"exclude", "version"}
    if unknown:
        raise TypeError(f"unknown training settings: {sorted(unknown)}")
    version = settings.pop("version", None)
    exclude = tuple(settings.pop("exclude", ()))
    s = dict(DEFAULT_SETTINGS)
    s.update(settings)
    data_dir = Path(data_dir)
    out_dir = Path(out_dir)
    t0 = time.perf_counter()

    hold_files = _resolve_holdout(data_dir, holdout)
    hold_names = {p.name for p in hold_files} | {Path(h).name for h in holdout}
    train_files = semeval.labelled_files(data_dir, exclude=hold_names | set(exclude))
    if not train_files:
        raise ValueError(f"no training files found in {data_dir} (after holding back {sorted(hold_names)})")
    rows, file_info = load_rows(train_files)
    if not rows:
        raise ValueError(f"no valid labelled rows in {data_dir}")
    missing = [c for c in LABELS if not any(r[1] == c for r in rows)]
    if missing:
        raise ValueError(f"training data has no {missing} examples; all of {LABELS} are needed")

    split_report = None
    if not hold_files and float(s["holdout_fraction"]) > 0 and len(rows) >= 30:
        rng = random.Random(int(s["seed"]))
        idx = list(range(len(rows)))
        rng.shuffle(idx)
        k = max(1, int(len(rows) * float(s["holdout_fraction"])))
        held = [rows[i] for i in idx[:k]]
        rest = [rows[i] for i in idx[k:]]
        if all(any(r[1] == c for r in rest) for c in LABELS):
            fz, clf = _fit(rest, s)
            tmp_model = _in_memory_model(fz, clf, s)
            pred = [lab for _, lab in tmp_model.score_many([r[2] for r in held])]
            split_report = {"n": len(held), **semeval.metrics([r[1] for r in held], pred),
                            "note": f"random {s['holdout_fraction']:.0%} split (seed {s['seed']}), "
                                    "final model refitted on all rows"}

    fz, clf = _fit(rows, s)
    analyzer = {k: s[k] for k in ANALYZER_KEYS}
    analyzer["lexicon"] = fz.lexicon is not None
    meta = {
        "format": FORMAT,
        "version": version or "lr-" + _dt.date.today().strftime("%Y%m%d"),
        "labels": list(LABELS),
        "analyzer": analyzer,
        "settings": {k: v for k, v in s.items() if k not in ANALYZER_KEYS},
        "training_files": file_info,
        "excluded_files": sorted(exclude),
        "n_train": len(rows),
        "label_counts": dict(Counter(r[1] for r in rows)),
        "lexicon_source": (
            "VADER 3.3.2 vader_lexicon.txt (single words), MIT License, (c) C.J. Hutto"
            if s.get("lexicon") == "vader" else s.get("lexicon")
        ),
        "n_word_features": len(fz.word_vocab),
        "n_char_features": len(fz.char_vocab),
        "holdout": {},
    }
    export(fz, clf, out_dir, meta)

    _write_char_cache(out_dir, fz, docs_words=[r[2] for r in rows], s=s, n=int(s["cached_words"]))
    model = SentimentModel.load(out_dir)
    holdout_metrics = {}
    for hf in hold_files:
        holdout_metrics[hf.name] = semeval.evaluate(model, hf)
    if split_report is not None:
        holdout_metrics["random_split"] = split_report
    meta["holdout"] = holdout_metrics
    meta["train_seconds"] = round(time.perf_counter() - t0, 1)
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {
        "out_dir": str(out_dir),
        "version": meta["version"],
        "n_train": len(rows),
        "training_files": file_info,
        "holdout": holdout_metrics,
        "settings": {**analyzer, **meta["settings"]},
        "train_seconds": meta["train_seconds"],
    }


def _write_char_cache(out_dir: Path, fz: Featurizer, docs_words, s: dict, n: int) -> None:
    """Precompute the char-block vector of the ``n`` most frequent training words with the
    exported model itself (so cached and freshly computed values are identical)."""
    cache_file = out_dir / "char_cache.npy"
    vocab_file = out_dir / "vocab.json"
    vocab = json.loads(vocab_file.read_text(encoding="utf-8"))
    vocab.pop("cached_words", None)
    if cache_file.exists():
        cache_file.unlink()
    if n > 0:
        counts: Counter = Counter()
        for t in docs_words:
            counts.update(analyze(t, bool(s["but_mark"]), bool(s["bigrams"]), fz.lexicon)[1])
        words = [w for w, c in counts.most_common(n) if c >= 2]
        model = SentimentModel.load(out_dir)
        model._char_cache.clear()
        model._fill_char_cache(words)
        arr = np.array([model._char_cache[w] for w in words], dtype=np.float64).reshape(len(words), 4)
        np.save(cache_file, arr, allow_pickle=False)
        vocab["cached_words"] = words
    vocab_file.write_text(json.dumps(vocab, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _in_memory_model(fz: Featurizer, clf, s: dict) -> SentimentModel:
    nw = len(fz.word_vocab)
    coef = clf.coef_.T
    arrays = {
        "word_w": coef[:nw] * (fz.widf * float(s["word_scale"]))[:, None],
        "word_idf2": fz.widf ** 2,
        "char_w": coef[nw:] * (fz.cidf * float(s["char_scale"]))[:, None],
        "char_idf2": fz.cidf ** 2,
        "bias": clf.intercept_,
    }
    meta = {"format": FORMAT, "version": "tmp", "labels": list(LABELS),
            "analyzer": {k: s[k] for k in ANALYZER_KEYS}}
    meta["analyzer"]["lexicon"] = fz.lexicon is not None
    return SentimentModel(meta, fz.word_vocab, fz.char_vocab, arrays, lexicon=fz.lexicon)
