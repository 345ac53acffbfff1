"""Named users with roles, and API tokens.

- A user has a login name, their own password (an argon2id hash, via argon2-cffi) and a role:
  ``viewer`` reads, ``editor`` also acts (queue, touches, snoozes, merges), ``admin`` also manages
  users and API tokens. Once any user exists, the web app asks for a name and a password.
- An API token (``lwt_<id>_<secret>``) is shown once when made; only a SHA-256 of its 256-bit random
  secret is kept (a slow hash adds nothing to a secret nobody can guess, and every API call checks one).
  Tokens read the JSON API and the calendar feed; they can be revoked, and their last use is kept.

Every change here is written to the audit log with who made it.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from storage.audit import record
from storage.db import Database

ROLES = ("viewer", "editor", "admin")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,31}$")
_TOKEN = re.compile(r"^lwt_([a-z0-9]{10})_([A-Za-z0-9_-]{30,100})$")
MIN_PASSWORD = 10
LAST_USED_EVERY = timedelta(minutes=1)  # how stale a token's last-used time may get (it costs a write)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("a password nobody has")


class TeamError(Exception):
    """A user or token operation that cannot be done; the message says why."""


def role_allows(role: str | None, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not _NAME.match(name):
        raise TeamError(f"user names are 1-32 lowercase letters, digits, '.', '_' or '-' (got {name!r})")
    return name


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise TeamError(f"use a password of at least {MIN_PASSWORD} characters")


# --- users ---------------------------------------------------------------------------------------

def has_users(db: Database) -> bool:
    return bool(db.scalar("SELECT count(*) FROM users WHERE disabled_at IS NULL"))


def get_user(db: Database, name: str) -> dict[str, Any] | None:
    rows = db.rows("SELECT name, display_name, role, created_at, disabled_at FROM users WHERE name = ?",
                   [(name or "").strip().lower()])
    return rows[0] if rows else None


def list_users(db: Database) -> list[dict[str, Any]]:
    return db.rows("""SELECT u.name, u.display_name, u.role, u.created_at, u.disabled_at,
                             (SELECT max(occurred_at) FROM audit_log a WHERE a.actor = u.name) AS last_action_at
                      FROM users u ORDER BY u.disabled_at IS NOT NULL, u.name""")


def add_user(db: Database, name: str, role: str, password: str, now: datetime, by: str,
             display_name: str | None = None) -> dict[str, Any]:
    name = check_name(name)
    if role not in ROLES:
        raise TeamError(f"role must be one of {', '.join(ROLES)}")
    check_password(password)
    existing = get_user(db, name)
    if existing and existing["disabled_at"] is None:
        raise TeamError(f"user {name!r} exists; change it with `listenwell users passwd|role {name}`")
    with db.transaction() as con:
        con.execute("""INSERT INTO users VALUES (?, ?, ?, ?, ?, NULL)
                       ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
                           password_hash = excluded.password_hash, created_at = excluded.created_at,
                           disabled_at = NULL""",
                    [name, (display_name or name).strip()[:80], role, _hasher.hash(password), now])
        record(con, by, "users.add", name, now, role=role)
    _sessions_changed(db, name, end=True)  # a re-added name starts with no session of its earlier self
    return get_user(db, name)


def set_role(db: Database, name: str, role: str, now: datetime, by: str) -> dict[str, Any]:
    user = _active(db, name)
    if role not in ROLES:
        raise TeamError(f"role must be one of {', '.join(ROLES)}")
    _keep_an_admin(db, user, role)
    with db.transaction() as con:
        con.execute("UPDATE users SET role = ? WHERE name = ?", [role, user["name"]])
        record(con, by, "users.role", user["name"], now, **{"from": user["role"], "to": role})
    _sessions_changed(db, user["name"], end=False)  # the new role applies to their next request
    return get_user(db, user["name"])


def set_password(db: Database, name: str, password: str, now: datetime, by: str) -> None:
    user = _active(db, name)
    check_password(password)
    with db.transaction() as con:
        con.execute("UPDATE users SET password_hash = ? WHERE name = ?", [_hasher.hash(password), user["name"]])
        record(con, by, "users.passwd", user["name"], now)
    _sessions_changed(db, user["name"], end=True)  # a new password ends every session of theirs


def remove_user(db: Database, name: str, now: datetime, by: str) -> dict[str, Any]:
    """Disable a user: they can no longer log in (their sessions end), their history stays theirs."""
    user = _active(db, name)
    _keep_an_admin(db, user, None)
    with db.transaction() as con:
        con.execute("UPDATE users SET disabled_at = ? WHERE name = ?", [now, user["name"]])
        con.execute("UPDATE reply_suggestions SET assigned_to = NULL WHERE assigned_to = ? "
                    "AND status IN ('pending', 'approved')", [user["name"]])
        record(con, by, "users.remove", user["name"], now)
    _sessions_changed(db, user["name"], end=True)
    return get_user(db, user["name"])


def _sessions_changed(db: Database, name: str, end: bool) -> None:
    """Tell the web app's session store (next to the database) that ``name`` changed: servers drop their
    cached users, and with ``end`` the user's sessions end. Should this miss (another folder), the web
    app still refuses a session whose user is gone or whose password fingerprint is old."""
    if not db.path or str(db.path) == ":memory:":
        return
    from listenwell.web.sessions import user_changed

    user_changed(Path(db.path), name, end_sessions=end)


def _active(db: Database, name: str) -> dict[str, Any]:
    user = get_user(db, name)
    if user is None or user["disabled_at"] is not None:
        raise TeamError(f"no user {name!r}; `listenwell users list` shows them")
    return user


def _keep_an_admin(db: Database, user: dict, new_role: str | None) -> None:
    if user["role"] == "admin" and new_role != "admin":
        admins = db.scalar("SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
        if admins <= 1 and db.scalar("SELECT count(*) FROM users WHERE disabled_at IS NULL") > 1:
            raise TeamError(f"{user['name']} is the last admin; make someone else admin first")


def password_fingerprint(password_hash: str) -> str:
    """Names the password a web session logged in with (not the hash itself): a new password, a new
    fingerprint, and the user's older sessions are refused (listenwell/web/users.py)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def login_state(db: Database, name: str) -> dict[str, Any] | None:
    """An active user with their current password's fingerprint, as the web app checks each session."""
    row = db.con.execute("SELECT password_hash FROM users WHERE name = ? AND disabled_at IS NULL",
                         [(name or "").strip().lower()]).fetchone()
    user = get_user(db, name) if row else None
    if user is None:
        return None
    return {**user, "pw_fingerprint": password_fingerprint(row[0])}


