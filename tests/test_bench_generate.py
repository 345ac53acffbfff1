"""bench/generate.py: deterministic, and shaped like real traffic (what the scale benchmark's figures rest on)."""
from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from bench.generate import generate
from collectors.base import Checkpoint, PostsBatch
from collectors.files import FilesCollector

OURS = {"x": {"fernhillhq"}, "reddit": {"fernhill_team"}, "blog": set()}


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def read_all(folder: Path):
    posts = []
    for path in sorted(folder.iterdir()):
        collector = FilesCollector("bench", [path], our_handles=OURS, columnar=True)
        notes = []
        for item in collector.fetch({}):
            if isinstance(item, Checkpoint):
                notes.append(item.note)
            elif isinstance(item, PostsBatch):
                posts.extend(item.posts.to_pylist())
            else:
                raise AssertionError(f"{path.name} fell back to the row path: {item}")
        assert notes[-1] is None, notes  # no malformed lines
    return posts


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path: Path):
    counts = generate(3_000, tmp_path / "a")
    generate(3_000, tmp_path / "b")
    generate(3_000, tmp_path / "c", seed=7)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert digests(tmp_path / "a")["x.jsonl"] != digests(tmp_path / "c")["x.jsonl"]
    assert counts == {"x": 1_800, "reddit": 990, "blog": 210, "people": 200}


def test_generated_posts_look_like_real_traffic(tmp_path: Path):
    generate(6_000, tmp_path)
    posts = read_all(tmp_path)
    assert len(posts) == 6_000
    texts = [p["text"] for p in posts]
    # nearly every text unique, as in real streams (the templates alone gave one distinct text in 25)
    assert len(set(texts)) / len(texts) > 0.85
    words = Counter(w for t in texts for w in t.lower().split())
    assert sum(1 for c in words.values() if c == 1) > 2_000  # a long tail of words seen once
    by_author = Counter(p["author_uid"] for p in posts)
    top, *_ = by_author.most_common(1)
    assert top[1] > 20 * (len(posts) / len(by_author))  # a few people post a lot
    assert sum(1 for c in by_author.values() if c <= 2) > len(by_author) / 3  # most post once or twice
    assert {p["platform"] for p in posts} == {"x", "reddit", "blog"}
    assert sum(p["parent_uid"] is not None for p in posts) > len(posts) / 5  # threads
    assert sum("fernhillhq" in p["mentions"] for p in posts if p["platform"] == "x") > 100  # addressed to us
    days = {p["created_at"].date() for p in posts}
    assert len(days) >= 59 and min(days) >= datetime(2026, 9, 21, tzinfo=timezone.utc).date()
