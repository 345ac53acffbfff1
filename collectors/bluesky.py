"""Bluesky through the atproto SDK (an app password, never the account password): mentions and replies
(notifications), ``searchPosts`` for brand and topic terms, key clients' and our own author feeds; and approved
replies posted once, as proper reply records.

Bluesky only pages *down* (``cursor``), so every stream is a newest-first walk (collectors/streams.py) whose
``StreamCursor`` value is the newest ``indexedAt`` stored; the walk's position is kept in the state and the value
jumps only when the walk reached it. A 429 carries ``RateLimit-Reset`` (epoch): the stream rests until then
unless it is near; 5xx and timeouts are retried with backoff (collectors/http.py).

A reply is a post record whose ``reply`` holds the ``root`` and ``parent`` strong refs (uri + cid); mentions and
links in its text get facets (byte ranges of the UTF-8 text). It is created with a record key derived from what
is sent, and that key is looked up first: sending twice finds the first record and posts nothing.
"""
from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping

import httpx
from atproto import Client
from atproto_client import exceptions as atx
from atproto_client.request import Request

from collectors import http, http_policy
from collectors.base import CredentialsError, Item, RateLimited, SourceError, utcnow
from collectors.bluesky_shapes import notification_to_post, post_view_to_post
from collectors.cursors import StreamCursor
from collectors.streams import Stream, StreamCollector, StreamStop

PAGE_SIZE = 50
REPLY_LIMIT = 300  # graphemes
MENTION_REASONS = ("mention", "reply", "quote")


class _PinnedRequest(Request):
    """atproto's HTTP client, with our timeout and without following redirects (a redirect is an error)."""

    def __init__(self, timeout: float):
        super().__init__()
        self._client.close()
        self._client = httpx.Client(follow_redirects=False, timeout=timeout)
        self.last_headers: dict[str, str] = {}

    def _send_request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = self.get_headers(kwargs.pop("headers", None))
        try:
            response = self._client.request(method=method, url=url, headers=headers, **kwargs)
        except Exception as exc:
            from atproto_client.request import _handle_request_errors

            _handle_request_errors(exc)
            raise
        self.last_headers = dict(response.headers)
        if len(response.content) > http_policy.MAX_BODY_BYTES:
            raise atx.NetworkError()
        from atproto_client.request import _handle_response

        return _handle_response(response)


def make_client(base_url: str, timeout: float) -> Client:
    return Client(base_url=base_url, request=_PinnedRequest(timeout))


def _dump(model: Any) -> Any:
    if hasattr(model, "model_dump"):
        return model.model_dump(by_alias=True, exclude_none=True)
    return model.content if hasattr(model, "content") and hasattr(model, "status_code") else model


def xrpc_query(client: Client, nsid: str) -> Callable[..., Any]:
    """An XRPC query through the SDK (session, refresh, errors) whose answer is the JSON as sent: reading
    pages into the SDK's models and back costs more than everything else a stored post costs."""
    return lambda params: client.invoke_query(nsid, params=_Params({k: v for k, v in params.items() if v is not None}))


class _Params(dict):
    """Query parameters as the SDK's invoke_query takes them (it asks a params model for its dict)."""

    def model_dump(self, **kwargs: Any) -> dict:
        return dict(self)


