"""FeedCollector against a local HTTP server (127.0.0.1 only) and local files."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from collectors.base import Checkpoint, Post, RateLimited, SourceError, content_hash
from collectors.feeds import FeedCollector, canonical_url

try:
    from tests.httpserver import LocalHTTPServer
except ImportError:  # pragma: no cover - depends on how pytest puts tests/ on sys.path
    from httpserver import LocalHTTPServer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}
ATOM = {"Content-Type": "application/atom+xml; charset=UTF-8"}
ETAG = '"feed-v1"'
LAST_MOD = "Wed, 18 Nov 2026 09:30:00 GMT"


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def server():
    with LocalHTTPServer() as srv:
        yield srv


@pytest.fixture
def other_server():
    """A second host: anything a feed points at here must never be requested."""
    with LocalHTTPServer() as srv:
        yield srv


@pytest.fixture
def session():
    s = requests.Session()
    s.trust_env = False  # no proxies from the environment: talk to 127.0.0.1 directly
    yield s
    s.close()


def make(server_or_url, session, **kw) -> FeedCollector:
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.url("/feed/")
    kw.setdefault("timeout", 2.0)
    return FeedCollector("blog-test", url, session=session, now=lambda: NOW, **kw)


def run(collector, state=None):
    items = list(collector.fetch(state or {}))
    posts = [i for i in items if isinstance(i, Post)]
    checkpoints = [i for i in items if isinstance(i, Checkpoint)]
    assert items and isinstance(items[-1], Checkpoint), "fetch must end with a checkpoint"
    return items, posts, checkpoints


def notes(checkpoints) -> str:
    return " | ".join(c.note for c in checkpoints if c.note)


# --- feed bodies ----------------------------------------------------------------------------------


def wp_item(base, slug, pid, title, date, author="Jane Doe", comment_rss=None, body="<p>Body</p>"):
    crss = f"<wfw:commentRss>{comment_rss}</wfw:commentRss>" if comment_rss else ""
    return f"""
    <item>
      <title>{title}</title>
      <link>{base}/2026/11/{slug}/</link>
      <comments>{base}/2026/11/{slug}/#comments</comments>
      <dc:creator><![CDATA[{author}]]></dc:creator>
      <pubDate>{date}</pubDate>
      <category><![CDATA[news]]></category>
      <guid isPermaLink="false">{base}/?p={pid}</guid>
      <description><![CDATA[summary of {title}]]></description>
      <content:encoded><![CDATA[{body}]]></content:encoded>
      {crss}
    </item>"""


def wp_feed(base, items, title="Example Blog"):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel><title>{title}</title><link>{base}/</link><description>d</description>
  {''.join(items)}
  </channel></rss>"""


def wp_comment(base, post_slug, pid, cid, author, text, date="Thu, 19 Nov 2026 10:00:00 +0000"):
    return f"""
    <item>
      <title>By: {author}</title>
      <link>{base}/2026/11/{post_slug}/#comment-{cid}</link>
      <dc:creator><![CDATA[{author}]]></dc:creator>
      <pubDate>{date}</pubDate>
      <guid isPermaLink="false">{base}/?p={pid}#comment-{cid}</guid>
      <description><![CDATA[{text}]]></description>
      <content:encoded><![CDATA[<p>{text}</p>]]></content:encoded>
    </item>"""


SCRIPT_BODY = '<p>First paragraph with <b>bold</b>.</p><script>alert("pwned")</script><p>Second &amp; last.</p>'


