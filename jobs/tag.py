"""The tag job: run the NLP pipeline over posts not tagged yet, in batches, cursor by insertion order."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import pyarrow as pa

from nlp.pipeline import PIPELINE_VERSION
from nlp.tag_table import TagSettings, tag_table, with_batch_threads
from storage.db import Database

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

# a thread is about us when its root post is about us, addressed to us or ours (``nlp.tag_table``); a
# reply can arrive before its root, so when a root arrives its stored replies are set too
LATE_ROOTS = """
UPDATE tags SET thread_about_us = true
FROM posts p
WHERE p.seq = tags.seq AND tags.seq <= $lo AND NOT tags.thread_about_us
  AND p.conversation_uid IN (SELECT post_uid FROM tags WHERE seq > $lo AND seq <= $hi
                             AND (about_us OR addressed_to_us OR from_us))
"""


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


def _tag_slice(table: pa.Table, settings: TagSettings) -> pa.Table:
    return tag_table(table, settings)


class _Taggers:
    """``tag_table`` in this process, or in a pool built once per run whose workers each build the pipeline
    once (``tagger_for`` caches it per process). spaCy's own n_process starts fresh workers on every call,
    which costs more than it saves here."""

    def __init__(self, config, nlp, n_process: int):
        self.pool = None
        self.nlp = nlp
        self.settings = TagSettings.from_config(config)
        if n_process > 1:
            import multiprocessing

            # forkserver: workers start from a clean process, not a fork of one holding DuckDB's threads
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["nlp.tag_table"])
            self.pool = ctx.Pool(n_process)
            self.chunk = 2_000

    def tag(self, table: pa.Table) -> pa.Table:
        if self.pool is None:
            return tag_table(table, self.settings, nlp=self.nlp)
        slices = [(table.slice(i, self.chunk), self.settings) for i in range(0, table.num_rows, self.chunk)]
        # each slice saw only its own roots: the batch's threads are read again over the whole batch
        return with_batch_threads(table, pa.concat_tables(self.pool.starmap(_tag_slice, slices, chunksize=1)))

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
            with db.con.cursor() as reader:  # its own result: the connection may hold a half-read one
                batch = reader.sql(SELECT_BATCH, params={"handles": our_handles, "blog_urls": blog_urls, "lo": cursor,
                                                         "hi": upper}).to_arrow_table()
            if batch.num_rows:
                table = taggers.tag(batch).append_column("seq", batch.column("seq"))
            now = config.now()
            with db.transaction() as con:
                if batch.num_rows:
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
            total += batch.num_rows
            cursor = upper
            progress.count("tag", min(total, to_tag), to_tag)
    finally:
        taggers.close()
    return TagResult(total, time.perf_counter() - started)
