"""Login secrets, signed session cookies and login rate limiting.

- The password is stored only as a salted scrypt hash: in the environment variable named by
  ``web.password_hash_env``, or, when that is unset, a random login token generated at first start
  whose hash is kept in ``<db folder>/listenwell-web.json`` (mode 0600) and shown once on the console.
- The same file holds the key that signs session cookies (HMAC-SHA256).
- A logged-in session lives on the server (``sessions.py``): the cookie holds only its random token,
  so logging out ends it for good, and a session made with another password is refused. Once named
  users exist (listenwell/team.py) a session names its user and the fingerprint of *their* password,
  checked on every request by ``users.UserMiddleware``. An anonymous visitor's cookie holds just a CSRF
  token (and a flash message, bounded in bytes).
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
from collections import OrderedDict
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
FLASH_MAX_BYTES = 600  # a flash message in UTF-8: the cookie stays far below the 4 KB browsers keep


def bounded_utf8(text: str, limit: int) -> str:
    """At most ``limit`` bytes of UTF-8, cut on a character boundary, with an ellipsis when cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


@dataclass
class Session:
    """What a request knows of its browser. Logged in: ``token`` names a server-side row (sessions.py);
    anonymous: the CSRF token (and a flash) live in the signed cookie itself."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    auth: bool = False
    exp: float = 0.0
    pw: str = ""
    flash: list[str] | None = None  # [kind, text], shown once
    dirty: bool = False
    token: str | None = None  # the server-side session's token (logged in only)
    user_id: str | None = None  # the named user (listenwell/web/users.py); None: the shared password's login
    new_token: bool = False  # the cookie must be (re)written

    def to_payload(self) -> dict[str, Any]:
        if self.auth and self.token:
            return {"s": self.token}
        data: dict[str, Any] = {"c": self.csrf}
        if self.flash:
            data["f"] = self.flash
        return data

    def set_flash(self, kind: str, text: str) -> None:
        self.flash = [kind[:20], bounded_utf8(text, FLASH_MAX_BYTES)]
        self.dirty = True

    def pop_flash(self) -> list[str] | None:
        flash, self.flash = self.flash, None
        if flash:
            self.dirty = True
        return flash


class SessionSigner:
    """Signs cookies (HMAC-SHA256) and keeps logged-in sessions in ``store`` (server-side)."""

    def __init__(self, key: bytes, fingerprint: str, hours: int, store=None):
        self.key = key
        self.fingerprint = fingerprint
        self.seconds = hours * 3600
        self.store = store

    def _sig(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest())

    def dumps(self, session: Session) -> str:
        body = _b64(json.dumps(session.to_payload(), separators=(",", ":")).encode())
        return f"{body}.{self._sig(body)}"

    def loads(self, value: str | None, now: float | None = None) -> Session | None:
        """A valid session signed with our key; a logged-in one only while its server-side row lives."""
        if not value or value.count(".") != 1 or len(value) > 4000:
            return None
        body, sig = value.split(".")
        if not hmac.compare_digest(sig, self._sig(body)):
            return None
        try:
            data = json.loads(_unb64(body))
            if not isinstance(data, dict):
                return None
            if "s" in data:
                return self._load_stored(str(data["s"]), now)
            flash = data.get("f")
            if not (isinstance(flash, list) and len(flash) == 2 and all(isinstance(x, str) for x in flash)):
                flash = None
            return Session(csrf=str(data["c"]), flash=flash)
        except (ValueError, KeyError, TypeError):
            return None

    def _load_stored(self, token: str, now: float | None) -> Session | None:
        if self.store is None:
            return None
        row = self.store.get(token, now=now)
        if row is None:
            return None
        if row.user_id is None and row.pw_fingerprint != self.fingerprint:
            self.store.revoke(token)  # the shared password changed: its sessions end
            return None
        # a named user's session carries the fingerprint of *their* password: UserMiddleware compares it with
        # the user's current one, so a new password (or a removed user) ends it even if revocation was missed
        return Session(csrf=row.csrf, auth=True, exp=row.expires_at, pw=row.pw_fingerprint, flash=row.flash,
                       token=token, user_id=row.user_id)

    def login(self, now: float | None = None, user_id: str | None = None,
              fingerprint: str | None = None) -> Session:
        """A fresh server-side session (a new token and CSRF token: no fixation) that is logged in: as the
        named user ``user_id`` (``fingerprint``: of their password hash), or with the shared password."""
        if self.store is None:
            raise RuntimeError("logins need a session store")
        if (user_id is None) != (fingerprint is None):
            raise ValueError("a named user's session needs their password fingerprint, the shared login none")
        fingerprint = fingerprint or self.fingerprint
        token, row = self.store.create(fingerprint, self.seconds / 3600, user_id=user_id, now=now)
        return Session(csrf=row.csrf, auth=True, exp=row.expires_at, pw=fingerprint, dirty=True, token=token,
                       user_id=user_id, new_token=True)

    def save(self, session: Session) -> None:
        """Keep a logged-in session's CSRF token and flash on the server."""
        if session.auth and session.token and self.store is not None:
            self.store.update(session.token, csrf=session.csrf, flash=session.flash)

    def logout(self, session: Session) -> Session:
        if session.token and self.store is not None:
            self.store.revoke(session.token)
        return Session(dirty=True)


