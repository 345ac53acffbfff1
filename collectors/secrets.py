"""Secrets come only from the environment, read once by the caller and passed into collectors and senders.

A source names each variable in a ``*_env`` field; ``source_secrets`` maps the field (without ``_env``) to
the value. Every value read is registered with ``collectors.redact`` so no later message shows it."""
from __future__ import annotations

import os
from typing import Any

PUBLIC = ("username", "client id", "client_id", "handle", "identifier")  # not secret, not masked


def read_secret(env_name: str | None, what: str) -> str | None:
    """The value of ``env_name`` or None; the error a caller raises names the variable, never a value."""
    if not env_name:
        return None
    value = os.environ.get(env_name) or None
    if value and not any(public in what.lower() for public in PUBLIC):
        from collectors.redact import register

        register(value)  # every later message in this process masks it
    return value


def source_secrets(source: Any) -> dict[str, str | None]:
    """{"bearer_token": "…", …}: the value of every variable a source names in its ``*_env`` fields."""
    fields = source.model_dump() if hasattr(source, "model_dump") else dict(source)
    return {key.removesuffix("_env"): read_secret(env, key.removesuffix("_env").replace("_", " "))
            for key, env in fields.items() if key.endswith("_env")}

