"""Read exported platform data from local files: JSONL and CSV.

JSONL lines may be (detected per line):

* an X API v2 response page (``{"data": [...], "includes": {...}, "meta": {...}}``, as twarc2 writes it),
  or a single-tweet lookup response (``{"data": {tweet}, "includes": ...}``);
* a single tweet (bare v2 tweet, or twarc-flattened with ``author`` inline);
* a Reddit ``Listing`` or a single ``t1``/``t3`` thing; a JSON array of those (the
  ``/comments/<id>.json`` response is ``[post listing, comment listing]``).

CSV needs the header ``platform,id,author,text,created_at`` and may add
``url,kind,parent_id,conversation_id,lang,author_name,title`` (any order, extra columns ignored).

State is ``{"files": {"<path>": {"offset", "size", "mtime_ns", "line", "head"}}}``: the bytes
consumed so far, so a re-run reads only what was appended. A file that shrank or whose first
bytes changed (replaced) is read again from the start; storage dedupes on id. Only complete
lines (ending in a newline) are consumed, except a last line that parses on its own.

Malformed lines are skipped, counted and reported in the checkpoint ``note``; a missing file
raises ``SourceError`` after the other files were read.

With ``columnar=True`` (what the runner uses) the collector reads several MB of complete lines at a
time and yields each as one ``PostsBatch`` mapped in bulk by ``collectors/columnar.py``; a chunk that
path cannot map exactly (a malformed line, an unusual shape) is read line by line as above, so the
posts, notes and cursors are the same either way.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, NamedTuple, TypeVar

from collectors.platforms import recorded_posts
from collectors.base import PLATFORMS, POST_KINDS, Checkpoint, Identity, Item, Post, SourceError, utcnow
from collectors.columnar import ColumnarMapper, NotColumnar
from collectors.reddit_shapes import is_listing, is_thing, reddit_mentions, thing_to_post, things_from_listing
from collectors.x_shapes import _tweet_to_post, is_tweet, is_x_page, tweets_from_page

log = logging.getLogger("listenwell.collect")

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)
CSV_REQUIRED = ("platform", "id", "author", "text", "created_at")
# "jsonl" detects X and Reddit shapes per line; "x" / "reddit" accept only that platform's shapes
FORMATS = ("auto", "jsonl", "x", "reddit", "csv")
HEAD_BYTES = 1024
_NO_USERS: dict = {}
_X_MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{1,15})\b")


class _Malformed(Exception):
    pass


T = TypeVar("T")
R = TypeVar("R")


def _ahead(items: Iterator[T], work: Callable[[T], R], workers: int = 2) -> Iterator[tuple[T, R]]:
    """``(item, work(item))`` in order, with the work of the next ``workers`` items running in worker
    threads while the consumer handles this one: chunks are mapped side by side, and while the runner
    stores one (pyarrow and DuckDB release the GIL). At most ``workers + 1`` items are in flight."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="files-columnar")
    try:
        ahead: deque[tuple[T, Future[R]]] = deque()
        for item in items:
            ahead.append((item, pool.submit(work, item)))
            if len(ahead) > workers:
                done, future = ahead.popleft()
                yield done, future.result()
        while ahead:
            done, future = ahead.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _CsvRecord(NamedTuple):
    """One record as ``csv.reader`` split it (or the ``csv.Error`` it raised), and where it ends."""

    row: list[str] | csv.Error
    start_line: int  # lines consumed before the record
    offset: int  # bytes consumed after it
    line: int  # lines consumed after it
    complete: bool  # its last line ended with a newline


def _line_chunks(fh: BinaryIO, size: int) -> Iterator[bytes]:
    """The rest of ``fh`` about ``size`` bytes at a time, each chunk ending with a newline; a last
    line without one comes alone at the end (it may still be being written)."""
    carry = b""
    while True:
        block = fh.read(size)
        if not block:
            if carry:
                yield carry
            return
        if carry:
            block, carry = carry + block, b""
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            carry = block  # a line longer than size: keep reading
        elif cut == len(block):
            yield block
        else:
            carry = block[cut:]
            yield block[:cut]


