"""Score the brand matcher on a labelled file: to_us / about_us / competitors, precision and recall.

The file is tab-separated with a header row. Columns, by name (order free; extra columns ignored):

- ``text`` (required): the post; ``\\n`` stands for a line break;
- ``to_us``, ``about_us`` (0/1) and ``competitors`` (comma-separated configured names, ``-`` or empty for none):
  the labels; a missing label column is simply not scored;
- optional context: ``platform``, ``author``, ``subreddit``, and ``addressed`` (1 when the post answers one of
  our posts or is a comment on our blog: what the text alone cannot show) or ``reply_to_handle`` (the handle
  or blog author answered: ours makes the post to us).

A file without a header row is read in the evaluation sets' layout (``tests/data/eval/README.md``):
to_us, about_us, competitors, platform, reply_to_handle, text.

``to_us`` is predicted from the text's handles (``@fernhillhq``, ``u/fernhill_team``) or ``addressed``;
``about_us`` and ``competitors`` from the matcher with the given config. Competitors are scored per
(post, competitor) pair, micro-averaged.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.brands import BrandMatcher

_TRUE = {"1", "true", "yes", "y", "t"}
_NONE = {"", "-", "none", "[]"}


@dataclass
class _Count:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    n: int = 0

    def as_dict(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return {"precision": round(p, 4), "recall": round(r, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "n": self.n}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _names(value: str | None) -> set[str]:
    value = (value or "").strip()
    if value.lower() in _NONE:
        return set()
    return {v.strip().casefold() for v in value.replace(";", ",").split(",") if v.strip()}


# the evaluation sets' own layout (tests/data/eval/README.md): no header row
EVAL_SET_COLUMNS = ["to_us", "about_us", "competitors", "platform", "reply_to_handle", "text"]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    first = lines[0].rstrip("\n").split("\t") if lines else []
    header = None
    if "text" not in [f.strip().lower() for f in first]:
        if len(first) != len(EVAL_SET_COLUMNS):
            raise ValueError(f"{path}: expected a header row with a 'text' column (tab-separated), or the "
                             f"evaluation sets' six columns ({', '.join(EVAL_SET_COLUMNS)})")
        header = EVAL_SET_COLUMNS
    reader = csv.DictReader(lines, fieldnames=header, delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = []
    for row in reader:
        row = {(k or "").strip().lower(): (v or "") for k, v in row.items()}
        row["text"] = row["text"].replace("\\n", "\n")
        rows.append(row)
    return rows


def _answers_us(row: dict[str, str], our_handles: dict[str, set[str]]) -> bool:
    """``addressed`` as given, or ``reply_to_handle`` being one of our handles on the post's platform."""
    if _flag(row.get("addressed")):
        return True
    handle = (row.get("reply_to_handle") or "").strip().lower()
    for prefix in ("@", "/u/", "u/"):
        handle = handle.removeprefix(prefix)
    if handle in _NONE:
        return False
    return handle in our_handles.get((row.get("platform") or "").strip().lower(), set())


def evaluate(path: Path, matcher: BrandMatcher, our_handles: dict[str, set[str]] | None = None) -> dict[str, Any]:
    rows = read_rows(path)
    our_handles = our_handles or {}
    counts = {"to_us": _Count(), "about_us": _Count(), "competitors": _Count()}
    errors = []
    for row in rows:
        sub = row.get("subreddit", "").strip()
        found = matcher.match(row["text"], row.get("author") or None,
                              None if sub.lower() in _NONE else sub.removeprefix("r/"))
        predicted = {
            "to_us": bool(found.handles) or _answers_us(row, our_handles),
            "about_us": found.about_us,
            "competitors": {c.casefold() for c in found.competitors},
        }
        wrong = []
        for label in ("to_us", "about_us"):
            if label not in row or row[label].strip() == "":
                continue
            gold, guess = _flag(row[label]), predicted[label]
            c = counts[label]
            c.n += 1
            c.tp += gold and guess
            c.fp += guess and not gold
            c.fn += gold and not guess
            if gold != guess:
                wrong.append(f"{label}={int(guess)} (gold {int(gold)})")
        if "competitors" in row:
            gold_names = _names(row["competitors"])
            c = counts["competitors"]
            c.n += 1
            c.tp += len(gold_names & predicted["competitors"])
            c.fp += len(predicted["competitors"] - gold_names)
            c.fn += len(gold_names - predicted["competitors"])
            if gold_names != predicted["competitors"]:
                wrong.append(f"competitors={sorted(predicted['competitors'])} (gold {sorted(gold_names)})")
        if wrong:
            errors.append({"id": row.get("id", ""), "errors": wrong, "text": row["text"]})
    return {"file": str(path), "posts": len(rows), **{k: v.as_dict() for k, v in counts.items()}, "errors": errors}


def format_table(result: dict[str, Any]) -> str:
    lines = [f"{result['file']}: {result['posts']} posts", f"{'label':<12} {'precision':>9} {'recall':>7} "
             f"{'tp':>5} {'fp':>4} {'fn':>4}"]
    for label in ("to_us", "about_us", "competitors"):
        m = result[label]
        lines.append(f"{label:<12} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['tp']:>5} {m['fp']:>4} {m['fn']:>4}")
    return "\n".join(lines)