class _Api:
    def __init__(self, client: Client, env: str, *, max_retries: int, max_wait_seconds: float,
                 sleep: Callable[[float], None], clock: Callable[[], float]):
        self.client, self.env = client, env
        self.max_retries, self.max_wait_seconds, self.sleep, self.clock = max_retries, max_wait_seconds, sleep, clock

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        def attempt() -> Any:
            try:
                return _dump(fn(*args, **kwargs))
            except atx.RateLimitExceededError as exc:
                now = datetime.fromtimestamp(self.clock(), timezone.utc)
                headers = exc.response.headers if exc.response is not None else None
                raise http.Retry("HTTP 429", retry_at=http.retry_at_from(headers, now), rate_limited=True) from None
            except atx.UnauthorizedError as exc:
                raise CredentialsError(
                    f"Bluesky refused {what} (HTTP {_code(exc)}): put an app password (Settings → Privacy and "
                    f"security → App passwords) in the environment variable {self.env}") from None
            except (atx.InvokeTimeoutError, atx.NetworkError) as exc:
                raise http.Retry(f"{type(exc).__name__} (HTTP {_code(exc)})") from None
            except atx.BadRequestError as exc:
                raise StreamStop(SourceError(f"Bluesky refused {what} (HTTP 400{_detail(exc)}); skipped")) from None
            except atx.RequestException as exc:
                code = _code(exc)
                if isinstance(code, int) and code >= 500:
                    raise http.Retry(f"HTTP {code}") from None
                if code == 404:
                    raise StreamStop(http.NotFound(f"Bluesky has no {what} (HTTP 404); skipped")) from None
                raise StreamStop(SourceError(f"Bluesky answered HTTP {code} for {what}; skipped")) from None
            except (atx.ModelError, ValueError, KeyError, TypeError) as exc:
                raise StreamStop(http.Malformed(f"malformed answer from Bluesky for {what} ({type(exc).__name__}); "
                                                "nothing from it was stored, it is retried next run")) from None

        def give_up(retry: http.Retry, attempts: int) -> BaseException:
            if retry.rate_limited:
                when = retry.retry_at or utcnow() + http_policy.MAX_RETRY_AFTER / 96
                return StreamStop(RateLimited(f"Bluesky rate limit for {what}; resets {when:%Y-%m-%d %H:%M:%S} UTC",
                                              retry_at=when))
            return StreamStop(SourceError(f"Bluesky failed for {what} after {attempts} attempts ({retry.failure}); "
                                          "will try again next run"))

        return http.with_retries(attempt, give_up=give_up, max_retries=self.max_retries,
                                 max_wait_seconds=self.max_wait_seconds, sleep=self.sleep, clock=self.clock)


def _code(exc: Exception) -> Any:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _detail(exc: Exception) -> str:
    content = getattr(getattr(exc, "response", None), "content", None)
    error = getattr(content, "error", None) or (content.get("error") if isinstance(content, dict) else None)
    return f": {error}" if error else ""


def login(api: _Api, identifier: str | None, app_password: str | None, env_names: tuple[str, str]) -> None:
    if not identifier or not app_password:
        raise CredentialsError(f"set the environment variables {env_names[0]} (our handle) and {env_names[1]} "
                               "(an app password) to read Bluesky")
    try:
        api.call("the login", api.client.login, identifier, app_password, fetch_bsky_profile=False)
    except StreamStop as stop:
        raise stop.error from None