def verify_login(db: Database, name: str, password: str) -> dict[str, Any] | None:
    """The user (with ``pw_fingerprint``, of the hash just verified) when the name and password match an
    active user; None otherwise (same work either way)."""
    row = db.con.execute("SELECT password_hash FROM users WHERE name = ? AND disabled_at IS NULL",
                         [(name or "").strip().lower()]).fetchone()
    stored = row[0] if row else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password or "") and row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    user = get_user(db, name) if ok else None
    return {**user, "pw_fingerprint": password_fingerprint(stored)} if user else None


# --- API tokens ------------------------------------------------------------------------------------

def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(db: Database, name: str, now: datetime, by: str) -> dict[str, Any]:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise TeamError("name the token after what uses it (1-80 characters), such as 'zapier' or 'crm sync'")
    if db.scalar("SELECT count(*) FROM api_tokens WHERE name = ? AND revoked_at IS NULL", [name]):
        raise TeamError(f"a token named {name!r} exists; revoke it first or pick another name")
    token_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))
    secret = secrets.token_urlsafe(32)
    with db.transaction() as con:
        con.execute("INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, NULL, NULL)",
                    [token_id, name, _digest(secret), by, now])
        record(con, by, "tokens.create", token_id, now, name=name)
    return {"token_id": token_id, "name": name, "token": f"lwt_{token_id}_{secret}", "created_by": by, "created_at": now}


def list_tokens(db: Database) -> list[dict[str, Any]]:
    return db.rows("""SELECT token_id, name, created_by, created_at, last_used_at, revoked_at FROM api_tokens
                      ORDER BY revoked_at IS NOT NULL, created_at DESC, token_id""")


def revoke_token(db: Database, ref: str, now: datetime, by: str) -> dict[str, Any]:
    """Revoke by id (``lwt_…`` or its id part) or by name."""
    match = _TOKEN.match(ref.strip())
    key = match[1] if match else ref.strip().removeprefix("lwt_")
    rows = db.rows("SELECT token_id, name, revoked_at FROM api_tokens WHERE (token_id = ? OR name = ?) "
                   "ORDER BY revoked_at IS NOT NULL", [key, ref.strip()])
    live = [r for r in rows if r["revoked_at"] is None]
    if not live:
        raise TeamError(f"no live token {ref!r}; `listenwell tokens list` shows them")
    token = live[0]
    with db.transaction() as con:
        con.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", [now, token["token_id"]])
        record(con, by, "tokens.revoke", token["token_id"], now, name=token["name"])
    return {"token_id": token["token_id"], "name": token["name"], "revoked_at": now, "revoked_by": by}


def check_token(db: Database, token: str | None) -> dict[str, Any] | None:
    """The live token row a presented token matches, else None (constant-time on the secret)."""
    match = _TOKEN.match((token or "").strip())
    if not match:
        return None
    rows = db.rows("SELECT token_id, name, secret_hash, last_used_at, revoked_at FROM api_tokens WHERE token_id = ?",
                   [match[1]])
    if not rows or rows[0]["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(rows[0]["secret_hash"], _digest(match[2])):
        return None
    return rows[0]


def touch_token(db: Database, token_id: str, now: datetime) -> None:
    db.con.execute("UPDATE api_tokens SET last_used_at = ? WHERE token_id = ?", [now, token_id])


def needs_touch(token: dict[str, Any], now: datetime) -> bool:
    last = token.get("last_used_at")
    return last is None or now - last >= LAST_USED_EVERY
