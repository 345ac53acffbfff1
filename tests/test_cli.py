from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from listenwell.cli import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        path = prefix + (name,)
        yield path, command
        if isinstance(command, click.Group):
            yield from all_commands(command, path)


@pytest.mark.parametrize("path", [p for p, _ in all_commands(main)], ids=" ".join)
def test_every_command_help_ends_with_an_example(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    example = result.output.split("Example:", 1)[1]
    assert "listenwell" in example


def test_data_commands_offer_json():
    for path, command in all_commands(main):
        if path[-1] in ("stats", "sources", "list", "digest", "run", "eval"):
            assert any(o.name == "as_json" for o in command.params), path


def test_run_without_once_explains(tmp_path):
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "none.yaml"), "run"])
    assert result.exit_code == 2
    assert "--once" in result.output


def test_read_commands_before_any_run_say_what_to_do(tmp_path):
    from tests.conftest import minimal_config, write_config

    config = write_config(tmp_path, minimal_config())
    result = CliRunner().invoke(main, ["--config", str(config), "stats"])
    assert result.exit_code == 2
    assert "run --once" in result.output
    assert not (tmp_path / "data").exists()


def test_sources_shows_each_stream_cursor_and_wait(tmp_path):
    from datetime import datetime, timezone

    from listenwell.config import load_config
    from storage.db import Database
    from storage.writes import finish_source_run, store_batch
    from tests.conftest import minimal_config, write_config

    config_path = write_config(tmp_path, minimal_config(sources=[
        {"name": "x-live", "type": "x"},
        {"name": "reddit-live", "type": "reddit", "user_agent": "listenwell:test:0.1 (by u/test)"}]))
    config = load_config(config_path)
    now = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
    with Database.open(config.db_path) as db:
        store_batch(db, source="x-live", source_type="x", posts=[], note=None, our_handles={}, now=now,
                    state={"streams": {"mentions": {"since_id": "1987"}, "search:fernhill": {
                        "since_id": "1900", "retry_at": "2026-11-20T18:15:00+00:00"}}})
        finish_source_run(db, source="x-live", source_type="x", now=now, new_posts=0,
                          error="rate limited: 429 on search")
        store_batch(db, source="reddit-live", source_type="reddit", posts=[], note=None, our_handles={}, now=now,
                    state={"streams": {"r/dataengineering/new": {"since": 1795000000.0, "last": "t3_abc"}}})
        finish_source_run(db, source="reddit-live", source_type="reddit", now=now, new_posts=0)
    result = CliRunner().invoke(main, ["--config", str(config_path), "sources"])
    assert result.exit_code == 0, result.output
    assert "mentions: since 1987" in result.output
    assert "search:fernhill: since 1900, waiting until 2026-11-20T18:15" in result.output
    assert "last error" in result.output and "429 on search" in result.output
    assert "r/dataengineering/new: since t3_abc" in result.output
