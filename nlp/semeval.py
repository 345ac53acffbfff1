"""Reading SemEval-style labelled tweet files and scoring a sentiment model on them.

File format (SemEval 2013-2016 Task 4A, also accepted for a user's own data)::

    id<TAB>label<TAB>text

``label`` is one of ``negative``, ``neutral``, ``positive`` (case-insensitive).
Trailing empty fields (the 2016 test file ends every line with a stray tab) are
ignored, a text that itself contains tabs is re-joined with spaces, and a text
wrapped in CSV-style double quotes (``"..."`` with ``""`` for a quote) is unwrapped.
Any other non-blank line that does not fit (missing fields, unknown label, empty
text, a stray quote left over from a broken multi-line record, a header line) is
skipped and counted.  Blank lines are ignored and not counted.

Only the standard library is needed here; ``evaluate`` takes any object with a
``score_many(texts) -> list[(score, label)]`` method.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable, Sequence

LABELS = ("negative", "neutral", "positive")
_LABEL_SET = frozenset(LABELS)

Row = tuple[str, str, str]  # (id, label, text)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text


def parse_line(line: str) -> Row | None:
    """Parse one line; return ``(id, label, text)`` or ``None`` if malformed."""
    parts = line.rstrip("\r\n").split("\t")
    while parts and not parts[-1].strip():
        parts.pop()
    if len(parts) < 3:
        return None
    tid = parts[0].strip()
    label = parts[1].strip().lower()
    text = _unquote(" ".join(p for p in parts[2:]).strip()).strip()
    if not tid or label not in _LABEL_SET or not text:
        return None
    return tid, label, text


def read_labelled(path: str | Path) -> tuple[list[Row], int]:
    """Read one labelled TSV file. Returns ``(rows, skipped)``.

    ``rows`` is a list of ``(id, label, text)``; ``skipped`` counts malformed
    non-blank lines.  Undecodable bytes are replaced rather than failing.
    """
    rows: list[Row] = []
    skipped = 0
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = parse_line(line)
            if row is None:
                skipped += 1
            else:
                rows.append(row)
    return rows, skipped


def labelled_files(path: str | Path, exclude: Iterable[str] = ()) -> list[Path]:
    """A file, or the ``*.txt``/``*.tsv`` files of a directory (sorted), minus names in ``exclude``."""
    p = Path(path)
    excl = set(exclude)
    if p.is_file():
        return [] if p.name in excl else [p]
    if not p.is_dir():
        raise FileNotFoundError(f"no such file or directory: {p}")
    return sorted(
        f for f in p.iterdir()
        if f.is_file() and f.suffix.lower() in (".txt", ".tsv") and f.name not in excl
    )


def metrics(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Macro recall (over the classes present in ``gold``), accuracy and mean F1 of positive/negative."""
    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    n = len(gold)
    if n == 0:
        raise ValueError("no rows to evaluate")
    tp = {c: 0 for c in LABELS}
    gold_n = {c: 0 for c in LABELS}
    pred_n = {c: 0 for c in LABELS}
    for g, p in zip(gold, pred):
        gold_n[g] = gold_n.get(g, 0) + 1
        pred_n[p] = pred_n.get(p, 0) + 1
        if g == p:
            tp[g] = tp.get(g, 0) + 1
    recalls = [tp[c] / gold_n[c] for c in LABELS if gold_n[c]]
    macro_recall = sum(recalls) / len(recalls)
    accuracy = sum(tp.values()) / n

    def f1(c: str) -> float:
        prec = tp[c] / pred_n[c] if pred_n[c] else 0.0
        rec = tp[c] / gold_n[c] if gold_n[c] else 0.0
        return 2 * prec * rec / (prec + rec) if prec + rec else 0.0

    return {
        "macro_recall": macro_recall,
        "accuracy": accuracy,
        "f1_pn": (f1("positive") + f1("negative")) / 2,
    }


def evaluate(model, path: str | Path) -> dict:
    """Score ``model`` on a labelled file.

    Returns exactly ``{"n", "skipped", "macro_recall", "accuracy", "f1_pn", "posts_per_s"}``;
    ``posts_per_s`` is the wall-clock throughput of one ``model.score_many`` call
    over all the file's texts (in this process, i.e. one core unless the caller's
    numpy uses threads).
    """
    rows, skipped = read_labelled(path)
    if not rows:
        raise ValueError(f"{path}: no valid labelled lines ({skipped} malformed)")
    texts = [r[2] for r in rows]
    gold = [r[1] for r in rows]
    t0 = time.perf_counter()
    out = model.score_many(texts)
    elapsed = time.perf_counter() - t0
    pred = [lab for _, lab in out]
    m = metrics(gold, pred)
    return {
        "n": len(rows),
        "skipped": skipped,
        "macro_recall": m["macro_recall"],
        "accuracy": m["accuracy"],
        "f1_pn": m["f1_pn"],
        "posts_per_s": len(rows) / elapsed if elapsed > 0 else float("inf"),
    }
