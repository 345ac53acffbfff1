"""First pipeline benchmark: files → DuckDB ingest and tagging, against their raw references.

    .venv/bin/python bench/pipeline_100k.py [--posts 100000]

Generates X API v2 pages (deterministic), then measures in one run:
  raw Arrow INSERT … SELECT of the same rows;  ingest through FilesCollector + the runner;
  bare spacy.blank("en") tokenization;         the full tagging stage.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = ("dashboard export pricing great broken thanks love slow data pipeline warehouse question why how "
         "team launch moving new role chart metabase looker support ticket again today week really").split()


def generate(path: Path, n: int, authors: int = 5000) -> None:
    rng = random.Random(7)
    start = datetime(2026, 9, 21, tzinfo=timezone.utc)
    weights = [1 / (i + 1) for i in range(authors)]  # long tail
    users = [{"id": str(10_000 + i), "username": f"user{i}", "name": f"User {i}",
              "public_metrics": {"followers_count": rng.randint(0, 50_000)}} for i in range(authors)]
    with path.open("w") as fh:
        for page_start in range(0, n, 100):
            tweets, page_users = [], {}
            for k in range(page_start, min(page_start + 100, n)):
                author = rng.choices(range(authors), weights)[0]
                page_users[author] = users[author]
                text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
                if k % 7 == 0:
                    text = "@fernhillhq " + text + "?"
                created = start + timedelta(seconds=k * 60 * 24 * 60 * 60 // max(n, 1) // 60 * 60)
                tweet = {"id": str(2_000_000_000 + k), "text": text, "author_id": users[author]["id"],
                         "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "lang": "en",
                         "conversation_id": str(2_000_000_000 + k)}
                if k % 7 == 0:
                    tweet["entities"] = {"mentions": [{"start": 0, "end": 11, "username": "fernhillhq", "id": "1"}]}
                tweets.append(tweet)
            fh.write(json.dumps({"data": tweets, "includes": {"users": list(page_users.values())}}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    args = parser.parse_args()

    import spacy

    from collectors.files import FilesCollector
    from jobs.collect import run_collector
    from jobs.tag import tag_new_posts
    from listenwell.config import Config
    from storage.db import Database
    from storage.writes import posts_table

    tmp = Path(tempfile.mkdtemp(prefix="lw-bench-"))
    data = tmp / "x.jsonl"
    generate(data, args.posts)
    our = {"x": {"fernhillhq"}, "reddit": set(), "blog": set()}
    now = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)

    # reference: the same rows, already in Arrow, in one INSERT … SELECT
    posts = [p for p in FilesCollector("ref", [data], our_handles=our).fetch({}) if hasattr(p, "native_id")]
    table = posts_table(posts)
    texts = [p.text for p in posts]
    del posts
    with Database.open(tmp / "raw.duckdb") as db:
        db.con.register("incoming", table)
        t = time.perf_counter()
        db.con.execute("INSERT INTO posts SELECT post_uid, row_number() OVER (), platform, native_id, kind, url, title,"
                       " text, created_at, author_uid, parent_uid, conversation_uid, parent_url, lang, mentions, raw,"
                       " source, retrieved_at FROM incoming")
        raw_s = time.perf_counter() - t

    with Database.open(tmp / "lw.duckdb") as db:
        t = time.perf_counter()
        run = run_collector(db, FilesCollector("bench", [data], our_handles=our), source_type="files",
                            our_handles=our, now=now)
        ingest_s = time.perf_counter() - t
        assert run.ok and run.new_posts == args.posts, run

        nlp_blank = spacy.blank("en")
        t = time.perf_counter()
        for _ in nlp_blank.pipe(texts, batch_size=1000):
            pass
        blank_s = time.perf_counter() - t

        config = Config.model_validate({"me": {"name": "Bench", "handles": {"x": ["fernhillhq"]}},
                                        "reference_time": now.isoformat()})
        t = time.perf_counter()
        tagged = tag_new_posts(config, db).tagged
        tag_s = time.perf_counter() - t
        assert tagged == args.posts

    n = args.posts
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| stage | seconds | posts/s | reference | ratio |")
    print(f"| --- | --- | --- | --- | --- |")
    print(f"| ingest (files → DuckDB) | {ingest_s:.2f} | {n / ingest_s:,.0f} | raw Arrow INSERT {n / raw_s:,.0f}/s | {raw_s / ingest_s:.2f} |")
    print(f"| tag (full pipeline) | {tag_s:.2f} | {n / tag_s:,.0f} | spacy.blank {n / blank_s:,.0f}/s | {blank_s / tag_s:.2f} |")
    print(f"\n{n:,} posts; peak RSS {peak_mb:,.0f} MB; data in {tmp}")


if __name__ == "__main__":
    main()
