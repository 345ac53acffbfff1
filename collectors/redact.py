"""Keeping secrets out of messages: one function, used before any message is cut, stored or printed.

``redact(text)`` masks

* every run of 6 or more characters that also occurs inside a known secret (so a secret cut in half by
  a 300-character limit, or echoed back half-way through an error body, is still masked), and whole
  occurrences of shorter secrets of 4-5 characters;
* the value of Authorization-like headers and credential-like URL parameters, whatever their value
  (an error body that echoes the request's headers).

Secrets are registered once, process-wide, by whatever reads them from the environment
(``listenwell.config.read_secret``, the collectors' ``from_config``); callers may pass more.
Redact first, truncate after: ``cut(redact(text), limit)``.
"""
from __future__ import annotations

import re
import threading
from typing import Iterable
from urllib.parse import quote

MIN_FRAGMENT = 6  # a run this long that is part of a secret is masked
MIN_WHOLE = 4  # shorter secrets (4-5 characters) are masked only where they occur whole
MASK = "***"

_lock = threading.Lock()
_registered: set[str] = set()

# "Authorization: Bearer abc", "authorization": "OAuth oauth_consumer_key=…", x-api-key=…
_HEADER = re.compile(
    r"(?i)(\b(?:proxy-)?authorization|\bx-api-key|\bcookie|\bset-cookie)(\"?'?\s*[:=]\s*\"?'?)"
    r"((?:(?:bearer|basic|oauth|token|digest)\s+)?[^\s\"';,)}]*)"
)
# ?access_token=…&client_secret=… in an echoed URL or form body
_PARAM = re.compile(
    r"(?i)(\b(?:access_token|refresh_token|id_token|token|api_key|apikey|client_secret|secret|password|passwd"
    r"|oauth_[a-z_]+|sig|signature)=\"?)([^&\s\"'<>,]+)"
)
# a bare bearer credential: "Bearer AAAA…" (long enough not to be the words "Bearer Token")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=%-]{16,})")


def register(*secrets: str | None) -> None:
    """Remember secret values for every later ``redact`` in this process."""
    with _lock:
        for secret in secrets:
            if secret and len(secret) >= MIN_WHOLE:
                _registered.add(secret)


def forget_all() -> None:
    """Tests only: start again with no registered secret."""
    with _lock:
        _registered.clear()


def registered() -> list[str]:
    with _lock:
        return sorted(_registered)


def _variants(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret, safe="/")}


def redact(text: str | None, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every part of a secret, and every Authorization-like value, replaced by ``***``."""
    if not text:
        return text or ""
    with _lock:
        known = set(_registered)
    known.update(s for s in secrets if s and len(s) >= MIN_WHOLE)
    if known:
        text = _mask_fragments(text, known)
    text = _PARAM.sub(lambda m: m.group(1) + MASK, text)
    text = _HEADER.sub(lambda m: m.group(1) + m.group(2) + (MASK if m.group(3).strip() else m.group(3)), text)
    text = _BEARER.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    return text


def _mask_fragments(text: str, secrets: set[str]) -> str:
    grams: set[str] = set()
    short: list[str] = []
    for secret in secrets:
        for variant in _variants(secret):
            if len(variant) < MIN_FRAGMENT:
                short.append(variant)
                continue
            grams.update(variant[i:i + MIN_FRAGMENT] for i in range(len(variant) - MIN_FRAGMENT + 1))
    masked = bytearray(len(text))  # 1 where a character is part of a secret
    if grams:
        for i in range(len(text) - MIN_FRAGMENT + 1):
            if text[i:i + MIN_FRAGMENT] in grams:
                masked[i:i + MIN_FRAGMENT] = b"\x01" * MIN_FRAGMENT
    for value in short:
        start = text.find(value)
        while start != -1:
            masked[start:start + len(value)] = b"\x01" * len(value)
            start = text.find(value, start + 1)
    if not any(masked):
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        if masked[i]:
            while i < len(text) and masked[i]:
                i += 1
            out.append(MASK)
        else:
            j = i
            while j < len(text) and not masked[j]:
                j += 1
            out.append(text[i:j])
            i = j
    return "".join(out)


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when cut. Redact before cutting."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def redact_cut(text: str | None, limit: int, secrets: Iterable[str | None] = ()) -> str:
    return cut(redact(text, secrets), limit)
