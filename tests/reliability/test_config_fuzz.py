"""Property-based config fuzzing (hypothesis): whatever a config.yaml holds, loading it either gives a
config or one ConfigError naming where — never another exception — and nothing is written before it
passes. The long case runs `listenwell run --once` on mutated configs that pass: exit 0 or 2, never a
traceback.

    .venv/bin/python -m pytest tests/reliability/test_config_fuzz.py            # 120 + 80 configs, in make test (more with --hypothesis-seed or a higher max_examples)
    .venv/bin/python -m pytest -m long tests/reliability/test_config_fuzz.py -s  # runs on top
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from listenwell.cli import main
from listenwell.config import ConfigError, load_config
from tests.conftest import REPO

BUNDLED = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))


def leaves(node: Any, path: tuple = ()) -> list[tuple]:
    """Every key path in the config (mappings and list items), the containers too."""
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += leaves(v, path + (i,))
    return out


PATHS = leaves(BUNDLED)
# the optional sections the bundled file leaves out, so their keys are fuzzed too
EXTRA = [("alerts", "quiet_hours"), ("alerts", "spike", "z"), ("alerts", "webhook_url_env"), ("digest", "smtp"),
         ("web", "trusted_hosts"), ("web", "session_hours"), ("storage", "memory_limit"), ("sending", "enabled"),
         ("engagement", "quiet_days"), ("schedule", "digest_time"), ("sources", 0, "every_minutes"),
         ("sources", 2, "redirect_hosts"), ("key_clients", 0, "handles", "x")]

weird_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "nul\x00byte", "\u202eevil", "http://%00/", "http://exa mple.com",
                     "99999999999TB", "1e38", "-1", "Europe", "../../etc/passwd", "/dev/null", "/proc/x",
                     "9999-12-31T23:59:59Z", "0000-00-00", "25:61", "notanemail", "a@b", "x" * 5000,
                     "kc:priya-raman", "Priya Raman", "*", "file:///etc/passwd", "javascript:alert(1)",
                     "\x1b]0;pwned\x07", "é" * 300, "🙂" * 300, "NaN", "inf", "yes", "null"]))
values = st.one_of(
    weird_text,
    st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.sampled_from([0, -1, 1, 2 ** 31, 2 ** 63, 9223372036854775808, 10 ** 30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(),
    st.lists(weird_text, max_size=4),
    st.lists(st.integers(min_value=-10 ** 6, max_value=10 ** 20), max_size=4),
    st.dictionaries(weird_text, weird_text, max_size=3),
)


def put(data: Any, path: tuple, value: Any) -> Any:
    node = data
    for key in path[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(key, {})
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return data
    last = path[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value
    return data


def drop(data: Any, path: tuple) -> Any:
    node = data
    for key in path[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return data
    try:
        del node[path[-1]]
    except (KeyError, IndexError, TypeError):
        pass
    return data


mutation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(PATHS + EXTRA), values),
    st.tuples(st.just("drop"), st.sampled_from(PATHS), st.none()),
    st.tuples(st.just("dupe-source"), st.none(), st.none()),
)


def mutated(changes) -> dict:
    data = copy.deepcopy(BUNDLED)
    for kind, path, value in changes:
        if kind == "set":
            data = put(data, path, value)
        elif kind == "drop":
            data = drop(data, path)
        elif kind == "dupe-source" and isinstance(data.get("sources"), list) and data["sources"]:
            # (an earlier "set" may have made sources a string or a number: nothing to duplicate then)
            data["sources"].append(copy.deepcopy(data["sources"][0]))
    return data


def write(directory: Path, data: dict) -> Path:
    path = directory / "config.yaml"
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        text = json.dumps(data, default=str)  # JSON is YAML too
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=3))
def test_loading_any_config_gives_a_config_or_one_clear_error(tmp_path_factory, changes):
    directory = tmp_path_factory.mktemp("fuzz")
    path = write(directory, mutated(changes))
    try:
        load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith(str(path)) and "Traceback" not in message
    assert sorted(p.name for p in directory.iterdir()) == ["config.yaml"], "nothing written by loading"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=9000))
def test_any_bytes_in_the_file_give_a_config_or_one_clear_error(tmp_path_factory, junk, at):
    directory = tmp_path_factory.mktemp("bytes")
    raw = (REPO / "config.yaml").read_bytes()
    at = min(at, len(raw))
    (directory / "config.yaml").write_bytes(raw[:at] + junk + raw[at:])
    try:
        load_config(directory / "config.yaml")
    except ConfigError:
        pass


RUNS = []


@pytest.mark.long
@pytest.mark.timeout(3600)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=2))
def test_run_once_on_fuzzed_configs_never_gives_a_traceback(tmp_path_factory, changes):
    directory = tmp_path_factory.mktemp("fuzzrun")
    shutil.copytree(REPO / "examples", directory / "examples")
    path = write(directory, mutated(changes))
    try:
        load_config(path)
        valid = True
    except ConfigError:
        valid = False
    result = CliRunner().invoke(main, ["--config", str(path), "run", "--once"])
    RUNS.append({"valid": valid, "exit": result.exit_code})
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{changes}: {type(result.exception).__name__}: {result.exception}"
    assert result.exit_code in (0, 2, 3), result.output[-500:]  # 3: valid, but a source could not be read
    if not valid:
        assert result.exit_code == 2
        assert not (directory / "data").exists() and not (directory / "out").exists(), "written before validation"


@pytest.mark.long
@pytest.mark.timeout(3600)
def test_report_fuzzed_runs():
    """Prints what the fuzzed runs above did (runs after them in file order)."""
    if RUNS:
        valid = sum(r["valid"] for r in RUNS)
        print(f"\nfuzzed run --once: {len(RUNS)} configs, {valid} valid (exit 0: "
              f"{sum(r['exit'] == 0 for r in RUNS)}), {len(RUNS) - valid} refused with exit 2; tracebacks 0")
