"""The digest as a reader sees it: rendered by headless Chromium (Debian's `chromium`, installed by .ci/run)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from delivery.digest import chart_svg, render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (.ci/run installs it)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.body.innerHTML=\'pwned\'">'
SECTIONS = ("headline", "chart", "actions", "reach-out", "queue", "alerts", "clients", "topics", "notable")


def chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=90)


def hostile_context() -> dict:
    series = [{"day": date(2026, 11, d), "posts": d, "negative": 1, "positive": 2} for d in range(7, 21)]
    return {
        "me": "Fernhill", "day": date(2026, 11, 20), "generated_at": datetime(2026, 11, 20, 7, 30, tzinfo=timezone.utc),
        "timezone": "UTC", "headline": [{"label": "posts heard", "value": 12, "vs_day": "+50%", "vs_week": "new"}],
        "chart_svg": chart_svg(series), "series": series,
        "actions": [{"what": "Reply to " + HOSTILE, "why": HOSTILE, "url": "https://x.com/a/status/1", "score": 1}],
        "reach_out": [{"sentence": "Call Ana: " + HOSTILE, "evidence_text": HOSTILE, "evidence_url": None}],
        "queue": [{"person": "Ana", "platform": "x", "intent": "question", "priority": 80.0, "post_excerpt": HOSTILE,
                   "reply": "Hi Ana", "url": "https://x.com/a/status/1"}],
        "alerts": [{"title": "Ana posted", "reason": HOSTILE, "url": None}],
        "clients": [{"name": "Ana", "tier": 1, "posts_7d": 2, "mean_sentiment": 0.4, "last_interaction": None}],
        "topics": [{"topic": "dataviz", "today": 4, "daily_avg": 1.0, "emerging": True}],
        "notable": [{"author": HOSTILE, "platform": "x", "sentiment_score": -0.9, "excerpt": HOSTILE, "url": None}],
    }


def test_digest_renders_every_section_and_hostile_text_stays_text(tmp_path: Path):
    html, _ = render(hostile_context())
    page = tmp_path / "digest.html"
    page.write_text(html, encoding="utf-8")
    dom = chromium("--dump-dom", "--virtual-time-budget=2000", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-500:]
    out = dom.stdout
    for section in SECTIONS:
        assert f'id="{section}"' in out, section
    assert "<svg" in out and out.count("<rect") >= 14
    # nothing ran: the page is intact, and the hostile markup is shown as text
    assert "<title>pwned" not in out and "Listening digest" in out
    assert "<script>" not in out and "<img src=\"x\"" not in out
    assert "&lt;script&gt;document.title" in out


@pytest.mark.parametrize("width", [900, 390])
def test_digest_screenshot_at_desktop_and_phone_width(tmp_path: Path, width: int):
    html, _ = render(hostile_context())
    page = tmp_path / "digest.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / f"digest-{width}.png"
    result = chromium(f"--window-size={width},1800", f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0, result.stderr[-500:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == width
    assert len(data) > 20_000  # a rendered page, not a blank canvas
