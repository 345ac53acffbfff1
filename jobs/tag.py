"""The tag job: run the NLP pipeline over posts not tagged yet, in batches, cursor by insertion order."""
from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import pyarrow as pa

from nlp.pipeline import (EVIDENCE, INTENTS, LANG, MOMENTS, PIPELINE_VERSION, SENTIMENT, SENTIMENT_LABEL, TOPICS,
                          build_pipeline, make_doc)
from nlp.brands import NO_MATCH, BrandMatcher, matcher_spec
from storage.db import Database

TAGS_SCHEMA = pa.schema(
    [
        ("post_uid", pa.string()),
        ("seq", pa.int64()),
        ("lang", pa.string()),
        ("sentiment_score", pa.float64()),
        ("sentiment_label", pa.string()),
        ("topics", pa.list_(pa.string())),
        ("intents", pa.list_(pa.string())),
        ("moments", pa.string()),
        ("addressed_to_us", pa.bool_()),
        ("from_us", pa.bool_()),
        ("about_us", pa.bool_()),
        ("competitors", pa.list_(pa.string())),
        ("thread_about_us", pa.bool_()),
        ("evidence", pa.string()),
    ]
)

# posts that address us ("to us"): they mention one of our handles, answer a post of ours, or are a
# comment on our blog (anywhere in its threads: under one of our posts, or at one of me.blog_urls)
SELECT_BATCH = """
WITH batch AS (SELECT * FROM posts WHERE seq > $lo AND seq <= $hi),
-- the posts this batch answers and the roots of its threads, found in one pass over posts
keys AS (SELECT parent_uid AS k FROM batch WHERE parent_uid IS NOT NULL
         UNION SELECT conversation_uid FROM batch WHERE conversation_uid IS NOT NULL),
refs AS (SELECT r.post_uid, r.seq, r.author_uid FROM posts r SEMI JOIN keys ON r.post_uid = keys.k),
ref_tags AS (SELECT t.seq, t.about_us OR t.addressed_to_us OR t.from_us AS about FROM tags t SEMI JOIN refs USING (seq))
SELECT p.seq, p.post_uid, p.text, p.lang,
       coalesce(a.is_ours, false) AS from_us,
       NOT coalesce(a.is_ours, false) AND (
           len(list_intersect(p.mentions, $handles::VARCHAR[])) > 0 OR coalesce(pa.is_ours, false)
           OR (p.platform = 'blog' AND p.kind = 'comment' AND (
               coalesce(ra.is_ours, false)
               OR len(list_filter($blog_urls::VARCHAR[], lambda u: starts_with(p.url, u))) > 0))
       ) AS addressed_to_us,
       a.handle AS author,
       CASE WHEN p.platform = 'reddit' THEN nullif(regexp_extract(p.url, '/r/([^/]+)', 1), '') END AS subreddit,
       p.conversation_uid AS root_uid, rt.about AS root_about_us
FROM batch p
LEFT JOIN identities a ON a.identity_uid = p.author_uid
LEFT JOIN refs parent ON parent.post_uid = p.parent_uid
LEFT JOIN identities pa ON pa.identity_uid = parent.author_uid
LEFT JOIN refs root ON root.post_uid = p.conversation_uid
LEFT JOIN identities ra ON ra.identity_uid = root.author_uid
LEFT JOIN ref_tags rt ON rt.seq = root.seq
ORDER BY p.seq
"""

# a thread is about us when its root post is about us, addressed to us or ours (``_thread_about_us``); a
# reply can arrive before its root, so when a root arrives its stored replies are set too
LATE_ROOTS = """
UPDATE tags SET thread_about_us = true
FROM posts p
WHERE p.seq = tags.seq AND tags.seq <= $lo AND NOT tags.thread_about_us
  AND p.conversation_uid IN (SELECT post_uid FROM tags WHERE seq > $lo AND seq <= $hi
                             AND (about_us OR addressed_to_us OR from_us))
"""


