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
        ("evidence", pa.string()),
    ]
)

# posts that address us: they mention one of our handles, or answer a post of ours
SELECT_BATCH = """
SELECT p.seq, p.post_uid, p.text, p.lang,
       coalesce(a.is_ours, false) AS from_us,
       NOT coalesce(a.is_ours, false) AND (
           len(list_intersect(p.mentions, ?::VARCHAR[])) > 0 OR coalesce(pa.is_ours, false)
       ) AS addressed_to_us
FROM posts p
LEFT JOIN identities a ON a.identity_uid = p.author_uid
LEFT JOIN posts parent ON parent.post_uid = p.parent_uid
LEFT JOIN identities pa ON pa.identity_uid = parent.author_uid
WHERE p.seq > ? AND p.seq <= ?
ORDER BY p.seq
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


_WORKER_NLP = None
_NONE: list = []


def _init_worker(topics: dict) -> None:
    global _WORKER_NLP
    _WORKER_NLP = build_pipeline(topics)


def _tag_rows(nlp, rows: list[tuple[str, str | None, bool]]) -> list[tuple]:
    """(text, declared lang, addressed to us) → plain values; what a worker returns to the parent."""
    docs = (make_doc(nlp, text, lang, addressed) for text, lang, addressed in rows)
    out = []
    with _fewer_gc_passes():
        for doc in nlp.pipe(docs, batch_size=1000):
            data = doc.user_data
            moments = data.get(MOMENTS)
            evidence = data.get(EVIDENCE)
            out.append((data.get(LANG), data.get(SENTIMENT), data.get(SENTIMENT_LABEL), data.get(TOPICS, _NONE),
                        data.get(INTENTS, _NONE), json.dumps(moments, ensure_ascii=False) if moments else "[]",
                        json.dumps(evidence, ensure_ascii=False) if evidence else "{}"))
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


def _tag_in_worker(rows: list[tuple[str, str | None, bool]]) -> list[tuple]:
    return _tag_rows(_WORKER_NLP, rows)


class _Taggers:
    """In this process, or in a pool built once per run whose workers each load the models once.
    (spaCy's own n_process starts fresh workers on every call, which costs more than it saves here.)"""

    def __init__(self, config, nlp, n_process: int):
        self.pool = None
        self.nlp = nlp
        if n_process > 1:
            import multiprocessing

            # forkserver: workers start from a clean process, not a fork of one holding DuckDB's threads
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["nlp.pipeline"])
            from nlp.pipeline import _plain_topics

            self.pool = ctx.Pool(n_process, initializer=_init_worker, initargs=(_plain_topics(config.topics),))
            self.chunk = 2_000
        elif self.nlp is None:
            self.nlp = build_pipeline(config.topics)  # loading the models is the slow part: only when needed

    def tag(self, rows: list[tuple[str, str | None, bool]]) -> list[tuple]:
        if self.pool is None:
            return _tag_rows(self.nlp, rows)
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
    progress: Callable[[str], None] = lambda _m: None,
) -> TagResult:
    import time

    started = time.perf_counter()
    our_handles = sorted({h for hs in config.our_handles().values() for h in hs})
    cursor = stage_cursor(db, "tag")
    high = int(db.scalar("SELECT coalesce(max(seq), 0) FROM posts") or 0)
    total = 0
    if cursor >= high:
        return TagResult(0, time.perf_counter() - started)
    taggers = _Taggers(config, nlp, n_process)
    try:
        while cursor < high:
            upper = min(cursor + batch_size, high)
            batch = db.con.execute(SELECT_BATCH, [our_handles, cursor, upper]).fetchall()
            if batch:
                tagged = taggers.tag([(text, lang, bool(addressed)) for _s, _u, text, lang, _o, addressed in batch])
                cols: dict[str, list] = {name: [] for name in TAGS_SCHEMA.names}
                for (seq, uid, _text, _lang, from_us, addressed), (lang, score, label, topics, intents, moments,
                                                                   evidence) in zip(batch, tagged):
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
                    cols["evidence"].append(evidence)
                table = pa.table(cols, schema=TAGS_SCHEMA)
            now = config.now()
            with db.transaction() as con:
                if batch:
                    con.register("incoming_tags", table)
                    try:
                        con.execute(
                            """INSERT OR IGNORE INTO tags (post_uid, seq, lang, sentiment_score, sentiment_label, topics,
                                                           intents, moments, addressed_to_us, from_us, tagged_at,
                                                           pipeline_version, evidence)
                               SELECT post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents, moments,
                                      addressed_to_us, from_us, ?, ?, CAST(evidence AS JSON) FROM incoming_tags""",
                            [now, PIPELINE_VERSION],
                        )
                    finally:
                        con.unregister("incoming_tags")
                set_stage_cursor(con, "tag", upper, now)
                # emerging terms: keyphrase counts per day, in bulk SQL, committed with the tags (exactly once)
                from storage.terms import count_new_terms

                count_new_terms(con, upper, tz=config.schedule.timezone, now=now)
            total += len(batch)
            cursor = upper
            progress(f"tag: {total} posts tagged")
    finally:
        taggers.close()
    return TagResult(total, time.perf_counter() - started)
