"""Map X (Twitter) API v2 payloads to ``Post`` records.

Two shapes are understood:

* a v2 response page as the API returns it and twarc2 writes it, one page per line:
  ``{"data": [tweet, ...], "includes": {"users": [...], "tweets": [...]}, "meta": {...}}``;
  authors are joined from ``includes.users`` by ``author_id``;
* a single tweet, either bare (``{"id", "text", "author_id", ...}``) or "flattened" by
  ``twarc2 flatten``, which carries its author inline under ``tweet["author"]``.

A tweet whose author is not in the page (deleted or suspended account) keeps its text and gets
``Identity(platform="x", handle="id:<author_id>")``.

Nothing here touches the network or storage; ``raw`` is the dict already parsed (not re-serialised).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Mapping

from collectors.base import Identity, Post

PLATFORM = "x"
_EMPTY: dict = {}


def unescape_x_text(text: str) -> str:
    """Tweet text as the author wrote it. The X API escapes exactly ``<``, ``>`` and ``&`` in tweet text
    (``&lt;`` ``&gt;`` ``&amp;``); they are undone once here, at ingest, so storage holds the author's text and
    escaping happens only when rendering. ``&amp;`` goes last, so a literal "&lt;" (sent as "&amp;lt;")
    survives as "&lt;". Other entities are the author's own text and are left alone."""
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_x_time(value: str | None) -> datetime:
    """``2026-11-03T09:12:00.000Z`` -> aware UTC datetime."""
    if not value:
        raise ValueError("tweet has no created_at")
    dt = datetime.fromisoformat(value)  # Python 3.11 accepts the trailing Z and milliseconds
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    if dt.utcoffset():
        return dt.astimezone(timezone.utc)
    return dt


def user_to_identity(user: Mapping[str, Any]) -> Identity:
    username = user.get("username") or f"id:{user.get('id')}"
    metrics = user.get("public_metrics") or _EMPTY
    return Identity(
        platform=PLATFORM,
        handle=username,
        display_name=user.get("name"),
        native_id=str(user["id"]) if user.get("id") is not None else None,
        url=f"https://x.com/{username}" if user.get("username") else None,
        followers=metrics.get("followers_count"),
    )


def _normalise_handles(our_handles: Iterable[str] | None) -> set[str]:
    return {h.strip().lstrip("@").lower() for h in (our_handles or ()) if h}


def tweet_to_post(
    tweet: dict[str, Any],
    users_by_id: Mapping[str, Mapping[str, Any]],
    source: str,
    retrieved_at: datetime,
    our_handles: set[str] | Iterable[str] | None,
) -> Post:
    """One v2 tweet object -> ``Post``.

    ``our_handles`` are X usernames (any case, with or without '@'); they decide kind "mention".
    ``users_by_id`` maps author ids to v2 user objects (``includes.users``); a flattened tweet's
    inline ``author`` is used when the id is not found there. ``tweet`` is not modified: ``raw``
    is a shallow copy carrying the author under ``"author"`` when it came from ``users_by_id``.
    """
    return _tweet_to_post(tweet, users_by_id, source, retrieved_at, _normalise_handles(our_handles), {}, True)


def _tweet_to_post(
    tweet: dict[str, Any],
    users_by_id: Mapping[str, Mapping[str, Any]],
    source: str,
    retrieved_at: datetime,
    ours: set[str],
    identity_args: dict[str, tuple],
    copy: bool,
) -> Post:
    tweet_id = str(tweet["id"])
    author_id = tweet.get("author_id")
    user = users_by_id.get(author_id) if author_id is not None else None
    inline = tweet.get("author")
    if user is None and isinstance(inline, dict):
        user = inline
        if author_id is None:
            author_id = inline.get("id")
    if user is not None:
        key = user.get("id") or id(user)
        args = identity_args.get(key)
        if args is None:
            ident = user_to_identity(user)
            args = identity_args[key] = (ident.handle, ident.display_name, ident.native_id, ident.url, ident.followers)
            author = ident
        else:
            author = Identity(PLATFORM, *args)
        username = user.get("username")
    else:
        author = Identity(platform=PLATFORM, handle=f"id:{author_id}", native_id=str(author_id) if author_id else None)
        username = None

    parent_id = None
    refs = tweet.get("referenced_tweets")
    if refs:
        for ref in refs:
            if ref.get("type") == "replied_to":
                parent_id = str(ref.get("id"))
                break

    entities = tweet.get("entities")
    mentions = [m["username"] for m in entities.get("mentions") or () if m.get("username")] if entities else []

    if parent_id is not None:
        kind = "reply"
    elif ours and mentions and any(m.lower() in ours for m in mentions):
        kind = "mention"
    else:
        kind = "post"

    if user is not None and inline is not user:
        raw = dict(tweet) if copy else tweet
        raw["author"] = user
    else:
        raw = tweet

    conv = tweet.get("conversation_id")
    return Post(
        platform=PLATFORM,
        native_id=tweet_id,
        text=unescape_x_text(tweet.get("text") or ""),
        created_at=parse_x_time(tweet.get("created_at")),
        author=author,
        source=source,
        retrieved_at=retrieved_at,
        kind=kind,
        url=f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}",
        parent_id=parent_id,
        conversation_id=str(conv) if conv is not None else None,
        lang=tweet.get("lang"),
        mentions=mentions,
        raw=raw,
    )


def is_x_page(obj: Any) -> bool:
    """True for a v2 response page (``data`` a list, or a single-tweet lookup with ``data`` a tweet)."""
    if not isinstance(obj, dict) or "data" not in obj or "kind" in obj:
        return False
    data = obj["data"]
    if isinstance(data, list):
        return "includes" in obj or "meta" in obj or "__twarc" in obj or (bool(data) and isinstance(data[0], dict) and "text" in data[0])
    return isinstance(data, dict) and "id" in data and "text" in data


def is_tweet(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and "text" in obj and ("author_id" in obj or "author" in obj or "created_at" in obj)


def tweets_from_page(
    page: dict[str, Any],
    source: str,
    retrieved_at: datetime,
    our_handles: set[str] | Iterable[str] | None,
    *,
    copy: bool = True,
) -> Iterator[Post]:
    """Every tweet in ``page["data"]`` as a ``Post`` (referenced tweets in ``includes.tweets`` are
    context, not results, and are not yielded). An empty page (``result_count`` 0) yields nothing.

    With ``copy=False`` the tweet dicts of ``page`` are reused as ``raw`` and get their author
    added in place (no per-tweet copy; for callers that own the freshly parsed page)."""
    ours = _normalise_handles(our_handles)
    includes = page.get("includes") or _EMPTY
    users_by_id = {u["id"]: u for u in includes.get("users") or () if "id" in u}
    data = page.get("data") or ()
    if isinstance(data, dict):
        data = (data,)
    identity_args: dict[str, tuple] = {}
    for tweet in data:
        yield _tweet_to_post(tweet, users_by_id, source, retrieved_at, ours, identity_args, copy)
