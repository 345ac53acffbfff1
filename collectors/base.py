"""The collector contract, shared by every source.

A collector is a class with a ``name`` and ``fetch(state)``. ``fetch`` yields
``Post`` records (or, from bulk readers, ``PostsBatch`` tables of them) and,
whenever everything yielded so far may be saved, a ``Checkpoint`` carrying the
source's new state. The runner writes the records and that state in one
transaction, so a cursor never moves past data that is not stored. Collectors
never touch storage.
"""
from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Protocol, Union

import pyarrow as pa



def __getattr__(name: str) -> Any:
    """``PLATFORMS``: every platform module in collectors/platforms/, asked when first used (a platform module
    may import this module while the registry is still loading)."""
    if name == "PLATFORMS":
        from collectors import platforms

        return platforms.names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
POST_KINDS = ("post", "comment", "mention", "reply")


@dataclass(slots=True)
class Identity:
    """One handle on one platform. Several identities may belong to one person."""

    platform: str
    handle: str
    display_name: str | None = None
    native_id: str | None = None  # platform user id when known (X user id, Reddit t2_…)
    url: str | None = None
    followers: int | None = None

    @property
    def uid(self) -> str:
        return identity_uid(self.platform, self.handle)


@dataclass(slots=True)
class Post:
    """Anything someone wrote: a tweet, a Reddit submission or comment, a blog post or comment."""

    platform: str
    native_id: str
    text: str
    created_at: datetime  # timezone-aware, UTC
    author: Identity
    source: str  # the configured source name that produced it
    retrieved_at: datetime
    kind: str = "post"  # post | comment | mention | reply
    url: str | None = None
    title: str | None = None
    parent_id: str | None = None  # native id of the post this answers, same platform
    conversation_id: str | None = None  # native id of the thread root, same platform
    parent_url: str | None = None  # when only the parent's URL is known (site-wide comment feeds)
    lang: str | None = None
    mentions: list[str] = field(default_factory=list)  # handles mentioned, without '@'
    raw: dict[str, Any] | None = None  # the payload as received

    @property
    def uid(self) -> str:
        return post_uid(self.platform, self.native_id)


@dataclass(slots=True)
class FollowersPage:
    """One page of accounts that follow our ``account``. Storage marks them followers; after the
    ``complete`` page of a walk, earlier followers not seen since ``walk_started_at`` are marked unfollowed."""

    platform: str
    account: str
    identities: list[Identity]
    walk_started_at: datetime
    complete: bool = False


# The columnar form of ``Post``: storage inserts these tables as they are.
POSTS_SCHEMA = pa.schema(
    [
        ("post_uid", pa.string()),
        ("platform", pa.string()),
        ("native_id", pa.string()),
        ("kind", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("author_uid", pa.string()),
        ("parent_uid", pa.string()),
        ("conversation_uid", pa.string()),
        ("parent_url", pa.string()),
        ("lang", pa.string()),
        ("mentions", pa.list_(pa.string())),  # lowercase handles
        ("raw", pa.string()),  # the payload as JSON text
        ("source", pa.string()),
        ("retrieved_at", pa.timestamp("us", tz="UTC")),
    ]
)

# One row per post, in post order: that post's author as the post shows them (``seen_at`` = its created_at).
AUTHORS_SCHEMA = pa.schema(
    [
        ("identity_uid", pa.string()),
        ("platform", pa.string()),
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("native_id", pa.string()),
        ("url", pa.string()),
        ("followers", pa.int64()),
        ("seen_at", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass(slots=True)
class PostsBatch:
    """Many posts at once, already columnar: what a bulk reader yields instead of one ``Post`` each.
    ``posts`` has ``POSTS_SCHEMA``; ``authors`` has ``AUTHORS_SCHEMA``, row i the author of post i."""

    posts: pa.Table
    authors: pa.Table

    def __len__(self) -> int:
        return self.posts.num_rows


@dataclass(slots=True)
class Checkpoint:
    """Everything yielded before this may be stored together with ``state``."""

    state: dict[str, Any]
    note: str | None = None  # a warning worth showing on the source (e.g. a malformed feed that still parsed)
    usage: dict[str, int] | None = None  # posts read per stream since the previous checkpoint (what X bills)


Item = Union[Post, PostsBatch, FollowersPage, Checkpoint]

# In the state handed to ``fetch`` of a platform that prices usage (X): {"reads": n, "writes": n} this month so
# far, put there by the runner; the collector never stores it back.
MONTH_USAGE_KEY = "usage_this_month"


class Collector(Protocol):
    name: str

    def fetch(self, state: dict[str, Any]) -> Iterator[Item]:
        """Yield posts and checkpoints. ``state`` is the last committed state ({} the first time)."""
        ...


# --- errors a collector raises; the runner records them on the source -------------------------


class SourceError(Exception):
    """A source failed this run. The message says what happened and what to do."""


class RateLimited(SourceError):
    """The platform asked us to wait; ``retry_at`` is when the source may run again."""

    def __init__(self, message: str, retry_at: datetime | None = None):
        super().__init__(message)
        self.retry_at = retry_at


class CredentialsError(SourceError):
    """Missing or rejected credentials; the message names the environment variable."""


# --- helpers ----------------------------------------------------------------------------------


def identity_uid(platform: str, handle: str) -> str:
    return f"{platform}:{handle.strip().lstrip('@').lower()}"


def post_uid(platform: str, native_id: str) -> str:
    return f"{platform}:{native_id}"


def content_hash(*parts: str | None) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class SeenIds:
    """A capped, ordered set of ids seen at the cursor boundary, stored in the source state."""

    def __init__(self, ids: Iterable[str] = (), cap: int = 500):
        self.cap = cap
        self._order: deque[str] = deque(maxlen=cap)
        self._set: set[str] = set()
        for i in ids:
            self.add(i)

    def __contains__(self, item: str) -> bool:
        return item in self._set

    def add(self, item: str) -> None:
        if item in self._set:
            return
        if len(self._order) == self.cap:
            self._set.discard(self._order[0])
        self._order.append(item)
        self._set.add(item)

    def to_list(self) -> list[str]:
        return list(self._order)