def wordpress_site(server, *, etag=None, last_modified=None, comments_etag=None):
    base = server.base_url
    feed = wp_feed(
        base,
        [
            wp_item(base, "hello", 101, "Hello listeners", "Wed, 18 Nov 2026 09:30:00 +0000",
                    comment_rss=f"{base}/2026/11/hello/feed/", body=SCRIPT_BODY),
            # relative comment feed link: resolved against the feed URL
            wp_item(base, "second", 102, "Second post", "Tue, 10 Nov 2026 08:00:00 +0000",
                    author="Bob Smith", comment_rss="/2026/11/second/feed/"),
            # too old for comment polling (> 45 days)
            wp_item(base, "old", 90, "Old post", "Sat, 01 Aug 2026 08:00:00 +0000",
                    comment_rss=f"{base}/2026/08/old/feed/"),
        ],
    )
    server.route("/feed/", feed, headers=RSS, etag=etag, last_modified=last_modified)
    server.route(
        "/2026/11/hello/feed/",
        wp_feed(base, [wp_comment(base, "hello", 101, 5, "Carol", "Great post!"),
                       wp_comment(base, "hello", 101, 6, "Jane Doe", "Thanks Carol")],
                title="Comments on: Hello listeners"),
        headers=RSS,
        etag=comments_etag,
    )
    server.route(
        "/2026/11/second/feed/",
        wp_feed(base, [wp_comment(base, "second", 102, 9, "Dave", "Interesting")], title="Comments on: Second"),
        headers=RSS,
        etag=comments_etag,
    )
    server.route("/2026/08/old/feed/", wp_feed(base, [wp_comment(base, "old", 90, 1, "Eve", "late")]), headers=RSS)


# --- the happy path -------------------------------------------------------------------------------


def test_wordpress_posts_and_wfw_comment_threads(server, session):
    wordpress_site(server, etag=ETAG, last_modified=LAST_MOD)
    items, posts, checkpoints = run(make(server, session, our_authors={"JANE DOE"}))
    base = server.base_url

    by_id = {p.native_id: p for p in posts}
    hello, second = by_id[f"{base}/?p=101"], by_id[f"{base}/?p=102"]
    assert {p.kind for p in posts if p.native_id.endswith(("=101", "=102", "=90"))} == {"post"}
    assert hello.platform == "blog" and hello.source == "blog-test"
    assert hello.title == "Hello listeners"
    assert hello.url == f"{base}/2026/11/hello/"
    assert hello.created_at == datetime(2026, 11, 18, 9, 30, tzinfo=timezone.utc)
    assert hello.retrieved_at == NOW
    assert hello.text == "First paragraph with bold.\nSecond & last."
    assert "alert" not in hello.text and "pwned" not in hello.text
    assert hello.author.handle == "jane doe@127.0.0.1"
    assert hello.author.display_name == "Jane Doe"
    assert second.author.handle == "bob smith@127.0.0.1"
    assert hello.raw["our_author"] is True and second.raw["our_author"] is False
    assert hello.raw["tags"] == ["news"] and hello.raw["published"].startswith("2026-11-18T09:30")
    for item in items:  # everything must be storable as JSON
        json.dumps(item.raw if isinstance(item, Post) else item.state)

    comments = [p for p in posts if p.kind == "comment"]
    assert {(c.author.handle, c.parent_id) for c in comments} == {
        ("carol@127.0.0.1", hello.native_id),
        ("jane doe@127.0.0.1", hello.native_id),
        ("dave@127.0.0.1", second.native_id),
    }
    for c in comments:
        assert c.conversation_id == c.parent_id
        assert c.parent_url == canonical_url(by_id[c.parent_id].url)
        assert c.native_id.startswith(f"{base}/?p=") and "#comment-" in c.native_id
    carol = next(c for c in comments if c.author.handle.startswith("carol"))
    assert carol.text == "Great post!" and carol.url == f"{base}/2026/11/hello/#comment-5"

    # the old post's comment feed is outside comments_max_age_days: not requested
    assert server.requests_for("/2026/08/old/feed/") == []
    assert server.requests_for("/2026/11/second/feed/"), "relative wfw:commentRss must be followed"
    assert server.requests_for("/feed/")[0].header("User-Agent").startswith("listenwell/")


def test_checkpoints_follow_the_data_they_cover(server, session):
    wordpress_site(server, etag=ETAG, last_modified=LAST_MOD, comments_etag='"c1"')
    items, posts, checkpoints = run(make(server, session))
    feed_url = server.url("/feed/")
    first_cp = next(i for i, it in enumerate(items) if isinstance(it, Checkpoint))
    # the feed's entries come first, then the checkpoint that records the feed's validators
    assert all(isinstance(it, Post) and it.kind == "post" for it in items[:first_cp])
    assert len(items[:first_cp]) == 3
    state = items[first_cp].state
    assert state["http"][feed_url]["etag"] == ETAG
    assert state["http"][feed_url]["last_modified"] == LAST_MOD
    # comment feed validators are not in the first checkpoint: their comments are not stored yet
    assert server.url("/2026/11/hello/feed/") not in state["http"]
    # each comment feed's comments are followed by a checkpoint carrying its validator
    hello_cp = next(c for c in checkpoints if server.url("/2026/11/hello/feed/") in c.state["http"])
    idx = items.index(hello_cp)
    assert [p.author.handle.split("@")[0] for p in items[first_cp + 1:idx]] == ["carol", "jane doe"]
    final = checkpoints[-1].state
    assert set(final) == {"http", "seen", "threads"}
    assert len(final["seen"]) == 6
    assert final["threads"][f"{server.base_url}/?p=101"]["replies"] == server.url("/2026/11/hello/feed/")


