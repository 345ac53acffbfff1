"""Replies interrupted mid-send: found, marked ``unknown``, and reconciled with the platform.

``queue send`` marks a row ``sending`` with its owner (host, PID and the process's start time) before it
calls the platform. If that process dies before it records the answer, the platform may or may not
have the reply. ``recover_interrupted`` (run by every command that writes the queue) turns such rows —
owner gone, or an older row with no owner — into ``unknown``; ``send`` refuses ``unknown`` rows.
``reconcile`` looks the reply up on the platform (our account's recent replies to that post): found,
the row becomes ``sent`` with its id; not found, it is ``approved`` again, ready to send. Never sent
twice by listenwell: only a human's ``queue send`` after a reconcile that found nothing posts again.
"""
from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Protocol

from engagement.queue import QueueError, get_suggestion, mark_sent
from storage.db import Database

IN_FLIGHT: set[str] = set()  # suggestion ids this process is sending right now


class ReplyFinder(Protocol):
    def find_reply(self, in_reply_to_native_id: str, text: str) -> str | None: ...


def _start_ticks(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def process_token(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '?'}"


def owner_alive(owner: str | None, suggestion_id: str) -> bool:
    """Whether the process that marked a row ``sending`` may still be sending it."""
    if not owner:
        return False  # rows from before owners were recorded
    host, _, rest = owner.partition(":")
    pid_text, _, ticks = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # another machine: it cannot be checked from here (reconcile with --mark after checking)
    pid = int(pid_text)
    if pid == os.getpid():
        return suggestion_id in IN_FLIGHT
    current = _start_ticks(pid)
    if current is None:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return ticks == "?"
    return ticks in ("?", current)


def recover_interrupted(db: Database, now: datetime) -> list[str]:
    """Rows left in ``sending`` by a process that is gone become ``unknown``; returns their ids."""
    rows = db.con.execute(
        "SELECT suggestion_id, sending_owner, sending_started_at FROM reply_suggestions WHERE status = 'sending'"
    ).fetchall()
    stuck = [(sid, started) for sid, owner, started in rows if not owner_alive(owner, sid)]
    if not stuck or db.read_only:
        return [sid for sid, _ in stuck]
    with db.transaction() as con:
        for sid, started in stuck:
            when = f" at {started:%Y-%m-%d %H:%M} UTC" if started else ""
            con.execute(
                "UPDATE reply_suggestions SET status = 'unknown', updated_at = ?, last_error = ? "
                "WHERE suggestion_id = ? AND status = 'sending'",
                [now, f"interrupted while sending{when}: the platform may have it; run `listenwell queue "
                      f"reconcile {sid}`", sid])
    return [sid for sid, _ in stuck]


def reconcile(db: Database, suggestion_id: str, *, finder: ReplyFinder | None, by: str, now: datetime,
              mark: str | None = None, sent_id: str | None = None) -> dict:
    """Settle an ``unknown`` reply: look it up with ``finder`` (or take a human's ``mark``: 'sent' with
    ``sent_id``, or 'ready'). Returns the row as it now is."""
    recover_interrupted(db, now)
    item = get_suggestion(db, suggestion_id)
    if item["status"] != "unknown":
        raise QueueError(f"{suggestion_id} is {item['status']}; only a reply interrupted while it was being sent "
                         "(status unknown) needs reconciling")
    if mark == "sent":
        if not sent_id:
            raise QueueError("--mark sent needs --sent-id: the id of the reply you found on the platform")
        return mark_sent(db, item, sent_id.split(":", 1)[-1], by, now)
    if mark is None:
        if finder is None:
            raise QueueError(f"cannot look the reply up on {item['platform']} (no enabled {item['platform']} "
                             f"source with credentials); check {item['url'] or 'the post'} yourself and run "
                             f"`listenwell queue reconcile {suggestion_id} --mark sent --sent-id ID` or "
                             "`--mark ready`")
        try:
            found = finder.find_reply(item["native_id"], item["text"])
        except Exception as exc:
            raise QueueError(f"looking the reply up on {item['platform']} failed: {exc}; nothing changed, try "
                             "again later") from None
        if found:
            return mark_sent(db, item, found, by, now)
    with db.transaction() as con:
        con.execute(
            "UPDATE reply_suggestions SET status = 'approved', sending_owner = NULL, updated_at = ?, last_error = ? "
            "WHERE suggestion_id = ?",
            [now, f"not on {item['platform']} ({'checked by ' + by if mark else 'looked up'} {now:%Y-%m-%d %H:%M} "
                  "UTC): ready to send again", suggestion_id])
    return get_suggestion(db, suggestion_id)
