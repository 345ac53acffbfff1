"""Benchmark: VADER vs listenwell's sentiment model on held-back SemEval tweet files.

Runs both systems in the same process on each file and prints a Markdown table
(macro-averaged recall over the 3 classes, accuracy, mean F1 of positive/negative,
scoring throughput in posts/s on one core).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_sentiment.py \\
        --data ../shared/data/sentiment twitter-2016devtest-A.txt twitter-2016test-A.txt

Needs ``vaderSentiment`` (``pip install 'listenwell[train]'``).  VADER's label uses
the usual +-0.05 threshold on its compound score.  Throughput is wall-clock time of
scoring the whole file once, with cold caches (a freshly loaded listenwell model).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp import semeval  # noqa: E402
from nlp import sentiment as S  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/sentiment"
DEFAULT_FILES = ("twitter-2016devtest-A.txt", "twitter-2016test-A.txt")


def _pin_one_core() -> str:
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[0]})
        return f"pinned to CPU {cpus[0]}"
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return "not pinned"


def vader_labels(texts):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    t0 = time.perf_counter()
    out = []
    for t in texts:
        c = sia.polarity_scores(t)["compound"]
        out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
    return out, time.perf_counter() - t0


def listenwell_labels(texts, model_dir):
    S._TOK_CACHE.clear()
    S._norm_word.cache_clear()
    model = S.SentimentModel.load(model_dir)
    t0 = time.perf_counter()
    out = [lab for _, lab in model.score_many(texts)]
    return out, time.perf_counter() - t0, model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", default=list(DEFAULT_FILES),
                    help="labelled files (names in --data, or paths)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory holding the files")
    ap.add_argument("--model", type=Path, default=None, help="listenwell model dir (default: bundled)")
    args = ap.parse_args(argv)

    pin = _pin_one_core()
    rows_out = []
    version = "?"
    for name in args.files:
        p = Path(name)
        if not p.is_file():
            p = args.data / name
        if not p.is_file():
            print(f"missing: {p}", file=sys.stderr)
            return 2
        rows, skipped = semeval.read_labelled(p)
        texts = [r[2] for r in rows]
        gold = [r[1] for r in rows]
        vl, vt = vader_labels(texts)
        ll, lt, model = listenwell_labels(texts, args.model)
        version = model.version
        for system, pred, secs in (("VADER 3.3.2 (±0.05)", vl, vt), (f"listenwell {model.version}", ll, lt)):
            m = semeval.metrics(gold, pred)
            rows_out.append((p.name, system, len(rows), skipped, m, len(rows) / secs))

    print(f"<!-- python {platform.python_version()}, {pin}, model {version} -->")
    print("| file | system | n | skipped | macro recall | accuracy | F1 pos/neg | posts/s (1 core) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, system, n, skipped, m, pps in rows_out:
        print(f"| {name} | {system} | {n:,} | {skipped} | {m['macro_recall']:.3f} | {m['accuracy']:.3f} "
              f"| {m['f1_pn']:.3f} | {pps:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
