"""One HTTP layer for every collector: retries with backoff and jitter, Retry-After and rate-limit headers,
and a JSON client on ``http_policy.PolicySession`` (deadlines, size limit, redirect pinning).

* ``with_retries(attempt, ...)`` runs ``attempt`` under tenacity. The attempt (or a platform's classifier)
  raises ``Retry`` for a failure worth another try: a 5xx or a timeout (backed off exponentially, with jitter),
  or a rate limit whose reset is near (waited for, up to ``max_wait_seconds``). When retrying stops,
  ``give_up(retry, attempts)`` says what the source records. Anything else passes straight through.
* ``RateLimit.from_headers`` reads ``X-RateLimit-*`` / ``x-rate-limit-*`` / ``RateLimit-*`` headers (a reset
  as epoch, seconds or an ISO time, capped by ``http_policy.retry_at``).
* ``JsonClient`` is what a collector that speaks plain HTTP (Hacker News' Algolia API) uses: every answer
  classified once — 401/403 ``CredentialsError``, 404 ``NotFound``, 429 and 5xx retried, a body that is
  not JSON ``Malformed``.

X (tweepy), Reddit (praw), Mastodon (Mastodon.py) and Bluesky (atproto) keep their own clients, each given
a ``PolicySession`` where it takes one, and use ``with_retries`` with a classifier of their exceptions.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, TypeVar

import requests
import tenacity

from collectors import http_policy
from collectors.base import CredentialsError, SourceError

T = TypeVar("T")


class Retry(Exception):
    """This attempt failed in a way another attempt may not: ``rate_limited`` with ``retry_at``, or transient."""

    def __init__(self, failure: str, *, retry_at: datetime | None = None, rate_limited: bool = False):
        super().__init__(failure)
        self.failure = failure
        self.retry_at = retry_at
        self.rate_limited = rate_limited


class NotFound(SourceError):
    """The platform has no such thing (HTTP 404): a renamed account, a deleted post, a wrong endpoint."""


class Malformed(SourceError):
    """A 2xx answer whose body is not what the API sends; nothing from it is stored."""


@dataclass(frozen=True)
class Backoff:
    """Waits after transient failures: initial × base^(n-1) plus up to ``jitter`` seconds, at most ``maximum``."""

    initial: float = 1.0
    base: float = 2.0
    maximum: float = 60.0
    jitter: float = 1.0

    def waiter(self) -> tenacity.wait.wait_base:
        return tenacity.wait_exponential_jitter(multiplier=self.initial, max=self.maximum, exp_base=self.base,
                                                jitter=self.jitter)


def with_retries(
    attempt: Callable[[], T],
    *,
    give_up: Callable[[Retry, int], BaseException],
    max_retries: int = 3,
    max_wait_seconds: float = 60.0,
    max_rate_waits: int = 2,
    backoff: Backoff = Backoff(),
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> T:
    """``attempt()``'s result, retrying on ``Retry``: transient failures ``max_retries`` times with backoff,
    rate limits by waiting for their reset when it is at most ``max_wait_seconds`` away (``max_rate_waits``
    times). Then ``give_up(last_retry, attempts)`` is raised."""
    counts = {"transient": 0, "rate": 0}
    exponential = backoff.waiter()

    def rate_wait(exc: Retry) -> float | None:
        if exc.retry_at is None:
            return None
        return max(exc.retry_at.timestamp() - clock(), 0.0) + 1.0  # a second of margin past the reset

    # tenacity computes the wait before it asks whether to stop: the wait counts the failure, stop reads it
    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception()
        if exc.rate_limited:
            counts["rate"] += 1
            return rate_wait(exc) or 0.0
        counts["transient"] += 1
        # the n-th transient failure waits initial × base^(n-1): rate-limit waits do not push it up
        for_backoff = tenacity.RetryCallState(state.retry_object, state.fn, state.args, state.kwargs)
        for_backoff.attempt_number = counts["transient"]
        return exponential(for_backoff)

    def stop(state: tenacity.RetryCallState) -> bool:
        exc = state.outcome.exception()
        if exc.rate_limited:
            wait_for = rate_wait(exc)
            return wait_for is None or wait_for > max_wait_seconds or counts["rate"] > max_rate_waits
        return counts["transient"] > max_retries

    retrying = tenacity.Retrying(retry=tenacity.retry_if_exception_type(Retry), stop=stop, wait=wait, sleep=sleep,
                                 reraise=True)
    try:
        return retrying(attempt)
    except Retry as exc:
        raise give_up(exc, counts["transient"] + counts["rate"]) from None


@dataclass(frozen=True)
class RateLimit:
    """A rate-limit window as the answer's headers state it."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str] | None, now: datetime, *, reset_form: str = "auto"
                     ) -> "RateLimit | None":
        if not headers:
            return None
        lower = {k.lower(): v for k, v in headers.items()}
        for prefix in ("x-ratelimit-", "x-rate-limit-", "ratelimit-"):
            if prefix + "remaining" in lower or prefix + "reset" in lower:
                return cls(limit=_int(lower.get(prefix + "limit")), remaining=_int(lower.get(prefix + "remaining")),
                           reset_at=http_policy.retry_at(lower.get(prefix + "reset"), now, form=reset_form))
        return None

    @property
    def used_up(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def retry_at_from(headers: Mapping[str, str] | None, now: datetime) -> datetime | None:
    """When a 429 or 503 may be retried: Retry-After (seconds or an HTTP date), else the rate-limit reset."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("retry-after"):
        return http_policy.retry_at(lower["retry-after"], now)
    window = RateLimit.from_headers(headers, now)
    return window.reset_at if window else None


class JsonClient:
    """GET JSON over a ``PolicySession``: every answer classified once, retried through ``with_retries``."""

    def __init__(self, base_url: str, *, what: str, timeout: float = 20.0, max_retries: int = 3,
                 max_wait_seconds: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, headers: Mapping[str, str] | None = None,
                 redirect_hosts: tuple[str, ...] = (), session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.what = what  # "Hacker News": names the platform in messages
        self.max_retries = max_retries
        self.max_wait_seconds = max_wait_seconds
        self.sleep = sleep
        self.clock = clock
        self.session = session or http_policy.PolicySession(
            timeout, http_policy.RedirectPolicy([self.base_url], redirect_hosts))
        self.session.headers.update({"User-Agent": "listenwell (+https://github.com/listenwell)", **(headers or {})})
        self.requests_made = 0
        self.rate_limit: RateLimit | None = None

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, about: str = "") -> Any:
        """The decoded JSON of ``GET base_url + path``; raises a ``SourceError`` that says what to do."""
        url = self.base_url + path
        about = about or path

        def attempt() -> Any:
            self.requests_made += 1
            try:
                resp = self.session.get(url, params=params, allow_redirects=True)
            except (requests.Timeout, requests.ConnectionError) as exc:
                raise Retry(f"{type(exc).__name__} (no answer)") from None
            now = datetime.fromtimestamp(self.clock(), timezone.utc)
            self.rate_limit = RateLimit.from_headers(resp.headers, now) or self.rate_limit
            status = resp.status_code
            if status in (401, 403):
                raise CredentialsError(f"{self.what} refused {about} (HTTP {status})")
            if status == 404:
                raise NotFound(f"{self.what} has no {about} (HTTP 404)")
            if status == 429 or (status == 503 and "retry-after" in {k.lower() for k in resp.headers}):
                raise Retry(f"HTTP {status}", retry_at=retry_at_from(resp.headers, now), rate_limited=True)
            if status >= 500:
                raise Retry(f"HTTP {status}")
            if 300 <= status < 400:
                refused = getattr(self.session, "refused", None)
                raise SourceError(f"{self.what} redirected {about}: {refused[-1] if refused else 'not followed'}")
            if status >= 400:
                raise SourceError(f"{self.what} answered HTTP {status} for {about}; check the source's settings")
            try:
                return resp.json()
            except ValueError:
                raise Malformed(f"malformed JSON from {self.what} for {about}; nothing from it was stored, "
                                "it is retried next run") from None

        def give_up(exc: Retry, attempts: int) -> BaseException:
            if exc.rate_limited:
                from collectors.base import RateLimited

                when = f"; resets {exc.retry_at:%Y-%m-%d %H:%M:%S} UTC" if exc.retry_at else ""
                return RateLimited(f"{self.what} rate limit for {about} ({exc.failure}){when}", retry_at=exc.retry_at)
            return SourceError(f"{self.what} failed for {about} after {attempts} attempts ({exc.failure}); "
                               "will try again next run")

        return with_retries(attempt, give_up=give_up, max_retries=self.max_retries,
                            max_wait_seconds=self.max_wait_seconds, sleep=self.sleep, clock=self.clock)
