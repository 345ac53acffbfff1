"""RSS/Atom feeds (blogs) and their comment threads.

``FeedCollector`` reads one feed, either over HTTP(S) or from a local file (offline
samples), and yields its entries as ``Post(platform="blog", kind="post")``. For recent
entries it also follows the per-post comment feeds the feed advertises (WordPress
``wfw:commentRss``, Atom/Blogger ``<link rel="replies" type="application/atom+xml">``)
and, when configured, one site-wide comments feed, yielding ``kind="comment"`` posts
linked to their post.

State (JSON)::

    {
      "http":    {url: {"etag": str|None, "last_modified": str|None, "checked": iso}},
      "seen":    [native_id, ...],                  # capped at 1000
      "threads": {post_native_id: {"url": canonical post url|None,
                                   "published": iso,
                                   "replies": comment feed url/relative path|None}},
    }

``threads`` remembers recent posts so their comment feeds are still polled when the
main feed answers 304, and so site-wide comments can be linked to posts seen earlier.

Safety: every request runs under ``collectors.http_policy``: one deadline for connect,
headers and body, a 10 MB cap after decompression, and one redirect policy (http(s) only,
the feed's own host and port or its ``redirect_hosts``, never a private or local address
unless the feed itself is on one). Comment-feed links come from untrusted feed text: they
are followed only when they resolve to the same scheme, host and port as the configured
feed (or where it redirected to); redirects of comment feeds are checked the same way. For
file feeds only relative paths inside the feed's directory are read. ``feedparser`` is
always given the bytes through a stream, so it never opens files or URLs itself.
"""
from __future__ import annotations

import io
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import feedparser
import requests

from collectors.base import (
    Checkpoint,
    Identity,
    Item,
    Post,
    RateLimited,
    SeenIds,
    SourceError,
    as_utc,
    content_hash,
    utcnow,
)
from collectors import http_policy
from collectors.html_text import html_to_text
from collectors.redact import redact

__all__ = ["FeedCollector", "canonical_url"]

_MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_]{2,30})\b")
PLATFORM = "blog"
SEEN_CAP = 1000
HTTP_STATE_CAP = 500
THREADS_CAP = 200
MAX_REDIRECTS = http_policy.MAX_REDIRECTS
MAX_BODY_BYTES = http_policy.MAX_BODY_BYTES
MAX_TRANSPORT_FAILURES = 3  # comment feeds: stop after this many timeouts/connection errors
MAX_NOTE_CHARS = 1500
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"

TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_THR_NS = "http://purl.org/syndication/thread/1.0"
_ATOM_NS = "http://www.w3.org/2005/Atom"


# --- URL helpers ------------------------------------------------------------------------------


def canonical_url(url: str | None, *, keep_fragment: bool = False) -> str | None:
    """Lowercased scheme/host, no default port, no userinfo, no tracking params, no
    trailing slash, no fragment (unless ``keep_fragment``). ``None`` if not http(s)."""
    if not url or not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    kept = []
    for piece in parts.query.split("&"):
        if not piece:
            continue
        key = unquote(piece.split("=", 1)[0]).lower()
        if key.startswith("utm_") or key in TRACKING_PARAMS:
            continue
        kept.append(piece)
    fragment = parts.fragment if keep_fragment else ""
    return urlunsplit((scheme, netloc, path, "&".join(kept), fragment))


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _safe_link(url: Any) -> str | None:
    """Keep only http(s) links (never javascript:, data:, file: …) for display."""
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    return url if _origin(url) is not None else None


def _redact(url: str) -> str:
    """URL for messages: no userinfo, bounded length."""
    try:
        parts = urlsplit(url)
        if parts.username or parts.password:
            netloc = parts.netloc.rsplit("@", 1)[-1]
            url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        pass
    return _short(url, 200)


