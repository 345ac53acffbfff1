"""Fit the answer gate (engagement/answer_gate.py) on the development sets and write engagement/data/answer_gate.json.

For every post of the development sets that asks something (expected kind `answer` or `find_out`), retrieval's best
entry is a positive example when it carries the post's expected facts, and a negative one when the post is one the
knowledge base does not answer or the best entry is the wrong one (a wrong answer is worse than an offer to find
out). A logistic regression (scikit-learn, the `train` extra) over answer_gate.FEATURES turns them into a
probability; the threshold is the one that maximises accuracy on the pooled sets; the hedge band's lower bound is
the lowest probability down to which the best entry is still right at least a quarter of the time. Held-out sets (blind.jsonl,
holdout2.jsonl, holdout3.jsonl) are never read here.

    .venv/bin/python bench/fit_answer_gate.py            # fit and write
    .venv/bin/python bench/fit_answer_gate.py --check    # leave-one-set-out accuracy only
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engagement import sentence_model  # noqa: E402
from engagement.answer_gate import _DEEP_FILE, _FILE, DEEP_FEATURES, FEATURES, features  # noqa: E402
from engagement.knowledge import KnowledgeBase  # noqa: E402
from engagement.reading import read_post  # noqa: E402

SETS = ("dev", "eval", "dev2", "dev3a", "dev3b")
HEDGE_FLOOR = 0.3  # never offer an entry the gate gives less than this
HEDGE_PRECISION = 0.25  # in the hedge band the best entry is right at least this often (a human picks it or not)


def carries(entry, facts: list[str]) -> bool:
    text = " ".join([entry.title, entry.short or "", entry.body, entry.link or ""]).lower()
    return all(any(alt.strip().lower() in text for alt in fact.split("|")) for fact in facts)


def questions(kb: KnowledgeBase, name: str, deep: bool = False):
    """(the post, its expected kind, retrieval's hits) for every post of a set that asks something (kind answer or
    find_out), searched as the composer searches it."""
    for line in (ROOT / "tests" / "data" / "replies" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        kind = d["expect"].get("kind")
        if kind not in ("answer", "find_out"):
            continue
        reading = read_post(d["text"], addressed=True, lang=d.get("lang"))  # as the composer reads it
        yield d, kind, kb.search(d["text"], k=3, english=reading.lang in ("en", None), deep=deep)


def examples(kb: KnowledgeBase, name: str, deep: bool = False) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for d, kind, hits in questions(kb, name, deep):
        if not hits:
            continue
        top = hits[0]
        row = features(top, max((h.score for h in hits[1:]), default=0.0))
        if deep and top.cosine is None:
            continue  # not English: the words-only gate decides it
        xs.append(row)
        ys.append(int(kind == "answer" and carries(top.entry, d["expect"].get("facts", []))))
    return np.array(xs), np.array(ys)


def best_threshold(p: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    best = (0.0, 0.5)
    for t in np.arange(0.2, 0.81, 0.01):
        best = max(best, (float(((p >= t) == (y == 1)).mean()), round(float(t), 2)))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--C", type=float, default=1.0)
    args = parser.parse_args()
    kb = KnowledgeBase(ROOT / "examples" / "knowledge")
    fit(kb, args, deep=False, names=FEATURES, out=_FILE)
    if sentence_model.available():
        fit(kb, args, deep=True, names=DEEP_FEATURES, out=_DEEP_FILE)
    else:
        print("no sentence model installed: the deep gate is not refitted")


def fit(kb: KnowledgeBase, args, *, deep: bool, names: tuple[str, ...], out: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    print(f"== the gate {'with the sentence model (deep)' if deep else 'by words and word vectors'}")
    data = {name: examples(kb, name, deep) for name in SETS}
    for name in SETS:
        x, y = data[name]
        print(f"{name}: {len(y)} examples, {int(y.sum())} positive")
    for held in SETS:  # leave one set out: how well a gate fitted on the others decides on it
        x = np.vstack([data[n][0] for n in SETS if n != held])
        y = np.concatenate([data[n][1] for n in SETS if n != held])
        clf = LogisticRegression(C=args.C, max_iter=1000).fit(x, y)
        acc, t = best_threshold(clf.predict_proba(x)[:, 1], y)
        p = clf.predict_proba(data[held][0])[:, 1]
        print(f"held out {held}: accuracy {float(((p >= t) == (data[held][1] == 1)).mean()):.3f} "
              f"(threshold {t} chosen on the others, {acc:.3f} there)")
    x = np.vstack([data[n][0] for n in SETS])
    y = np.concatenate([data[n][1] for n in SETS])
    clf = LogisticRegression(C=args.C, max_iter=1000).fit(x, y)
    p = clf.predict_proba(x)[:, 1]
    acc, t = best_threshold(p, y)
    hedge = t
    for lo in np.arange(t - 0.01, HEDGE_FLOOR - 0.001, -0.01):
        band = (p >= lo) & (p < t)
        if band.sum() and y[band].mean() >= HEDGE_PRECISION:
            hedge = round(float(lo), 2)
    for lo in (0.2, 0.3, 0.4, 0.5):
        band = (p >= lo) & (p < t)
        print(f"  band [{lo}, {t}): {int(band.sum())} posts, best entry right in {int(y[band].sum())}")
    print(f"all: accuracy {acc:.3f} at threshold {t}; hedge band [{hedge}, {t})")
    print("weights:", dict(zip(names, np.round(clf.coef_[0], 3))), "bias", round(float(clf.intercept_[0]), 3))
    if not args.check:
        out.write_text(json.dumps({
            "features": list(names), "weights": [round(float(w), 4) for w in clf.coef_[0]],
            "bias": round(float(clf.intercept_[0]), 4), "threshold": t, "hedge": hedge,
            "fitted_on": [f"tests/data/replies/{n}.jsonl" for n in SETS], "examples": int(len(y)),
            "accuracy": round(acc, 3)}, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
