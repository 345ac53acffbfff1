"""The listenwell web app: server-rendered pages over the same library the CLI uses.

`listenwell serve` runs it; `create_app(config, secrets)` builds it (tests use that directly).
"""
from listenwell.web.app import create_app
from listenwell.web.auth import LoginSecrets, load_login_secrets

__all__ = ["create_app", "LoginSecrets", "load_login_secrets"]
