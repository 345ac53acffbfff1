"""Bluesky (the atproto SDK, an app password): the ``bluesky`` source schema, its collector and reply sender,
handles such as ``ana.bsky.social``, and a 300-character reply."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from collectors.platforms import Platform, Secrets, SourceType
from listenwell.config_types import EnvName, HttpUrl, SourceBase, https_unless_loopback


class BlueskySource(SourceBase):
    type: Literal["bluesky"]
    service: HttpUrl = Field(default="https://bsky.social", description="our account's PDS or entryway")
    handle_env: EnvName = Field(default="BLUESKY_HANDLE", description="our handle or DID")
    app_password_env: EnvName = Field(default="BLUESKY_APP_PASSWORD",
                                      description="an app password (Settings → Privacy and security → "
                                                  "App passwords)")
    mentions: bool = True
    queries: list[str] = Field(default=[], description="searchPosts terms: brand, products, topics")
    client_feeds: bool = Field(default=True, description="read key clients' author feeds (handles.bluesky)")
    own_posts: bool = True
    max_pages_per_run: int = Field(default=5, ge=1, le=1000, description="pages (of 50 posts) per stream per run")
    max_retries: int = Field(default=3, ge=0, le=10)
    max_wait_seconds: float = Field(default=60.0, ge=0, le=900)

    @field_validator("service")
    @classmethod
    def _https(cls, value: str) -> str:
        return https_unless_loopback(value)


def _build(source: BlueskySource, config: Any, secrets: Secrets):
    from collectors.bluesky import BlueskyCollector, make_client

    ours = {h.lower() for h in config.me.handles.for_platform("bluesky")}
    clients = [h for kc in config.key_clients for h in kc.handles.for_platform("bluesky")
               if h.lower() not in ours] if source.client_feeds else []
    return BlueskyCollector(
        source.name, make_client(source.service, source.timeout_seconds), identifier=secrets.get("handle"),
        app_password=secrets.get("app_password"), queries=source.queries, client_handles=clients,
        mentions=source.mentions, own_posts=source.own_posts, max_pages_per_run=source.max_pages_per_run,
        max_retries=source.max_retries, max_wait_seconds=source.max_wait_seconds,
        env_names=(source.handle_env, source.app_password_env), now=config.now)


def _send(source: BlueskySource, config: Any, secrets: Secrets):
    from collectors.bluesky import BlueskyReplySender, make_client

    return BlueskyReplySender(make_client(source.service, source.timeout_seconds), identifier=secrets.get("handle"),
                              app_password=secrets.get("app_password"),
                              env_names=(source.handle_env, source.app_password_env), now=config.now)


def _recorded(obj: Any, source: str, retrieved_at: Any):
    """An XRPC answer: a searchPosts or getPosts page, an author feed, a notifications page, or one post view."""
    if not isinstance(obj, dict):
        return None
    from collectors.bluesky_shapes import notification_to_post, post_view_to_post

    def view(v):
        return post_view_to_post(v, source=source, retrieved_at=retrieved_at)

    if isinstance(obj.get("notifications"), list):
        return [notification_to_post(n, source=source, retrieved_at=retrieved_at) for n in obj["notifications"]
                if n.get("reason") in ("mention", "reply", "quote")]
    if isinstance(obj.get("feed"), list):
        return [view(item["post"]) for item in obj["feed"] if not item.get("reason")]
    if isinstance(obj.get("posts"), list) and all(str(p.get("uri", "")).startswith("at://") for p in obj["posts"]):
        return [view(p) for p in obj["posts"]]
    if str(obj.get("uri", "")).startswith("at://") and isinstance(obj.get("record"), dict):
        return [view(obj)]
    return None


PLATFORM = Platform(
    name="bluesky",
    label="Bluesky",
    position=50,
    where="on Bluesky",
    reply_limit=300,
    reply_target=280,
    handle_prefix="@",
    handle_strip=("@",),
    handle_pattern=r"[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}",
    profile_url=lambda handle: f"https://bsky.app/profile/{handle.lstrip('@')}",
    length_note="Bluesky allows 300 graphemes",
    reply_style="A Bluesky reply: short and plain, no hashtags.",
    reply_kind="reply",
    source_types=(SourceType("bluesky", BlueskySource, _build,
                            cost="On Bluesky: free; listenwell rests a stream when the service says it is reading too fast."),),
    sender=_send,
    recorded=_recorded,
)
