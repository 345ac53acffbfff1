"""How long a reply may be on each platform, and how each platform counts: asked of the platform modules
(collectors/platforms/), where each platform declares its limit, its target and its counting rule once."""
from __future__ import annotations

from collectors import platforms as _registry
from collectors.platforms.x import X_LIMIT  # noqa: F401  (what callers know X's limit by)

_FALLBACK = "reddit"  # an unknown platform gets a generous, plain character count


def _platform(platform: str):
    return _registry.find(platform) or _registry.get(_FALLBACK)


LIMITS = {p.name: p.reply_limit for p in _registry.all_platforms()}
# what a reply should aim for, so it reads like a person and not a manual
TARGETS = {p.name: p.reply_target for p in _registry.all_platforms()}


def length(text: str, platform: str) -> int:
    """The length the platform counts (X: twitter-text's weighted length; elsewhere as each declares)."""
    return _platform(platform).length(text)


def limit(platform: str) -> int:
    return _platform(platform).reply_limit


def target(platform: str) -> int:
    return _platform(platform).reply_target


def fits(text: str, platform: str, target: bool = False) -> bool:
    p = _platform(platform)
    return p.length(text) <= (p.reply_target if target else p.reply_limit)


def over_by(text: str, platform: str) -> int:
    """How many (counted) characters too long; 0 when it fits."""
    return max(0, length(text, platform) - limit(platform))


def describe(platform: str) -> str:
    return _platform(platform).length_note


def where(platform: str) -> str:
    """'on X', 'on a blog': where a post was written, for alerts and digests."""
    found = _registry.find(platform)
    return found.where if found else f"on {platform}"


def show_handle(platform: str, handle: str) -> str:
    found = _registry.find(platform)
    return found.show_handle(handle) if found else handle
