"""Benchmark: VADER vs listenwell's sentiment model on held-back SemEval tweet files.

Runs both systems in the same process on each file and prints a Markdown table
(macro-averaged recall over the 3 classes, accuracy, mean F1 of positive/negative,
scoring throughput in posts/s on one core).

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_sentiment.py \\
        --data ../shared/data/sentiment twitter-2016devtest-A.txt twitter-2016test-A.txt

Needs ``vaderSentiment`` (``pip install 'listenwell[train]'``).  VADER's label uses
the usual +-0.05 threshold on its compound score.  ``--tfidf`` adds the usual baseline: a
scikit-learn TF-IDF word (1,2) + char_wb (2,5) logistic regression trained on every file in
``--data`` except the files benchmarked (about a minute).  Throughput is wall-clock time of
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


def tfidf_baseline(data: Path, held_back: set[str]):
    """Fit the TF-IDF + logistic regression baseline on the files not held back."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    rows = []
    for path in semeval.labelled_files(data, exclude=held_back):
        rows.extend(semeval.read_labelled(path)[0])
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True),
    )
    model = make_pipeline(features, LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000))
    return model.fit([r[2] for r in rows], [r[1] for r in rows])


def tfidf_labels(texts, model):
    t0 = time.perf_counter()
    out = list(model.predict(texts))
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
    ap.add_argument("--tfidf", action="store_true", help="also the TF-IDF + logistic regression baseline")
    args = ap.parse_args(argv)

    pin = _pin_one_core()
    baseline = tfidf_baseline(args.data, {Path(f).name for f in args.files}) if args.tfidf else None
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
        systems = [("VADER 3.3.2 (±0.05)", vl, vt)]
        if baseline is not None:
            systems.append(("TF-IDF + logistic regression", *tfidf_labels(texts, baseline)))
        systems.append((f"listenwell {model.version}", ll, lt))
        for system, pred, secs in systems:
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