def _thread_about_us(batch: list[tuple], own: dict[str, bool]) -> list[bool]:
    """Per row of SELECT_BATCH: its root's flag when the root is stored and tagged, else the root's in this
    batch, else (a root post, or a root never seen) its own, or False."""
    out = []
    for row in batch:
        uid, root_uid, stored = row[1], row[8], row[9]
        if root_uid is None or root_uid == uid:
            out.append(own[uid])
        elif stored is not None:
            out.append(bool(stored))
        else:
            out.append(own.get(root_uid, False))
    return out


@dataclass
class TagResult:
    tagged: int
    seconds: float


def stage_cursor(db: Database, stage: str) -> int:
    value = db.scalar("SELECT last_seq FROM stage_cursors WHERE stage = ?", [stage])
    return int(value or 0)


def set_stage_cursor(con, stage: str, seq: int, now: datetime) -> None:
    con.execute(
        """INSERT INTO stage_cursors VALUES (?, ?, ?)
           ON CONFLICT (stage) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at""",
        [stage, seq, now],
    )


_WORKER_NLP = None
_WORKER_BRANDS = None
_NONE: list = []


def _init_worker(topics: dict, brands: dict | None = None) -> None:
    global _WORKER_NLP, _WORKER_BRANDS
    _WORKER_NLP = build_pipeline(topics)
    _WORKER_BRANDS = BrandMatcher(**brands) if brands else None


def _tag_rows(nlp, rows: list[tuple], brands: BrandMatcher | None = None) -> list[tuple]:
    """(text, declared lang, addressed to us[, author, subreddit]) → plain values; what a worker returns
    to the parent. Intents see only whether the post is addressed to us: a post that merely names us is
    read like any other (widening it let "Built in Fernhill, but the ideas work anywhere" read as a
    complaint, through the weak cues meant for posts written to us)."""
    found = [brands.match(row[0], *row[3:5]) for row in rows] if brands is not None else [NO_MATCH] * len(rows)
    docs = (make_doc(nlp, row[0], row[1], row[2]) for row in rows)
    out = []
    with _fewer_gc_passes():
        for doc, match in zip(nlp.pipe(docs, batch_size=1000), found):
            data = doc.user_data
            moments = data.get(MOMENTS)
            evidence = data.get(EVIDENCE)
            out.append((data.get(LANG), data.get(SENTIMENT), data.get(SENTIMENT_LABEL), data.get(TOPICS, _NONE),
                        data.get(INTENTS, _NONE), json.dumps(moments, ensure_ascii=False) if moments else "[]",
                        json.dumps(evidence, ensure_ascii=False) if evidence else "{}",
                        match.about_us, list(match.competitors)))
    return out


@contextmanager
def _fewer_gc_passes():
    """Every Doc allocates many small containers, so the default threshold (700) runs the cyclic
    collector every few posts, a fifth of tagging time for nothing. Memory stays bounded: it still runs."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _tag_in_worker(rows: list[tuple]) -> list[tuple]:
    return _tag_rows(_WORKER_NLP, rows, _WORKER_BRANDS)


class _Taggers:
    """In this process, or in a pool built once per run whose workers each load the models once.
    (spaCy's own n_process starts fresh workers on every call, which costs more than it saves here.)"""

    def __init__(self, config, nlp, n_process: int):
        self.pool = None
        self.nlp = nlp
        spec = matcher_spec(config)
        self.brands = BrandMatcher(**spec) if n_process <= 1 else None
        if n_process > 1:
            import multiprocessing

            # forkserver: workers start from a clean process, not a fork of one holding DuckDB's threads
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["nlp.pipeline"])
            from nlp.pipeline import _plain_topics

            self.pool = ctx.Pool(n_process, initializer=_init_worker,
                                 initargs=(_plain_topics(config.topics), spec))
            self.chunk = 2_000
        elif self.nlp is None:
            self.nlp = build_pipeline(config.topics)  # loading the models is the slow part: only when needed

    def tag(self, rows: list[tuple]) -> list[tuple]:
        if self.pool is None:
            return _tag_rows(self.nlp, rows, self.brands)
        chunks = [rows[i:i + self.chunk] for i in range(0, len(rows), self.chunk)]
        return [r for part in self.pool.map(_tag_in_worker, chunks, chunksize=1) for r in part]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()


