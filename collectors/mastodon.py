"""Mastodon through Mastodon.py: mentions and replies (notifications), hashtags, keyword search, key clients'
and our own statuses; and approved replies, posted once.

Streams, each a ``StreamCursor`` whose value is the newest status (or notification) id stored, read with
``min_id`` (pages just newer than it, stored before the cursor moves):

* ``notifications``      — mentions of us and replies to us
* ``tag:<tag>``          — a hashtag's timeline
* ``search:<query>``     — full-text search (the instance must offer it; a 404/422 is noted, not fatal)
* ``account:<acct>``     — a key client's statuses (their account id is looked up once and kept)
* ``own``                — our own statuses (reciprocity)

Instances allow about 300 requests in 5 minutes and say so in ``X-RateLimit-*`` headers; Mastodon.py is told
to raise on a 429 (``ratelimit_method="throw"``) and the shared retry layer waits for the reset when it is
near, or the stream rests until then. 5xx and timeouts are retried with backoff; 401 names the variable.
"""
from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError, MastodonNetworkError, MastodonNotFoundError, MastodonRatelimitError, MastodonServerError,
    MastodonUnauthorizedError,
)

from collectors import http, http_policy
from collectors.base import CredentialsError, Item, RateLimited, SourceError, utcnow
from collectors.mastodon_shapes import full_handle, status_to_post
from collectors.streams import Stream, StreamCollector, StreamStop, numeric_newer
from collectors.cursors import StreamCursor

PAGE_SIZE = 40
REPLY_LIMIT = 500


class JsonMastodon(Mastodon):
    """Mastodon.py returning the JSON as the instance sent it. Its entity casting (every field of every status
    checked against the type hints) costs about 10 ms a status, which would cap a collector at ~100 posts/s;
    ``collectors.mastodon_shapes`` reads the documented JSON shapes directly, as the Reddit collector does."""

    def _Mastodon__try_cast_to_type(self, value: Any, override_type: Any = None) -> tuple[Any, None]:  # noqa: N802
        return value, None

    def timeline_is_available(self, *args: Any, **kwargs: Any) -> bool:
        """Mastodon.py asks the instance's v2 description before every timeline page; a timeline that is not
        available answers 4xx on its own, which the collector reports on that stream."""
        return True


def make_client(base_url: str, token: str | None, timeout: float) -> Mastodon:
    session = http_policy.PolicySession(timeout, http_policy.RedirectPolicy([base_url]))
    return JsonMastodon(access_token=token, api_base_url=base_url, ratelimit_method="throw",
                        request_timeout=timeout, session=session, version_check_mode="none", user_agent="listenwell")


class _Api:
    """Every Mastodon.py call through the shared retry layer, its errors in words."""

    def __init__(self, client: Mastodon, token_env: str, *, max_retries: int, max_wait_seconds: float,
                 sleep: Callable[[float], None], clock: Callable[[], float]):
        self.client, self.token_env = client, token_env
        self.max_retries, self.max_wait_seconds, self.sleep, self.clock = max_retries, max_wait_seconds, sleep, clock
        self.window_resets: datetime | None = None  # the instance said no requests are left until then

    def _pace(self, what: str) -> None:
        """Before a request: if the last answer used up the window (X-RateLimit-Remaining: 0), wait for its reset
        when it is near, or stop the stream until then, rather than spend a request on a 429."""
        if self.window_resets is None:
            return
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        wait = (self.window_resets - now).total_seconds()
        if wait <= 0:
            self.window_resets = None
        elif wait <= self.max_wait_seconds:
            self.sleep(wait + 1.0)
            self.window_resets = None
        else:
            raise StreamStop(RateLimited(f"Mastodon's rate-limit window is used up before {what}; resets "
                                         f"{self.window_resets:%Y-%m-%d %H:%M:%S} UTC", retry_at=self.window_resets))

    def _note_window(self) -> None:
        now = datetime.fromtimestamp(self.clock(), timezone.utc)
        window = http.RateLimit.from_headers(getattr(self.client.session, "last_headers", None), now)
        if window is not None and window.used_up and window.reset_at is not None:
            self.window_resets = window.reset_at

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._pace(what)

        def attempt() -> Any:
            try:
                result = fn(*args, **kwargs)
                self._note_window()
                return result
            except MastodonRatelimitError:
                # the instance's own headers (Retry-After, X-RateLimit-Reset as an ISO time), read as they came
                now = datetime.fromtimestamp(self.clock(), timezone.utc)
                headers = getattr(self.client.session, "last_headers", None)
                raise http.Retry("HTTP 429", retry_at=http.retry_at_from(headers, now), rate_limited=True) from None
            except MastodonUnauthorizedError:
                raise CredentialsError(f"Mastodon refused the access token for {what} (HTTP 401): put a token with "
                                       f"read and write scopes in the environment variable {self.token_env} "
                                       "(Preferences → Development → your application)") from None
            except MastodonNotFoundError:
                raise StreamStop(http.NotFound(f"Mastodon has no {what} (HTTP 404); skipped")) from None
            except MastodonServerError as exc:
                raise http.Retry(f"HTTP {_status(exc)}") from None
            except MastodonNetworkError as exc:
                raise http.Retry(f"no answer ({str(exc)[:80]})") from None
            except MastodonAPIError as exc:
                status = _status(exc)
                if not isinstance(status, int) or 200 <= status < 300 or "Could not parse" in str(exc.args[0]):
                    raise StreamStop(http.Malformed(f"malformed answer from Mastodon for {what}; nothing from it "
                                                    "was stored, it is retried next run")) from None
                if status == 403:
                    raise StreamStop(CredentialsError(f"Mastodon refused {what} (HTTP 403): the token needs the "
                                                      "read scope")) from None
                raise StreamStop(SourceError(f"Mastodon answered HTTP {status} for {what}; skipped")) from None
            except (KeyError, TypeError, ValueError) as exc:
                raise StreamStop(http.Malformed(f"malformed answer from Mastodon for {what} ({type(exc).__name__})"
                                                )) from None

        def give_up(retry: http.Retry, attempts: int) -> BaseException:
            if retry.rate_limited:
                when = retry.retry_at or utcnow() + timedelta(minutes=5)
                return StreamStop(RateLimited(f"Mastodon rate limit for {what}; resets {when:%Y-%m-%d %H:%M:%S} UTC",
                                              retry_at=when))
            return StreamStop(SourceError(f"Mastodon failed for {what} after {attempts} attempts ({retry.failure}); "
                                          "will try again next run"))

        return http.with_retries(attempt, give_up=give_up, max_retries=self.max_retries,
                                 max_wait_seconds=self.max_wait_seconds, sleep=self.sleep, clock=self.clock)


