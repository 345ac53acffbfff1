"""The tag stage as one pure function over Arrow: a batch of posts in, a batch of tags out.

``tag_table(posts, config)`` reads only its arguments: no database, no process-wide state a caller must set
up first. The spaCy pipeline and the brand matcher are built once per process for a given configuration
(:func:`tagger_for`, cached by :class:`TagSettings`), so the same function runs in the tag job, in a pool of
worker processes, or as ``ray.data.Dataset.map_batches(tag_table, batch_format="pyarrow")``.

Input (:data:`TAG_INPUT_SCHEMA`; extra columns such as ``seq`` are ignored, the optional ones may be absent):

- ``post_uid``, ``text``; ``lang``: the platform's language hint, if any;
- ``addressed_to_us`` and ``from_us``: who the post is to and from, decided by whoever reads the posts (the
  tag job from identities and the posts a post answers; an archive reader from its own posts);
- ``author`` (handle) and ``subreddit``: brand exclusions by author or subreddit (``brand.exclude``);
- ``root_uid`` and ``root_about_us``: the thread's root, and its flag when the root is already tagged.

Output (:data:`TAGS_SCHEMA`): one row per input row, in the same order.
"""
from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa

from nlp.brands import BrandMatcher, matcher_spec
from nlp.pipeline import (EVIDENCE, INTENTS, LANG, MOMENTS, SENTIMENT, SENTIMENT_LABEL, TOPICS, _plain_topics,
                          build_pipeline, make_doc)

TAG_INPUT_SCHEMA = pa.schema(
    [
        pa.field("post_uid", pa.string(), nullable=False),
        pa.field("text", pa.string()),
        pa.field("lang", pa.string()),               # the platform's hint; detection decides
        pa.field("addressed_to_us", pa.bool_()),
        pa.field("from_us", pa.bool_()),
        pa.field("author", pa.string()),             # handle, for brand.exclude's @author rules
        pa.field("subreddit", pa.string()),          # for r/subreddit rules and subreddits named after a brand
        pa.field("root_uid", pa.string()),           # the thread's root post (conversation_uid)
        pa.field("root_about_us", pa.bool_()),       # the root's flag when it is tagged already, else null
    ]
)
REQUIRED_INPUT = ("post_uid", "text", "addressed_to_us", "from_us")

TAGS_SCHEMA = pa.schema(
    [
        ("post_uid", pa.string()),
        ("lang", pa.string()),
        ("sentiment_score", pa.float64()),
        ("sentiment_label", pa.string()),
        ("topics", pa.list_(pa.string())),
        ("intents", pa.list_(pa.string())),
        ("moments", pa.string()),      # JSON list
        ("addressed_to_us", pa.bool_()),
        ("from_us", pa.bool_()),
        ("about_us", pa.bool_()),
        ("competitors", pa.list_(pa.string())),
        ("thread_about_us", pa.bool_()),
        ("evidence", pa.string()),     # JSON object
    ]
)


class TagInputError(ValueError):
    """A posts batch without a column ``tag_table`` needs."""


@dataclass(frozen=True)
class TagSettings:
    """What of the configuration tagging depends on, as plain hashable values: the cache key of the
    per-process pipeline, and what is shipped to worker processes or Ray tasks instead of the config."""

    topics_json: str
    brands_json: str

    @classmethod
    def from_config(cls, config: Any) -> "TagSettings":
        if isinstance(config, cls):
            return config
        return cls(json.dumps(_plain_topics(config.topics), sort_keys=True),
                   json.dumps(matcher_spec(config), sort_keys=True))


@dataclass(frozen=True)
class Tagger:
    nlp: Any
    brands: BrandMatcher


@lru_cache(maxsize=4)
def tagger_for(settings: TagSettings) -> Tagger:
    """Built once per process and settings: loading the models is the slow part."""
    return Tagger(build_pipeline(json.loads(settings.topics_json)), BrandMatcher(**json.loads(settings.brands_json)))


def _column(table: pa.Table, name: str) -> list:
    if name in table.column_names:
        return table.column(name).to_pylist()
    if name in REQUIRED_INPUT:
        raise TagInputError(f"tag_table: the posts batch has no column {name!r} (needs {', '.join(REQUIRED_INPUT)})")
    return [None] * table.num_rows


