"""Mastodon's Status entity (as Mastodon.py returns it, or as JSON) → ``Post``.

Handles are full ``user@instance`` addresses (a local account's ``acct`` is just ``user``: the instance's host
is added), lowercased, so one person is one identity whichever instance we read them from. Content is HTML:
kept as plain text. A boost is the boosted status (its own id and author)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import urlsplit

from collectors.base import Identity, Post
from collectors.html_text import html_to_text

PLATFORM = "mastodon"


def full_handle(account: Mapping[str, Any], instance_host: str) -> str:
    acct = str(account.get("acct") or account.get("username") or "").lstrip("@")
    if "@" not in acct:
        host = urlsplit(str(account.get("url") or "")).hostname or instance_host
        acct = f"{acct}@{host}"
    return acct.lower()


def account_to_identity(account: Mapping[str, Any], instance_host: str) -> Identity:
    return Identity(platform=PLATFORM, handle=full_handle(account, instance_host),
                    display_name=account.get("display_name") or account.get("username"),
                    native_id=str(account["id"]) if account.get("id") is not None else None,
                    url=account.get("url"), followers=account.get("followers_count"))


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(timezone.utc)


def status_to_post(status: Mapping[str, Any], *, instance_host: str, source: str, retrieved_at: datetime,
                   our_account_id: str | None = None, mentioned: bool = False) -> Post:
    """A status as a post. ``mentioned``: it came from our notifications (a mention, or a reply to us)."""
    if status.get("reblog"):
        status = status["reblog"]
    account = status["account"]
    text = html_to_text(status.get("content") or "")
    if status.get("spoiler_text"):
        text = f"{status['spoiler_text']}\n{text}"
    parent = status.get("in_reply_to_id")
    kind = "post"
    if parent is not None:
        kind = "reply"
    elif mentioned:
        kind = "mention"
    return Post(
        platform=PLATFORM,
        native_id=str(status["id"]),
        text=text,
        created_at=_time(status["created_at"]),
        author=account_to_identity(account, instance_host),
        source=source,
        retrieved_at=retrieved_at,
        kind=kind,
        url=status.get("url") or status.get("uri"),
        parent_id=str(parent) if parent is not None else None,
        lang=status.get("language"),
        mentions=[full_handle(m, instance_host) for m in status.get("mentions") or []],
        raw={"id": str(status["id"]), "visibility": status.get("visibility"), "uri": status.get("uri"),
             "in_reply_to_account_id": status.get("in_reply_to_account_id")},
    )
