"""Config the probe broke: every case exits 2 with one message naming the key (or line), never a
traceback, and writes nothing (no database, no digest folder) before validation passes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from listenwell.cli import main
from tests.conftest import REPO

BUNDLED = (REPO / "config.yaml").read_text(encoding="utf-8")


def bundled() -> dict:
    return yaml.safe_load(BUNDLED)


def run_with(tmp_path: Path, text: str | bytes, *args: str):
    path = tmp_path / "config.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    shutil.copytree(REPO / "examples", tmp_path / "examples", dirs_exist_ok=True)
    result = CliRunner().invoke(main, ["--config", str(path), *(args or ("run", "--once"))])
    return result


def assert_refused(result, tmp_path: Path, *expected: str):
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output
    assert not (tmp_path / "data").exists(), "nothing is written before the config is valid"
    assert not (tmp_path / "out").exists()


def mutate(**changes):
    def apply(data: dict) -> dict:
        for dotted, value in changes.items():
            node = data
            *parents, last = dotted.split(".")
            for key in parents:
                node = node.setdefault(key, {})
            node[last] = value
        return data
    return apply


CASES = [
    # (what, mutation of the bundled config, words the message must hold)
    ("a folder as timezone", mutate(**{"schedule.timezone": "Europe"}), ["schedule.timezone", "IANA timezone"]),
    ("a huge memory limit", mutate(**{"storage.memory_limit": "99999999999TB"}), ["storage.memory_limit"]),
    ("a fractional memory limit", mutate(**{"storage.memory_limit": "0.01GB"}), ["storage.memory_limit"]),
    ("hours past int64", mutate(**{"engagement.unanswered_hours": 9223372036854775808}),
     ["engagement.unanswered_hours", "less than or equal"]),
    ("alerts per hour 1e38", mutate(**{"alerts.max_per_hour": 1e38}), ["alerts.max_per_hour"]),
    ("reference time 9999", mutate(reference_time="9999-12-31T23:59:59Z"), ["reference_time", "between 1990"]),
    ("digest into /proc", mutate(**{"digest.out_dir": "/proc/x"}), ["digest.out_dir", "system path"]),
    ("a negative quiet day", mutate(**{"engagement.quiet_days": [-1]}), ["engagement.quiet_days[0]"]),
    ("not an email", mutate(**{"digest.recipients": ["notanemail"]}), ["digest.recipients[0]", "email address"]),
    ("an alert email", mutate(**{"alerts.email_recipients": ["ops@@example.com"], "alerts.channels": ["email"]}),
     ["alerts.email_recipients[0]"]),
    ("empty storage path", mutate(**{"storage.path": ""}), ["storage.path", "empty path"]),
    ("storage on a device", mutate(**{"storage.path": "/dev/null"}), ["storage.path", "system path"]),
    ("a NaN timeout", lambda d: d["sources"][2].__setitem__("timeout_seconds", float("nan")) or d,
     ["sources[2].timeout_seconds"]),
]


@pytest.mark.parametrize("what,change,expected", CASES, ids=[c[0] for c in CASES])
def test_values_that_cannot_run_are_refused_before_anything_is_written(tmp_path, what, change, expected):
    text = yaml.safe_dump(change(bundled()), sort_keys=False, allow_unicode=True)
    assert_refused(run_with(tmp_path, text), tmp_path, *expected)


@pytest.mark.parametrize("url", ["http://%00/", "http://exa mple.com/feed", "http://exa\u202emple.com/feed",
                                 "http://example.com:99999/feed", "http://-bad-.example/", "https:///feed"])
def test_urls_are_checked_by_a_parser(tmp_path, url):
    data = bundled()
    feed = next(s for s in data["sources"] if s["type"] == "feed")
    feed["url"] = url
    feed.pop("path", None)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    assert_refused(run_with(tmp_path, text), tmp_path, ".url:")


def test_a_duplicate_key_is_refused_with_its_line(tmp_path):
    text = BUNDLED + "\nsending: {enabled: true}\n"
    result = run_with(tmp_path, text)
    line = text.count("\n", 0, text.rindex("sending:")) + 1
    assert_refused(result, tmp_path, f"line {line}", "'sending' is given twice")


def test_a_non_utf8_byte_and_a_nul_byte_name_their_line(tmp_path):
    raw = BUNDLED.encode("utf-8")
    at = raw.index(b"Fernhill Analytics")
    line = raw.count(b"\n", 0, at) + 1
    assert_refused(run_with(tmp_path, raw[:at] + b"\xff" + raw[at:]), tmp_path, f"line {line}", "not UTF-8")
    assert_refused(run_with(tmp_path, raw[:at] + b"\x00" + raw[at:]), tmp_path, f"line {line}", "U+0000")


def test_duplicate_source_names_name_the_key(tmp_path):
    data = bundled()
    data["sources"].append(dict(data["sources"][0]))
    n = len(data["sources"]) - 1
    assert_refused(run_with(tmp_path, yaml.safe_dump(data, sort_keys=False)), tmp_path,
                   f"sources[{n}].name: 'x-samples' is already the name of sources[0]")


def test_key_clients_whose_names_collide_after_slugging(tmp_path):
    data = bundled()
    data["key_clients"].append({"name": "priya  RAMAN!", "tier": 2})
    n = len(data["key_clients"]) - 1
    assert_refused(run_with(tmp_path, yaml.safe_dump(data, sort_keys=False)), tmp_path,
                   f"key_clients[{n}].name", "kc:priya-raman")


@pytest.mark.parametrize("args,expected", [
    (("digest", "--date", "9999-12-31"), "--date: expected a date between"),
    (("digest", "--out", "/dev/null"), "--out: /dev/null"),
])
def test_digest_arguments_that_cannot_run(tmp_path, args, expected):
    assert_refused(run_with(tmp_path, BUNDLED, *args), tmp_path, expected)


def test_bounds_that_pass_still_run(bundled_config: Path):
    """The largest allowed values are values the pipeline can run with (no overflow past validation)."""
    data = yaml.safe_load(bundled_config.read_text(encoding="utf-8"))
    data["engagement"] = {"unanswered_hours": 87600, "reply_window_days": 3650, "quiet_days": [3650],
                          "moment_window_days": 3650}
    data["alerts"]["max_per_hour"] = 100_000
    data["alerts"]["max_age_hours"] = 87600
    data["reference_time"] = "2200-12-31T23:59:59Z"
    data["storage"] = {"path": "data/edge.duckdb", "memory_limit": "256MiB"}
    bundled_config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(bundled_config), "run", "--once"])
    assert result.exit_code == 0, result.output