_NONE: list = []


def tag_table(table: pa.Table, config: Any, *, nlp: Any = None) -> pa.Table:
    """Tags for a posts batch (see the module doc). ``config`` is a ``Config`` or its :class:`TagSettings`;
    ``nlp`` a pipeline already built for it (the scheduler keeps one), else the cached one is used.

    Intents see only whether the post is addressed to us: a post that merely names us is read like any other
    (widening it let "Built in Fernhill, but the ideas work anywhere" read as a complaint, through the weak
    cues meant for posts written to us)."""
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    tagger = tagger_for(TagSettings.from_config(config))
    pipeline = nlp if nlp is not None else tagger.nlp
    uids = _column(table, "post_uid")
    texts = [t if t is not None else "" for t in _column(table, "text")]
    langs = _column(table, "lang")
    addressed = [bool(a) for a in _column(table, "addressed_to_us")]
    from_us = [bool(f) for f in _column(table, "from_us")]
    authors = _column(table, "author")
    subreddits = _column(table, "subreddit")

    match = tagger.brands.match
    found = [match(text, author, subreddit) for text, author, subreddit in zip(texts, authors, subreddits)]
    cols: dict[str, list] = {name: [] for name in TAGS_SCHEMA.names}
    docs = (make_doc(pipeline, text, lang, to_us) for text, lang, to_us in zip(texts, langs, addressed))
    with _fewer_gc_passes():
        for doc, brand, ours in zip(pipeline.pipe(docs, batch_size=1000), found, from_us):
            data = doc.user_data
            moments = data.get(MOMENTS)
            # an intent is what a post asks of us: our own posts (replies to customers among them) ask nothing,
            # and the trained intent reader read "DM us your workspace and we'll move you" as leaving talk
            evidence = None if ours else data.get(EVIDENCE)
            cols["lang"].append(data.get(LANG))
            cols["sentiment_score"].append(data.get(SENTIMENT))
            cols["sentiment_label"].append(data.get(SENTIMENT_LABEL))
            cols["topics"].append(data.get(TOPICS, _NONE))
            cols["intents"].append(_NONE if ours else data.get(INTENTS, _NONE))
            cols["moments"].append(json.dumps(moments, ensure_ascii=False) if moments else "[]")
            cols["evidence"].append(json.dumps(evidence, ensure_ascii=False) if evidence else "{}")
            cols["about_us"].append(brand.about_us)
            cols["competitors"].append(list(brand.competitors))
    cols["post_uid"] = uids
    cols["addressed_to_us"] = addressed
    cols["from_us"] = from_us
    cols["thread_about_us"] = [False] * len(uids)
    return with_batch_threads(table, pa.table(cols, schema=TAGS_SCHEMA))


def with_batch_threads(posts: pa.Table, tags: pa.Table) -> pa.Table:
    """``tags`` with ``thread_about_us`` read over the whole of ``posts`` (their rows aligned): a root tagged in
    the same batch counts, wherever it sits in it."""
    uids = tags.column("post_uid").to_pylist()
    own = {uid: bool(f or a or about) for uid, f, a, about in zip(
        uids, *(tags.column(c).to_pylist() for c in ("from_us", "addressed_to_us", "about_us")))}
    flags = thread_about_us(uids, _column(posts, "root_uid"), _column(posts, "root_about_us"), own)
    index = TAGS_SCHEMA.get_field_index("thread_about_us")
    return tags.set_column(index, TAGS_SCHEMA.field(index), pa.array(flags, pa.bool_()))


def thread_about_us(uids: list, roots: list, root_flags: list, own: dict[str, bool]) -> list[bool]:
    """A thread is about us when its root post is about us, addressed to us or ours. Per post: its root's flag
    when the root is tagged already, else the root's in this batch, else (a root post, or a root never seen)
    its own, or False. (A root that arrives later sets its stored replies: ``jobs.tag.LATE_ROOTS``.)"""
    out = []
    for uid, root, stored in zip(uids, roots, root_flags):
        if root is None or root == uid:
            out.append(own[uid])
        elif stored is not None:
            out.append(bool(stored))
        else:
            out.append(own.get(root, False))
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
