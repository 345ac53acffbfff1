"""The collect job: run every enabled source, isolating failures, committing at checkpoints."""
from __future__ import annotations

import copy
import logging
import os
import queue
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Callable

from collectors import http_policy, platforms
from collectors.base import MONTH_USAGE_KEY
from collectors.base import Checkpoint, Collector, FollowersPage, Post, PostsBatch, RateLimited, SourceError
from collectors.redact import redact as _redact, register
from collectors.registry import NotAvailable, build_collector
from jobs.progress import Progress, as_progress
from listenwell.words import plural
from storage.db import Database
from storage.usage import month_totals
from storage.writes import finish_source_run, load_source_state, store_batch

log = logging.getLogger("listenwell.collect")

# A collector should checkpoint long before this; past it we stop buffering and fail the source
MAX_UNCOMMITTED = 200_000
MAX_NOTE_CHARS = 2000
BUDGET_MIN = 60.0  # seconds: the overall time budget of one source's fetch, within these bounds
BUDGET_MAX = 3600.0
STOP_GRACE = 10.0  # after SIGTERM, wait at most this long for a fetch that has not reached a checkpoint
ABANDONED_JOIN = 1.0  # seconds given to a cancelled fetch thread to end before it counts as abandoned


@dataclass
class SourceRun:
    source: str
    new_posts: int = 0
    seen_posts: int = 0
    error: str | None = None
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def secret_values(config) -> list[str]:
    """Values of every environment variable the config names as a secret, to scrub from messages."""
    values = []
    for source in config.sources:
        for key, env_name in source.model_dump().items():
            if key.endswith("_env") and env_name and os.environ.get(env_name):
                values.append(os.environ[env_name])
    smtp = config.digest.smtp
    for env_name in (smtp.username_env, smtp.password_env) if smtp else ():
        if env_name and os.environ.get(env_name):
            values.append(os.environ[env_name])
    if config.alerts.webhook_url_env and os.environ.get(config.alerts.webhook_url_env):
        values.append(os.environ[config.alerts.webhook_url_env])
    values = [v for v in values if len(v) >= 4]
    register(*values)
    return values


def redact(message: str, secrets: list[str] = ()) -> str:
    """``collectors.redact.redact``: every part of a secret of 6+ characters, and Authorization-like values."""
    return _redact(message, secrets)


def add_note(notes: list[str], note: str | None) -> None:
    """Keep ``note`` once: a note that repeats the ones before it (a collector whose every checkpoint
    carries all its notes so far) adds only what is new."""
    remaining = (note or "").strip()
    for earlier in list(notes):
        if remaining == earlier:
            return
        if remaining.startswith(earlier + "; "):
            remaining = remaining[len(earlier) + 2:]
    if remaining and remaining not in notes:
        notes.append(remaining)


def notes_once(notes: list[str], limit: int = MAX_NOTE_CHARS) -> str | None:
    """A source's notes for the record: each once, in order, within ``limit`` characters."""
    unique: list[str] = []
    for note in notes:
        add_note(unique, note)
    text = "; ".join(unique)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text or None


def collect_budget(source) -> float:
    """A source's overall time budget per run: ten HTTP timeouts plus the rate-limit wait it may take."""
    budget = source.timeout_seconds * 10 + getattr(source, "max_wait_seconds", 0.0)
    return float(min(max(budget, BUDGET_MIN), BUDGET_MAX))




# --- a fetch in its own thread, under a time budget ------------------------------------------------


class FetchTimedOut(SourceError):
    """The fetch did not finish within its budget; it was abandoned."""


@dataclass
class _Failed:
    exc: BaseException


_DONE = object()


