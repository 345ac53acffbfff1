"""Mastodon (Mastodon.py): the ``mastodon`` source schema, its collector and reply sender, ``@user@instance``
handles, and a reply length counted as Mastodon counts it (a URL is 23, ``@user@domain`` is ``@user``)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from collectors.platforms import Platform, Secrets, SourceType
from listenwell.config_types import EnvName, HttpUrl, SourceBase, https_unless_loopback


class MastodonSource(SourceBase):
    type: Literal["mastodon"]
    instance: HttpUrl = Field(description="our account's instance, e.g. https://mastodon.social")
    access_token_env: EnvName = Field(default="MASTODON_ACCESS_TOKEN",
                                      description="a token with read (and, to send replies, write) scope")
    mentions: bool = True
    hashtags: list[str] = Field(default=[], description="hashtags to follow, without '#'")
    queries: list[str] = Field(default=[], description="full-text searches (if the instance offers search)")
    client_statuses: bool = Field(default=True, description="read key clients' statuses (handles.mastodon)")
    own_posts: bool = True
    max_pages_per_run: int = Field(default=5, ge=1, le=1000, description="pages (of 40 statuses) per stream per run")
    max_retries: int = Field(default=3, ge=0, le=10)
    max_wait_seconds: float = Field(default=60.0, ge=0, le=900,
                                    description="wait this long at most for a rate-limit reset (300 requests / 5 min)")

    @field_validator("instance")
    @classmethod
    def _https(cls, value: str) -> str:
        return https_unless_loopback(value)


def _client(source: MastodonSource, secrets: Secrets, *, needed: bool):
    from collectors.base import CredentialsError
    from collectors.mastodon import make_client

    token = secrets.get("access_token")
    if needed and not token:
        raise CredentialsError(f"source {source.name!r}: set the environment variable {source.access_token_env} to "
                                 "an access token (Preferences → Development → New application)")
    return make_client(source.instance, token, source.timeout_seconds)


def _build(source: MastodonSource, config: Any, secrets: Secrets):
    from collectors.mastodon import MastodonCollector

    ours = {h.lower() for h in config.me.handles.for_platform("mastodon")}
    clients = [h for kc in config.key_clients for h in kc.handles.for_platform("mastodon")
               if h.lower() not in ours] if source.client_statuses else []
    return MastodonCollector(
        source.name, _client(source, secrets, needed=True), instance=source.instance, hashtags=source.hashtags,
        queries=source.queries, client_accounts=clients, mentions=source.mentions, own_posts=source.own_posts,
        max_pages_per_run=source.max_pages_per_run, max_retries=source.max_retries,
        max_wait_seconds=source.max_wait_seconds, token_env=source.access_token_env, now=config.now)


def _send(source: MastodonSource, config: Any, secrets: Secrets):
    from collectors.mastodon import MastodonReplySender

    return MastodonReplySender(_client(source, secrets, needed=True), source.instance,
                               token_env=source.access_token_env)


def _length(text: str) -> int:
    from collectors.mastodon import toot_length

    return toot_length(text)


def _recorded(obj: Any, source: str, retrieved_at: Any):
    """A status or a mention notification as the API returns it (a timeline page is a list of them)."""
    if not isinstance(obj, dict) or "account" not in obj:
        return None
    from collectors.mastodon_shapes import status_to_post

    if obj.get("type") is not None and "status" in obj:  # a notification: only mentions carry a post
        if obj.get("type") != "mention" or not obj.get("status"):
            return []
        return [status_to_post(obj["status"], instance_host="", source=source, retrieved_at=retrieved_at,
                               mentioned=True)]
    if "content" in obj and "visibility" in obj:
        return [status_to_post(obj, instance_host="", source=source, retrieved_at=retrieved_at)]
    return None


PLATFORM = Platform(
    name="mastodon",
    label="Mastodon",
    position=40,
    where="on Mastodon",
    reply_limit=500,
    reply_target=450,
    handle_prefix="@",
    handle_strip=("@",),
    handle_pattern=r"[A-Za-z0-9_]{1,30}@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    profile_url=lambda handle: (lambda user, _, host: f"https://{host}/@{user}")(*handle.lstrip("@").partition("@")),
    length=_length,
    length_note="Mastodon counts a link as 23 and @user@instance as @user",
    reply_style="A Mastodon reply: plain and warm, no hashtags.",
    reply_kind="reply",
    source_types=(SourceType("mastodon", MastodonSource, _build,
                             cost="On Mastodon: free; an instance allows about 300 requests every 5 minutes, and "
                                  "listenwell waits when told to."),),
    sender=_send,
    recorded=_recorded,
)
