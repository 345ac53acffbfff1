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
