"""The engage job: interactions, reply suggestions and alerts for posts tagged since the last run."""
from __future__ import annotations

from dataclasses import dataclass

from engagement.alerts import raise_alerts, raise_timed_alerts
from engagement.interactions import derive_interactions
from engagement.queue import close_answered, suggest_replies
from jobs.tag import set_stage_cursor, stage_cursor
from storage.db import Database


@dataclass
class EngageResult:
    interactions: int
    suggestions: int
    answered: int
    alerts: int


def engage_new_posts(config, db: Database) -> EngageResult:
    """All of it in one transaction with the cursor, so a crash never half-engages a batch."""
    lo = stage_cursor(db, "engage")
    hi = stage_cursor(db, "tag")
    now = config.now()
    with db.transaction() as con:
        interactions = derive_interactions(con, lo, hi) if hi > lo else 0
        suggestions = suggest_replies(config, con, lo, hi) if hi > lo else 0
        answered = close_answered(con, now)
        alerts = raise_alerts(config, con, lo, hi) if hi > lo else 0
        alerts += raise_timed_alerts(config, con)  # unanswered questions and spikes: the clock moves
        set_stage_cursor(con, "engage", hi, now)
    return EngageResult(interactions, suggestions, answered, alerts)
