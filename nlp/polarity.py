"""What "negative" and "positive" mean, once for the whole project.

A post is **negative** when the bundled sentiment model labels it ``negative`` (its most probable
class), **positive** when it labels it ``positive``. Everything that asks "is this negative?" (the
intents, the alerts, the spike check, reach-out, the reply composer, the digest's counts) calls
:func:`is_negative` / :func:`is_positive` or puts :func:`negative_sql` into its query, so a count of
negative posts means the same thing on every page. The score (P(positive) − P(negative), in [−1, 1])
orders posts by strength; it is never compared with a threshold of its own.

A post with no label (not English, or undetermined) is neither negative nor positive.
"""
from __future__ import annotations

NEGATIVE = "negative"
NEUTRAL = "neutral"
POSITIVE = "positive"


def is_negative(label: str | None) -> bool:
    return label == NEGATIVE


def is_positive(label: str | None) -> bool:
    return label == POSITIVE


def negative_sql(column: str = "t.sentiment_label") -> str:
    """The same test in SQL, for queries over the tags table."""
    return f"({column} = '{NEGATIVE}')"
