"""The functions the scheduler calls: ``collect:<source>`` (collect one source, then the shared stages of
jobs/stages.py) and ``digest``. Each opens the database, records itself in ``job_runs``, works and closes it;
whatever one raises is recorded and logged, and the scheduler carries on."""
from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import delivery.digest as digest_files
from collectors.registry import build_collector
from jobs.collect import BudgetedCollector, SourceRun, collect_budget, redact, run_collector, secret_values
from jobs.pipeline import record_job
from jobs.stages import run_stages
from jobs.tag import stage_cursor
from storage.db import Database, DatabaseLocked
from storage.writes import sync_key_clients

log = logging.getLogger("listenwell.scheduler")


@dataclass
class JobOutcome:
    status: str  # ok | partial | failed | skipped (skipped is not recorded)
    counts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class SchedulerJobs:
    """The functions the scheduler calls. Each opens the database, works, records itself, closes it."""

    def __init__(
        self,
        config,
        *,
        clock: Callable[[], datetime] | None = None,
        budget: Callable[[Any], float] | None = None,
        echo: Callable[[str], None] | None = None,
        open_db: Callable[[Path], Database] | None = None,
        nlp=None,
    ):
        self.config = config
        self.clock = clock or config.now  # one clock: a pinned reference_time is what job_runs record too
        self.budget = budget or collect_budget
        self.echo = echo or (lambda message: print(message, flush=True))
        self.open_db = open_db or (lambda path: Database.open(path, memory_limit=config.storage.memory_limit))
        self.stopping = threading.Event()
        self.abandoned: dict[str, tuple[threading.Thread, datetime]] = {}
        self._nlp = nlp
        self._prepared = False
        self._secrets = secret_values(config)

    def source(self, name: str):
        for source in self.config.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    # --- the wrapper every job runs in -----------------------------------------------------------

    def run_job(self, job_id: str, work: Callable[[Database], JobOutcome]) -> JobOutcome:
        """Open, record 'running', work, record the outcome, close. Never raises."""
        if self.stopping.is_set():
            log.info("%s: not started, the scheduler is stopping", job_id)
            return JobOutcome("skipped", error="the scheduler is stopping")
        started = self.clock()
        timer = time.perf_counter()  # the duration is real even when the clock is pinned
        try:
            db = self.open_db(self.config.db_path)
        except DatabaseLocked as exc:
            log.warning("%s: skipped, %s", job_id, exc)
            return JobOutcome("skipped", error=str(exc))
        except Exception as exc:
            log.error("%s: cannot open the database: %s: %s", job_id, type(exc).__name__, exc)
            return JobOutcome("skipped", error=f"{type(exc).__name__}: {exc}")
        log.info("%s: started", job_id)
        try:
            self._prepare(db)
            run_id = record_job(db, job_id, started, "running", {}, None, started)
            try:
                outcome = work(db)
            except Exception as exc:  # isolate: record it, the scheduler goes on
                log.error("%s: failed:\n%s", job_id, redact(traceback.format_exc(), self._secrets))
                outcome = JobOutcome("failed", {}, f"unexpected {type(exc).__name__}: {exc}")
            finished = self.clock()
            outcome.counts["seconds"] = round(time.perf_counter() - timer, 3)
            if outcome.error:
                outcome.error = redact(outcome.error, self._secrets)[:4000]
            record_job(db, job_id, started, outcome.status, outcome.counts, outcome.error, finished,
                       run_id=run_id, finished=finished)
        except Exception as exc:  # the database itself failed us: log, and try again next time
            log.error("%s: could not be recorded: %s: %s", job_id, type(exc).__name__, exc)
            return JobOutcome("failed", error=f"{type(exc).__name__}: {exc}")
        finally:
            db.close()
        level = logging.INFO if outcome.status == "ok" else logging.WARNING
        log.log(level, "%s: %s%s", job_id, outcome.status, f" ({outcome.error})" if outcome.error else "")
        return outcome

    def _prepare(self, db: Database) -> None:
        """Once per scheduler process: the key clients from the config, and runs a crash left 'running'."""
        if self._prepared:
            return
        sync_key_clients(db, self.config.key_clients, self.config.me, self.config.now())
        from engagement.reconcile import recover_interrupted

        recover_interrupted(db, self.config.now())
        with db.transaction() as con:
            con.execute(
                """UPDATE job_runs SET status = 'failed',
                          error = coalesce(error, 'interrupted: the scheduler stopped before this run finished')
                   WHERE status = 'running'"""
            )
        self._prepared = True

    # --- collect:<source> ---------------------------------------------------------------------------

    def collect(self, source_name: str) -> JobOutcome:
        return self.run_job(f"collect:{source_name}", lambda db: self._collect(db, self.source(source_name)))

    def _collect(self, db: Database, source) -> JobOutcome:
        config = self.config
        now = config.now()
        counts: dict[str, Any] = {"source": source.name, "new_posts": 0}
        retry_at = db.scalar("SELECT next_allowed_at FROM source_state WHERE source = ?", [source.name])
        if retry_at is not None and retry_at > now:
            counts["skipped"] = f"waiting until {retry_at:%Y-%m-%d %H:%M} UTC (rate limit)"
            return JobOutcome("ok", counts)
        stuck = self.abandoned.get(source.name)
        if stuck and stuck[0].is_alive():
            counts["skipped"] = "previous fetch still running"
            return JobOutcome("failed", counts, f"not started: the fetch abandoned at {stuck[1]:%Y-%m-%d %H:%M:%S} "
                                                "UTC has still not returned")
        self.abandoned.pop(source.name, None)

        budget = self.budget(source)
        collector = BudgetedCollector(source.name, lambda: build_collector(config, source), budget=budget,
                                      stopping=self.stopping)
        try:
            run: SourceRun = run_collector(db, collector, source_type=source.type, our_handles=config.our_handles(),
                                           now=now, secrets=self._secrets)
        finally:
            if collector.abandoned is not None:
                self.abandoned[source.name] = (collector.abandoned, self.clock())
                log.warning("collect:%s: fetch thread abandoned after %.0f s; it holds no database connection",
                            source.name, budget)
        counts.update(new_posts=run.new_posts, seen_posts=run.seen_posts, timed_out=collector.timed_out,
                      budget_seconds=budget)
        if collector.stopped_early:
            counts["stopped_early"] = True
        if run.notes:
            counts["notes"] = run.notes
        errors = [f"{source.name}: {run.error}"] if run.error else []
        stages = run_stages(config, db, nlp=self._nlp_for(db), echo=self.echo, isolate=True,
                            redact=lambda text: redact(text, self._secrets))
        counts.update(stages.counts())
        errors += stages.errors
        if not errors:
            status = "ok"
        elif run.error and not run.new_posts and not stages.errors:
            status = "failed"  # the source brought nothing: the job did not do its job
        else:
            status = "partial"
        return JobOutcome(status, counts, "; ".join(errors) or None)

    def _nlp_for(self, db: Database):
        """The tagger, built once per scheduler process (slow) and only when there is something to tag."""
        high = int(db.scalar("SELECT coalesce(max(seq), 0) FROM posts") or 0)
        if self._nlp is None and stage_cursor(db, "tag") < high:
            from nlp.pipeline import build_pipeline

            self._nlp = build_pipeline(self.config.topics)
        return self._nlp

    # --- digest ------------------------------------------------------------------------------------

    def digest(self) -> JobOutcome:
        return self.run_job("digest", self._digest)

    def digest_day(self) -> date:
        """The scheduled digest covers the last complete local day (at 07:30, yesterday)."""
        return (self.config.now().astimezone(self.config.tz) - timedelta(days=1)).date()

    def _digest(self, db: Database) -> JobOutcome:
        config = self.config
        day = self.digest_day()
        files = digest_files.write_digest(config, db, day)
        counts: dict[str, Any] = {"day": day.isoformat(), "html": str(files.html), "text": str(files.text),
                                  "emailed": False}
        if not (config.digest.recipients and config.digest.smtp):
            return JobOutcome("ok", counts)
        try:
            sent = digest_files.send_digest(config, db, day)
        except Exception as exc:
            log.error("digest: e-mail failed:\n%s", redact(traceback.format_exc(), self._secrets))
            return JobOutcome("partial", counts, f"digest written but not e-mailed: {type(exc).__name__}: {exc}")
        counts.update(emailed=True, recipients=len(config.digest.recipients))
        if isinstance(sent, dict) and sent.get("message_id"):
            counts["message_id"] = sent["message_id"]
        return JobOutcome("ok", counts)