# --- login rate limiting -------------------------------------------------------------------------

class LoginThrottle:
    """Backoff per client address and per account, checked and recorded in one step *before* the
    password is verified, so simultaneous guesses cannot all slip through; and a cap on how many
    verifications (scrypt, 16 MB each) run at once.

    Per address: 3 free failures, then 2, 4, 8 … seconds (up to 5 minutes) before the next attempt is
    even checked. Per account: 10 free failures (from any address), then 2, 4 … up to 1 minute. An
    attempt counts as failed until it succeeds; a success clears its address and account."""

    FREE = 3
    MAX_WAIT = 300.0
    ACCOUNT_FREE = 10
    ACCOUNT_MAX_WAIT = 60.0
    CONCURRENT = 2
    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: "OrderedDict[str, tuple[int, float]]" = OrderedDict()  # key -> (failures, not before)
        self.verifying = threading.BoundedSemaphore(self.CONCURRENT)

    @staticmethod
    def _keys(address: str, account: str | None) -> list[tuple[str, int, float]]:
        keys = [(f"addr:{address}", LoginThrottle.FREE, LoginThrottle.MAX_WAIT)]
        if account is not None:
            keys.append((f"acct:{account}", LoginThrottle.ACCOUNT_FREE, LoginThrottle.ACCOUNT_MAX_WAIT))
        return keys

    def _wait(self, key: str, now: float) -> float:
        return max(0.0, self._failures.get(key, (0, 0.0))[1] - now)

    def _record(self, key: str, free: int, cap: float, now: float) -> None:
        count = self._failures.pop(key, (0, 0.0))[0] + 1
        wait = 0.0 if count <= free else min(2.0 ** (count - free), cap)
        self._failures[key] = (count, now + wait)
        while len(self._failures) > self.MAX_ENTRIES:  # bounded memory under a spray of addresses
            self._failures.popitem(last=False)

    def attempt(self, address: str, account: str | None = "", now: float | None = None) -> float:
        """0: go ahead and verify (the attempt is already counted as a failure); else seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            keys = self._keys(address, account)
            wait = max(self._wait(key, now) for key, _, _ in keys)
            if wait > 0:
                return wait
            for key, free, cap in keys:
                self._record(key, free, cap, now)
            return 0.0

    def wait_seconds(self, address: str, now: float | None = None, account: str | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            return max(self._wait(key, now) for key, _, _ in self._keys(address, account))

    def failed(self, address: str, now: float | None = None, account: str | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            for key, free, cap in self._keys(address, account):
                self._record(key, free, cap, now)

    def succeeded(self, address: str, account: str | None = "") -> None:
        with self._lock:
            for key, _, _ in self._keys(address, account):
                self._failures.pop(key, None)
