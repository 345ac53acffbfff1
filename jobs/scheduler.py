"""`listenwell scheduler`: run every source on its own interval and the daily digest, for as long as it runs.

Design, in short:

- **Jobs.** One APScheduler interval job per enabled source (``collect:<name>``, every ``every_minutes``):
  collect that source, then tag, engage and deliver alerts for what it brought. One daily job (``digest``)
  at ``schedule.digest_time`` in ``schedule.timezone``: the files, and the e-mail when it is configured.
  Jobs run one at a time (a single worker thread): DuckDB has one writer, and the stages share cursors.
- **The database is held only while a job runs.** Each job opens the file, works, records itself in
  ``job_runs`` and closes it, so ``listenwell stats`` and friends can read between jobs.
- **Isolation.** Whatever one job raises is recorded in ``job_runs`` (status ``failed``/``partial``) and
  logged; the scheduler carries on (Huginn style).
- **A hung source cannot block the others.** A source's fetch runs in its own thread that never touches
  the database: it only hands posts and checkpoints over a queue to the job thread, which stores them.
  The job thread gives up after the source's time budget, records the source as timed out and moves on.
  The abandoned thread cannot be killed, but it holds no connection and nothing it yields is stored any
  more; it exits at its next hand-over. While it is still alive, that source is not started again.
- **One scheduler per database**: an exclusive ``flock`` on ``<db>.scheduler.lock`` holding the PID.
- **SIGTERM/SIGINT** finish the current job (a fetch stops at its next checkpoint) and stop cleanly.
- **DST.** The digest fires exactly once per local day: a time inside the spring-forward gap fires at the
  same offset after the gap (01:30 → 02:30 BST); a time in the repeated autumn hour fires at its first
  occurrence only. APScheduler 3's own CronTrigger fires twice on the fall-back day, so
  :class:`DailyTrigger` guards it.
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import queue
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from apscheduler.events import EVENT_JOB_SUBMITTED, EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from collectors.base import Checkpoint, SourceError
from collectors.registry import build_collector
from delivery.alerts import deliver_pending
from delivery.digest import write_digest
from jobs.collect import (  # noqa: F401  (BudgetedCollector and friends were defined here first)
    ABANDONED_JOIN,
    BUDGET_MAX,
    BUDGET_MIN,
    STOP_GRACE,
    BudgetedCollector,
    FetchTimedOut,
    SourceRun,
    collect_budget,
    redact,
    run_collector,
    secret_values,
)
from jobs.engage import engage_new_posts
from jobs.pipeline import record_job
from jobs.tag import stage_cursor, tag_new_posts
from storage.db import Database, DatabaseLocked
from storage.writes import sync_key_clients

log = logging.getLogger("listenwell.scheduler")

COLLECT_GRACE_MIN = 30  # seconds: misfire grace of a collect job is half its interval, within these bounds
COLLECT_GRACE_MAX = 30 * 60
DIGEST_GRACE = 6 * 3600  # a machine that slept through digest_time still sends it within six hours


class SchedulerError(Exception):
    """The scheduler cannot start; the message says why and what to do."""


class SchedulerLocked(SchedulerError):
    """Another scheduler holds the lock for this database."""

    def __init__(self, message: str, *, pid: int | None, lock_path: Path):
        super().__init__(message)
        self.pid = pid
        self.lock_path = lock_path


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# --- one scheduler per database ------------------------------------------------------------------


def lock_path_for(db_path: str | Path) -> Path:
    return Path(f"{db_path}.scheduler.lock")


def status_path_for(db_path: str | Path) -> Path:
    return Path(f"{db_path}.scheduler.json")


def read_lock_pid(lock_path: Path) -> int | None:
    try:
        text = lock_path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


class SchedulerLock:
    """An exclusive, non-blocking ``flock`` on ``<db>.scheduler.lock``, which holds the owner's PID.

    The kernel drops a flock when its process dies, so a lock file left by a dead process never blocks.
    The file itself is never deleted: unlinking it would let two processes lock two different inodes.
    flock locks belong to the open file description, so a second ``SchedulerLock`` in the same process
    is refused too.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> "SchedulerLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise SchedulerError(f"cannot lock {self.path}: {exc.strerror}") from None
            pid = read_lock_pid(self.path)
            holder = f"PID {pid}" if pid else "another process"
            raise SchedulerLocked(
                f"another scheduler ({holder}) is already running for this database; lock file {self.path}. "
                f"Stop it first (kill -TERM {pid if pid else '<pid>'}); only one scheduler may run per database.",
                pid=pid, lock_path=self.path,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> "SchedulerLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


# --- triggers ------------------------------------------------------------------------------------


def local_wall_time(day: date, at: dtime, tz) -> datetime:
    """``at`` on local ``day``, in UTC: inside a spring-forward gap, the same offset after it; when the hour
    repeats, its first occurrence.

    UTC, because aware datetimes sharing one zone compare and subtract by wall time, ignoring ``fold``:
    inside the repeated hour that is off by an hour.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None))
    return naive.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)


class DailyTrigger(CronTrigger):
    """A CronTrigger at one local time of day that fires exactly once per local day across DST changes.

    APScheduler 3.11's CronTrigger fires twice on a fall-back day when the time is in the repeated hour
    (and can return the same time again for ``now`` inside it); this one never fires twice on a local date.
    """

    def __init__(self, at: dtime, timezone):
        super().__init__(hour=at.hour, minute=at.minute, second=at.second, timezone=timezone)
        self.at = at.replace(tzinfo=None, microsecond=0)

    def get_next_fire_time(self, previous_fire_time, now):
        start = now.astimezone(timezone.utc)
        if previous_fire_time is not None:
            fired_on = previous_fire_time.astimezone(self.timezone).date()
            next_midnight = local_wall_time(fired_on + timedelta(days=1), dtime(0), self.timezone)
            start = max(now, next_midnight)
        day = start.astimezone(self.timezone).date()
        for offset in range(0, 3):
            candidate = local_wall_time(day + timedelta(days=offset), self.at, self.timezone)
            if candidate >= start:
                if self.end_date and candidate > self.end_date:
                    return None
                return candidate
        raise AssertionError("unreachable: a local time of day recurs within three days")  # pragma: no cover

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} {self.timezone}"

    def __repr__(self) -> str:
        return f"<DailyTrigger ({self.at:%H:%M}, timezone='{self.timezone}')>"


def collect_grace(every_minutes: int) -> int:
    return int(min(max(every_minutes * 60 // 2, COLLECT_GRACE_MIN), COLLECT_GRACE_MAX))


# --- the jobs ------------------------------------------------------------------------------------


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
        stage_failed = False
        for stage, step in (("tag", self._tag), ("engage", self._engage), ("deliver", self._deliver)):
            try:
                counts.update(step(db))
            except Exception as exc:
                stage_failed = True
                errors.append(f"{stage}: {type(exc).__name__}: {exc}")
                log.error("collect:%s: %s failed:\n%s", source.name, stage,
                          redact(traceback.format_exc(), self._secrets))
        if not errors:
            status = "ok"
        elif run.error and not run.new_posts and not stage_failed:
            status = "failed"  # the source brought nothing: the job did not do its job
        else:
            status = "partial"
        return JobOutcome(status, counts, "; ".join(errors) or None)

    def _tag(self, db: Database) -> dict[str, Any]:
        high = int(db.scalar("SELECT coalesce(max(seq), 0) FROM posts") or 0)
        if self._nlp is None and stage_cursor(db, "tag") < high:
            from nlp.pipeline import build_pipeline

            self._nlp = build_pipeline(self.config.topics)  # slow: once per scheduler process, kept
        return {"tagged": tag_new_posts(self.config, db, nlp=self._nlp).tagged}

    def _engage(self, db: Database) -> dict[str, Any]:
        result = engage_new_posts(self.config, db)
        return {"interactions": result.interactions, "suggestions": result.suggestions, "alerts": result.alerts}

    def _deliver(self, db: Database) -> dict[str, Any]:
        return {"alerts_delivered": deliver_pending(self.config, db, echo=self.echo)}

    # --- digest ------------------------------------------------------------------------------------

    def digest(self) -> JobOutcome:
        return self.run_job("digest", self._digest)

    def digest_day(self) -> date:
        """The scheduled digest covers the last complete local day (at 07:30, yesterday)."""
        return (self.config.now().astimezone(self.config.tz) - timedelta(days=1)).date()

    def _digest(self, db: Database) -> JobOutcome:
        config = self.config
        day = self.digest_day()
        files = write_digest(config, db, day)
        counts: dict[str, Any] = {"day": day.isoformat(), "html": str(files.html), "text": str(files.text),
                                  "emailed": False}
        if not (config.digest.recipients and config.digest.smtp):
            return JobOutcome("ok", counts)
        import delivery.digest as digest_module

        send = getattr(digest_module, "send_digest", None)
        if send is None:
            return JobOutcome("partial", counts, "digest written but not e-mailed: this version has no "
                                                 "delivery.digest.send_digest")
        try:
            sent = send(config, db, day)
        except Exception as exc:
            log.error("digest: e-mail failed:\n%s", redact(traceback.format_exc(), self._secrets))
            return JobOutcome("partial", counts, f"digest written but not e-mailed: {type(exc).__name__}: {exc}")
        counts.update(emailed=True, recipients=len(config.digest.recipients))
        if isinstance(sent, dict) and sent.get("message_id"):
            counts["message_id"] = sent["message_id"]
        return JobOutcome("ok", counts)


# --- building and running ------------------------------------------------------------------------


def build_scheduler(
    config,
    *,
    scheduler_cls=BlockingScheduler,
    clock: Callable[[], datetime] | None = None,
    jobs: SchedulerJobs | None = None,
    budget: Callable[[Any], float] | None = None,
    echo: Callable[[str], None] | None = None,
    collect_at_start: bool = True,
):
    """An APScheduler scheduler (not started) with ``collect:<source>`` per enabled source and ``digest``.

    The :class:`SchedulerJobs` the jobs call is ``scheduler.listenwell_jobs``. With ``collect_at_start``
    every source is collected as soon as the scheduler starts, then every ``every_minutes``.
    """
    jobs = jobs or SchedulerJobs(config, clock=clock, budget=budget, echo=echo)
    clock = clock or utc_now  # APScheduler fires by the real clock, whatever reference_time says
    scheduler = scheduler_cls(
        timezone=config.tz,
        executors={"default": ThreadPoolExecutor(max_workers=1)},  # one writer; stages share cursors
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    now = clock()
    for source in config.sources:
        if not source.enabled:
            continue
        extra = {"next_run_time": now} if collect_at_start else {}
        scheduler.add_job(
            jobs.collect, IntervalTrigger(minutes=source.every_minutes, timezone=timezone.utc),
            args=[source.name], id=f"collect:{source.name}", name=f"collect {source.name}",
            max_instances=1, coalesce=True, misfire_grace_time=collect_grace(source.every_minutes), **extra,
        )
    scheduler.add_job(
        jobs.digest, DailyTrigger(config.schedule.digest_time, config.tz), id="digest", name="daily digest",
        max_instances=1, coalesce=True, misfire_grace_time=DIGEST_GRACE,
    )
    scheduler.listenwell_jobs = jobs
    return scheduler


def job_plan(scheduler, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each job's id, trigger and next run time. Before ``start()``, computed from the trigger."""
    now = now or utc_now()
    plan = []
    for job in scheduler.get_jobs():
        next_run = getattr(job, "next_run_time", None)
        if next_run is None:
            next_run = job.trigger.get_next_fire_time(None, now)
        plan.append({
            "id": job.id, "trigger": describe_trigger(job.trigger), "next_run_time": next_run,
            "misfire_grace_seconds": job.misfire_grace_time, "max_instances": job.max_instances,
            "coalesce": job.coalesce,
        })
    return plan


def describe_trigger(trigger) -> str:
    if isinstance(trigger, IntervalTrigger):
        minutes = trigger.interval.total_seconds() / 60
        return f"every {minutes:g} min"
    return str(trigger)


def write_status(path: Path, plan: list[dict[str, Any]], started_at: datetime) -> None:
    """``<db>.scheduler.json``: who runs and each job's next run, for `listenwell jobs`."""
    data = {"pid": os.getpid(), "started_at": started_at.isoformat(), "updated_at": utc_now().isoformat(),
            "jobs": [{"id": p["id"], "trigger": p["trigger"],
                      "next_run_time": p["next_run_time"].isoformat() if p["next_run_time"] else None}
                     for p in plan]}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def read_status(db_path: str | Path) -> dict[str, Any] | None:
    """The running scheduler's status for this database, or None when none is running."""
    path = status_path_for(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("pid")
    if not isinstance(pid, int) or read_lock_pid(lock_path_for(db_path)) != pid:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return data


def run_scheduler(
    config,
    *,
    scheduler_cls=BlockingScheduler,
    install_signal_handlers: bool = True,
    echo: Callable[[str], None] | None = None,
    on_started: Callable[[Any], None] | None = None,
) -> None:
    """Take the lock, run until SIGTERM/SIGINT, finish the current job, release the lock.

    Raises :class:`SchedulerLocked` when another scheduler runs for the same database.
    """
    lock = SchedulerLock(lock_path_for(config.db_path)).acquire()
    status_path = status_path_for(config.db_path)
    started_at = utc_now()
    previous_handlers: dict[int, Any] = {}
    stopper: list[threading.Thread] = []
    try:
        scheduler = build_scheduler(config, scheduler_cls=scheduler_cls, echo=echo)
        jobs: SchedulerJobs = scheduler.listenwell_jobs

        def shutdown() -> None:
            try:
                scheduler.shutdown(wait=True)  # waits for the running job; queued ones see `stopping`
            except SchedulerNotRunningError:
                pass

        def request_stop(signum: int | None = None, _frame: Any = None) -> None:
            if jobs.stopping.is_set():
                return
            jobs.stopping.set()
            name = signal.Signals(signum).name if signum else "stop"
            log.info("%s received: finishing the current job, then stopping", name)
            if scheduler.running:
                # not from inside the handler: shutdown(wait=True) blocks on locks the main thread may hold
                thread = threading.Thread(target=shutdown, name="scheduler-stop")
                stopper.append(thread)
                thread.start()

        def on_event(event) -> None:
            if event.code == EVENT_SCHEDULER_STARTED and jobs.stopping.is_set():
                thread = threading.Thread(target=shutdown, name="scheduler-stop")
                stopper.append(thread)
                thread.start()
                return
            try:
                plan = job_plan(scheduler)
                if event.code == EVENT_JOB_SUBMITTED:  # its next run is updated only after this event
                    for item in plan:
                        if item["id"] == event.job_id:
                            item["next_run_time"] = scheduler.get_job(event.job_id).trigger.get_next_fire_time(
                                max(event.scheduled_run_times), utc_now())
                write_status(status_path, plan, started_at)
            except Exception as exc:  # the status file is a convenience
                log.debug("cannot write %s: %s", status_path, exc)

        scheduler.add_listener(on_event, EVENT_SCHEDULER_STARTED | EVENT_JOB_SUBMITTED)
        if install_signal_handlers:
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous_handlers[sig] = signal.signal(sig, request_stop)
        for item in job_plan(scheduler):
            log.info("job %s: %s, next run %s", item["id"], item["trigger"], _local(item["next_run_time"], config.tz))
        log.info("scheduler running (PID %d, lock %s); stop with Ctrl-C or SIGTERM", os.getpid(), lock.path)
        if on_started:
            on_started(scheduler)
        scheduler.start()  # blocks until shutdown() for a BlockingScheduler
        for thread in stopper:
            thread.join()
        log.info("scheduler stopped")
    finally:
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
        try:
            status_path.unlink()
        except OSError:
            pass
        lock.release()


def _local(value: datetime | None, tz) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if value else "never"
