"""Every platform listenwell knows, each declared once, in its own module of this package.

A platform module defines ``PLATFORM = Platform(...)``: its config schema (the ``sources:`` types it adds
and an optional top-level settings section), how to build its collector from a source and the secrets the
source names, its handle and profile-link rules, how long a reply may be and how the platform counts it,
who sends an approved reply (or why a reply there is a manual step), and the words used about it.

Everything else asks this registry: ``listenwell/config.py`` (schema, handles), ``collectors/registry.py``
(collectors), ``engagement`` (limits, wording, interactions), ``delivery/senders.py``, ``storage/writes.py``
and the CLI. Adding a platform is adding one module here; nothing else names it.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Callable, Mapping

Secrets = Mapping[str, "str | None"]


@dataclass(frozen=True)
class SourceType:
    """One ``type:`` of source in config.yaml: its schema and how its collector is built.

    ``build(source, config, secrets)``: ``secrets`` maps each ``*_env`` field of the source (without the
    suffix) to the variable's value, read by the caller; collectors never read the environment."""

    type: str
    schema: type
    build: Callable[[Any, Any, Secrets], Any]
    network: bool = True  # reads over the network: runs under a time budget
    streams: Callable[[Mapping[str, Any]], list[Any]] | None = None  # state -> [StreamCursor], for `sources`
    cost: str = ""  # what reading it costs, in words (the web's Sources page); priced platforms add their spend


@dataclass(frozen=True)
class Platform:
    name: str  # the id in post uids, handles' keys and config: "x", "mastodon"
    label: str  # "X", "Mastodon"
    position: int  # order in lists (config examples, digests)
    where: str  # "on X"
    reply_limit: int  # what the platform accepts
    reply_target: int  # what a reply should aim for, so it reads like a person and not a manual
    handle_prefix: str = "@"  # shown before a handle: @ana, u/ana
    handle_strip: tuple[str, ...] = ("@",)  # prefixes a handle written in config or a CSV may carry
    handle_pattern: str | None = None  # a valid handle (None: any text, as blog commenter names)
    profile_url: Callable[[str], str | None] = lambda handle: None
    length: Callable[[str], int] = len  # how the platform counts a reply's length
    length_note: str = "characters"  # that rule in words, for messages
    reply_style: str = ""  # one line for a drafting model
    short_form: bool = False  # answers in their short form, links inline (X)
    reply_kind: str = "comment"  # what an answer to our post is called: reply (X, Mastodon), comment (Reddit)
    threads: bool = False  # a reply goes into a thread whose earlier posts matter (Reddit, blogs)
    source_types: tuple[SourceType, ...] = ()
    settings: type | None = None  # a top-level config section named after the platform (x: price_per_read …)
    sender: Callable[[Any, Any, Secrets], Any] | None = None  # (source, config, secrets) -> ReplySender
    manual_reply: str | None = None  # why replies there are a manual step (when sender is None)
    # record shapes: one recorded API answer (a JSONL line of a ``files`` source) as posts, or None if it is not
    # this platform's: ``recorded(obj, source, retrieved_at)``
    recorded: Callable[[Any, str, Any], Any] | None = None

    def normalize_handle(self, handle: str) -> str:
        handle = handle.strip()
        for prefix in self.handle_strip:
            if handle.lower().startswith(prefix):
                handle = handle[len(prefix):]
        return handle

    def valid_handle(self, handle: str) -> bool:
        return self.handle_pattern is None or re.fullmatch(self.handle_pattern, handle) is not None

    def show_handle(self, handle: str) -> str:
        return self.handle_prefix + self.normalize_handle(handle)


@cache
def _load() -> dict[str, Platform]:
    found: list[Platform] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_"):
            continue
        platform = getattr(importlib.import_module(f"{__name__}.{module.name}"), "PLATFORM", None)
        if isinstance(platform, Platform):
            found.append(platform)
    return {p.name: p for p in sorted(found, key=lambda p: (p.position, p.name))}


def all_platforms() -> list[Platform]:
    return list(_load().values())


def names() -> tuple[str, ...]:
    return tuple(_load())


def get(name: str) -> Platform:
    """The platform called ``name``; KeyError if none is."""
    return _load()[name]


def find(name: str) -> Platform | None:
    return _load().get(name)


def source_types() -> dict[str, tuple[Platform, SourceType]]:
    return {st.type: (p, st) for p in all_platforms() for st in p.source_types}


def source_type(type_name: str) -> tuple[Platform, SourceType] | None:
    return source_types().get(type_name)


def recorded_posts(obj: Any, source: str, retrieved_at: Any) -> list | None:
    """The posts in one recorded API answer of whichever platform recognises it; None if none does."""
    for platform in all_platforms():
        if platform.recorded is not None:
            posts = platform.recorded(obj, source, retrieved_at)
            if posts is not None:
                return list(posts)
    return None


def sending_source_type(platform: Platform) -> SourceType | None:
    """The source type whose settings (credentials, endpoint) a reply on ``platform`` is sent with."""
    return platform.source_types[0] if platform.source_types else None