def _head_digest(path: Path, n: int) -> str:
    if n <= 0:
        return ""
    with open(path, "rb") as fh:
        return hashlib.sha1(fh.read(n)).hexdigest()[:16]


def _parse_time(value: str) -> datetime:
    value = (value or "").strip()
    if not value:
        raise ValueError("empty created_at")
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    except ValueError:
        pass
    dt = datetime.fromisoformat(value.replace(" UTC", "+00:00"))
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


class FilesCollector:
    """Collector over local JSONL/CSV exports. ``paths`` may name files or directories
    (a directory means every ``*.jsonl``/``*.ndjson``/``*.json``/``*.csv`` below it, sorted)."""

    def __init__(
        self,
        name: str,
        paths: list[Path],
        format: str = "auto",
        our_handles: dict[str, set[str]] | None = None,
        batch_size: int = 20_000,
        columnar: bool = False,
        chunk_bytes: int = 8 << 20,
        columnar_batch_size: int = 100_000,
    ):
        """``batch_size``: ``Post`` records between checkpoints (the runner holds them as objects).
        ``columnar``: yield ``PostsBatch`` items read ``chunk_bytes`` at a time where the data allows;
        a checkpoint follows every ``columnar_batch_size`` of their rows. Arrow rows are compact, and
        fewer, larger transactions pay: DuckDB checkpoints at a commit whose estimated size plus the
        WAL passes 16 MB (any commit of this size), and a checkpoint's cost grows with the database."""
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
        self.name = name
        self.paths = [Path(p) for p in paths]
        self.format = format
        self.our_handles = {
            platform: {h.strip().lstrip("@").lower() for h in handles}
            for platform, handles in (our_handles or {}).items()
        }
        self.batch_size = max(1, int(batch_size))
        self.columnar = columnar
        self.chunk_bytes = max(1, int(chunk_bytes))
        self.columnar_batch_size = max(1, int(columnar_batch_size))
        self._mapper: ColumnarMapper | None = None

    # -- public ---------------------------------------------------------------------------

    def fetch(self, state: dict[str, Any]) -> Iterator[Item]:
        files_state: dict[str, dict[str, Any]] = {
            k: dict(v) for k, v in ((state or {}).get("files") or {}).items() if isinstance(v, dict)
        }
        missing: list[str] = []
        if self.columnar:
            self._mapper = ColumnarMapper(self.name, self.our_handles)
        try:
            for path in self._expand(missing):
                yield from self._read_file(path, files_state)
        finally:
            if self._mapper is not None:
                self._mapper.close()
                self._mapper = None
        if missing:
            raise SourceError(
                f"source {self.name!r}: file(s) not found: {', '.join(missing)}. "
                "Check the paths in config.yaml (relative paths are resolved from the folder that "
                "holds config.yaml), or remove them from the source."
            )

    # -- internals ------------------------------------------------------------------------

    def _expand(self, missing: list[str]) -> list[Path]:
        out: list[Path] = []
        for p in self.paths:
            if p.is_dir():
                out.extend(
                    sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in JSONL_SUFFIXES + CSV_SUFFIXES)
                )
            elif p.is_file():
                out.append(p)
            else:
                missing.append(str(p))
        return out

    def _format_of(self, path: Path) -> str:
        if self.format != "auto":
            return self.format
        return "csv" if path.suffix.lower() in CSV_SUFFIXES else "jsonl"

    def _reader_for(self, path: Path):
        fmt = self._format_of(path)
        if fmt == "csv":
            return self._read_csv
        return lambda p, offset, line_no: self._read_jsonl(p, offset, line_no, fmt)

    def _snapshot(self, files_state: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return {"files": {k: dict(v) for k, v in files_state.items()}}

    def _read_file(self, path: Path, files_state: dict[str, dict[str, Any]]) -> Iterator[Item]:
        key = str(path)
        st = path.stat()
        prev = files_state.get(key) or {}
        offset = int(prev.get("offset") or 0)
        line_no = int(prev.get("line") or 0)
        restarted = False
        if offset:
            if st.st_size < offset or _head_digest(path, min(offset, HEAD_BYTES)) != prev.get("head"):
                offset, line_no, restarted = 0, 0, True
            elif st.st_size == offset:
                return  # nothing new
        elif prev and st.st_size == 0:
            return
        entry = {"offset": offset, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "line": line_no,
                 "head": prev.get("head", "") if offset else ""}
        files_state[key] = entry
        reader = self._reader_for(path)
        bad = 0
        first_bad: str | None = None
        pending = 0  # Post records since the last checkpoint
        pending_rows = 0  # PostsBatch rows since the last checkpoint
        for kind, value, new_offset, new_line in reader(path, offset, line_no):
            if kind == "posts":
                for post in value:
                    yield post
                pending += len(value)
            elif kind == "batch":
                if len(value):
                    yield value
                pending_rows += len(value)
            else:  # malformed
                bad += 1
                if first_bad is None:
                    first_bad = f"line {new_line}: {value}"
            entry["offset"], entry["line"] = new_offset, new_line
            if pending >= self.batch_size or pending_rows >= self.columnar_batch_size:
                self._touch_head(path, entry)
                yield Checkpoint(state=self._snapshot(files_state))
                pending = pending_rows = 0
        self._touch_head(path, entry)
        notes = []
        if restarted:
            notes.append(f"{key}: file shrank or was replaced; read again from the start")
        if bad:
            notes.append(f"{key}: {bad} malformed line{'s' if bad != 1 else ''} skipped (first at {first_bad})")
        yield Checkpoint(state=self._snapshot(files_state), note="; ".join(notes) or None)

    @staticmethod
    def _touch_head(path: Path, entry: dict[str, Any]) -> None:
        entry["head"] = _head_digest(path, min(entry["offset"], HEAD_BYTES))

    # JSONL ---------------------------------------------------------------------------------

    def _read_jsonl(self, path: Path, offset: int, line_no: int, fmt: str = "jsonl"):
        """Yields ("posts" | "batch" | "bad", value, offset after, lines after)."""
        retrieved_at = utcnow()
        with open(path, "rb") as fh:
            fh.seek(offset)
            if self._mapper is None:
                yield from self._jsonl_lines(fh, offset, line_no, fmt, retrieved_at)
                return
            mapper = self._mapper
            bulk = [True]  # until a chunk shows the file's shape is not one the fast path maps

            def mapped(start_and_chunk: tuple[int, bytes]):
                start, chunk = start_and_chunk
                if not bulk[0] or not chunk.endswith(b"\n"):
                    return None
                try:
                    return mapper.jsonl(chunk, fmt, retrieved_at, at_file_start=start == 0)
                except NotColumnar as exc:
                    bulk[0] = bulk[0] and not exc.shape
                    return None
                except Exception:  # a surprise in the fast path costs speed, never posts
                    log.warning("%s: columnar read failed; reading the chunk line by line", path, exc_info=True)
                    return None

            for (_, chunk), batch in _ahead(_with_offsets(_line_chunks(fh, self.chunk_bytes), offset), mapped):
                if batch is not None:
                    offset += len(chunk)
                    line_no += chunk.count(b"\n")
                    yield "batch", batch, offset, line_no
                else:
                    offset, line_no = yield from self._jsonl_lines(io.BytesIO(chunk), offset, line_no, fmt,
                                                                   retrieved_at)

    def _jsonl_lines(self, lines: BinaryIO, offset: int, line_no: int, fmt: str, retrieved_at: datetime):
        """The row path: one line at a time. Returns the offset and line count it got to."""
        source = self.name
        x_handles = self.our_handles.get("x", set())
        r_handles = self.our_handles.get("reddit", set())
        loads = json.loads
        for raw_line in lines:
            complete = raw_line.endswith(b"\n")
            line_no += 1
            stripped = raw_line.strip()
            if not stripped:
                offset += len(raw_line)
                if not complete:
                    line_no -= 1
                continue
            if line_no == 1 and stripped.startswith(b"\xef\xbb\xbf"):
                stripped = stripped[3:]
            try:
                obj = loads(stripped)
            except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
                if not complete:
                    return offset, line_no - 1  # a line still being written: leave it for the next run
                offset += len(raw_line)
                yield "bad", _short(exc), offset, line_no
                continue
            offset += len(raw_line)
            try:
                posts = self._posts_from_obj(obj, source, retrieved_at, x_handles, r_handles, fmt)
            except (KeyError, TypeError, ValueError, AttributeError, _Malformed) as exc:
                yield "bad", _short(exc), offset, line_no
                continue
            yield "posts", posts, offset, line_no
        return offset, line_no

    def _posts_from_obj(self, obj: Any, source: str, retrieved_at: datetime, x_handles, r_handles,
                        fmt: str = "jsonl") -> list[Post]:
        if isinstance(obj, list):
            out: list[Post] = []
            for item in obj:
                out.extend(self._posts_from_obj(item, source, retrieved_at, x_handles, r_handles, fmt))
            return out
        if fmt != "x":
            if is_listing(obj):
                return list(things_from_listing(obj, source, retrieved_at, r_handles))
            if is_thing(obj):
                post = thing_to_post(obj, source, retrieved_at, r_handles)
                return [post] if post is not None else []
            if isinstance(obj, dict) and obj.get("kind") == "more":
                return []
        if fmt != "reddit":
            if is_x_page(obj):
                return list(tweets_from_page(obj, source, retrieved_at, x_handles, copy=False))
            if is_tweet(obj):
                return [_tweet_to_post(obj, _NO_USERS, source, retrieved_at, x_handles, {}, False)]
        if fmt not in ("x", "reddit"):  # another platform's recorded answers (collectors/platforms/)
            posts = recorded_posts(obj, source, retrieved_at)
            if posts is not None:
                return posts
        expected = {"x": "an X page or tweet", "reddit": "a Reddit Listing or t1/t3 thing"}.get(
            fmt, "an X page, tweet, Reddit Listing or t1/t3 thing")
        raise _Malformed(f"not {expected}")

    # CSV -----------------------------------------------------------------------------------

    def _read_csv(self, path: Path, offset: int, line_no: int):
        source = self.name
        retrieved_at = utcnow()
        with open(path, "rb") as fh:
            header_line = fh.readline()
            try:
                header = next(csv.reader([header_line.decode("utf-8-sig")]))
            except (StopIteration, UnicodeDecodeError, csv.Error):
                header = []
            header = [h.strip().lower() for h in header]
            missing = [c for c in CSV_REQUIRED if c not in header]
            if missing:
                raise SourceError(
                    f"{path}: CSV header must contain {','.join(CSV_REQUIRED)} "
                    f"(missing: {', '.join(missing)}); optional: url,kind,parent_id,conversation_id,lang,author_name,title"
                )
            if offset < len(header_line):
                offset, line_no = len(header_line), 1
            fh.seek(offset)
            idx = {name: i for i, name in enumerate(header)}
            records = _csv_records(fh, offset, line_no, len(header))
            if self._mapper is None:
                for record in records:
                    yield self._csv_step(record, idx, source, retrieved_at)
                return
            # runs of batch_size records: if one falls back, the runner holds no more Post records than usual
            for group, batch in _ahead(_groups(records, self.batch_size),
                                           lambda group: self._csv_batch(group, idx, retrieved_at)):
                last = group[-1]
                if batch is not None:
                    yield ("batch", batch, last.offset, last.line) if len(batch) else ("posts", [], last.offset,
                                                                                       last.line)
                else:  # the row path, record by record: what is skipped and noted stays exactly as it was
                    for record in group:
                        yield self._csv_step(record, idx, source, retrieved_at)

    def _csv_step(self, record: _CsvRecord, idx: dict[str, int], source: str, retrieved_at: datetime):
        """The row path for one record: ("posts" | "bad", value, offset after, lines after)."""
        row = record.row
        if isinstance(row, csv.Error):
            return "bad", _short(row), record.offset, record.line
        if not row or all(not c.strip() for c in row):
            return "posts", [], record.offset, record.line
        try:
            post = self._csv_row_to_post(row, idx, source, retrieved_at)
        except (ValueError, KeyError, IndexError) as exc:
            return "bad", _short(exc), record.offset, record.start_line + 1
        return "posts", [post], record.offset, record.line

    def _csv_batch(self, group: list[_CsvRecord], idx: dict[str, int], retrieved_at: datetime):
        """A run of records as one batch, or None when any record needs the row path (then the
        whole run takes it)."""
        assert self._mapper is not None
        if any(isinstance(r.row, csv.Error) for r in group):
            return None
        rows = [r.row for r in group if r.row and not all(not c.strip() for c in r.row)]
        try:
            return self._mapper.csv_rows(idx, rows, retrieved_at) if rows else self._mapper.empty_batch()
        except NotColumnar:
            return None
        except Exception:  # a surprise in the fast path costs speed, never posts
            log.warning("columnar CSV read failed; reading the records one by one", exc_info=True)
            return None

    def _csv_row_to_post(self, row: list[str], idx: dict[str, int], source: str, retrieved_at: datetime) -> Post:
        def get(col: str) -> str | None:
            i = idx.get(col)
            if i is None or i >= len(row):
                return None
            v = row[i].strip() if col != "text" else row[i]
            return v or None

        platform = (get("platform") or "").lower()
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r} (expected one of {', '.join(PLATFORMS)})")
        native_id, author, text = get("id"), get("author"), get("text")
        if not native_id or not author:
            raise ValueError("id and author are required")
        text = text or ""
        created_at = _parse_time(get("created_at") or "")
        parent_id = get("parent_id")
        kind = (get("kind") or "").lower()
        if kind and kind not in POST_KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if platform == "x":
            mentions = [m for m in dict.fromkeys(_X_MENTION_RE.findall(text))]
        elif platform == "reddit":
            mentions = reddit_mentions(text)
        else:
            mentions = []
        if not kind:
            ours = self.our_handles.get(platform, set())
            if parent_id:
                kind = "reply" if platform == "x" else "comment"
            elif ours and any(m.lower() in ours for m in mentions):
                kind = "mention"
            else:
                kind = "post"
        handle = author.lstrip("@") if platform == "x" else author
        return Post(
            platform=platform,
            native_id=native_id,
            text=text,
            created_at=created_at,
            author=Identity(platform=platform, handle=handle, display_name=get("author_name")),
            source=source,
            retrieved_at=retrieved_at,
            kind=kind,
            url=get("url"),
            title=get("title"),
            parent_id=parent_id,
            conversation_id=get("conversation_id"),
            lang=get("lang"),
            mentions=mentions,
            raw={k: row[i] for k, i in idx.items() if i < len(row)},
        )


