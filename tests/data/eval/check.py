"""Check the hand-written evaluation sets in this folder and print their composition (stdlib only).

    python3 tests/data/eval/check.py            # checks every file, prints counts; exit 1 on any problem
    python3 tests/data/eval/check.py --markdown # the same counts as the Markdown tables in README.md

It checks that every line parses, that labels come from the allowed sets, that no label is both positive and a hard
negative on one line, that minimum sizes hold, that no text appears twice in a file or in both a dev and a blind
file, and a few consistency rules (a post that tags @fernhillhq is addressed to us). It never looks at any rule or
model: the sets are measured against, never tuned on.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

INTENTS = ("question", "complaint", "praise", "purchase_intent", "churn_risk")
# The moment types as named in nlp.moments.MOMENT_TYPES when these sets were written.
MOMENTS = ("new_job", "launch", "funding", "acquisition", "moving", "wedding", "baby", "birthday",
           "anniversary", "illness", "bereavement", "award", "speaking")
LANG_CODE = re.compile(r"^(und|[a-z]{2})$")
PLATFORMS = ("x", "reddit", "blog")

# file -> (kind, minimum lines, minimum hard-negative lines)
FILES = {
    "intents_dev.tsv": ("labelled", INTENTS, 180, 0),
    "intents_blind.tsv": ("labelled", INTENTS, 450, 170),
    "moments_dev.tsv": ("labelled", MOMENTS, 180, 0),
    "moments_blind.tsv": ("labelled", MOMENTS, 450, 170),
    "language_blind.tsv": ("language", None, 400, 0),
    "brand_blind.tsv": ("brand", None, 260, 0),
}
PAIRS = [("intents_dev.tsv", "intents_blind.tsv"), ("moments_dev.tsv", "moments_blind.tsv")]


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def data_lines(path: Path):
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.strip() and not raw.startswith("#"):
            yield lineno, raw


def competitor_names(config: Path) -> list[str]:
    """The `name:` values under `competitors:` in brand_eval_config.yaml (a plain regex; no YAML library)."""
    text = config.read_text(encoding="utf-8")
    block = text.split("\ncompetitors:", 1)[1]
    return [m.group(1).strip().strip('"') for m in re.finditer(r"-\s*name:\s*(\"[^\"]+\"|[^,}\n]+)", block)]


def check_labelled(path: Path, allowed: tuple[str, ...], problems: list[str]):
    counts = {"lines": 0, "hard_negative_lines": 0, "addressed": 0, "none": 0}
    pos, neg = Counter(), Counter()
    texts = []
    for lineno, raw in data_lines(path):
        where = f"{path.name}:{lineno}"
        parts = raw.split("\t")
        if len(parts) != 3 or parts[1] not in ("0", "1") or not parts[2].strip():
            problems.append(f"{where}: expected labels<TAB>0|1<TAB>text")
            continue
        items = [x.strip() for x in parts[0].split(",")]
        if items == ["-"]:
            labels, negs = set(), set()
        elif "-" in items or "" in items:
            problems.append(f"{where}: '-' must stand alone and labels must not be empty")
            continue
        else:
            labels = {x for x in items if not x.startswith("!")}
            negs = {x[1:] for x in items if x.startswith("!")}
        for name in labels | negs:
            if name not in allowed:
                problems.append(f"{where}: unknown label {name!r}")
        if labels & negs:
            problems.append(f"{where}: {sorted(labels & negs)} both positive and hard negative")
        if len(items) != len(set(items)):
            problems.append(f"{where}: repeated label")
        text = parts[2]
        if "@fernhillhq" in text.lower() and parts[1] != "1":
            problems.append(f"{where}: tags @fernhillhq but addressed_to_us is 0")
        counts["lines"] += 1
        counts["hard_negative_lines"] += bool(negs)
        counts["addressed"] += parts[1] == "1"
        counts["none"] += not labels
        pos.update(labels)
        neg.update(negs)
        texts.append((where, text))
    return counts, pos, neg, texts


def check_language(path: Path, problems: list[str]):
    langs: Counter = Counter()
    texts = []
    for lineno, raw in data_lines(path):
        where = f"{path.name}:{lineno}"
        parts = raw.split("\t")
        if len(parts) != 2 or not LANG_CODE.match(parts[0]) or not parts[1].strip():
            problems.append(f"{where}: expected lang<TAB>text with an ISO 639-1 code or 'und'")
            continue
        langs[parts[0]] += 1
        texts.append((where, parts[1]))
    if len([c for c in langs if c != "und"]) < 10:
        problems.append(f"{path.name}: fewer than 10 languages")
    return langs, texts


def check_brand(path: Path, competitors: list[str], problems: list[str]):
    counts: Counter = Counter()
    texts = []
    for lineno, raw in data_lines(path):
        where = f"{path.name}:{lineno}"
        parts = raw.split("\t")
        if (len(parts) != 6 or parts[0] not in ("0", "1") or parts[1] not in ("0", "1")
                or parts[3] not in PLATFORMS or not parts[4] or not parts[5].strip()):
            problems.append(f"{where}: expected to_us<TAB>about_us<TAB>competitors<TAB>platform<TAB>reply_to<TAB>text")
            continue
        to_us, about_us, comps, platform, reply_to, text = parts
        names = [] if comps == "-" else [c.strip() for c in comps.split(",")]
        for name in names:
            if name not in competitors:
                problems.append(f"{where}: {name!r} is not a configured competitor")
        if len(names) != len(set(names)):
            problems.append(f"{where}: repeated competitor")
        if re.search(r"@fernhillhq\b", text, re.I) and to_us != "1" and platform == "x":
            problems.append(f"{where}: tags @fernhillhq but to_us is 0")
        if reply_to.lower() == "fernhillhq" and to_us != "1":
            problems.append(f"{where}: replies to @fernhillhq but to_us is 0")
        counts["lines"] += 1
        counts[f"platform {platform}"] += 1
        counts["to_us"] += to_us == "1"
        counts["about_us"] += about_us == "1"
        counts["to_us and about_us"] += to_us == "1" and about_us == "1"
        counts["neither to nor about us"] += to_us == "0" and about_us == "0"
        counts["any competitor"] += bool(names)
        counts["reply (reply_to set)"] += reply_to != "-"
        for name in names:
            counts[f"competitor {name}"] += 1
        texts.append((where, text))
    return counts, texts


def main(argv: list[str]) -> int:
    markdown = "--markdown" in argv
    problems: list[str] = []
    all_texts: dict[str, list] = {}
    report: list[str] = []
    for name, (kind, allowed, minimum, min_hard) in FILES.items():
        path = HERE / name
        if not path.exists():
            problems.append(f"{name}: missing")
            continue
        if kind == "labelled":
            counts, pos, neg, texts = check_labelled(path, allowed, problems)
            if counts["hard_negative_lines"] < min_hard:
                problems.append(f"{name}: {counts['hard_negative_lines']} hard-negative lines, need {min_hard}")
            n = counts["lines"]
            if markdown:
                report.append(f"**{name}**: {n} posts, {counts['hard_negative_lines']} with a hard negative, "
                              f"{counts['addressed']} addressed to us, {counts['none']} with no positive label.\n")
                report.append("| label | positives | hard negatives |\n|---|---:|---:|")
                report += [f"| {t} | {pos[t]} | {neg[t]} |" for t in allowed]
                report.append("")
            else:
                report.append(f"{name}: {n} posts, {counts['hard_negative_lines']} hard-negative lines, "
                              f"{counts['addressed']} addressed, {counts['none']} without a positive label")
                report += [f"  {t:16} +{pos[t]:<4} !{neg[t]}" for t in allowed]
        elif kind == "language":
            langs, texts = check_language(path, problems)
            n = len(texts)
            line = ", ".join(f"{k} {v}" for k, v in sorted(langs.items(), key=lambda kv: (-kv[1], kv[0])))
            if markdown:
                report.append(f"**{name}**: {n} posts.\n")
                report.append("| lang | posts |\n|---|---:|")
                report += [f"| {k} | {v} |" for k, v in sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))]
                report.append("")
            else:
                report.append(f"{name}: {n} posts: {line}")
        else:
            competitors = competitor_names(HERE / "brand_eval_config.yaml")
            counts, texts = check_brand(path, competitors, problems)
            n = counts["lines"]
            if markdown:
                report.append(f"**{name}**: {n} posts.\n")
                report.append("| count | posts |\n|---|---:|")
                report += [f"| {k} | {v} |" for k, v in counts.items() if k != "lines"]
                report.append("")
            else:
                report.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if n < minimum:
            problems.append(f"{name}: {n} posts, need at least {minimum}")
        all_texts[name] = texts
        seen: dict[str, str] = {}
        for where, text in texts:
            key = norm(text)
            if key in seen:
                problems.append(f"{where}: same text as {seen[key]}")
            seen.setdefault(key, where)
    for dev, blind in PAIRS:
        dev_texts = {norm(t): w for w, t in all_texts.get(dev, [])}
        for where, text in all_texts.get(blind, []):
            if norm(text) in dev_texts:
                problems.append(f"{where}: also in {dev_texts[norm(text)]}")
    print("\n".join(report))
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