class BudgetedCollector:
    """Wraps a collector so its ``fetch`` runs in a daemon thread and the caller stops waiting after ``budget``.

    The thread builds the collector and iterates its ``fetch``; it never sees the database. The caller
    (``run_collector`` in the job thread) stores each page at its checkpoint as usual. On timeout this
    raises :class:`FetchTimedOut` (a ``SourceError``, so it is recorded on the source); the thread is
    told to stop and, if it does not within a second, is left behind in ``abandoned``. After ``stopping``
    is set the fetch ends at its next checkpoint, or within ``STOP_GRACE`` seconds.
    """

    def __init__(self, name: str, factory: Callable[[], Any], *, budget: float,
                 stopping: threading.Event | None = None, queue_size: int = 1000):
        self.name = name
        self.factory = factory
        self.budget = budget
        self.stopping = stopping or threading.Event()
        self.queue_size = queue_size
        self.timed_out = False
        self.stopped_early = False
        self.abandoned: threading.Thread | None = None

    def fetch(self, state: dict[str, Any]):
        items: queue.Queue = queue.Queue(maxsize=self.queue_size)
        cancel = threading.Event()

        def hand_over(item: Any) -> bool:
            while not cancel.is_set():
                try:
                    items.put(item, timeout=0.2)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                # every HTTP request of this fetch ends by the budget too: a trickling body is cut, not abandoned
                with http_policy.source_deadline(self.budget):
                    collector = self.factory()
                    for item in collector.fetch(state):
                        if not hand_over(item):
                            return
                hand_over(_DONE)
            except BaseException as exc:  # handed to the job thread, which decides what it means
                hand_over(_Failed(exc))

        thread = threading.Thread(target=produce, name=f"fetch:{self.name}", daemon=True)
        started = time.monotonic()
        deadline = started + self.budget
        thread.start()
        try:
            while True:
                if self.stopping.is_set():
                    deadline = min(deadline, time.monotonic() + STOP_GRACE)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.timed_out = not self.stopping.is_set()
                    if self.timed_out:
                        raise FetchTimedOut(
                            f"timed out: the fetch did not finish within its {self.budget:.0f} s budget and was "
                            f"abandoned; what it read up to its last checkpoint is stored"
                        )
                    self.stopped_early = True
                    raise SourceError("stopped: the scheduler is shutting down; the fetch was abandoned "
                                      "after its last checkpoint")
                try:
                    item = items.get(timeout=min(remaining, 0.5))
                except queue.Empty:
                    continue
                if item is _DONE:
                    return
                if isinstance(item, _Failed):
                    raise item.exc
                yield item
                if isinstance(item, Checkpoint) and self.stopping.is_set():
                    self.stopped_early = True
                    return
        finally:
            cancel.set()
            thread.join(ABANDONED_JOIN)
            if thread.is_alive():
                self.abandoned = thread




