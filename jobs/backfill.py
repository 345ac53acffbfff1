"""``listenwell backfill``: archives (or, with ``retag``, the stored posts) → tags → the database, in bulk.

Three phases over numbered partitions of ``partition_rows`` posts, each kept as Parquet in a work folder:

1. **read** (one process): archives → ``posts/pNNNNNN.parquet`` (``POSTS_SCHEMA`` plus the author's columns
   prefixed ``author_``); with ``retag``, the stored posts as the tag job reads them. The database is open
   only for a short read (our own posts, which replies answer; or the posts to retag).
2. **tag** (the engine): each partition → ``tags/pNNNNNN[.parquet]`` through :func:`tag_partition`, i.e.
   :func:`nlp.tag_table.tag_table`, in this process or its worker processes (``local``), or as a Ray Data job
   (``ray``: ``read_parquet → map_batches(batch_format="pyarrow") → write_parquet``). The database is closed.
3. **load**: each tagged partition in one transaction (Arrow ``INSERT … SELECT``; posts and tags that are
   stored already are left as they are, so a rerun adds nothing), then a marker ``loaded/pNNNNNN``.

Each finished partition is written under a temporary name and renamed, so an interrupted backfill, run again
with the same arguments, finds the same work folder and goes on from the last finished partition.
The database writer lock is taken only for phase 3, waiting (and saying who holds it) while a run writes.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from collectors.base import AUTHORS_SCHEMA, POSTS_SCHEMA, Post
from nlp.pipeline import PIPELINE_VERSION
from nlp.tag_table import TAGS_SCHEMA, TagSettings, tag_table
from storage.db import Database, DatabaseMissing

ENGINES = ("local", "ray")
PARTITION_ROWS = 50_000
AUTHOR_PREFIX = "author_"
MAX_NAMED_PROBLEMS = 20
_SUBREDDIT = re.compile(r"/r/([^/]+)")


class BackfillError(Exception):
    """A backfill that cannot start or go on (the message says why and what to do)."""


class EngineUnavailable(BackfillError):
    """The chosen engine is not installed or its cluster cannot be reached."""


@dataclass
class BackfillReport:
    work_dir: Path
    engine: str
    files: int = 0
    posts_read: int = 0
    bad_records: int = 0
    bad_files: int = 0
    problems: list[str] = field(default_factory=list)  # the first few, named
    partitions: int = 0
    partitions_done_before: int = 0  # tagged or loaded by an earlier, interrupted run
    tagged: int = 0
    posts_new: int = 0
    tags_written: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.bad_records and not self.bad_files

    def counts(self) -> dict[str, Any]:
        return {"engine": self.engine, "files": self.files, "posts_read": self.posts_read,
                "bad_records": self.bad_records, "bad_files": self.bad_files, "partitions": self.partitions,
                "partitions_done_before": self.partitions_done_before, "tagged": self.tagged,
                "posts_new": self.posts_new, "tags_written": self.tags_written, "seconds": self.seconds,
                "problems": self.problems, "work_dir": str(self.work_dir)}


# --- progress ------------------------------------------------------------------------------------


class Progress:
    """Counts, rate and ETA for one phase: one line rewritten in place on a terminal, else plain lines
    (at most one every ``every`` seconds, and the last)."""

    def __init__(self, echo: Callable[[str], None], phase: str, total: int | None, *, tty: bool | None = None,
                 every: float = 5.0):
        self.echo, self.phase, self.total = echo, phase, total
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.every = every
        self.done = 0
        self.started = time.monotonic()
        self._last = 0.0

    def add(self, n: int, final: bool = False) -> None:
        self.done += n
        now = time.monotonic()
        if not final and not self.tty and now - self._last < self.every:
            return
        self._last = now
        self.echo(self.line(now) + ("\r" if self.tty and not final else ""))

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.started, 1e-9)
        rate = self.done / elapsed
        text = f"{self.phase}: {self.done:,}"
        if self.total:
            text += f"/{self.total:,} posts ({100 * self.done / self.total:.0f}%)"
            if rate > 0 and self.done < self.total:
                text += f", {rate:,.0f} posts/s, ETA {_duration((self.total - self.done) / rate)}"
            else:
                text += f", {rate:,.0f} posts/s"
        else:
            text += f" posts, {rate:,.0f} posts/s"
        return text

    def finish(self) -> None:
        self.add(0, final=True)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


# --- the work folder -----------------------------------------------------------------------------


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder means every file below it, sorted (hidden files and ``account.js`` skipped:
    the X archive's account file is read beside ``tweets.js``)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(f for f in sorted(p.rglob("*")) if f.is_file() and not f.name.startswith(".")
                       and f.name != "account.js")
        else:
            out.append(p)
    return out


def work_key(kind: str, inputs: list[Path], config, partition_rows: int) -> str:
    """Same inputs, settings and partition size → the same work folder (so a rerun resumes). A retag is keyed
    by the database's path, not its state: its own loads change the file."""
    h = hashlib.sha256()
    h.update(f"{kind}\0{partition_rows}\0{PIPELINE_VERSION}\0{Path(config.db_path).resolve()}\0".encode())
    settings = TagSettings.from_config(config)
    h.update(settings.topics_json.encode() + settings.brands_json.encode())
    for p in inputs:
        try:
            st = p.stat()
            h.update(f"{p.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        except OSError:
            h.update(f"{p}\0missing\0".encode())
    return f"{kind}-{h.hexdigest()[:16]}"


def _atomic_write(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, row_group_size=10_000)
    os.replace(tmp, path)


def _part_name(index: int) -> str:
    return f"p{index:06d}"


class WorkDir:
    def __init__(self, root: Path):
        self.root = root
        for sub in ("posts", "tags", "loaded"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def posts(self, name: str) -> Path:
        return self.root / "posts" / f"{name}.parquet"

    def tags(self, name: str) -> Path:
        return self.root / "tags" / name  # a file (local) or a folder of files (ray); either is read alike

    def loaded(self, name: str) -> Path:
        return self.root / "loaded" / name

    def partitions(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "posts").glob("p*.parquet"))

    @property
    def read_done(self) -> Path:
        return self.root / "read.json"


# --- phase 1: read -------------------------------------------------------------------------------


def posts_partition(posts: list[Post]) -> pa.Table:
    """Posts and, aligned, their authors' columns (``author_…``): what a posts partition holds."""
    from storage.writes import authors_table, posts_table

    table = posts_table(posts)
    authors = authors_table(posts)
    for name in AUTHORS_SCHEMA.names:
        table = table.append_column(AUTHOR_PREFIX + name, authors.column(name))
    return table


def _read_archives(config, inputs: list[Path], work: WorkDir, report: BackfillReport, partition_rows: int,
                   echo: Callable[[str], None], x_author: str | None, wait_seconds: float) -> dict:
    from collectors.archives import ArchiveReader, BadRecord
    from storage.writes import is_our_identity

    if work.read_done.exists():
        state = json.loads(work.read_done.read_text())
        report.files, report.posts_read = state["files"], state["posts_read"]
        report.bad_records, report.bad_files, report.problems = state["bad_records"], state["bad_files"], \
            state["problems"]
        return state
    our_handles = config.our_handles()
    reader = ArchiveReader(our_handles, config.now(), x_author=x_author)
    progress = Progress(echo, "read", None)
    ours: set[str] = set(_stored_our_posts(config, wait_seconds, echo))
    buffer: list[Post] = []
    index = 0

    def flush(rows: list[Post]) -> None:
        nonlocal index
        path = work.posts(_part_name(index))
        if not path.exists():  # written by an interrupted run: the reader is deterministic
            _atomic_write(posts_partition(rows), path)
        index += 1

    for path in inputs:
        report.files += 1
        if not path.exists():
            report.bad_files += 1
            _problem(report, f"{path}: no such file")
            continue
        for item in reader.read(path):
            if isinstance(item, BadRecord):
                if item.line is None:
                    report.bad_files += 1
                else:
                    report.bad_records += 1
                _problem(report, str(item))
                continue
            for post in item:
                if is_our_identity(post.platform, post.author.handle, our_handles):
                    ours.add(post.uid)
            buffer.extend(item)
            report.posts_read += len(item)
            progress.add(len(item))
            while len(buffer) >= partition_rows:
                flush(buffer[:partition_rows])
                buffer = buffer[partition_rows:]
    if buffer:
        flush(buffer)
    progress.finish()
    state = {"files": report.files, "posts_read": report.posts_read, "bad_records": report.bad_records,
             "bad_files": report.bad_files, "problems": report.problems, "partitions": index,
             "our_posts": sorted(ours)}
    tmp = work.read_done.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, work.read_done)
    return state


