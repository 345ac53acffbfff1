"""The collect runner: checkpoints, failure isolation, rate limits, secrets."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from collectors.base import Checkpoint, Identity, Post, RateLimited, SourceError
from jobs.collect import redact, run_collector
from storage.db import Database
from storage.writes import load_source_state

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"x": set(), "reddit": set(), "blog": set()}


def post(n: int) -> Post:
    return Post(platform="x", native_id=str(n), text=f"t{n}", created_at=NOW - timedelta(minutes=n),
                author=Identity("x", f"user{n % 3}"), source="s", retrieved_at=NOW)


class Scripted:
    """A collector that yields pages and then, optionally, fails."""

    def __init__(self, name: str, pages: list[list[int]], fail: Exception | None = None, tail: list[int] = ()):
        self.name = name
        self.pages = pages
        self.fail = fail
        self.tail = list(tail)
        self.states_seen: list[dict] = []

    def fetch(self, state):
        self.states_seen.append(dict(state))
        done = state.get("done", 0)
        for i, page in enumerate(self.pages[done:], start=done + 1):
            yield from (post(n) for n in page)
            yield Checkpoint({"done": i, "since_id": max(page)})
        yield from (post(n) for n in self.tail)
        if self.fail:
            raise self.fail


def run(db, collector, **kw):
    return run_collector(db, collector, source_type="test", our_handles=OURS, now=NOW, **kw)


def test_failure_after_a_checkpoint_keeps_the_stored_page_and_its_cursor(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        collector = Scripted("s", [[1, 2, 3], [4, 5]], fail=SourceError("HTTP 503 from the API"), tail=[6, 7])
        result = run(db, collector)
        assert result.error == "HTTP 503 from the API"
        assert result.new_posts == 5
        # 6 and 7 came after the last checkpoint: not stored, cursor not past them
        assert db.scalar("SELECT count(*) FROM posts") == 5
        assert load_source_state(db, "s") == {"done": 2, "since_id": 5}
        row = db.con.execute("SELECT last_error, last_success FROM source_state WHERE source = 's'").fetchone()
        assert row == ("HTTP 503 from the API", None)


def test_rerun_resumes_from_the_committed_state_without_duplicates(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        run(db, Scripted("s", [[1, 2]], fail=SourceError("boom")))
        collector = Scripted("s", [[1, 2], [3, 4]])
        result = run(db, collector)
        assert collector.states_seen[0] == {"done": 1, "since_id": 2}
        assert result.ok and result.new_posts == 2
        assert db.scalar("SELECT count(*) FROM posts") == 4
        assert db.scalar("SELECT last_success FROM source_state WHERE source = 's'") == NOW


def test_unexpected_exception_is_recorded_not_raised(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, Scripted("s", [[1]], fail=KeyError("data")))
        assert result.error == "unexpected KeyError: 'data'"
        assert db.scalar("SELECT count(*) FROM posts") == 1


def test_rate_limit_records_next_allowed_at(tmp_path: Path):
    retry = NOW + timedelta(minutes=15)
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, Scripted("s", [[1]], fail=RateLimited("429 from X", retry_at=retry)))
        assert "rate limited" in result.error
        assert db.scalar("SELECT next_allowed_at FROM source_state WHERE source = 's'") == retry


def test_posts_without_a_final_checkpoint_are_not_stored_and_say_so(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, Scripted("s", [[1]], tail=[2, 3]))
        assert db.scalar("SELECT count(*) FROM posts") == 1
        assert any("not stored" in n for n in result.notes)


def test_secrets_are_scrubbed_from_recorded_errors(tmp_path: Path):
    token = "AAAAsecret-bearer-123"
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, Scripted("s", [], fail=SourceError(f"401 for token {token}")), secrets=[token])
        assert token not in result.error
        stored = db.scalar("SELECT last_error FROM source_state WHERE source = 's'")
        assert token not in stored and "***" in stored
    assert redact("a bcde c", ["bcde"]) == "a *** c"  # a short secret (4-5 characters) where it occurs whole
    # a part of a long secret (6+ characters), as a cut-off error body would hold it, is masked too
    assert redact(f"echo: Bearer {token[:9]}", [token]) == "echo: Bearer ***"


def test_follower_pages_flag_identities_and_a_complete_walk_unflags_the_rest(tmp_path: Path):
    from collectors.base import FollowersPage

    def walk(handles: list[list[str]], started: datetime):
        class Walk:
            name = "x-followers"

            def fetch(self, state):
                for n, page in enumerate(handles):
                    yield FollowersPage("x", "fernhillhq", [Identity("x", h, display_name=h.title()) for h in page],
                                        started, complete=n == len(handles) - 1)
                    yield Checkpoint({"walk": started.isoformat(), "page": n})
        return Walk()

    with Database.open(tmp_path / "lw.duckdb") as db:
        run(db, walk([["ana", "bo"], ["cy"]], NOW - timedelta(days=2)))
        followers = {r[0] for r in db.con.execute(
            "SELECT handle FROM identities WHERE is_follower").fetchall()}
        assert followers == {"ana", "bo", "cy"}
        assert db.scalar("SELECT count(*) FROM people WHERE person_id = 'p:x:cy'") == 1
        run(db, walk([["ana"], ["cy", "dee"]], NOW))
        flags = dict(db.con.execute("SELECT handle, is_follower FROM identities").fetchall())
        assert flags == {"ana": True, "bo": False, "cy": True, "dee": True}


class Restless(Scripted):
    """Reuses one state dict, changing it right after each checkpoint, as a careless collector might."""

    def fetch(self, state):
        cursor = {"done": 0, "since_id": None}
        for i, page in enumerate(self.pages, start=1):
            yield from (post(n) for n in page)
            cursor.update(done=i, since_id=max(page))
            yield Checkpoint(cursor)
            cursor.update(done=i + 100, since_id=10_000)  # moved on before that page was stored
        yield from (post(n) for n in self.tail)


def test_the_stored_cursor_is_the_state_at_the_checkpoint_even_if_the_collector_moves_on(tmp_path: Path):
    # checkpoints are stored in a background thread while the collector reads on
    with Database.open(tmp_path / "lw.duckdb") as db:
        result = run(db, Restless("s", [[1, 2], [3, 4]], tail=[5]))
        assert result.ok and result.new_posts == 4
        assert load_source_state(db, "s") == {"done": 2, "since_id": 4}


def test_a_failed_store_stops_the_source_and_keeps_the_cursor_at_the_last_stored_page(tmp_path: Path, monkeypatch):
    import jobs.collect

    real_store = jobs.collect.store_batch
    calls = []

    def store_failing_the_second_time(db, **kw):
        calls.append(kw["state"])
        if len(calls) == 2:
            raise OSError("No space left on device")
        return real_store(db, **kw)

    monkeypatch.setattr(jobs.collect, "store_batch", store_failing_the_second_time)
    with Database.open(tmp_path / "lw.duckdb") as db:
        collector = Scripted("s", [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]])
        result = run(db, collector)
        assert result.error == "unexpected OSError: No space left on device"
        assert result.new_posts == 2
        assert db.scalar("SELECT count(*) FROM posts") == 2
        assert load_source_state(db, "s") == {"done": 1, "since_id": 2}
        # at most one checkpoint is read ahead of the one being stored
        assert len(calls) == 2
        assert db.scalar("SELECT last_error FROM source_state WHERE source = 's'") == result.error


def test_sources_sharing_a_writer_each_keep_their_own_failures(tmp_path: Path, monkeypatch):
    # collect_all lets the next source read while the last checkpoint of the one before is stored
    import jobs.collect

    real_store = jobs.collect.store_batch

    def store_failing_for_a(db, **kw):
        if kw["source"] == "a" and kw["state"]["done"] == 2:
            raise OSError("disk I/O error")
        return real_store(db, **kw)

    monkeypatch.setattr(jobs.collect, "store_batch", store_failing_for_a)
    with Database.open(tmp_path / "lw.duckdb") as db:
        writer = jobs.collect.Writer()
        a = run(db, Scripted("a", [[1, 2], [3, 4]]), state={}, writer=writer)
        b = run(db, Scripted("b", [[11, 12], [13]], fail=SourceError("HTTP 502")), state={}, writer=writer)
        writer.close()
        assert (a.error, a.new_posts) == ("unexpected OSError: disk I/O error", 2)
        assert (b.error, b.new_posts) == ("HTTP 502", 3)
        assert load_source_state(db, "a") == {"done": 1, "since_id": 2}
        assert load_source_state(db, "b") == {"done": 2, "since_id": 13}
        errors = dict(db.con.execute("SELECT source, last_error FROM source_state").fetchall())
        assert errors == {"a": a.error, "b": "HTTP 502"}
