"""A handle written in a post, on any platform we read: ``@name`` (X, Reddit's u/ aside), ``@user@instance.social``
(Mastodon) and ``@name.bsky.social`` or ``@alice.example.com`` (Bluesky, whose handles are domain names).

One pattern, so that quoting a post ("asked us: …") or cleaning a reply removes the whole handle, never leaving
``.bsky.social`` or ``@hachyderm.io`` behind as if it were words."""
from __future__ import annotations

import re

# the name, then any number of .part or @part pieces; a sentence's full stop after a handle is not part of it
MENTION = re.compile(r"(?<![\w@/])@[A-Za-z0-9_][\w-]*(?:[.@][A-Za-z0-9_][\w-]*)*")


def strip_mentions(text: str) -> str:
    """The text without its handles (spacing left to the caller)."""
    return MENTION.sub("", text)