def _problem(report: BackfillReport, text: str) -> None:
    if len(report.problems) < MAX_NAMED_PROBLEMS:
        report.problems.append(text)


def _stored_our_posts(config, wait_seconds: float, echo: Callable[[str], None]) -> list[str]:
    """Our posts already stored: a reply in the archive to one of them is addressed to us."""
    try:
        with Database.open_waiting(config.db_path, read_only=True, memory_limit=config.storage.memory_limit,
                                   wait_seconds=wait_seconds, on_wait=echo) as db:
            return [r[0] for r in db.con.execute(
                "SELECT p.post_uid FROM posts p JOIN identities i ON i.identity_uid = p.author_uid "
                "WHERE i.is_ours").fetchall()]
    except DatabaseMissing:
        return []


def _export_stored(config, work: WorkDir, report: BackfillReport, partition_rows: int,
                   echo: Callable[[str], None], wait_seconds: float) -> dict:
    """``retag``: the stored posts as the tag job reads them (its own query), partition by partition."""
    from jobs.tag import SELECT_BATCH

    if work.read_done.exists():
        state = json.loads(work.read_done.read_text())
        report.posts_read = state["posts_read"]
        return state
    handles = sorted({h for hs in config.our_handles().values() for h in hs})
    index = total = 0
    with Database.open_waiting(config.db_path, read_only=True, memory_limit=config.storage.memory_limit,
                               wait_seconds=wait_seconds, on_wait=echo) as db:
        high = int(db.scalar("SELECT coalesce(max(seq), 0) FROM posts") or 0)
        low = 0
        while low < high:
            upper = min(low + partition_rows, high)
            path = work.posts(_part_name(index))
            if not path.exists():
                table = db.con.cursor().sql(SELECT_BATCH, params={
                    "handles": handles, "blog_urls": list(config.me.blog_urls), "lo": low, "hi": upper,
                }).to_arrow_table()
                _atomic_write(table, path)
                total += table.num_rows
            else:
                total += pq.ParquetFile(path).metadata.num_rows
            index += 1
            low = upper
    report.posts_read = total
    state = {"posts_read": total, "partitions": index}
    tmp = work.read_done.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, work.read_done)
    return state


