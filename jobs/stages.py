"""The stages after collection, in order: tag → engage → deliver alerts. One runner for `run --once`
(jobs/pipeline.py) and for the scheduler's collect jobs (jobs/scheduled_jobs.py).

Each stage works from its own cursor (``stage_cursor``), so whatever collected the posts, the stages pick
up exactly what is new. With ``isolate`` (the scheduler) a stage that raises is logged and recorded in
``errors`` and the next stages still run; without it (`run --once`) the error propagates.
"""
from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from delivery.alerts import deliver_pending
from jobs.engage import engage_new_posts
from jobs.progress import NO_PROGRESS, Progress
from jobs.tag import stage_cursor, tag_new_posts
from listenwell.words import plural
from storage.db import Database

log = logging.getLogger("listenwell.stages")


@dataclass
class StagesRun:
    tagged: int = 0
    interactions: int = 0
    suggestions: int = 0
    alerts: int = 0
    alerts_delivered: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # "engage: RuntimeError: …" for a stage that raised

    def counts(self) -> dict[str, Any]:
        return {"tagged": self.tagged, "interactions": self.interactions, "suggestions": self.suggestions,
                "alerts": self.alerts, "alerts_delivered": self.alerts_delivered}


def posts_between(db: Database, lo: int, hi: int) -> int:
    return int(db.scalar("SELECT count(*) FROM posts WHERE seq > ? AND seq <= ?", [lo, hi]) or 0)


def run_stages(
    config,
    db: Database,
    *,
    nlp=None,
    n_process: int = 1,
    progress: Progress = NO_PROGRESS,
    echo: Callable[[str], None] = print,
    isolate: bool = False,
    redact: Callable[[str], str] = lambda text: text,
) -> StagesRun:
    run = StagesRun()

    def tag() -> None:
        run.tagged = tag_new_posts(config, db, nlp=nlp, n_process=n_process, progress=progress).tagged

    def engage() -> None:
        to_engage = posts_between(db, stage_cursor(db, "engage"), stage_cursor(db, "tag"))
        if to_engage:
            progress.count("engage", 0, to_engage)
        engaged = engage_new_posts(config, db)  # one transaction: its count moves at the end
        if to_engage:
            progress.count("engage", to_engage, to_engage)
        run.interactions, run.suggestions, run.alerts = engaged.interactions, engaged.suggestions, engaged.alerts
        progress.line(f"engage: {plural(engaged.interactions, 'interaction')}, "
                      f"{plural(engaged.suggestions, 'reply suggestion')}, {plural(engaged.alerts, 'alert')}")

    def deliver() -> None:
        run.alerts_delivered = deliver_pending(config, db, echo=echo)

    for name, stage in (("tag", tag), ("engage", engage), ("deliver", deliver)):
        started = time.perf_counter()
        try:
            stage()
        except Exception as exc:
            if not isolate:
                raise
            run.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            log.error("%s failed:\n%s", name, redact(traceback.format_exc()))
        finally:
            run.seconds[name] = round(time.perf_counter() - started, 3)
    return run
