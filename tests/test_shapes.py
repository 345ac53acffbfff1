"""X v2 and Reddit JSON shapes -> Post (collectors/x_shapes.py, collectors/reddit_shapes.py)."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

from collectors.base import Post
from collectors.reddit_shapes import reddit_mentions, thing_to_post, things_from_listing
from collectors.x_shapes import tweet_to_post, tweets_from_page

RETRIEVED = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
OURS = {"fernhillhq"}

ALICE = {"id": "101", "username": "alice_ops", "name": "Alice Ops", "description": "ops",
         "public_metrics": {"followers_count": 1234}, "created_at": "2015-01-01T00:00:00.000Z"}
US = {"id": "900", "username": "FernhillHQ", "name": "Fernhill Analytics", "public_metrics": {"followers_count": 4210}}


def x_page() -> dict:
    return {
        "data": [
            {"id": "2003", "text": "@FernhillHQ thanks, that fixed it", "author_id": "101",
             "created_at": "2026-11-03T09:14:00.000Z", "conversation_id": "2001", "lang": "en",
             "in_reply_to_user_id": "900", "referenced_tweets": [{"type": "replied_to", "id": "2001"}],
             "entities": {"mentions": [{"start": 0, "end": 11, "username": "FernhillHQ", "id": "900"}]}},
            {"id": "2002", "text": "Anyone tried @fernhillhq for ops dashboards?", "author_id": "101",
             "created_at": "2026-11-03T09:12:00.000Z", "conversation_id": "2002", "lang": "en",
             "entities": {"mentions": [{"start": 13, "end": 24, "username": "fernhillhq", "id": "900"}],
                          "hashtags": [{"start": 0, "end": 3, "tag": "x"}]}},
            {"id": "2004", "text": "This is the way.", "author_id": "101",
             "created_at": "2026-11-03T10:00:00.000Z", "conversation_id": "2004", "lang": "en",
             "referenced_tweets": [{"type": "quoted", "id": "2001"}]},
            {"id": "2005", "text": "gone but not forgotten", "author_id": "555",
             "created_at": "2026-11-03T11:00:00.000Z", "conversation_id": "2005", "lang": "und"},
        ],
        "includes": {
            "users": [ALICE, US],
            "tweets": [{"id": "2001", "text": "New release", "author_id": "900",
                        "created_at": "2026-11-03T08:00:00.000Z", "conversation_id": "2001"}],
        },
        "meta": {"newest_id": "2005", "oldest_id": "2002", "result_count": 4, "next_token": "abc"},
        "__twarc": {"url": "https://api.twitter.com/2/users/900/mentions", "version": "2.14.0",
                    "retrieved_at": "2026-11-20T17:55:00+00:00"},
    }


def test_x_page_kinds_and_fields():
    page = x_page()
    before = copy.deepcopy(page)
    posts = list(tweets_from_page(page, "x-mentions", RETRIEVED, OURS))
    assert page == before, "tweets_from_page must not modify the page by default"
    assert [p.native_id for p in posts] == ["2003", "2002", "2004", "2005"]  # includes.tweets are not results
    reply, mention, quote, orphan = posts

    assert reply.kind == "reply"
    assert reply.parent_id == "2001" and reply.conversation_id == "2001"
    assert reply.mentions == ["FernhillHQ"]
    assert reply.platform == "x" and reply.source == "x-mentions" and reply.retrieved_at == RETRIEVED
    assert reply.created_at == datetime(2026, 11, 3, 9, 14, tzinfo=timezone.utc)
    assert reply.created_at.tzinfo is not None
    assert reply.url == "https://x.com/alice_ops/status/2003"
    assert reply.lang == "en"
    assert reply.uid == "x:2003"

    a = reply.author
    assert (a.platform, a.handle, a.display_name, a.native_id, a.followers) == ("x", "alice_ops", "Alice Ops", "101", 1234)
    assert a.url == "https://x.com/alice_ops"
    assert reply.raw["author"] == ALICE and reply.raw["id"] == "2003"

    assert mention.kind == "mention" and mention.parent_id is None
    assert quote.kind == "post" and quote.parent_id is None  # a quote is not a reply
    assert quote.raw["referenced_tweets"] == [{"type": "quoted", "id": "2001"}]


def test_x_missing_author_is_kept():
    posts = list(tweets_from_page(x_page(), "s", RETRIEVED, OURS))
    orphan = posts[-1]
    assert orphan.author.handle == "id:555"
    assert orphan.author.platform == "x"
    assert orphan.author.native_id == "555"
    assert orphan.url == "https://x.com/i/web/status/2005"
    assert orphan.text == "gone but not forgotten"
    assert "author" not in orphan.raw


def test_x_mention_depends_on_our_handles():
    page = x_page()
    posts = list(tweets_from_page(page, "s", RETRIEVED, set()))
    assert posts[1].kind == "post"
    posts = list(tweets_from_page(page, "s", RETRIEVED, ["@FernhillHQ"]))
    assert posts[1].kind == "mention"


def test_x_flattened_tweet_with_inline_author():
    tweet = {"id": "3001", "text": "hello @fernhillhq", "author_id": "101", "author": ALICE,
             "created_at": "2026-10-01T12:00:00.000Z", "conversation_id": "3001",
             "entities": {"mentions": [{"start": 6, "end": 17, "username": "fernhillhq"}]},
             "__twarc": {"url": "u", "version": "2.14.0", "retrieved_at": "2026-10-01T12:05:00+00:00"}}
    post = tweet_to_post(tweet, {}, "flat", RETRIEVED, OURS)
    assert post.author.handle == "alice_ops" and post.author.followers == 1234
    assert post.kind == "mention"
    assert post.raw is tweet  # nothing to add: the author is already inline


def test_x_tweet_to_post_does_not_mutate_input():
    tweet = copy.deepcopy(x_page()["data"][0])
    snapshot = copy.deepcopy(tweet)
    post = tweet_to_post(tweet, {"101": ALICE}, "s", RETRIEVED, OURS)
    assert tweet == snapshot
    assert post.raw["author"]["username"] == "alice_ops"


def test_x_empty_page_and_single_tweet_lookup():
    assert list(tweets_from_page({"meta": {"result_count": 0}}, "s", RETRIEVED, OURS)) == []
    single = {"data": x_page()["data"][1], "includes": {"users": [ALICE]}}
    posts = list(tweets_from_page(single, "s", RETRIEVED, OURS))
    assert len(posts) == 1 and posts[0].native_id == "2002"


# --- Reddit -------------------------------------------------------------------------------------

def listing() -> dict:
    return {"kind": "Listing", "data": {"after": "t1_c3", "before": None, "dist": 5, "children": [
        {"kind": "t3", "data": {
            "id": "abc", "name": "t3_abc", "title": "Looker alternatives?", "selftext": "We have 25 people.\n\nHelp u/fernhill_team",
            "author": "pdonnelly", "author_fullname": "t2_p1", "subreddit": "BusinessIntelligence",
            "created_utc": 1759688400.0, "permalink": "/r/BusinessIntelligence/comments/abc/looker_alternatives/",
            "url": "https://www.reddit.com/r/BusinessIntelligence/comments/abc/looker_alternatives/",
            "num_comments": 3, "score": 12, "is_self": True}},
        {"kind": "t1", "data": {
            "id": "c1", "name": "t1_c1", "body": "Try Fernhill, ask /u/fernhill_team and u/Someone_Else",
            "author": "leo", "author_fullname": "t2_l1", "parent_id": "t3_abc", "link_id": "t3_abc",
            "subreddit": "BusinessIntelligence", "created_utc": 1759692000.0,
            "permalink": "/r/BusinessIntelligence/comments/abc/looker_alternatives/c1/", "score": 4,
            "replies": {"kind": "Listing", "data": {"after": None, "children": [
                {"kind": "t1", "data": {
                    "id": "c4", "name": "t1_c4", "body": "nested reply", "author": "pdonnelly", "author_fullname": "t2_p1",
                    "parent_id": "t1_c1", "link_id": "t3_abc", "subreddit": "BusinessIntelligence",
                    "created_utc": 1759695600.0, "permalink": "/r/BusinessIntelligence/comments/abc/x/c4/", "score": 1,
                    "replies": ""}},
                {"kind": "more", "data": {"count": 2, "children": ["c5", "c6"]}}]}}}},
        {"kind": "t1", "data": {
            "id": "c2", "name": "t1_c2", "body": "I used to love it", "author": "[deleted]",
            "parent_id": "t1_c1", "link_id": "t3_abc", "subreddit": "BusinessIntelligence",
            "created_utc": 1759699200.0, "permalink": "/r/BusinessIntelligence/comments/abc/x/c2/", "score": 2, "replies": ""}},
        {"kind": "t1", "data": {
            "id": "c3", "name": "t1_c3", "body": "[removed]", "author": "[deleted]",
            "parent_id": "t3_abc", "link_id": "t3_abc", "subreddit": "BusinessIntelligence",
            "created_utc": 1759702800.0, "permalink": "/r/BusinessIntelligence/comments/abc/x/c3/", "score": 1, "replies": ""}},
    ]}}


def test_reddit_listing():
    posts = list(things_from_listing(listing(), "reddit-search", RETRIEVED, {"fernhill_team"}))
    assert [p.native_id for p in posts] == ["t3_abc", "t1_c1", "t1_c4", "t1_c2", "t1_c3"]
    t3, c1, c4, c2, c3 = posts
    assert all(isinstance(p, Post) and p.platform == "reddit" for p in posts)

    assert t3.kind == "post" and t3.title == "Looker alternatives?"
    assert t3.text == "Looker alternatives?\n\nWe have 25 people.\n\nHelp u/fernhill_team"
    assert t3.conversation_id == "t3_abc" and t3.parent_id is None
    assert t3.url == "https://www.reddit.com/r/BusinessIntelligence/comments/abc/looker_alternatives/"
    assert t3.created_at == datetime.fromtimestamp(1759688400, tz=timezone.utc)
    assert t3.author.handle == "pdonnelly" and t3.author.native_id == "t2_p1"
    assert t3.author.url == "https://www.reddit.com/user/pdonnelly"
    assert t3.mentions == ["fernhill_team"]

    assert c1.kind == "comment" and c1.parent_id == "t3_abc" and c1.conversation_id == "t3_abc"
    assert c1.mentions == ["fernhill_team", "Someone_Else"]
    assert c4.kind == "reply" and c4.parent_id == "t1_c1"

    assert c2.kind == "reply" and c2.author.handle == "[deleted]" and c2.author.url is None
    assert c2.text == "I used to love it"
    assert c3.text == "[removed]" and c3.raw["data"]["body"] == "[removed]" and c3.author.handle == "[deleted]"


def test_reddit_thing_variants():
    link_post = {"kind": "t3", "data": {"id": "zz", "title": "Just a link", "selftext": "", "author": "a",
                                         "created_utc": 1760000000, "permalink": "/r/x/comments/zz/just_a_link/",
                                         "url": "https://example.example/a", "is_self": False}}
    post = thing_to_post(link_post, "s", RETRIEVED)
    assert post.native_id == "t3_zz"  # name derived from id when missing
    assert post.text == "Just a link"
    assert thing_to_post({"kind": "more", "data": {"children": []}}, "s", RETRIEVED) is None
    assert reddit_mentions("see u/abc_def, /u/xyz-1 and foo/u/nope and u/ab") == ["abc_def", "xyz-1"]
