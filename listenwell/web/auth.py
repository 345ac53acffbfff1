"""Login secrets, signed session cookies and login rate limiting.

- The password is stored only as a salted scrypt hash: in the environment variable named by
  ``web.password_hash_env``, or, when that is unset, a random login token generated at first start
  whose hash is kept in ``<db folder>/listenwell-web.json`` (mode 0600) and shown once on the console.
- The same file holds the key that signs session cookies (HMAC-SHA256), so logins survive a restart.
- A session is a small signed JSON payload: a CSRF token, whether it is logged in, an expiry, and a
  fingerprint of the password hash (changing the password logs every session out).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
SECRETS_FILE = "listenwell-web.json"


class AuthSetupError(Exception):
    """The login cannot be set up (a malformed hash, an unreadable secrets file); the message says why."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash`, all in one line for an environment variable."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_hash_format(stored: str) -> None:
    parts = stored.strip().split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4]):
        raise AuthSetupError("the password hash must look like scrypt$16384$8$1$SALT$HASH; "
                             "make one with `listenwell serve --hash-password`")
    n = int(parts[1])
    if n < 2 ** 10 or n > 2 ** 20 or n & (n - 1):
        raise AuthSetupError("the password hash's scrypt N must be a power of two between 2^10 and 2^20")


def verify_password(password: str, stored: str) -> bool:
    try:
        check_hash_format(stored)
        _, n, r, p, salt, digest = stored.strip().split("$")
        computed = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                                  dklen=len(_unb64(digest)), maxmem=128 * 1024 * 1024)
    except (AuthSetupError, ValueError):
        return False
    return hmac.compare_digest(computed, _unb64(digest))


@dataclass
class LoginSecrets:
    password_hash: str
    session_key: bytes
    source: str  # "env:NAME" or the secrets file path
    new_token: str | None = None  # set only on the start that generated it, to be printed once

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_login_secrets(db_path: Path, password_hash_env: str) -> LoginSecrets:
    """The password hash (env first, else the generated token's) and the session signing key."""
    path = db_path.parent / SECRETS_FILE
    stored: dict[str, Any] = {}
    if path.exists():
        try:
            os.chmod(path, 0o600)
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AuthSetupError(f"cannot read {path} ({exc}); delete it to generate a new login token") from None
    changed = False
    if not stored.get("session_key"):
        stored["session_key"] = secrets.token_hex(32)
        changed = True
    env_hash = (os.environ.get(password_hash_env) or "").strip()
    new_token = None
    if env_hash:
        check_hash_format(env_hash)
        password_hash, source = env_hash, f"env:{password_hash_env}"
    else:
        if not stored.get("token_hash"):
            new_token = secrets.token_urlsafe(18)
            stored["token_hash"] = hash_password(new_token)
            changed = True
        password_hash, source = stored["token_hash"], str(path)
    if changed:
        _write_private(path, stored)
    return LoginSecrets(password_hash, bytes.fromhex(stored["session_key"]), source, new_token)


# --- sessions ------------------------------------------------------------------------------------

COOKIE = "lw_session"


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    auth: bool = False
    exp: float = 0.0
    pw: str = ""
    flash: list[str] | None = None  # [kind, text], shown once
    dirty: bool = False
    user: str = ""  # the named user logged in ("" for the shared password); see listenwell/web/users.py

    def to_payload(self) -> dict[str, Any]:
        data = {"c": self.csrf, "a": self.auth, "e": int(self.exp), "p": self.pw}
        if self.user:
            data["u"] = self.user
        if self.flash:
            data["f"] = self.flash
        return data

    def set_flash(self, kind: str, text: str) -> None:
        self.flash = [kind, text[:1200]]
        self.dirty = True

    def pop_flash(self) -> list[str] | None:
        flash, self.flash = self.flash, None
        if flash:
            self.dirty = True
        return flash


class SessionSigner:
    def __init__(self, key: bytes, fingerprint: str, hours: int):
        self.key = key
        self.fingerprint = fingerprint
        self.seconds = hours * 3600

    def _sig(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest())

    def dumps(self, session: Session) -> str:
        body = _b64(json.dumps(session.to_payload(), separators=(",", ":")).encode())
        return f"{body}.{self._sig(body)}"

    def loads(self, value: str | None, now: float | None = None) -> Session | None:
        """A valid, unexpired session signed with our key for the current password; else None."""
        if not value or value.count(".") != 1 or len(value) > 4000:
            return None
        body, sig = value.split(".")
        if not hmac.compare_digest(sig, self._sig(body)):
            return None
        try:
            data = json.loads(_unb64(body))
            session = Session(csrf=str(data["c"]), auth=bool(data["a"]), exp=float(data["e"]), pw=str(data["p"]),
                              flash=data.get("f"), user=str(data.get("u") or ""))
        except (ValueError, KeyError, TypeError):
            return None
        now = time.time() if now is None else now
        if session.auth and (session.exp < now or session.pw != self.fingerprint):
            return None
        return session

    def login(self, now: float | None = None, user: str = "") -> Session:
        """A fresh session (new CSRF token: no fixation) that is logged in, as ``user`` when named."""
        now = time.time() if now is None else now
        return Session(auth=True, exp=now + self.seconds, pw=self.fingerprint, dirty=True, user=user)


# --- login rate limiting -------------------------------------------------------------------------

class LoginThrottle:
    """In-memory backoff per client address: 3 free failures, then 2, 4, 8 … seconds (up to 5 minutes)
    before the next attempt is even checked. A success clears the address."""

    FREE = 3
    MAX_WAIT = 300.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}  # address -> (failures, not before)

    def wait_seconds(self, address: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            _, not_before = self._failures.get(address, (0, 0.0))
        return max(0.0, not_before - now)

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
                self._failures.clear()
            count = self._failures.get(address, (0, 0.0))[0] + 1
            wait = 0.0 if count <= self.FREE else min(2.0 ** (count - self.FREE), self.MAX_WAIT)
            self._failures[address] = (count, now + wait)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)