# --- phase 2: tag --------------------------------------------------------------------------------


def tag_context(config, our_posts: Iterable[str]) -> dict[str, Any]:
    """What deciding to/from us needs besides a post: plain values, shipped to every worker."""
    return {"our_handles": {p: sorted(h) for p, h in config.our_handles().items()},
            "our_posts": sorted(set(our_posts)), "blog_urls": list(config.me.blog_urls)}


def tag_input(posts: pa.Table, context: dict[str, Any]) -> pa.Table:
    """A posts partition as ``tag_table``'s input, deciding to/from us as the tag job's query does: ours when
    the author is one of our handles; to us when not ours and it mentions one of our handles, answers one of
    our posts, or is a comment on our blog (under one of our posts, or at one of ``me.blog_urls``).
    Stored posts exported by ``retag`` carry these columns already."""
    if "addressed_to_us" in posts.column_names:
        return posts
    from storage.writes import is_our_identity

    handles = {p: set(h) for p, h in context["our_handles"].items()}
    every_handle = set().union(*handles.values()) if handles else set()
    ours = set(context["our_posts"])
    blog_urls = tuple(context["blog_urls"])
    col = {name: posts.column(name).to_pylist() for name in
           ("platform", "kind", "url", "parent_uid", "conversation_uid", "mentions", AUTHOR_PREFIX + "handle")}
    from_us, to_us, subreddits = [], [], []
    known: dict[tuple[str, str], bool] = {}
    for platform, kind, url, parent, root, mentions, handle in zip(*col.values()):
        key = (platform, handle)
        mine = known.get(key)
        if mine is None:
            mine = known[key] = is_our_identity(platform, handle, handles)
        from_us.append(mine)
        to_us.append(not mine and (
            bool(every_handle.intersection(mentions or ())) or (parent is not None and parent in ours)
            or (platform == "blog" and kind == "comment" and (
                (root is not None and root in ours) or (url is not None and url.startswith(blog_urls))))))
        match = _SUBREDDIT.search(url) if platform == "reddit" and url else None
        subreddits.append(match.group(1) if match and match.group(1) else None)
    return pa.table({
        "post_uid": posts.column("post_uid"), "text": posts.column("text"), "lang": posts.column("lang"),
        "addressed_to_us": pa.array(to_us, pa.bool_()), "from_us": pa.array(from_us, pa.bool_()),
        "author": posts.column(AUTHOR_PREFIX + "handle"), "subreddit": pa.array(subreddits, pa.string()),
        "root_uid": posts.column("conversation_uid"), "root_about_us": pa.nulls(posts.num_rows, pa.bool_()),
    })


