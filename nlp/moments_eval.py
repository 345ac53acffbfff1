"""Precision and recall of the moment and intent detectors on a labelled set of posts.

The set (``tests/data/moments_eval.tsv``) has one post per line::

    labels<TAB>addressed_to_us<TAB>text

``labels`` is a comma-separated list of moment types and intents the post contains; ``!type`` marks a
deliberate hard negative for that type (it looks like one but is not) and is not a label; ``-`` means
none. Lines starting with ``#`` and blank lines are ignored.

Split rule (fixed, so rules are never tuned on the held-out part): counting data lines only, from 0,
post ``i`` is held out when ``i % 3 == 2``; every other post is dev.

Intents are scored with the real sentiment model, as the pipeline does. Pure functions apart from
reading the file and loading the model.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from nlp.intents import INTENTS, detect_intents
from nlp.moments import MOMENT_TYPES, detect_moments

DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "moments_eval.tsv"
TYPES: tuple[str, ...] = MOMENT_TYPES + INTENTS
SPLITS = ("dev", "heldout")
HELDOUT_EVERY = 3  # post i is held out when i % HELDOUT_EVERY == HELDOUT_EVERY - 1
SPLIT_RULE = "data line i (0-based) is held out when i % 3 == 2"


@dataclass(frozen=True, slots=True)
class EvalPost:
    index: int
    line: int
    labels: frozenset[str]
    hard_negatives: frozenset[str]
    addressed_to_us: bool
    text: str

    @property
    def split(self) -> str:
        return "heldout" if self.index % HELDOUT_EVERY == HELDOUT_EVERY - 1 else "dev"


def load_eval_set(path: str | Path | None = None) -> list[EvalPost]:
    """Parse the labelled file; raises ValueError naming the line on any malformed row or unknown type."""
    path = Path(path) if path is not None else DEFAULT_SET
    posts: list[EvalPost] = []
    known = set(TYPES)
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t", 2)
        if len(parts) != 3 or parts[1] not in ("0", "1") or not parts[2].strip():
            raise ValueError(f"{path}:{lineno}: expected labels<TAB>0|1<TAB>text")
        labels: set[str] = set()
        negatives: set[str] = set()
        for item in (x.strip() for x in parts[0].split(",")):
            if item in ("", "-"):
                continue
            name = item.lstrip("!")
            if name not in known:
                raise ValueError(f"{path}:{lineno}: unknown type {item!r}")
            (negatives if item.startswith("!") else labels).add(name)
        if labels & negatives:
            raise ValueError(f"{path}:{lineno}: {sorted(labels & negatives)} both positive and hard negative")
        posts.append(EvalPost(len(posts), lineno, frozenset(labels), frozenset(negatives), parts[1] == "1",
                              parts[2]))
    return posts


def composition(posts: Iterable[EvalPost]) -> dict[str, dict[str, int]]:
    """Per type: positives and hard negatives, overall and in the held-out split."""
    out = {t: {"positives": 0, "hard_negatives": 0, "heldout_positives": 0} for t in TYPES}
    for post in posts:
        for t in post.labels:
            out[t]["positives"] += 1
            out[t]["heldout_positives"] += post.split == "heldout"
        for t in post.hard_negatives:
            out[t]["hard_negatives"] += 1
    return out


def predict(post: EvalPost, sentiment: Callable[[str], str | None]) -> frozenset[str]:
    """Moment types plus intents the detectors find in one post."""
    found = {m.type for m in detect_moments(post.text)}
    found.update(detect_intents(post.text, sentiment(post.text), post.addressed_to_us))
    return frozenset(found)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _scores(tp: int, fp: int, fn: int) -> dict:
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * p * r / (p + r), 4) if p is not None and r is not None and p + r > 0 else None
    return {"tp": tp, "fp": fp, "fn": fn, "support": tp + fn, "precision": p, "recall": r, "f1": f1}


def _split_metrics(rows: list[tuple[EvalPost, frozenset[str]]]) -> dict:
    counts = {t: [0, 0, 0] for t in TYPES}
    for post, found in rows:
        for t in TYPES:
            gold, got = t in post.labels, t in found
            if gold and got:
                counts[t][0] += 1
            elif got:
                counts[t][1] += 1
            elif gold:
                counts[t][2] += 1

    def micro(types: Iterable[str]) -> dict:
        types = list(types)
        return _scores(*(sum(counts[t][i] for t in types) for i in range(3)))

    return {
        "n": len(rows),
        "per_type": {t: _scores(*counts[t]) for t in TYPES},
        "moments": micro(MOMENT_TYPES),
        "intents": micro(INTENTS),
        "overall": micro(TYPES),
    }


def evaluate(path: str | Path | None = None, sentiment: Callable[[str], str | None] | None = None,
             whole: bool = False) -> dict:
    """Per-type and micro-averaged precision/recall/F1 for the dev and held-out splits.

    ``sentiment`` maps text to a sentiment label (negative / neutral / positive); default: the bundled
    model's label (``nlp.sentiment.default_model().score(text)[1]``).
    """
    if sentiment is None:
        from nlp.sentiment import default_model

        model = default_model()

        def sentiment(text: str) -> str | None:
            return model.score(text)[1]

    posts = load_eval_set(path)
    if whole:  # a set that is all one thing (a dev set, or a blind set): every post in "heldout" and "dev"
        posts = [EvalPost(p.index, p.line, p.labels, p.hard_negatives, p.addressed_to_us, p.text) for p in posts]
    started = time.perf_counter()
    rows = [(post, predict(post, sentiment)) for post in posts]
    seconds = time.perf_counter() - started
    errors: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for post, found in rows:
        missed, extra = sorted(post.labels - found), sorted(found - post.labels)
        if missed or extra:
            errors[post.split].append({"line": post.line, "text": post.text, "missed": missed, "extra": extra})
    result = {
        "file": str(Path(path) if path is not None else DEFAULT_SET),
        "n": len(posts),
        "split_rule": SPLIT_RULE,
        "types": list(TYPES),
        "composition": composition(posts),
        "posts_per_s": round(len(posts) / seconds, 1) if seconds > 0 else None,
        "errors": errors,
    }
    for split in SPLITS:
        result[split] = _split_metrics([(p, f) for p, f in rows if whole or p.split == split])
    if whole:
        result["split_rule"] = "whole file (no split): dev and held-out columns both show every post"
        result["errors"] = {"dev": errors["dev"] + errors["heldout"], "heldout": errors["dev"] + errors["heldout"]}
    return result


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:5.2f}"


def format_table(result: dict) -> str:
    """A plain-text table: one row per type, dev and held-out side by side, then the micro averages."""
    head = f"{'type':<16} {'pos':>4} {'hneg':>4} | {'dev P':>5} {'R':>5} {'F1':>5} {'n':>3} | " \
           f"{'held P':>6} {'R':>5} {'F1':>5} {'n':>3}"
    lines = [f"{result['file']}: {result['n']} posts; dev {result['dev']['n']}, "
             f"held-out {result['heldout']['n']} ({result['split_rule']})", head, "-" * len(head)]

    def row(name: str, dev: dict, held: dict, pos: str = "", hneg: str = "") -> str:
        return (f"{name:<16} {pos:>4} {hneg:>4} | {_fmt(dev['precision'])} {_fmt(dev['recall'])} "
                f"{_fmt(dev['f1'])} {dev['support']:>3} | {_fmt(held['precision']):>6} {_fmt(held['recall'])} "
                f"{_fmt(held['f1'])} {held['support']:>3}")

    comp = result["composition"]
    for t in result["types"]:
        lines.append(row(t, result["dev"]["per_type"][t], result["heldout"]["per_type"][t],
                         str(comp[t]["positives"]), str(comp[t]["hard_negatives"])))
    lines.append("-" * len(head))
    for key, name in (("moments", "moments (micro)"), ("intents", "intents (micro)"), ("overall", "OVERALL (micro)")):
        lines.append(row(name, result["dev"][key], result["heldout"][key]))
    return "\n".join(lines)


_FILLER = ("dashboard export pricing great broken thanks love slow data pipeline warehouse question why how "
           "team launch moving new role chart metabase looker support ticket again today week really").split()
_OPENERS = ("", "", "honestly", "ok so", "PSA:", "fwiw", "small win:", "not gonna lie,", "@fernhillhq")


def synthetic_posts(n: int = 10_000, seed: int = 7, path: str | Path | None = None,
                    labelled_share: float = 0.3) -> list[str]:
    """Deterministic benchmark posts: ``labelled_share`` of them are eval-set texts with an opener and a
    word-soup tail (moment-dense), the rest word soup over social-listening vocabulary (which still
    contains trigger words such as "launch", "moving", "new role")."""
    import random

    rng = random.Random(seed)
    texts = [p.text for p in load_eval_set(path)]
    out = []
    for _ in range(n):
        soup = " ".join(rng.choice(_FILLER) for _ in range(rng.randint(6, 30)))
        if rng.random() < labelled_share:
            out.append(f"{rng.choice(_OPENERS)} {rng.choice(texts)} {soup[: rng.randint(0, 60)]}".strip())
        else:
            out.append(soup)
    return out


def throughput(detect: Callable[[str], object] = detect_moments, posts: list[str] | None = None,
               repeat: int = 3) -> float:
    """Best-of-``repeat`` posts per second of ``detect`` over ``posts`` (default: 10k synthetic posts)."""
    posts = posts if posts is not None else synthetic_posts()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in posts:
            detect(text)
        best = min(best, time.perf_counter() - started)
    return round(len(posts) / best, 1)
