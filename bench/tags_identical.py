"""Speed work on the tag stage must not change a single tag: this tags the same posts with two versions of the
code and compares every field of every post.

    .venv/bin/python bench/tags_identical.py                       # against 9924462 (before issue 18's speed work)
    .venv/bin/python bench/tags_identical.py --against main --posts 20000

The posts: ``--posts`` generated posts (bench/generate.py, as in bench/tagging.py, with their addressed flags)
and every SemEval tweet in ``../shared/data/sentiment`` twice, once read as addressed to us (the complaint model
and the weak cues run) and once not. Each version runs what the tag job's workers run (``nlp.tag_table.tag_table``, or ``jobs.tag._tag_rows`` before it)
with bench/tagging.py's 50 brand and competitor names and topics, in its own process: the other version's code is
taken from ``git archive REV`` into a temporary directory and put first on ``sys.path``. The comparison is exact
(sentiment scores as floats, moments and evidence as the JSON the job stores). Exits 1 on any difference and
prints the first ones.
"""
from __future__ import annotations

import argparse
import io
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE_SPEED_WORK = "9924462"
FIELDS = ("lang", "sentiment", "label", "topics", "intents", "moments", "evidence", "about_us", "competitors")


def posts(n: int, cache: Path, semeval: Path) -> list[tuple]:
    from bench.tagging import generated_texts, semeval_texts

    rows = list(generated_texts(n, cache))
    if semeval.is_dir():
        tweets = semeval_texts(semeval)
        rows += tweets + [(text, lang, True) for text, lang, _ in tweets]
    return rows


def dump(code: Path, out: Path, n: int, cache: Path, semeval: Path) -> None:
    """Tag the posts with the code in ``code`` (this process imports it first) and pickle the rows to ``out``."""
    sys.path.insert(0, str(code))
    from bench.tagging import BRAND, COMPETITORS, TOPICS  # the other version's bench set, the same names
    from listenwell.config import Config
    from nlp.pipeline import build_pipeline

    import nlp.pipeline
    assert Path(nlp.pipeline.__file__).resolve().is_relative_to(code.resolve()), nlp.pipeline.__file__
    rows = posts(n, cache, semeval)
    config = Config.model_validate({"me": {"name": "Bench", "handles": {"x": ["fernhillhq"]}}, "topics": TOPICS,
                                    "brand": BRAND, "competitors": COMPETITORS})
    pipeline = build_pipeline(TOPICS)
    tag_batch = _batch_tagger(config, pipeline)
    tagged = []
    for start in range(0, len(rows), 20_000):
        tagged.extend(tag_batch(rows[start:start + 20_000]))
    with out.open("wb") as fh:
        pickle.dump({"texts": [r[0] for r in rows], "tags": tagged}, fh)


def _batch_tagger(config, pipeline):
    """What the tag job's workers run, in either version: ``nlp.tag_table.tag_table`` (issue 23 on) or the
    older ``jobs.tag._tag_rows``; both give rows of FIELDS."""
    try:
        from nlp.tag_table import tag_table
    except ImportError:
        from jobs.tag import _tag_rows
        from nlp.brands import BrandMatcher

        brands = BrandMatcher.from_config(config)
        return lambda rows: _tag_rows(pipeline, rows, brands)
    import pyarrow as pa

    columns = ("lang", "sentiment_score", "sentiment_label", "topics", "intents", "moments", "evidence",
               "about_us", "competitors")

    def tag_batch(rows):
        table = pa.table({"post_uid": [f"bench:{i}" for i in range(len(rows))], "text": [r[0] for r in rows],
                          "lang": [r[1] for r in rows], "addressed_to_us": [bool(r[2]) for r in rows],
                          "from_us": [False] * len(rows)})
        tags = tag_table(table, config, nlp=pipeline).to_pydict()
        return list(zip(*(tags[c] for c in columns)))

    return tag_batch


def _run_dump(code: Path, out: Path, args) -> None:
    env = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--dump", str(code), str(out),
                    "--posts", str(args.posts), "--cache", str(args.cache), "--semeval", str(args.semeval)],
                   check=True, env=env, cwd=code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", default=BEFORE_SPEED_WORK, help="git revision to compare with")
    parser.add_argument("--posts", type=int, default=20_000, help="generated posts (besides the SemEval tweets)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/listenwell-bench"))
    parser.add_argument("--semeval", type=Path, default=ROOT.parent / "shared" / "data" / "sentiment")
    parser.add_argument("--dump", nargs=2, metavar=("CODE", "OUT"), type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.dump[0], args.dump[1], args.posts, args.cache, args.semeval)
        return

    with tempfile.TemporaryDirectory(prefix="tags-identical-") as tmp:
        other = Path(tmp) / "other"
        other.mkdir()
        archive = subprocess.run(["git", "archive", args.against], cwd=ROOT, check=True, capture_output=True).stdout
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(other, filter="data")
        _run_dump(other, Path(tmp) / "other.pickle", args)
        _run_dump(ROOT, Path(tmp) / "this.pickle", args)
        before = pickle.loads((Path(tmp) / "other.pickle").read_bytes())
        after = pickle.loads((Path(tmp) / "this.pickle").read_bytes())

    assert before["texts"] == after["texts"], "the two versions tagged different posts"
    differences = [(i, field, a, b) for i, (row_a, row_b) in enumerate(zip(before["tags"], after["tags"]))
                   for field, a, b in zip(FIELDS, row_a, row_b) if a != b]
    differences += [(i, "missing", None, None) for i in range(min(len(before["tags"]), len(after["tags"])),
                                                              max(len(before["tags"]), len(after["tags"])))]
    n = len(before["texts"])
    print(f"{n:,} posts ({args.posts:,} generated; SemEval tweets twice: addressed and not), "
          f"{len(FIELDS)} fields each, {args.against} against the working tree: {len(differences)} differences")
    for i, field, a, b in differences[:20]:
        print(f"  post {i} {field}: {a!r} → {b!r}   {before['texts'][i][:100]!r}")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