class BlueskyCollector(StreamCollector):
    def __init__(self, name: str, client: Client, *, identifier: str | None, app_password: str | None,
                 queries: Iterable[str] = (), client_handles: Iterable[str] = (), mentions: bool = True,
                 own_posts: bool = True, max_pages_per_run: int = 5, max_retries: int = 3,
                 max_wait_seconds: float = 60.0,
                 env_names: tuple[str, str] = ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD"),
                 now: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, page_size: int = PAGE_SIZE):
        self.name, self.client, self.page_size = name, client, page_size
        self.identifier, self._password, self.env_names = identifier, app_password, env_names
        self.queries = [q for q in queries if q.strip()]
        self.client_handles = [h.strip().lstrip("@").lower() for h in client_handles if h.strip()]
        self.mentions, self.own_posts = mentions, own_posts
        self.max_pages, self.now = max_pages_per_run, now
        self.api = _Api(client, env_names[1], max_retries=max_retries, max_wait_seconds=max_wait_seconds,
                        sleep=sleep, clock=clock)

    def prepare(self, extra: dict[str, Any]) -> str | None:
        login(self.api, self.identifier, self._password, self.env_names)
        return None

    def streams(self) -> list[Stream]:
        out: list[Stream] = []
        if self.mentions:
            out.append(Stream("notifications", "mentions and replies", self._notifications))
        for query in self.queries:
            out.append(Stream(f"search:{query}", f"search {query!r}", lambda c, q=query: self._posts(
                c, f"search {q!r}", lambda page: self._page(
                    f"search {q!r}", xrpc_query(self.client, "app.bsky.feed.searchPosts"),
                    {"q": q, "sort": "latest", "limit": self.page_size, "cursor": page}, "posts"))))
        handles = list(self.client_handles) + ([self.identifier.lower()] if self.own_posts and self.identifier else [])
        for handle in dict.fromkeys(handles):
            key = "own" if self.identifier and handle == self.identifier.lower() else f"author:{handle}"
            out.append(Stream(key, f"posts of @{handle}", lambda c, h=handle: self._posts(
                c, f"posts of @{h}", lambda page: self._page(
                    f"posts of @{h}", xrpc_query(self.client, "app.bsky.feed.getAuthorFeed"),
                    {"actor": h, "limit": self.page_size, "cursor": page}, "feed"))))
        return out

    def _page(self, what: str, fn: Callable[..., Any], params: dict[str, Any], field: str) -> tuple[list, Any]:
        body = self.api.call(what, fn, {k: v for k, v in params.items() if v is not None})
        if not isinstance(body, dict):
            raise StreamStop(http.Malformed(f"malformed answer from Bluesky for {what}; nothing from it was stored"))
        items = body.get(field) or []
        if field == "feed":  # author feeds: skip reposts (someone else's post), keep their own posts and replies
            items = [i["post"] for i in items if not i.get("reason")]
        return items, body.get("cursor")

    def _convert(self, what: str, convert: Callable[[Mapping[str, Any]], Any], items: Iterable[Mapping[str, Any]]):
        try:
            return [convert(i) for i in items]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StreamStop(http.Malformed(f"malformed post from Bluesky in {what} ({type(exc).__name__}: {exc}); "
                                            "nothing from that page was stored")) from None

    def _posts(self, cursor: StreamCursor, what: str, page: Callable[[Any], tuple[list, Any]]) -> Iterator[Item]:
        now = self.now()
        yield from self.newest_first(
            cursor, page, ident=lambda v: str(v["uri"]), position=lambda v: str(v["indexedAt"]), what=what,
            to_posts=lambda items: self._convert(what, lambda v: post_view_to_post(
                v, source=self.name, retrieved_at=now), items))

    def _notifications(self, cursor: StreamCursor) -> Iterator[Item]:
        now = self.now()
        notifications = xrpc_query(self.client, "app.bsky.notification.listNotifications")

        def page(token: Any) -> tuple[list, Any]:
            body = self.api.call("notifications", notifications, {"limit": self.page_size, "cursor": token})
            if not isinstance(body, dict):
                raise StreamStop(http.Malformed("malformed answer from Bluesky for notifications; nothing stored"))
            return body.get("notifications") or [], body.get("cursor")

        yield from self.newest_first(
            cursor, page, ident=lambda n: str(n["uri"]), position=lambda n: str(n["indexedAt"]), what="notifications",
            to_posts=lambda items: self._convert("notifications", lambda n: notification_to_post(
                n, source=self.name, retrieved_at=now), [n for n in items if n.get("reason") in MENTION_REASONS]))


# --- replies -----------------------------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_MENTION = re.compile(r"(?<![\w@])@([a-zA-Z0-9][a-zA-Z0-9.-]*\.[a-zA-Z]{2,})")
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(in_reply_to: str, text: str) -> str:
    """A record key (TID syntax: 13 base32-sortable characters) that only this reply to that post has."""
    n = int.from_bytes(hashlib.sha256(f"{in_reply_to}\x00{text}".encode()).digest()[:8], "big") >> 1
    return "".join(_TID_CHARS[(n >> (60 - 5 * i)) & 31] for i in range(13))


