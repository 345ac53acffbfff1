"""`listenwell run --once` over many faulty feeds at once: each is recorded on its source within its
budget, the good one is stored, the run ends, and no rate limit rests a source past the cap."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import jobs.collect as collect
from collectors import http_policy
from listenwell.cli import main
from storage.db import Database
from tests.conftest import minimal_config, write_config
from tests.httpserver import LocalHTTPServer
from tests.reliability.faultserver import RSS

FAULTS = ["/trickle-body", "/trickle-headers", "/hang", "/cut", "/bomb", "/big", "/redirect-loop", "/redirect-file",
          "/redirect-port", "/redirect-localhost", "/far-future-503", "/far-future-429", "/500", "/malformed",
          "/truncated", "/echo-auth"]


def run_faulty(tmp_path: Path, faults, timeout: float) -> tuple[dict, float, str]:
    with LocalHTTPServer() as other:
        other.route("/feed.xml", RSS.replace(b"first post", b"INTERNAL SERVICE DATA"),
                    headers={"Content-Type": "application/rss+xml"})
        faults.other_port = other.port
        sources = [{"name": f"f{i:02d}{path.replace('/', '-')}", "type": "feed", "url": faults.url(path),
                    "timeout_seconds": timeout, "comments": False} for i, path in enumerate(FAULTS)]
        sources.append({"name": "zz-good", "type": "feed", "url": faults.url("/ok"), "timeout_seconds": timeout})
        config = write_config(tmp_path, minimal_config(sources=sources))
        started = time.monotonic()
        result = CliRunner().invoke(main, ["--config", str(config), "run", "--once", "--no-digest"])
        took = time.monotonic() - started
        assert other.requests == [], "a redirect reached another local service"
    assert result.exit_code == 3, result.output  # the faulty feeds failed, the good one was read
    with Database.open(tmp_path / "data" / "test.duckdb", read_only=True) as db:
        rows = {r["source"]: r for r in db.rows("SELECT * FROM source_state")}
        texts = [r[0] for r in db.con.execute("SELECT text FROM posts").fetchall()]
    assert not any("INTERNAL SERVICE DATA" in t for t in texts)
    return rows, took, result.output


def check(rows: dict, now: datetime) -> None:
    # the good feed is read (its two posts may already be stored from the truncated copy of it)
    assert rows["zz-good"]["last_error"] is None and rows["zz-good"]["last_success"] is not None
    for name, row in rows.items():
        if name == "zz-good" or name.endswith("truncated") or name.endswith("malformed"):
            continue  # a lenient parse of a broken feed may keep what it could read, with a note
        assert row["last_error"], f"{name}: no error recorded"
        if row["next_allowed_at"] is not None:
            assert row["next_allowed_at"] <= now + http_policy.MAX_RETRY_AFTER, name


def test_sixteen_faulty_feeds_in_one_run(tmp_path, faults, monkeypatch):
    """Budgets shortened (2 s a request, 3 s a source) so the run stays fast; the long version below runs
    with the real ones."""
    monkeypatch.setattr(http_policy, "REQUEST_FLOOR", 2.0)
    monkeypatch.setattr(http_policy, "REQUEST_FACTOR", 1.0)
    monkeypatch.setattr(collect, "BUDGET_MIN", 3.0)
    rows, took, output = run_faulty(tmp_path, faults, timeout=1.0)
    check(rows, datetime(2026, 11, 20, 18, tzinfo=timezone.utc))
    assert took < 60, f"the run took {took:.0f} s"


@pytest.mark.long
@pytest.mark.timeout(1800)
def test_faulty_feeds_with_the_real_budgets(tmp_path, faults):
    """timeout_seconds: 3, as the probe had it: a trickle is cut at the request deadline (10 s), every
    source ends within its budget (60 s), and the run ends. Prints the figures docs/reliability.md quotes."""
    rows, took, output = run_faulty(tmp_path, faults, timeout=3.0)
    check(rows, datetime(2026, 11, 20, 18, tzinfo=timezone.utc))
    print(json.dumps({"run_seconds": round(took, 1),
                      "errors": {k: (v["last_error"] or "")[:100] for k, v in rows.items()}}, indent=1))
    assert took < 16 * 60