def test_second_fetch_is_conditional_and_304_yields_nothing(server, session):
    wordpress_site(server, etag=ETAG, last_modified=LAST_MOD, comments_etag='"c1"')
    collector = make(server, session)
    _, posts1, cps1 = run(collector)
    assert len(posts1) == 6
    state = cps1[-1].state
    server.requests.clear()

    _, posts2, cps2 = run(collector, state)
    assert posts2 == []
    feed_req = server.requests_for("/feed/")[-1]
    assert feed_req.header("If-None-Match") == ETAG
    assert feed_req.header("If-Modified-Since") == LAST_MOD
    hello_req = server.requests_for("/2026/11/hello/feed/")[-1]
    assert hello_req.header("If-None-Match") == '"c1"'
    final = cps2[-1].state
    assert final["http"][server.url("/feed/")]["etag"] == ETAG  # unchanged validators
    assert final["http"][server.url("/feed/")]["last_modified"] == LAST_MOD
    assert final["seen"] == state["seen"]


def test_comment_threads_are_still_polled_when_the_feed_is_not_modified(server, session):
    wordpress_site(server, etag=ETAG, last_modified=LAST_MOD)
    collector = make(server, session)
    _, _, cps1 = run(collector)
    base = server.base_url
    server.route(
        "/2026/11/hello/feed/",
        wp_feed(base, [wp_comment(base, "hello", 101, 5, "Carol", "Great post!"),
                       wp_comment(base, "hello", 101, 6, "Jane Doe", "Thanks Carol"),
                       wp_comment(base, "hello", 101, 8, "Frank", "New here")]),
        headers=RSS,
    )
    _, posts2, _ = run(collector, cps1[-1].state)
    assert [(p.author.handle, p.kind, p.parent_id) for p in posts2] == [("frank@127.0.0.1", "comment", f"{base}/?p=101")]


def test_seen_ids_skip_entries_when_the_server_ignores_validators(server, session):
    wordpress_site(server)  # no ETag / Last-Modified: always 200
    collector = make(server, session)
    _, posts1, cps1 = run(collector)
    _, posts2, cps2 = run(collector, cps1[-1].state)
    assert len(posts1) == 6 and posts2 == []


def test_blogger_atom_replies_links(server, other_server, session):
    base = server.base_url
    post_id = "tag:blogger.com,1999:blog-42.post-7"
    feed = f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'>
  <id>tag:blogger.com,1999:blog-42</id><title>Atom blog</title><updated>2026-11-18T10:00:00Z</updated>
  <link rel='alternate' type='text/html' href='{base}/'/>
  <entry>
    <id>{post_id}</id><published>2026-11-17T08:00:00Z</published><updated>2026-11-17T09:00:00Z</updated>
    <title>Atom post</title><content type='html'>&lt;p&gt;Hello from Blogger&lt;/p&gt;</content>
    <link rel='replies' type='application/atom+xml' href='/feeds/7/comments/default' title='Post Comments'/>
    <link rel='replies' type='text/html' href='{base}/2026/11/atom-post.html#comment-form'/>
    <link rel='alternate' type='text/html' href='{base}/2026/11/atom-post.html'/>
    <author><name>Alice</name><uri>https://www.blogger.com/profile/1</uri></author>
  </entry>
  <entry>
    <id>tag:blogger.com,1999:blog-42.post-8</id><published>2026-11-16T08:00:00Z</published>
    <title>Hijacked</title><content type='html'>x</content>
    <link rel='replies' type='application/atom+xml' href='http://localhost:{other_server.port}/feeds/8/comments/default'/>
    <link rel='alternate' type='text/html' href='{base}/2026/11/hijacked.html'/>
    <author><name>Alice</name></author>
  </entry>