def facets(text: str, resolve: Callable[[str], str | None]) -> list[dict]:
    """Link and mention facets: byte offsets into the UTF-8 text, a mention's DID from ``resolve(handle)``."""
    out = []
    for match in _URL.finditer(text):
        start, end = len(text[:match.start()].encode()), len(text[:match.end()].encode())
        out.append({"$type": "app.bsky.richtext.facet", "index": {"byteStart": start, "byteEnd": end},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group(0)}]})
    for match in _MENTION.finditer(text):
        did = resolve(match.group(1).lower())
        if did:
            start, end = len(text[:match.start()].encode()), len(text[:match.end()].encode())
            out.append({"$type": "app.bsky.richtext.facet", "index": {"byteStart": start, "byteEnd": end},
                        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]})
    return sorted(out, key=lambda f: f["index"]["byteStart"])


class BlueskyReplySender:
    def __init__(self, client: Client, *, identifier: str | None, app_password: str | None,
                 env_names: tuple[str, str] = ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD"),
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 now: Callable[[], datetime] = utcnow):
        self.client, self.now = client, now
        self.api = _Api(client, env_names[1], max_retries=2, max_wait_seconds=30.0, sleep=sleep, clock=clock)
        self._login = (identifier, app_password, env_names)
        self._did: str | None = None

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return self.api.call(what, fn, *args, **kwargs)
        except StreamStop as stop:
            raise stop.error from None

    def _repo(self) -> str:
        if self._did is None:
            login(self.api, *self._login)
            self._did = self._call("our session", self.client.com.atproto.server.get_session)["did"]
        return self._did

    def _existing(self, repo: str, rkey: str) -> str | None:
        try:
            found = self.api.call("our reply", self.client.com.atproto.repo.get_record,
                                  params={"repo": repo, "collection": "app.bsky.feed.post", "rkey": rkey})
        except StreamStop as stop:
            if isinstance(stop.error, http.NotFound) or "RecordNotFound" in str(stop.error):
                return None
            raise stop.error from None
        return found.get("uri")

    def send_reply(self, in_reply_to_native_id: str, text: str) -> str:
        text = text.strip()
        if not text:
            raise SourceError("the reply is empty; nothing was sent")
        if len(text) > REPLY_LIMIT:
            raise SourceError(f"the reply is too long for Bluesky: {len(text)} characters (limit {REPLY_LIMIT})")
        repo = self._repo()
        rkey = record_key(in_reply_to_native_id, text)
        existing = self._existing(repo, rkey)
        if existing:
            return existing  # sent before (a retry after a lost answer): nothing is posted twice
        posts = self._call("the post replied to", self.client.app.bsky.feed.get_posts,
                           params={"uris": [in_reply_to_native_id]}).get("posts") or []
        if not posts:
            raise SourceError("Bluesky no longer has the post replied to (deleted?); nothing was sent")
        parent = posts[0]
        parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
        root_ref = ((parent.get("record") or {}).get("reply") or {}).get("root") or parent_ref
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post", "text": text,
            "createdAt": self.now().astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "reply": {"root": {"uri": root_ref["uri"], "cid": root_ref["cid"]}, "parent": parent_ref},
            "langs": ["en"],
        }
        found = facets(text, self._resolve)
        if found:
            record["facets"] = found
        created = self._call("posting the reply", self.client.com.atproto.repo.create_record,
                             data={"repo": repo, "collection": "app.bsky.feed.post", "rkey": rkey, "record": record})
        return str(created["uri"])

    def find_reply(self, in_reply_to_native_id: str, text: str) -> str | None:
        return self._existing(self._repo(), record_key(in_reply_to_native_id, text.strip()))

    def _resolve(self, handle: str) -> str | None:
        try:
            return self.api.call(f"@{handle}", self.client.com.atproto.identity.resolve_handle,
                                 params={"handle": handle}).get("did")
        except StreamStop:
            return None
