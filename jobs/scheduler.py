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

Where each part lives: jobs/scheduled_jobs.py (what a job does), jobs/stages.py (tag → engage → deliver,
shared with `run --once`), jobs/triggers.py (when jobs fire), jobs/scheduler_lock.py (one per database),
jobs/scheduler_status.py (what `listenwell jobs` shows); this module builds and runs the scheduler.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import datetime, timezone
from typing import Any, Callable

from apscheduler.events import EVENT_JOB_SUBMITTED, EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

# The scheduler's parts, one concern each; imported here too, where callers have always found them.
from jobs.collect import BudgetedCollector, FetchTimedOut  # noqa: F401
from jobs.scheduled_jobs import JobOutcome, SchedulerJobs  # noqa: F401
from jobs.scheduler_lock import (  # noqa: F401
    SchedulerError, SchedulerLock, SchedulerLocked, lock_path_for, read_lock_pid, status_path_for,
)
from jobs.scheduler_status import describe_trigger, job_plan, read_status, utc_now, write_status  # noqa: F401
from jobs.triggers import (  # noqa: F401
    COLLECT_GRACE_MAX, COLLECT_GRACE_MIN, DIGEST_GRACE, DailyTrigger, collect_grace, local_wall_time,
)

log = logging.getLogger("listenwell.scheduler")


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
