"""Build the configured collectors. The only place that knows every collector class."""
from __future__ import annotations

from glob import glob
from pathlib import Path
from typing import Any

from collectors.base import Collector, SourceError


class NotAvailable:
    """Stands in for a source type this build cannot run yet; fails that source only."""

    def __init__(self, name: str, message: str):
        self.name = name
        self.message = message

    def fetch(self, state: dict[str, Any]):
        raise SourceError(self.message)
        yield  # pragma: no cover  (makes this a generator)


def expand_paths(config, patterns: list[str]) -> list[Path]:
    found: list[Path] = []
    for pattern in patterns:
        resolved = config.resolve(pattern)
        matches = sorted(Path(p) for p in glob(str(resolved), recursive=True))
        found.extend(matches if matches else [resolved])  # a missing file is reported by the collector
    return found


def build_collector(config, source) -> Collector:
    our = config.our_handles()
    if source.type == "feed":
        from collectors.feeds import FeedCollector

        our_blog_authors = set(config.me.handles.blog) | {config.me.name}
        return FeedCollector(
            source.name,
            url=source.url,
            path=config.resolve(source.path) if source.path else None,
            comments=source.comments,
            comments_url=source.comments_url,
            redirect_hosts=source.redirect_hosts,
            comments_max_age_days=source.comments_max_age_days,
            max_comment_feeds=source.max_comment_feeds,
            timeout=source.timeout_seconds,
            our_authors={a.lower() for a in our_blog_authors},
            now=config.now,
        )
    if source.type == "files":
        from collectors.files import FilesCollector

        return FilesCollector(
            source.name,
            expand_paths(config, source.paths),
            format=source.format,
            our_handles=our,
            columnar=True,  # the runner stores PostsBatch items as they are
        )
    if source.type == "x":
        from collectors.x import XCollector

        return XCollector.from_config(source, config)
    if source.type == "reddit":
        from collectors.reddit import RedditCollector

        return RedditCollector.from_config(source, config)
    raise SourceError(f"unknown source type {source.type!r}")  # unreachable: config validation rejects it
