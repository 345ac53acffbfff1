"""What every command shares: the config and database handles, errors, JSON output."""
from __future__ import annotations

import getpass
import json
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Iterator

import click

from listenwell.config import Config, ConfigError, load_config
from listenwell.terminal import json_safe, terminal_safe
from storage.db import Database, StorageError

EXIT_USAGE = 2


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


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """click.echo for everything a command prints: escape sequences and controls from posts never reach
    the terminal (listenwell.terminal)."""
    click.echo(terminal_safe(message), err=err, nl=nl)


def print_json(data: Any) -> None:
    click.echo(json_safe(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)))


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
    def db(self, read_only: bool = False) -> Iterator[Database]:
        config = self.config  # validate before touching the database
        try:
            db = Database.open_waiting(config.db_path, read_only=read_only, memory_limit=config.storage.memory_limit,
                                       wait_seconds=self.wait_seconds, on_wait=lambda m: echo(m, err=True))
        except StorageError as exc:
            raise ListenwellError(str(exc)) from None
        try:
            yield db
        finally:
            db.close()


pass_state = click.make_pass_decorator(State)


def who() -> str:
    """Who made a decision in the queue: the OS user, for the audit trail."""
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def fail(message: str) -> click.ClickException:
    return ListenwellError(message)

