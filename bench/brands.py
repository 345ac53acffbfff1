"""What the brand matcher adds to the tag stage (issue 18), measured so that a busy machine cannot fake it.

    .venv/bin/python bench/brands.py                 # 20,000 generated posts, 5 interleaved rounds

Each round runs, on the same posts and in this one process: bare ``spacy.blank("en")`` tokenization, the
tag stage's work without brands (``nlp.tag_table.tag_table`` with no brand configured), and the same with 50 brand and competitor names
configured (bench/tagging.py's set), each with fresh tokenizers warmed on the first 2,000 posts. The rounds
interleave, so load from other processes falls on all three alike; the medians are printed, with each run's ratio to blank spaCy and the matcher's share of the stage.
bench/tagging.py gives the absolute figures, with the two-process pool.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/listenwell-bench"))
    args = parser.parse_args()

    import spacy

    from bench.tagging import BRAND, COMPETITORS, TOPICS, generated_texts, tag_rows
    from listenwell.config import Config
    from nlp.brands import BrandMatcher
    from nlp.pipeline import build_pipeline

    rows = generated_texts(args.posts, args.cache)
    texts = [r[0] for r in rows]
    config = Config.model_validate({"me": {"name": "Bench", "handles": {"x": ["fernhillhq"]}}, "topics": TOPICS,
                                    "brand": BRAND, "competitors": COMPETITORS})
    plain = Config.model_validate({"me": {"name": "Bench", "handles": {"x": ["fernhillhq"]}}, "topics": TOPICS})
    brands = BrandMatcher.from_config(config)
    names = len(BRAND["names"]) + sum(1 + len(c["aliases"]) for c in COMPETITORS)
    runs: dict[str, list[float]] = {"blank": [], "stage": [], "stage+brands": [], "matcher": []}
    for _ in range(args.rounds):
        # fresh tokenizers every round: spaCy caches tokens by string, and a second pass over the same posts
        # would be served from that cache (the flattery docs/benchmarks.md describes); each warms up alike
        blank, nlp, nlp2 = spacy.blank("en"), build_pipeline(TOPICS), build_pipeline(TOPICS)
        for _doc in blank.pipe(texts[:2000]):
            pass
        tag_rows(rows[:2000], plain, nlp)
        tag_rows(rows[:2000], config, nlp2)
        t = time.perf_counter()
        for _doc in blank.pipe(texts, batch_size=1000):
            pass
        runs["blank"].append(time.perf_counter() - t)
        t = time.perf_counter()
        tag_rows(rows, plain, nlp)
        runs["stage"].append(time.perf_counter() - t)
        t = time.perf_counter()
        tag_rows(rows, config, nlp2)
        runs["stage+brands"].append(time.perf_counter() - t)
        t = time.perf_counter()
        brands.match_many((text, None, None) for text in texts)
        runs["matcher"].append(time.perf_counter() - t)
    n = len(rows)
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"{n:,} generated posts, {args.rounds} interleaved rounds, {names} brand and competitor names; medians\n")
    print("| run | posts/s | ratio to blank spaCy | ratio per round |")
    print("| --- | ---: | ---: | --- |")
    for key, label in (("blank", "bare `spacy.blank(\"en\")` tokenization"), ("stage", "tag stage, no brands"),
                       ("stage+brands", "tag stage, 50 names")):
        per_round = " ".join(f"{b / s:.2f}" for b, s in zip(runs["blank"], runs[key]))
        print(f"| {label} | {n / med[key]:,.0f} | {med['blank'] / med[key]:.2f} | {per_round} |")
    print(f"\nmatcher alone: {med['matcher'] / n * 1e6:.1f} µs per post "
          f"({med['matcher'] / med['stage+brands']:.1%} of the stage); stage with brands / without: "
          f"{med['stage+brands'] / med['stage']:.3f}")


if __name__ == "__main__":
    main()