def _short(text: Any, limit: int = 120) -> str:
    text = _CONTROL.sub(" ", str(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _struct_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime(*tuple(value)[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


# --- fetch results ----------------------------------------------------------------------------


@dataclass
class _Fetched:
    key: str  # the URL (or path) as requested: key of the validator map
    final_url: str  # after redirects; base for relative links ("" for files)
    content: bytes | None  # None: 304 Not Modified
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None


@dataclass
class _Target:
    """A comment feed to read."""

    ref: str  # URL, or relative path for file feeds
    parent_id: str | None = None  # None for the site-wide comments feed
    parent_url: str | None = None
    site_wide: bool = False


@dataclass
class _Run:
    """Mutable per-fetch bookkeeping."""

    http: dict[str, dict[str, Any]]
    seen: SeenIds
    threads: dict[str, dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    noted: int = 0  # notes[:noted] went out with an earlier checkpoint
    allowed_origins: set[tuple[str, str, int]] = field(default_factory=set)


class FeedCollector:
    """One RSS/Atom feed plus its comment feeds. See the module docstring."""

    def __init__(
        self,
        name: str,
        url: str | None = None,
        path: Path | None = None,
        *,
        comments: bool = True,
        comments_max_age_days: int = 45,
        max_comment_feeds: int = 50,
        timeout: float = 10.0,
        user_agent: str = "listenwell/0.1 (+https://github.com/listenwell)",
        our_authors: set[str] | None = None,
        session: requests.Session | None = None,
        now: Callable[[], datetime] | None = None,
        comments_url: str | None = None,
        redirect_hosts: list[str] | tuple[str, ...] = (),
    ):
        if not name:
            raise ValueError("a feed source needs a name")
        if (url is None) == (path is None):
            raise ValueError(f"feed source {name!r}: give exactly one of url or path")
        if url is not None:
            if _origin(url) is None:
                raise ValueError(f"feed source {name!r}: url must be an http(s) URL, got {_redact(url)!r}")
        if comments_url is not None and url is not None and _origin(comments_url) is None:
            raise ValueError(f"feed source {name!r}: comments_url must be an http(s) URL")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.name = name
        self.url = url
        self.path = Path(path) if path is not None else None
        self.comments = comments
        self.comments_max_age_days = comments_max_age_days
        self.max_comment_feeds = max_comment_feeds
        self.timeout = float(timeout)
        self.user_agent = user_agent
        self.our_authors = {" ".join(a.lower().split()) for a in (our_authors or set())}
        self.comments_url = comments_url
        self._session = session
        self.redirect_hosts = tuple(redirect_hosts)
        self._redirects: http_policy.RedirectPolicy | None = None
        self._now = now or utcnow
        self._configured_origin = _origin(url) if url else None

    # --- public -----------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = http_policy.new_session()
        return self._session

    @property
    def redirects(self) -> http_policy.RedirectPolicy:
        """Built at the first redirect: it resolves the source's own host names."""
        if self._redirects is None:
            self._redirects = http_policy.RedirectPolicy([self.url, self.comments_url], self.redirect_hosts)
        return self._redirects

    @property
    def location(self) -> str:
        return self.url if self.url is not None else str(self.path)

    def fetch(self, state: dict[str, Any]) -> Iterator[Item]:
        state = state or {}
        now = as_utc(self._now())
        run = _Run(
            http={k: dict(v) for k, v in (state.get("http") or {}).items() if isinstance(v, dict)},
            seen=SeenIds([s for s in (state.get("seen") or []) if isinstance(s, str)], cap=SEEN_CAP),
            threads={k: dict(v) for k, v in (state.get("threads") or {}).items() if isinstance(v, dict)},
        )
        if self._configured_origin:
            run.allowed_origins.add(self._configured_origin)

        # 1. the feed itself: any failure here is the source's failure
        main = self._get(self.location, run.http.get(self.location, {}), what="feed", comment=False)
        if main.final_url and _origin(main.final_url):
            run.allowed_origins.add(_origin(main.final_url))  # e.g. http -> https upgrade
        posts: list[Post] = []
        if main.content is not None:
            parsed = self._parse(main, what="feed")  # raises SourceError on a feed with no entries
            if parsed.get("_note"):
                run.notes.append(parsed["_note"])
            host = self._blog_host(parsed)
            refused: list[str] = []
            for entry in parsed.entries:
                post, replies, refusal = self._entry_to_post(entry, host, now, main.final_url)
                posts.append(post)
                if refusal:
                    refused.append(refusal)
                self._remember_thread(run, post, replies, now)
            if refused:
                run.notes.append(
                    f"skipped {len(refused)} comment feed link(s) that are not on the feed's site: "
                    + ", ".join(refused[:3])
                    + (" …" if len(refused) > 3 else "")
                )
        for post in posts:
            if post.native_id in run.seen:
                continue
            yield post
            run.seen.add(post.native_id)
        self._remember_http(run, main, now)
        yield self._checkpoint(run, now)

        if not self.comments:
            return

        # 2. comment feeds: failures are notes, never lose what was already yielded
        dirty = False
        transport_failures = 0
        for target in self._comment_targets(run, now):
            try:
                fetched = self._get(target.ref, run.http.get(target.ref, {}), what="comment feed", comment=True, run=run)
            except RateLimited as exc:
                run.notes.append(f"{exc} (remaining comment feeds skipped this run)")
                dirty = True
                break
            except SourceError as exc:
                run.notes.append(str(exc))
                dirty = True
                if isinstance(exc, _TransportError):
                    transport_failures += 1
                    if transport_failures >= MAX_TRANSPORT_FAILURES:
                        run.notes.append("too many comment feeds unreachable; remaining comment feeds skipped this run")
                        break
                continue
            if fetched.content is None:  # 304
                self._remember_http(run, fetched, now)
                dirty = True
                continue
            try:
                parsed = self._parse(fetched, what="comment feed")
            except SourceError as exc:
                run.notes.append(str(exc))
                dirty = True
                continue
            comments = self._comments(parsed, fetched, target, run, now)
            for comment in comments:
                if comment.native_id in run.seen:
                    continue
                yield comment
                run.seen.add(comment.native_id)
            self._remember_http(run, fetched, now)
            yield self._checkpoint(run, now)
            dirty = False
        if dirty:
            yield self._checkpoint(run, now)

    # --- fetching ---------------------------------------------------------------------------

    def _get(self, ref: str, validators: dict[str, Any], *, what: str, comment: bool, run: _Run | None = None) -> _Fetched:
        if self.path is not None:
            return self._read_file(ref, what=what, comment=comment)
        return self._http_get(ref, validators, what=what, comment=comment, run=run)

    def _read_file(self, ref: str, *, what: str, comment: bool) -> _Fetched:
        assert self.path is not None
        if comment:
            target = self._resolve_local(ref) if not (self.comments_url and ref == self.comments_url) else self._configured_local(ref)
            if target is None:
                raise SourceError(f"{what} {_short(ref)!r} is outside the feed's directory; not read")
        else:
            target = self.path
        try:
            data = target.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read {what} file {target}: {exc.strerror or exc}; check the path") from exc
        return _Fetched(key=ref, final_url="", content=data)

    def _configured_local(self, ref: str) -> Path:
        assert self.path is not None
        p = Path(ref)
        return p if p.is_absolute() else self.path.parent / p

    def _resolve_local(self, ref: str) -> Path | None:
        """A relative path (or file: URI) that stays inside the feed file's directory."""
        assert self.path is not None
        if not isinstance(ref, str) or not ref.strip() or _UNSAFE_URL_CHARS.search(ref.strip()):
            return None
        try:
            parts = urlsplit(ref.strip())
        except ValueError:
            return None
        base = self.path.resolve().parent
        if parts.scheme:
            if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
                return None
            candidate = Path(unquote(parts.path))
        else:
            if parts.netloc or parts.path.startswith("/") or not parts.path:
                return None
            candidate = base / unquote(parts.path)
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            return None
        if resolved == base or not resolved.is_relative_to(base):
            return None
        return resolved

    def _http_get(self, url: str, validators: dict[str, Any], *, what: str, comment: bool, run: _Run | None) -> _Fetched:
        """One URL under the HTTP policy: one deadline for every hop, headers and body; redirects decided
        by ``RedirectPolicy`` (and, for comment feeds, kept on the origins the feed itself uses)."""
        headers = {"User-Agent": self.user_agent, "Accept": ACCEPT}
        if validators.get("etag"):
            headers["If-None-Match"] = str(validators["etag"])
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = str(validators["last_modified"])
        deadline = http_policy.request_deadline(self.timeout)
        started = time.monotonic()
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                with http_policy.watched(deadline) as watch:
                    try:
                        resp = self.session.get(current, headers=headers,
                                                timeout=http_policy.timeouts(self.timeout, deadline),
                                                allow_redirects=False, stream=True)
                    except requests.RequestException:
                        if watch.fired or deadline.expired:
                            raise http_policy.DeadlineExceeded("no answer by the deadline") from None
                        raise
                    try:
                        return_value = self._answer(resp, url, current, validators, what=what, comment=comment,
                                                    run=run, deadline=deadline)
                    finally:
                        resp.close()
            except http_policy.DeadlineExceeded as exc:
                raise _TransportError(
                    f"{what} {_redact(current)} gave up after {time.monotonic() - started:.0f}s ({exc}); the site "
                    "is too slow or not answering — it will be retried next run"
                ) from None
            except requests.Timeout as exc:
                raise _TransportError(
                    f"{what} {_redact(current)} timed out after {self.timeout:g}s; the site may be slow or down "
                    "— it will be retried next run (raise the timeout if this keeps happening)"
                ) from exc
            except requests.ConnectionError as exc:
                raise _TransportError(
                    f"could not connect to {what} {_redact(current)} ({_short(_root_cause(exc), 1000)}); "
                    "check the URL and your network — it will be retried next run"
                ) from exc
            except requests.RequestException as exc:
                raise SourceError(f"request for {what} {_redact(current)} failed: {_short(exc, 200)}") from exc
            if isinstance(return_value, _Fetched):
                return return_value
            current = return_value  # a redirect the policy allows
        raise SourceError(f"{what} {_redact(url)} redirected more than {MAX_REDIRECTS} times; check the URL")

    def _answer(self, resp: requests.Response, url: str, current: str, validators: dict[str, Any], *, what: str,
                comment: bool, run: _Run | None, deadline: http_policy.Deadline) -> "_Fetched | str":
        """The fetched content, or the next URL of an allowed redirect."""
        status = resp.status_code
        if status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
            try:
                nxt = self.redirects.check(current, resp.headers["Location"])
            except http_policy.RedirectRefused as exc:
                raise SourceError(f"{what} {_redact(current)} {exc}") from None
            if comment and run is not None and _origin(nxt) not in run.allowed_origins:
                raise SourceError(f"{what} {_redact(current)} redirected to another site ({_redact(nxt)}); not followed")
            return nxt
        if status == 304:
            return _Fetched(key=url, final_url=current, content=None, etag=validators.get("etag"),
                            last_modified=validators.get("last_modified"))
        if status >= 300:
            self._raise_for_status(resp, current, what)
        try:
            content = http_policy.read_body(resp, deadline, MAX_BODY_BYTES)
        except http_policy.BodyTooLarge:
            raise SourceError(f"{what} {_redact(current)} is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB "
                              "(after decompression); refusing it") from None
        return _Fetched(key=url, final_url=current, content=content, etag=resp.headers.get("ETag"),
                        last_modified=resp.headers.get("Last-Modified"), content_type=resp.headers.get("Content-Type"))

    def _raise_for_status(self, resp: requests.Response, url: str, what: str) -> None:
        status = resp.status_code
        reason = f" {resp.reason}" if resp.reason else ""
        excerpt = ""
        try:
            head = resp.raw.read(2048, decode_content=True) if resp.raw is not None else b""
            text = _short(redact(html_to_text(head.decode("utf-8", "replace"))), 100)
            if text:
                excerpt = f' (response starts: "{text}")'
        except Exception:  # the excerpt is a courtesy only
            pass
        prefix = f"{what} {_redact(url)} returned HTTP {status}{reason}"
        if status in (429, 503):
            retry_at = self._retry_at(resp.headers.get("Retry-After"))
            if status == 429 or retry_at is not None:
                when = f"; retry after {retry_at.isoformat(timespec='seconds')}" if retry_at else "; wait before retrying"
                raise RateLimited(f"{prefix}: the site asks us to slow down{when}", retry_at=retry_at)
        if status in (404, 410):
            hint = "the feed is gone or the URL is wrong — check the URL in the config"
        elif status in (401, 403):
            hint = "the site refuses access — check the URL or whether the feed needs a login"
        elif status >= 500:
            hint = "the site has a server error — it will be retried next run"
        elif status >= 400:
            hint = "the request was refused — check the URL"
        else:
            hint = "unexpected response (redirect without a Location?) — check the URL"
        raise SourceError(f"{prefix}: {hint}{excerpt}")

    def _retry_at(self, header: str | None) -> datetime | None:
        return http_policy.retry_at(header, as_utc(self._now()), form="seconds") if header else None

    # --- parsing ----------------------------------------------------------------------------

    def _parse(self, fetched: _Fetched, *, what: str) -> Any:
        assert fetched.content is not None
        response_headers: dict[str, str] = {}
        if fetched.final_url:
            response_headers["content-location"] = fetched.final_url
        if fetched.content_type:
            response_headers["content-type"] = fetched.content_type
        where = _redact(fetched.final_url or fetched.key)
        if not fetched.content.strip():
            raise SourceError(f"malformed {what} {where}: the response is empty")
        try:
            # A stream, never a str/bytes: feedparser would treat those as a path or URL.
            parsed = feedparser.parse(io.BytesIO(fetched.content), response_headers=response_headers)
        except Exception as exc:  # feedparser is lenient, but never let it crash the run
            raise SourceError(f"malformed {what} {where}: {_short(exc, 200)}") from exc
        if parsed.get("bozo") and not parsed.entries:
            reason = _short(parsed.get("bozo_exception") or "not a feed", 200)
            raise SourceError(f"malformed {what} {where}: {reason} — check that the URL points to an RSS/Atom feed")
        if not parsed.entries and not parsed.get("version"):
            raise SourceError(
                f"{where} does not look like an RSS/Atom {what} (no feed elements found) — check the URL"
            )
        if parsed.get("bozo"):
            parsed["_note"] = f"{what} {where} is not well-formed ({_short(parsed.get('bozo_exception'), 160)}); read {len(parsed.entries)} entries anyway"
        return parsed

    def _blog_host(self, parsed: Any) -> str:
        if self.url is not None:
            return (urlsplit(self.url).hostname or "unknown").lower()
        link = _safe_link(parsed.feed.get("link"))
        if link:
            return (urlsplit(link).hostname or "local").lower()
        assert self.path is not None
        return self.path.stem.lower() or "local"

    # --- entries ----------------------------------------------------------------------------

    def _entry_key(self, entry: Any, host: str, title: str | None, text: str, *, keep_fragment: bool) -> str:
        guid = entry.get("id")
        if isinstance(guid, str) and guid.strip():
            guid = guid.strip()
            if ":" not in guid:  # "123": only unique within its blog
                guid = f"guid:{host}:{guid}"
            return guid if len(guid) <= 512 else "sha:" + content_hash(guid)
        url = canonical_url(entry.get("link"), keep_fragment=keep_fragment)
        if url:
            return url if len(url) <= 512 else "sha:" + content_hash(url)
        return content_hash(title, text)

    def _build(self, entry: Any, host: str, now: datetime, *, kind: str, keep_fragment: bool) -> Post:
        title = entry.get("title")
        title = str(title) if title else None
        body = ""
        content = entry.get("content") or []
        if content and isinstance(content[0], dict):
            body = content[0].get("value") or ""
        if not body:
            body = entry.get("summary") or ""
        text = html_to_text(body)
        native_id = self._entry_key(entry, host, title, text, keep_fragment=keep_fragment)
        # dict.get: FeedParserDict maps updated<->published with a DeprecationWarning
        published = _struct_to_dt(dict.get(entry, "published_parsed"))
        updated = _struct_to_dt(dict.get(entry, "updated_parsed"))
        author = self._author(entry, host)
        tags = [str(t.get("term")) for t in (entry.get("tags") or []) if isinstance(t, dict) and t.get("term")][:25]
        raw: dict[str, Any] = {
            "id": _str_or_none(entry.get("id")),
            "link": _str_or_none(entry.get("link")),
            "title": title,
            "author": author.display_name,
            "published": _iso(published),
            "updated": _iso(updated),
            "tags": tags,
            "comments": _str_or_none(entry.get("comments")),
        }
        if self.our_authors:
            raw["our_author"] = author.handle.rsplit("@", 1)[0] in self.our_authors
        return Post(
            platform=PLATFORM,
            native_id=native_id,
            text=text,
            created_at=published or updated or now,
            author=author,
            source=self.name,
            retrieved_at=now,
            kind=kind,
            url=_safe_link(entry.get("link")),
            title=title,
            mentions=list(dict.fromkeys(_MENTION.findall(text)))[:20],
            raw=raw,
        )

    def _author(self, entry: Any, host: str) -> Identity:
        detail = entry.get("author_detail") or {}
        name = detail.get("name") or entry.get("author") or ""
        if not isinstance(name, str):
            name = str(name)
        name = " ".join(name.split())
        if not name and isinstance(detail.get("email"), str):
            name = detail["email"].split("@", 1)[0].strip()
        handle_name = name.lower()[:100] or "unknown"
        return Identity(
            platform=PLATFORM,
            handle=f"{handle_name}@{host}",
            display_name=name or None,
            url=_safe_link(detail.get("href")),
        )

    def _entry_to_post(self, entry: Any, host: str, now: datetime, base: str) -> tuple[Post, str | None, str | None]:
        """The post, its comment feed reference (validated) and a refusal note."""
        post = self._build(entry, host, now, kind="post", keep_fragment=False)
        candidates: list[str] = []
        wfw = entry.get("wfw_commentrss")
        if isinstance(wfw, str) and wfw.strip():
            candidates.append(wfw.strip())
        for link in entry.get("links") or []:
            if (
                isinstance(link, dict)
                and link.get("rel") == "replies"
                and (link.get("type") or "").split(";")[0].strip().lower() in ("application/atom+xml", "application/rss+xml")
                and link.get("href")
            ):
                candidates.append(str(link["href"]).strip())
        replies = None
        refusal = None
        for cand in candidates:
            ok = self._validate_comment_ref(cand, base)
            if ok:
                replies = ok
                break
            refusal = _short(cand, 100)
        if replies:
            refusal = None
        post.raw["comment_feed"] = replies  # type: ignore[index]
        return post, replies, refusal

    def _validate_comment_ref(self, ref: str, base: str, allowed: set[tuple[str, str, int]] | None = None) -> str | None:
        """The URL (or relative path) to read for a comment feed link, or None if refused."""
        if not ref or _UNSAFE_URL_CHARS.search(ref):
            return None
        if self.path is not None:
            return ref if self._resolve_local(ref) is not None else None
        resolved = urljoin(base or self.url or "", ref)
        try:
            parts = urlsplit(resolved)
        except ValueError:
            return None
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            return None
        origin = _origin(resolved)
        allowed = allowed if allowed is not None else ({self._configured_origin} | ({_origin(base)} if base else set()))
        if origin is None or origin not in allowed:
            return None
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))

    def _remember_thread(self, run: _Run, post: Post, replies: str | None, now: datetime) -> None:
        has_date = bool(post.raw and (post.raw.get("published") or post.raw.get("updated")))
        old = run.threads.get(post.native_id, {})
        published = post.created_at.isoformat() if has_date else (old.get("published") or now.isoformat())
        run.threads[post.native_id] = {
            "url": canonical_url(post.url),
            "published": published,
            "replies": replies,
        }

    def _comment_targets(self, run: _Run, now: datetime) -> list[_Target]:
        targets: list[_Target] = []
        if self.comments_url:
            targets.append(_Target(ref=self.comments_url, site_wide=True))
        cutoff = now - timedelta(days=self.comments_max_age_days)
        recent = []
        for post_id, info in run.threads.items():
            published = _parse_iso(info.get("published"))
            ref = info.get("replies")
            if not ref or not isinstance(ref, str) or published is None or published < cutoff:
                continue
            # re-check: state could come from an older version or be edited by hand
            if self.path is None and self._validate_comment_ref(ref, "", run.allowed_origins) is None:
                continue
            if self.path is not None and self._resolve_local(ref) is None:
                continue
            recent.append((published, post_id, info))
        recent.sort(key=lambda item: item[0], reverse=True)
        refs = {t.ref for t in targets}
        for _published, post_id, info in recent:
            if len(targets) - (1 if self.comments_url else 0) >= self.max_comment_feeds:
                break
            if info["replies"] in refs:
                continue
            refs.add(info["replies"])
            targets.append(_Target(ref=info["replies"], parent_id=post_id, parent_url=info.get("url")))
        return targets

    def _comments(self, parsed: Any, fetched: _Fetched, target: _Target, run: _Run, now: datetime) -> list[Post]:
        if parsed.get("_note"):
            run.notes.append(parsed["_note"])
        host = self._blog_host(parsed) if self.path is not None else (urlsplit(self.url or "").hostname or "unknown").lower()
        url_to_id = {info.get("url"): pid for pid, info in run.threads.items() if info.get("url")}
        in_reply_to = _in_reply_to(fetched.content or b"") if target.site_wide else {}
        out = []
        for entry in parsed.entries:
            comment = self._build(entry, host, now, kind="comment", keep_fragment=True)
            if target.site_wide:
                ref, href = in_reply_to.get(str(entry.get("id") or "").strip(), (None, None))
                parent_url = canonical_url(href) if href else None
                if parent_url is None and comment.url and "#" in comment.url:
                    parent_url = canonical_url(comment.url)
                parent_id = ref if ref and ref in run.threads else url_to_id.get(parent_url)
                if parent_url is None and parent_id:
                    parent_url = run.threads[parent_id].get("url")
                comment.parent_url = parent_url
                comment.parent_id = parent_id
                comment.conversation_id = parent_id
            else:
                comment.parent_id = target.parent_id
                comment.conversation_id = target.parent_id
                comment.parent_url = target.parent_url
            out.append(comment)
        return out

    # --- state ------------------------------------------------------------------------------

    def _remember_http(self, run: _Run, fetched: _Fetched, now: datetime) -> None:
        if self.path is not None:
            return
        run.http[fetched.key] = {
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "checked": now.isoformat(timespec="seconds"),
        }

    def _checkpoint(self, run: _Run, now: datetime) -> Checkpoint:
        keep = {self.location, self.comments_url}
        horizon = now - timedelta(days=max(2 * self.comments_max_age_days, 90))
        http = {}
        for url, info in run.http.items():
            checked = _parse_iso(info.get("checked"))
            if url in keep or (checked is not None and checked >= horizon):
                http[url] = dict(info)
        if len(http) > HTTP_STATE_CAP:
            ordered = sorted(
                http.items(),
                key=lambda kv: (kv[0] in keep, kv[1].get("checked") or ""),
                reverse=True,
            )
            http = dict(ordered[:HTTP_STATE_CAP])
        cutoff = now - timedelta(days=self.comments_max_age_days)
        threads = {
            pid: dict(info)
            for pid, info in run.threads.items()
            if (_parse_iso(info.get("published")) or now) >= cutoff
        }
        if len(threads) > THREADS_CAP:
            threads = dict(sorted(threads.items(), key=lambda kv: kv[1].get("published") or "", reverse=True)[:THREADS_CAP])
        run.threads = threads
        # each checkpoint carries only the notes since the last one: the runner keeps every message once
        note = "; ".join(n for n in dict.fromkeys(run.notes[run.noted:]) if n not in run.notes[:run.noted]) or None
        run.noted = len(run.notes)
        if note and len(note) > MAX_NOTE_CHARS:
            note = note[: MAX_NOTE_CHARS - 1] + "…"
        return Checkpoint(
            state={"http": http, "seen": run.seen.to_list(), "threads": {k: dict(v) for k, v in threads.items()}},
            note=note,
        )


class _TransportError(SourceError):
    """Timeout / connection failure (as opposed to an HTTP error answer)."""


def _root_cause(exc: BaseException) -> str:
    seen = set()
    while exc.__context__ is not None and id(exc) not in seen and not str(exc):
        seen.add(id(exc))
        exc = exc.__context__
    return str(exc) or exc.__class__.__name__


def _str_or_none(value: Any) -> str | None:
    return str(value) if value else None


def _in_reply_to(content: bytes) -> dict[str, tuple[str | None, str | None]]:
    """entry id -> (thr:in-reply-to ref, href). feedparser drops these attributes."""
    if b"in-reply-to" not in content:
        return {}
    out: dict[str, tuple[str | None, str | None]] = {}
    try:
        for _event, elem in ET.iterparse(io.BytesIO(content), events=("end",)):
            if elem.tag in (f"{{{_ATOM_NS}}}entry", "item"):
                ident = elem.findtext(f"{{{_ATOM_NS}}}id") or elem.findtext("guid") or ""
                irt = elem.find(f"{{{_THR_NS}}}in-reply-to")
                if ident.strip() and irt is not None:
                    out[ident.strip()] = (irt.get("ref"), irt.get("href"))
                elem.clear()
    except (ET.ParseError, ValueError):
        pass
    return out
