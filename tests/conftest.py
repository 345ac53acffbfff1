from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def write_config(directory: Path, data: dict[str, Any], name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def minimal_config(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "me": {"name": "Fernhill Analytics", "handles": {"x": ["fernhillhq"], "reddit": ["fernhill_team"],
                                                          "blog": ["Fernhill Team"]}},
        "sources": [],
        "storage": {"path": "data/test.duckdb"},
        "reference_time": "2026-11-20T18:00:00Z",
    }
    data.update(extra)
    return data


@pytest.fixture(autouse=True)
def _fresh_secret_registry():
    """Secrets registered for redaction by one test (from its environment) do not mask another's messages."""
    from collectors import redact

    yield
    redact.forget_all()


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def bundled_config(tmp_path: Path) -> Path:
    """The bundled config.yaml with its sample data, run from a scratch copy so nothing lands in the repo."""
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    return tmp_path / "config.yaml"


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory) -> Path:
    """`make run` once on a scratch copy of the bundled config and samples; returns the config path."""
    from click.testing import CliRunner

    from listenwell.cli import main

    root = tmp_path_factory.mktemp("bundled")
    shutil.copytree(REPO / "examples", root / "examples")
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    result = CliRunner().invoke(main, ["--config", str(root / "config.yaml"), "run", "--once"])
    assert result.exit_code == 0, result.output
    return root / "config.yaml"
