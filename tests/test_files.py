"""FilesCollector: JSONL/CSV exports, checkpoints, resume, malformed lines (collectors/files.py)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from collectors.base import Checkpoint, Post, SourceError
from collectors.files import FilesCollector

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data" / "files"
OURS = {"x": {"fernhillhq"}, "reddit": {"fernhill_team"}}


def tweet_line(i: int, text: str | None = None) -> str:
    return json.dumps({
        "id": str(1000 + i), "text": text or f"tweet {i} about dashboards", "author_id": "101",
        "author": {"id": "101", "username": "alice_ops", "name": "Alice"},
        "created_at": f"2026-11-0{1 + i % 9}T10:00:00.000Z", "conversation_id": str(1000 + i), "lang": "en",
    }) + "\n"


def run(collector: FilesCollector, state: dict | None = None):
    items = list(collector.fetch(state or {}))
    posts = [i for i in items if isinstance(i, Post)]
    cps = [i for i in items if isinstance(i, Checkpoint)]
    return items, posts, cps


def test_fixture_files_parse():
    c = FilesCollector("fixtures", [DATA / "x_page.jsonl", DATA / "reddit.jsonl", DATA / "posts.csv"], our_handles=OURS)
    items, posts, cps = run(c)
    assert [cp.note for cp in cps] == [None, None, None]
    by_id = {p.uid: p for p in posts}
    # X page: 2 tweets; includes.tweets are context only
    assert by_id["x:1900000000000000002"].kind == "mention"
    assert by_id["x:1900000000000000003"].kind == "reply"
    assert by_id["x:1900000000000000003"].parent_id == "1900000000000000001"
    assert "x:1900000000000000001" not in by_id
    # Reddit: a Listing line, a bare t1 line, and the [post listing, comment listing] array of /comments/<id>.json
    assert by_id["reddit:t3_q1"].kind == "post"
    assert by_id["reddit:t1_q2"].kind == "comment" and by_id["reddit:t1_q2"].mentions == ["fernhill_team"]
    assert by_id["reddit:t1_q3"].kind == "reply"
    assert by_id["reddit:t3_q9"].title == "Thread fetched with comments"
    assert by_id["reddit:t1_q10"].conversation_id == "t3_q9"
    # CSV
    blog = by_id["blog:https://blog.fernhill.example/p/1#comment-7"]
    assert blog.kind == "comment" and blog.parent_id == "https://blog.fernhill.example/p/1"
    assert blog.text == 'Multi-line,\n"quoted" comment'
    assert blog.author.handle == "Tom Reyes" and blog.author.display_name is None
    tw = by_id["x:555"]
    assert tw.kind == "mention" and tw.mentions == ["fernhillhq"] and tw.author.handle == "alice_ops"
    assert tw.created_at.isoformat() == "2026-11-19T11:22:00+00:00"
    assert tw.author.display_name == "Alice" and tw.lang == "en"
    rd = by_id["reddit:t1_zz"]
    assert rd.created_at.isoformat() == "2026-11-18T09:10:00+00:00"  # epoch seconds accepted
    assert rd.kind == "comment"
    assert len(posts) == 2 + 6 + 3
    json.dumps(cps[-1].state)  # state is JSON-serialisable


def test_checkpoint_every_batch_and_resume(tmp_path):
    f = tmp_path / "tweets.jsonl"
    f.write_text("".join(tweet_line(i) for i in range(25)))
    c = FilesCollector("t", [f], batch_size=10)
    items, posts, cps = run(c)
    assert len(posts) == 25
    assert len(cps) == 3  # after 10, after 20, end of file
    kinds = ["P" if isinstance(i, Post) else "C" for i in items]
    assert "".join(kinds) == "P" * 10 + "C" + "P" * 10 + "C" + "P" * 5 + "C"
    lines = f.read_bytes().splitlines(keepends=True)
    assert cps[0].state["files"][str(f)]["offset"] == sum(len(x) for x in lines[:10])
    assert cps[1].state["files"][str(f)]["line"] == 20
    final = cps[-1].state
    assert final["files"][str(f)]["offset"] == f.stat().st_size == final["files"][str(f)]["size"]
    assert final["files"][str(f)]["mtime_ns"] == f.stat().st_mtime_ns
    assert cps[0].state is not cps[1].state and cps[0].state["files"] is not final["files"]

    # resume from the final state: nothing new
    assert run(c, final)[1] == []
    # resume from a mid-file checkpoint: exactly the rest
    _, rest, _ = run(c, cps[0].state)
    assert [p.native_id for p in rest] == [str(1000 + i) for i in range(10, 25)]


def test_appended_lines_are_picked_up(tmp_path):
    f = tmp_path / "tweets.jsonl"
    f.write_text("".join(tweet_line(i) for i in range(5)))
    c = FilesCollector("t", [f])
    state = run(c)[2][-1].state
    with open(f, "a") as fh:
        fh.write("".join(tweet_line(i) for i in range(5, 8)))
    _, posts, cps = run(c, state)
    assert [p.native_id for p in posts] == ["1005", "1006", "1007"]
    assert cps[-1].state["files"][str(f)]["line"] == 8


def test_incomplete_last_line_waits_for_the_writer(tmp_path):
    f = tmp_path / "tweets.jsonl"
    full = tweet_line(1)
    f.write_text(tweet_line(0) + full[:30])  # second line still being written
    c = FilesCollector("t", [f])
    _, posts, cps = run(c)
    assert [p.native_id for p in posts] == ["1000"] and cps[-1].note is None
    with open(f, "a") as fh:
        fh.write(full[30:])
    _, posts, _ = run(c, cps[-1].state)
    assert [p.native_id for p in posts] == ["1001"]


def test_shrunk_or_replaced_file_starts_over(tmp_path):
    f = tmp_path / "tweets.jsonl"
    f.write_text("".join(tweet_line(i) for i in range(6)))
    c = FilesCollector("t", [f])
    state = run(c)[2][-1].state
    f.write_text(tweet_line(0))  # shrank
    _, posts, cps = run(c, state)
    assert [p.native_id for p in posts] == ["1000"]
    assert "read again from the start" in cps[-1].note
    state = cps[-1].state
    f.write_text("".join(tweet_line(i, f"replaced {i}") for i in range(50, 53)))  # replaced, bigger
    _, posts, _ = run(c, state)
    assert [p.native_id for p in posts] == ["1050", "1051", "1052"]


def test_malformed_lines_are_counted_and_noted(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(tweet_line(0) + tweet_line(1) + '{"id": "1", "text": oops}\n' + tweet_line(2)
                 + '{"hello": "world"}\n' + "\n" + tweet_line(3))
    c = FilesCollector("t", [f])
    _, posts, cps = run(c)
    assert [p.native_id for p in posts] == ["1000", "1001", "1002", "1003"]
    assert len(cps) == 1
    note = cps[0].note
    assert note.startswith(f"{f}: 2 malformed lines skipped (first at line 3: ")
    assert "Expecting value" in note
    assert cps[0].state["files"][str(f)]["offset"] == f.stat().st_size
    # a tweet missing created_at is malformed too, not a crash
    g = tmp_path / "b.jsonl"
    g.write_text(json.dumps({"id": "9", "text": "t", "author_id": "1"}) + "\n")
    _, posts, cps = run(FilesCollector("t", [g]))
    assert posts == [] and "1 malformed line skipped (first at line 1" in cps[0].note


def test_missing_file_raises_after_reading_the_others(tmp_path):
    f = tmp_path / "ok.jsonl"
    f.write_text(tweet_line(0))
    missing = tmp_path / "nope.jsonl"
    c = FilesCollector("t", [missing, f])
    seen = []
    with pytest.raises(SourceError) as err:
        for item in c.fetch({}):
            seen.append(item)
    assert str(missing) in str(err.value) and "config.yaml" in str(err.value)
    assert [type(i).__name__ for i in seen] == ["Post", "Checkpoint"]


def test_csv_header_and_bad_rows(tmp_path):
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("platform,id,text\nx,1,hi\n")
    with pytest.raises(SourceError, match="platform,id,author,text,created_at"):
        list(FilesCollector("t", [bad_header]).fetch({}))
    f = tmp_path / "p.csv"
    f.write_text("platform,id,author,text,created_at\n"
                 "x,1,alice,hello,2026-11-01T10:00:00Z\n"
                 "myspace,2,bob,hi,2026-11-01T10:00:00Z\n"
                 "x,3,carol,hi,not a date\n"
                 "x,4,dave,\"hey @FernhillHQ\",2026-11-02 10:00:00\n")
    c = FilesCollector("t", [f], our_handles={"x": {"FernhillHQ"}}, batch_size=1)
    _, posts, cps = run(c)
    assert [p.native_id for p in posts] == ["1", "4"]
    assert posts[1].kind == "mention"
    assert "2 malformed lines skipped (first at line 3: unknown platform" in cps[-1].note
    with open(f, "a") as fh:
        fh.write("reddit,t1_x,eve,\"new\nline\",1763000000\n")
    _, posts, _ = run(c, cps[-1].state)
    assert [p.native_id for p in posts] == ["t1_x"] and posts[0].text == "new\nline"


def test_directory_paths_expand(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jsonl").write_text(tweet_line(0))
    (tmp_path / "b.csv").write_text("platform,id,author,text,created_at\nx,9,z,t,2026-11-01T00:00:00Z\n")
    (tmp_path / "notes.txt").write_text("ignored")
    _, posts, cps = run(FilesCollector("t", [tmp_path]))
    assert sorted(p.native_id for p in posts) == ["1000", "9"]
    assert len(cps) == 2


# --- the bundled sample data --------------------------------------------------------------------

def test_bundled_examples_parse_cleanly():
    c = FilesCollector("examples", [EXAMPLES / "x", EXAMPLES / "reddit"], our_handles=OURS, batch_size=100)
    _, posts, cps = run(c)
    assert [cp.note for cp in cps if cp.note] == []  # zero malformed lines
    unique = {p.uid: p for p in posts}
    x = [p for p in unique.values() if p.platform == "x"]
    reddit = [p for p in unique.values() if p.platform == "reddit"]
    # 294 tweets in the original streams + 17 from the brand search (examples/x/brand_search.jsonl)
    assert len(x) == 311 and sum(p.platform == "x" for p in posts) == 342
    assert Counter(p.kind for p in x) == {"post": 197, "reply": 75, "mention": 39}
    assert len(reddit) == 111
    assert Counter(p.kind for p in reddit) == {"post": 22, "comment": 63, "reply": 26}
    assert all(p.created_at.year == 2026 and (9, 21) <= (p.created_at.month, p.created_at.day) <= (11, 20)
               for p in unique.values())
    texts = {p.text: p for p in x}
    job = next(p for p in x if p.text.startswith("Thrilled to share I've joined Acme Freight"))
    assert job.author.handle == "priyaraman_ops" and job.created_at.isoformat() == "2026-11-03T09:12:00+00:00"
    sofia = next(p for p in x if "third failed scheduled export" in p.text)
    assert sofia.kind == "mention" and sofia.author.handle == "sofialindqvist"
    assert any(p.author.handle.startswith("id:") for p in x)  # suspended author tolerated
    assert any("<script>alert(1)</script>" in t and "<img src=x onerror=alert(1)>" in t for t in texts)
    ours = [p for p in x if p.author.handle == "fernhillhq"]
    assert ours and sum(p.kind == "reply" for p in ours) >= 10
    assert any(p.author.handle == "[deleted]" and p.text == "[removed]" for p in reddit)
    assert any(p.author.handle == "[deleted]" and p.text != "[removed]" for p in reddit)
    assert {p.lang for p in x} >= {"en", "ja", "pt", "de", "es"}
    # Grace went quiet after 4 October
    grace = [p for p in unique.values() if p.author.handle in ("gracewhitfield", "gwhitfield")]
    assert len(grace) >= 10 and max(p.created_at for p in grace).isoformat() == "2026-10-04T09:10:00+00:00"


def test_bundled_blog_and_config_files_exist():
    import xml.etree.ElementTree as ET

    import yaml

    for rel in ("blogs/fernhill/feed.xml", "blogs/tidewater/feed.xml", "blogs/dqweekly/feed.xml"):
        ET.parse(EXAMPLES / rel)
    wp = ET.parse(EXAMPLES / "blogs/fernhill/feed.xml").getroot()
    rels = [e.text for e in wp.iter("{http://wellformedweb.org/CommentAPI/}commentRss")]
    assert len(rels) == 5 and all(r.startswith("comments/") for r in rels)
    for r in rels:
        ET.parse(EXAMPLES / "blogs/fernhill" / r)
    cfg = yaml.safe_load((EXAMPLES / "key_clients.yaml").read_text())
    assert cfg["me"]["handles"] == {"x": ["fernhillhq"], "reddit": ["fernhill_team"], "blog": ["Fernhill Team"]}
    assert 6 <= len(cfg["key_clients"]) <= 10 and 5 <= len(cfg["topics"]) <= 8
    assert all({"keywords", "phrases", "hashtags"} <= set(t) for t in cfg["topics"].values())


def test_many_pages_stream_to_the_exact_count(tmp_path):
    """Throughput is measured in bench/ (never asserted in a test); here only that every tweet comes through."""
    page = json.loads((EXAMPLES / "x" / "search.jsonl").read_text().splitlines()[0])
    f = tmp_path / "big.jsonl"
    with open(f, "w") as fh:
        for i in range(500):
            p = dict(page)
            p["data"] = [dict(t, id=str(int(t["id"]) + i)) for t in page["data"]]
            fh.write(json.dumps(p) + "\n")
    c = FilesCollector("bench", [f], our_handles=OURS)
    ids = [i.native_id for i in c.fetch({}) if isinstance(i, Post)]
    assert len(ids) == 500 * len(page["data"])


def test_platform_formats_restrict_detection(tmp_path):
    f = tmp_path / "mixed.jsonl"
    f.write_text(tweet_line(0) + (DATA / "reddit.jsonl").read_text())
    _, posts, cps = run(FilesCollector("t", [f], format="x"))
    assert [p.platform for p in posts] == ["x"] and "3 malformed lines" in cps[-1].note
    assert "not an X page or tweet" in cps[-1].note
    _, posts, cps = run(FilesCollector("t", [f], format="reddit"))
    assert {p.platform for p in posts} == {"reddit"} and "1 malformed line skipped" in cps[-1].note
    with pytest.raises(ValueError):
        FilesCollector("t", [f], format="xml")
