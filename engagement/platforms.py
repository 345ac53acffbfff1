"""How long a reply may be on each platform, and how each platform counts: defined here, once.

X counts a *weighted* length (twitter-text v3, as X's own clients count): most Latin text weighs 1 per character,
CJK and most emoji weigh 2, and every URL weighs 23 whatever its length. ``twitter-text-parser`` is a port of
twitter-text that passes the official conformance suite; it is exact but slow (about 2 ms a call, most of it the
emoji scan), so plain ASCII text without a dot (it cannot hold a URL) is counted directly, and text whose every
character weighs 1 and cannot start an emoji is counted with twitter-text's URL extractor alone: the same numbers.
"""
from __future__ import annotations

from functools import lru_cache

import unicodedata

from twitter_text import parse_tweet
from twitter_text.extract_urls import extract_urls_with_indices

X_LIMIT = 280
LIMITS = {"x": X_LIMIT, "reddit": 10_000, "blog": 4_000}
# what a reply should aim for, so it reads like a person and not a manual: Reddit and blog comments have room
# for the whole answer, X has room for its short form
TARGETS = {"x": X_LIMIT, "reddit": 900, "blog": 1_200}


@lru_cache(maxsize=4096)
def _x_length(text: str) -> int:
    if _light(text):
        # every character weighs 1 and none can start an emoji: only the URLs change the count, so twitter-text's
        # URL extractor alone gives the same number as the full parse (its emoji scan is most of its time)
        return len(text) + sum(23 - len(u["url"]) for u in extract_urls_with_indices(text))
    return parse_tweet(text).weightedLength


def _light(text: str) -> bool:
    return (all(ord(c) < 0x2000 for c in text) and "\r" not in text and "\u00a9" not in text and "\u00ae" not in text
            and unicodedata.is_normalized("NFC", text))


def length(text: str, platform: str) -> int:
    """The length the platform counts (X: twitter-text's weighted length; elsewhere characters)."""
    if platform == "x":
        if text.isascii() and "." not in text:
            return len(text)
        return _x_length(text)
    return len(text)


def limit(platform: str) -> int:
    return LIMITS.get(platform, LIMITS["reddit"])


def fits(text: str, platform: str, target: bool = False) -> bool:
    return length(text, platform) <= (TARGETS if target else LIMITS).get(platform, LIMITS["reddit"])


def over_by(text: str, platform: str) -> int:
    """How many (counted) characters too long; 0 when it fits."""
    return max(0, length(text, platform) - limit(platform))


def describe(platform: str) -> str:
    return {"x": "X counts URLs as 23 and CJK and emoji as 2"}.get(platform, "characters")
