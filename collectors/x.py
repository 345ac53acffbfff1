"""The X (Twitter) collector and reply sender, on ``tweepy.Client`` (API v2).

Streams, each with its own cursor in the source state:

* ``mentions``            — ``GET /2/users/:our_id/mentions``
* ``own``                 — ``GET /2/users/:our_id/tweets``: our posts and replies (reciprocity)
* ``timeline:<handle>``   — ``GET /2/users/:id/tweets`` for each key client's X handle
* ``search:<query>``      — ``GET /2/tweets/search/recent`` for each configured query

Every request asks for ``expansions=author_id,referenced_tweets.id,in_reply_to_user_id`` and the
user/tweet fields ``collectors.x_shapes`` maps; pages are read one by one (``Paginator.flatten()``
would drop ``includes``), so every tweet is joined to its author from ``includes.users``.

Cursors. X returns newest first. A stream's state is::

    {"since_id": "<committed>",            # everything newer than this... up to
     "pending_newest": "<id>",             # ...this is being walked (None when caught up)
     "next_token": "<token>",              # where the walk continues
     "until_id": "<oldest id stored>",     # the same place, should the token be refused
     "walked": 212,                        # tweets seen in this walk (the mentions 800 check)
     "seen": ["<id>", ...],                # capped SeenIds at the boundary
     "retry_at": "<iso>"}                  # only while rate limited

``since_id`` jumps to ``pending_newest`` only in the checkpoint after the LAST page of the walk, so a
crash half-way resumes with ``next_token`` (or ``until_id``) and never skips the gap. Each page's posts
are followed by a ``Checkpoint`` carrying the whole source state::

    {"version": 1, "user_ids": {"<handle lower>": "<id>"}, "streams": {"<stream>": {...}}}

Errors: 429 waits for ``x-rate-limit-reset`` only up to ``max_wait_seconds``, otherwise the stream stops
for this run and, after the other streams ran, ``RateLimited(retry_at=...)`` is raised. 5xx and timeouts
are retried ``max_retries`` times with backoff. 401 → ``CredentialsError`` naming the env var; 403 → the
access level needed. A malformed body stops that stream: recorded as the source's error, nothing stored
from it. Other streams still run; the run ends with the collected errors.
"""
from __future__ import annotations

import os
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping

import requests
import tweepy

from collectors import http, http_policy, redact
from collectors.base import (
    MONTH_USAGE_KEY, Checkpoint, CredentialsError, FollowersPage, Identity, Item, RateLimited, SeenIds, SourceError, utcnow,
)
from collectors.secrets import source_secrets
from collectors.x_shapes import tweets_from_page, user_to_identity

STATE_VERSION = 1
PAGE_SIZE = 100
SEEN_CAP = 200
MENTIONS_REACH = 800  # GET /2/users/:id/mentions only reaches back this many tweets
SEARCH_REACH = timedelta(days=7)  # recent search only covers the last 7 days
DEFAULT_RETRY_AFTER = timedelta(minutes=15)  # a 429 without x-rate-limit-reset
TWEET_LIMIT = 280

EXPANSIONS = ["author_id", "referenced_tweets.id", "in_reply_to_user_id"]
TWEET_FIELDS = [
    "id", "text", "author_id", "created_at", "conversation_id", "in_reply_to_user_id", "referenced_tweets",
    "entities", "lang", "public_metrics",
]
USER_FIELDS = ["id", "name", "username", "public_metrics", "description", "created_at", "url", "verified"]

_TWITTER_EPOCH_MS = 1288834974657


