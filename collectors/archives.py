"""Archives read in bulk for ``listenwell backfill``: the same ``Post`` shape the collectors produce.

Formats (by name; ``.zst`` may wrap any of the text ones):

- NDJSON / JSONL (``.ndjson``, ``.jsonl``): one JSON value a line, in any shape ``collectors/files.py`` reads
  (X API v2 pages and tweets, Reddit Listings and t1/t3 things), and Reddit dump objects as Pushshift and the
  Reddit archives write them (a bare comment with ``body`` or submission with ``title``, no ``kind``);
- zstd-compressed NDJSON (``.zst``, ``.ndjson.zst``; Reddit's monthly ``RC_*.zst`` / ``RS_*.zst`` dumps, whose
  frames need a 2 GB window);
- the X archive's ``tweets.js`` (``window.YTD.tweets.part0 = [{"tweet": {...}}, ...]``): the owner's handle is
  read from the ``account.js`` beside it, else given with ``x_author``;
- JSON (``.json``): one value, an array of such values, or an X archive file saved as ``.json``;
- CSV (``.csv``) and Parquet (``.parquet``): the columns ``collectors/files.py`` reads from CSV
  (``platform,id,author,text,created_at``, optional ``url,kind,parent_id,conversation_id,lang,author_name,title``).

A bad line or row is a :class:`BadRecord` naming the file and line; an unreadable or truncated file, or one
of an unknown format, is a :class:`BadRecord` with ``line=None``. Posts read before a fault are kept.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, TextIO

from collectors.base import Post
from collectors.files import CSV_REQUIRED, FilesCollector, _Malformed
from collectors.reddit_shapes import thing_to_post
from collectors.x_shapes import _tweet_to_post

SOURCE = "backfill"
TEXT_FORMATS = ("ndjson", "json", "x-archive", "csv")
FORMATS = TEXT_FORMATS + ("parquet",)
_BY_SUFFIX = {".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".js": "x-archive", ".csv": "csv",
              ".parquet": "parquet"}
_YTD = re.compile(rb"^\s*window\.YTD\.(\w+)\.part\d+\s*=\s*")
ZSTD_WINDOW = 1 << 31  # Reddit's dumps are compressed with --long=31


class TruncatedArchive(Exception):
    """Compressed data that ends inside a frame (a download cut short), or is not zstd at all."""


def zstd_chunks(raw: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    """The decompressed bytes of every frame in ``raw``; :class:`TruncatedArchive` when the data ends inside
    one (the stream readers of zstandard stop there silently)."""
    import zstandard

    dctx = zstandard.ZstdDecompressor(max_window_size=ZSTD_WINDOW)
    frame, fed, total = dctx.decompressobj(), False, 0
    while True:
        chunk = raw.read(size)
        if not chunk:
            break
        while chunk:
            try:
                out = frame.decompress(chunk)
            except zstandard.ZstdError as exc:
                raise TruncatedArchive(f"truncated or corrupt zstd data after {total:,} bytes: {exc}") from None
            fed = True
            if out:
                total += len(out)
                yield out
            if frame.eof:
                chunk = frame.unused_data
                frame, fed = dctx.decompressobj(), False
            else:
                chunk = b""
    if fed:
        raise TruncatedArchive(f"truncated or corrupt zstd data: the stream ends inside a frame after {total:,} "
                               f"bytes")


def zstd_lines(raw: BinaryIO) -> Iterator[bytes]:
    """Complete lines of zstd-compressed NDJSON; a cut line at a truncation is dropped with the error."""
    carry = b""
    for chunk in zstd_chunks(raw):
        chunk = carry + chunk
        lines = chunk.split(b"\n")
        carry = lines.pop()
        for line in lines:
            yield line + b"\n"
    if carry:
        yield carry


class ArchiveFormatError(ValueError):
    """A file whose format cannot be told from its name."""


@dataclass(frozen=True)
class BadRecord:
    path: str
    line: int | None  # None: the whole file (unknown format, unreadable, truncated)
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


def archive_format(path: Path) -> tuple[str, bool]:
    """(format, zstd-compressed) from the file name; ``RC_2023-01.zst`` is NDJSON."""
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".zst"
    if compressed:
        suffixes = suffixes[:-1]
        if not suffixes or suffixes[-1] not in _BY_SUFFIX:
            return "ndjson", True
    fmt = _BY_SUFFIX.get(suffixes[-1]) if suffixes else None
    if fmt is None or (compressed and fmt == "parquet"):
        known = ", ".join(sorted({*_BY_SUFFIX, ".zst"}))
        raise ArchiveFormatError(f"unknown archive format (expected one of {known})")
    return fmt, compressed


def pushshift_thing(obj: Any) -> dict | None:
    """A Reddit dump object (no ``kind``) as the t1/t3 thing the Reddit collector reads."""
    if not isinstance(obj, dict) or "kind" in obj or "subreddit" not in obj or "id" not in obj:
        return None
    if "body" in obj:
        return {"kind": "t1", "data": obj}
    if "title" in obj:
        return {"kind": "t3", "data": obj}
    return None


def x_archive_tweet(tweet: dict, owner: dict) -> dict:
    """An X archive tweet (API v1.1 fields) as the v2 tweet, author inline, that the X collector maps."""
    created = datetime.strptime(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y")
    out: dict[str, Any] = {
        "id": str(tweet.get("id_str") or tweet["id"]),
        "text": tweet.get("full_text") or tweet.get("text") or "",
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "author": owner,
        "author_id": owner.get("id"),
        "lang": tweet.get("lang"),
        "entities": {"mentions": [{"username": m.get("screen_name")}
                                  for m in (tweet.get("entities") or {}).get("user_mentions") or ()
                                  if m.get("screen_name")]},
    }
    parent = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
    if parent:
        out["referenced_tweets"] = [{"type": "replied_to", "id": str(parent)}]
    return out


class ArchiveReader:
    """Reads archives into lists of ``Post`` (up to ``batch`` at a time) and :class:`BadRecord` items."""

    def __init__(self, our_handles: dict[str, set[str]], retrieved_at: datetime, *, x_author: str | None = None,
                 batch: int = 5_000):
        self.retrieved_at = retrieved_at
        self.x_author = x_author.lstrip("@") if x_author else None
        self.batch = batch
        self._files = FilesCollector(SOURCE, [], our_handles=our_handles)
        self._x_ours = self._files.our_handles.get("x", set())
        self._r_ours = self._files.our_handles.get("reddit", set())

    def read(self, path: Path) -> Iterator[list[Post] | BadRecord]:
        try:
            fmt, compressed = archive_format(path)
        except ArchiveFormatError as exc:
            yield BadRecord(str(path), None, str(exc))
            return
        try:
            with open(path, "rb") as raw:
                if fmt == "parquet":
                    yield from self._parquet(path)
                elif fmt == "ndjson":
                    yield from self._ndjson(path, zstd_lines(raw) if compressed else raw)
                else:
                    data = b"".join(zstd_chunks(raw)) if compressed else raw.read()
                    if fmt == "csv":
                        yield from self._csv(path, io.StringIO(data.decode("utf-8-sig"), newline=""))
                    else:
                        yield from self._whole_json(path, data)
        except OSError as exc:
            yield BadRecord(str(path), None, f"unreadable: {exc}")
        except UnicodeDecodeError as exc:
            yield BadRecord(str(path), None, f"not UTF-8 text: {_short(exc)}")
        except TruncatedArchive as exc:
            yield BadRecord(str(path), None, str(exc))

    # -- JSON -----------------------------------------------------------------------------------

    def _posts_from(self, obj: Any) -> list[Post]:
        thing = pushshift_thing(obj)
        if thing is not None:
            post = thing_to_post(thing, SOURCE, self.retrieved_at, self._r_ours)
            return [post] if post is not None else []
        return self._files._posts_from_obj(obj, SOURCE, self.retrieved_at, self._x_ours, self._r_ours)

    def _ndjson(self, path: Path, lines: Iterable[bytes]) -> Iterator[list[Post] | BadRecord]:
        out: list[Post] = []
        number = 0
        try:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    out.extend(self._posts_from(json.loads(line)))
                except (ValueError, KeyError, TypeError, AttributeError, _Malformed) as exc:
                    yield BadRecord(str(path), number, _short(exc))
                    continue
                if len(out) >= self.batch:
                    yield out
                    out = []
        except TruncatedArchive as exc:  # the lines read before it are kept
            if out:
                yield out
            yield BadRecord(str(path), None, f"{exc}; {number:,} lines read")
            return
        if out:
            yield out

    def _whole_json(self, path: Path, data: bytes) -> Iterator[list[Post] | BadRecord]:
        ytd = _YTD.match(data)
        try:
            value = json.loads(data[ytd.end():] if ytd else data)
        except ValueError as exc:
            yield BadRecord(str(path), None, f"not JSON{' (truncated?)' if data else ''}: {_short(exc)}")
            return
        if ytd or (isinstance(value, list) and value and isinstance(value[0], dict) and "tweet" in value[0]):
            yield from self._x_archive(path, value)
            return
        items = value if isinstance(value, list) else [value]
        out: list[Post] = []
        for number, item in enumerate(items, start=1):
            try:
                out.extend(self._posts_from(item))
            except (ValueError, KeyError, TypeError, AttributeError, _Malformed) as exc:
                yield BadRecord(str(path), number, f"item {number}: {_short(exc)}")
        if out:
            yield out

    def _x_archive(self, path: Path, value: Any) -> Iterator[list[Post] | BadRecord]:
        owner = self._archive_owner(path)
        if owner is None:
            yield BadRecord(str(path), None, "X archive without account.js beside it: give its handle with "
                                            "--x-author HANDLE")
            return
        out: list[Post] = []
        for number, item in enumerate(value if isinstance(value, list) else [], start=1):
            try:
                tweet = item["tweet"] if isinstance(item, dict) and "tweet" in item else item
                out.append(_tweet_to_post(x_archive_tweet(tweet, owner), {}, SOURCE, self.retrieved_at,
                                          self._x_ours, {}, False))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                yield BadRecord(str(path), number, f"tweet {number}: {_short(exc)}")
        if out:
            yield out

    def _archive_owner(self, path: Path) -> dict | None:
        account = path.with_name("account.js")
        if account.is_file():
            data = account.read_bytes()
            ytd = _YTD.match(data)
            try:
                acc = json.loads(data[ytd.end():] if ytd else data)[0]["account"]
                return {"id": str(acc.get("accountId") or ""), "username": acc["username"],
                        "name": acc.get("accountDisplayName")}
            except (ValueError, KeyError, IndexError, TypeError):
                pass
        if self.x_author:
            return {"username": self.x_author}
        return None

    # -- tables ---------------------------------------------------------------------------------

    def _rows(self, path: Path, rows: Iterator[tuple[int, list[str]]], idx: dict[str, int]):
        out: list[Post] = []
        for number, row in rows:
            if isinstance(row, Exception):
                yield BadRecord(str(path), number, _short(row))
                continue
            if not row or all(not (c or "").strip() for c in row):
                continue
            try:
                out.append(self._files._csv_row_to_post(row, idx, SOURCE, self.retrieved_at))
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                yield BadRecord(str(path), number, _short(exc))
                continue
            if len(out) >= self.batch:
                yield out
                out = []
        if out:
            yield out

    def _header(self, path: Path, header: list[str]) -> dict[str, int] | BadRecord:
        header = [h.strip().lower() for h in header]
        missing = [c for c in CSV_REQUIRED if c not in header]
        if missing:
            return BadRecord(str(path), None, f"needs the columns {','.join(CSV_REQUIRED)} "
                                              f"(missing: {', '.join(missing)})")
        return {name: i for i, name in enumerate(header)}

    def _csv(self, path: Path, text: TextIO) -> Iterator[list[Post] | BadRecord]:
        reader = csv.reader(text)
        try:
            idx = self._header(path, next(reader, []))
        except (csv.Error, UnicodeDecodeError) as exc:
            yield BadRecord(str(path), 1, _short(exc))
            return
        if isinstance(idx, BadRecord):
            yield idx
            return

        def rows():
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # a broken quote: the record is skipped, the reader goes on
                    yield reader.line_num, exc
                    continue
                yield reader.line_num, row

        yield from self._rows(path, rows(), idx)

    def _parquet(self, path: Path) -> Iterator[list[Post] | BadRecord]:
        import pyarrow.parquet as pq

        try:
            file = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow.ArrowInvalid: not Parquet, or cut short
            yield BadRecord(str(path), None, f"not a readable Parquet file: {_short(exc)}")
            return
        idx = self._header(path, file.schema_arrow.names)
        if isinstance(idx, BadRecord):
            yield idx
            return

        def rows():
            number = 0
            for batch in file.iter_batches(batch_size=self.batch):
                columns = [[None if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))
                            for v in col.to_pylist()] for col in batch.columns]
                for row in zip(*columns):
                    number += 1
                    yield number, [v if v is not None else "" for v in row]

        try:
            yield from self._rows(path, rows(), idx)
        except OSError as exc:
            yield BadRecord(str(path), None, f"Parquet file cut short: {_short(exc)}")


def _short(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"
