"""Where a question goes wrong: retrieval (the right entry is not first) or the gate (it is first, judged unsure).

For each `answer`/`find_out` post of a development set: the entries that carry its expected facts, the rank of the
first of them among retrieval's hits, the best hit and the gate's confidence in it. Never run on held-out sets.

    .venv/bin/python bench/diagnose_retrieval.py dev3a [--all]
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fit_answer_gate import carries, questions  # noqa: E402
from engagement.answer_gate import threshold  # noqa: E402,F401
from engagement.knowledge import KnowledgeBase  # noqa: E402

HELD_OUT = {"blind", "holdout2", "holdout3"}


def main() -> None:
    name = sys.argv[1]
    if name in HELD_OUT:
        sys.exit(f"{name} is held out: aggregate figures only (listenwell replies eval)")
    show_all = "--all" in sys.argv
    kb = KnowledgeBase(ROOT / "examples" / "knowledge")
    outcome = Counter()
    for d, kind, hits in questions(kb, name, deep=True):
        gold = [e.id for e in kb.answers if not e.is_reply and carries(e, d["expect"].get("facts", []))]
        top = hits[0] if hits else None
        conf = top.confidence if top else 0.0
        t = threshold(top)
        if kind == "answer":
            rank = next((i for i, h in enumerate(hits) if h.entry.id in gold), None)
            what = ("ok" if rank == 0 and conf >= t else "gate" if rank == 0 else
                    "rank2" if rank is not None else "miss")
        else:
            what = "ok" if conf < t else "false-answer"
        outcome[(kind, what)] += 1
        if show_all or what != "ok":
            print(f"{d['id']} [{kind}] {what} conf={conf:.2f} top={top.entry.id if top else None} "
                  f"cov={top.coverage if top else 0} soft={top.soft_coverage if top else 0} "
                  f"sem={top.semantic if top else 0} cos={top.cosine if top else None} miss={top.missing if top else 0} "
                  f"rare={top.rare if top else ()}")
            if kind == "answer" and what != "gate":
                print(f"    gold={gold[:3]}")
            print(f"    {d['text'][:200]!r}")
    for key, n in sorted(outcome.items()):
        print(key, n)


if __name__ == "__main__":
    main()
