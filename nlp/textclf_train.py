"""Train and evaluate the binary text classifiers (complaint, irony). Needs scikit-learn + scipy
(``pip install 'listenwell[train]'``); the exported artefact is scored by :mod:`nlp.textclf` with numpy.

Data
----
* Complaints: ``../shared/data/complaints/complaints-train.tsv`` (``id<TAB>label<TAB>domain<TAB>text``,
  label ``complaint`` or ``none``; brand-directed tweets in eight domains plus random tweets and replies),
  read in place and never copied into the repository; plus our own labelled posts
  (``nlp/data/complaints_ours.tsv``, ``label<TAB>text``), written for this project and kept apart from
  every evaluation set.
* Irony: ``../shared/data/irony/irony-{train,val}.tsv`` (``label<TAB>text``, ``irony`` or ``none``).

Evaluation (fixed before any setting was tried)
-----------------------------------------------
Leave one domain out: for each of the eight domains, train on the other seven (plus the random tweets
and replies not in this fold, plus our own posts) and predict the held-out domain together with its
share of the random tweets (each random tweet belongs to fold ``crc32(id) % 8``). Precision, recall and
F1 of the complaint class are reported per domain and pooled over all folds.
"""
from __future__ import annotations

import datetime as _dt
import json
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from nlp.sentiment_train import DEFAULT_SETTINGS as SENTIMENT_SETTINGS
from nlp.sentiment_train import Featurizer
from nlp.textclf import FORMAT, LinearTextClassifier

DOMAINS = ("apparel", "cars", "electronics", "food", "other", "retail", "services", "transport")
OWN_COMPLAINTS = Path(__file__).resolve().parent / "data" / "complaints_ours.tsv"
DEFAULT_COMPLAINTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "complaints"
DEFAULT_IRONY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "irony"

SETTINGS = {
    # analyzer: the sentiment model's, so one analysis serves both (nlp.textclf)
    "char_min": 2, "char_max": 5, "but_mark": True, "bigrams": True, "lexicon": "vader",
    "word_min_df": 2, "char_min_df": 2, "max_word_features": 200_000, "max_char_features": 200_000,
    "word_scale": 1.0, "char_scale": 1.0,
    "C": 1.0, "class_weight": "balanced", "max_iter": 3000,
    "threshold": 0.5,
}

Row = tuple[str, str, str, str]  # (id, label, domain, text)


# ----------------------------------------------------------------------------------------------- data

def read_complaints(path: str | Path) -> list[Row]:
    """The shared complaints file (a directory holding ``complaints-train.tsv``, or the file)."""
    p = Path(path)
    if p.is_dir():
        p = p / "complaints-train.tsv"
    rows: list[Row] = []
    for line in p.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t", 3)
        if len(parts) != 4 or parts[1] not in ("complaint", "none"):
            continue  # the header, or a malformed line
        rows.append((parts[0], parts[1], parts[2], parts[3]))
    if not rows:
        raise ValueError(f"{p}: no labelled rows")
    return rows


def read_own(path: str | Path = OWN_COMPLAINTS) -> list[Row]:
    """Our own labelled posts: ``label<TAB>text``; '#' lines are comments. Domain ``ours``."""
    rows: list[Row] = []
    p = Path(path)
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        if label not in ("complaint", "none") or not text.strip():
            raise ValueError(f"{p}:{lineno}: expected complaint|none<TAB>text")
        rows.append((f"ours:{lineno}", label, "ours", text.strip()))
    return rows


def read_irony(path: str | Path) -> list[Row]:
    rows: list[Row] = []
    p = Path(path)
    files = sorted(p.glob("irony-*.tsv")) if p.is_dir() else [p]
    for f in files:
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines()):
            label, _, text = line.partition("\t")
            if label in ("irony", "none") and text.strip():
                rows.append((f"{f.name}:{i}", label, f.stem, text))
    if not rows:
        raise ValueError(f"{p}: no labelled rows")
    return rows


