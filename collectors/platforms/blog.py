"""Blogs and their comment threads, read from RSS/Atom feeds. Commenters are "name@host"; replies are manual."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from collectors.platforms import Platform, Secrets, SourceType
from listenwell.config_types import DAYS_MAX, HttpUrl, SourceBase, _valid_host


class FeedSource(SourceBase):
    type: Literal["feed"]
    url: HttpUrl | None = None
    path: str | None = None
    comments: bool = True
    comments_url: HttpUrl | None = None
    comments_max_age_days: int = Field(default=45, ge=0, le=DAYS_MAX)
    max_comment_feeds: int = Field(default=50, ge=0, le=1000)
    redirect_hosts: list[str] = Field(
        default=[], description="other host names the feed may redirect to (by default only its own host and port)",
    )

    @field_validator("redirect_hosts")
    @classmethod
    def _hosts(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _valid_host(value.strip().lower()):
                raise ValueError(f"expected host names such as feeds.example.com (got {value!r})")
        return [v.strip().lower() for v in values]

    @model_validator(mode="after")
    def _one_location(self) -> "FeedSource":
        if (self.url is None) == (self.path is None):
            raise ValueError("give exactly one of 'url' (http/https) or 'path' (a local file)")
        return self


def _build(source: FeedSource, config: Any, secrets: Secrets):
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


PLATFORM = Platform(
    name="blog",
    label="Blog",
    position=30,
    where="on a blog",
    reply_limit=4_000,
    reply_target=1_200,
    handle_prefix="",
    handle_strip=(),
    reply_style="A blog comment reply: complete sentences.",
    reply_kind="comment",
    threads=True,
    source_types=(SourceType("feed", FeedSource, _build, cost="Fetches the feed over the web: free; it asks whether the feed changed before downloading it."),),
    manual_reply="blogs have no reply API here: reply on the blog itself, then dismiss the suggestion",
)
