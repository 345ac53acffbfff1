"""One HTTP policy for every URL a collector fetches: time, size, redirects and rate-limit waits.

* **Deadlines.** ``Deadline`` is a point in time. A source runs under one (``source_deadline``, set by
  the runner around a source's fetch); each request gets ``request_deadline(timeout)``, the sooner of
  the source's and ``max(10 s, 3 × timeout)``. The deadline covers connect, headers and body: when it
  passes, a watchdog shuts the request's socket down, so a server that trickles its headers or body
  a byte a second is cut at the deadline, not after a 64 KB chunk or a per-read timeout.
  ``read_body`` reads what is available (never waits for a full chunk) and caps the size *after*
  decompression, so a gzip bomb stops at ``max_bytes``.
* **Redirects.** ``RedirectPolicy`` decides every hop: http(s) only, no user:password@, the same host
  and port as the source's own URL (``www.`` either way, an http → https upgrade) or a host configured
  for it, and never a loopback, link-local, private or reserved address (resolved and checked) unless
  the source's own URL is one.
* **Waits.** ``retry_at`` turns any Retry-After or rate-limit reset (seconds, an HTTP date, an epoch,
  an ISO time) into a time no later than ``MAX_RETRY_AFTER`` from now: a header can make a source
  rest, never switch it off.
* ``PolicySession`` is a ``requests.Session`` applying all of this to every request; tweepy and praw
  are given one, the feed collector uses the same pieces for its own redirect loop.
"""
from __future__ import annotations

import heapq
import ipaddress
import math
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Iterable, Iterator
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_RETRY_AFTER = timedelta(hours=24)  # no platform asks for longer; a far-future date must not switch a source off
REQUEST_FLOOR = 10.0  # seconds: a request may take at least this long in all (a big feed on a slow link)
REQUEST_FACTOR = 3.0  # ... or this many times the source's timeout
MAX_BODY_BYTES = 10 * 1024 * 1024
READ_CHUNK = 64 * 1024
MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


# --- waits ---------------------------------------------------------------------------------------


def retry_at(value: Any, now: datetime, *, form: str = "auto",
             cap: timedelta = MAX_RETRY_AFTER) -> datetime | None:
    """When a source may run again, from a Retry-After or rate-limit reset value; None if unreadable.

    ``form``: "seconds" (Retry-After, Reddit's x-ratelimit-reset), "epoch" (X's x-rate-limit-reset),
    or "auto": a number of 10^9 or more is an epoch, a smaller one seconds; otherwise an HTTP date or an
    ISO 8601 time. The result is never before ``now`` and never after ``now + cap``."""
    if value is None:
        return None
    when: datetime | None = None
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        text = str(value).strip()
        number: float | None = None
        try:
            number = float(text)
        except ValueError:
            pass
        if number is not None:
            if not math.isfinite(number):
                return now + cap if number > 0 else now
            epoch = form == "epoch" or (form == "auto" and number >= 1e9)
            if epoch:
                if number >= now.timestamp() + cap.total_seconds():
                    return now + cap
                when = datetime.fromtimestamp(max(number, 0.0), timezone.utc)
            else:
                seconds = min(max(number, 0.0), cap.total_seconds())
                return now + timedelta(seconds=seconds)
        else:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError, OverflowError):
                try:
                    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
                except ValueError:
                    return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
    when = when.astimezone(timezone.utc)
    return min(max(when, now), now + cap)


# --- deadlines -----------------------------------------------------------------------------------


class DeadlineExceeded(requests.Timeout):
    """The request's or the source's deadline passed; the request was cut."""


@dataclass
class Deadline:
    at: float  # time.monotonic() value

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        return cls(time.monotonic() + max(seconds, 0.0))

    def remaining(self) -> float:
        return self.at - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0


_local = threading.local()


@contextmanager
def source_deadline(seconds: float | None) -> Iterator[Deadline | None]:
    """Every request made by this thread inside the block ends by the deadline (nested: the sooner)."""
    if seconds is None:
        yield getattr(_local, "source", None)
        return
    outer = getattr(_local, "source", None)
    mine = Deadline.after(seconds)
    _local.source = mine if outer is None or mine.at < outer.at else outer
    try:
        yield _local.source
    finally:
        _local.source = outer


def current_source_deadline() -> Deadline | None:
    return getattr(_local, "source", None)


def request_deadline(timeout: float) -> Deadline:
    """One request's deadline: ``max(10 s, 3 × timeout)`` from now, or the source's if that is sooner."""
    mine = Deadline.after(max(REQUEST_FLOOR, REQUEST_FACTOR * timeout))
    outer = current_source_deadline()
    return outer if outer is not None and outer.at < mine.at else mine