def _with_offsets(chunks: Iterator[bytes], offset: int) -> Iterator[tuple[int, bytes]]:
    for chunk in chunks:
        yield offset, chunk
        offset += len(chunk)


def _groups(items: Iterator[T], size: int) -> Iterator[list[T]]:
    group: list[T] = []
    for item in items:
        group.append(item)
        if len(group) >= size:
            yield group
            group = []
    if group:
        yield group


def _csv_records(fh: BinaryIO, offset: int, line_no: int, columns: int) -> Iterator[_CsvRecord]:
    """Records from ``offset`` on, as ``csv.reader`` splits them (quoted newlines included). A last
    record without a newline ends the file only if it has every column: it may still be being written."""
    pos = {"offset": offset, "line": line_no, "complete": True}

    def lines() -> Iterator[str]:
        for raw_line in fh:
            pos["offset"] += len(raw_line)
            pos["line"] += 1
            pos["complete"] = raw_line.endswith(b"\n")
            yield raw_line.decode("utf-8", errors="replace")

    reader = csv.reader(lines())
    while True:
        start_line = pos["line"]
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _CsvRecord(exc, start_line, pos["offset"], pos["line"], pos["complete"])
            continue
        if not pos["complete"] and len(row) < columns:
            return
        yield _CsvRecord(row, start_line, pos["offset"], pos["line"], pos["complete"])


def _short(exc: BaseException) -> str:
    msg = str(exc) or exc.__class__.__name__
    if isinstance(exc, json.JSONDecodeError):
        msg = exc.msg
    return msg if len(msg) <= 160 else msg[:157] + "..."