</feed>"""
    comments = f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'>
  <id>tag:blogger.com,1999:blog-42.post-7.comments</id><title>Comments</title><updated>2026-11-18T10:00:00Z</updated>
  <entry>
    <id>tag:blogger.com,1999:blog-42.post-900</id><published>2026-11-18T10:00:00Z</published>
    <title>nice</title><content type='html'>Nice &lt;i&gt;one&lt;/i&gt;</content>
    <link rel='alternate' type='text/html' href='{base}/2026/11/atom-post.html?showComment=1#c900'/>
    <author><name>Zed</name></author>
    <thr:in-reply-to ref='{post_id}' href='{base}/2026/11/atom-post.html' type='text/html'/>
  </entry>
</feed>"""
    server.route("/feed/", feed, headers=ATOM)
    server.route("/feeds/7/comments/default", comments, headers=ATOM)
    other_server.route("/feeds/8/comments/default", comments, headers=ATOM)

    _, posts, cps = run(make(server, session))
    post = next(p for p in posts if p.native_id == post_id)
    assert post.text == "Hello from Blogger" and post.url == f"{base}/2026/11/atom-post.html"
    assert post.author.handle == "alice@127.0.0.1" and post.author.url == "https://www.blogger.com/profile/1"
    [comment] = [p for p in posts if p.kind == "comment"]
    assert comment.native_id == "tag:blogger.com,1999:blog-42.post-900"
    assert comment.parent_id == post_id and comment.conversation_id == post_id
    assert comment.text == "Nice one"
    # a replies link to another host (here: another port and name) is never requested, and is noted
    assert other_server.requests == []
    assert all(not r.path.startswith("/feeds/8") for r in server.requests)
    assert "not on the feed's site" in notes(cps) and "feeds/8/comments" in notes(cps)


def test_site_wide_comments_feed_links_comments_by_url(server, session):
    wordpress_site(server)
    base = server.base_url
    site_comments = wp_feed(
        base,
        [
            wp_comment(base, "hello", 101, 5, "Carol", "Great post!"),  # also in the per-post feed
            wp_comment(base, "hello", 101, 7, "Gina", "Site-wide only"),
            f"""<item><title>On an ancient post</title>
                <link>{base}/2025/01/ancient/?utm_source=rss#comment-1</link>
                <dc:creator>Hank</dc:creator><pubDate>Thu, 19 Nov 2026 11:00:00 +0000</pubDate>
                <guid isPermaLink="false">{base}/?p=3#comment-1</guid><description>old one</description></item>""",
        ],
        title="Comments for Example Blog",
    )
    server.route("/comments/feed/", site_comments, headers=RSS)
    _, posts, cps = run(make(server, session, comments_url=server.url("/comments/feed/")))
    comments = {p.author.handle.split("@")[0]: p for p in posts if p.kind == "comment"}
    assert set(comments) == {"carol", "gina", "hank", "jane doe", "dave"}
    assert len([p for p in posts if p.native_id == f"{base}/?p=101#comment-5"]) == 1  # no duplicate
    gina = comments["gina"]
    assert gina.parent_url == f"{base}/2026/11/hello"
    assert gina.parent_id == f"{base}/?p=101" and gina.conversation_id == f"{base}/?p=101"
    hank = comments["hank"]
    assert hank.parent_url == f"{base}/2025/01/ancient" and hank.parent_id is None
    assert server.requests_for("/comments/feed/")


# --- failures of the main feed ----------------------------------------------------------------------


def test_malformed_feed_raises(server, session):
    server.route("/feed/", "this is not xml at all {{{ <<", headers={"Content-Type": "text/plain"})
    with pytest.raises(SourceError, match="malformed feed"):
        list(make(server, session).fetch({}))


def test_html_page_instead_of_feed_raises(server, session):
    server.route("/feed/", "<html><body><p>Welcome</p></body></html>", headers={"Content-Type": "text/html"})
    with pytest.raises(SourceError, match="RSS/Atom feed"):
        list(make(server, session).fetch({}))


