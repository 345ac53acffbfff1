"""X (Twitter): API v2 through tweepy, reads and writes paid per use.

Everything the rest of listenwell needs about X is here: the ``x`` source schema and the top-level ``x:``
settings (prices and the monthly budget), the collector and reply sender, handles (``@name``, at most 15
letters, digits or _), profile links, and the reply length as X counts it.

X counts a *weighted* length (twitter-text v3, as X's own clients count): most Latin text weighs 1 per
character, CJK and most emoji weigh 2, and every URL weighs 23 whatever its length. ``twitter-text-parser``
is a port of twitter-text that passes the official conformance suite; it is exact but slow (about 2 ms a call,
most of it the emoji scan), so plain ASCII text without a dot (it cannot hold a URL) is counted directly, and
text whose every character weighs 1 and cannot start an emoji is counted with twitter-text's URL extractor
alone: the same numbers.
"""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, model_validator

from collectors.cursors import StreamCursor
from collectors.platforms import Platform, Secrets, SourceType
from listenwell.config_types import HOURS_MAX, EnvName, SourceBase, Strict

X_LIMIT = 280
PAGE_RESERVE = 200  # what one page may bill: 100 posts and up to 100 it includes


class XSource(SourceBase):
    type: Literal["x"]
    bearer_token_env: EnvName = "X_BEARER_TOKEN"
    consumer_key_env: EnvName = "X_CONSUMER_KEY"
    consumer_secret_env: EnvName = "X_CONSUMER_SECRET"
    access_token_env: EnvName = "X_ACCESS_TOKEN"
    access_token_secret_env: EnvName = "X_ACCESS_TOKEN_SECRET"
    queries: list[str] = []
    mentions: bool = True
    client_timelines: bool = True
    own_posts: bool = True
    followers: bool = Field(
        default=False,
        description="also read who follows our account, on a slower schedule (followers_every_hours)",
    )
    max_pages_per_run: int = Field(default=5, ge=1, le=1000, description="pages (of up to 100 tweets) per stream per run")
    account: str | None = Field(
        default=None,
        description="our X username whose mentions and posts are read; default: the first of me.handles.x",
    )
    max_wait_seconds: float = Field(
        default=60.0, ge=0, le=900,
        description="on HTTP 429 wait for the rate-limit reset only this long; otherwise stop and retry next run",
    )
    max_retries: int = Field(default=3, ge=0, le=10, description="retries after a 5xx answer or a timeout")
    followers_every_hours: float = Field(
        default=24.0, gt=0, le=HOURS_MAX, description="with 'followers', re-read the full follower list at most this often",
    )


class XSettings(Strict):
    """What X charges (pay per use since 2026) and what a month may cost. Counted per stream and day."""

    price_per_read: float = Field(default=0.005, ge=0, le=100, description="US dollars per post read")
    price_per_write: float = Field(default=0.01, ge=0, le=100, description="US dollars per post written")
    monthly_budget: float | None = Field(
        default=None, ge=0, le=1_000_000,
        description="US dollars a calendar month (UTC) may cost; X streams stop before a read would pass it")

    def cost(self, reads: int, writes: int) -> float:
        return reads * self.price_per_read + writes * self.price_per_write

    def reads_left(self, reads: int, writes: int) -> int | None:
        """Posts that may still be read this month without passing the budget; None without a budget."""
        if self.monthly_budget is None:
            return None
        if self.price_per_read == 0:
            return 10**12
        return max(int((self.monthly_budget - self.cost(reads, writes)) / self.price_per_read + 1e-9), 0)

    def may_write(self, reads: int, writes: int) -> bool:
        return self.monthly_budget is None or self.cost(reads, writes + 1) <= self.monthly_budget + 1e-9

    def budget_note(self, reads: int, writes: int, *, now: datetime, reserve: int = PAGE_RESERVE) -> str | None:
        """The note X's streams show once the budget stops them (``reserve``: reads the next page may take)."""
        left = self.reads_left(reads, writes)
        if left is None or left > reserve:
            return None
        first = (now.astimezone(timezone.utc).replace(day=1) + timedelta(days=32)).replace(day=1)
        return (f"X monthly budget: ${self.cost(reads, writes):.2f} of ${self.monthly_budget:.2f} spent "
                f"({reads} posts read, {writes} written); X streams stopped until {first:%Y-%m-%d} "
                "(raise x.monthly_budget to read more)")

    @model_validator(mode="after")
    def _priced(self) -> "XSettings":
        if self.monthly_budget is not None and self.price_per_read == 0 and self.price_per_write == 0:
            raise ValueError("monthly_budget needs price_per_read or price_per_write above 0")
        return self


@lru_cache(maxsize=4096)
def _weighted(text: str) -> int:
    from twitter_text import parse_tweet
    from twitter_text.extract_urls import extract_urls_with_indices

    if _light(text):
        # every character weighs 1 and none can start an emoji: only the URLs change the count, so twitter-text's
        # URL extractor alone gives the same number as the full parse (its emoji scan is most of its time)
        return len(text) + sum(23 - len(u["url"]) for u in extract_urls_with_indices(text))
    return parse_tweet(text).weightedLength


def _light(text: str) -> bool:
    return (all(ord(c) < 0x2000 for c in text) and "\r" not in text and "\u00a9" not in text and "\u00ae" not in text
            and unicodedata.is_normalized("NFC", text))


def weighted_length(text: str) -> int:
    """The length X counts (twitter-text's weighted length)."""
    if text.isascii() and "." not in text:
        return len(text)
    return _weighted(text)


def _build(source: XSource, config: Any, secrets: Secrets):
    from collectors.x import XCollector

    return XCollector.from_config(source, config, secrets=secrets)


def _send(source: XSource, config: Any, secrets: Secrets):
    from collectors.x import XReplySender

    return XReplySender.from_config(source, config, secrets=secrets)


def _streams(state: dict) -> list[StreamCursor]:
    streams = state.get("streams") if isinstance(state, dict) else None
    return [StreamCursor(stream=name, value=st.get("since_id"), seen=list(st.get("seen") or []),
                         backlog=bool(st.get("next_token") or st.get("pending_newest")), retry_at=st.get("retry_at"),
                         page=st.get("next_token"))
            for name, st in (streams or {}).items() if isinstance(st, dict)]


PLATFORM = Platform(
    name="x",
    label="X",
    position=10,
    where="on X",
    reply_limit=X_LIMIT,
    reply_target=X_LIMIT,
    handle_prefix="@",
    handle_strip=("@",),
    handle_pattern=r"[A-Za-z0-9_]{1,15}",
    profile_url=lambda handle: f"https://x.com/{handle.lstrip('@')}",
    length=weighted_length,
    length_note="X counts URLs as 23 and CJK and emoji as 2",
    reply_style="Plain text for X, no hashtags.",
    short_form=True,
    reply_kind="reply",
    source_types=(SourceType("x", XSource, _build, streams=_streams,
                             cost="On X every post read and every reply sent is paid for (x.price_per_read, "
                                  "x.price_per_write)."),),
    settings=XSettings,
    sender=_send,
)