def fold_of(row: Row) -> int | None:
    """The leave-one-domain-out fold a shared row is tested in (None: our own rows, always trained on)."""
    if row[2] in DOMAINS:
        return DOMAINS.index(row[2])
    if row[2].startswith("random"):
        return zlib.crc32(row[0].encode()) % len(DOMAINS)
    return None


# ------------------------------------------------------------------------------------------- training

def _settings(overrides: dict) -> dict:
    unknown = set(overrides) - set(SETTINGS)
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    s = dict(SENTIMENT_SETTINGS)
    s.update(SETTINGS)
    s.update(overrides)
    return s


def fit(texts: Sequence[str], y: Sequence[bool], settings: dict):
    """Featurizer + fitted logistic regression."""
    from sklearn.linear_model import LogisticRegression

    fz = Featurizer(settings)
    docs = fz.docs(texts)
    fz.fit_vocab(docs)
    clf = LogisticRegression(C=float(settings["C"]), class_weight=settings["class_weight"],
                             max_iter=int(settings["max_iter"]))
    clf.fit(fz.matrix(docs), np.asarray(y, dtype=bool))
    return fz, clf


def to_model(fz: Featurizer, clf, settings: dict, label: str, version: str = "tmp") -> LinearTextClassifier:
    meta, vocab, arrays = _artefact(fz, clf, settings, label, version)
    return LinearTextClassifier(meta, vocab["word"], vocab["char"], arrays, lexicon=fz.lexicon)


def _artefact(fz: Featurizer, clf, settings: dict, label: str, version: str):
    nw = len(fz.word_vocab)
    coef = np.asarray(clf.coef_).reshape(-1)  # the positive class (True)
    arrays = {
        "word_w": (coef[:nw] * fz.widf * float(settings["word_scale"])).astype(np.float32),
        "word_idf2": (fz.widf ** 2).astype(np.float32),
        "char_w": (coef[nw:] * fz.cidf * float(settings["char_scale"])).astype(np.float32),
        "char_idf2": (fz.cidf ** 2).astype(np.float32),
        "bias": np.asarray(clf.intercept_, dtype=np.float64).reshape(-1),
    }
    meta = {
        "format": FORMAT, "label": label, "version": version, "threshold": float(settings["threshold"]),
        "analyzer": {"char_min": int(settings["char_min"]), "char_max": int(settings["char_max"]),
                     "but_mark": bool(settings["but_mark"]), "bigrams": bool(settings["bigrams"]),
                     "lexicon": fz.lexicon is not None},
        "settings": {k: settings[k] for k in SETTINGS if k not in ("char_min", "char_max", "but_mark", "bigrams")},
    }
    return meta, {"word": fz.word_vocab, "char": fz.char_vocab}, arrays


