"""Progress of long work: counts, rate and time left; whole plain lines off a terminal (logs, CI)."""
from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from jobs.progress import PlainProgress, TerminalProgress, as_progress, describe_count, duration
from listenwell.cli import main


class Ticks:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_say_count_rate_and_time_left_at_most_every_few_seconds():
    lines: list[str] = []
    clock = Ticks()
    progress = PlainProgress(lines.append, every=5, clock=clock)
    progress.count("tag", 0, 10_000)
    clock.now += 1
    progress.count("tag", 1_000, 10_000)  # within five seconds of the start: no line
    assert lines == []
    clock.now += 4
    progress.count("tag", 5_000, 10_000)
    assert lines == ["tag: 5,000 of 10,000 posts (1,000 posts/s, about 5 s left)"]
    clock.now += 1
    progress.count("tag", 10_000, 10_000)  # the end is always said
    assert lines[-1] == "tag: 10,000 of 10,000 posts (1,667 posts/s)"
    progress.count("collect x-live", 0, unit="posts read")
    clock.now += 6
    progress.count("collect x-live", 600, unit="posts read")
    assert lines[-1] == "collect x-live: 600 posts read (100 posts read/s)"


def test_durations_and_counts_read_naturally():
    assert duration(42.4) == "42 s" and duration(125) == "2 min 05 s" and duration(3 * 3600 + 60) == "3 h 01 min"
    assert describe_count("engage", 3, None, "posts", None) == "engage: 3 posts"


def test_a_plain_function_is_a_progress_and_none_is_silent():
    lines: list[str] = []
    as_progress(lines.append).line("x-samples: 3 new posts (ok)")
    as_progress(None).line("never shown")
    assert lines == ["x-samples: 3 new posts (ok)"]


def test_the_terminal_display_shows_each_task_with_its_count_and_strips_escapes():
    out = io.StringIO()
    progress = TerminalProgress(out)
    progress.count("collect \x1b]0;pwned\x07x-samples", 0, unit="posts read")
    progress.count("collect \x1b]0;pwned\x07x-samples", 311, unit="posts read")
    progress.finish("collect \x1b]0;pwned\x07x-samples")
    progress.line("x-samples: 311 new posts (ok)")
    progress.close()
    text = out.getvalue()
    assert "collect x-samples" in text and "311/311" in text and "x-samples: 311 new posts (ok)" in text
    assert "\x1b]0;" not in text


def test_run_once_off_a_terminal_prints_whole_lines_per_stage(bundled_config: Path):
    result = CliRunner().invoke(main, ["--config", str(bundled_config), "run", "--once", "--no-digest"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "x-samples: 311 new posts (ok)" in lines
    stored = sum(int(line.split(": ")[1].split()[0]) for line in lines if " new posts (" in line)
    assert stored > 311  # every source's line, the other sources' too
    tag = [line for line in lines if line.startswith("tag: ")]
    assert tag and tag[-1].startswith(f"tag: {stored} of {stored} posts (") and "posts/s" in tag[-1]
    assert any(line.startswith(f"engage: {stored} of {stored} posts") for line in lines)
    assert not any("collecting" in line for line in lines)  # no start lines to interleave with results