class Writer:
    """The one thread that does collection's database writes, in order, one at a time.

    Reading a source (parsing, mapping) and writing to DuckDB each keep about one core busy. So the
    collector reads the next checkpoint while this stores the last one, and in ``collect_all`` the
    next source starts reading while the one before is still being stored. ``submit`` first waits
    for the task before, so one checkpoint is in flight: memory stays at one checkpoint's worth.
    Tasks handle their own errors (each belongs to a source): ``drain`` only waits."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="listenwell-store")
        self._queued: list[Future] = []

    def submit(self, task: Callable[[], None], *, small: bool = False) -> None:
        """``small``: a task holding little memory (how a run ended) queues behind the one in flight
        instead of waiting for it, so the next source starts reading at once."""
        if not small:
            self.drain()
        self._queued.append(self._pool.submit(task))

    def drain(self) -> None:
        queued, self._queued = self._queued, []
        for future in queued:
            future.result()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self._pool.shutdown(wait=True)


def run_collector(
    db: Database,
    collector: Collector,
    *,
    source_type: str,
    our_handles: dict[str, set[str]],
    now: datetime,
    secrets: list[str] = (),
    progress: Progress | Callable[[str], None] | None = None,
    state: dict[str, Any] | None = None,
    writer: Writer | None = None,
) -> SourceRun:
    """Run one collector to the end; store at each checkpoint; record how it ended.

    With a shared ``writer`` (and the source's ``state``, read before anything was queued on it) this
    returns once everything is read and queued: the run is complete after ``writer.drain()``."""
    if writer is None:  # a writer of its own, drained and stopped however this ends
        with closing(Writer()) as own:
            return run_collector(db, collector, source_type=source_type, our_handles=our_handles, now=now,
                                 secrets=secrets, progress=progress, state=state, writer=own)
    result = SourceRun(collector.name)
    secrets = list(secrets)
    progress = as_progress(progress)
    if state is None:
        writer.drain()
        state = with_month_usage(db, source_type, load_source_state(db, collector.name), now)

    first_failure: list[BaseException] = []

    def failed(exc: BaseException) -> None:
        if not first_failure:  # the first failure in the order of the data is the one to report
            first_failure.append(exc)
            result.error = redact(_describe(exc), secrets)
            if not isinstance(exc, (RateLimited, SourceError)):
                log.debug("source %s failed:\n%s", collector.name,
                          redact("".join(traceback.format_exception(exc)), secrets))

    def store(posts, seen: int, checkpoint: Checkpoint, followers) -> None:
        if result.error is not None:  # storing a later checkpoint would move the cursor past the failed one
            return
        note = redact(checkpoint.note, secrets) if checkpoint.note else None
        try:
            stored = store_batch(db, source=collector.name, source_type=source_type, posts=posts,
                                 state=checkpoint.state, note=note, our_handles=our_handles, now=now,
                                 followers=followers, usage=checkpoint.usage)
        except Exception as exc:
            failed(exc)
            return
        result.new_posts += stored.posts_new
        result.seen_posts += seen
        add_note(result.notes, note)  # a collector's note may repeat the earlier ones: each is kept once
        progress.count(f"collect {collector.name}", result.seen_posts, unit="posts read")

    buffer: list[Post | PostsBatch] = []
    buffered = 0  # posts in buffer (a PostsBatch holds many)
    followers: list[FollowersPage] = []
    retry_at: datetime | None = None
    try:
        for item in collector.fetch(dict(state)):
            if isinstance(item, Checkpoint):
                # the collector reads on while this is stored: it must not change the state it handed over
                checkpoint = Checkpoint(copy.deepcopy(item.state), item.note, dict(item.usage or {}))
                writer.submit(partial(store, buffer, buffered, checkpoint, followers))
                buffer, buffered, followers = [], 0, []
                if result.error is not None:  # the store before this one failed
                    break
            elif isinstance(item, FollowersPage):
                followers.append(item)
            else:
                buffer.append(item)
                buffered += len(item) if isinstance(item, PostsBatch) else 1
                if buffered > MAX_UNCOMMITTED:
                    raise SourceError(
                        f"collector yielded {MAX_UNCOMMITTED} posts without a checkpoint; nothing from that stretch was stored"
                    )
        if buffered:
            result.notes.append(f"{buffered} posts after the last checkpoint were not stored")
    except Exception as exc:
        writer.drain()  # a checkpoint in flight came before this failure: its own failure comes first
        failed(exc)
        if first_failure[0] is exc and isinstance(exc, RateLimited) and exc.retry_at is not None:
            retry_at = http_policy.retry_at(exc.retry_at, now)  # however a collector computed it: capped

    def finish() -> None:
        note = None if retry_at else notes_once([redact(n, secrets) for n in result.notes])
        try:
            finish_source_run(db, source=collector.name, source_type=source_type, now=now,
                              new_posts=result.new_posts, error=result.error, retry_at=retry_at, note=note)
        except Exception as exc:  # the run's record could not be written: the caller still sees why
            failed(exc)

    writer.submit(finish, small=True)
    return result


def with_month_usage(db: Database, source_type: str, state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A priced platform's collector (X) is handed the month's reads and writes so far, under
    ``MONTH_USAGE_KEY``, to stop before its budget would be passed; collectors never read storage."""
    found = platforms.source_type(source_type)
    if found is None or found[0].settings is None or not hasattr(found[0].settings, "cost"):
        return state
    reads, writes = month_totals(db, found[0].name, now)
    return dict(state) | {MONTH_USAGE_KEY: {"reads": reads, "writes": writes}}


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RateLimited):
        return f"rate limited: {exc}"
    if isinstance(exc, SourceError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


def needs_budget(source) -> bool:
    """Sources read over the network; local files and file feeds have nothing to hang on."""
    return source.type != "files" and not (source.type == "feed" and getattr(source, "path", None))


def _build_or_explain(config, source) -> Collector:
    try:
        return build_collector(config, source)
    except Exception as exc:
        return NotAvailable(source.name, f"cannot start: {type(exc).__name__}: {exc}")


def collect_all(
    config, db: Database, *, only: list[str] | None = None,
    progress: Progress | Callable[[str], None] | None = None,
) -> list[SourceRun]:
    now = config.now()
    progress = as_progress(progress)
    secrets = secret_values(config)
    sources = [s for s in config.sources if s.enabled and (not only or s.name in only)]
    # read before anything is queued on the writer: the main thread must not use the database after that
    retry_at = {s.name: db.scalar("SELECT next_allowed_at FROM source_state WHERE source = ?", [s.name])
                for s in sources}
    states = {s.name: with_month_usage(db, s.type, load_source_state(db, s.name), now) for s in sources}
    results = []
    writer = Writer()
    try:
        for source in sources:
            waiting_until = retry_at[source.name]
            if waiting_until is not None and waiting_until > now:
                run = SourceRun(source.name, skipped=f"waiting until {waiting_until:%Y-%m-%d %H:%M} UTC (rate limit)")
                progress.line(f"{source.name}: skipped, {run.skipped}")
                results.append(run)
                continue
            budgeted = None
            if needs_budget(source):  # the network's sources run under a total time budget, as the scheduler's
                budgeted = BudgetedCollector(source.name, partial(_build_or_explain, config, source),
                                             budget=collect_budget(source))
            collector = budgeted or _build_or_explain(config, source)
            results.append(run_collector(
                db, collector, source_type=source.type, our_handles=config.our_handles(), now=now,
                secrets=secrets, progress=progress, state=states[source.name], writer=writer,
            ))
    finally:
        writer.close()
    for run in results:
        progress.finish(f"collect {run.source}")
        if not run.skipped:
            progress.line(f"{run.source}: {plural(run.new_posts, 'new post')} ({'failed' if run.error else 'ok'})")
    return results
