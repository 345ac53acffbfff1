"""Server-side login sessions, so logging out (or changing the password) ends a session for good.

A logged-in browser holds only a random session token (in the signed cookie); the session itself is
a row in ``<db folder>/listenwell-web.sqlite3`` (mode 0600), keyed by the token's SHA-256, so a copy of
the file opens no session. A row carries its CSRF token, one pending flash message, its expiry, the
fingerprint of the password it logged in with, and a ``user_id``: the named user's name
(listenwell/team.py), or NULL for the shared password's login. SQLite, not the DuckDB file: a login
must work while a job holds DuckDB's write lock, and several processes may serve the same folder.

    store = SessionStore(path)
    token, row = store.create(fingerprint, hours=12, user_id=None)  # at login
    row = store.get(token)                                  # on every request; None when ended
    store.update(token, csrf=…, flash=…)                    # when the session changed
    store.revoke(token)                                     # logout
    store.revoke_all(user_id=None)                          # everyone (or one user) out
    store.users_changed()                                   # a user was added, removed or changed role:
    store.users_version()                                   #   every server forgets what it cached
"""
from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SESSIONS_FILE = "listenwell-web.sqlite3"
MAX_ROWS = 10_000  # expired rows go first, then the oldest: a login spray cannot grow the file without bound

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash    TEXT PRIMARY KEY,      -- sha256 of the cookie's token; the token itself is never stored
    user_id       TEXT,                  -- NULL: the single-password login
    csrf          TEXT NOT NULL,
    created_at    REAL NOT NULL,         -- epoch seconds
    expires_at    REAL NOT NULL,
    last_seen_at  REAL NOT NULL,
    pw_fingerprint TEXT NOT NULL,        -- the password hash it logged in with: a new password ends it
    flash_kind    TEXT,
    flash_text    TEXT
);
CREATE INDEX IF NOT EXISTS web_sessions_expiry ON web_sessions (expires_at);
CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions (user_id);
CREATE TABLE IF NOT EXISTS web_state (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL               -- 'users': bumped by every user change (any process)
);
"""


@dataclass
class SessionRow:
    user_id: str | None
    csrf: str
    expires_at: float
    flash: list[str] | None
    pw_fingerprint: str = ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(self.path, 0o600)
            con = sqlite3.connect(self.path, timeout=10, check_same_thread=False, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
            self._con = con
        return self._con

    def create(self, fingerprint: str, hours: float, user_id: str | None = None,
               now: float | None = None) -> tuple[str, SessionRow]:
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(32)
        row = SessionRow(user_id, secrets.token_urlsafe(24), now + hours * 3600, None, fingerprint)
        with self._lock:
            con = self._connect()
            con.execute("DELETE FROM web_sessions WHERE expires_at < ?", [now])
            count = con.execute("SELECT count(*) FROM web_sessions").fetchone()[0]
            if count >= MAX_ROWS:
                con.execute("DELETE FROM web_sessions WHERE token_hash IN (SELECT token_hash FROM web_sessions "
                            "ORDER BY last_seen_at LIMIT ?)", [count - MAX_ROWS + 1])
            con.execute("INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                        [_hash(token), user_id, row.csrf, now, row.expires_at, now, fingerprint])
        return token, row

    def get(self, token: str, fingerprint: str | None = None, now: float | None = None) -> SessionRow | None:
        """The live session for ``token``; None (and the row deleted) when expired, or when ``fingerprint``
        is given and the session logged in with another password."""
        now = time.time() if now is None else now
        with self._lock:
            found = self._connect().execute(
                "SELECT user_id, csrf, expires_at, pw_fingerprint, flash_kind, flash_text FROM web_sessions "
                "WHERE token_hash = ?", [_hash(token)]).fetchone()
        if not found:
            return None
        user_id, csrf, expires_at, pw, flash_kind, flash_text = found
        if expires_at < now or (fingerprint is not None and pw != fingerprint):
            self.revoke(token)
            return None
        return SessionRow(user_id, csrf, expires_at, [flash_kind, flash_text] if flash_kind else None, pw)

    def update(self, token: str, *, csrf: str, flash: list[str] | None, now: float | None = None) -> None:
        now = time.time() if now is None else now
        kind, text = (flash[0], flash[1]) if flash else (None, None)
        with self._lock:
            self._connect().execute(
                "UPDATE web_sessions SET csrf = ?, flash_kind = ?, flash_text = ?, last_seen_at = ? "
                "WHERE token_hash = ?", [csrf, kind, text, now, _hash(token)])

    def revoke(self, token: str) -> None:
        with self._lock:
            self._connect().execute("DELETE FROM web_sessions WHERE token_hash = ?", [_hash(token)])

    def revoke_all(self, user_id: str | None = None) -> int:
        """End every session (``user_id`` None), or every session of one user."""
        with self._lock:
            con = self._connect()
            if user_id is None:
                return con.execute("DELETE FROM web_sessions").rowcount
            return con.execute("DELETE FROM web_sessions WHERE user_id = ?", [user_id]).rowcount

    def users_changed(self) -> None:
        """Say that a user was added, removed or changed: servers drop their cached users at once."""
        with self._lock:
            self._connect().execute("INSERT INTO web_state VALUES ('users', 1) "
                                    "ON CONFLICT (key) DO UPDATE SET value = value + 1")

    def users_version(self) -> int:
        with self._lock:
            found = self._connect().execute("SELECT value FROM web_state WHERE key = 'users'").fetchone()
        return found[0] if found else 0

    def count(self) -> int:
        with self._lock:
            return self._connect().execute("SELECT count(*) FROM web_sessions").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


def user_changed(db_path: Path, user_id: str, *, end_sessions: bool) -> int:
    """After a user is added, removed or changed (listenwell/team.py, from any process): every server
    forgets its cached users at once, and with ``end_sessions`` (a new password, a removed user) that
    user's sessions end. The number of sessions ended."""
    store = SessionStore(Path(db_path).parent / SESSIONS_FILE)
    try:
        ended = store.revoke_all(user_id=user_id) if end_sessions else 0
        store.users_changed()
        return ended
    finally:
        store.close()