def tag_new_posts(
    config,
    db: Database,
    *,
    nlp=None,
    batch_size: int = 20_000,
    n_process: int = 1,
    progress: Callable[[str], None] | None = None,
) -> TagResult:
    import time

    from jobs.progress import as_progress

    progress = as_progress(progress)
    started = time.perf_counter()
    our_handles = sorted({h for hs in config.our_handles().values() for h in hs})
    blog_urls = list(config.me.blog_urls)
    cursor = stage_cursor(db, "tag")
    high = int(db.scalar("SELECT coalesce(max(seq), 0) FROM posts") or 0)
    total = 0
    if cursor >= high:
        return TagResult(0, time.perf_counter() - started)
    to_tag = int(db.scalar("SELECT count(*) FROM posts WHERE seq > ? AND seq <= ?", [cursor, high]))
    progress.count("tag", 0, to_tag)
    taggers = _Taggers(config, nlp, n_process)
    try:
        while cursor < high:
            upper = min(cursor + batch_size, high)
            batch = db.con.execute(SELECT_BATCH, {"handles": our_handles, "blog_urls": blog_urls, "lo": cursor,
                                                  "hi": upper}).fetchall()
            if batch:
                tagged = taggers.tag([(text, lang, bool(addressed), author, subreddit)
                                      for _s, _u, text, lang, _o, addressed, author, subreddit, *_root in batch])
                own = {row[1]: bool(row[4] or row[5] or out[7]) for row, out in zip(batch, tagged)}
                cols: dict[str, list] = {name: [] for name in TAGS_SCHEMA.names}
                cols["thread_about_us"] = _thread_about_us(batch, own)
                for (seq, uid, _text, _lang, from_us, addressed, *_context), \
                        (lang, score, label, topics, intents, moments, evidence, about_us, competitors) \
                        in zip(batch, tagged):
                    cols["post_uid"].append(uid)
                    cols["seq"].append(seq)
                    cols["lang"].append(lang)
                    cols["sentiment_score"].append(score)
                    cols["sentiment_label"].append(label)
                    cols["topics"].append(topics)
                    cols["intents"].append(intents)
                    cols["moments"].append(moments)
                    cols["addressed_to_us"].append(bool(addressed))
                    cols["from_us"].append(bool(from_us))
                    cols["about_us"].append(about_us)
                    cols["competitors"].append(competitors)
                    cols["evidence"].append(evidence)
                table = pa.table(cols, schema=TAGS_SCHEMA)
            now = config.now()
            with db.transaction() as con:
                if batch:
                    con.register("incoming_tags", table)
                    try:
                        con.execute(
                            """INSERT OR IGNORE INTO tags
                                   (post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents, moments,
                                    addressed_to_us, from_us, tagged_at, pipeline_version, about_us, competitors,
                                    thread_about_us, evidence)
                               SELECT post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents, moments,
                                      addressed_to_us, from_us, ?, ?, about_us, competitors, thread_about_us,
                                      CAST(evidence AS JSON)
                               FROM incoming_tags""",
                            [now, PIPELINE_VERSION],
                        )
                    finally:
                        con.unregister("incoming_tags")
                    con.execute(LATE_ROOTS, {"lo": cursor, "hi": upper})
                set_stage_cursor(con, "tag", upper, now)
                # emerging terms: keyphrase counts per day, in bulk SQL, committed with the tags (exactly once)
                from storage.terms import count_new_terms

                count_new_terms(con, upper, tz=config.schedule.timezone, now=now)
            total += len(batch)
            cursor = upper
            progress.count("tag", min(total, to_tag), to_tag)
    finally:
        taggers.close()
    return TagResult(total, time.perf_counter() - started)
