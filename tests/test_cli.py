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


@pytest.mark.parametrize("path", [(), *(p for p, _ in all_commands(main))], ids=lambda p: " ".join(p) or "main")
def test_every_command_help_ends_with_an_example(path):
    """Walks the whole command tree: the last block of every `--help` is its example, after the options
    and the subcommands."""
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    last_block = result.output.rstrip().split("\n\n")[-1].strip()
    assert last_block.startswith("Example:"), result.output
    assert "listenwell" in last_block


def test_data_commands_offer_json():
    for path, command in all_commands(main):
        if path[-1] in ("stats", "sources", "list", "digest", "run", "eval"):
            assert any(o.name == "as_json" for o in command.params), path


def test_run_without_once_explains(tmp_path):
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "none.yaml"), "run"])
    assert result.exit_code == 2
    assert "--once" in result.output


READ_COMMANDS = [["stats"], ["sources"], ["people"], ["person", "Sofia"], ["reach-out"], ["queue", "list"],
                 ["queue", "show", "rs-1"], ["touches"], ["jobs"], ["log"], ["digest"],
                 ["export", "posts", "--format", "csv"], ["users", "list"], ["tokens", "list"],
                 ["people", "merges"], ["touch", "Sofia", "--kind", "call"], ["queue", "send", "rs-1"]]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_every_command_refuses_a_missing_database_the_same_way_and_creates_nothing(tmp_path, command):
    from tests.conftest import minimal_config, write_config

    config = write_config(tmp_path, minimal_config())
    result = CliRunner().invoke(main, ["--config", str(config), *command])
    assert result.exit_code == 2, result.output
    path = tmp_path / "data" / "test.duckdb"
    assert result.output.strip() == (f"Error: no database at {path} yet (storage.path in the config): nothing has "
                                     "been collected. `listenwell run --once` creates it")
    assert not (tmp_path / "data").exists()


def test_run_once_exits_3_when_a_source_failed_and_lists_the_failure_in_full(bundled_config):
    import yaml

    data = yaml.safe_load(bundled_config.read_text())
    data["sources"].append({"name": "gone-blog", "type": "feed", "url": "http://127.0.0.1:9/feed.xml",
                            "timeout_seconds": 2})
    bundled_config.write_text(yaml.safe_dump(data, sort_keys=False))
    result = CliRunner().invoke(main, ["--config", str(bundled_config), "run", "--once", "--no-digest"])
    assert result.exit_code == 3, result.output
    sources = [line for line in result.output.splitlines() if " new posts (" in line]
    others = [line for line in sources if not line.startswith("gone-blog")]
    assert others and all(line.endswith("(ok)") and not line.split(": ")[1].startswith("0 ") for line in others), \
        result.output  # the others were collected
    tail = result.output.rstrip().splitlines()
    assert tail[-2] == f"1 of {len(data['sources'])} sources failed (the others were collected; `listenwell sources` keeps each error):"
    assert tail[-1].startswith("  gone-blog: could not connect to feed http://127.0.0.1:9/feed.xml (")
    assert "Connection refused" in tail[-1] and tail[-1].endswith("it will be retried next run")
    again = CliRunner().invoke(main, ["--config", str(bundled_config), "run", "--once", "--no-digest", "--json"])
    assert again.exit_code == 3 and '"sources_failed": [\n    "gone-blog"\n  ]' in again.output


def test_a_pinned_clock_is_the_one_clock_and_says_so(bundled_run):
    import json

    jobs = CliRunner().invoke(main, ["--config", str(bundled_run), "jobs", "--json"])
    runs = json.loads(jobs.output)["runs"]
    assert runs and all(r["started_at"].startswith("2026-11-20T18:00:00") for r in runs)
    for command in (["jobs"], ["sources"]):
        text = CliRunner().invoke(main, ["--config", str(bundled_run), *command]).output
        assert text.splitlines()[0] == ("clock: pinned at 2026-11-20 18:00 UTC by reference_time in the config "
                                        "(delete that line for real use)")


def test_queue_send_takes_several_ids_and_names_the_ones_it_could_not_send(bundled_config):
    import json

    def cli(*args):
        return CliRunner().invoke(main, ["--config", str(bundled_config), *args])

    assert cli("run", "--once", "--no-digest").exit_code == 0
    first, second = [item["id"] for item in json.loads(cli("queue", "list", "--json").output)[:2]]
    assert cli("queue", "approve", first).exit_code == 0 and cli("queue", "approve", second).exit_code == 0
    result = cli("queue", "send", first, second, "rs-nope")
    assert result.exit_code == 2
    assert result.output.count("dry run (sending.enabled is false in config): would reply on") == 2
    assert "1 of 3 replies not sent:\n  rs-nope: " in result.output
    both = cli("queue", "send", first, second, "--json")
    assert both.exit_code == 0 and [r["suggestion_id"] for r in json.loads(both.output)] == [first, second]


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


def test_counts_in_messages_take_the_right_number():
    from listenwell.words import plural

    assert [plural(1, "identity"), plural(2, "identity"), plural(0, "post"), plural(1, "reply suggestion")] == \
        ["1 identity", "2 identities", "0 posts", "1 reply suggestion"]
    assert plural(3, "reply", "replies") == "3 replies" and plural(1200, "alert") == "1,200 alerts"
    assert plural(2, "day") == "2 days" and plural(2, "match") == "2 matches"
