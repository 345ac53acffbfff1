"""Map Reddit JSON API payloads (Listings, t3 submissions, t1 comments) to ``Post`` records.

Conventions (shared with the rest of listenwell):

* ``native_id`` is the Reddit *fullname* (``t3_abc`` for a submission, ``t1_def`` for a comment);
* ``parent_id`` is the parent's fullname as Reddit gives it (``t3_…`` or ``t1_…``);
* ``conversation_id`` is the submission fullname (``link_id``; a submission is its own root);
* a comment whose parent is the submission has kind ``comment``; one answering another comment
  has kind ``reply``; submissions have kind ``post``. Whether something is addressed to us is
  decided later (mentions are extracted here, ``our_handles`` is accepted for symmetry).

``[deleted]`` authors become ``Identity(platform="reddit", handle="[deleted]")``; ``[removed]`` /
``[deleted]`` bodies are kept as they are. Nested ``replies`` Listings (comment trees from
``/comments/<id>.json``) are walked; ``more`` stubs are skipped.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from collectors.base import Identity, Post

PLATFORM = "reddit"
BASE_URL = "https://www.reddit.com"
_MENTION_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})\b")
_NO_USER = {"[deleted]", "[removed]", ""}


def reddit_mentions(text: str | None) -> list[str]:
    """``u/name`` and ``/u/name`` mentions, in order, without duplicates."""
    if not text or "u/" not in text:
        return []
    out: list[str] = []
    for m in _MENTION_RE.findall(text):
        if m not in out:
            out.append(m)
    return out


def _author(data: dict[str, Any]) -> Identity:
    name = data.get("author") or "[deleted]"
    if name in _NO_USER:
        return Identity(platform=PLATFORM, handle="[deleted]")
    return Identity(
        platform=PLATFORM,
        handle=name,
        native_id=data.get("author_fullname"),
        url=f"{BASE_URL}/user/{name}",
    )


def _created(data: dict[str, Any]) -> datetime:
    ts = data.get("created_utc")
    if ts is None:
        ts = data.get("created")
    if ts is None:
        raise ValueError("reddit thing has no created_utc")
    return datetime.fromtimestamp(float(ts), tz=timezone.utc)


def _fullname(kind: str, data: dict[str, Any]) -> str:
    name = data.get("name")
    if name:
        return name
    if not data.get("id"):
        raise ValueError(f"reddit {kind} has neither name nor id")
    return f"{kind}_{data['id']}"


def thing_to_post(
    thing: dict[str, Any],
    source: str,
    retrieved_at: datetime,
    our_handles: set[str] | Iterable[str] | None = None,
) -> Post | None:
    """A ``{"kind": "t3"|"t1", "data": {...}}`` thing -> ``Post``; ``None`` for other kinds
    (``more``, ``t2`` accounts, ``t5`` subreddits...)."""
    kind = thing.get("kind")
    data = thing.get("data")
    if not isinstance(data, dict):
        raise ValueError(f"reddit thing of kind {kind!r} has no data object")
    permalink = data.get("permalink")
    url = BASE_URL + permalink if permalink else None
    if kind == "t3":
        title = data.get("title") or ""
        selftext = data.get("selftext") or ""
        text = f"{title}\n\n{selftext}" if selftext else title
        fullname = _fullname("t3", data)
        return Post(
            platform=PLATFORM,
            native_id=fullname,
            text=text,
            created_at=_created(data),
            author=_author(data),
            source=source,
            retrieved_at=retrieved_at,
            kind="post",
            url=url or data.get("url"),
            title=title,
            conversation_id=fullname,
            lang=None,
            mentions=reddit_mentions(text),
            raw=thing,
        )
    if kind == "t1":
        body = data.get("body")
        if body is None:
            body = ""
        parent = data.get("parent_id")
        return Post(
            platform=PLATFORM,
            native_id=_fullname("t1", data),
            text=body,
            created_at=_created(data),
            author=_author(data),
            source=source,
            retrieved_at=retrieved_at,
            kind="reply" if parent and parent.startswith("t1_") else "comment",
            url=url,
            parent_id=parent,
            conversation_id=data.get("link_id"),
            lang=None,
            mentions=reddit_mentions(body),
            raw=thing,
        )
    return None


def is_listing(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("kind") == "Listing" and isinstance(obj.get("data"), dict)


def is_thing(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("kind") in ("t1", "t3") and isinstance(obj.get("data"), dict)


def things_from_listing(
    listing: dict[str, Any],
    source: str,
    retrieved_at: datetime,
    our_handles: set[str] | Iterable[str] | None = None,
) -> Iterator[Post]:
    """Every t3/t1 in a Listing (depth-first through nested ``replies`` Listings)."""
    stack = [iter(listing.get("data", {}).get("children") or ())]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        post = thing_to_post(child, source, retrieved_at, our_handles)
        if post is not None:
            yield post
        replies = child.get("data", {}).get("replies") if isinstance(child.get("data"), dict) else None
        if is_listing(replies):
            stack.append(iter(replies["data"].get("children") or ()))
