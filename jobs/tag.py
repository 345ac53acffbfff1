"""The tag job: run the NLP pipeline over posts not tagged yet, in batches, cursor by insertion order."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import pyarrow as pa

from nlp.pipeline import PIPELINE_VERSION, build_pipeline, make_doc
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
    if cursor < high and nlp is None:
        nlp = build_pipeline(config.topics)  # loading the models is the slow part: only when there is work
    while cursor < high:
        upper = min(cursor + batch_size, high)
        batch = db.con.execute(SELECT_BATCH, [our_handles, cursor, upper]).fetchall()
        if batch:
            docs = (make_doc(nlp, text, lang, bool(addressed)) for _seq, _uid, text, lang, _ours, addressed in batch)
            cols: dict[str, list] = {name: [] for name in TAGS_SCHEMA.names}
            for row, doc in zip(batch, nlp.pipe(docs, batch_size=1000, n_process=n_process)):
                seq, uid, _text, _lang, from_us, addressed = row
                cols["post_uid"].append(uid)
                cols["seq"].append(seq)
                cols["lang"].append(doc._.lang)
                cols["sentiment_score"].append(doc._.sentiment)
                cols["sentiment_label"].append(doc._.sentiment_label)
                cols["topics"].append(doc._.topics)
                cols["intents"].append(doc._.intents)
                cols["moments"].append(json.dumps(doc._.moments, ensure_ascii=False))
                cols["addressed_to_us"].append(bool(addressed))
                cols["from_us"].append(bool(from_us))
            table = pa.table(cols, schema=TAGS_SCHEMA)
        now = config.now()
        with db.transaction() as con:
            if batch:
                con.register("incoming_tags", table)
                try:
                    con.execute(
                        """INSERT OR IGNORE INTO tags
                           SELECT post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents, moments,
                                  addressed_to_us, from_us, ?, ? FROM incoming_tags""",
                        [now, PIPELINE_VERSION],
                    )
                finally:
                    con.unregister("incoming_tags")
            set_stage_cursor(con, "tag", upper, now)
        total += len(batch)
        cursor = upper
        progress(f"tag: {total} posts tagged")
    return TagResult(total, time.perf_counter() - started)
