from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from click.testing import CliRunner

from delivery.digest import chart_svg, render
from listenwell.cli import main

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def context(**over):
    base = {
        "me": "Fernhill", "day": date(2026, 11, 20), "generated_at": datetime(2026, 11, 20, 7, 30, tzinfo=timezone.utc),
        "timezone": "UTC", "headline": [{"label": "posts heard", "value": 3, "vs_day": "+50%", "vs_week": "new"}],
        "chart_svg": chart_svg([{"day": date(2026, 11, d), "posts": d, "negative": 1, "positive": 1} for d in range(7, 21)]),
        "series": [], "actions": [{"what": "Call " + HOSTILE, "why": HOSTILE, "url": "https://x.com/a/status/1", "score": 1}],
        "reach_out": [{"sentence": HOSTILE, "evidence_text": HOSTILE, "evidence_url": None}],
        "queue": [{"person": HOSTILE, "platform": "x", "intent": "question", "priority": 80.0, "post_excerpt": HOSTILE,
                   "reply": HOSTILE, "url": "https://x.com/a/status/1"}],
        "alerts": [{"title": HOSTILE, "reason": HOSTILE, "url": None}],
        "clients": [], "topics": [{"topic": "dataviz", "today": 4, "daily_avg": 1.0, "emerging": True}],
        "notable": [{"author": HOSTILE, "platform": "x", "sentiment_score": -0.9, "excerpt": HOSTILE, "url": None}],
    }
    base.update(over)
    return base


def test_hostile_post_text_is_escaped_in_html_and_plain_in_text():
    html, text = render(context())
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html
    assert HOSTILE in text  # plain text is not HTML: shown as written


def test_chart_is_inline_svg_built_from_numbers():
    svg = chart_svg([{"day": date(2026, 11, d), "posts": d, "negative": 0, "positive": d // 2} for d in range(1, 15)])
    assert svg.startswith("<svg") and svg.count("<rect") == 14 * 3
    assert "script" not in svg


def test_emerging_topics_are_marked():
    html, _ = render(context())
    assert "emerging" in html


def test_digest_command_for_a_past_day_writes_both_files(bundled_run: Path, tmp_path: Path):
    result = CliRunner().invoke(main, ["--config", str(bundled_run), "digest", "--date", "2026-11-19",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "digest-2026-11-19.html").exists()
    assert (tmp_path / "digest-2026-11-19.txt").exists()
