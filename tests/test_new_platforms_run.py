"""`listenwell run --once` with Mastodon, Bluesky and Hacker News sources pointed at local servers fills the
queue, people and the digest as X and Reddit do; `sources` shows their typed cursors and usage."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from listenwell.cli import main
from tests.conftest import REPO, write_config
from tests.fakes import bluesky_api as bsky
from tests.fakes import mastodon_api as masto
from tests.httpserver import LocalHTTPServer
from tests.test_hackernews import FakeAlgolia, comment, story


@pytest.fixture
def servers():
    with LocalHTTPServer() as m, LocalHTTPServer() as b, LocalHTTPServer() as h:
        yield masto.FakeMastodon(m), bsky.FakeBluesky(b), FakeAlgolia(h)


def test_run_once_fills_queue_people_and_digest_from_the_three_new_platforms(servers, tmp_path: Path, monkeypatch):
    mastodon, bluesky, algolia = servers
    ours = masto.status(1000, masto.US, "<p>Scheduled exports are live.</p>", minutes=500)
    mastodon.add_account_statuses("100", ours)
    question = masto.status(1001, masto.SOFIA, "<p>@fernhill how is data volume counted on the team plan?</p>",
                            minutes=510, reply_to=ours, mentions=(masto.US,))
    mastodon.add_notifications(masto.notification(5001, question))
    b_ours = bsky.post(1, bsky.US, "Data-quality checks now alert when a check did not run.", minutes=480)
    b_q = bsky.post(2, bsky.SOFIA, "@fernhill.bsky.social does that cover skipped dbt tests?", minutes=520,
                    reply_to=b_ours, mention=bsky.US)
    bluesky.notifications.append(bsky.notification(b_q, "reply"))
    bluesky.feeds[bsky.US["handle"]] = [b_ours]
    bluesky.remember(b_ours, b_q)
    s = story(100, "tomreyes", "Ask HN: Fernhill vs Looker for a team of three?", 500,
              text="<p>Migrating from Metabase. Does Fernhill keep row-level permissions?</p>")
    algolia.hits += [s, comment(101, "sofialq", "<p>We moved to Fernhill last year, exports are solid.</p>", 505, s)]

    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", mastodon.token)
    monkeypatch.setenv("BLUESKY_HANDLE", bsky.US["handle"])
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", bsky.APP_PASSWORD)
    config = write_config(tmp_path, {
        "reference_time": "2026-11-20T18:00:00Z",
        "me": {"name": "Fernhill Analytics",
               "handles": {"mastodon": ["fernhill@mastodon.example"], "bluesky": [bsky.US["handle"]]}},
        "key_clients": [{"name": "Sofia Lindqvist", "tier": 1,
                         "handles": {"mastodon": ["sofia@hachyderm.io"], "bluesky": [bsky.SOFIA["handle"]],
                                     "hackernews": ["sofialq"]}}],
        "brand": {"names": ["Fernhill"]},
        "competitors": [{"name": "Looker"}],
        "sources": [
            {"name": "masto", "type": "mastodon", "instance": mastodon.server.base_url, "own_posts": True},
            {"name": "bsky", "type": "bluesky", "service": bluesky.server.base_url},
            {"name": "hn", "type": "hackernews", "api_url": algolia.server.url("/api/v1")},
        ],
        "replies": {"knowledge": str(REPO / "examples" / "knowledge")},
        "storage": {"path": "data/lw.duckdb"},
        "digest": {"out_dir": "out"},
    })
    cli = CliRunner()
    result = cli.invoke(main, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 0, result.output

    stats = json.loads(cli.invoke(main, ["--config", str(config), "stats", "--json"]).output)
    assert {"mastodon", "bluesky", "hackernews"} <= set(stats["posts_by_platform"])
    assert stats["api_usage"]["masto"]["reads_today"] >= 2 and "spend_month" not in stats["api_usage"]["masto"]

    queue = json.loads(cli.invoke(main, ["--config", str(config), "queue", "list", "--json"]).output)
    assert {"mastodon", "bluesky"} <= {i["platform"] for i in queue}

    person = cli.invoke(main, ["--config", str(config), "person", "Sofia Lindqvist"]).output
    for identity in ("mastodon:sofia@hachyderm.io", f"bluesky:{bsky.SOFIA['handle']}", "hackernews:sofialq"):
        assert identity in person

    digest = (tmp_path / "out" / "digest-2026-11-20.txt").read_text()
    assert "Sofia Lindqvist" in digest

    sources = cli.invoke(main, ["--config", str(config), "sources"]).output
    assert "notifications: since 5001" in sources and "search:Fernhill: since" in sources
    assert "read and 0 written today" in sources

    again = cli.invoke(main, ["--config", str(config), "run", "--once", "--json"])
    assert again.exit_code == 0 and json.loads(again.output)["new_posts"] == 0
