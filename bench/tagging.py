"""Tagging throughput (issue 5): the full NLP pipeline against bare ``spacy.blank("en")`` tokenization.

    .venv/bin/python bench/tagging.py                      # 100,000 generated posts (bench/generate.py)
    .venv/bin/python bench/tagging.py --corpus semeval     # the real SemEval tweets in ../shared, if present

Measured in one run on the same texts: blank tokenization in one process; the full pipeline (language,
sentiment, topics, intents, moments) in one process (``nlp.tag_table.tag_table``), and with two worker processes
(the tag job's pool, which is what ``run --once`` uses), with 50 brand and competitor names configured
(issue 18: the brand matcher runs in the tag stage); and each component's cost per post. The three run
``--rounds`` times, interleaved, each in a fresh process; the medians are compared and the load average is
printed. Prints a Markdown table; the ratio is pipeline posts/s ÷ blank posts/s.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# 50 brand and competitor names (issue 18's measure): our brand with products and aliases, and competitors
BRAND = {"names": ["Fernhill", "Fernhill Analytics", "Fernhill Relay", "Ledgerline", "Fernhill Pulse"],
         "exclude": ["Fernhill Park", "Fernhill Road", "Fernhill School"]}
COMPETITORS = [{"name": n, "aliases": [f"{n} Cloud", f"{n} Server"]} for n in (
    "Looker", "Metabase", "Superset", "Lightdash", "Tableau", "Qlik", "Sisense", "Domo", "Redash", "Mode Analytics",
    "ThoughtSpot", "Chartio", "Klipfolio", "Databox", "Holistics")]
TOPICS = {
    "dashboards": {"keywords": ["dashboard", "chart"], "hashtags": ["dataviz"]},
    "pipelines": {"keywords": ["pipeline", "dbt", "warehouse"], "phrases": ["data quality"]},
    "pricing": {"keywords": ["pricing", "bill"], "phrases": ["pricing page"]},
}


def generated_texts(n: int, cache: Path) -> list[tuple[str, str | None, bool]]:
    from bench.generate import generate

    data = cache / f"data-{n}"
    if not (data / "blog.csv").exists():
        generate(n, data)
    rows: list[tuple[str, str | None, bool]] = []
    with (data / "x.jsonl").open() as fh:
        for line in fh:
            for tweet in json.loads(line)["data"]:
                rows.append((tweet["text"], tweet.get("lang"), "fernhillhq" in tweet["text"].lower()))
    with (data / "reddit.jsonl").open() as fh:
        for line in fh:
            for child in json.loads(line)["data"]["children"]:
                d = child["data"]
                rows.append((d.get("body") or d.get("selftext") or d.get("title") or "", None,
                             "fernhill_team" in (d.get("body") or "").lower()))
    with (data / "blog.csv").open(newline="") as fh:
        rows.extend((r["text"], None, False) for r in csv.DictReader(fh))
    return rows[:n]


def semeval_texts(data: Path) -> list[tuple[str, str | None, bool]]:
    from nlp.semeval import labelled_files, read_labelled

    rows = []
    for path in labelled_files(data):
        rows.extend((text, None, False) for _id, _label, text in read_labelled(path)[0])
    return rows


def component_costs(nlp, rows) -> dict[str, float]:
    from nlp.tag_table import _fewer_gc_passes
    from nlp.pipeline import make_doc

    docs = [make_doc(nlp, text, lang, addressed) for text, lang, addressed in rows]
    costs = {}
    with _fewer_gc_passes():  # as the tag job runs them (the default collector would be billed to whoever ran)
        for name, proc in nlp.pipeline:
            t = time.perf_counter()
            docs = list(proc.pipe(docs, batch_size=1000)) if hasattr(proc, "pipe") else [proc(d) for d in docs]
            costs[name] = (time.perf_counter() - t) / len(rows) * 1e6
    return costs


def rows_table(rows):
    """(text, lang hint, addressed to us) rows as the posts batch ``nlp.tag_table.tag_table`` reads."""
    import pyarrow as pa

    return pa.table({"post_uid": [f"bench:{i}" for i in range(len(rows))], "text": [r[0] for r in rows],
                     "lang": [r[1] for r in rows], "addressed_to_us": [bool(r[2]) for r in rows],
                     "from_us": [False] * len(rows)})


def tag_rows(rows, config, nlp=None):
    """The tag job's work on one batch, in whichever form this revision has (``--against`` may name one from
    before ``nlp.tag_table``)."""
    try:
        from nlp.tag_table import tag_table
    except ImportError:
        from jobs.tag import _tag_rows
        from nlp.brands import BrandMatcher

        return _tag_rows(nlp, rows, BrandMatcher.from_config(config))
    return tag_table(rows_table(rows), config, nlp=nlp)


def _pool_batch(rows):
    try:
        import nlp.tag_table  # noqa: F401
    except ImportError:
        return rows
    return rows_table(rows)


def _measure(kind: str, args) -> tuple[float, float]:
    """(wall, CPU) seconds for one variant, in this (fresh) process: loaded, warmed on the first posts, then
    timed. The CPU time is this process's own (for the pool, the parent's: not meaningful)."""
    import spacy

    from jobs.tag import _Taggers
    from listenwell.config import Config
    from nlp.pipeline import build_pipeline

    rows = _rows(args)
    texts = [text for text, _lang, _addressed in rows]
    if kind == "blank":
        blank = spacy.blank("en")
        for _ in blank.pipe(texts[:2000]):  # the vocabulary warms up, as in a long-running tagger
            pass
        t, c = time.perf_counter(), time.process_time()
        for _ in blank.pipe(texts, batch_size=1000):
            pass
        return time.perf_counter() - t, time.process_time() - c
    config = Config.model_validate({"me": {"name": "Bench", "handles": {"x": ["fernhillhq"]}}, "topics": TOPICS,
                                    "brand": BRAND, "competitors": COMPETITORS})
    if kind == "one":
        nlp = build_pipeline(TOPICS)
        tag_rows(rows[:2000], config, nlp)
        t, c = time.perf_counter(), time.process_time()
        for start in range(0, len(rows), 20_000):
            tag_rows(rows[start:start + 20_000], config, nlp)
        return time.perf_counter() - t, time.process_time() - c
    taggers = _Taggers(config, None, 2)
    try:
        taggers.tag(_pool_batch(rows[:4000]))  # workers started and models loaded, as after the first batch of a run
        t, c = time.perf_counter(), time.process_time()
        for start in range(0, len(rows), 20_000):
            taggers.tag(_pool_batch(rows[start:start + 20_000]))
        return time.perf_counter() - t, time.process_time() - c
    finally:
        taggers.close()


def _rows(args) -> list[tuple[str, str | None, bool]]:
    return semeval_texts(args.semeval) if args.corpus == "semeval" else generated_texts(args.posts, args.cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--corpus", choices=("generated", "semeval"), default="generated")
    parser.add_argument("--semeval", type=Path, default=ROOT.parent / "shared" / "data" / "sentiment")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/listenwell-bench"))
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds; each variant runs in a fresh process every round")
    parser.add_argument("--against", metavar="REV", default=None,
                        help="also run this git revision's pipeline in the same rounds (e.g. main)")
    parser.add_argument("--measure", choices=("blank", "one", "two"), help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        if args.code:  # another revision's code, imported before this tree's
            sys.path.insert(0, str(args.code))
            import nlp.pipeline
            assert Path(nlp.pipeline.__file__).resolve().is_relative_to(args.code.resolve())
        wall, cpu = _measure(args.measure, args)
        print(json.dumps({"seconds": wall, "cpu": cpu}))
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-tagging-") as tmp:
        other = None
        if args.against:
            import io
            import subprocess
            import tarfile

            other = Path(tmp)
            archive = subprocess.run(["git", "archive", args.against], cwd=ROOT, check=True,
                                     capture_output=True).stdout
            tarfile.open(fileobj=io.BytesIO(archive)).extractall(other, filter="data")
        _compare(args, other)


def _compare(args, other: Path | None) -> None:
    import statistics
    import subprocess

    import spacy

    from listenwell.config import Config
    from nlp.brands import BrandMatcher
    from nlp.pipeline import build_pipeline

    rows = _rows(args)  # generated once here, so the measuring processes only read the cache
    texts = [text for text, _lang, _addressed in rows]
    n = len(rows)
    # Every variant runs in a fresh process each round (spaCy's token cache, the sentiment model's chunk and
    # character caches start cold for both), and the variants alternate within a round, so the machine's
    # load falls on all of them alike.
    variants = ["blank", "one", "two"] + (["one@", "two@"] if other else [])
    runs: dict[str, list[float]] = {v: [] for v in variants}
    cpu: dict[str, list[float]] = {v: [] for v in variants}
    loads = [os.getloadavg()[0]]
    for r in range(args.rounds):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for kind in order:
            code = ["--code", str(other)] if kind.endswith("@") else []
            out = subprocess.run([sys.executable, __file__, "--measure", kind.rstrip("@"), "--posts", str(args.posts),
                                  "--corpus", args.corpus, "--semeval", str(args.semeval), "--cache", str(args.cache),
                                  *code], check=True, capture_output=True, text=True).stdout
            measured = json.loads(out.strip().splitlines()[-1])
            runs[kind].append(measured["seconds"])
            cpu[kind].append(measured["cpu"])
            loads.append(os.getloadavg()[0])

    config = Config.model_validate({"me": {"name": "Bench", "handles": {"x": ["fernhillhq"]}}, "topics": TOPICS,
                                    "brand": BRAND, "competitors": COMPETITORS})
    brands = BrandMatcher.from_config(config)
    names = len(BRAND["names"]) + sum(1 + len(c["aliases"]) for c in COMPETITORS)
    t = time.perf_counter()
    about = sum(m.about_us or bool(m.competitors) for m in brands.match_many((text, None, None) for text in texts))
    brand_s = time.perf_counter() - t
    costs = component_costs(build_pipeline(TOPICS), rows[:20_000])
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"{n:,} posts ({args.corpus}, mean {sum(map(len, texts)) / n:.0f} characters); machine: "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, spaCy {spacy.__version__}; "
          f"{args.rounds} interleaved rounds, medians; load average (1 min) during the runs "
          f"{min(loads):.1f}–{max(loads):.1f}\n")
    print("| run | posts/s | ratio to blank spaCy | ratio per round | CPU ratio to blank (1 process) |")
    print("| --- | ---: | ---: | --- | ---: |")
    labels = [("blank", "bare `spacy.blank(\"en\")` tokenization, 1 process"),
              ("one", "full pipeline, 1 process"), ("two", "full pipeline, 2 worker processes")]
    if other:
        labels += [("one@", f"{args.against}: full pipeline, 1 process"),
                   ("two@", f"{args.against}: full pipeline, 2 worker processes")]
    for key, label in labels:
        per_round = " ".join(f"{b / s:.2f}" for b, s in zip(runs["blank"], runs[key]))
        cpu_ratio = (f"{statistics.median(cpu['blank']) / statistics.median(cpu[key]):.2f}"
                     if not key.startswith("two") else "")
        print(f"| {label} | {n / med[key]:,.0f} | {med['blank'] / med[key]:.2f} | {per_round} | {cpu_ratio} |")
    print("\nPer post, one process (µs): " + ", ".join(f"{k.replace('listenwell_', '')} {v:.1f}"
                                                       for k, v in costs.items())
          + f"; brands ({names} names) {brand_s / n * 1e6:.1f}")
    print(f"{about:,} posts name us or a competitor")
    print("The CPU ratio compares the processes' own CPU seconds (time.process_time): what the ratio would be on an "
          "idle core, much less moved by other processes' load than the wall-clock ratio.")


if __name__ == "__main__":
    main()
