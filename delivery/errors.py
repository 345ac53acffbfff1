"""Errors of the delivery channels (email, webhook). Messages never contain a password or a secret URL."""
from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be delivered. The text says what failed and what to check, and holds no secret."""


def scrub(message: str, secrets: "list[str | None]") -> str:
    """Replace every secret (longest first) that somehow reached a message with '***'."""
    for secret in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message
