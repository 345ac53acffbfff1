"""A source's notes hold each message once, however its collector repeats them across checkpoints, so
a later error is not pushed out of the 2,000-character cap by copies of earlier ones."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from collectors.base import Checkpoint, SourceError
from jobs.collect import notes_once, run_collector
from storage.db import Database

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)


class Repeating:
    """Every checkpoint's note carries all the notes before it (as the feed collector's used to)."""

    name = "blog"

    def fetch(self, state):
        notes = []
        for i in range(40):
            notes.append(f"comment feed https://blog.example/c/{i}/ returned HTTP 404: the feed is gone")
            yield Checkpoint({"i": i}, "; ".join(notes))
        yield Checkpoint({"i": 40}, "; ".join(notes + ["the last checkpoint's own note"]))


def test_each_note_is_kept_once(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run_collector(db, Repeating(), source_type="feed", our_handles={}, now=NOW)
        stored = db.scalar("SELECT last_note FROM source_state WHERE source = 'blog'")
    assert len(result.notes) == 41
    assert stored.count("/c/0/") == 1 and stored.count("/c/7/") == 1
    assert len(stored) <= 2000


def test_notes_once_keeps_messages_that_contain_separators():
    assert notes_once(["a; b", "a; b", "c"]) == "a; b; c"
    assert notes_once(["x", "x; y", "x; y; z"]) == "x; y; z"
