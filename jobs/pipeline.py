"""`run --once`: collect → store → tag → engage → alerts (jobs/stages.py) → digest file, each stage timed."""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from delivery.digest import write_digest
from jobs.collect import SourceRun, collect_all
from jobs.progress import Progress, as_progress
from jobs.stages import run_stages
from storage.db import Database
from storage.writes import sync_key_clients


@dataclass
class RunSummary:
    sources: list[SourceRun] = field(default_factory=list)
    new_posts: int = 0
    tagged: int = 0
    interactions: int = 0
    suggestions: int = 0
    alerts: int = 0
    digest: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed_sources(self) -> list[SourceRun]:
        return [s for s in self.sources if s.error]

    def counts(self) -> dict[str, Any]:
        return {
            "new_posts": self.new_posts, "tagged": self.tagged, "interactions": self.interactions,
            "suggestions": self.suggestions, "alerts": self.alerts,
            "sources_failed": [s.source for s in self.failed_sources], "seconds": self.seconds,
        }


def record_job(
    db: Database, job: str, started, status: str, counts: dict, error: str | None, now,
    *, run_id: str | None = None, finished: datetime | None = None,
) -> str:
    """Write one `job_runs` row; with the same ``run_id`` again, replace it (a 'running' row, then its end).

    ``started`` is the start time when it is a datetime (else ``now`` is used); ``finished`` defaults to
    ``now``, and stays empty while ``status`` is 'running'. Returns the run id.
    """
    started_at = started if isinstance(started, datetime) else now
    finished_at = finished if finished is not None else (None if status == "running" else now)
    run_id = run_id or uuid.uuid4().hex
    with db.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO job_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, job, started_at, finished_at, status, json.dumps(counts, default=str), error],
        )
    return run_id


def check_knowledge(config) -> None:
    """replies.knowledge must name a readable folder, and the llm backend its client package and its key
    variable (KnowledgeError names the path, the package or the variable), before a run collects anything."""
    from engagement.knowledge import KnowledgeBase, KnowledgeError
    from engagement.llm import MISSING_CLIENT, client_installed
    from listenwell.config import read_secret

    if config.replies.knowledge:
        KnowledgeBase.check_folder(config.resolve(config.replies.knowledge))
    if config.replies.backend == "llm" and not client_installed():
        raise KnowledgeError(MISSING_CLIENT)
    llm = config.replies.llm
    if config.replies.backend == "llm" and llm is not None and llm.api_key_env and \
            not read_secret(llm.api_key_env, "LLM API key"):
        raise KnowledgeError(f"replies.llm.api_key_env: the environment variable {llm.api_key_env} is not set")


def run_once(
    config,
    db: Database,
    *,
    only: list[str] | None = None,
    digest: bool = True,
    n_process: int = 1,
    progress: Progress | Callable[[str], None] | None = None,
    echo: Callable[[str], None] = print,
) -> RunSummary:
    check_knowledge(config)  # a missing knowledge folder stops the run before anything is collected
    summary = RunSummary()
    progress = as_progress(progress)
    started = time.perf_counter()
    started_at = config.now()  # one clock: the pinned reference_time when set, as every other record
    sync_key_clients(db, config.key_clients, config.me, config.now())
    from engagement.reconcile import recover_interrupted

    recover_interrupted(db, config.now())  # replies a dead `queue send` left in 'sending' become 'unknown'

    t = time.perf_counter()
    summary.sources = collect_all(config, db, only=only, progress=progress)
    summary.new_posts = sum(s.new_posts for s in summary.sources)
    summary.seconds["collect"] = round(time.perf_counter() - t, 3)

    stages = run_stages(config, db, n_process=n_process, progress=progress, echo=echo)
    summary.tagged, summary.interactions = stages.tagged, stages.interactions
    summary.suggestions, summary.alerts = stages.suggestions, stages.alerts
    summary.seconds.update(stages.seconds)

    if digest:
        t = time.perf_counter()
        summary.digest = write_digest(config, db).html
        summary.seconds["digest"] = round(time.perf_counter() - t, 3)
    summary.seconds["total"] = round(time.perf_counter() - started, 3)
    status = "ok" if not summary.failed_sources else "partial"
    record_job(db, "run-once", started_at, status, summary.counts(), None, config.now())
    return summary
