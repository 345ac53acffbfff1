from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from listenwell.cli import main
from listenwell.config import ConfigError, load_config
from tests.conftest import minimal_config, write_config


def run_cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize(
    "mutate, key_path, expected",
    [
        (lambda c: c.update(colour="blue"), "colour", "unknown key"),
        (lambda c: c["me"].pop("name"), "me.name", "required key is missing"),
        (lambda c: c.update(sources=[{"name": "b", "type": "feed", "url": "htp:/nope"}]), "sources[0].url",
         "http:// or https:// URL"),
        (lambda c: c.update(schedule={"timezone": "Mars/Olympus"}), "schedule.timezone", "IANA timezone"),
        (lambda c: c.update(key_clients=[{"name": "Ana", "tier": "first"}]), "key_clients[0].tier", "integer"),
        (lambda c: c.update(sources=[{"name": "b", "type": "feed", "url": "https://a.example/feed",
                                      "every_minutes": 0}]), "sources[0].every_minutes", "greater than or equal"),
        (lambda c: c.update(sources=[{"name": "b", "type": "gopher"}]), "sources[0]", "'type' must be one of"),
        (lambda c: c.update(sources=[{"name": "x1", "type": "x", "bearer_token_env": "AAAA-token-value"}]),
         "sources[0].bearer_token_env", "NAME of an environment variable"),
        (lambda c: c.update(sources=[{"name": "b", "type": "feed"}]), "sources[0]", "exactly one of 'url'"),
        (lambda c: c.update(topics={"empty": {}}), "topics.empty", "at least one of"),
        (lambda c: c["storage"].update(memory_limit="lots"), "storage.memory_limit", "a size such as 768MB"),
    ],
)
def test_invalid_config_names_key_path_exits_2_and_writes_nothing(tmp_path: Path, mutate, key_path, expected):
    data = minimal_config()
    mutate(data)
    path = write_config(tmp_path, data)
    result = run_cli("--config", str(path), "run", "--once")
    assert result.exit_code == 2
    assert key_path in result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "data").exists(), "nothing may be written for an invalid config"


def test_one_message_lists_every_problem(tmp_path: Path):
    data = minimal_config(colour="blue", schedule={"timezone": "Nowhere/Land"})
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, data))
    message = str(info.value)
    assert "colour: unknown key" in message
    assert "schedule.timezone" in message


def test_yaml_syntax_error_names_the_line(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text("me:\n  name: [unclosed\n", encoding="utf-8")
    result = run_cli("--config", str(path), "stats")
    assert result.exit_code == 2
    assert "line" in result.output


def test_missing_config_file_says_how_to_point_at_one(tmp_path: Path):
    result = run_cli("--config", str(tmp_path / "nope.yaml"), "stats")
    assert result.exit_code == 2
    assert "--config" in result.output and "LISTENWELL_CONFIG" in result.output


def test_config_from_environment_variable(tmp_path: Path):
    path = write_config(tmp_path, minimal_config())
    result = run_cli("run", "--once", "--no-digest", env={"LISTENWELL_CONFIG": str(path)})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "test.duckdb").exists()


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path):
    sub = tmp_path / "conf"
    sub.mkdir()
    config = load_config(write_config(sub, minimal_config()))
    assert config.db_path == sub / "data" / "test.duckdb"


def test_bundled_config_is_valid(repo: Path):
    config = load_config(repo / "config.yaml")
    assert config.sources, "the bundled config must collect the samples"
    assert config.key_clients


def test_secret_values_never_live_in_the_bundled_config(repo: Path):
    import yaml

    def keys(node, path=""):
        if isinstance(node, dict):
            for k, v in node.items():
                yield f"{path}.{k}".lstrip("."), k
                yield from keys(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from keys(v, f"{path}[{i}]")

    for where, key in keys(yaml.safe_load((repo / "config.yaml").read_text())):
        if any(word in str(key) for word in ("token", "secret", "password", "api_key")):
            assert str(key).endswith("_env"), f"{where} must name an environment variable"


def test_invalid_config_through_the_real_command(tmp_path: Path, repo: Path):
    path = write_config(tmp_path, minimal_config(storage={"path": 5, "extra": 1}))
    proc = subprocess.run(
        [sys.executable, "-m", "listenwell.cli", "--config", str(path), "run", "--once"],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert proc.returncode == 2
    assert "storage.extra: unknown key" in proc.stderr
    assert "storage.path" in proc.stderr


def test_storage_memory_limit_reaches_duckdb_and_defaults_to_the_library_default(tmp_path: Path):
    from storage.db import DEFAULT_MEMORY_LIMIT, Database

    data = minimal_config()
    assert load_config(write_config(tmp_path, data)).storage.memory_limit == DEFAULT_MEMORY_LIMIT
    data["storage"]["memory_limit"] = "300MB"
    config = load_config(write_config(tmp_path, data))
    with Database.open(config.db_path, memory_limit=config.storage.memory_limit) as db:
        assert db.scalar("SELECT current_setting('memory_limit')") == "286.1 MiB"  # DuckDB reports MiB