def _status(exc: Exception) -> Any:
    return exc.args[1] if len(exc.args) > 1 else None


class MastodonCollector(StreamCollector):
    def __init__(self, name: str, client: Mastodon, *, instance: str, hashtags: Iterable[str] = (),
                 queries: Iterable[str] = (), client_accounts: Iterable[str] = (), mentions: bool = True,
                 own_posts: bool = True, max_pages_per_run: int = 5, max_retries: int = 3,
                 max_wait_seconds: float = 60.0, token_env: str = "MASTODON_ACCESS_TOKEN",
                 now: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, page_size: int = PAGE_SIZE):
        self.name, self.client, self.page_size = name, client, page_size
        self.instance_host = (urlsplit(instance).hostname or instance).lower()
        self.hashtags = [t.strip().lstrip("#") for t in hashtags if t.strip()]
        self.queries = [q for q in queries if q.strip()]
        self.client_accounts = [a.strip().lstrip("@").lower() for a in client_accounts if a.strip()]
        self.mentions, self.own_posts = mentions, own_posts
        self.max_pages, self.now = max_pages_per_run, now
        self.api = _Api(client, token_env, max_retries=max_retries, max_wait_seconds=max_wait_seconds,
                        sleep=sleep, clock=clock)

    # -- streams -----------------------------------------------------------------------------------

    def prepare(self, extra: dict[str, Any]) -> str | None:
        ids = extra.setdefault("account_ids", {})
        if (self.mentions or self.own_posts) and "me" not in ids:
            me = self.api.call("our account", self.client.account_verify_credentials)
            ids["me"] = str(me["id"])
        missing, unknown = [a for a in self.client_accounts if a not in ids], []
        for acct in missing:
            try:
                ids[acct] = str(self.api.call(f"account @{acct}", self.client.account_lookup, acct)["id"])
            except StreamStop:
                unknown.append(acct)
        return ("Mastodon has no account " + ", ".join(f"@{a}" for a in unknown) + "; skipped") if unknown else None

    def streams(self) -> list[Stream]:
        ids = self._extra.get("account_ids", {})
        out: list[Stream] = []
        if self.mentions and ids.get("me"):
            out.append(Stream("notifications", "mentions and replies", self._notifications))
        for tag in self.hashtags:
            out.append(Stream(f"tag:{tag.lower()}", f"#{tag}", lambda c, t=tag: self._statuses(
                c, f"#{t}", lambda min_id: self.client.timeline_hashtag(t, min_id=min_id, limit=self.page_size))))
        for query in self.queries:
            out.append(Stream(f"search:{query}", f"search {query!r}", lambda c, q=query: self._statuses(
                c, f"search {q!r}", lambda min_id: self.client.search_v2(
                    q, result_type="statuses", min_id=min_id, limit=self.page_size, resolve=False)["statuses"])))
        for acct in self.client_accounts:
            if acct in ids:
                out.append(Stream(f"account:{acct}", f"statuses of @{acct}", lambda c, i=ids[acct], a=acct: self._statuses(
                    c, f"statuses of @{a}",
                    lambda min_id: self.client.account_statuses(i, min_id=min_id, limit=self.page_size))))
        if self.own_posts and ids.get("me"):
            out.append(Stream("own", "our statuses", lambda c: self._statuses(
                c, "our statuses", lambda min_id: self.client.account_statuses(ids["me"], min_id=min_id,
                                                                               limit=self.page_size))))
        return out

    def _posts(self, statuses: Iterable[Mapping[str, Any]], what: str, mentioned: bool = False) -> list:
        now = self.now()
        try:
            return [status_to_post(s, instance_host=self.instance_host, source=self.name, retrieved_at=now,
                                   mentioned=mentioned) for s in statuses]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StreamStop(http.Malformed(f"malformed status from Mastodon in {what} ({type(exc).__name__}: "
                                            f"{exc}); nothing from that page was stored")) from None

    def _statuses(self, cursor: StreamCursor, what: str, page: Callable[[Any], Any]) -> Iterator[Item]:
        yield from self.forward(
            cursor, lambda min_id: self.api.call(what, page, min_id), ident=lambda s: str(s["id"]),
            to_posts=lambda items: self._posts(items, what), newer=numeric_newer, page_size=self.page_size)

    def _notifications(self, cursor: StreamCursor) -> Iterator[Item]:
        def page(min_id: Any) -> list:
            found = self.api.call("notifications", self.client.notifications, min_id=min_id, limit=self.page_size,
                                  types=["mention"])
            return list(found)

        def posts(notes: Iterable[Mapping[str, Any]]) -> list:
            return self._posts([n["status"] for n in notes if n.get("type") == "mention" and n.get("status")],
                               "notifications", mentioned=True)

        yield from self.forward(cursor, page, ident=lambda n: str(n["id"]), to_posts=posts, newer=numeric_newer,
                                page_size=self.page_size)


