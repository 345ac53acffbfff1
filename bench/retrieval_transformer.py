"""Retrieval on the reply development sets: the runtime's search against MiniLM run without PyTorch (ONNX, int8).

Per set, every post that expects an answer has as right entries those that carry all its expected facts (`carries`
of bench/fit_answer_gate.py; answer posts no entry carries are counted, not scored), and every post the knowledge
base does not answer (kind `find_out`) has "no entry" as the right outcome. Compared:

- current: `KnowledgeBase.search` (BM25 + static word vectors), its top hit and the answer gate's confidence;
- minilm: the cosine of the post's vector with each entry's phrasings (heading, each `Also:` phrasing, `Short:`,
  the body's first sentence), the best phrasing per entry; the post as a whole, its `question_focus`, or the
  better of the two per entry;
- combined: the current ranking's top candidates re-scored as `cosine + search score / best search score`
  (also with the whole post's vector only, one embedding per post; and RRF: reciprocal-rank fusion of the two
  full rankings, for comparison).

Reported: recall@1 and @3 on answerable posts; the ROC AUC of the top score separating "the top entry is right"
(answer posts; a wrong top entry scores 0) from find_out posts; ms per query on one thread (the post's embedding
plus the cosines; plus the search for `current` and the combinations); and the model's load time. Development sets only: never run it
on blind.jsonl or the holdout sets.

    .venv/bin/pip install onnxruntime tokenizers   # the main dependencies; the model is in the repo
    .venv/bin/python bench/retrieval_transformer.py                 # dev eval dev2 dev3a dev3b
    .venv/bin/python bench/retrieval_transformer.py dev dev2        # some sets
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fit_answer_gate import carries  # noqa: E402

from engagement import sentence_model  # noqa: E402
from engagement.answer_gate import features  # noqa: E402
from engagement.knowledge import Entry, KnowledgeBase, entry_phrasings, question_focus  # noqa: E402
from engagement.reading import read_post  # noqa: E402

SETS = ("dev", "eval", "dev2", "dev3a", "dev3b")
HELD_OUT = {"blind", "holdout2", "holdout3"}
RERANK_TOP = 5  # the current ranking's candidates the combination re-scores
RRF_K = 60


def phrasings(entry: Entry) -> list[str]:
    return entry_phrasings(entry)  # what the runtime compares a post with


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float(((p > n) + 0.5 * (p == n)).mean())


@dataclass
class Tally:
    """One method on one set: the ranked entry indices and top score per post."""
    ranks: list[list[int]] = field(default_factory=list)
    tops: list[float] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Post:
    text: str
    answer: bool  # kind answer (else find_out)
    right: set[int]  # indices of the entries that carry the expected facts
    english: bool


def load_posts(name: str, answers: list[Entry]) -> tuple[list[Post], int]:
    posts, uncarried = [], 0
    for line in (ROOT / "tests" / "data" / "replies" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        kind = d["expect"].get("kind")
        if kind not in ("answer", "find_out"):
            continue
        right = {i for i, e in enumerate(answers) if kind == "answer" and carries(e, d["expect"].get("facts", []))}
        if kind == "answer" and not right:
            uncarried += 1
            continue
        lang = read_post(d["text"], addressed=d.get("addressed", True), lang=d.get("lang")).lang
        posts.append(Post(d["text"], kind == "answer", right, lang in ("en", None)))
    return posts, uncarried


def figures(posts: list[Post], tally: Tally) -> tuple[float, float, float, float]:
    answer = [(p, r, s) for p, r, s in zip(posts, tally.ranks, tally.tops) if p.answer]
    r1 = sum(bool(r) and r[0] in p.right for p, r, _ in answer) / len(answer)
    r3 = sum(any(i in p.right for i in r[:3]) for p, r, _ in answer) / len(answer)
    pos = [s if r and r[0] in p.right else 0.0 for p, r, s in answer]
    neg = [s for p, s in zip(posts, tally.tops) if not p.answer]
    return r1, r3, auc(pos, neg), tally.seconds * 1000 / len(posts)


def run_set(name: str, kb: KnowledgeBase, model, phrase_vecs: np.ndarray, phrase_entry: np.ndarray
            ) -> tuple[str, list[Post], dict[str, Tally], list[tuple]]:
    answers = kb.answers
    index = {id(e): i for i, e in enumerate(answers)}
    n = len(answers)
    posts, uncarried = load_posts(name, answers)
    t: dict[str, Tally] = {k: Tally() for k in (
        "current (search + answer gate)", "minilm, whole post", "minilm, question_focus", "minilm, max(whole, focus)",
        "combined: rerank top-5 by cos + score/best", "combined: rerank as above, whole post only", "combined: RRF(current, minilm max)",
        "combined, gate = (confidence + cos) / 2")}

    gate_rows: list[tuple] = []  # (features, label) for the current top, then for the re-ranked top

    def entry_cos(vec: np.ndarray) -> np.ndarray:
        cos = np.full(n, -1.0, dtype=np.float32)
        np.maximum.at(cos, phrase_entry, phrase_vecs @ vec)
        return cos

    for p in posts:
        started = time.perf_counter()
        hits = kb.search(p.text, k=RERANK_TOP, english=p.english)
        search_s = time.perf_counter() - started
        t["current (search + answer gate)"].seconds += search_s
        current = [index[id(h.entry)] for h in hits if id(h.entry) in index]
        t["current (search + answer gate)"].ranks.append(current)
        t["current (search + answer gate)"].tops.append(hits[0].confidence if hits else 0.0)

        started = time.perf_counter()
        whole = entry_cos(model.embed([p.text])[0])
        whole_s = time.perf_counter() - started
        focus_text = question_focus(p.text)
        started = time.perf_counter()
        focus = entry_cos(model.embed([focus_text])[0]) if focus_text != p.text else whole
        focus_s = time.perf_counter() - started
        both = np.maximum(whole, focus)
        for label, cos, secs in (("minilm, whole post", whole, whole_s), ("minilm, question_focus", focus, focus_s),
                                 ("minilm, max(whole, focus)", both, whole_s + focus_s)):
            order = [int(i) for i in np.argsort(-cos)[:3]]
            t[label].ranks.append(order)
            t[label].tops.append(float(cos[order[0]]))
            t[label].seconds += secs

        # re-score the current candidates: the transformer's cosine plus the search score relative to the best
        label = "combined: rerank top-5 by cos + score/best"
        if hits:
            best = hits[0].score or 1.0
            scored = sorted(((float(both[i]) + h.score / best, i, h) for h, i in zip(hits, current)),
                            key=lambda r: -r[0])
            t[label].ranks.append([i for _, i, _ in scored])
            t[label].tops.append(float(both[scored[0][1]]))
            gate = "combined, gate = (confidence + cos) / 2"
            t[gate].ranks.append([i for _, i, _ in scored])
            t[gate].tops.append((scored[0][2].confidence + float(both[scored[0][1]])) / 2)
            top_i, top_hit = scored[0][1], scored[0][2]
            other = max((h.score for h in hits if h is not top_hit), default=0.0)
            cos_others = np.delete(both, top_i)
            meaning = [float(both[top_i]), float(both[top_i] - cos_others.max())]
            gate_rows.append((features(hits[0], hits[1].score if len(hits) > 1 else 0.0),
                              int(p.answer and current[0] in p.right),
                              features(top_hit, other) + meaning, int(p.answer and top_i in p.right)))
        else:  # the search found nothing: the transformer alone decides
            order = [int(i) for i in np.argsort(-both)[:3]]
            for lab in (label, "combined, gate = (confidence + cos) / 2"):
                t[lab].ranks.append(order)
                t[lab].tops.append(float(both[order[0]]) / (2 if lab.startswith("combined, gate") else 1))
        t[label].seconds += search_s + whole_s + focus_s
        t["combined, gate = (confidence + cos) / 2"].seconds += search_s + whole_s + focus_s

        label = "combined: rerank as above, whole post only"  # one embedding per post instead of two
        if hits:
            best = hits[0].score or 1.0
            order = [i for _, i in sorted(((float(whole[i]) + h.score / best, i) for h, i in zip(hits, current)),
                                          key=lambda r: -r[0])]
        else:
            order = [int(i) for i in np.argsort(-whole)[:3]]
        t[label].ranks.append(order)
        t[label].tops.append(float(whole[order[0]]))
        t[label].seconds += search_s + whole_s

        rank_current = {i: r for r, i in enumerate(current)}
        rank_minilm = {int(i): r for r, i in enumerate(np.argsort(-both))}
        rrf = {i: 1 / (RRF_K + rank_minilm[i]) + (1 / (RRF_K + rank_current[i]) if i in rank_current else 0.0)
               for i in range(n)}
        order = sorted(rrf, key=lambda i: -rrf[i])[:3]
        t["combined: RRF(current, minilm max)"].ranks.append(order)
        t["combined: RRF(current, minilm max)"].tops.append(float(both[order[0]]))
        t["combined: RRF(current, minilm max)"].seconds += search_s + whole_s + focus_s

    n_answer = sum(p.answer for p in posts)
    head = (f"{name}: {n_answer} answer posts an entry carries ({uncarried} no entry carries, left out), "
            f"{len(posts) - n_answer} find_out")
    return head, posts, t, gate_rows


def main(sets: list[str]) -> None:
    if HELD_OUT & set(sets):
        raise SystemExit(f"held-out sets are never used here: {sorted(HELD_OUT & set(sets))}")
    started = time.perf_counter()
    model = sentence_model.load()
    load_s = time.perf_counter() - started
    if model is None:
        raise SystemExit("no sentence model: engagement/data/sentence_model/ or onnxruntime/tokenizers missing")
    kb = KnowledgeBase(ROOT / "examples" / "knowledge")
    answers = kb.answers
    texts, owner = [], []
    for i, e in enumerate(answers):
        for p in phrasings(e):
            texts.append(p)
            owner.append(i)
    started = time.perf_counter()
    phrase_vecs = model.embed(texts)
    index_s = time.perf_counter() - started
    print(f"model load {load_s * 1000:.0f} ms; {len(texts)} phrasings of {len(answers)} entries embedded in "
          f"{index_s:.2f} s ({index_s * 1000 / len(texts):.1f} ms each), one thread")
    results = [run_set(name, kb, model, phrase_vecs, np.array(owner)) for name in sets]
    gates = {name: r[3] for name, r in zip(sets, results)}
    results = [r[:3] for r in results]
    if len(results) > 1:  # all sets pooled
        pooled_posts = [p for _, posts, _ in results for p in posts]
        pooled = {label: Tally([r for _, _, t in results for r in t[label].ranks],
                               [s for _, _, t in results for s in t[label].tops],
                               sum(t[label].seconds for _, _, t in results)) for label in results[0][2]}
        n_answer = sum(p.answer for p in pooled_posts)
        results.append((f"pooled ({' + '.join(sets)}): {n_answer} answer posts, {len(pooled_posts) - n_answer} "
                        f"find_out", pooled_posts, pooled))
    for head, posts, tallies in results:
        print(f"\n{head}\n\n| method | recall@1 | recall@3 | AUC (top right vs find_out) | ms/query |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for label, tally in tallies.items():
            r1, r3, a, ms = figures(posts, tally)
            print(f"| {label} | {r1:.3f} | {r3:.3f} | {a:.3f} | {ms:.1f} |")
    if len(sets) > 1:
        gate_check(gates)


def gate_check(gates: dict[str, list[tuple]]) -> None:
    """Leave one set out: a logistic gate (answer_gate.FEATURES, as bench/fit_answer_gate.py fits it) refitted on
    the other sets decides on the held-out one; for the current top entry, and for the re-ranked top entry with the
    transformer's cosine and its lead over the next entry as two more features. "Right" = the top entry carries
    the facts; everything else (wrong entry, find_out post) should be held back."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        print("\n(scikit-learn missing: no gate check)")
        return
    print("\nGate, leave one set out (threshold chosen on the other sets; posts where search found nothing left out)"
          "\n\n| held out | current: accuracy | current: AUC | re-ranked + cosine: accuracy | re-ranked + cosine: AUC |"
          "\n| --- | ---: | ---: | ---: | ---: |")
    for held in gates:
        cells = []
        for fx, fy in ((0, 1), (2, 3)):
            train = [r for n, rows in gates.items() if n != held for r in rows]
            x, y = np.array([r[fx] for r in train]), np.array([r[fy] for r in train])
            clf = LogisticRegression(max_iter=1000).fit(x, y)
            p_train = clf.predict_proba(x)[:, 1]
            thr = max((float(((p_train >= t) == (y == 1)).mean()), t) for t in np.arange(0.2, 0.81, 0.01))[1]
            hx, hy = np.array([r[fx] for r in gates[held]]), np.array([r[fy] for r in gates[held]])
            p = clf.predict_proba(hx)[:, 1]
            cells += [f"{float(((p >= thr) == (hy == 1)).mean()):.3f}",
                      f"{auc(list(p[hy == 1]), list(p[hy == 0])):.3f}"]
        print(f"| {held} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     epilog="example: .venv/bin/python bench/retrieval_transformer.py dev eval")
    parser.add_argument("sets", nargs="*", default=list(SETS), help=f"development sets (default: {' '.join(SETS)})")
    main(parser.parse_args().sets)
