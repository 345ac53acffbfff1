"""What every stream-reading collector (Mastodon, Bluesky, Hacker News) shares: one ``StreamCursor`` per
stream, failures kept to their stream, reads counted, and the two ways an API pages.

* ``forward``: APIs that page *up* from a cursor (Mastodon's ``min_id``): each page holds the items just
  newer than the cursor, and the cursor moves to its newest item.
* ``newest_first``: APIs that only page *down* (Bluesky's ``cursor``, Algolia's date search): the walk starts at
  the newest item and goes down to the stored ``value``. A checkpoint keeps the old ``value`` and where the walk
  continues (``page``); ``value`` jumps to the walk's newest item (``pending``) only once the walk reached it, so
  a crash or a page bound never skips the gap. A first run reads the newest pages only.

Either way a checkpoint carries the cursor as it stands after the posts yielded before it, and follows every
``CHECKPOINT_POSTS`` posts and the end of the stream: a cursor never moves past what is stored.

A collector subclasses ``StreamCollector`` and lists its ``streams()``: (key, words for messages, a function
taking the stream's cursor and yielding posts and checkpoints through these helpers).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Sequence

from collectors.base import Checkpoint, CredentialsError, Item, Post, RateLimited, SeenIds, SourceError
from collectors.cursors import StreamCursor

STATE_VERSION = 1
SEEN_CAP = 300
# posts between checkpoints: each checkpoint is one transaction (tens of ms), so a page of 40 or 100 posts is
# not worth one; a crash repeats at most this many posts' requests, and stores nothing twice
CHECKPOINT_POSTS = 2000


class StreamStop(Exception):
    """This stream cannot go on this run; ``error`` is recorded and the other streams carry on."""

    def __init__(self, error: SourceError):
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class Stream:
    key: str  # the state's key: "notifications", "tag:fernhill", "search:fernhill"
    what: str  # for messages: "mentions of @fernhill@mastodon.social"
    walk: Callable[[StreamCursor], Iterator[Item]]


class StreamCollector:
    name: str
    now: Callable[[], datetime]
    max_pages: int = 5

    def streams(self) -> list[Stream]:
        raise NotImplementedError

    def prepare(self, extra: dict[str, Any]) -> str | None:
        """Before the streams: look up ids and the like (kept in ``extra``, stored with the state). A note."""
        return None

    # -- the run -----------------------------------------------------------------------------------

    def fetch(self, state: dict[str, Any]) -> Iterator[Item]:
        old = state.get("streams") if isinstance(state.get("streams"), dict) else {}
        self._extra: dict[str, Any] = {k: v for k, v in state.items() if k not in ("version", "streams")
                                       and not k.startswith("usage")}
        self._cursors: dict[str, dict[str, Any]] = {}
        self._reads: dict[str, int] = {}
        errors: list[SourceError] = []
        notes: list[str] = []
        try:
            note = self.prepare(self._extra)
        except StreamStop as stop:
            raise stop.error from None
        if note:
            notes.append(note)
        streams = self.streams()
        self._cursors = {s.key: dict(old[s.key]) for s in streams if isinstance(old.get(s.key), dict)}
        now = self.now()
        for stream in streams:
            cursor = StreamCursor.from_state(stream.key, self._cursors.get(stream.key))
            if cursor.retry_at and datetime.fromisoformat(cursor.retry_at) > now:
                errors.append(RateLimited(f"{stream.what} still rate limited", datetime.fromisoformat(cursor.retry_at)))
                continue
            cursor.retry_at = None
            try:
                yield from stream.walk(cursor)
            except StreamStop as stop:
                errors.append(stop.error)
                if isinstance(stop.error, RateLimited) and stop.error.retry_at:
                    cursor.retry_at = stop.error.retry_at.isoformat()
                    saved = StreamCursor.from_state(stream.key, self._cursors.get(stream.key))
                    saved.retry_at = cursor.retry_at
                    self._cursors[stream.key] = saved.to_state()
                    yield self._checkpoint()
            except CredentialsError:
                raise  # every stream would fail the same way
        if notes or self._reads:
            yield self._checkpoint("; ".join(notes) or None)
        limited = [e for e in errors if isinstance(e, RateLimited)]
        if limited:
            retry_at = min((e.retry_at for e in limited if e.retry_at), default=None)
            raise RateLimited("; ".join(str(e) for e in errors), retry_at=retry_at)
        if errors:
            raise SourceError("; ".join(str(e) for e in errors))

    def _checkpoint(self, note: str | None = None) -> Checkpoint:
        reads, self._reads = self._reads, {}
        state = {"version": STATE_VERSION, **self._extra, "streams": {k: dict(v) for k, v in self._cursors.items()}}
        return Checkpoint(state, note, reads)

    def commit(self, cursor: StreamCursor, note: str | None = None) -> Checkpoint:
        """A checkpoint for everything yielded so far, with ``cursor`` as the stream's committed position."""
        self._cursors[cursor.stream] = cursor.to_state()
        return self._checkpoint(note)

    def count(self, stream_key: str, n: int) -> None:
        self._reads[stream_key] = self._reads.get(stream_key, 0) + n

    def lag(self, newest: datetime | None) -> float | None:
        return round((self.now() - newest).total_seconds(), 1) if newest else None

    # -- the two ways of paging ---------------------------------------------------------------------

    def forward(self, cursor: StreamCursor, fetch_page: Callable[[Any], Sequence[Any]], *, ident: Callable[[Any], str],
                to_posts: Callable[[Sequence[Any]], list[Post]], newer: Callable[[str, Any], bool],
                page_size: int) -> Iterator[Item]:
        """Pages just newer than ``cursor.value`` (``fetch_page(value)``), each stored before the cursor moves."""
        first_run = cursor.value is None
        seen = SeenIds(cursor.seen, cap=SEEN_CAP)
        since_checkpoint = 0
        for _ in range(self.max_pages):
            items = list(fetch_page(cursor.value))
            self.count(cursor.stream, len(items))
            fresh = [i for i in items if ident(i) not in seen]
            posts = to_posts(fresh)
            yield from posts
            for item in fresh:
                seen.add(ident(item))
            newest = cursor.value
            for item in items:
                if newest is None or newer(ident(item), newest):
                    newest = ident(item)
            cursor.value, cursor.seen = newest, seen.to_list()
            if posts:
                cursor.lag_seconds = self.lag(max(p.created_at for p in posts))
            since_checkpoint += len(posts)
            last = first_run or len(items) < page_size
            if last or since_checkpoint >= CHECKPOINT_POSTS:
                yield self.commit(cursor)
                since_checkpoint = 0
            if last:
                return
        if since_checkpoint:
            yield self.commit(cursor)

    def newest_first(self, cursor: StreamCursor, fetch_page: Callable[[Any], tuple[Sequence[Any], Any]], *,
                     ident: Callable[[Any], str], position: Callable[[Any], Any],
                     to_posts: Callable[[Sequence[Any]], list[Post]], what: str) -> Iterator[Item]:
        """Down from the newest item to ``cursor.value`` (``fetch_page(page) -> (items, next page or None)``)."""
        seen = SeenIds(cursor.seen, cap=SEEN_CAP)
        page = cursor.page if cursor.backlog else None
        pages = since_checkpoint = 0
        while pages < self.max_pages:
            items, next_page = fetch_page(page)
            items = list(items)
            pages += 1
            self.count(cursor.stream, len(items))
            fresh = [i for i in items if ident(i) not in seen
                     and (cursor.value is None or position(i) >= cursor.value)]
            posts = to_posts(fresh)
            yield from posts
            for item in fresh:
                seen.add(ident(item))
            if items:
                newest = max(position(i) for i in items)
                if cursor.pending is None or newest > cursor.pending:
                    cursor.pending = newest
            if posts:
                cursor.lag_seconds = self.lag(max(p.created_at for p in posts))
            reached = cursor.value is not None and any(position(i) < cursor.value for i in items)
            cursor.seen = seen.to_list()
            if reached or next_page is None or not items:
                # the whole gap down to the stored value is stored: the cursor may jump
                if cursor.pending is not None and (cursor.value is None or cursor.pending > cursor.value):
                    cursor.value = cursor.pending
                cursor.pending, cursor.page, cursor.backlog = None, None, False
                yield self.commit(cursor)
                return
            cursor.page, cursor.backlog = next_page, True
            since_checkpoint += len(posts)
            if since_checkpoint >= CHECKPOINT_POSTS:
                yield self.commit(cursor)
                since_checkpoint = 0
            page = next_page
        if cursor.value is None:
            # a first run: keep what was read, collect from the newest item on
            cursor.value, cursor.pending, cursor.page, cursor.backlog = cursor.pending, None, None, False
            yield self.commit(cursor, f"{what}: first run read {pages} pages; older posts were not collected")
        else:
            yield self.commit(cursor, f"{what}: more than {pages} pages new; the rest is collected next run")


def numeric_newer(a: str, b: Any) -> bool:
    """Snowflake-like ids (Mastodon): compared as numbers when both are."""
    a, b = str(a), str(b)
    if a.isdigit() and b.isdigit():
        return int(a) > int(b)
    return (len(a), a) > (len(b), b)


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
