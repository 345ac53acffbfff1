"""Who did what: one row per human action (queue decisions, touches, merges, undos, imports, users,
tokens), written in the same transaction as the action itself."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database


def record(con, actor: str, action: str, target: str, now: datetime, **details: Any) -> None:
    """Add one entry; call it inside the action's transaction so the two land together."""
    con.execute(
        "INSERT INTO audit_log VALUES (nextval('audit_seq'), ?, ?, ?, ?, ?)",
        [now, actor or "unknown", action, target,
         json.dumps(details, ensure_ascii=False, default=str) if details else None],
    )


def history(db: Database, *, target: str | None = None, actor: str | None = None, action: str | None = None,
            about: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest entries first: for one ``target``, one ``actor``, actions starting with ``action``, or
    ``about`` a person (entries targeting them, or naming them as ``person_id``: their touches, queue items)."""
    rows = db.rows(
        """SELECT seq, occurred_at AS at, actor, action, target, details FROM audit_log
           WHERE (? IS NULL OR target = ?) AND (? IS NULL OR actor = ?)
             AND (? IS NULL OR starts_with(action, ?))
             AND (? IS NULL OR target = ? OR json_extract_string(details, '$.person_id') = ?)
           ORDER BY seq DESC LIMIT ?""",
        [target, target, actor, actor, action, action, about, about, about, limit])
    for row in rows:
        row["details"] = json.loads(row["details"]) if row["details"] else {}
    return rows
