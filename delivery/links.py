"""Links from untrusted posts: only http(s) URLs ever become an href."""
from __future__ import annotations

from urllib.parse import urlparse


def safe_url(value) -> str | None:
    """The URL when it is http(s) with a host; ``None`` for anything else (``javascript:``, ``data:``, …),
    which templates then show as text or leave out."""
    if not value or not isinstance(value, str):
        return None
    parsed = urlparse(value.strip())
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        return None
    return value.strip()
