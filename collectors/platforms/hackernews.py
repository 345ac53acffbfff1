"""Hacker News, read through the Algolia search API (no key): stories and comments that name our brand,
products or competitors. Read-only: a reply there is a manual step, and ``queue send`` says so.

Everything Hacker News needs is in this module: the ``hackernews`` source schema, the collector, how a hit
becomes a post, handles and profile links.

One stream per query (``search:<query>``), newest first (``/api/v1/search_by_date``, stories and comments),
walked with ``collectors.streams.StreamCollector.newest_first``: its ``StreamCursor`` value is the newest
``created_at_i`` stored; each further page is asked with ``numericFilters=created_at_i<=<oldest so far>``, so new
comments arriving mid-walk cannot shift the pages, and the value jumps only when the walk is complete. Requests
go through ``collectors.http.JsonClient`` (retries with backoff and jitter, Retry-After, deadlines, size cap,
redirects pinned to the API's host).
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Literal, Mapping

from pydantic import Field, field_validator

from collectors import http
from collectors.base import Identity, Item, Post, SourceError, utcnow
from collectors.cursors import StreamCursor
from collectors.html_text import html_to_text
from collectors.platforms import Platform, Secrets, SourceType
from collectors.streams import Stream, StreamCollector, StreamStop
from listenwell.config_types import HttpUrl, SourceBase

API = "https://hn.algolia.com/api/v1"
ITEM_URL = "https://news.ycombinator.com/item?id={}"
PAGE_SIZE = 1000  # Algolia's largest page


class HackerNewsSource(SourceBase):
    type: Literal["hackernews"]
    queries: list[str] = Field(default=[], description="terms to search; default: brand.names and competitors' names")
    stories: bool = True
    comments: bool = True
    max_pages_per_run: int = Field(default=5, ge=1, le=1000, description="pages (of 1000 hits) per query per run")
    max_retries: int = Field(default=3, ge=0, le=10)
    max_wait_seconds: float = Field(default=60.0, ge=0, le=900)
    api_url: HttpUrl = Field(default=API, description="the Algolia HN API root (a local mirror, tests)")

    @field_validator("queries")
    @classmethod
    def _queries(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def hit_to_post(hit: Mapping[str, Any], *, source: str, retrieved_at: datetime) -> Post:
    """One Algolia hit (a story or a comment) as a post."""
    tags = hit.get("_tags") or []
    comment = "comment" in tags or hit.get("comment_text") is not None
    author = str(hit["author"])
    if comment:
        text = html_to_text(hit.get("comment_text") or "")
        title = hit.get("story_title")
    else:
        title = hit.get("title") or ""
        body = html_to_text(hit.get("story_text") or "")
        text = "\n".join(part for part in (title, body or hit.get("url") or "") if part)
    parent = hit.get("parent_id")
    story = hit.get("story_id")
    return Post(
        platform="hackernews",
        native_id=str(hit["objectID"]),
        text=text,
        created_at=datetime.fromtimestamp(int(hit["created_at_i"]), timezone.utc),
        author=Identity(platform="hackernews", handle=author.lower(), display_name=author,
                        url=f"https://news.ycombinator.com/user?id={author}"),
        source=source,
        retrieved_at=retrieved_at,
        kind="comment" if comment else "post",
        url=ITEM_URL.format(hit["objectID"]),
        title=title,
        parent_id=str(parent) if comment and parent is not None else None,
        conversation_id=str(story) if comment and story is not None else None,
        raw={"objectID": str(hit["objectID"]), "points": hit.get("points"), "story_url": hit.get("story_url")},
    )


class HackerNewsCollector(StreamCollector):
    def __init__(self, name: str, *, queries: Iterable[str], stories: bool = True, comments: bool = True,
                 api_url: str = API, max_pages_per_run: int = 5, max_retries: int = 3, max_wait_seconds: float = 60.0,
                 timeout: float = 20.0, now: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, page_size: int = PAGE_SIZE):
        self.name, self.now, self.max_pages, self.page_size = name, now, max_pages_per_run, page_size
        self.queries = list(dict.fromkeys(q for q in queries if q.strip()))
        kinds = [k for k, on in (("story", stories), ("comment", comments)) if on] or ["story"]
        self.tags = f"({','.join(kinds)})" if len(kinds) > 1 else kinds[0]
        self.api = http.JsonClient(api_url, what="Hacker News", timeout=timeout, max_retries=max_retries,
                                   max_wait_seconds=max_wait_seconds, sleep=sleep, clock=clock)

    def streams(self) -> list[Stream]:
        return [Stream(f"search:{q}", f"search {q!r}", lambda c, q=q: self._search(c, q)) for q in self.queries]

    def _search(self, cursor: StreamCursor, query: str) -> Iterator[Item]:
        what = f"search {query!r}"
        now = self.now()

        def page(until: Any) -> tuple[list, Any]:
            filters = [f"created_at_i>={int(cursor.value)}"] if cursor.value is not None else []
            if until is not None:
                filters.append(f"created_at_i<={int(until)}")
            params: dict[str, Any] = {"query": query, "tags": self.tags, "hitsPerPage": self.page_size}
            if filters:
                params["numericFilters"] = ",".join(filters)
            try:
                body = self.api.get("/search_by_date", params, about=what)
            except (http.NotFound, http.Malformed) as exc:
                raise StreamStop(exc) from None
            hits = body.get("hits") if isinstance(body, dict) else None
            if not isinstance(hits, list) or not all(isinstance(h, dict) and "created_at_i" in h and "objectID" in h
                                                     for h in hits):
                raise StreamStop(http.Malformed(f"malformed answer from Hacker News for {what} (no list of hits); "
                                                "nothing from it was stored"))
            full = len(hits) >= self.page_size
            return hits, (min(int(h["created_at_i"]) for h in hits) if full else None)

        def posts(hits: list) -> list:
            try:
                return [hit_to_post(h, source=self.name, retrieved_at=now) for h in hits if h.get("author")]
            except (KeyError, TypeError, ValueError) as exc:
                raise StreamStop(http.Malformed(f"malformed hit from Hacker News in {what} ({type(exc).__name__}: "
                                                f"{exc}); nothing from that page was stored")) from None

        yield from self.newest_first(cursor, page, ident=lambda h: str(h["objectID"]),
                                     position=lambda h: int(h["created_at_i"]), to_posts=posts, what=what)


def _build(source: HackerNewsSource, config: Any, secrets: Secrets):
    queries = list(source.queries)
    if not queries:
        brand = list(config.brand.names) if config.brand else []
        queries = brand + [c.name for c in config.competitors]
    if not queries:
        raise SourceError(f"source {source.name!r}: give 'queries' (or brand.names / competitors in config.yaml)")
    return HackerNewsCollector(source.name, queries=queries, stories=source.stories, comments=source.comments,
                               api_url=source.api_url, max_pages_per_run=source.max_pages_per_run,
                               max_retries=source.max_retries, max_wait_seconds=source.max_wait_seconds,
                               timeout=source.timeout_seconds, now=config.now)


def _recorded(obj: Any, source: str, retrieved_at: Any):
    """A recorded search answer (``{"hits": [...], "nbHits": …}``)."""
    if isinstance(obj, dict) and isinstance(obj.get("hits"), list) and "nbHits" in obj:
        return [hit_to_post(h, source=source, retrieved_at=retrieved_at) for h in obj["hits"] if h.get("author")]
    return None


PLATFORM = Platform(
    name="hackernews",
    label="Hacker News",
    position=60,
    where="on Hacker News",
    reply_limit=10_000,
    reply_target=900,
    handle_prefix="",
    handle_strip=("@",),
    handle_pattern=r"[A-Za-z0-9_-]{2,15}",
    profile_url=lambda handle: f"https://news.ycombinator.com/user?id={handle}",
    reply_style="A Hacker News comment: plain, specific, no marketing.",
    reply_kind="comment",
    threads=True,
    source_types=(SourceType("hackernews", HackerNewsSource, _build,
                               cost="On Hacker News: free (the public Algolia search, no key)."),),
    manual_reply="Hacker News has no reply API: reply on the thread yourself",
    recorded=_recorded,
)