@dataclass
class _Watch:
    deadline: Deadline
    connections: list[Any] = field(default_factory=list)
    fired: bool = False


def _register(conn: Any) -> None:
    watch: _Watch | None = getattr(_local, "watch", None)
    if watch is not None:
        watch.connections.append(conn)
        if watch.fired:
            _shut(conn)


def _shut(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Alarm:
    __slots__ = ("fire", "cancelled")

    def __init__(self, fire):
        self.fire = fire
        self.cancelled = False


class _Watchdog:
    """One daemon thread that fires every request's deadline (a thread per request cost milliseconds each)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Alarm]] = []
        self._count = 0
        self._thread: threading.Thread | None = None

    def add(self, at: float, fire) -> _Alarm:
        alarm = _Alarm(fire)
        with self._cond:
            self._count += 1
            heapq.heappush(self._heap, (at, self._count, alarm))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
        return alarm

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                alarm = heapq.heappop(self._heap)[2]
            if not alarm.cancelled:
                try:
                    alarm.fire()
                except Exception:  # a socket already gone: nothing to cut
                    pass


_WATCHDOG = _Watchdog()


@contextmanager
def watched(deadline: Deadline) -> Iterator[_Watch]:
    """Shut down the sockets this thread's requests use when ``deadline`` passes (a blocked read ends)."""
    if deadline.expired:
        raise DeadlineExceeded("the deadline had already passed; no request was made")
    watch = _Watch(deadline)

    def fire() -> None:
        watch.fired = True
        for conn in list(watch.connections):
            _shut(conn)

    alarm = _WATCHDOG.add(deadline.at, fire)
    outer = getattr(_local, "watch", None)
    _local.watch = watch
    try:
        yield watch
    finally:
        alarm.cancelled = True
        _local.watch = outer


class _WatchedHTTPPool(HTTPConnectionPool):
    def _get_conn(self, timeout=None):  # type: ignore[override]
        conn = super()._get_conn(timeout)
        _register(conn)
        return conn


class _WatchedHTTPSPool(HTTPSConnectionPool):
    def _get_conn(self, timeout=None):  # type: ignore[override]
        conn = super()._get_conn(timeout)
        _register(conn)
        return conn


class WatchedAdapter(HTTPAdapter):
    """An adapter whose connections the deadline watchdog can reach."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def mount_watched(session: requests.Session) -> requests.Session:
    adapter = WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def new_session() -> requests.Session:
    return mount_watched(requests.Session())


def timeouts(timeout: float, deadline: Deadline) -> tuple[float, float]:
    """(connect, read) timeouts for requests: the per-operation timeout, never past the deadline."""
    left = max(deadline.remaining(), 0.001)
    return (min(timeout, left), min(timeout, left))


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the response is larger than {limit // (1024 * 1024)} MB (after decompression)")
        self.limit = limit


def read_body(resp: requests.Response, deadline: Deadline, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The decoded body of a ``stream=True`` response, read as it arrives, by the deadline and capped.

    Raises ``DeadlineExceeded`` (a ``requests.Timeout``) or ``BodyTooLarge``."""
    raw = resp.raw
    chunks: list[bytes] = []
    size = 0
    reader = getattr(raw, "read1", None)
    while True:
        if deadline.expired:
            raise DeadlineExceeded(f"the answer was still arriving at the deadline ({size} bytes read)")
        try:
            try:
                chunk = (reader(READ_CHUNK, decode_content=True) if reader is not None
                         else raw.read(READ_CHUNK, decode_content=True))
            except TypeError:  # a stand-in response without read1 (vcrpy's); the watchdog still ends a stall
                reader = None
                chunk = raw.read(READ_CHUNK, decode_content=True)
        except requests.RequestException:
            raise
        except Exception as exc:  # urllib3's and http.client's read errors, a socket shut at the deadline
            if deadline.expired:
                raise DeadlineExceeded(f"the answer was still arriving at the deadline ({size} bytes read)") from None
            raise requests.ConnectionError(f"reading the body failed: {type(exc).__name__}: {exc}") from None
        if not chunk:
            if deadline.expired:  # a socket shut by the watchdog reads as the end
                raise DeadlineExceeded(f"the answer was still arriving at the deadline ({size} bytes read)")
            break
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


# --- redirects -----------------------------------------------------------------------------------


class RedirectRefused(Exception):
    """A redirect the policy does not follow; the message says where it pointed and why."""


def _host_port(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS[scheme]


def _bare(host: str) -> str:
    return host.removeprefix("www.")


def is_public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (an IP literal is itself)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return [host.strip("[]")]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({info[4][0] for info in infos})


class RedirectPolicy:
    """Which redirects a source may follow. ``urls``: the source's own URLs (feed, comments feed, API
    endpoints); ``hosts``: further host names configured for it."""

    def __init__(self, urls: Iterable[str | None], hosts: Iterable[str] = (),
                 resolver=resolve):
        self._resolve = resolver
        self.endpoints: set[tuple[str, int]] = set()
        self.hosts: set[str] = {_bare(h.strip().lower().rstrip(".")) for h in hosts if h and h.strip()}
        self._own = [item for item in (_host_port(u) for u in urls if u) if item is not None]
        for _scheme, host, port in self._own:
            self.endpoints.add((_bare(host), port))
        self._allow_private: bool | None = None

    @property
    def allow_private(self) -> bool:
        """True when the source's own URL is on a private network or this machine (resolved once, when
        first needed: building a policy never waits for DNS)."""
        if self._allow_private is None:
            self._allow_private = any(
                host == "localhost" or any(not is_public_address(a) for a in self._resolve(host, port))
                for _scheme, host, port in self._own)
        return self._allow_private

    def check(self, current: str, location: str) -> str:
        """The absolute URL to follow from ``current`` to its ``Location``; raises ``RedirectRefused``."""
        target = urljoin(current, location.strip())
        try:
            parts = urlsplit(target)
        except ValueError:
            raise RedirectRefused(f"redirected to an unreadable location ({_short(target)})") from None
        if parts.scheme.lower() not in DEFAULT_PORTS:
            raise RedirectRefused(f"redirected to a non-http(s) location ({_short(target)}); not followed")
        if parts.username is not None or parts.password is not None:
            raise RedirectRefused("redirected to a URL carrying a user name or password; not followed")
        here, there = _host_port(current), _host_port(target)
        if there is None:
            raise RedirectRefused(f"redirected to an unreadable location ({_short(target)})")
        scheme, host, port = there
        bare = _bare(host)
        same = here is not None and _bare(here[1]) == bare and (
            port == here[2] or (port == DEFAULT_PORTS[scheme] and here[2] in DEFAULT_PORTS.values()))
        own = any(bare == h and (port == p or (port == DEFAULT_PORTS[scheme] and p in DEFAULT_PORTS.values()))
                  for h, p in self.endpoints)
        if not (same or own or bare in self.hosts):
            raise RedirectRefused(
                f"redirected to another site ({_short(target)}); not followed — point the source at the new "
                f"address, or list {host!r} in its redirect_hosts")
        if not self.allow_private:
            addresses = self._resolve(host, port)
            private = [a for a in addresses if not is_public_address(a)]
            if private:
                raise RedirectRefused(
                    f"redirected to {host}, which resolves to a private or local address ({private[0]}); not followed")
        return target


def _short(text: str, limit: int = 120) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- a session applying all of it ----------------------------------------------------------------


class PolicySession(requests.Session):
    """What tweepy and praw are given: every request under a deadline (connect, headers and body), with a
    capped body and redirects decided by ``policy``."""

    def __init__(self, timeout: float, policy: RedirectPolicy | None = None, max_bytes: int = 20 * 1024 * 1024):
        super().__init__()
        self.timeout = float(timeout)
        self.policy = policy
        self.max_bytes = max_bytes
        self.refused: list[str] = []
        self.last_headers: dict[str, str] = {}  # the last answer's headers: rate-limit windows, Retry-After
        mount_watched(self)

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.pop("timeout", None)
        stream = kwargs.pop("stream", False)
        deadline = request_deadline(self.timeout)
        with watched(deadline) as watch:
            try:
                resp = super().request(method, url, timeout=timeouts(self.timeout, deadline), stream=True, **kwargs)
            except requests.RequestException:
                if watch.fired or deadline.expired:
                    raise DeadlineExceeded(f"no complete answer from {_short(url, 80)} by the deadline") from None
                raise
            self.last_headers = dict(resp.headers)
            if stream:
                return resp
            try:
                resp._content = read_body(resp, deadline, self.max_bytes)
            except BodyTooLarge as exc:
                resp.close()
                raise requests.ConnectionError(str(exc)) from None
            except requests.RequestException:
                resp.close()
                raise
            resp._content_consumed = True
            resp.close()
            return resp

    def get_redirect_target(self, resp):  # type: ignore[override]
        location = super().get_redirect_target(resp)
        if location is None or self.policy is None:
            return location
        try:
            return self.policy.check(resp.url, location)
        except RedirectRefused as exc:
            self.refused.append(str(exc))
            return None
