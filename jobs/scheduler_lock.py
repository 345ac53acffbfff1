"""One scheduler per database: an exclusive ``flock`` on ``<db>.scheduler.lock`` that holds the owner's PID."""
from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import Any


class SchedulerError(Exception):
    """The scheduler cannot start; the message says why and what to do."""


class SchedulerLocked(SchedulerError):
    """Another scheduler holds the lock for this database."""

    def __init__(self, message: str, *, pid: int | None, lock_path: Path):
        super().__init__(message)
        self.pid = pid
        self.lock_path = lock_path


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
