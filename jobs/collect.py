"""The collect job: run every enabled source, isolating failures, committing at checkpoints."""
from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from collectors.base import Checkpoint, Collector, FollowersPage, Post, PostsBatch, RateLimited, SourceError
from collectors.registry import NotAvailable, build_collector
from storage.db import Database
from storage.writes import finish_source_run, load_source_state, store_batch

log = logging.getLogger("listenwell.collect")

# A collector should checkpoint long before this; past it we stop buffering and fail the source
MAX_UNCOMMITTED = 200_000


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
    return [v for v in values if len(v) >= 4]


def redact(message: str, secrets: list[str]) -> str:
    for value in secrets:
        message = message.replace(value, "***")
    return message


def run_collector(
    db: Database,
    collector: Collector,
    *,
    source_type: str,
    our_handles: dict[str, set[str]],
    now: datetime,
    secrets: list[str] = (),
    progress: Callable[[str], None] = lambda _msg: None,
) -> SourceRun:
    """Run one collector to the end; store at each checkpoint; record how it ended."""
    result = SourceRun(collector.name)
    state = load_source_state(db, collector.name)
    buffer: list[Post | PostsBatch] = []
    buffered = 0  # posts in buffer (a PostsBatch holds many)
    followers: list[FollowersPage] = []
    try:
        for item in collector.fetch(dict(state)):
            if isinstance(item, Checkpoint):
                stored = store_batch(
                    db, source=collector.name, source_type=source_type, posts=buffer, state=item.state,
                    note=item.note, our_handles=our_handles, now=now, followers=followers,
                )
                result.new_posts += stored.posts_new
                result.seen_posts += buffered
                if item.note:
                    result.notes.append(item.note)
                buffer, buffered, followers = [], 0, []
                progress(f"  {collector.name}: {result.seen_posts} read, {result.new_posts} new")
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
    except RateLimited as exc:
        result.error = redact(f"rate limited: {exc}", list(secrets))
        finish_source_run(db, source=collector.name, source_type=source_type, now=now, new_posts=result.new_posts,
                          error=result.error, retry_at=exc.retry_at)
        return result
    except SourceError as exc:
        result.error = redact(str(exc), list(secrets))
    except Exception as exc:  # a bug or a library surprise in one source must not stop the others
        result.error = redact(f"unexpected {type(exc).__name__}: {exc}", list(secrets))
        log.debug("source %s failed:\n%s", collector.name, redact(traceback.format_exc(), list(secrets)))
    note = "; ".join(result.notes)[:2000] or None
    finish_source_run(db, source=collector.name, source_type=source_type, now=now, new_posts=result.new_posts,
                      error=result.error, note=note)
    return result


def collect_all(
    config, db: Database, *, only: list[str] | None = None, progress: Callable[[str], None] = lambda _m: None
) -> list[SourceRun]:
    now = config.now()
    secrets = secret_values(config)
    results = []
    for source in config.sources:
        if not source.enabled or (only and source.name not in only):
            continue
        retry_at = db.scalar("SELECT next_allowed_at FROM source_state WHERE source = ?", [source.name])
        if retry_at is not None and retry_at > now:
            run = SourceRun(source.name, skipped=f"waiting until {retry_at:%Y-%m-%d %H:%M} UTC (rate limit)")
            progress(f"{source.name}: skipped, {run.skipped}")
            results.append(run)
            continue
        progress(f"{source.name}: collecting ({source.type})")
        try:
            collector = build_collector(config, source)
        except Exception as exc:
            collector = NotAvailable(source.name, f"cannot start: {type(exc).__name__}: {exc}")
        run = run_collector(
            db, collector, source_type=source.type, our_handles=config.our_handles(), now=now,
            secrets=secrets, progress=progress,
        )
        status = f"error: {run.error}" if run.error else "ok"
        progress(f"{source.name}: {run.new_posts} new posts ({status})")
        results.append(run)
    return results

