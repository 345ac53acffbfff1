"""POST a JSON payload to a webhook (Slack incoming webhooks or any JSON endpoint).

Webhook URLs are secrets (the path is the credential): errors and logs show only scheme and host.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import requests

from delivery.errors import DeliveryError, scrub

USER_AGENT = "listenwell-alerts/1"


def public_part(url: str) -> str:
    """scheme://host[:port] only: the rest of a webhook URL is its secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}" if parts.scheme and parts.netloc else "(invalid URL)"


def post_webhook(url: str, payload: dict, *, timeout: float = 10.0) -> None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DeliveryError("webhook URL must start with http:// or https://")
    where = f"webhook {public_part(url)}"
    secrets = [url, parts.path, parts.query, parts.netloc if "@" in parts.netloc else None]
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    try:
        resp = requests.post(url, data=body, timeout=timeout, allow_redirects=False,
                             headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT})
    except requests.Timeout:
        raise DeliveryError(f"{where}: no answer within {timeout:g}s") from None
    except requests.ConnectionError:
        raise DeliveryError(f"{where}: cannot connect (refused, unreachable or TLS failure)") from None
    except requests.RequestException as exc:
        raise DeliveryError(f"{where}: {type(exc).__name__}") from None
    if not 200 <= resp.status_code < 300:
        answer = " ".join((resp.text or "").split())[:200]
        detail = f": {scrub(answer, secrets)}" if answer else ""
        raise DeliveryError(f"{where} answered HTTP {resp.status_code}{detail}")
