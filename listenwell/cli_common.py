"""What every command shares: the config and database handles, errors, JSON output."""
from __future__ import annotations

import codecs
import getpass
import io
import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, BinaryIO, Iterator

import click

from listenwell.config import Config, ConfigError, load_config
from listenwell.terminal import json_safe, terminal_safe
from listenwell.words import plural  # noqa: F401  (the commands import it from here)
from storage.db import Database, StorageError

EXIT_USAGE = 2  # bad input: a config, an option, a missing database
EXIT_SOURCE_FAILED = 3  # `run --once`: everything ran, but at least one source could not be collected


class ListenwellError(click.ClickException):
    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(terminal_safe(message))


class ListenwellGroup(click.Group):
    """The top-level group: resource exhaustion becomes a message naming the setting to change."""

    def invoke(self, ctx: click.Context) -> Any:
        import duckdb

        try:
            return super().invoke(ctx)
        except duckdb.OutOfMemoryException:
            limit = "storage.memory_limit"
            raise ListenwellError(f"the database ran out of the memory it may use ({limit} in the config); "
                                  "raise it, e.g. to 2GB, and run again — nothing after the failing step was "
                                  "written") from None


def examples_last(command: click.Command) -> None:
    """Every command's ``--help`` ends with its example: the docstring's ``Example:`` block becomes the epilog,
    which click prints after the options and subcommands."""
    import re

    help_text = command.help or ""
    found = re.search(r"\n\s*(?:\x08\s*\n\s*)?Examples?:", help_text)
    if found and not command.epilog:
        command.help = help_text[:found.start()].rstrip()
        command.epilog = "\b\n" + help_text[found.start():].strip().replace("\x08\n", "")
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            examples_last(sub)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """click.echo for everything a command prints: escape sequences and controls from posts never reach
    the terminal (listenwell.terminal)."""
    click.echo(terminal_safe(message), err=err, nl=nl)


class _TerminalData(io.RawIOBase):
    """Data (CSV, NDJSON, iCalendar) bound for standard output while it is a terminal: the same cleaning
    as ``echo``, decoded incrementally so a character split between writes survives. Piped or redirected,
    ``data_out`` gives the real stream and the bytes stay exact."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self._raw.write(terminal_safe(self._decoder.decode(data)).encode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self._raw.flush()


def data_out() -> BinaryIO:
    """Where a command writes data to standard output (see _TerminalData)."""
    stream = sys.stdout.buffer
    return _TerminalData(stream) if sys.stdout.isatty() else stream


def line(value: Any) -> str:
    """One line of untrusted text inside a listing: no controls, no escape sequences, no line breaks."""
    return terminal_safe(value, one_line=True)


def print_json(data: Any) -> None:
    click.echo(json_safe(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)))


def print_json_line(data: Any) -> None:
    """One JSON object on one line (NDJSON), with the same escaping as print_json."""
    click.echo(json_safe(json.dumps(data, default=_json_default, ensure_ascii=False)))


def clock_note(config: Config) -> str | None:
    """Said above any listing of times when ``reference_time`` pins "now": every time shown and recorded
    (runs, jobs, sources, alerts) is then on that one pinned clock."""
    if config.reference_time is None:
        return None
    return (f"clock: pinned at {config.reference_time:%Y-%m-%d %H:%M} UTC by reference_time in the config "
            "(delete that line for real use)")


def say_clock(config: Config) -> None:
    note = clock_note(config)
    if note:
        echo(note)


class State:
    def __init__(self, config_path: str | None, wait_seconds: float = 30.0):
        self.config_path = config_path
        self.wait_seconds = wait_seconds
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                raise ListenwellError(str(exc)) from None
            for warning in self._config.warnings():  # valid, but worth a word (a brand named "Apple")
                echo(f"warning: {warning}", err=True)
        return self._config

    @contextmanager
    def db(self, read_only: bool = False, *, create: bool = False) -> Iterator[Database]:
        """The database. Only the commands that start one (``run``, ``people import``, ``users add``,
        ``tokens create``) pass ``create``; every other refuses a missing file the same way (exit 2,
        nothing created)."""
        config = self.config  # validate before touching the database
        if not create:
            require_database(config)
        try:
            db = Database.open_waiting(config.db_path, read_only=read_only, memory_limit=config.storage.memory_limit,
                                       wait_seconds=self.wait_seconds, on_wait=lambda m: echo(m, err=True))
        except StorageError as exc:
            raise ListenwellError(str(exc)) from None
        try:
            yield db
        finally:
            db.close()


def require_database(config: Config) -> None:
    """The one refusal of a missing database: its path, and the command that creates it."""
    from pathlib import Path

    path = Path(config.db_path)
    if not path.exists():
        raise ListenwellError(f"no database at {path} yet (storage.path in the config): nothing has been "
                              "collected. `listenwell run --once` creates it")


def person_name(db: Database, person_id: str | None) -> str:
    """A person's name for a message (people read names, not ids), one line and terminal-safe."""
    name = db.scalar("SELECT name FROM people WHERE person_id = ?", [person_id]) if person_id else None
    return line(name or person_id or "someone")


pass_state = click.make_pass_decorator(State)


USER_ENV = "LISTENWELL_USER"


def who() -> str:
    """Who acts from the command line, for the audit trail: $LISTENWELL_USER (a listenwell user name),
    else the OS user."""
    import os

    if os.environ.get(USER_ENV, "").strip():
        return os.environ[USER_ENV].strip().lower()
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def fail(message: str) -> click.ClickException:
    return ListenwellError(message)

