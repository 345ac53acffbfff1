"""Deliver pending alerts. The console channel for now; each delivery's status is stored."""
from __future__ import annotations

from typing import Callable

from storage.db import Database


def deliver_pending(config, db: Database, echo: Callable[[str], None] = print, dry_run: bool = False) -> int:
    pending = db.rows(
        """SELECT alert_id, title, reason, url FROM alerts
           WHERE delivery_status IN ('pending', 'failed') ORDER BY created_at, alert_id"""
    )
    if not pending:
        return 0
    if "console" in config.alerts.channels:
        for alert in pending:
            link = f"\n    {alert['url']}" if alert["url"] else ""
            echo(f"ALERT {alert['title']}\n    {alert['reason']}{link}")
    if dry_run:
        return len(pending)
    with db.transaction() as con:
        con.execute(
            """UPDATE alerts SET delivery_status = 'delivered', delivered_at = $now, attempts = attempts + 1
               WHERE list_contains($ids, alert_id)""",
            {"now": config.now(), "ids": [a["alert_id"] for a in pending]},
        )
    return len(pending)
