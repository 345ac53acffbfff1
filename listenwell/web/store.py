"""The database, opened per request and closed before the response, so the CLI and the scheduler
can write in between. DuckDB allows one writing process: when another holds the lock, the page says
"busy, retry" (503) instead of waiting."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

import duckdb

from storage.db import Database, DatabaseLocked, DatabaseMissing, StorageError


class Busy(Exception):
    """The database is locked by another process (or a job in this one); try again shortly."""


class NotReady(Exception):
    """There is no database yet: `listenwell run --once` creates it."""


def _is_busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "different configuration" in text


class Store:
    """Opens the DuckDB file for one unit of work. One open at a time within this process (DuckDB
    refuses a read-only and a read-write connection to the same file side by side); reads open
    read-only unless a scheduler writes in this same process, when every open shares its mode."""

    RETRIES = 4
    RETRY_PAUSE = 0.25

    def __init__(self, config, reads_read_only: bool = True, wait_seconds: float = 10.0):
        self.config = config
        self.reads_read_only = reads_read_only
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()

    def _open(self, read_only: bool) -> Database:
        last: Exception | None = None
        for attempt in range(self.RETRIES):
            try:
                return Database.open(self.config.db_path, read_only=read_only,
                                     memory_limit=self.config.storage.memory_limit)
            except DatabaseMissing as exc:
                raise NotReady(str(exc)) from None
            except DatabaseLocked as exc:
                last = exc
            except (StorageError, duckdb.Error) as exc:
                if not _is_busy(exc):
                    raise
                last = exc
            time.sleep(self.RETRY_PAUSE * (attempt + 1))
        raise Busy(str(last))

    @contextmanager
    def open(self, write: bool = False) -> Iterator[Database]:
        if not self._lock.acquire(timeout=self.wait_seconds):
            raise Busy("the web app is still busy with an earlier request")
        try:
            db = self._open(read_only=not write and self.reads_read_only)
            try:
                yield db
            finally:
                db.close()
        finally:
            self._lock.release()

    def try_write(self, work) -> bool:
        """Run ``work(db)`` on a read-write open if the database is free right now; never waits or retries
        (for bookkeeping such as an API token's last use, which may skip a turn)."""
        if not self._lock.acquire(timeout=0.5):
            return False
        try:
            try:
                db = Database.open(self.config.db_path, read_only=False, memory_limit=self.config.storage.memory_limit)
            except (StorageError, duckdb.Error):
                return False
            try:
                work(db)
                return True
            finally:
                db.close()
        finally:
            self._lock.release()
