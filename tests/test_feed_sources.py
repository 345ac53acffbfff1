"""Feeds through the whole `run --once`: conditional GET, and one bad source never stops the others."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from listenwell.cli import main
from tests.conftest import minimal_config, write_config
from tests.httpserver import LocalHTTPServer

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Client blog</title><link>{base}/</link>
<item><title>We launched!</title><link>{base}/launch</link><guid isPermaLink="false">{base}/?p=1</guid>
  <dc:creator>Ana Souza</dc:creator><pubDate>Thu, 19 Nov 2026 09:00:00 +0000</pubDate>
  <description><![CDATA[<p>We just launched Tidewater. <script>alert(1)</script>Thanks @fernhillhq!</p>]]></description>
  <wfw:commentRss>{base}/launch/feed</wfw:commentRss></item>
<item><title>Notes</title><link>{base}/notes</link><guid isPermaLink="false">{base}/?p=2</guid>
  <dc:creator>Ana Souza</dc:creator><pubDate>Wed, 18 Nov 2026 09:00:00 +0000</pubDate>
  <description>Some notes on dashboards.</description></item>
</channel></rss>"""

COMMENTS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Comments</title><link>{base}/launch</link>
<item><title>By: Bob</title><link>{base}/launch#comment-1</link><guid isPermaLink="false">{base}/?c=1</guid>
  <dc:creator>Bob</dc:creator><pubDate>Thu, 19 Nov 2026 10:00:00 +0000</pubDate>
  <description>Congrats! How does it compare to Looker?</description></item>
</channel></rss>"""


@pytest.fixture
def server():
    with LocalHTTPServer() as srv:
        base = srv.url("").rstrip("/")
        srv.route("/feed", body=RSS.format(base=base).encode(), headers={"Content-Type": "application/rss+xml"},
                  etag='"v1"', last_modified="Thu, 19 Nov 2026 12:00:00 GMT")
        srv.route("/launch/feed", body=COMMENTS.format(base=base).encode(),
                  headers={"Content-Type": "application/rss+xml"}, etag='"c1"')
        srv.route("/broken", body=b"<html><body>Oops, this is not a feed", headers={"Content-Type": "text/html"})
        srv.route("/slow", body=RSS.format(base=base).encode(), delay=3.0)
        yield srv


def run_json(config: Path) -> dict:
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once", "--json", "--no-digest"])
    data = json.loads(result.output[result.output.index("{"):])
    assert result.exit_code == (3 if data["sources_failed"] else 0), result.output  # 3: a source failed
    return data


def stats(config: Path) -> dict:
    result = CliRunner().invoke(main, ["--config", str(config), "stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_feed_then_304_and_bad_sources_recorded_while_others_succeed(tmp_path: Path, server: LocalHTTPServer):
    config = write_config(tmp_path, minimal_config(sources=[
        {"name": "client-blog", "type": "feed", "url": server.url("/feed")},
        {"name": "broken-blog", "type": "feed", "url": server.url("/broken")},
        {"name": "slow-blog", "type": "feed", "url": server.url("/slow"), "timeout_seconds": 0.5},
    ]))
    first = run_json(config)
    by_source = {s["source"]: s for s in first["sources"]}
    assert by_source["client-blog"]["error"] is None
    assert by_source["client-blog"]["new_posts"] == 3  # two posts and one comment
    assert "malformed" in by_source["broken-blog"]["error"] or "not a feed" in by_source["broken-blog"]["error"]
    assert "slow" in by_source["slow-blog"]["error"] or "timed out" in by_source["slow-blog"]["error"].lower()
    assert stats(config)["posts"] == 3

    second = run_json(config)
    assert second["new_posts"] == 0
    assert stats(config)["posts"] == 3
    conditional = server.requests_for("/feed")[-1]
    assert conditional.header("If-None-Match") == '"v1"'

    result = CliRunner().invoke(main, ["--config", str(config), "sources", "--json"])
    sources = {s["source"]: s for s in json.loads(result.output)}
    assert sources["client-blog"]["last_success"] and not sources["client-blog"]["last_error"]
    assert sources["broken-blog"]["last_error"] and not sources["broken-blog"]["last_success"]
    assert sources["client-blog"]["cursor"]["http"]


def test_comment_is_linked_to_its_post_and_script_is_gone(tmp_path: Path, server: LocalHTTPServer):
    from listenwell.config import load_config
    from storage.db import Database

    config_path = write_config(tmp_path, minimal_config(sources=[
        {"name": "client-blog", "type": "feed", "url": server.url("/feed")}]))
    run_json(config_path)
    config = load_config(config_path)
    with Database.open(config.db_path, read_only=True) as db:
        comment = db.rows("SELECT * FROM posts WHERE kind = 'comment'")[0]
        parent = db.rows("SELECT * FROM posts WHERE post_uid = ?", [comment["parent_uid"]])[0]
        assert parent["title"] == "We launched!"
        assert "alert(1)" not in parent["text"] and "<script" not in parent["text"]
        # the launch post mentions us, so it is addressed to us
        assert db.scalar("SELECT addressed_to_us FROM tags WHERE post_uid = ?", [parent["post_uid"]])
