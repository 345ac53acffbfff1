"""Reddit through its API, with ``praw`` (script app; read-only where possible).

``RedditCollector`` reads several *streams*, each with its own cursor:

* ``r/<sub>/new`` and ``r/<sub>/comments`` for every configured subreddit, kept only when they
  match one of the configured keyword ``queries`` (all of them when there are no queries);
  with queries but no subreddits, a site-wide ``search/<query>`` (submissions; Reddit's search
  does the matching) per query;
* ``inbox/mentions``, ``inbox/comments`` (replies to our comments) and ``inbox/selfreply``
  (replies to our submissions), when ``inbox`` is on and a username and password are set;
* ``u/<client>/overview`` (submissions and comments) of every key client's Reddit account;
* ``u/<me>/comments``, our own comments (reciprocity; replies to them are linked to them).

Everything is fetched as the JSON Reddit sends (``Reddit.request``), so the mapping is
``collectors.reddit_shapes.thing_to_post`` unchanged: native ids are fullnames, submissions
and comments are linked by ``parent_id`` / ``conversation_id``, ``[deleted]`` authors and
``[removed]`` bodies are kept as such. Inbox items lack ``link_id`` and ``permalink``; both are
completed from their ``context`` link.

State (JSON)::

    {"version": 1,
     "streams": {"r/python/new": {"since": created_utc (float), "last": fullname,
                                  "seen": [fullname, ...]},          # capped, see SEEN_CAP
                 ...}}

A stream's listing (newest first) is paged with ``after`` down to its cursor: items older than
``since - LOOKBACK_SECONDS`` end the walk, items at or after it are new unless their fullname is
in ``seen`` (so equal timestamps and slightly late items are neither lost nor repeated). New
items are then processed oldest first, at most a fair share of ``max_items_per_run`` per stream,
and a ``Checkpoint`` follows every ``CHECKPOINT_EVERY`` items and the end of each stream; what is
left waits for the next run. The first run of a stream reads its newest items only. Cursors of
streams no longer configured are dropped. Subreddit and user names that are not valid Reddit names
are skipped with a note (they become URL paths).

Errors: HTTP 429 raises ``RateLimited`` (``retry_at`` from ``Retry-After`` or
``x-ratelimit-reset``), as does a used-up rate-limit window whose reset is further away than
``max_wait_seconds``; 5xx and transport errors are retried (bounded, ``sleep`` is injectable)
and then noted; 403 (private or quarantined subreddit, suspended account) and 404 / redirects
(banned or unknown subreddit, deleted account) are noted and the other streams carry on;
rejected credentials raise ``CredentialsError`` naming the environment variables. When every
stream failed for transient reasons the source fails with ``SourceError``.

``RedditReplySender.send_reply`` posts one comment (never retried: a retried POST could post
twice) and returns its fullname.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Iterator

import praw
import prawcore
import requests
from praw.exceptions import ClientException, RedditAPIException
from prawcore.exceptions import (
    BadJSON,
    Forbidden,
    InsufficientScope,
    InvalidToken,
    NotFound,
    OAuthException,
    Redirect,
    RequestException,
    ResponseException,
    ServerError,
    TooManyRequests,
    UnavailableForLegalReasons,
)
from prawcore.sessions import RetryStrategy

from collectors import http, http_policy
from collectors.secrets import source_secrets
from collectors.base import Checkpoint, CredentialsError, Item, Post, RateLimited, SeenIds, SourceError, utcnow
from collectors.reddit_shapes import BASE_URL, thing_to_post

__all__ = ["RedditCollector", "RedditReplySender", "Stream", "compile_queries"]

PLATFORM = "reddit"
PAGE_LIMIT = 100  # Reddit's maximum per listing page
MAX_PAGES_PER_STREAM = 10  # Reddit listings stop at about 1000 items anyway
LOOKBACK_SECONDS = 120  # re-examine this much before the cursor (late or same-second items)
SEEN_CAP = 500
CHECKPOINT_EVERY = 100
MAX_RETRIES = 2  # 5xx / transport errors: 3 attempts in all
BACKOFF = http.Backoff(initial=2.0, base=3.0, maximum=60.0, jitter=1.0)  # 2 s, 6 s, plus jitter
MAX_NOTE_CHARS = 1500
TOKEN_PATH = "/api/v1/access_token"
_FULLNAME = re.compile(r"^t[13]_[a-z0-9]{1,16}$")
_CONTEXT_LINK = re.compile(r"/comments/([a-z0-9]+)/")
_SUBREDDIT = re.compile(r"^[A-Za-z0-9_]{2,21}(\+[A-Za-z0-9_]{2,21})*$")  # '+' joins several
_USERNAME = re.compile(r"^[A-Za-z0-9_-]{3,20}$")


# --- queries ----------------------------------------------------------------------------------


def compile_queries(queries: Iterable[str]) -> Callable[[str], bool] | None:
    """A matcher for keyword queries, or ``None`` (keep everything) when there are none.

    A query is a list of terms; a ``"quoted phrase"`` is one term, ``-term`` excludes. A text
    matches a query when it holds every positive term and no excluded one (case-insensitive,
    whole words); it matches the queries when it matches any of them.
    """
    compiled: list[tuple[list[re.Pattern], list[re.Pattern]]] = []
    for query in queries:
        must: list[re.Pattern] = []
        must_not: list[re.Pattern] = []
        for phrase, word in re.findall(r'(-?"[^"]+")|(\S+)', query):
            term = phrase or word
            negative = term.startswith("-") and len(term) > 1
            term = term[1:] if negative else term
            term = term.strip('"').strip()
            if not term or term.upper() in ("OR", "AND"):
                continue
            words = r"\s+".join(re.escape(w) for w in term.split())
            pattern = re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)
            (must_not if negative else must).append(pattern)
        if must or must_not:
            compiled.append((must, must_not))
    if not compiled:
        return None

    def matches(text: str) -> bool:
        return any(
            all(p.search(text) for p in must) and not any(p.search(text) for p in must_not)
            for must, must_not in compiled
        )

    return matches


# --- praw plumbing ------------------------------------------------------------------------------



# the environment variables that hold the credentials, unless config names others
DEFAULT_ENV_NAMES = {
    "client_id": "REDDIT_CLIENT_ID",
    "client_secret": "REDDIT_CLIENT_SECRET",
    "username": "REDDIT_USERNAME",
    "password": "REDDIT_PASSWORD",
}

class _NoRetry(RetryStrategy):
    """prawcore must not retry on its own: we retry GETs (bounded, injectable sleep) and never POSTs."""

    def _sleep_seconds(self) -> float | None:
        return None

    def consume_available_retry(self) -> "_NoRetry":
        return self

    def should_retry_on_failure(self) -> bool:
        return False


@dataclass
class _Limits:
    """The last rate-limit headers Reddit sent."""

    remaining: float | None = None
    reset_seconds: float | None = None
    at_monotonic: float | None = None


class _Requestor(prawcore.Requestor):
    """Applies our timeout to every request (prawcore passes its own 16 s otherwise) and remembers
    the rate-limit headers, so a used-up window can end the run instead of a long sleep."""

    def __init__(self, *args: Any, limits: _Limits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits if limits is not None else _Limits()

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any):
        response = super().request(*args, timeout=self.timeout, **kwargs)
        headers = response.headers
        if "x-ratelimit-remaining" in headers:
            try:
                self._limits.remaining = float(headers["x-ratelimit-remaining"])
                self._limits.reset_seconds = float(headers.get("x-ratelimit-reset") or 0)
                self._limits.at_monotonic = time.monotonic()
            except ValueError:
                pass
        return response


def _make_reddit(
    *,
    client_id: str,
    client_secret: str,
    user_agent: str,
    username: str | None,
    password: str | None,
    oauth_url: str | None,
    reddit_url: str | None,
    timeout: float,
    session: requests.Session | None,
    limits: _Limits,
) -> praw.Reddit:
    """A ``praw.Reddit`` configured only by keyword arguments (no praw.ini endpoint overrides win)."""
    settings: dict[str, Any] = {
        "client_id": client_id,
        "client_secret": client_secret,
        "user_agent": user_agent,
        "username": username,
        "password": password,
        "refresh_token": None,
        "redirect_uri": None,
        "check_for_updates": False,
        "check_for_async": False,
        "ratelimit_seconds": 0,
        # API paths are joined with urljoin (a trailing slash keeps a path prefix), the token
        # path is appended to reddit_url as a string (no trailing slash)
        "oauth_url": (oauth_url or "https://oauth.reddit.com").rstrip("/") + "/",
        "reddit_url": (reddit_url or "https://www.reddit.com").rstrip("/"),
    }
    if session is None:  # connect, headers and body under one deadline; redirects only to the endpoints
        session = http_policy.PolicySession(
            timeout, http_policy.RedirectPolicy([settings["oauth_url"], settings["reddit_url"]]))
    requestor_kwargs: dict[str, Any] = {"timeout": timeout, "limits": limits, "session": session}
    reddit = praw.Reddit(requestor_class=_Requestor, requestor_kwargs=requestor_kwargs, **settings)
    for core in {id(c): c for c in (reddit._read_only_core, reddit._authorized_core) if c is not None}.values():
        if hasattr(core, "_retry_strategy_class"):
            core._retry_strategy_class = _NoRetry
    return reddit


def _retry_at(response: requests.Response | None, now: datetime) -> datetime | None:
    """Retry-After (seconds or a date), else x-ratelimit-reset (seconds), capped by the one HTTP policy."""
    if response is None:
        return None
    for header in ("retry-after", "x-ratelimit-reset"):
        value = response.headers.get(header)
        when = http_policy.retry_at(value, now, form="auto" if header == "retry-after" else "seconds")
        if when is not None:
            return when
    return None


def _is_token_response(exc: ResponseException) -> bool:
    return TOKEN_PATH in (getattr(exc.response, "url", None) or "")


def _status(exc: ResponseException) -> int | None:
    return getattr(getattr(exc, "response", None), "status_code", None)


def _env_list(*names: str | None) -> str:
    names = [n for n in names if n]
    return " and ".join(names) if names else "the credential environment variables"


def _missing(owner: Any, keys: Iterable[str]) -> list[str]:
    """What to set for each missing credential: its environment variable, or the config key naming one."""
    return [owner.env_names.get(k) or f"{k}_env (in config.yaml) and its variable" for k in keys
            if not getattr(owner, k)]


# --- streams ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stream:
    key: str  # state key and label: "r/python/new", "inbox/mentions", "u/ana/overview"
    path: str  # API path, relative to oauth_url
    params: dict[str, str] = field(default_factory=dict)
    kind: str = "subreddit"  # subreddit | search | inbox | user
    needs_user: bool = False  # the authorized user, not the read-only app
    filtered: bool = False  # apply the keyword queries


class _StreamFailed(Exception):
    """This stream could not be read this run; ``transient`` when a later run may succeed."""

    def __init__(self, message: str, transient: bool):
        super().__init__(message)
        self.transient = transient


def _clean_sub(name: str) -> str:
    name = name.strip().strip("/")
    for prefix in ("r/", "R/"):
        name = name.removeprefix(prefix)
    return name.strip("/")


def _clean_user(name: str) -> str:
    name = name.strip().strip("/").lstrip("@")
    for prefix in ("u/", "U/", "user/"):
        name = name.removeprefix(prefix)
    return name.strip("/")


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for v in values:
        if v and v.lower() not in seen:
            seen.add(v.lower())
            out.append(v)
    return out


# --- the collector ------------------------------------------------------------------------------


class RedditCollector:
    def __init__(
        self,
        name: str,
        *,
        client_id: str | None,
        client_secret: str | None,
        user_agent: str,
        username: str | None = None,
        password: str | None = None,
        subreddits: Iterable[str] = (),
        queries: Iterable[str] = (),
        inbox: bool = True,
        client_accounts: Iterable[str] = (),
        own_accounts: Iterable[str] = (),
        own_comments: bool = True,
        max_items_per_run: int = 500,
        timeout: float = 20.0,
        max_wait_seconds: float = 60.0,
        oauth_url: str | None = None,
        reddit_url: str | None = None,
        our_handles: Iterable[str] = (),
        env_names: dict[str, str | None] | None = None,
        now: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ):
        self.name = name
        self.client_id = client_id
        self.client_secret = client_secret
        self.user_agent = user_agent
        self.username = username
        self.password = password
        subs = _unique(_clean_sub(s) for s in subreddits)
        self.subreddits = [s for s in subs if _SUBREDDIT.match(s)]
        self.invalid = [f"r/{s}" for s in subs if not _SUBREDDIT.match(s)]
        self.queries = [q for q in queries if q.strip()]
        self.matches = compile_queries(self.queries)
        self.inbox = inbox
        users = _unique(_clean_user(u) for u in [*client_accounts, *own_accounts])
        self.invalid += [f"u/{u}" for u in users if not _USERNAME.match(u)]
        self.client_accounts = [u for u in _unique(_clean_user(u) for u in client_accounts) if _USERNAME.match(u)]
        own = [u for u in _unique(_clean_user(u) for u in own_accounts) if _USERNAME.match(u)]
        if not own and username:
            own = [username]
        self.own_accounts = own if own_comments else []
        self.max_items_per_run = max(1, int(max_items_per_run))
        self.timeout = timeout
        self.max_wait_seconds = max_wait_seconds
        self.oauth_url = oauth_url
        self.reddit_url = reddit_url
        self.our_handles = {h.lower() for h in our_handles}
        self.env_names = {**DEFAULT_ENV_NAMES, **(env_names or {})}
        self.now = now
        self.sleep = sleep
        self.session = session
        self._limits = _Limits()

    @classmethod
    def from_config(cls, source, config, secrets=None) -> "RedditCollector":
        """``secrets``: the values of the variables the source names, read by the caller (default: read now)."""
        secrets = source_secrets(source) if secrets is None else secrets

        clients = [h for kc in config.key_clients for h in kc.handles.reddit] if source.client_activity else []
        return cls(
            source.name,
            client_id=secrets.get("client_id"),
            client_secret=secrets.get("client_secret"),
            username=secrets.get("username"),
            password=secrets.get("password"),
            user_agent=source.user_agent,
            subreddits=source.subreddits,
            queries=source.queries,
            inbox=source.inbox,
            client_accounts=clients,
            own_accounts=config.me.handles.reddit,
            own_comments=source.own_comments,
            max_items_per_run=source.max_items_per_run,
            timeout=source.timeout_seconds,
            max_wait_seconds=getattr(source, "max_wait_seconds", 60.0),
            oauth_url=getattr(source, "oauth_url", None),
            reddit_url=getattr(source, "reddit_url", None),
            our_handles=config.our_handles().get("reddit", set()),
            env_names={
                "client_id": source.client_id_env,
                "client_secret": source.client_secret_env,
                "username": source.username_env,
                "password": source.password_env,
            },
            now=config.now,
        )

    # --- what to read ---------------------------------------------------------------------

    @property
    def has_user(self) -> bool:
        return bool(self.username and self.password)

    def streams(self) -> list[Stream]:
        out: list[Stream] = []
        for sub in self.subreddits:
            out.append(Stream(f"r/{sub.lower()}/new", f"r/{sub}/new", kind="subreddit", filtered=True))
            out.append(Stream(f"r/{sub.lower()}/comments", f"r/{sub}/comments", kind="subreddit", filtered=True))
        if not self.subreddits:
            for query in self.queries:
                # Reddit's search does the matching (its syntax, stemming); no local filter on top
                out.append(Stream(f"search/{query}", "search", {"q": query, "sort": "new", "type": "link"},
                                  kind="search"))
        if self.inbox and self.has_user:
            out.append(Stream("inbox/mentions", "message/mentions", kind="inbox", needs_user=True))
            out.append(Stream("inbox/comments", "message/comments", kind="inbox", needs_user=True))
            out.append(Stream("inbox/selfreply", "message/selfreply", kind="inbox", needs_user=True))
        for user in self.client_accounts:
            out.append(Stream(f"u/{user.lower()}/overview", f"user/{user}/overview", {"sort": "new"}, kind="user"))
        for user in self.own_accounts:
            out.append(Stream(f"u/{user.lower()}/comments", f"user/{user}/comments", {"sort": "new"}, kind="user"))
        return out

    # --- run --------------------------------------------------------------------------------

    def _check_credentials(self) -> None:
        missing = _missing(self, ("client_id", "client_secret"))
        if missing:
            raise CredentialsError(f"Reddit app credentials missing: set {_env_list(*missing)}")

    def fetch(self, state: dict[str, Any]) -> Iterator[Item]:
        self._check_credentials()
        old_streams = state.get("streams") if isinstance(state.get("streams"), dict) else {}
        streams = self.streams()
        cursors: dict[str, Any] = {s.key: old_streams[s.key] for s in streams if s.key in old_streams}
        first_note: list[str] = []
        if self.invalid:
            first_note.append("not valid Reddit names, skipped: " + ", ".join(self.invalid))
        if self.inbox and not self.has_user:
            first_note.append(
                "inbox skipped: set " + _env_list(self.env_names["username"], self.env_names["password"])
                + " (a script app's owner or developer account)")
        if not streams:
            yield Checkpoint(self._state(cursors), "; ".join(first_note + [
                "nothing to read: configure subreddits, queries, key clients' reddit handles or me.handles.reddit"]))
            return

        reddit = _make_reddit(
            client_id=self.client_id or "", client_secret=self.client_secret or "", user_agent=self.user_agent,
            username=self.username if self.has_user else None, password=self.password if self.has_user else None,
            oauth_url=self.oauth_url, reddit_url=self.reddit_url, timeout=self.timeout, session=self.session,
            limits=self._limits,
        )
        budget = self.max_items_per_run
        transient_failures = 0
        for index, stream in enumerate(streams):
            share = max(1, budget // (len(streams) - index))
            notes = first_note
            first_note = []
            try:
                things, note = self._read_stream(reddit, stream, cursors.get(stream.key))
            except _StreamFailed as exc:
                transient_failures += exc.transient
                notes.append(f"{stream.key}: {exc}")
                yield Checkpoint(self._state(cursors), self._note(notes))
                continue
            if note:
                notes.append(f"{stream.key}: {note}")
            used = yield from self._emit(stream, things, cursors, share, notes)
            budget = max(0, budget - used)
        if transient_failures == len(streams):
            raise SourceError("every Reddit stream failed this run (see the notes); nothing new was stored")

    @staticmethod
    def _state(cursors: dict[str, Any]) -> dict[str, Any]:
        return {"version": 1, "streams": {k: dict(v) for k, v in cursors.items()}}

    @staticmethod
    def _note(notes: list[str]) -> str | None:
        text = "; ".join(notes)
        if len(text) > MAX_NOTE_CHARS:
            text = text[: MAX_NOTE_CHARS - 1] + "…"
        return text or None

    # --- one stream: walk the listing down to the cursor ------------------------------------------

    def _read_stream(self, reddit: praw.Reddit, stream: Stream, cursor: dict | None) -> tuple[list[dict], str | None]:
        """New things of one stream, newest first, and a note."""
        since = cursor.get("since") if isinstance(cursor, dict) else None
        since = float(since) if isinstance(since, (int, float)) else None
        seen = SeenIds((cursor or {}).get("seen") or (), cap=SEEN_CAP)
        floor = since - LOOKBACK_SECONDS if since is not None else None
        found: list[dict] = []
        after: str | None = None
        reached = False
        pages = 0
        while pages < MAX_PAGES_PER_STREAM:
            listing = self._get_listing(reddit, stream, after)
            pages += 1
            children = listing["data"].get("children") or []
            for child in children:
                if not isinstance(child, dict) or child.get("kind") not in ("t1", "t3"):
                    continue
                data = child.get("data") if isinstance(child.get("data"), dict) else {}
                created = data.get("created_utc", data.get("created"))
                try:
                    created = float(created)
                except (TypeError, ValueError):
                    created = None
                if floor is not None and created is not None and created < floor:
                    reached = True
                    break
                if data.get("name") and data["name"] in seen:
                    continue
                found.append(child)
            if reached:
                break
            if since is None and len(found) >= self.max_items_per_run:
                break  # first run: the newest items are enough
            after = listing["data"].get("after")
            if not after or not children:
                break
        note = None
        if since is not None and not reached and pages >= MAX_PAGES_PER_STREAM:
            note = (f"more than {MAX_PAGES_PER_STREAM} pages since the last run; "
                    "older items Reddit no longer lists were skipped")
        return found, note

    def _get_listing(self, reddit: praw.Reddit, stream: Stream, after: str | None) -> dict:
        params = dict(stream.params)
        params["limit"] = str(PAGE_LIMIT)
        if after:
            params["after"] = after
        data = self._request(reddit, stream, params)
        if not isinstance(data, dict) or data.get("kind") != "Listing" or not isinstance(data.get("data"), dict):
            raise _StreamFailed("Reddit answered something other than a Listing", transient=True)
        return data

    def _request(self, reddit: praw.Reddit, stream: Stream, params: dict[str, str]) -> Any:
        """One GET through the shared retry layer (collectors/http.py): 5xx and transport errors are retried
        ``MAX_RETRIES`` times with backoff and jitter; a dropped token is fetched again once."""
        token_retried = False

        def attempt() -> Any:
            nonlocal token_retried
            while True:
                self._wait_budget()
                try:
                    reddit.read_only = not stream.needs_user
                    return reddit.request(method="GET", path=stream.path, params=params)
                except TooManyRequests as exc:
                    raise RateLimited(f"Reddit answered 429 on {stream.key}",
                                      retry_at=_retry_at(exc.response, self.now())) from None
                except (InvalidToken, KeyError) as exc:
                    # prawcore raises KeyError(401) for a 401 without a WWW-Authenticate header
                    if isinstance(exc, KeyError) and exc.args != (401,):
                        raise
                    if token_retried:
                        raise CredentialsError(
                            "Reddit rejected the access token twice; check "
                            + _env_list(self.env_names["client_id"], self.env_names["client_secret"])) from None
                    token_retried = True  # prawcore dropped the token; the next request fetches a new one
                    continue
                except InsufficientScope:
                    raise _StreamFailed("not allowed for this app (insufficient OAuth scope)", transient=False) from None
                except Forbidden:
                    what = {"subreddit": "private or quarantined subreddit?", "user": "suspended account?",
                            "inbox": "is the account allowed to read its inbox?"}.get(stream.kind, "")
                    raise _StreamFailed(f"forbidden (403{'; ' + what if what else ''}), skipped",
                                        transient=False) from None
                except (NotFound, Redirect, UnavailableForLegalReasons) as exc:
                    what = {"subreddit": "banned or unknown subreddit?", "user": "deleted account?"}.get(stream.kind, "")
                    code = _status(exc) or "redirect"
                    raise _StreamFailed(f"not found ({code}{'; ' + what if what else ''}), skipped",
                                        transient=False) from None
                except OAuthException as exc:
                    raise CredentialsError(
                        f"Reddit refused to log in ({exc.error}); check "
                        + _env_list(self.env_names["username"], self.env_names["password"])
                        + " (the account must own or develop the script app)") from None
                except (ServerError, RequestException, BadJSON) as exc:
                    what = f"HTTP {_status(exc)}" if isinstance(exc, ResponseException) else type(exc).__name__
                    raise http.Retry(what) from None
                except ResponseException as exc:  # the token endpoint and anything unforeseen
                    status = _status(exc)
                    if _is_token_response(exc) and status in (400, 401, 403):
                        raise CredentialsError(
                            f"Reddit rejected the app credentials (HTTP {status}); check "
                            + _env_list(self.env_names["client_id"], self.env_names["client_secret"])) from None
                    if status == 429:
                        raise RateLimited("Reddit answered 429 to the token request",
                                          retry_at=_retry_at(exc.response, self.now())) from None
                    if status is not None and status >= 500:
                        raise http.Retry(f"HTTP {status}") from None
                    raise _StreamFailed(f"HTTP {status}", transient=status is None or status >= 500) from None
                except ClientException as exc:
                    raise _StreamFailed(f"praw: {exc}", transient=False) from None

        def give_up(retry: http.Retry, attempts: int) -> BaseException:
            return _StreamFailed(f"{retry.failure} after {attempts} attempts", transient=True)

        return http.with_retries(attempt, give_up=give_up, max_retries=MAX_RETRIES, backoff=BACKOFF,
                                 sleep=self.sleep)

    def _wait_budget(self) -> None:
        """End the run (RateLimited) rather than let prawcore sleep past ``max_wait_seconds``."""
        limits = self._limits
        if limits.remaining is None or limits.remaining >= 1 or limits.at_monotonic is None:
            return
        left = (limits.reset_seconds or 0) - (time.monotonic() - limits.at_monotonic)
        if left > self.max_wait_seconds:
            retry_at = http_policy.retry_at(left, self.now(), form="seconds")
            raise RateLimited(
                f"Reddit rate-limit window used up; it resets in {left:.0f} s (max_wait_seconds is "
                f"{self.max_wait_seconds:g})", retry_at=retry_at)

    # --- one stream: turn things into posts, oldest first, checkpointing --------------------------

    def _emit(self, stream: Stream, things: list[dict], cursors: dict[str, Any], share: int,
              notes: list[str]) -> Iterator[Item]:
        """Yield the stream's new posts oldest first (at most ``share``), checkpointing; returns how many."""
        old = cursors.get(stream.key) or {}
        since: float | None = old.get("since")
        last: str | None = old.get("last")
        seen = SeenIds(old.get("seen") or (), cap=SEEN_CAP)

        def save() -> None:
            cursors[stream.key] = {"since": since, "last": last, "seen": seen.to_list()}

        retrieved_at = self.now()
        yielded = since_checkpoint = malformed = left = 0
        ordered = list(reversed(things))  # oldest first
        for i, thing in enumerate(ordered):
            data = thing["data"]
            try:
                post = thing_to_post(thing, self.name, retrieved_at, self.our_handles)
            except (ValueError, TypeError, KeyError):
                post = None
                malformed += 1
            if post is not None and self._keep(stream, post):
                if yielded >= share:
                    left = len(ordered) - i
                    break
                if stream.kind == "inbox":
                    _complete_inbox_post(post, data)
                yield post
                yielded += 1
                since_checkpoint += 1
            # processed (kept, filtered out or malformed): the cursor moves past it
            if data.get("name"):
                seen.add(data["name"])
                last = data["name"]
            if post is not None:
                created = post.created_at.timestamp()
                since = created if since is None else max(float(since), created)
            if since_checkpoint >= CHECKPOINT_EVERY:
                save()
                yield Checkpoint(self._state(cursors))
                since_checkpoint = 0
        save()
        if malformed:
            notes.append(f"{stream.key}: {malformed} malformed items skipped")
        if left:
            notes.append(f"{stream.key}: {left} more new items left for the next run (max_items_per_run)")
        yield Checkpoint(self._state(cursors), self._note(notes))
        return yielded

    def _keep(self, stream: Stream, post: Post) -> bool:
        if not stream.filtered or self.matches is None:
            return True
        return self.matches(post.text or "")