def test_bozo_feed_with_entries_yields_them_with_a_note(server, session):
    base = server.base_url
    body = wp_feed(base, [wp_item(base, "a", 1, "Caf&eacute; &nbsp; news", "Wed, 18 Nov 2026 09:30:00 +0000")])
    server.route("/feed/", body, headers=RSS)
    _, posts, cps = run(make(server, session, comments=False))
    assert [p.native_id for p in posts] == [f"{base}/?p=1"]
    assert "not well-formed" in notes(cps) and "undefined entity" in notes(cps)


def test_read_timeout_raises_quickly(server, session):
    wordpress_site(server)
    server.route("/slow/", "<rss/>", headers=RSS, delay=2.0)
    collector = make(server.url("/slow/"), session, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(SourceError, match="timed out") as exc:
        list(collector.fetch({}))
    assert time.monotonic() - start < 1.5
    assert server.url("/slow/") in str(exc.value)


def test_connection_refused_raises(session):
    with LocalHTTPServer() as srv:
        url = srv.url("/feed/")
    with pytest.raises(SourceError, match="could not connect"):
        list(make(url, session, timeout=0.5).fetch({}))


@pytest.mark.parametrize("status", [404, 500, 403])
def test_http_errors_name_url_and_status(server, session, status):
    server.route("/feed/", "<html><body>" + "x" * 5000 + "</body></html>", status=status)
    with pytest.raises(SourceError) as exc:
        list(make(server, session).fetch({}))
    msg = str(exc.value)
    assert server.url("/feed/") in msg and f"HTTP {status}" in msg
    assert not isinstance(exc.value, RateLimited)
    assert len(msg) < 600  # never the whole body


def test_429_with_retry_after_seconds(server, session):
    server.route("/feed/", "slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as exc:
        list(make(server, session).fetch({}))
    assert exc.value.retry_at == NOW + timedelta(seconds=120)
    assert "429" in str(exc.value)


def test_503_with_retry_after_date(server, session):
    server.route("/feed/", "maintenance", status=503, headers={"Retry-After": "Fri, 20 Nov 2026 13:00:00 GMT"})
    with pytest.raises(RateLimited) as exc:
        list(make(server, session).fetch({}))
    assert exc.value.retry_at == datetime(2026, 11, 20, 13, 0, tzinfo=timezone.utc)


def test_503_without_retry_after_is_a_plain_source_error(server, session):
    server.route("/feed/", "down", status=503)
    with pytest.raises(SourceError) as exc:
        list(make(server, session).fetch({}))
    assert not isinstance(exc.value, RateLimited) and "HTTP 503" in str(exc.value)


# --- failures of comment feeds ------------------------------------------------------------------------


def test_failing_comment_feeds_keep_posts_and_other_comments(server, session):
    base = server.base_url
    items = [
        wp_item(base, "ok", 1, "OK post", "Wed, 18 Nov 2026 09:00:00 +0000", comment_rss=f"{base}/c/ok/"),
        wp_item(base, "gone", 2, "Gone", "Tue, 17 Nov 2026 09:00:00 +0000", comment_rss=f"{base}/c/gone/"),
        wp_item(base, "bad", 3, "Bad", "Mon, 16 Nov 2026 09:00:00 +0000", comment_rss=f"{base}/c/bad/"),
        wp_item(base, "slow", 4, "Slow", "Sun, 15 Nov 2026 09:00:00 +0000", comment_rss=f"{base}/c/slow/"),
        wp_item(base, "ok2", 5, "OK2", "Sat, 14 Nov 2026 09:00:00 +0000", comment_rss=f"{base}/c/ok2/"),
    ]
    server.route("/feed/", wp_feed(base, items), headers=RSS)
    server.route("/c/ok/", wp_feed(base, [wp_comment(base, "ok", 1, 1, "Ann", "first")]), headers=RSS)
    server.route("/c/gone/", "nope", status=404)
    server.route("/c/bad/", "<<< not xml", headers=RSS)
    server.route("/c/slow/", wp_feed(base, []), headers=RSS, delay=2.0)
    server.route("/c/ok2/", wp_feed(base, [wp_comment(base, "ok2", 5, 2, "Ben", "second")]), headers=RSS)

    start = time.monotonic()
    items_, posts, cps = run(make(server, session, timeout=0.5))
    assert time.monotonic() - start < 2.0
    assert len([p for p in posts if p.kind == "post"]) == 5
    comments = {p.author.handle.split("@")[0]: p.parent_id for p in posts if p.kind == "comment"}
    assert comments == {"ann": f"{base}/?p=1", "ben": f"{base}/?p=5"}
    # the posts were checkpointed before any comment feed was tried
    first_cp = next(i for i, it in enumerate(items_) if isinstance(it, Checkpoint))
    assert len(items_[:first_cp]) == 5
    note = notes(cps)
    assert "/c/gone/" in note and "HTTP 404" in note
    assert "/c/bad/" in note and "malformed comment feed" in note
    assert "/c/slow/" in note and "timed out" in note
    # failed feeds record no validators
    assert server.url("/c/gone/") not in cps[-1].state["http"]


def test_comment_feed_redirect_to_another_host_is_not_followed(server, other_server, session):
    base = server.base_url
    server.route("/feed/", wp_feed(base, [wp_item(base, "r", 1, "R", "Wed, 18 Nov 2026 09:00:00 +0000",
                                                  comment_rss=f"{base}/c/redirect/")]), headers=RSS)
    server.route("/c/redirect/", "", status=302, headers={"Location": other_server.url("/steal")})
    _, posts, cps = run(make(server, session))
    assert [p.kind for p in posts] == ["post"]
    assert other_server.requests == []
    assert "redirected to another site" in notes(cps)


def test_unsafe_comment_links_are_refused(server, other_server, session):
    base = server.base_url
    bad_links = [
        f"http://localhost:{server.port}/c/x/",  # other host name
        f"https://{server.host}:{server.port}/c/x/",  # other scheme
        f"{other_server.base_url}/c/x/",  # other port
        "javascript:alert(1)",
        f"http://{server.host}:{server.port}@localhost:{other_server.port}/c/x/",  # userinfo trick
        "file:///etc/passwd",
    ]
    items = [
        wp_item(base, f"p{i}", i, f"P{i}", "Wed, 18 Nov 2026 09:00:00 +0000", comment_rss=link.replace("&", "&amp;"))
        for i, link in enumerate(bad_links)
    ]
    server.route("/feed/", wp_feed(base, items), headers=RSS)
    _, posts, cps = run(make(server, session))
    assert len(posts) == len(bad_links) and all(p.kind == "post" for p in posts)
    assert server.paths() == ["/feed/"]
    assert other_server.requests == []
    assert f"skipped {len(bad_links)} comment feed link(s)" in notes(cps)
    assert cps[-1].state["threads"] and all(t["replies"] is None for t in cps[-1].state["threads"].values())


def test_max_comment_feeds_newest_first(server, session):
    base = server.base_url
    items = [
        wp_item(base, f"p{d}", d, f"P{d}", f"{d:02d} Nov 2026 09:00:00 +0000", comment_rss=f"{base}/c/{d}/")
        for d in (10, 18, 14)
    ]
    server.route("/feed/", wp_feed(base, items), headers=RSS)
    for d in (10, 18, 14):
        server.route(f"/c/{d}/", wp_feed(base, []), headers=RSS)
    run(make(server, session, max_comment_feeds=2))
    assert [p for p in server.paths() if p.startswith("/c/")] == ["/c/18/", "/c/14/"]


def test_comments_disabled(server, session):
    wordpress_site(server)
    _, posts, _ = run(make(server, session, comments=False))
    assert {p.kind for p in posts} == {"post"} and server.paths() == ["/feed/"]


# --- dedupe keys ------------------------------------------------------------------------------------


def test_dedupe_key_falls_back_guid_then_canonical_url_then_hash(server, session):
    body = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://example.com/</link>
      <item><title>With guid</title><guid>https://example.com/?p=1</guid><link>https://example.com/a</link>
            <description>a</description></item>
      <item><title>Local guid</title><guid isPermaLink="false">77</guid><description>b</description></item>
      <item><title>Link only</title>
            <link>HTTPS://Example.COM:443/Post/?utm_source=rss&amp;id=3&amp;fbclid=abc&amp;utm_medium=x#frag</link>
            <description>c</description></item>
      <item><title>Nothing</title><description>&lt;p&gt;just &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;</description></item>
    </channel></rss>"""
    server.route("/feed/", body, headers=RSS)
    _, posts, _ = run(make(server, session, comments=False))
    assert [p.native_id for p in posts] == [
        "https://example.com/?p=1",
        "guid:127.0.0.1:77",
        "https://example.com/Post?id=3",
        content_hash("Nothing", "just text"),
    ]


def test_canonical_url():
    assert canonical_url("HTTP://Example.com:80/a/b/?utm_campaign=x&q=1#top") == "http://example.com/a/b?q=1"
    assert canonical_url("https://example.com") == canonical_url("https://example.com/") == "https://example.com/"
    assert canonical_url("https://example.com/x?gclid=1&fbclid=2") == "https://example.com/x"
    assert canonical_url("https://example.com:8443/x/") == "https://example.com:8443/x"
    assert canonical_url("https://u:p@example.com/x") == "https://example.com/x"
    assert canonical_url("https://example.com/p/#comment-3", keep_fragment=True) == "https://example.com/p#comment-3"
    assert canonical_url("javascript:alert(1)") is None
    assert canonical_url("/relative") is None


# --- local files ------------------------------------------------------------------------------------


def test_path_feed_reads_relative_comment_files_and_refuses_escapes(tmp_path, session):
    site = tmp_path / "site"
    (site / "comments").mkdir(parents=True)
    secret = tmp_path / "secret.xml"
    secret.write_text(wp_feed("https://blog.example", [wp_comment("https://blog.example", "x", 9, 9, "Mallory", "SECRET")]))
    base = "https://blog.example"
    links = {
        1: "comments/hello.xml",
        2: "../secret.xml",
        3: str(secret),
        4: secret.as_uri(),
        5: "comments/../../secret.xml",
        6: "http://blog.example/comments/feed/",
    }
    items = [
        wp_item(base, f"p{i}", i, f"P{i}", "Wed, 18 Nov 2026 09:00:00 +0000", comment_rss=link)
        for i, link in links.items()
    ]
    feed = site / "feed.xml"
    feed.write_text(wp_feed(base, items))
    (site / "comments" / "hello.xml").write_text(
        wp_feed(base, [wp_comment(base, "p1", 1, 1, "Olga", "offline comment")])
    )
    collector = FeedCollector("offline", path=feed, now=lambda: NOW, session=session)
    _, posts, cps = run(collector)
    assert len([p for p in posts if p.kind == "post"]) == 6
    comments = [p for p in posts if p.kind == "comment"]
    assert [(c.author.handle, c.parent_id, c.text) for c in comments] == [
        ("olga@blog.example", f"{base}/?p=1", "offline comment")
    ]
    assert all("SECRET" not in p.text for p in posts)
    assert "skipped 5 comment feed link(s)" in notes(cps)
    assert cps[-1].state["http"] == {}
    json.dumps(cps[-1].state)


def test_path_feed_missing_file_raises(tmp_path):
    with pytest.raises(SourceError, match="cannot read feed file"):
        list(FeedCollector("offline", path=tmp_path / "nope.xml").fetch({}))


def test_constructor_validation(tmp_path):
    with pytest.raises(ValueError):
        FeedCollector("x")
    with pytest.raises(ValueError):
        FeedCollector("x", url="https://a.example/feed", path=tmp_path / "f.xml")
    with pytest.raises(ValueError):
        FeedCollector("x", url="file:///etc/passwd")
    with pytest.raises(ValueError):
        FeedCollector("x", url="ftp://a.example/feed")


def test_path_feed_with_site_wide_comments_file(tmp_path):
    base = "https://blog.example"
    (tmp_path / "feed.xml").write_text(
        wp_feed(base, [wp_item(base, "hello", 101, "Hello", "Wed, 18 Nov 2026 09:30:00 +0000")])
    )
    (tmp_path / "comments.xml").write_text(wp_feed(base, [wp_comment(base, "hello", 101, 5, "Carol", "Hi")]))
    collector = FeedCollector("offline", path=tmp_path / "feed.xml", comments_url="comments.xml", now=lambda: NOW)
    _, posts, _ = run(collector)
    [comment] = [p for p in posts if p.kind == "comment"]
    assert comment.parent_id == f"{base}/?p=101" and comment.parent_url == f"{base}/2026/11/hello"
