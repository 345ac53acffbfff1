"""What long work (collect, tag, engage, backfill) reports while it runs: counts, rate and time left.

A job calls ``progress.count(task, done, total)`` as it goes and ``progress.line(message)`` for a result.
On a terminal that is a live display (rich, which spaCy's command line brings anyway); anywhere else (a
log, CI, a pipe) it is whole plain lines, at most one per task every few seconds plus the final one, so
two sources collected at once never interleave half-lines. ``NO_PROGRESS`` reports nothing.

A plain function ``message -> None`` is accepted wherever a Progress is (``as_progress``).
"""
from __future__ import annotations

import threading
import time
from typing import Callable, TextIO

from listenwell.terminal import terminal_safe


class Progress:
    """Reports nothing; the base of the two displays."""

    def line(self, message: str) -> None:
        """A whole line: a result, a skipped source."""

    def count(self, task: str, done: int, total: int | None = None, unit: str = "posts") -> None:
        """``done`` of ``total`` (None: not known in advance) for ``task``, e.g. "collect x-samples"."""

    def finish(self, task: str) -> None:
        """``task`` is over (a source read to its end): its total is what was counted."""

    def close(self) -> None:
        """The work is over: a live display stops (its last state stays on the screen)."""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


NO_PROGRESS = Progress()


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class _Tally:
    def __init__(self, now: float):
        self.started = now
        self.printed = now
        self.done = 0

    def rate(self, now: float) -> float | None:
        elapsed = now - self.started
        return self.done / elapsed if elapsed > 0 and self.done else None


def describe_count(task: str, done: int, total: int | None, unit: str, rate: float | None) -> str:
    """``tag: 12,000 of 48,000 posts (2,400 posts/s, about 15 s left)``."""
    text = f"{task}: {done:,}" + (f" of {total:,}" if total is not None else "") + f" {unit}"
    details = []
    if rate:
        details.append(f"{rate:,.0f} {unit}/s")
        if total is not None and done < total:
            details.append(f"about {duration((total - done) / rate)} left")
    return text + (f" ({', '.join(details)})" if details else "")


class PlainProgress(Progress):
    """Whole lines for logs and CI: a task's count at most every ``every`` seconds, and when it completes."""

    def __init__(self, write: Callable[[str], None], every: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self._write = write
        self._every = every
        self._clock = clock
        self._tallies: dict[str, _Tally] = {}
        self._lock = threading.Lock()  # a source's batches are stored (and counted) on the writer thread

    def line(self, message: str) -> None:
        with self._lock:
            self._write(message)

    def count(self, task: str, done: int, total: int | None = None, unit: str = "posts") -> None:
        with self._lock:
            now = self._clock()
            tally = self._tallies.setdefault(task, _Tally(now))
            tally.done = done
            finished = total is not None and done >= total
            if finished or now - tally.printed >= self._every:
                tally.printed = now
                self._write(describe_count(task, done, total, unit, tally.rate(now)))
            if finished:
                self._tallies.pop(task, None)

    def finish(self, task: str) -> None:
        with self._lock:
            self._tallies.pop(task, None)


class TerminalProgress(Progress):
    """A live display on a terminal: one bar per task with its count, rate and time left."""

    def __init__(self, stream: TextIO):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bars, ProgressColumn, TextColumn
        from rich.progress import TimeRemainingColumn
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:,.0f} {task.fields.get('unit', '')}/s" if speed else "")

        self._bars = Bars(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                          TimeRemainingColumn(), console=Console(file=stream), transient=False)
        self._tasks: dict[str, int] = {}
        self._lock = threading.Lock()
        self._bars.start()

    def line(self, message: str) -> None:
        self._bars.console.print(terminal_safe(message), markup=False, highlight=False, soft_wrap=True)

    def count(self, task: str, done: int, total: int | None = None, unit: str = "posts") -> None:
        with self._lock:
            if task not in self._tasks:
                self._tasks[task] = self._bars.add_task(terminal_safe(task, one_line=True), total=total, unit=unit)
            self._bars.update(self._tasks[task], completed=done, total=total)

    def finish(self, task: str) -> None:
        with self._lock:
            if task in self._tasks:
                task_id = self._tasks[task]
                done = next(t.completed for t in self._bars.tasks if t.id == task_id)
                self._bars.update(task_id, total=done, completed=done)

    def close(self) -> None:
        self._bars.stop()


def progress_for(stream: TextIO, echo: Callable[[str], None]) -> Progress:
    """The live display when ``stream`` is a terminal, else plain lines through ``echo``."""
    if stream.isatty():
        return TerminalProgress(stream)
    return PlainProgress(echo)


def as_progress(progress: Progress | Callable[[str], None] | None) -> Progress:
    """A Progress as it is, a plain function as plain lines, None as nothing."""
    if progress is None:
        return NO_PROGRESS
    if isinstance(progress, Progress):
        return progress
    return PlainProgress(progress)
