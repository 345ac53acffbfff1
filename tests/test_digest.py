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


def test_digest_send_arrives_with_text_html_and_the_chart_inline(bundled_run: Path, tmp_path: Path, monkeypatch):
    import shutil
    from email import message_from_bytes
    from email.policy import default as default_policy

    import yaml

    from tests.test_email import PASSWORD, USER, run_server

    monkeypatch.setenv("TEST_SMTP_USER", USER)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    sink, controller = run_server(auth_require_tls=False)
    try:
        work = tmp_path / "run"
        shutil.copytree(bundled_run.parent, work)
        config = yaml.safe_load((work / "config.yaml").read_text())
        config["digest"]["recipients"] = ["ana@fernhill.example", "bo@fernhill.example"]
        config["digest"]["smtp"] = {"host": "127.0.0.1", "port": controller.port, "security": "none",
                                    "username_env": "TEST_SMTP_USER", "password_env": "TEST_SMTP_PASSWORD",
                                    "sender": "listenwell <digest@fernhill.example>"}
        (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        result = CliRunner().invoke(main, ["--config", str(work / "config.yaml"), "digest", "--date", "2026-11-20",
                                           "--send"])
        assert result.exit_code == 0, result.output
    finally:
        controller.stop()
    assert len(sink.envelopes) == 1
    envelope = sink.envelopes[0]
    assert sorted(envelope.rcpt_tos) == ["ana@fernhill.example", "bo@fernhill.example"]
    msg = message_from_bytes(envelope.original_content, policy=default_policy)
    assert msg.get_content_type() == "multipart/alternative"
    assert "Listening digest" in msg["Subject"] and "Fernhill Analytics" in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    html_part = msg.get_body(("html",))
    html = html_part.get_content()
    assert "A PERSONAL TOUCH" in text and "Priya" in text
    assert 'src="cid:digest-chart"' in html and "<svg" not in html  # mail clients drop SVG
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<digest-chart>"
    png = images[0].get_content()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 500
    assert "&lt;script&gt;" in html or "<script>" not in html
    assert 'id="reach-out"' in html and 'id="queue"' in html
