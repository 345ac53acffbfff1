"""The building blocks of config.yaml's schema, shared by listenwell/config.py and every platform module
(collectors/platforms/): strict models, checked URLs, environment-variable names, bounds."""
from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated
from urllib.parse import urlparse, urlsplit
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# bounds shared by every number of the same kind: anything inside runs (dates stay far from year 9999)
DAYS_MAX = 3650
HOURS_MAX = 24 * DAYS_MAX
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)  # reference_time and `digest --date` stay in these years
LATEST = datetime(2200, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
SYSTEM_DIRS = (Path("/dev"), Path("/proc"), Path("/sys"))
# characters no URL, address or name in the config may hold: controls, spaces inside URLs, bidi overrides
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _http_url(value: str) -> str:
    """An http(s) URL, checked by a parser: a real host name (IDNA) or IP address, a port 1-65535, and
    no spaces, control characters or invisible direction marks anywhere."""
    if _CONTROL.search(value) or _BIDI.search(value) or any(ch.isspace() for ch in value):
        raise ValueError("a URL may not contain spaces, control characters or invisible direction marks")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError("expected an http:// or https:// URL with a port between 1 and 65535") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an http:// or https:// URL")
    if port == 0:
        raise ValueError("the port must be between 1 and 65535")
    host = parts.hostname or ""
    if not _valid_host(host):
        raise ValueError("expected an http:// or https:// URL with a real host name")
    return value


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        import idna

        ascii_host = idna.encode(host.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return False
    return len(ascii_host) <= 253 and all(_LABEL.match(label) for label in ascii_host.split("."))


def _email(value: str) -> str:
    """A real email address (syntax only: no DNS), as email-validator reads it."""
    from email_validator import EmailNotValidError, validate_email

    if _CONTROL.search(value) or _BIDI.search(value):
        raise ValueError("an email address may not contain control characters or invisible direction marks")
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"expected an email address such as ops@example.com ({exc})") from None


def _env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise ValueError("expected the NAME of an environment variable (letters, digits, _), not its value")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except Exception:  # not found, a folder such as 'Europe', a path, a NUL byte …
        raise ValueError("expected an IANA timezone name such as 'Europe/Lisbon' or 'UTC'") from None
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
EnvName = Annotated[str, AfterValidator(_env_name)]
TimezoneName = Annotated[str, AfterValidator(_timezone)]
Email = Annotated[str, AfterValidator(_email)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class SourceBase(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="lowercase id")
    enabled: bool = True
    every_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    timeout_seconds: float = Field(default=20.0, gt=0, le=600)


def https_unless_loopback(value: str | None) -> str | None:
    """An endpoint credentials are sent to: https, or http only on this machine (tests, a local relay)."""
    if value is not None:
        parsed = urlparse(value)
        if parsed.scheme != "https" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("credentials are sent here: use https:// (http:// only for 127.0.0.1/localhost)")
    return value
