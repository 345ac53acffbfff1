"""Bluesky's post views and notifications (app.bsky.feed.defs#postView, app.bsky.notification.listNotifications)
→ ``Post``. The native id is the post's at:// URI; the author's identity is their handle (``ana.bsky.social``),
with their DID kept as the native id so a handle change still finds them."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from collectors.base import Identity, Post

PLATFORM = "bluesky"


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(timezone.utc)


def author_identity(author: Mapping[str, Any]) -> Identity:
    handle = str(author["handle"]).lower()
    return Identity(platform=PLATFORM, handle=handle, display_name=author.get("displayName") or None,
                    native_id=author.get("did"), url=f"https://bsky.app/profile/{handle}",
                    followers=author.get("followersCount"))


def web_url(uri: str, handle: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"


def mentioned_handles(record: Mapping[str, Any]) -> list[str]:
    """Handles a post mentions, from its text's @mention facets (the facet holds a DID; the text the handle)."""
    text = str(record.get("text") or "").encode("utf-8")
    out = []
    for facet in record.get("facets") or []:
        if any(str(f.get("$type") or f.get("py_type") or "").endswith("#mention") for f in facet.get("features") or []):
            index = facet.get("index") or {}
            start, end = index.get("byteStart"), index.get("byteEnd")
            if isinstance(start, int) and isinstance(end, int):
                out.append(text[start:end].decode("utf-8", "replace").lstrip("@").lower())
    return out


def post_view_to_post(view: Mapping[str, Any], *, source: str, retrieved_at: datetime, mentioned: bool = False
                      ) -> Post:
    record = view["record"]
    author = view["author"]
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri")
    root = (reply.get("root") or {}).get("uri")
    kind = "reply" if parent else ("mention" if mentioned else "post")
    return Post(
        platform=PLATFORM,
        native_id=str(view["uri"]),
        text=str(record.get("text") or ""),
        created_at=_time(record.get("createdAt") or view["indexedAt"]),
        author=author_identity(author),
        source=source,
        retrieved_at=retrieved_at,
        kind=kind,
        url=web_url(str(view["uri"]), str(author["handle"]).lower()),
        parent_id=parent,
        conversation_id=root,
        lang=(record.get("langs") or [None])[0],
        mentions=mentioned_handles(record),
        raw={"uri": view["uri"], "cid": view.get("cid"), "reply": reply or None},
    )


def notification_to_post(note: Mapping[str, Any], *, source: str, retrieved_at: datetime) -> Post:
    """A mention, reply or quote notification: its record is the post."""
    view = {"uri": note["uri"], "cid": note.get("cid"), "author": note["author"], "record": note["record"],
            "indexedAt": note["indexedAt"]}
    return post_view_to_post(view, source=source, retrieved_at=retrieved_at, mentioned=True)
