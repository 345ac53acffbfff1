"""The files collector's columnar fast path stores exactly what the row path stores (collectors/columnar.py).

Every shape is written to disk, stored once with ``FilesCollector(columnar=True)`` and once with the
row path into two DuckDB files, and the stored rows are compared. ``raw`` may differ only in JSON
formatting, key order and absent-vs-null keys, so it is compared parsed, without nulls.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from collectors.base import Checkpoint, Post, PostsBatch
from collectors.files import FilesCollector
from jobs.collect import run_collector
from storage.db import Database

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"x": {"fernhillhq"}, "reddit": {"fernhill_team"}, "blog": {"fernhill team"}}
POST_COLUMNS = ("post_uid, platform, native_id, kind, url, title, text, created_at, author_uid, parent_uid, "
                "conversation_uid, parent_url, lang, mentions, source")
IDENTITY_COLUMNS = "identity_uid, platform, handle, display_name, native_id, url, followers, is_ours, first_seen, last_seen"


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def stored(db_path: Path, paths: list[Path], columnar: bool, state_from: Path | None = None, **kw) -> dict:
    """Run the collector through the real runner into ``db_path``; return what storage holds."""
    with Database.open(db_path) as db:
        collector = FilesCollector("files", paths, our_handles=OURS, columnar=columnar, **kw)
        run = run_collector(db, collector, source_type="files", our_handles=OURS, now=NOW)
        assert run.ok, run.error
        posts = db.con.execute(f"SELECT {POST_COLUMNS}, raw FROM posts ORDER BY post_uid").fetchall()
        return {
            "new": run.new_posts,
            "notes": run.notes,
            "posts": [row[:-1] for row in posts],
            "raw": [_without_nulls(json.loads(row[-1])) for row in posts],
            "identities": db.con.execute(f"SELECT {IDENTITY_COLUMNS} FROM identities ORDER BY identity_uid").fetchall(),
            "people": db.con.execute("SELECT person_id, name FROM people ORDER BY person_id").fetchall(),
            "state": json.loads(db.scalar("SELECT state FROM source_state WHERE source = 'files'")),
        }


def batches(paths: list[Path], **kw) -> tuple[int, int]:
    """(posts that came as PostsBatch rows, posts that came one by one) from the columnar collector."""
    items = list(FilesCollector("files", paths, our_handles=OURS, columnar=True, **kw).fetch({}))
    return (sum(len(i) for i in items if isinstance(i, PostsBatch)), sum(isinstance(i, Post) for i in items))


def assert_same(tmp_path: Path, paths: list[Path], same_checkpoints: bool = True, **kw) -> dict:
    """Both paths store the same rows. Identities are compared whole only when both paths commit at
    the same points: storage keeps each batch's latest name/count and sets ``first_seen`` from the
    first batch an author appears in (people's names too), so those depend on where checkpoints fall,
    on either path."""
    row = stored(tmp_path / "row.duckdb", paths, columnar=False, **kw)
    col = stored(tmp_path / "col.duckdb", paths, columnar=True, **kw)
    assert row["posts"], "the fixture stored nothing"
    for key in ("posts", "raw", "state", "notes", "new"):
        assert col[key] == row[key], key
    if same_checkpoints:
        assert col["identities"] == row["identities"] and col["people"] == row["people"]
    else:  # people are named after their identity as it was when first stored
        assert [i[:3] for i in col["identities"]] == [i[:3] for i in row["identities"]]
        assert [p[0] for p in col["people"]] == [p[0] for p in row["people"]]
    return col


def write_lines(path: Path, objects: list) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


# --- X API v2 pages ------------------------------------------------------------------------------

ALICE = {"id": "101", "username": "alice_ops", "name": "Alice", "public_metrics": {"followers_count": 120},
         "created_at": "2019-05-01T10:00:00Z"}  # a date-like string pyarrow would read as a timestamp
BOB = {"id": "102", "username": "BobData", "name": "Bob"}  # no public_metrics
NAMELESS = {"id": "103", "username": "", "name": "No Handle"}  # falls back to id:103


def tweet(i: int, author: str, text: str, **extra) -> dict:
    return {"id": str(2000 + i), "text": text, "author_id": author, "lang": "en",
            "created_at": f"2026-11-{1 + i % 9:02d}T10:00:0{i % 10}.{i % 1000:03d}Z",
            "conversation_id": str(2000 + i), **extra}


def x_pages() -> list[dict]:
    return [
        {"data": [
            tweet(1, "101", "hello @FernhillHQ and @bobdata",
                  entities={"mentions": [{"start": 6, "end": 17, "username": "FernhillHQ"},
                                         {"start": 22, "end": 30, "username": "bobdata"}]}),
            tweet(2, "102", "replying", referenced_tweets=[{"type": "quoted", "id": "1999"},
                                                           {"type": "replied_to", "id": "2001"}],
                  in_reply_to_user_id="101"),
            tweet(3, "999", "author suspended, not in includes"),
            tweet(4, "103", "empty username", conversation_id="2001"),
            {"id": "2005", "text": "", "author_id": "101", "created_at": "2026-11-05T08:00:00.000Z"},  # no lang
            tweet(6, "101", "same author, later", entities={"mentions": [{"start": 0, "end": 3, "username": ""}]}),
        ], "includes": {"users": [ALICE, BOB, NAMELESS], "tweets": [tweet(99, "101", "context only")]},
            "meta": {"result_count": 6}},
        {"data": [], "meta": {"result_count": 0}},  # an empty page
        {"data": [tweet(7, "102", "second page, newer bob", referenced_tweets=[{"type": "replied_to", "id": "2006"}])],
         "includes": {"users": [dict(BOB, name="Bob Renamed", public_metrics={"followers_count": 7})]}},
        {"data": [tweet(8, "101", "ref without id", referenced_tweets=[{"type": "replied_to"}])],
         "includes": {"users": [ALICE]}, "meta": {"result_count": 1}},
    ]


def test_x_pages_store_the_same_rows(tmp_path):
    f = write_lines(tmp_path / "x.jsonl", x_pages())
    assert batches([f]) == (8, 0)  # every tweet came through the fast path
    col = assert_same(tmp_path, [f])
    by_uid = {p[0]: p for p in col["posts"]}
    assert by_uid["x:2001"][3] == "mention" and by_uid["x:2001"][13] == ["fernhillhq", "bobdata"]
    assert by_uid["x:2002"][3] == "reply" and by_uid["x:2002"][9] == "x:2001"
    assert by_uid["x:2003"][8] == "x:id:999" and by_uid["x:2003"][4] == "https://x.com/i/web/status/2003"
    assert by_uid["x:2004"][8] == "x:id:103"
    assert by_uid["x:2008"][9] == "x:None"  # str(ref.get("id")), as the row path does


def test_a_chunk_of_empty_pages_maps_to_nothing(tmp_path):
    f = write_lines(tmp_path / "x.jsonl", [{"data": [], "meta": {"result_count": 0}}] * 2)
    items = list(FilesCollector("files", [f], columnar=True).fetch({}))
    assert [type(i) for i in items] == [Checkpoint] and items[0].note is None


# --- Reddit Listings -----------------------------------------------------------------------------

def thing(kind: str, ident: str, **data) -> dict:
    return {"kind": kind, "data": {"id": ident, "name": f"{kind}_{ident}", "subreddit": "analytics",
                                   "score": 1, "created_utc": 1763000000.0, **data}}


def reddit_listings() -> list[dict]:
    return [
        {"kind": "Listing", "data": {"after": "t3_b", "children": [
            thing("t3", "a", title="Dashboards?", selftext="ask u/fernhill_team and /u/Someone_Else",
                  author="priya", author_fullname="t2_priya", permalink="/r/analytics/comments/a/", url=""),
            thing("t3", "b", title="Link post", selftext="", author="[deleted]", url="https://example.com/x",
                  created_utc=1763000000.1234565),  # no permalink: url is the link; fraction rounds like CPython
            thing("t1", "c", body="[removed]", author="[deleted]", parent_id="t3_a", link_id="t3_a",
                  permalink="/r/analytics/comments/a/x/c/", replies=""),
            thing("t1", "d", body="a reply", author="tom", author_fullname="t2_tom", parent_id="t1_c",
                  link_id="t3_a", permalink="/r/analytics/comments/a/x/d/", replies=""),
            {"kind": "more", "data": {"id": "m1", "name": "t1_m1", "count": 3, "children": ["e", "f"],
                                      "parent_id": "t3_a"}},
            {"kind": "t2", "data": {"id": "acct", "name": "t2_acct"}},
        ]}},
        {"kind": "Listing", "data": {"after": None, "children": [
            {"kind": "t1", "data": {"id": "g", "body": None, "author": None, "parent_id": "t3_a", "link_id": "t3_a",
                                    "created": 1763000100}},  # no name, no created_utc, null body and author
            thing("t1", "h", body="late u/FERNHILL_TEAM", author="tom", author_fullname="t2_tom", parent_id="",
                  link_id="", created_utc=1763000500),
            thing("t3", "i", title="", author="", permalink="/r/analytics/comments/i/"),
        ]}},
        {"kind": "Listing", "data": {"after": None, "children": []}},
    ]


def test_reddit_listings_store_the_same_rows(tmp_path):
    f = write_lines(tmp_path / "reddit.jsonl", reddit_listings())
    assert batches([f]) == (7, 0)
    col = assert_same(tmp_path, [f])
    by_uid = {p[0]: p for p in col["posts"]}
    assert by_uid["reddit:t3_a"][13] == ["fernhill_team", "someone_else"]
    assert by_uid["reddit:t3_b"][4] == "https://example.com/x" and by_uid["reddit:t3_b"][8] == "reddit:[deleted]"
    assert by_uid["reddit:t3_b"][7].microsecond == 123456  # 0.1234565 s, rounded half to even
    assert by_uid["reddit:t1_c"][6] == "[removed]" and by_uid["reddit:t1_d"][3] == "reply"
    assert by_uid["reddit:t1_g"][6] == "" and by_uid["reddit:t1_h"][9] is None
    assert "reddit:t1_m1" not in by_uid


def test_nested_comment_trees_take_the_row_path(tmp_path):
    tree = thing("t1", "p", body="parent", author="a", parent_id="t3_a", link_id="t3_a",
                 replies={"kind": "Listing", "data": {"children": [
                     thing("t1", "q", body="child", author="b", parent_id="t1_p", link_id="t3_a", replies="")]}})
    f = write_lines(tmp_path / "tree.jsonl", [{"kind": "Listing", "data": {"children": [tree]}}])
    assert batches([f]) == (0, 2)
    assert_same(tmp_path, [f])


# --- CSV ---------------------------------------------------------------------------------------------

CSV = (
    "Platform, ID ,author,text,created_at,parent_id,kind,author_name,lang,extra\n"
    "x,1,@alice_ops,\"hey @FernhillHQ, @bob and @FernhillHQ again\",2026-11-01T10:00:00Z,,,Alice,en,zzz\n"
    "x,2,bob,\"multi\nline \"\"quoted\"\" reply\",1763000000,1,,,,\n"
    "reddit,t1_x,carol,see u/fernhill_team,1763000000.25,t3_y,,,\n"
    "reddit,t3_y,dave,plain post,2026-11-02 10:00:00 UTC,,,\n"
    "blog,https://b.example/p/1#c1,Fernhill Team@b.example,comment,2026-11-03T09:30+01:00,https://b.example/p/1\n"
    "blog,https://b.example/p/1,erin,the post,2026-11-03,,POST,Erin\n"
    "\n"
    "x,3,frank,  padded text  ,2026-11-04T11:22:33.5Z,,mention,,\n"
)


def test_csv_stores_the_same_rows(tmp_path):
    f = tmp_path / "posts.csv"
    f.write_text(CSV, encoding="utf-8")
    assert batches([f]) == (7, 0)
    col = assert_same(tmp_path, [f])
    by_uid = {p[0]: p for p in col["posts"]}
    assert by_uid["x:1"][3] == "mention" and by_uid["x:1"][13] == ["fernhillhq", "bob"]
    assert by_uid["x:2"][3] == "reply" and by_uid["x:2"][6] == 'multi\nline "quoted" reply'
    assert by_uid["reddit:t1_x"][3] == "comment" and by_uid["reddit:t1_x"][7].microsecond == 250000
    assert by_uid["blog:https://b.example/p/1"][3] == "post"
    assert by_uid["x:3"][6] == "  padded text  "


def test_csv_with_an_unreadable_time_takes_the_row_path_and_notes_it(tmp_path):
    f = tmp_path / "posts.csv"
    f.write_text("platform,id,author,text,created_at\nx,1,a,t,2026-11-01T10:00:00Z\nx,2,b,t,Feb 30 2026\n"
                 "x,3,c,t,2026-02-30T10:00:00Z\n", encoding="utf-8")
    assert batches([f]) == (0, 1)
    col = assert_same(tmp_path, [f])
    assert "2 malformed lines skipped (first at line 3" in col["notes"][0]


# --- falling back, resuming ----------------------------------------------------------------------


def test_a_malformed_line_sends_its_chunk_down_the_row_path_and_is_counted(tmp_path):
    pages = x_pages()
    f = tmp_path / "x.jsonl"
    f.write_text(json.dumps(pages[0]) + "\n" + '{"data": [oops' + " " * 80 + "\n" + json.dumps(pages[2]) + "\n"
                 + json.dumps(pages[2]) + " " + json.dumps(pages[3]) + "\n",  # two objects on one line
                 encoding="utf-8")
    assert batches([f]) == (0, 7)
    col = assert_same(tmp_path, [f])
    assert col["notes"] and col["notes"][0].startswith(f"{f}: 2 malformed lines skipped (first at line 2: ")
    # a chunk per line: only the chunks holding a bad line fall back
    assert batches([f], chunk_bytes=64) == (7, 0)
    (tmp_path / "small").mkdir()
    assert assert_same(tmp_path / "small", [f], chunk_bytes=64)["notes"] == col["notes"]


def test_appended_lines_are_read_incrementally_and_a_rerun_adds_nothing(tmp_path):
    f = tmp_path / "x.jsonl"
    pages = x_pages()
    write_lines(f, pages[:2])
    first = stored(tmp_path / "col.duckdb", [f], columnar=True)
    assert first["new"] == 6
    with open(f, "a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(p) + "\n" for p in pages[2:]))
        fh.write(json.dumps(pages[3])[:40])  # a line still being written
    second = stored(tmp_path / "col.duckdb", [f], columnar=True)
    assert second["new"] == 2
    assert second["state"]["files"][str(f)]["offset"] == f.stat().st_size - 40
    assert second["state"]["files"][str(f)]["line"] == 4
    rerun = stored(tmp_path / "col.duckdb", [f], columnar=True)
    assert rerun["new"] == 0
    # the same posts as reading the whole file in one go on the row path
    write_lines(tmp_path / "whole.jsonl", pages)
    whole = stored(tmp_path / "row.duckdb", [tmp_path / "whole.jsonl"], columnar=False)
    assert rerun["posts"] == whole["posts"] and rerun["raw"] == whole["raw"]
    assert [i[:8] for i in rerun["identities"]] == [i[:8] for i in whole["identities"]]


def test_checkpoints_follow_columnar_batches_and_never_run_ahead(tmp_path):
    f = write_lines(tmp_path / "x.jsonl", x_pages() * 3)  # repeated ids: storage keeps each post once
    items = list(FilesCollector("files", [f], our_handles=OURS, columnar=True, chunk_bytes=2000,
                                columnar_batch_size=5).fetch({}))
    assert any(isinstance(i, PostsBatch) for i in items)
    size = f.stat().st_size
    offsets = [i.state["files"][str(f)]["offset"] for i in items if isinstance(i, Checkpoint)]
    assert offsets == sorted(offsets) and offsets[-1] == size and len(offsets) > 2
    # each checkpoint covers exactly the complete lines yielded before it
    data = f.read_bytes()
    assert all(o == 0 or data[o - 1:o] == b"\n" for o in offsets)
    assert_same(tmp_path, [f], same_checkpoints=False, chunk_bytes=2000, columnar_batch_size=5)


@pytest.mark.parametrize("fmt,expected", [("x", (0, 0)), ("reddit", (7, 0))])
def test_platform_formats_keep_their_meaning(tmp_path, fmt, expected):
    f = write_lines(tmp_path / "reddit.jsonl", reddit_listings())
    assert batches([f], format=fmt) == expected
    if fmt == "reddit":
        assert_same(tmp_path, [f], format=fmt)
    else:  # a Reddit file read as X: every line is malformed, on either path
        col = stored(tmp_path / "col.duckdb", [f], columnar=True, format=fmt)
        row = stored(tmp_path / "row.duckdb", [f], columnar=False, format=fmt)
        assert col["notes"] == row["notes"] and "3 malformed lines" in col["notes"][0]


def test_times_the_fast_path_reads_are_read_as_python_reads_them():
    """Every time string the fast path accepts converts to the microsecond the row path's parser gives
    (epoch seconds rounded half to even, ISO-8601 with offsets); the rest are left to the row path."""
    import random
    from datetime import timedelta

    import pyarrow as pa

    from collectors.columnar import CSV_EPOCH_RE, CSV_ISO_RE, X_TIME_RE, _epoch_micros, _iso_micros, compute_connection
    from collectors.files import _parse_time
    from collectors.x_shapes import parse_x_time

    rng = random.Random(20261120)

    def iso() -> str:
        s = f"{rng.choice(['1000', '1970', '2026', '9999'])}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
        if rng.random() < 0.85:
            s += rng.choice("T ") + f"{rng.randint(0, 24):02d}:{rng.randint(0, 60):02d}"
            if rng.random() < 0.8:
                s += f":{rng.randint(0, 60):02d}"
                if rng.random() < 0.6:
                    s += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 6)))
            s += rng.choice(["", "Z", " UTC", f"+{rng.randint(0, 23):02d}:{rng.choice([0, 30])}0",
                             f"-{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"])
        return s

    def epoch() -> str:
        s = str(rng.randint(0, 99_999_999_999))
        if rng.random() < 0.7:
            s += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 9)))
        return s if rng.random() > 0.1 else f"{rng.randint(0, 2_000_000_000)}.{rng.randint(0, 999_999):06d}5"

    values = [iso() for _ in range(3000)] + [epoch() for _ in range(3000)]
    con = compute_connection()
    con.register("v", pa.table({"i": range(len(values)), "created": values}))
    got = con.sql(f"""
        SELECT CASE WHEN regexp_full_match(created, '{CSV_EPOCH_RE}') THEN {_epoch_micros('created::DOUBLE')}
                    WHEN regexp_full_match(created, '{CSV_ISO_RE}')
                    THEN {_iso_micros("replace(created, ' UTC', '+00:00')")} END,
               CASE WHEN regexp_full_match(created, '{X_TIME_RE}') THEN {_iso_micros('created')} END
        FROM v ORDER BY i""").fetchall()
    con.close()

    def micros(parse, value):
        try:
            return (parse(value) - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
        except (ValueError, OverflowError):
            return None

    csv_checked = [(v, us) for v, (us, _) in zip(values, got) if us is not None]
    x_checked = [(v, us) for v, (_, us) in zip(values, got) if us is not None]
    assert len(csv_checked) > 4000 and len(x_checked) > 50
    assert [(v, micros(_parse_time, v)) for v, _ in csv_checked] == csv_checked
    assert [(v, micros(parse_x_time, v)) for v, _ in x_checked] == x_checked


def test_rows_come_back_in_file_order_even_if_the_engine_reorders_them():
    import pyarrow as pa

    from collectors.columnar import _in_order

    shuffled = pa.table({"ord": [2, 0, 3, 1], "v": ["c", "a", "d", "b"]})
    assert _in_order(shuffled).column("v").to_pylist() == ["a", "b", "c", "d"]
    ordered = pa.table({"ord": [0, 1, 2], "v": ["a", "b", "c"]})
    assert _in_order(ordered) is ordered
