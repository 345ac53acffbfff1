"""Posts about us, not only to us: the bundled samples end to end (issue 18's "Done when"), the queue's
ranking of posts that only name us, opportunities and share of voice."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from listenwell.cli import main
from listenwell.config import load_config
from storage.db import Database

PRIYA_CHURN = "considering switching away from Fernhill"


def cli(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.output


def rows(config: Path, sql: str, params: list | None = None) -> list[tuple]:
    with Database.open(load_config(config).db_path, read_only=True) as db:
        return db.con.execute(sql, params or []).fetchall()


def test_key_clients_untagged_churn_reaches_alert_queue_reach_out_and_digest(bundled_run: Path):
    """Priya (tier 1) writes "considering switching away from Fernhill" without tagging us."""
    post = rows(bundled_run, """SELECT p.post_uid, t.addressed_to_us, t.about_us, t.intents FROM posts p
                                JOIN tags t USING (post_uid) WHERE p.text LIKE ?""", [f"%{PRIYA_CHURN}%"])
    assert len(post) == 1
    uid, to_us, about_us, intents = post[0]
    assert not to_us and about_us and "churn_risk" in intents

    alerts = rows(bundled_run, "SELECT rule, title, delivery_status FROM alerts WHERE post_uid = ?", [uid])
    assert ("key_client_churn", "Priya Raman is talking about leaving", "delivered") in alerts

    queue = json.loads(cli(bundled_run, "queue", "list", "--json", "--limit", "100"))
    item = next(q for q in queue if PRIYA_CHURN in q["post_text"])
    assert item["intent"] == "churn_risk" and item["reason"].startswith("mentioned us by name")

    reach = {r["person"]: r for r in json.loads(cli(bundled_run, "reach-out", "--json"))}
    assert reach["Priya Raman"]["reason"] == "churn" and reach["Priya Raman"]["action"] == "call"
    assert PRIYA_CHURN in reach["Priya Raman"]["evidence_text"]
    assert "without tagging us" in reach["Priya Raman"]["sentence"]

    config = load_config(bundled_run)
    text = (config.resolve(config.digest.out_dir) / "digest-2026-11-20.txt").read_text()
    assert "Nothing needs you today" not in text
    do_today = text.split("DO TODAY", 1)[1].split("A PERSONAL TOUCH", 1)[0]
    assert "Call Priya today: they wrote about leaving" in do_today
    assert "Priya Raman is talking about leaving" in text.split("TODAY'S ALERTS", 1)[1]
    assert PRIYA_CHURN in text.split("REPLY QUEUE", 1)[1].split("TODAY'S ALERTS", 1)[0]


def test_churn_is_the_first_alert_a_key_client_has(bundled_run: Path):
    config = load_config(bundled_run)
    text = (config.resolve(config.digest.out_dir) / "digest-2026-11-20.txt").read_text()
    alerts = [line for line in text.split("TODAY'S ALERTS", 1)[1].splitlines() if line.startswith("- ")]
    priya = [line for line in alerts if "Priya Raman" in line]
    assert priya and priya[0].startswith("- Priya Raman is talking about leaving")
    assert alerts[0].startswith("- Sofia Lindqvist is talking about leaving")  # tier 1, churn before complaints


def test_posts_that_only_name_us_are_queued_below_posts_to_us(bundled_run: Path):
    queue = json.loads(cli(bundled_run, "queue", "list", "--json", "--limit", "200"))
    named = {q["post_text"][:40]: q for q in queue if q["reason"].startswith("mentioned us by name")}
    # Emma's untagged complaint and Ola's untagged question are queued; praise that names us is not
    assert any(t.startswith("Fernhill's scheduled exports failed") for t in named)
    assert any(t.startswith("Does Fernhill support SSO") for t in named)
    assert not any("pinned notes are a small thing" in q["post_text"] for q in queue)
    # false friends and opportunities never reach the queue
    for text in ("Fernhill Park parkrun", "Traffic on Fernhill Road", "Litter pick at the Fernhill gates",
                 "Moving off Looker", "evaluating Lightdash"):
        assert not any(text in q["post_text"] for q in queue), text
    # same intent, no key client: a post that only names us ranks below every post written to us
    for intent in ("complaint", "question"):
        to_us = [q["priority"] for q in queue if q["intent"] == intent and not q["key_client"]
                 and not q["reason"].startswith("mentioned us by name")]
        by_name = [q["priority"] for q in queue if q["intent"] == intent and not q["key_client"]
                   and q["reason"].startswith("mentioned us by name")]
        assert to_us and by_name and max(by_name) < min(to_us), (intent, by_name, to_us)


def test_false_friends_are_not_about_us(bundled_run: Path):
    found = dict(rows(bundled_run, """SELECT p.text, t.about_us OR len(t.competitors) > 0 FROM posts p
                                      JOIN tags t USING (post_uid) WHERE p.source = 'x-samples'"""))
    for start in ("Fernhill Park parkrun", "Traffic on Fernhill Road", "Fernhill Primary's bake sale",
                  "Litter pick at the Fernhill gates", "Shoutout to @fernhillfan99", "My nan's old Volvo"):
        text = next(t for t in found if t.startswith(start))
        assert found[text] is False, text
    for start in ("Fernhill's scheduled exports", "#Fernhill pinned notes", "Moving off Looker"):
        text = next(t for t in found if t.startswith(start))
        assert found[text] is True, text


def test_opportunities_list_buying_and_leaving_never_queued(bundled_run: Path):
    items = json.loads(cli(bundled_run, "opportunities", "--json"))
    by_text = {i["excerpt"][:30]: i for i in items}
    oscar = next(i for i in items if i["excerpt"].startswith("Moving off Looker"))
    assert oscar["kind"] == "leaving" and oscar["competitors"] == ["Looker"] and oscar["why"] == "leaving Looker"
    helen = next(i for i in items if i["person"] == "Helen Kowalczyk")
    assert helen["key_client"] and helen["kind"] == "buying" and items[0] is helen  # key clients first
    assert any(i["excerpt"].startswith("We're evaluating Lightdash and Metabase") for i in items)
    # leaving US is churn, not an opportunity; a post with no competitor is never one
    assert not any(PRIYA_CHURN in t for t in by_text) and all(i["competitors"] for i in items)
    uids = [i["post_uid"] for i in items]
    queued = rows(bundled_run, "SELECT count(*) FROM reply_suggestions WHERE list_contains(?, post_uid)", [uids])
    assert queued == [(0,)]
    text = cli(bundled_run, "opportunities", "--days", "30")
    assert "leaving Looker" in text and "Helen Kowalczyk ★ tier 2" in text
    config = load_config(bundled_run)
    digest = (config.resolve(config.digest.out_dir) / "digest-2026-11-20.txt").read_text()
    assert "OPPORTUNITIES" in digest and "Moving off Looker" in digest.split("OPPORTUNITIES", 1)[1]
    html = (config.resolve(config.digest.out_dir) / "digest-2026-11-20.html").read_text()
    assert 'id="opportunities"' in html and 'id="share-of-voice"' in html


def test_key_client_naming_a_competitor_raises_an_alert_and_a_reach_out(bundled_run: Path):
    alerts = rows(bundled_run, "SELECT rule, reason FROM alerts WHERE rule = 'key_client_competitor'")
    assert any("Helen Kowalczyk" in reason and "Looker" in reason for _rule, reason in alerts)
    reach = {r["person"]: r for r in json.loads(cli(bundled_run, "reach-out", "--json"))}
    assert reach["Helen Kowalczyk"]["reason"] == "competitor" and "Looker" in reach["Helen Kowalczyk"]["sentence"]


def test_share_of_voice_in_stats_json(bundled_run: Path):
    voice = json.loads(cli(bundled_run, "stats", "--json"))["share_of_voice"]
    names = [e["name"] for e in voice["entities"]]
    assert names == ["Fernhill Analytics", "Looker", "Metabase", "Superset", "Lightdash", "Tableau"]
    assert voice["entities"][0]["us"] and voice["days"] == 14 and voice["to"] == "2026-11-20"
    assert sum(e["posts"] for e in voice["entities"]) == voice["total"]
    assert abs(sum(e["share"] for e in voice["entities"]) - 1) < 0.01
    for entity in voice["entities"]:
        assert len(entity["per_day"]) == 14 and sum(d["posts"] for d in entity["per_day"]) == entity["posts"]
    # counted independently: posts not by us, in the window, naming or tagging us
    config = load_config(bundled_run)
    end = datetime(2026, 11, 21, 0, 0, tzinfo=config.tz)
    expected = rows(bundled_run, """SELECT count(*) FROM tags t JOIN posts p USING (post_uid)
                                    WHERE NOT t.from_us AND (t.about_us OR t.addressed_to_us)
                                      AND p.created_at >= ? AND p.created_at < ?""",
                    [end - timedelta(days=14), end])[0][0]
    assert voice["entities"][0]["posts"] == expected
    assert "share of voice: Fernhill Analytics" in cli(bundled_run, "stats")


def test_share_of_voice_chart_has_a_bar_segment_per_entity_day(bundled_run: Path):
    from delivery.share_chart import PALETTE, share_chart_png, share_chart_svg

    voice = json.loads(cli(bundled_run, "stats", "--json"))["share_of_voice"]
    for entity in voice["entities"]:
        for point in entity["per_day"]:
            point["day"] = datetime.fromisoformat(point["day"]).date()
    svg = share_chart_svg(voice)
    segments = sum(1 for e in voice["entities"] for d in e["per_day"] if d["posts"])
    assert svg.count("<rect") == segments
    assert svg.count(f'fill="{PALETTE[0]}"') == sum(1 for d in voice["entities"][0]["per_day"] if d["posts"])
    png = share_chart_png(voice)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 200


def test_without_brand_config_nothing_is_about_us(tmp_path: Path, bundled_config: Path):
    import yaml

    data = yaml.safe_load(bundled_config.read_text())
    data.pop("brand"), data.pop("competitors")
    bundled_config.write_text(yaml.safe_dump(data))
    cli(bundled_config, "run", "--once")
    assert rows(bundled_config, "SELECT count(*) FROM tags WHERE about_us OR len(competitors) > 0") == [(0,)]
    assert "Opportunities" not in (tmp_path / "out" / "digests" / "digest-2026-11-20.txt").read_text()
    result = CliRunner().invoke(main, ["--config", str(bundled_config), "opportunities"])
    assert result.exit_code == 2 and "no competitors configured" in result.output


def test_untagged_mentions_alert_once_across_runs(bundled_config: Path):
    cli(bundled_config, "run", "--once", "--no-digest")
    before = rows(bundled_config, "SELECT rule, post_uid FROM alerts WHERE rule LIKE 'key_client_%' ORDER BY ALL")
    assert ("key_client_churn" in {r for r, _u in before}) and ("key_client_competitor" in {r for r, _u in before})
    cli(bundled_config, "run", "--once", "--no-digest")
    assert rows(bundled_config, "SELECT rule, post_uid FROM alerts WHERE rule LIKE 'key_client_%' ORDER BY ALL") == before


def test_rows_tagged_before_the_brand_migration_get_defaults():
    """The brand columns default for rows written before migration 0018_1 (old databases keep working)."""
    import duckdb

    from storage.migrations import MIGRATIONS

    con = duckdb.connect()
    for name, sql in MIGRATIONS:
        if name.startswith("0018"):
            con.execute("""INSERT INTO tags (post_uid, seq, lang, sentiment_score, sentiment_label, topics, intents,
                                             moments, addressed_to_us, from_us, tagged_at, pipeline_version)
                           VALUES ('x:1', 1, 'en', 0, 'neutral', [], [], '[]', false, false, ?, 'old')""",
                        [datetime(2026, 1, 1, tzinfo=timezone.utc)])
        con.execute(sql)
    assert con.execute("SELECT about_us, competitors, thread_about_us FROM tags").fetchall() == [(False, [], False)]