def export(fz: Featurizer, clf, settings: dict, out_dir: str | Path, label: str, version: str,
           extra_meta: dict) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta, vocab, arrays = _artefact(fz, clf, settings, label, version)
    meta.update(extra_meta)
    np.savez_compressed(out / "weights.npz", **arrays)
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    (out / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


# ----------------------------------------------------------------------------------------- evaluation

def prf(gold: Sequence[bool], pred: Sequence[bool]) -> dict:
    tp = sum(1 for g, p in zip(gold, pred) if g and p)
    fp = sum(1 for g, p in zip(gold, pred) if p and not g)
    fn = sum(1 for g, p in zip(gold, pred) if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(gold), "positives": tp + fn, "tp": tp, "fp": fp, "fn": fn,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def leave_one_domain_out(rows: Sequence[Row], own: Sequence[Row] = (), settings: dict | None = None,
                         predictor: Callable[[list[str]], list[bool]] | None = None,
                         decide: Callable[[str, LinearTextClassifier], bool] | None = None) -> dict:
    """Complaint P/R/F1 per held-out domain and pooled.

    ``predictor`` (texts → predictions) replaces the trained model, to score a rule set the same way; it
    is given no training data. ``decide(text, fold_model)`` turns the fold's model into a decision (the
    model combined with the rules, as :func:`nlp.intents.read_intents` does); default: P ≥ threshold."""
    s = _settings(settings or {})
    per_domain: dict[str, dict] = {}
    gold_all: list[bool] = []
    pred_all: list[bool] = []
    for k, domain in enumerate(DOMAINS):
        test = [r for r in rows if fold_of(r) == k]
        if predictor is None:
            train = [r for r in rows if fold_of(r) not in (k,)] + list(own)
            fz, clf = fit([r[3] for r in train], [r[1] == "complaint" for r in train], s)
            model = to_model(fz, clf, s, "complaint")
            if decide is None:
                pred = [model.proba(r[3]) >= model.threshold for r in test]
            else:
                pred = [bool(decide(r[3], model)) for r in test]
        else:
            pred = list(predictor([r[3] for r in test]))
        gold = [r[1] == "complaint" for r in test]
        per_domain[domain] = prf(gold, pred)
        gold_all += gold
        pred_all += pred
    return {"protocol": "leave one domain out; random tweets/replies in fold crc32(id) % 8",
            "settings": {k: s[k] for k in SETTINGS}, "own_rows": len(own),
            "per_domain": per_domain, "pooled": prf(gold_all, pred_all)}


# ------------------------------------------------------------------------------------------ artefacts

def train_complaints(data: str | Path, out_dir: str | Path, own_path: str | Path | None = OWN_COMPLAINTS,
                     version: str | None = None, lodo: bool = True, **overrides) -> dict:
    """Train on every shared row plus our own posts; write the artefact; report leave-one-domain-out."""
    s = _settings(overrides)
    started = time.perf_counter()
    rows = read_complaints(data)
    own = read_own(own_path) if own_path else []
    report = leave_one_domain_out(rows, own, overrides) if lodo else None
    train = list(rows) + list(own)
    fz, clf = fit([r[3] for r in train], [r[1] == "complaint" for r in train], s)
    version = version or "lr-" + _dt.date.today().strftime("%Y%m%d")
    export(fz, clf, s, out_dir, "complaint", version, {
        "trained_on": {"shared": len(rows), "shared_by_domain": dict(Counter(r[2] for r in rows)),
                       "ours": len(own), "ours_file": Path(own_path).name if own_path else None},
        "label_counts": dict(Counter(r[1] for r in train)),
        "leave_one_domain_out": report["pooled"] if report else None,
        "n_word_features": len(fz.word_vocab), "n_char_features": len(fz.char_vocab),
    })
    return {"out_dir": str(out_dir), "version": version, "n_train": len(train), "own": len(own),
            "lodo": report, "seconds": round(time.perf_counter() - started, 1)}


def train_irony(data: str | Path, out_dir: str | Path, version: str | None = None, **overrides) -> dict:
    """Train the irony classifier on irony-train, report on irony-val, then refit on both and export."""
    s = _settings(overrides)
    rows = read_irony(data)
    train = [r for r in rows if r[2] == "irony-train"]
    val = [r for r in rows if r[2] == "irony-val"]
    report = None
    if train and val:
        fz, clf = fit([r[3] for r in train], [r[1] == "irony" for r in train], s)
        model = to_model(fz, clf, s, "irony")
        report = prf([r[1] == "irony" for r in val], [model.proba(r[3]) >= model.threshold for r in val])
    fz, clf = fit([r[3] for r in rows], [r[1] == "irony" for r in rows], s)
    version = version or "lr-" + _dt.date.today().strftime("%Y%m%d")
    export(fz, clf, s, out_dir, "irony", version, {"trained_on": dict(Counter(r[2] for r in rows)),
                                                    "validation": report})
    return {"out_dir": str(out_dir), "version": version, "n_train": len(rows), "validation": report}