def tag_partition(posts: pa.Table, settings: TagSettings, context: dict[str, Any]) -> pa.Table:
    """One batch of a posts partition → its tags: what every engine maps over the partitions."""
    return tag_table(tag_input(posts, context), settings)


def _tag_local(work: WorkDir, todo: list[str], settings: TagSettings, context: dict, processes: int,
               progress: Progress, config) -> None:
    from jobs.tag import _Taggers

    taggers = _Taggers(config, None, processes)
    try:
        for name in todo:
            posts = pq.read_table(work.posts(name))
            tags = taggers.tag(tag_input(posts, context))
            _atomic_write(tags, work.tags(name))
            progress.add(posts.num_rows)
    finally:
        taggers.close()


# --- phase 3: load -------------------------------------------------------------------------------

# the root of a thread decides whether the thread is about us; set for every post whose root is in the
# loaded partition, or which is in it, now that both may be stored (whatever the engine's batches saw)
THREADS = """
UPDATE tags SET thread_about_us = r.about_us OR r.addressed_to_us OR r.from_us
FROM posts p, tags r
WHERE p.post_uid = tags.post_uid AND r.post_uid = p.conversation_uid AND p.conversation_uid <> p.post_uid
  AND (p.post_uid IN (SELECT post_uid FROM incoming_tags) OR p.conversation_uid IN (SELECT post_uid FROM incoming_tags))
  AND tags.thread_about_us IS DISTINCT FROM (r.about_us OR r.addressed_to_us OR r.from_us)
"""

_TAG_COLUMNS = ", ".join(n for n in TAGS_SCHEMA.names if n not in ("post_uid", "evidence"))


def load_partition(db: Database, config, posts: pa.Table | None, tags: pa.Table, *, replace: bool) -> tuple[int, int]:
    """One partition in one transaction: its authors and posts (when ``posts`` is given; stored ones stay as
    they are), its tags (``replace``: over the stored ones, as ``retag`` does; else only where none is stored).
    Returns (posts new, tags written)."""
    from jobs.tag import set_stage_cursor
    from storage.terms import count_new_terms
    from storage.writes import _insert_posts, _latest_identities, _upsert_identities

    now = config.now()
    tags = tags.select(TAGS_SCHEMA.names).cast(TAGS_SCHEMA)
    posts_new = 0
    with db.transaction() as con:
        # fetchall: a half-read result would block registering the Arrow tables on this connection
        high_before = con.execute("SELECT coalesce(max(seq), 0) FROM posts").fetchall()[0][0]
        cursor = con.execute("SELECT coalesce(max(last_seq), 0) FROM stage_cursors WHERE stage = 'tag'").fetchall()
        caught_up = cursor[0][0] >= high_before
        if posts is not None and posts.num_rows:
            authors = pa.table({name: posts.column(AUTHOR_PREFIX + name) for name in AUTHORS_SCHEMA.names},
                               schema=AUTHORS_SCHEMA)
            _upsert_identities(con, _latest_identities(con, authors, config.our_handles()))
            posts_new = _insert_posts(con, posts.select(POSTS_SCHEMA.names))
        con.register("incoming_tags", tags)
        try:
            verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
            written = con.execute(
                f"""{verb} INTO tags (post_uid, seq, {_TAG_COLUMNS}, evidence, tagged_at, pipeline_version)
                    SELECT t.post_uid, p.seq, {', '.join('t.' + c for c in _TAG_COLUMNS.split(', '))},
                           CAST(t.evidence AS JSON), $now, $version
                    FROM (SELECT DISTINCT ON (post_uid) * FROM incoming_tags) t JOIN posts p USING (post_uid)""",
                {"now": now, "version": PIPELINE_VERSION}).fetchall()[0][0]
            con.execute(THREADS)
        finally:
            con.unregister("incoming_tags")
        if caught_up and posts_new:
            # the tag job had tagged everything before: what this partition added is tagged too
            high = con.execute("SELECT max(seq) FROM posts").fetchall()[0][0]
            set_stage_cursor(con, "tag", high, now)
            count_new_terms(con, high, tz=config.schedule.timezone, now=now)
    return posts_new, int(written)


