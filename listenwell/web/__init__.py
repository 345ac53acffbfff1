"""The listenwell web app: server-rendered pages over the same library the CLI uses.

`listenwell serve` runs it; `create_app(config, secrets)` builds it (tests use that directly).
The names are imported when first used, so a command that only needs ``listenwell.web.sessions``
(`listenwell users passwd` ending that user's sessions) does not load the web framework.
"""
from __future__ import annotations

from typing import Any

__all__ = ["create_app", "LoginSecrets", "load_login_secrets"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from listenwell.web.app import create_app

        return create_app
    if name in ("LoginSecrets", "load_login_secrets"):
        from listenwell.web import auth

        return getattr(auth, name)
    raise AttributeError(f"module 'listenwell.web' has no attribute {name!r}")