# --- replies -----------------------------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@([A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def toot_length(text: str) -> int:
    """As Mastodon counts: every URL is 23 characters and ``@user@domain`` counts as ``@user``."""
    text = _URL.sub("x" * 23, text)
    return len(_MENTION.sub(lambda m: "@" + m.group(1), text))


VISIBILITY = ("public", "unlisted", "private", "direct")  # each wider than the next


class MastodonReplySender:
    """Posts an approved reply once: in reply to the status, mentioning its author, never more visible than it,
    with an Idempotency-Key so that a retried request cannot post twice."""

    def __init__(self, client: Mastodon, instance: str, *, token_env: str = "MASTODON_ACCESS_TOKEN",
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time):
        self.client = client
        self.instance_host = (urlsplit(instance).hostname or instance).lower()
        self.api = _Api(client, token_env, max_retries=2, max_wait_seconds=30.0, sleep=sleep, clock=clock)

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return self.api.call(what, fn, *args, **kwargs)
        except StreamStop as stop:
            raise stop.error from None

    def send_reply(self, in_reply_to_native_id: str, text: str) -> str:
        text = text.strip()
        if not text:
            raise SourceError("the reply is empty; nothing was sent")
        parent = self._call("the status replied to", self.client.status, in_reply_to_native_id)
        author = full_handle(parent["account"], self.instance_host)
        if f"@{author.split('@')[0]}" not in text.lower():
            text = f"@{author} {text}"
        if toot_length(text) > REPLY_LIMIT:
            raise SourceError(f"the reply is too long for Mastodon: {toot_length(text)} characters "
                              f"(limit {REPLY_LIMIT})")
        visibility = parent.get("visibility") if parent.get("visibility") in VISIBILITY else "unlisted"
        key = hashlib.sha256(f"{in_reply_to_native_id}\x00{text}".encode()).hexdigest()[:32]
        status = self._call("posting the reply", self.client.status_post, text, in_reply_to_id=in_reply_to_native_id,
                            visibility=visibility, idempotency_key=key)
        return str(status["id"])

    def find_reply(self, in_reply_to_native_id: str, text: str) -> str | None:
        """Our reply to that status, if the instance has one (looked up before a send is retried)."""
        me = self._call("our account", self.client.account_verify_credentials)
        for status in self._call("our statuses", self.client.account_statuses, me["id"], limit=PAGE_SIZE):
            if str(status.get("in_reply_to_id")) == str(in_reply_to_native_id):
                return str(status["id"])
        return None
