"""How fast the composer suggests, on one core, with a 500-entry knowledge base (issue 19: at least 200 posts/s).

The knowledge base is the bundled Fernhill one (44 entries) plus generated entries in the same shape until it
holds 500: each a question, phrasings, keywords, a link and an answer over a product vocabulary, so retrieval
works on a realistic vocabulary and index size. The posts are the reply evaluation and development sets, cycled.
Two paths are timed: the queue's (the post's stored tags are given, as the engage stage has them) and
`replies suggest`'s (the post is read from its text alone: language, sentiment, intents and moments here).

    .venv/bin/python bench/replies_speed.py --posts 2000
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FEATURES = ["alert rules", "audit trail", "billing contacts", "calculated fields", "chart themes", "cohort tables",
            "column formats", "custom domains", "dashboard folders", "data dictionary", "date filters",
            "drill paths", "email digests", "embed tokens", "field aliases", "funnel charts", "goal lines",
            "heatmaps", "invoice history", "join editor", "kpi tiles", "map charts", "metric definitions",
            "pivot tables", "query cache", "refresh schedules", "report packs", "saved views", "sharing links",
            "slack alerts", "sql snippets", "team spaces", "usage limits", "user groups", "webhooks"]
VERBS = ["set up", "turn off", "export", "share", "limit", "rename", "copy", "schedule", "restrict", "audit",
         "translate", "version", "archive", "restore"]
QUALIFIERS = ["for one team", "per workspace", "on the free plan", "through the API", "in bulk", "on mobile",
              "for viewers", "by region", "in another timezone", "for a client"]


def make_knowledge(folder: Path, size: int, seed: int = 7) -> int:
    shutil.copytree(ROOT / "examples" / "knowledge", folder)
    rng = random.Random(seed)
    have = sum(line.startswith("## ") for f in folder.glob("*.md") for line in f.read_text().splitlines())
    lines = ["# Generated product entries (benchmark only)\n"]
    n = 0
    while have + n < size:
        feature, verb, qual = rng.choice(FEATURES), rng.choice(VERBS), rng.choice(QUALIFIERS)
        n += 1
        lines.append(
            f"## Can I {verb} {feature} {qual}? ({n})\n"
            f"Also: how do I {verb} {feature} | {feature} {qual}\n"
            f"Keywords: {feature}, {verb}\n"
            f"Link: https://help.example/{feature.replace(' ', '-')}/{n}\n"
            f"Short: Yes: Settings -> {feature.title()} -> {verb.title()}; it applies {qual}.\n\n"
            f"Yes. Open Settings -> {feature.title()} and choose {verb.title()}. It applies {qual}, takes effect at "
            f"once and shows in the audit log.\n")
    (folder / "generated.md").write_text("\n".join(lines), encoding="utf-8")
    return have + n


def load_posts(n: int):
    from engagement.composer import PostIn

    rows = []
    for name in ("eval.jsonl", "dev.jsonl"):
        for line in (ROOT / "tests" / "data" / "replies" / name).read_text(encoding="utf-8").splitlines():
            rows.append(json.loads(line))
    posts = []
    for i in range(n):
        d = rows[i % len(rows)]
        # each text made unique, so that no cache (the sentence model's vectors are cached by text) flatters it
        text = d["text"] if i < len(rows) else f"{d['text']} ({i // len(rows)})"
        posts.append(PostIn(id=f"{d['id']}-{i}", platform=d["platform"], text=text, author_name=d["author_name"],
                            handle=d["handle"], addressed=d.get("addressed", True)))
    return posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=500)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    from engagement.knowledge import KnowledgeBase
    from engagement.reading import read_post
    from engagement.suggest import ReplyEngine

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "knowledge"
        entries = make_knowledge(folder, args.entries)
        started = time.perf_counter()
        kb = KnowledgeBase(folder)
        index_s = time.perf_counter() - started
        started = time.perf_counter()
        kb.refresh()
        refresh_s = time.perf_counter() - started
        engine = ReplyEngine(kb)
        posts = load_posts(args.posts)
        # the queue's path: tags as the tag stage stored them
        tagged = []
        for p in posts:
            r = read_post(p.text, addressed=p.addressed)
            p2 = type(p)(**{**p.__dict__, "intents": list(r.intents), "lang": r.lang, "moments": []})
            tagged.append(p2)
        for p in tagged[:50]:
            engine.suggest(p)  # warm caches (the stemmer, twitter-text's regexes, the phrasings' vectors)
        from engagement.knowledge import sentence_vector

        sentence_vector.cache_clear()  # no post's vector is known before its pass
        started = time.perf_counter()
        replies = sum(engine.suggest(p).reply is not None for p in tagged)
        tagged_s = time.perf_counter() - started
        sentence_vector.cache_clear()
        started = time.perf_counter()
        for p in posts:
            engine.suggest(p)
        raw_s = time.perf_counter() - started
    print(f"knowledge base: {len(kb.entries)} entries ({entries} headings); indexed in {index_s * 1000:.0f} ms, "
          f"unchanged refresh {refresh_s * 1000:.1f} ms")
    print(f"| path | posts | seconds | posts/s |\n| --- | ---: | ---: | ---: |")
    print(f"| queue (stored tags given) | {len(tagged)} | {tagged_s:.2f} | {len(tagged) / tagged_s:.0f} |")
    print(f"| replies suggest (read from text) | {len(posts)} | {raw_s:.2f} | {len(posts) / raw_s:.0f} |")
    print(f"({replies} of {len(tagged)} posts got a public reply)")


if __name__ == "__main__":
    main()
