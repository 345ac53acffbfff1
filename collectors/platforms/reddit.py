"""Reddit through praw (script app): the ``reddit`` source schema, its collector and sender, ``u/`` handles."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from collectors.cursors import StreamCursor
from collectors.platforms import Platform, Secrets, SourceType
from listenwell.config_types import EnvName, HttpUrl, SourceBase, https_unless_loopback


class RedditSource(SourceBase):
    type: Literal["reddit"]
    client_id_env: EnvName = "REDDIT_CLIENT_ID"
    client_secret_env: EnvName = "REDDIT_CLIENT_SECRET"
    username_env: EnvName | None = "REDDIT_USERNAME"
    password_env: EnvName | None = "REDDIT_PASSWORD"
    user_agent: str = Field(min_length=10, description="a descriptive user agent: 'listenwell:fernhill:0.1 (by u/you)'")
    subreddits: list[str] = []
    queries: list[str] = []
    inbox: bool = True
    client_activity: bool = True
    own_comments: bool = True
    max_items_per_run: int = Field(default=500, ge=1, le=100_000)
    max_wait_seconds: float = Field(
        default=60.0, ge=0, le=600,
        description="when Reddit's rate-limit window is used up and resets later than this, stop and retry then",
    )
    oauth_url: HttpUrl | None = Field(
        default=None,
        description="API endpoint override (default https://oauth.reddit.com); credentials' tokens are sent here",
    )
    reddit_url: HttpUrl | None = Field(
        default=None,
        description="token endpoint override (default https://www.reddit.com); client secret and password are sent here",
    )

    @field_validator("oauth_url", "reddit_url")
    @classmethod
    def _https_unless_loopback(cls, value: str | None) -> str | None:
        return https_unless_loopback(value)


def _build(source: RedditSource, config: Any, secrets: Secrets):
    from collectors.reddit import RedditCollector

    return RedditCollector.from_config(source, config, secrets=secrets)


def _send(source: RedditSource, config: Any, secrets: Secrets):
    from collectors.reddit import RedditReplySender

    return RedditReplySender.from_config(source, config, secrets=secrets)


def _streams(state: dict) -> list[StreamCursor]:
    streams = state.get("streams") if isinstance(state, dict) else None
    return [StreamCursor(stream=name, value=st.get("last") or st.get("since"), seen=list(st.get("seen") or []),
                         retry_at=st.get("retry_at"))
            for name, st in (streams or {}).items() if isinstance(st, dict)]


PLATFORM = Platform(
    name="reddit",
    label="Reddit",
    position=20,
    where="on Reddit",
    reply_limit=10_000,
    reply_target=900,
    handle_prefix="u/",
    handle_strip=("@", "/u/", "u/"),
    handle_pattern=r"[A-Za-z0-9_-]{3,20}",
    profile_url=lambda handle: f"https://www.reddit.com/user/{handle}",
    reply_style="A Reddit comment: plain and direct.",
    reply_kind="comment",
    threads=True,
    source_types=(SourceType("reddit", RedditSource, _build, streams=_streams,
                             cost="On Reddit: free within its rate limit (about 100 requests a minute); listenwell "
                                  "waits when told to."),),
    sender=_send,
)
