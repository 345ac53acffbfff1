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
    # the volume chart, and share of voice (the bundled config names our brand and competitors)
    assert [i["Content-ID"] for i in images] == ["<digest-chart>", "<digest-share-of-voice>"]
    assert 'src="cid:digest-share-of-voice"' in html
    for image in images:
        png = image.get_content()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 500
    assert "&lt;script&gt;" in html or "<script>" not in html
    assert 'id="reach-out"' in html and 'id="queue"' in html


def test_alerts_are_one_line_per_person_with_the_rest_counted(tmp_path: Path):
    """A client who raised 40 alerts in a day is one line (their news first) and a count, key clients lead,
    and past the limit the digest says how many alerts and people it left out."""
    from delivery.digest import _alerts, day_bounds
    from storage.db import Database

    at = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    rows = [(f"key_client_negative:{i}", "key_client_negative", "kc:ana", "Ana posted something negative", 1)
            for i in range(39)]
    rows.append(("key_client_moment:n", "key_client_moment", "kc:ana", "Ana shared a new role", 1))
    rows += [(f"unanswered_question:{i}", "unanswered_question", f"p:x:u{i}", f"u{i}'s question has waited", 9)
             for i in range(12)]
    rows += [("unanswered_question:u0b", "unanswered_question", "p:x:u0", "u0's question has waited", 9),
             ("spike:2026-11-20", "spike", None, "Mentions are spiking", 9),
             ("key_client_negative:old", "key_client_negative", "kc:bo", "Bo, yesterday", 2)]
    with Database.open(tmp_path / "lw.duckdb") as db:
        db.con.executemany(
            "INSERT INTO alerts (alert_id, rule, post_uid, person_id, title, reason, url, created_at, delivery_status,"
            " priority) VALUES (?, ?, NULL, ?, ?, 'why', NULL, ?, 'delivered', ?)",
            [(aid, rule, pid, title, at.replace(day=19) if aid.endswith("old") else at, prio)
             for aid, rule, pid, title, prio in rows])
        lines, total, people = _alerts(db, *day_bounds(date(2026, 11, 20), timezone.utc), limit=5)
    assert total == 54 and people == 14  # Ana, 12 askers, the spike; Bo's alert was yesterday
    assert [line["title"] for line in lines][:2] == ["Ana shared a new role", "u0's question has waited"]
    assert [line["more_from_them"] for line in lines][:2] == [39, 1]
    assert len(lines) == 5 and sum(1 for line in lines if line["title"].startswith("Ana")) == 1

    _, text = render(context(alerts=lines, alerts_total=total, alerts_more=total - sum(1 + a["more_from_them"]
                                                                                       for a in lines),
                             alerts_more_people=people - len(lines)))
    assert "TODAY'S ALERTS (54)" in text and "(and 39 more from them today)" in text
    assert "... and 9 more alerts from 9 others." in text
