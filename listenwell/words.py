"""Counts in messages: ``1 identity``, ``2 identities``, ``0 posts``. Every message that counts uses it."""
from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` with ``noun`` in the right number; ``many`` for an irregular plural ("reply", "replies" is
    regular; "person", "people" is not)."""
    if count == 1:
        return f"1 {noun}"
    if many is None:
        if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
            many = noun[:-1] + "ies"
        elif noun.endswith(("s", "x", "ch", "sh")):
            many = noun + "es"
        else:
            many = noun + "s"
    return f"{count:,} {many}"