# --- the whole ---------------------------------------------------------------------------------------


def run_backfill(config, paths: list[str | Path] | None, *, engine: str = "local", retag: bool = False,
                 processes: int | None = None, partition_rows: int = PARTITION_ROWS, work_dir: Path | None = None,
                 wait_seconds: float = 30.0, x_author: str | None = None, keep_work: bool = False,
                 echo: Callable[[str], None] = print, tty: bool | None = None) -> BackfillReport:
    if engine not in ENGINES:
        raise BackfillError(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    processes = processes or os.cpu_count() or 1
    inputs = [] if retag else expand_paths(paths or [])
    if not retag and not inputs:
        raise BackfillError("no archive to read: give at least one PATH (a file or a folder)")
    key = work_key("retag" if retag else "backfill", inputs, config, partition_rows)
    root = Path(work_dir) if work_dir else config.db_path.parent / "backfill" / key
    work = WorkDir(root)
    report = BackfillReport(work_dir=root, engine=engine)
    ray_session = None
    if engine == "ray":
        from jobs.backfill_ray import connect

        ray_session = connect(processes)  # an unreachable cluster fails here, before any work

    try:
        _phases(config, work, report, inputs, retag=retag, processes=processes, partition_rows=partition_rows,
                wait_seconds=wait_seconds, x_author=x_author, echo=echo, tty=tty, ray_session=ray_session)
    finally:
        if ray_session is not None:
            ray_session.close()
    if report.clean and not keep_work:
        shutil.rmtree(root, ignore_errors=True)
    return report


def _phases(config, work: WorkDir, report: BackfillReport, inputs: list[Path], *, retag: bool, processes: int,
            partition_rows: int, wait_seconds: float, x_author: str | None, echo: Callable[[str], None],
            tty: bool | None, ray_session) -> None:
    t = time.perf_counter()
    state = _export_stored(config, work, report, partition_rows, echo, wait_seconds) if retag else \
        _read_archives(config, inputs, work, report, partition_rows, echo, x_author, wait_seconds)
    report.seconds["read"] = round(time.perf_counter() - t, 3)
    names = work.partitions()
    report.partitions = len(names)

    t = time.perf_counter()
    settings = TagSettings.from_config(config)
    context = tag_context(config, state.get("our_posts", ()))
    todo = [n for n in names if not work.tags(n).exists() and not work.loaded(n).exists()]
    report.partitions_done_before = len(names) - len(todo)
    rows = {n: pq.ParquetFile(work.posts(n)).metadata.num_rows for n in todo}
    progress = Progress(echo, f"tag ({report.engine})", sum(rows.values()), tty=tty)
    if todo:
        if ray_session is not None:
            ray_session.tag(work, todo, settings, context, progress)
        else:
            _tag_local(work, todo, settings, context, processes, progress, config)
        progress.finish()
    report.tagged = sum(rows.values())
    report.seconds["tag"] = round(time.perf_counter() - t, 3)

    t = time.perf_counter()
    pending = [n for n in names if not work.loaded(n).exists()]
    if pending:
        progress = Progress(echo, "load", sum(pq.ParquetFile(work.posts(n)).metadata.num_rows for n in pending),
                            tty=tty)
        with Database.open_waiting(config.db_path, memory_limit=config.storage.memory_limit,
                                   wait_seconds=wait_seconds, on_wait=echo) as db:
            from storage.writes import sync_key_clients

            sync_key_clients(db, config.key_clients, config.me, config.now())  # as a run does: who is whom
            for name in pending:
                posts = None if retag else pq.read_table(work.posts(name))
                tags = pq.read_table(work.tags(name), schema=TAGS_SCHEMA)
                new, written = load_partition(db, config, posts, tags, replace=retag)
                report.posts_new += new
                report.tags_written += written
                work.loaded(name).touch()
                progress.add(tags.num_rows)
            _record(db, config, report, retag)
        progress.finish()
    report.seconds["load"] = round(time.perf_counter() - t, 3)



def _record(db: Database, config, report: BackfillReport, retag: bool) -> None:
    from jobs.pipeline import record_job

    record_job(db, "retag" if retag else "backfill", None, "ok" if report.clean else "partial",
               {k: v for k, v in report.counts().items() if k != "problems"}, None, config.now())
