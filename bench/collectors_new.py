"""How fast the Mastodon, Bluesky and Hacker News collectors store posts (issue 21: at least 5,000 posts/s each).

Each collector is the real one (Mastodon.py, the atproto SDK, requests through collectors/http.py) reading
recorded pages in the APIs' shapes from a server on 127.0.0.1, through the runner into a DuckDB file: HTTP,
parsing, mapping, Arrow conversion and the transaction per page are all in the figure. The pages are built
before the clock starts and served from memory (bisect on the page parameter), so the server's share is small.
The three collectors run interleaved, ``--rounds`` times each, each round into a fresh database.

    .venv/bin/python bench/collectors_new.py --posts 20000 --rounds 3
"""
from __future__ import annotations

import argparse
import bisect
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collectors.bluesky import BlueskyCollector, make_client as bsky_client  # noqa: E402
from collectors.mastodon import MastodonCollector, make_client as masto_client  # noqa: E402
from collectors.platforms.hackernews import HackerNewsCollector  # noqa: E402
from jobs.collect import run_collector  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.fakes import bluesky_api as bsky  # noqa: E402  (the recorded shapes the tests serve)
from tests.fakes import mastodon_api as masto  # noqa: E402
from tests.httpserver import LocalHTTPServer  # noqa: E402
from tests.test_hackernews import comment, story  # noqa: E402

NOW = datetime(2026, 11, 30, tzinfo=timezone.utc)
JSON = {"Content-Type": "application/json; charset=utf-8"}


def mastodon_server(server: LocalHTTPServer, n: int) -> tuple[str, dict]:
    people = [masto.account(f"user{i}@instance{i % 7}.example", str(5000 + i), f"User {i}") for i in range(500)]
    statuses = [masto.status(10_000 + i, people[i % 500], f"<p>#fernhill tip number {i}: dashboards that "
                             f"people <b>open</b>, every Monday &amp; Friday.</p>", minutes=i % 40_000)
                for i in range(n)]
    ids = [int(s["id"]) for s in statuses]  # ascending
    # the pages a walk up from the first id asks for, recorded before the clock starts
    recorded = {start: json.dumps(statuses[start:start + 40][::-1]).encode() for start in range(0, n, 40)}

    def handle(req):
        q = parse_qs(urlsplit(req.path).query)
        limit = int(q.get("limit", ["40"])[0])
        start = bisect.bisect_right(ids, int(q["min_id"][0])) if "min_id" in q else max(len(ids) - limit, 0)
        body = recorded.get(start) if limit == 40 else None
        return 200, {**JSON, **masto.RATE_HEADERS}, body or json.dumps(statuses[start:start + limit][::-1]).encode()

    server.route("/api/v1/timelines/tag/fernhill", handler=handle)
    return server.base_url, {"streams": {"tag:fernhill": {"value": str(ids[0] - 1)}}}  # read everything above


def bluesky_server(server: LocalHTTPServer, n: int) -> tuple[str, dict]:
    fake = bsky.FakeBluesky(server)  # the login endpoints
    people = [{"did": f"did:plc:user{i:020d}", "handle": f"user{i}.bsky.social", "displayName": f"User {i}"}
              for i in range(500)]
    posts = [bsky.post(i, people[i % 500], f"fernhill tip {i}: dashboards people open, every Monday.",
                       minutes=(n - i) % 40_000) for i in range(n)]
    posts.sort(key=lambda p: p["indexedAt"], reverse=True)

    def page(start: int, limit: int) -> bytes:
        body = {"posts": posts[start:start + limit], "hitsTotal": len(posts)}
        if start + limit < len(posts):
            body["cursor"] = str(start + limit)
        return json.dumps(body).encode()

    recorded = {start: page(start, 100) for start in range(0, n, 100)}

    def handle(req):
        q = parse_qs(urlsplit(req.path).query)
        start, limit = int(q.get("cursor", ["0"])[0]), int(q.get("limit", ["100"])[0])
        return 200, JSON, (recorded.get(start) if limit == 100 else None) or page(start, limit)

    server.route("/xrpc/app.bsky.feed.searchPosts", handler=handle)
    del fake
    return server.base_url, {}


