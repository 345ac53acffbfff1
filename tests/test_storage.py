from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from collectors.base import Identity, Post
from storage.db import Database, DatabaseLocked, DatabaseMissing
from storage.migrations import MIGRATIONS
from storage.writes import load_source_state, store_batch

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"x": {"fernhillhq"}, "reddit": set(), "blog": set()}


def post(n: int, author: str = "ana", **kw) -> Post:
    return Post(
        platform="x", native_id=str(1000 + n), text=f"post {n}", created_at=NOW - timedelta(hours=n),
        author=Identity("x", author, display_name=author.title()), source="test", retrieved_at=NOW, **kw,
    )


def store(db: Database, posts: list[Post], state: dict | None = None):
    return store_batch(db, source="test", source_type="files", posts=posts, state=state or {"n": len(posts)},
                       note=None, our_handles=OURS, now=NOW)


def test_migrations_are_named_recorded_and_applied_once(tmp_path: Path):
    path = tmp_path / "lw.duckdb"
    with Database.open(path) as db:
        names = [r[0] for r in db.con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
        assert names == [name for name, _ in MIGRATIONS]
    with Database.open(path) as db:  # reopening applies nothing again
        assert db.migrate() == []
        assert db.pending_migrations() == []


def test_bulk_store_is_idempotent_and_links_authors_to_people(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        first = store(db, [post(i) for i in range(5)] + [post(9, author="Bob")])
        again = store(db, [post(i) for i in range(5)])
        assert (first.posts_new, again.posts_new) == (6, 0)
        assert db.scalar("SELECT count(*) FROM posts") == 6
        assert db.scalar("SELECT count(DISTINCT seq) FROM posts") == 6
        assert db.scalar("SELECT person_id FROM identities WHERE identity_uid = 'x:bob'") == "p:x:bob"
        assert db.scalar("SELECT name FROM people WHERE person_id = 'p:x:ana'") == "Ana"


def test_first_and_last_seen_span_all_of_an_authors_posts_whatever_the_batching(tmp_path: Path):
    """'Known for' (the time sinew) starts at someone's earliest post, not at the latest one of the
    batch that first brought them in."""
    with Database.open(tmp_path / "lw.duckdb") as db:
        store(db, [post(5), post(30), post(12)])  # 5, 30 and 12 hours ago, in that order
        first, last = db.con.execute(
            "SELECT first_seen, last_seen FROM identities WHERE identity_uid = 'x:ana'").fetchone()
        assert (first, last) == (NOW - timedelta(hours=30), NOW - timedelta(hours=5))
        store(db, [post(2), post(40)])  # a later batch widens the window both ways
        first, last = db.con.execute(
            "SELECT first_seen, last_seen FROM identities WHERE identity_uid = 'x:ana'").fetchone()
        assert (first, last) == (NOW - timedelta(hours=40), NOW - timedelta(hours=2))


def test_duplicates_inside_one_batch_are_stored_once(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        assert store(db, [post(1), post(1), post(2)]).posts_new == 2


def test_our_handles_map_to_the_me_person(tmp_path: Path):
    with Database.open(tmp_path / "lw.duckdb") as db:
        store(db, [post(1, author="FernhillHQ")])
        row = db.con.execute("SELECT is_ours, person_id FROM identities WHERE identity_uid = 'x:fernhillhq'").fetchone()
        assert row == (True, "me")


def test_records_and_state_commit_together_or_not_at_all(tmp_path: Path, monkeypatch):
    import storage.writes as writes

    with Database.open(tmp_path / "lw.duckdb") as db:
        store(db, [post(1)], {"cursor": 1})

        def explode(con, table):
            raise RuntimeError("disk full")

        monkeypatch.setattr(writes, "_insert_posts", explode)
        with pytest.raises(RuntimeError):
            store(db, [post(2, author="carol")], {"cursor": 2})
        assert load_source_state(db, "test") == {"cursor": 1}
        assert db.scalar("SELECT count(*) FROM identities WHERE handle = 'carol'") == 0
        assert db.scalar("SELECT count(*) FROM posts") == 1


def test_site_wide_comment_finds_its_parent_by_url(tmp_path: Path):
    parent = Post(platform="blog", native_id="p1", text="a post", created_at=NOW, author=Identity("blog", "a@b"),
                  source="t", retrieved_at=NOW, url="https://b.example/p1")
    comment = Post(platform="blog", native_id="c1", text="nice", created_at=NOW, author=Identity("blog", "c@b"),
                   source="t", retrieved_at=NOW, kind="comment", parent_url="https://b.example/p1")
    with Database.open(tmp_path / "lw.duckdb") as db:
        store(db, [parent])
        store(db, [comment])
        assert db.scalar("SELECT parent_uid FROM posts WHERE post_uid = 'blog:c1'") == "blog:p1"


def test_second_writer_process_gets_a_clear_lock_error(tmp_path: Path):
    path = tmp_path / "lw.duckdb"
    with Database.open(path):
        code = (
            "import sys\n"
            "from storage.db import Database, DatabaseLocked\n"
            "try:\n"
            f"    Database.open({str(path)!r})\n"
            "except DatabaseLocked as e:\n"
            "    print(e); sys.exit(3)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 3, proc.stderr
    assert "is locked by PID" in proc.stdout
    assert str(path) in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_read_only_open_of_missing_database_says_what_to_run(tmp_path: Path):
    with pytest.raises(DatabaseMissing) as info:
        Database.open(tmp_path / "nope.duckdb", read_only=True)
    assert "listenwell run --once" in str(info.value)
    assert not (tmp_path / "nope.duckdb").exists()


def test_lock_error_class_is_a_storage_error():
    from storage.db import StorageError

    assert issubclass(DatabaseLocked, StorageError)