def _complete_inbox_post(post: Post, data: dict[str, Any]) -> None:
    """Inbox comments come without ``link_id`` and ``permalink``; their ``context`` has both."""
    context = data.get("context") or ""
    if post.conversation_id is None:
        m = _CONTEXT_LINK.search(context)
        if m:
            post.conversation_id = f"t3_{m.group(1)}"
    if post.url is None and context.startswith("/"):
        post.url = BASE_URL + context.split("?", 1)[0]


# --- sending --------------------------------------------------------------------------------------


class RedditReplySender:
    """Posts replies as the configured account (script app, username and password)."""

    def __init__(
        self,
        *,
        client_id: str | None,
        client_secret: str | None,
        username: str | None,
        password: str | None,
        user_agent: str,
        oauth_url: str | None = None,
        reddit_url: str | None = None,
        timeout: float = 20.0,
        env_names: dict[str, str | None] | None = None,
        now: Callable[[], datetime] = utcnow,
        session: requests.Session | None = None,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.username = username
        self.password = password
        self.user_agent = user_agent
        self.oauth_url = oauth_url
        self.reddit_url = reddit_url
        self.timeout = timeout
        self.env_names = {**DEFAULT_ENV_NAMES, **(env_names or {})}
        self.now = now
        self.session = session
        self._reddit: praw.Reddit | None = None

    @classmethod
    def from_config(cls, source, config, secrets=None) -> "RedditReplySender":
        secrets = source_secrets(source) if secrets is None else secrets

        return cls(
            client_id=secrets.get("client_id"),
            client_secret=secrets.get("client_secret"),
            username=secrets.get("username"),
            password=secrets.get("password"),
            user_agent=source.user_agent,
            oauth_url=getattr(source, "oauth_url", None),
            reddit_url=getattr(source, "reddit_url", None),
            timeout=source.timeout_seconds,
            env_names={
                "client_id": source.client_id_env,
                "client_secret": source.client_secret_env,
                "username": source.username_env,
                "password": source.password_env,
            },
            now=config.now,
        )

    def _client(self) -> praw.Reddit:
        missing = _missing(self, ("client_id", "client_secret", "username", "password"))
        if missing:
            raise CredentialsError(f"sending Reddit replies needs {_env_list(*missing)} set")
        if self._reddit is None:
            self._reddit = _make_reddit(
                client_id=self.client_id, client_secret=self.client_secret, user_agent=self.user_agent,
                username=self.username, password=self.password, oauth_url=self.oauth_url,
                reddit_url=self.reddit_url, timeout=self.timeout, session=self.session, limits=_Limits(),
            )
        return self._reddit

    def find_reply(self, in_reply_to_fullname: str, text: str) -> str | None:
        """The fullname of our account's comment answering ``in_reply_to_fullname``, if Reddit lists one
        among our newest 100 comments (the same text first); None when there is none."""
        reddit = self._client()
        wanted = " ".join((text or "").split())
        try:
            comments = list(reddit.redditor(self.username).comments.new(limit=100))
        except (prawcore.PrawcoreException, ClientException, RedditAPIException) as exc:
            raise SourceError(f"Reddit did not answer the lookup ({type(exc).__name__})") from None
        replies = [c for c in comments if getattr(c, "parent_id", None) == in_reply_to_fullname]
        same = [c for c in replies if " ".join((getattr(c, "body", "") or "").split()) == wanted]
        chosen = (same or replies)[:1]
        return chosen[0].fullname if chosen else None

    def send_reply(self, in_reply_to_fullname: str, text: str) -> str:
        """Reply (Reddit markdown) to a submission (``t3_…``) or comment (``t1_…``); returns the new
        comment's fullname. One POST, never retried: after an error the reply may or may not exist."""
        target_name = (in_reply_to_fullname or "").strip()
        if not _FULLNAME.match(target_name):
            raise SourceError(f"not a Reddit submission or comment fullname: {in_reply_to_fullname!r}")
        if not (text or "").strip():
            raise SourceError("refusing to send an empty Reddit reply")
        reddit = self._client()
        kind, native = target_name.split("_", 1)
        target = reddit.submission(id=native) if kind == "t3" else reddit.comment(id=native)
        unsure = "; it may or may not have been posted, check the thread before sending again"
        try:
            created = target.reply(body=text)
        except RedditAPIException as exc:
            items = exc.items
            if any(i.error_type == "RATELIMIT" for i in items):
                wait = None
                for i in items:
                    m = reddit._ratelimit_regex.search(i.message or "")
                    if m:
                        seconds = int(m.group(1)) * (60 if m.group(2).startswith("minute") else 1)
                        wait = http_policy.retry_at(seconds, self.now(), form="seconds")
                raise RateLimited("Reddit says we are replying too often", retry_at=wait) from None
            detail = ", ".join(f"{i.error_type}: {i.message}" if i.message else i.error_type for i in items)
            raise SourceError(f"Reddit refused the reply to {target_name}: {detail}") from None
        except TooManyRequests as exc:
            raise RateLimited("Reddit answered 429 to the reply",
                              retry_at=_retry_at(exc.response, self.now())) from None
        except OAuthException as exc:
            raise CredentialsError(
                f"Reddit refused to log in ({exc.error}); check "
                + _env_list(self.env_names["username"], self.env_names["password"])) from None
        except InvalidToken:
            raise CredentialsError("Reddit rejected the access token; check "
                                   + _env_list(self.env_names["client_id"], self.env_names["client_secret"])) from None
        except Forbidden:
            raise SourceError(f"Reddit forbids replying to {target_name} (locked, archived, or we are banned there)") \
                from None
        except (NotFound, Redirect):
            raise SourceError(f"{target_name} was not found on Reddit (deleted?)") from None
        except ServerError as exc:
            raise SourceError(f"Reddit answered HTTP {_status(exc)} to the reply{unsure}") from None
        except RequestException as exc:
            raise SourceError(f"the reply to {target_name} failed in transit ({type(exc.original_exception).__name__})"
                              f"{unsure}") from None
        except ResponseException as exc:
            status = _status(exc)
            if _is_token_response(exc) and status in (400, 401, 403):
                raise CredentialsError(
                    f"Reddit rejected the app credentials (HTTP {status}); check "
                    + _env_list(self.env_names["client_id"], self.env_names["client_secret"])) from None
            raise SourceError(f"Reddit answered HTTP {status} to the reply{unsure if (status or 500) >= 500 else ''}") \
                from None
        if created is None or not getattr(created, "id", None):
            raise SourceError(f"Reddit did not return the new comment (quarantined subreddit?){unsure}")
        return created.fullname