def hackernews_server(server: LocalHTTPServer, n: int) -> tuple[str, dict]:
    stories = [story(1_000_000 + i, f"author{i % 300}", f"Fernhill story {i}", minutes=i) for i in range(n // 10)]
    hits = list(stories) + [comment(2_000_000 + i, f"author{i % 900}", f"<p>Fernhill comment {i} &amp; a "
                                    "<i>link</i></p>", i % (n // 10) + 1, stories[i % len(stories)])
                            for i in range(n - len(stories))]
    hits.sort(key=lambda h: h["created_at_i"])
    times = [h["created_at_i"] for h in hits]

    def handle(req):
        q = {k: v[0] for k, v in parse_qs(urlsplit(req.path).query).items()}
        lo, hi = 0, len(hits)
        for f in filter(None, q.get("numericFilters", "").split(",")):
            if ">=" in f:
                lo = bisect.bisect_left(times, int(f.split(">=")[1]))
            else:
                hi = bisect.bisect_right(times, int(f.split("<=")[1]))
        per = int(q.get("hitsPerPage", 100))
        page = hits[max(lo, hi - per):hi][::-1]
        body = {"hits": page, "nbHits": hi - lo, "page": 0, "nbPages": 1, "hitsPerPage": per, "query": q["query"]}
        return 200, JSON, json.dumps(body).encode()

    server.route("/api/v1/search_by_date", handler=handle)
    return server.url("/api/v1"), {}


def collector(kind: str, url: str):
    if kind == "mastodon":
        return MastodonCollector("bench", masto_client(url, "bench-token", 30),
                                 instance=url, hashtags=["fernhill"], mentions=False, own_posts=False,
                                 max_pages_per_run=100_000, now=lambda: NOW), "mastodon"
    if kind == "bluesky":
        return BlueskyCollector("bench", bsky_client(url, 30), identifier=bsky.US["handle"],
                                app_password=bsky.APP_PASSWORD, queries=["fernhill"], mentions=False,
                                own_posts=False, max_pages_per_run=100_000, now=lambda: NOW, page_size=100), "bluesky"
    return HackerNewsCollector("bench", queries=["fernhill"], api_url=url, max_pages_per_run=100_000,
                               now=lambda: NOW), "hackernews"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    kinds = ("mastodon", "bluesky", "hackernews")
    servers = {k: LocalHTTPServer().start() for k in kinds}
    built = {"mastodon": mastodon_server(servers["mastodon"], args.posts),
             "bluesky": bluesky_server(servers["bluesky"], args.posts),
             "hackernews": hackernews_server(servers["hackernews"], args.posts)}
    rates: dict[str, list[float]] = {k: [] for k in kinds}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for round_ in range(args.rounds):
                for kind in kinds:  # interleaved: the machine's load falls on all three alike
                    url, state = built[kind]
                    coll, source_type = collector(kind, url)
                    with Database.open(Path(tmp) / f"{kind}-{round_}.duckdb") as db:
                        start = time.perf_counter()
                        result = run_collector(db, coll, source_type=source_type, our_handles={}, now=NOW,
                                               state=dict(state))
                        elapsed = time.perf_counter() - start
                        stored = db.scalar("SELECT count(*) FROM posts")
                    assert result.ok and stored == args.posts, (kind, result.error, stored)
                    rates[kind].append(stored / elapsed)
    finally:
        for server in servers.values():
            server.stop()
    print(f"posts per collector: {args.posts}, rounds: {args.rounds}, load average: {os.getloadavg()}")
    print("| collector | posts stored/s (median) | min | max |")
    print("| --- | --- | --- | --- |")
    for kind in kinds:
        r = rates[kind]
        print(f"| {kind} | {statistics.median(r):,.0f} | {min(r):,.0f} | {max(r):,.0f} |")


if __name__ == "__main__":
    main()