def snowflake_time(tweet_id: str | int) -> datetime:
    """When an X id was minted (ids are Snowflakes: milliseconds since 2010-11-04 in the top bits)."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + _TWITTER_EPOCH_MS) / 1000, timezone.utc)


def _max_id(*ids: str | None) -> str | None:
    present = [i for i in ids if i]
    return max(present, key=int) if present else None


# --- HTTP: timeouts, retries, error mapping ----------------------------------------------------


API_URL = "https://api.twitter.com"  # tweepy's endpoint; redirects may not leave it


def make_client(timeout: float, **credentials: str | None) -> tweepy.Client:
    """A ``tweepy.Client`` that returns plain dicts (the v2 JSON), on a session under the HTTP policy
    (connect, headers and body by one deadline, capped bodies, redirects only on X's own host)."""
    redact.register(*credentials.values())
    client = tweepy.Client(**credentials, return_type=dict, wait_on_rate_limit=False)
    client.session = http_policy.PolicySession(timeout, http_policy.RedirectPolicy([API_URL]))
    return client


class _BudgetStop(Exception):
    """The next request could pass ``x.monthly_budget``: every X stream stops for this run, with a note."""


class _StreamStop(Exception):
    """This stream cannot go on this run. ``error`` is what the run will report."""

    def __init__(self, error: SourceError, status: int | None = None):
        super().__init__(str(error))
        self.error = error
        self.status = status


def _api_detail(exc: tweepy.HTTPException) -> str:
    """The API's own words (title/detail/errors), short, without echoing request headers."""
    try:
        body = exc.response.json()
    except Exception:
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        for key in ("title", "detail", "reason"):
            if isinstance(body.get(key), str) and body[key] not in parts:
                parts.append(body[key])
    parts.extend(m for m in exc.api_messages if m not in parts)
    text = "; ".join(str(p) for p in parts)
    return (": " + redact.redact_cut(text, 300)) if text else ""  # redacted before it is cut


def _reset_at(exc: tweepy.HTTPException, now: datetime) -> datetime | None:
    """The rate-limit reset X sent (an epoch in x-rate-limit-reset), capped by the one HTTP policy."""
    headers = exc.response.headers if exc.response is not None else {}
    value = headers.get("x-rate-limit-reset") or getattr(exc, "reset_time", None)
    return http_policy.retry_at(value, now, form="epoch")


def _status(exc: tweepy.HTTPException) -> int | None:
    return getattr(exc.response, "status_code", None)


@dataclass
class _Http:
    """One place for retries, rate-limit waits and turning failures into messages that say what to do."""

    bearer_token_env: str
    max_wait_seconds: float
    max_retries: int
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    backoff: float = 2.0
    max_rate_waits: int = 2

    def call(self, what: str, fn: Callable[..., Any], **params: Any) -> dict[str, Any]:
        """``fn(**params)``'s v2 page, through the shared retry layer (collectors/http.py): 5xx and timeouts
        backed off with jitter ``max_retries`` times, a 429 waited for when its reset is near."""

        def attempt() -> dict[str, Any]:
            try:
                body = fn(**params)
            except tweepy.TooManyRequests as exc:
                now = datetime.fromtimestamp(self.clock(), timezone.utc)
                reset_at = _reset_at(exc, now)
                raise http.Retry("HTTP 429", retry_at=reset_at, rate_limited=True) from None
            except tweepy.Unauthorized as exc:
                raise CredentialsError(
                    f"X rejected the bearer token for {what} (HTTP 401{_api_detail(exc)}): put the app's Bearer Token "
                    f"in the environment variable {self.bearer_token_env} (Developer Portal → your app → Keys and tokens)"
                ) from None
            except tweepy.Forbidden as exc:
                raise _StreamStop(
                    CredentialsError(
                        f"X refused {what} (HTTP 403{_api_detail(exc)}): the app behind {self.bearer_token_env} needs "
                        "API access that includes this endpoint (reading mentions, timelines and recent search needs "
                        "the Basic tier or higher, and the app must belong to a Project)"
                    ),
                    403,
                ) from None
            except tweepy.TwitterServerError as exc:
                raise http.Retry(f"HTTP {_status(exc)}{_api_detail(exc)}") from None
            except (requests.Timeout, requests.ConnectionError) as exc:
                raise http.Retry(f"{type(exc).__name__} (no answer)") from None
            except tweepy.HTTPException as exc:  # 400, 404, other 4xx: retrying will not help
                raise _StreamStop(
                    SourceError(f"X answered HTTP {_status(exc)} for {what}{_api_detail(exc)}; check the source's settings"),
                    _status(exc),
                ) from None
            except ValueError as exc:  # requests.JSONDecodeError: a 2xx whose body is not JSON
                raise _StreamStop(SourceError(
                    f"malformed JSON from X for {what} ({exc}); nothing from that page was stored, it is retried next run"
                )) from None
            if not isinstance(body, dict) or not isinstance(body.get("data", []), (list, dict)) \
                    or not isinstance(body.get("includes", {}), dict) or not isinstance(body.get("meta", {}), dict):
                raise _StreamStop(SourceError(
                    f"malformed response from X for {what} (not a v2 page); nothing from it was stored, "
                    "it is retried next run"
                ))
            return body

        def give_up(retry: http.Retry, attempts: int) -> BaseException:
            if retry.rate_limited:
                now = datetime.fromtimestamp(self.clock(), timezone.utc)
                retry_at = retry.retry_at or now + DEFAULT_RETRY_AFTER
                return _StreamStop(
                    RateLimited(f"X rate limit for {what} (HTTP 429); resets {retry_at:%Y-%m-%d %H:%M:%S} UTC",
                                retry_at=retry_at), 429)
            return _StreamStop(SourceError(
                f"X failed for {what} after {attempts} attempts ({retry.failure}); will try again next run"))

        return http.with_retries(attempt, give_up=give_up, max_retries=self.max_retries,
                                 max_wait_seconds=self.max_wait_seconds, max_rate_waits=self.max_rate_waits,
                                 backoff=http.Backoff(initial=1.0, base=self.backoff, maximum=60.0),
                                 sleep=self.sleep, clock=self.clock)


# --- followers ---------------------------------------------------------------------------------



# --- streams -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stream:
    key: str  # state key
    what: str  # for messages
    method: str  # tweepy.Client method
    token_param: str  # "pagination_token" (user endpoints) or "next_token" (search)
    args: tuple[tuple[str, str], ...]  # positional-ish arguments (id= / query=)
    handle: str | None = None  # user-timeline streams resolve this handle to an id first


class XCollector:
    """Collects mentions, our own posts, key clients' timelines and recent searches from X."""

    def __init__(
        self,
        name: str,
        client: tweepy.Client,
        *,
        account: str | None = None,
        queries: Iterable[str] = (),
        client_handles: Iterable[str] = (),
        mentions: bool = True,
        own_posts: bool = True,
        followers: bool = False,
        followers_every_hours: float = 24.0,
        our_handles: Iterable[str] = (),
        max_pages_per_run: int = 5,
        max_wait_seconds: float = 60.0,
        max_retries: int = 3,
        bearer_token_env: str = "X_BEARER_TOKEN",
        now: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        page_size: int = PAGE_SIZE,
        pricing: Any = None,
    ):
        self.name = name
        self.client = client
        self.account = account.strip().lstrip("@") if account else None
        self.queries = [q for q in queries if q.strip()]
        self.client_handles = list(dict.fromkeys(h.strip().lstrip("@") for h in client_handles if h.strip()))
        self.mentions = mentions
        self.own_posts = own_posts
        self.followers = followers
        self.followers_every = timedelta(hours=followers_every_hours)
        self.our_handles = {h.lower().lstrip("@") for h in our_handles} | ({self.account.lower()} if self.account else set())
        self.max_pages = max_pages_per_run
        self.now = now
        self.clock = clock
        self.page_size = page_size
        self.mentions_reach = MENTIONS_REACH
        self.mentions_slack = 50  # "about 800": a walk this close to the reach may have lost older mentions
        self.http = _Http(bearer_token_env, max_wait_seconds, max_retries, sleep, clock)
        self.pricing = pricing  # x: price_per_read, monthly_budget (collectors/platforms/x.py XSettings)
        self._month = {"reads": 0, "writes": 0}
        self._unrecorded: dict[str, int] = {}
        if (mentions or own_posts or followers) and not self.account:
            raise SourceError(
                f"source {name!r}: set me.handles.x (our X username) or 'account' in config.yaml, "
                "or turn off 'mentions', 'own_posts' and 'followers'"
            )

    # -- construction from config.yaml -------------------------------------------------------

    @classmethod
    def from_config(cls, source: Any, config: Any, secrets: Mapping[str, str | None] | None = None,
                    **overrides: Any) -> "XCollector":
        """``source`` is a ``collectors.platforms.x.XSource``; ``config`` the whole ``Config``; ``secrets`` the
        values of the variables the source names (``collectors.secrets.source_secrets``), read by the caller."""
        if secrets is None:
            secrets = source_secrets(source)
        token = secrets.get("bearer_token")
        redact.register(token)
        if not token:
            raise CredentialsError(
                f"source {source.name!r}: set the environment variable {source.bearer_token_env} to the X app's "
                "Bearer Token (Developer Portal → your app → Keys and tokens)"
            )
        client = overrides.pop("client", None) or make_client(source.timeout_seconds, bearer_token=token)
        handles = [h for kc in config.key_clients for h in kc.handles.x] if source.client_timelines else []
        ours = config.our_handles().get("x", set())
        account = source.account or (config.me.handles.x[0] if config.me.handles.x else None)
        kwargs: dict[str, Any] = dict(
            account=account,
            queries=source.queries,
            client_handles=[h for h in handles if h.lower() not in ours],
            mentions=source.mentions,
            own_posts=source.own_posts,
            followers=source.followers,
            followers_every_hours=source.followers_every_hours,
            our_handles=ours,
            max_pages_per_run=source.max_pages_per_run,
            max_wait_seconds=source.max_wait_seconds,
            max_retries=source.max_retries,
            bearer_token_env=source.bearer_token_env,
            now=config.now,
            pricing=getattr(config, "x", None),
        )
        kwargs.update(overrides)
        return cls(source.name, client, **kwargs)

    # -- the streams this configuration reads -----------------------------------------------

    def streams(self) -> list[_Stream]:
        out: list[_Stream] = []
        if self.mentions:
            out.append(_Stream("mentions", f"mentions of @{self.account}", "get_users_mentions", "pagination_token",
                               (), self.account))
        if self.own_posts:
            out.append(_Stream("own", f"posts of @{self.account}", "get_users_tweets", "pagination_token",
                               (), self.account))
        for handle in self.client_handles:
            out.append(_Stream(f"timeline:{handle.lower()}", f"posts of @{handle}", "get_users_tweets",
                               "pagination_token", (), handle))
        for query in self.queries:
            out.append(_Stream(f"search:{query}", f"search {query!r}", "search_recent_tweets", "next_token",
                               (("query", query),)))
        if self.followers:
            out.append(_Stream("followers", f"followers of @{self.account}", "get_users_followers",
                               "pagination_token", (), self.account))
        return out

    # -- the run ------------------------------------------------------------------------------

    def fetch(self, state: dict[str, Any]) -> Iterator[Item | FollowersPage]:
        streams = self.streams()
        wanted = {s.key for s in streams}
        old_streams = state.get("streams") if isinstance(state.get("streams"), dict) else {}
        self._state: dict[str, Any] = {
            "version": STATE_VERSION,
            "user_ids": dict(state.get("user_ids") or {}),
            "streams": {k: dict(v) for k, v in old_streams.items() if k in wanted and isinstance(v, dict)},
        }
        errors: list[SourceError] = []
        limited: list[RateLimited] = []
        notes: list[str] = []
        month = state.get(MONTH_USAGE_KEY) if isinstance(state.get(MONTH_USAGE_KEY), dict) else {}
        self._month = {"reads": int(month.get("reads") or 0), "writes": int(month.get("writes") or 0)}
        self._unrecorded = {}

        lookup_note = None
        try:
            lookup_note = self._resolve_users(streams)
        except _BudgetStop as stop:
            yield Checkpoint(self._snapshot(), str(stop), self._take_usage())
            return
        except _StreamStop as stop:
            errors.append(stop.error)
            if isinstance(stop.error, RateLimited):
                limited.append(stop.error)
        if lookup_note:
            notes.append(lookup_note)

        now_ts = self.clock()
        for stream in streams:
            user_id = None
            if stream.handle is not None:
                user_id = self._state["user_ids"].get(stream.handle.lower())
                if user_id is None:
                    continue  # the lookup failed or the account does not exist; already reported
            sstate = self._state["streams"].setdefault(stream.key, {})
            retry_at = sstate.get("retry_at")
            if retry_at and datetime.fromisoformat(retry_at).timestamp() > now_ts:
                limited.append(RateLimited(f"{stream.what} still rate limited", datetime.fromisoformat(retry_at)))
                continue
            sstate.pop("retry_at", None)
            try:
                if stream.key == "followers":
                    yield from self._walk_followers(stream, user_id, notes)
                else:
                    yield from self._walk(stream, user_id, notes)
            except _BudgetStop as stop:  # every X stream stops: the budget is the account's
                notes.append(str(stop))
                break
            except _StreamStop as stop:
                if isinstance(stop.error, RateLimited):
                    limited.append(stop.error)
                    if stop.error.retry_at:
                        self._stream_state(stream)["retry_at"] = stop.error.retry_at.isoformat()
                        yield Checkpoint(self._snapshot(), usage=self._take_usage())
                else:
                    errors.append(stop.error)

        if notes or self._unrecorded:  # reads of a failed page are billed too: recorded with the committed state
            yield Checkpoint(self._snapshot(), "; ".join(notes) or None, self._take_usage())
        others = [e for e in errors if not isinstance(e, RateLimited)]
        if limited:
            retry_at = min((r.retry_at for r in limited if r.retry_at), default=None)
            message = "; ".join(str(e) for e in limited + others)
            raise RateLimited(message, retry_at=retry_at)
        if others:
            kind = CredentialsError if any(isinstance(e, CredentialsError) for e in others) else SourceError
            raise kind("; ".join(str(e) for e in others))

    def _snapshot(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "user_ids": dict(self._state["user_ids"]),
            "streams": {k: dict(v) for k, v in self._state["streams"].items()},
        }

    def _stream_state(self, stream: _Stream) -> dict[str, Any]:
        return self._state["streams"].setdefault(stream.key, {})

    def _commit(self, stream: _Stream, working: dict[str, Any], note: str | None = None) -> Checkpoint:
        """A checkpoint for everything yielded so far, with this stream's working cursor and its reads."""
        self._state["streams"][stream.key] = {k: v for k, v in working.items() if v is not None}
        return Checkpoint(self._snapshot(), note, self._take_usage())

    # -- what reading costs ---------------------------------------------------------------------

    def _count(self, stream_key: str, page: Mapping[str, Any]) -> None:
        """X bills every post (or user) a page returns: its data and the posts it includes."""
        data = page.get("data") or []
        includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
        n = (len(data) if isinstance(data, list) else 1) + len(includes.get("tweets") or [])
        self._unrecorded[stream_key] = self._unrecorded.get(stream_key, 0) + n
        self._month["reads"] += n

    def _take_usage(self) -> dict[str, int]:
        usage, self._unrecorded = self._unrecorded, {}
        return usage

    def _guard(self, reserve: int) -> None:
        """Stop before a request whose answer (up to ``reserve`` posts) could pass the monthly budget."""
        if self.pricing is None or getattr(self.pricing, "monthly_budget", None) is None:
            return
        note = self.pricing.budget_note(self._month["reads"], self._month["writes"], now=self.now(), reserve=reserve)
        if note:
            raise _BudgetStop(note)

    def _resolve_users(self, streams: list[_Stream]) -> str | None:
        """Usernames → ids, once (cached in the state). Returns a note for handles X does not know."""
        known = self._state["user_ids"]
        missing = sorted({s.handle.lower() for s in streams if s.handle and s.handle.lower() not in known})
        unknown: list[str] = []
        for i in range(0, len(missing), 100):
            chunk = missing[i:i + 100]
            self._guard(len(chunk))
            body = self.http.call("user lookup", self.client.get_users, usernames=chunk, user_fields=["id", "username"])
            self._count("user lookup", body)
            data = body.get("data") or []
            for user in data if isinstance(data, list) else [data]:
                if isinstance(user, dict) and user.get("username") and user.get("id"):
                    known[str(user["username"]).lower()] = str(user["id"])
            unknown += [h for h in chunk if h.lower() not in known]
        if not unknown:
            return None
        if self.account and self.account.lower() in {u.lower() for u in unknown}:
            raise _StreamStop(SourceError(
                f"X has no account @{self.account} (suspended, renamed or a typo): fix me.handles.x or 'account' "
                "in config.yaml"
            ))
        return "X has no account " + ", ".join(f"@{h}" for h in unknown) + " (suspended or renamed?); skipped"

    def _params(self, stream: _Stream, user_id: str | None) -> dict[str, Any]:
        params: dict[str, Any] = dict(stream.args)
        if user_id is not None:
            params["id"] = user_id
        params.update(
            max_results=self.page_size, expansions=EXPANSIONS, tweet_fields=TWEET_FIELDS, user_fields=USER_FIELDS,
        )
        return params

    def _walk(self, stream: _Stream, user_id: str | None, notes: list[str]) -> Iterator[Item]:
        """Pages of one stream, newest first, down to its committed since_id (or the page bound)."""
        s = dict(self._stream_state(stream))  # a working copy; committed only with a Checkpoint
        fn = getattr(self.client, stream.method)
        since = s.get("since_id")
        if since and stream.method == "search_recent_tweets" and self.now() - snowflake_time(since) > SEARCH_REACH - timedelta(minutes=5):
            notes.append(f"{stream.what}: last run more than 7 days ago; recent search cannot reach the gap")
            since = None
            s.pop("since_id", None)
            for k in ("pending_newest", "next_token", "until_id", "walked"):
                s.pop(k, None)
        seen = SeenIds(s.get("seen") or (), cap=SEEN_CAP)
        pages = 0
        while pages < self.max_pages:
            params = self._params(stream, user_id)
            if since:
                params["since_id"] = since
            resuming = bool(s.get("pending_newest"))
            if resuming and s.get("next_token"):
                params[stream.token_param] = s["next_token"]
            elif resuming and s.get("until_id"):
                params["until_id"] = s["until_id"]
            self._guard(2 * self.page_size)  # a page's tweets and the tweets it includes
            try:
                page = self.http.call(stream.what, fn, **params)
            except _StreamStop as stop:
                if stop.status == 400 and stream.token_param in params and s.get("until_id"):
                    s.pop("next_token", None)  # an expired token: the same place again, by id
                    continue
                raise
            pages += 1
            self._count(stream.key, page)
            data = page.get("data") or []
            if isinstance(data, dict):
                data = [data]
            meta = page.get("meta") or {}
            ids = [str(t["id"]) for t in data if isinstance(t, dict) and t.get("id")]
            if not resuming:
                s["pending_newest"] = _max_id(meta.get("newest_id"), *ids)
                s["walked"] = 0
            retrieved_at = self.now()
            try:
                posts = [p for p in tweets_from_page(page, self.name, retrieved_at, self.our_handles, copy=False)
                         if p.native_id not in seen]
            except (KeyError, TypeError, ValueError) as exc:
                raise _StreamStop(SourceError(
                    f"malformed tweet from X in {stream.what} ({type(exc).__name__}: {exc}); nothing from that page "
                    "was stored, it is retried next run"
                )) from None
            for post in posts:
                if stream.key == "mentions" and post.kind == "post":
                    post.kind = "mention"
                seen.add(post.native_id)
                yield post
            s["seen"] = seen.to_list()
            s["walked"] = int(s.get("walked") or 0) + len(ids)
            token = meta.get("next_token")
            if token and ids:
                s["next_token"] = token
                s["until_id"] = min(ids, key=int)
                yield self._commit(stream, s)
                continue
            # caught up: the whole gap down to since_id is stored, the cursor may jump
            note = self._gap_note(stream, since, s)
            s["since_id"] = _max_id(since, s.get("pending_newest"))
            for k in ("pending_newest", "next_token", "until_id", "walked"):
                s.pop(k, None)
            yield self._commit(stream, s, note)
            return
        # the page bound was reached with the walk unfinished
        if not since and s.get("pending_newest"):
            # a first run: keep what we have, start incremental collection from the newest tweet
            s["since_id"] = s["pending_newest"]
            for k in ("pending_newest", "next_token", "until_id", "walked"):
                s.pop(k, None)
            notes.append(f"{stream.what}: first run read {pages} pages; older tweets were not collected")
        else:
            notes.append(f"{stream.what}: more than {pages} pages new; the rest is collected next run")
        yield self._commit(stream, s)

    def _walk_followers(self, stream: _Stream, user_id: str, notes: list[str]) -> Iterator[Item]:
        """All followers, 1000 a page, on a slower schedule: a full walk at most every ``followers_every``.
        A walk spans runs (``next_token``) when it is longer than the page bound."""
        s = dict(self._stream_state(stream))
        now = self.now()
        if not s.get("next_token"):
            last = s.get("last_complete_at")
            if last and now - datetime.fromisoformat(last) < self.followers_every:
                return
            s["walk_started_at"] = now.isoformat()
        started = datetime.fromisoformat(s["walk_started_at"])
        fn = getattr(self.client, stream.method)
        for _ in range(self.max_pages):
            params: dict[str, Any] = {"id": user_id, "max_results": 1000, "user_fields": USER_FIELDS}
            if s.get("next_token"):
                params["pagination_token"] = s["next_token"]
            self._guard(1000)
            page = self.http.call(stream.what, fn, **params)
            self._count(stream.key, page)
            data = page.get("data") or []
            try:
                people = [user_to_identity(u) for u in (data if isinstance(data, list) else [data])]
            except (KeyError, TypeError, AttributeError) as exc:
                raise _StreamStop(SourceError(f"malformed user from X in {stream.what} ({exc}); nothing stored")) from None
            token = (page.get("meta") or {}).get("next_token")
            yield FollowersPage("x", self.account or "", people, started, complete=not token)
            if token:
                s["next_token"] = token
                yield self._commit(stream, s)
                continue
            s.pop("next_token", None)
            s.pop("walk_started_at", None)
            s["last_complete_at"] = now.isoformat()
            yield self._commit(stream, s)
            return
        notes.append(f"{stream.what}: the list continues next run")

    def _gap_note(self, stream: _Stream, since: str | None, s: Mapping[str, Any]) -> str | None:
        if stream.key != "mentions" or not since:
            return None
        walked = int(s.get("walked") or 0)
        if walked >= self.mentions_reach - self.mentions_slack:
            return (f"{stream.what}: {walked} new mentions since the last run; X only reaches back about "
                    f"{self.mentions_reach}, so older ones may be missing (run more often, or add a search query)")
        return None


# --- sending -----------------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+|(?<![@\w])(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
_URL_WEIGHT = 23
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def tweet_length(text: str) -> int:
    """X's weighted length (twitter-text v3): URLs count 23, CJK/emoji and most non-Latin scripts 2,
    Latin, Greek, Cyrillic, Hebrew, Arabic... 1. A conservative approximation of X's own count."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    last = 0
    for m in _URL.finditer(text):
        total += _weigh(text[last:m.start()]) + _URL_WEIGHT
        last = m.end()
    return total + _weigh(text[last:])


def _weigh(text: str) -> int:
    n = 0
    for ch in text:
        cp = ord(ch)
        if 0xFE00 <= cp <= 0xFE0F or cp == 0x200D:  # emoji variation selectors and joiners weigh nothing extra
            continue
        n += 1 if any(lo <= cp <= hi for lo, hi in _LIGHT_RANGES) else 2
    return n


class XReplySender:
    """Posts a reply as our account with OAuth 1.0a user credentials (``POST /2/tweets``)."""

    CREDENTIAL_FIELDS = ("consumer_key_env", "consumer_secret_env", "access_token_env", "access_token_secret_env")

    def __init__(self, client: tweepy.Client, *, env_names: Iterable[str] = ()):
        self.client = client
        self.env_names = list(env_names) or [
            "X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"
        ]

    @classmethod
    def from_config(cls, source: Any, config: Any = None, secrets: Mapping[str, str | None] | None = None,
                    **overrides: Any) -> "XReplySender":
        if secrets is None:
            secrets = source_secrets(source)
        names = [getattr(source, f) for f in cls.CREDENTIAL_FIELDS]
        values = [secrets.get(f.removesuffix("_env")) for f in cls.CREDENTIAL_FIELDS]
        missing = [n for n, v in zip(names, values) if not v]
        if missing:
            raise CredentialsError(
                "sending on X needs OAuth 1.0a user credentials; set the environment variable"
                f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} (Developer Portal → your app → Keys and "
                "tokens; the access token must be generated with Read and Write permission)"
            )
        key, secret, token, token_secret = values
        client = overrides.pop("client", None) or make_client(
            source.timeout_seconds, consumer_key=key, consumer_secret=secret,
            access_token=token, access_token_secret=token_secret,
        )
        return cls(client, env_names=names)

    def find_reply(self, in_reply_to_native_id: str, text: str) -> str | None:
        """The id of our account's reply to tweet ``in_reply_to_native_id``, if X has one (our timeline since
        that tweet, newest 100; the same text first, else any reply to it); None when there is none."""
        try:
            me = self.client.get_me(user_auth=True)
            our_id = str(((me or {}).get("data") or {})["id"])
            page = self.client.get_users_tweets(
                id=our_id, since_id=str(in_reply_to_native_id), max_results=100,
                tweet_fields=["referenced_tweets", "text", "created_at"], user_auth=True)
        except tweepy.TweepyException as exc:
            raise SourceError(f"X did not answer the lookup ({type(exc).__name__}{_api_detail(exc) if isinstance(exc, tweepy.HTTPException) else ''})") from None
        except (requests.RequestException, KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"X did not answer the lookup ({type(exc).__name__})") from None
        replies = [t for t in (page or {}).get("data") or [] if isinstance(t, dict) and any(
            isinstance(r, dict) and r.get("type") == "replied_to" and str(r.get("id")) == str(in_reply_to_native_id)
            for r in t.get("referenced_tweets") or [])]
        wanted = " ".join(text.split())
        same = [t for t in replies if " ".join(str(t.get("text", "")).split()) == wanted]
        chosen = (same or replies)[:1]
        return str(chosen[0]["id"]) if chosen else None

    def send_reply(self, in_reply_to_native_id: str, text: str) -> str:
        """Post ``text`` as a reply to tweet ``in_reply_to_native_id``; returns the new tweet's id.

        Never retried here: a timeout may still have posted, so the caller must check before trying again."""
        if not str(in_reply_to_native_id).isdigit():
            raise SourceError(f"cannot reply on X to {in_reply_to_native_id!r}: not a tweet id")
        if not text or not text.strip():
            raise SourceError("refusing to post an empty reply on X")
        length = tweet_length(text)
        if length > TWEET_LIMIT:
            raise SourceError(
                f"reply is too long for X: {length} characters as X counts them (limit {TWEET_LIMIT}; links count "
                "23, CJK and emoji 2); shorten it"
            )
        what = f"the reply to tweet {in_reply_to_native_id}"
        try:
            body = self.client.create_tweet(text=text, in_reply_to_tweet_id=str(in_reply_to_native_id), user_auth=True)
        except tweepy.TooManyRequests as exc:
            retry_at = _reset_at(exc, utcnow()) or utcnow() + DEFAULT_RETRY_AFTER
            raise RateLimited(f"X rate limit for posting (HTTP 429); not sent, try after {retry_at:%H:%M} UTC",
                              retry_at=retry_at) from None
        except tweepy.Unauthorized as exc:
            raise CredentialsError(
                f"X rejected the user credentials for posting (HTTP 401{_api_detail(exc)}): check "
                f"{', '.join(self.env_names)}"
            ) from None
        except tweepy.Forbidden as exc:
            raise CredentialsError(
                f"X refused to post {what} (HTTP 403{_api_detail(exc)}): the app needs 'Read and Write' permission "
                f"and access tokens generated after enabling it (in {self.env_names[2]}, {self.env_names[3]}); "
                "X also refuses duplicate text and replies to tweets you cannot see"
            ) from None
        except tweepy.TwitterServerError as exc:
            raise SourceError(
                f"X answered HTTP {_status(exc)} when posting {what}{_api_detail(exc)}; it may or may not have been "
                "posted — check the account before sending again"
            ) from None
        except tweepy.HTTPException as exc:
            raise SourceError(f"X answered HTTP {_status(exc)} when posting {what}{_api_detail(exc)}; not sent") from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise SourceError(
                f"no answer from X when posting {what} ({type(exc).__name__}); it may or may not have been "
                "posted — check the account before sending again"
            ) from None
        except ValueError:
            raise SourceError(f"malformed answer from X when posting {what}; check the account before sending again") from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise SourceError(f"X accepted {what} but returned no tweet id; check the account before sending again")
        return str(data["id"])
