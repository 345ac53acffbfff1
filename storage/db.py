"""The DuckDB file: opening it, the single-writer lock, migrations and transactions."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import duckdb

from storage.migrations import MIGRATIONS


class StorageError(Exception):
    """Base class for storage problems; the message says what to do."""


class DatabaseLocked(StorageError):
    """Another process holds the write lock on the database file."""


class DatabaseMissing(StorageError):
    """A read-only command was given a database that does not exist yet."""


# DuckDB's own buffers may otherwise grow to 80% of the machine's memory while engaging or digesting a
# large database; past this it evicts and spills to disk instead (a 1M-post run peaks at 1.2 GB, not 1.45)
DEFAULT_MEMORY_LIMIT = "768MB"  # also config.yaml's default (storage.memory_limit)

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<prog>.+?) \(PID (?P<pid>\d+)\)")


def _locked_message(path: Path, exc: Exception) -> str:
    match = _LOCK_HOLDER.search(str(exc))
    holder = f" by PID {match['pid']} ({Path(match['prog']).name})" if match else ""
    return (
        f"database {path} is locked{holder}: another listenwell process (a scheduler, `serve` or a run) "
        f"is writing to it. Wait for it to finish or stop it, then try again."
    )


class Database:
    """One open DuckDB file. Writers are exclusive across processes (DuckDB's file lock)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool):
        self.con = con
        self.path = path
        self.read_only = read_only

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open_waiting(cls, path: str | Path, *, read_only: bool = False, memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
                     wait_seconds: float = 30.0, on_wait: Callable[[str], None] = lambda _m: None) -> "Database":
        """``open``, waiting up to ``wait_seconds`` while another process writes (DuckDB lets no reader in
        beside a writer, even read-only: measured with DuckDB 1.x). ``on_wait`` hears once that it waits."""
        deadline = time.monotonic() + max(wait_seconds, 0.0)
        pause = 0.1
        told = False
        while True:
            try:
                return cls.open(path, read_only=read_only, memory_limit=memory_limit)
            except DatabaseLocked as exc:
                if time.monotonic() + pause > deadline:
                    raise DatabaseLocked(f"{exc} (waited {wait_seconds:g} s; use --wait to wait longer)") from None
                if not told:
                    on_wait(f"{exc.args[0].split(':', 1)[0]} is being written by another listenwell process; "
                            f"waiting up to {wait_seconds:g} s…")
                    told = True
                time.sleep(pause)
                pause = min(pause * 1.5, 1.0)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False,
             memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> "Database":
        path = Path(path)
        if read_only and not path.exists():
            raise DatabaseMissing(f"database {path} does not exist yet; run `listenwell run --once` first")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DatabaseLocked(_locked_message(path, exc)) from None
            raise StorageError(f"cannot open database {path}: {exc}") from None
        con.execute("SET TimeZone = 'UTC'")
        if memory_limit:
            con.execute("SET memory_limit = ?", [memory_limit])
        if not read_only:
            # a batch of 100k posts writes ~30 MB of WAL: at the 16 MB default every commit is a checkpoint
            con.execute("SET checkpoint_threshold = '256MB'")
        db = cls(con, path, read_only)
        if read_only:
            pending = db.pending_migrations()
            if pending:
                # an upgrade: migrate once with a short write open, then read as asked
                con.close()
                cls.open(path, read_only=False, memory_limit=memory_limit).close()
                return cls.open(path, read_only=True, memory_limit=memory_limit)
        else:
            db.migrate()
        return db

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- migrations ---------------------------------------------------------------------------

    def _applied(self) -> set[str]:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()[0]
        if not exists:
            return set()
        return {row[0] for row in self.con.execute("SELECT name FROM schema_migrations").fetchall()}

    def pending_migrations(self) -> list[str]:
        applied = self._applied()
        return [name for name, _ in MIGRATIONS if name not in applied]

    def migrate(self) -> list[str]:
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
        )
        done = []
        applied = self._applied()
        for name, sql in MIGRATIONS:
            if name in applied:
                continue
            with self.transaction():
                self.con.execute(sql)
                self.con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [name, datetime.now(timezone.utc)])
            done.append(name)
        return done

    # --- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # --- small helpers ------------------------------------------------------------------------

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchone()
        return row[0] if row else None

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
