"""How many ordinary tweets (the SemEval files) get a moment: issue 17's bar is at most 0.1%.

    .venv/bin/python bench/ordinary_tweets.py                 # today's rules
    .venv/bin/python bench/ordinary_tweets.py --commit 46912d0 # the rules of an earlier commit
    .venv/bin/python bench/ordinary_tweets.py --show 40        # and a sample of the posts that got one

Prints the count per moment type. Reads ``../shared/data/sentiment``; nothing is written.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.semeval import labelled_files, read_labelled  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "sentiment")
    parser.add_argument("--commit", default=None, help="score nlp/moments.py as it was at this commit")
    parser.add_argument("--show", type=int, default=0, help="print a seeded sample of this many hits")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.commit:
            from bench.nlp_before import module_at

            detect = module_at(args.commit, "nlp/moments.py", "moments_before", Path(tmp)).detect_moments
        else:
            from nlp.moments import detect_moments as detect
        n, hits = 0, []
        for path in labelled_files(args.data):
            for _id, _label, text in read_labelled(path)[0]:
                n += 1
                found = detect(text)
                if found:
                    hits.append((found[0].type, text))
    print(f"{len(hits)} of {n} tweets ({len(hits) / n:.2%}) got a moment:",
          ", ".join(f"{k} {v}" for k, v in Counter(k for k, _ in hits).most_common()))
    for kind, text in random.Random(1).sample(hits, min(args.show, len(hits))):
        print(f"  {kind:<12} {text[:110]!r}")


if __name__ == "__main__":
    main()
