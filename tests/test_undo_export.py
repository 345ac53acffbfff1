"""Undo (restore a dismissed suggestion, unsnooze, edit or delete a touch: each recorded), ISO 8601 dates in
JSON outputs, `export` in three formats with the JSON outputs' columns, and `reach-out --ics`."""
from __future__ import annotations

import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from listenwell.cli import main

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)$")


@pytest.fixture
def site(bundled_run: Path, tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(bundled_run.parent, root, ignore=shutil.ignore_patterns("listenwell-web.json", "serve-*.log"))
    return root / "config.yaml"


def run(config: Path, *args: str, env: dict | None = None):
    return CliRunner().invoke(main, ["--config", str(config), *args], env=env)


def out_json(config: Path, *args: str, env: dict | None = None):
    result = run(config, *args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def query(config: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(config.parent / "data" / "listenwell.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def audit(config: Path, target: str) -> list[tuple]:
    return query(config, "SELECT actor, action FROM audit_log WHERE target = ? ORDER BY seq", [target])


# --- undo ------------------------------------------------------------------------------------------

def test_restore_a_dismissed_suggestion(site: Path):
    sid = out_json(site, "queue", "list", "--json", "--limit", "1")[0]["id"]
    assert run(site, "queue", "approve", sid, "--by", "ana").exit_code == 0
    assert run(site, "queue", "dismiss", sid, "--by", "ben").exit_code == 0
    restored = out_json(site, "queue", "restore", sid, "--by", "ana", "--json")
    assert restored["status"] == "approved"  # back to what it was when dismissed
    assert audit(site, sid) == [("ana", "queue.approve"), ("ben", "queue.dismiss"), ("ana", "queue.restore")]
    again = run(site, "queue", "restore", sid)
    assert again.exit_code == 2 and "only a dismissed suggestion can be restored" in again.output
    shown = run(site, "queue", "show", sid).output
    assert "ben: dismiss" in shown and "ana: restore" in shown


def test_unsnooze_brings_the_flag_back(site: Path):
    names = [i["person"] for i in out_json(site, "reach-out", "--json")]
    assert "Grace Whitfield" in names
    snoozed = out_json(site, "reach-out", "snooze", "Grace Whitfield", "--days", "14", "--json",
                       env={"LISTENWELL_USER": "cy"})
    assert snoozed["person_id"] == "kc:grace-whitfield" and snoozed["snoozed_by"] == "cy"
    assert ISO_TIME.match(snoozed["until"]) and snoozed["until"].startswith("2026-12-04")
    assert "Grace Whitfield" not in [i["person"] for i in out_json(site, "reach-out", "--json")]
    listed = out_json(site, "reach-out", "unsnooze", "--json")
    assert [(r["person_id"], r["reason"], r["snoozed_by"]) for r in listed] == [("kc:grace-whitfield", "any", "cy")]
    lifted = out_json(site, "reach-out", "unsnooze", "Grace Whitfield", "--json", env={"LISTENWELL_USER": "ana"})
    assert [r["reason"] for r in lifted["lifted"]] == ["any"]
    assert "Grace Whitfield" in [i["person"] for i in out_json(site, "reach-out", "--json")]
    assert audit(site, "kc:grace-whitfield")[-2:] == [("cy", "reach_out.snooze"), ("ana", "reach_out.unsnooze")]
    nothing = run(site, "reach-out", "unsnooze", "Grace Whitfield")
    assert nothing.exit_code == 2 and "no snooze in force" in nothing.output


def test_edit_and_delete_a_logged_touch(site: Path):
    health0 = out_json(site, "person", "Helen Kowalczyk", "--json")["health"]["intensity"]
    logged = out_json(site, "touch", "Helen Kowalczyk", "--kind", "note", "--note", "bon voyage card",
                      "--date", "2026-11-19", "--json", "--by", "ana")
    touch_id = logged["touch_id"]
    assert logged["logged_by"] == "ana" and ISO_TIME.match(logged["at"])
    health1 = out_json(site, "person", "Helen Kowalczyk", "--json")["health"]["intensity"]
    assert health1 > health0
    edited = out_json(site, "touches", "edit", touch_id, "--kind", "meal", "--note", "farewell lunch", "--json",
                      "--by", "cy")
    assert (edited["kind"], edited["note"]) == ("meal", "farewell lunch")
    health2 = out_json(site, "person", "Helen Kowalczyk", "--json")["health"]["intensity"]
    assert health2 > health1  # a meal weighs more than a note
    listed = out_json(site, "touches", "--person", "Helen Kowalczyk", "--json")
    assert [(t["touch_id"], t["kind"], t["logged_by"]) for t in listed] == [(touch_id, "meal", "ana")]
    deleted = run(site, "touches", "delete", touch_id, "--by", "cy")
    assert deleted.exit_code == 0, deleted.output
    assert out_json(site, "touches", "--person", "Helen Kowalczyk", "--json") == []
    assert out_json(site, "person", "Helen Kowalczyk", "--json")["health"]["intensity"] == pytest.approx(health0)
    assert audit(site, touch_id) == [("ana", "touch.log"), ("cy", "touch.edit"), ("cy", "touch.delete")]
    details = json.loads(query(site, "SELECT details FROM audit_log WHERE target = ? AND action = 'touch.delete'",
                               [touch_id])[0][0])
    assert details["note"] == "farewell lunch" and details["kind"] == "meal"  # what was deleted is kept
    assert run(site, "touches", "delete", touch_id).exit_code == 2
    assert "no touch 'touch:nope'" in run(site, "touches", "edit", "touch:nope", "--note", "x").output


def test_log_shows_who_did_what(site: Path):
    sid = out_json(site, "queue", "list", "--json", "--limit", "1")[0]["id"]
    assert run(site, "queue", "approve", sid, "--by", "ana").exit_code == 0
    entries = out_json(site, "log", "--actor", "ana", "--json")
    assert entries[0]["action"] == "queue.approve" and entries[0]["target"] == sid
    assert ISO_TIME.match(entries[0]["at"])
    assert sid in run(site, "log", "--action", "queue.").output


# --- ISO dates -------------------------------------------------------------------------------------

def test_json_outputs_use_iso_dates(site: Path):
    reach = out_json(site, "reach-out", "--json")
    assert reach and all(ISO_DAY.match(i["evidence_date"]) for i in reach if i["evidence_date"])
    assert all(ISO_TIME.match(i["evidence_at"]) for i in reach if i["evidence_at"])
    assert "19 Nov" not in json.dumps([{k: v for k, v in i.items() if k not in ("sentence", "detail", "also")}
                                       for i in reach])
    queue = out_json(site, "queue", "list", "--json")
    assert all(ISO_TIME.match(i["posted_at"]) for i in queue)
    person = out_json(site, "person", "Priya Raman", "--json")
    assert all(ISO_TIME.match(e["occurred_at"]) for e in person["timeline"])
    assert all(ISO_DAY.match(s["day"]) for s in person["snapshots"])
    sources = out_json(site, "sources", "--json")
    assert all(ISO_TIME.match(s["last_success"]) for s in sources if s["last_success"])


# --- export ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,json_args", [
    ("people", ["people", "--json", "--limit", "10000"]),
    ("queue", ["queue", "list", "--status", "all", "--limit", "10000", "--json"]),
    ("reach-out", ["reach-out", "--json", "--limit", "1000"]),
])
def test_export_has_the_json_outputs_columns(site: Path, tmp_path: Path, kind: str, json_args: list[str]):
    assert run(site, "touch", "Priya Raman", "--kind", "call", "--note", "congrats").exit_code == 0
    expected = out_json(site, *json_args)
    assert expected
    nd = run(site, "export", kind, "--format", "ndjson")
    assert nd.exit_code == 0, nd.output
    lines = [json.loads(line) for line in nd.output.splitlines()]
    assert lines == json.loads(json.dumps(expected))  # the same objects, line by line
    keys = set()
    for row in expected:
        for key, value in row.items():
            keys |= {f"{key}.{k}" for k in value} if isinstance(value, dict) else {key}
    for fmt in ("csv", "parquet"):
        path = tmp_path / f"{kind}.{fmt}"
        result = run(site, "export", kind, "--format", fmt, "--out", str(path))
        assert result.exit_code == 0, result.output
        table = pacsv.read_csv(path) if fmt == "csv" else pq.read_table(path)
        assert set(table.column_names) == keys and table.num_rows == len(expected)


def test_export_posts_and_touches_in_every_format(site: Path, tmp_path: Path, monkeypatch):
    import delivery.export as export

    monkeypatch.setattr(export, "BATCH_ROWS", 50)  # many batches: the stream is written batch by batch
    total = query(site, "SELECT count(*) FROM posts")[0][0]
    assert total > 200
    for fmt in ("csv", "parquet", "ndjson"):
        path = tmp_path / f"posts.{fmt}"
        result = run(site, "export", "posts", "--format", fmt, "--out", str(path))
        assert result.exit_code == 0, result.output
        if fmt == "csv":
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"created_at": pa.string()}))
            assert ISO_TIME.match(table.column("created_at")[0].as_py())
            assert json.loads(table.column("topics")[0].as_py()) is not None
        elif fmt == "parquet":
            table = pq.read_table(path)
        else:
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            assert len(rows) == total and ISO_TIME.match(rows[0]["created_at"])
            continue
        assert table.num_rows == total
        assert {"post_uid", "text", "person", "sentiment_label", "topics", "intents"} <= set(table.column_names)
    since = run(site, "export", "posts", "--format", "ndjson", "--since", "2026-11-19")
    recent = [json.loads(line) for line in since.output.splitlines()]
    assert recent and all(r["created_at"] >= "2026-11-19" for r in recent) and len(recent) < total
    assert run(site, "touch", "Priya Raman", "--kind", "call", "--note", "congrats").exit_code == 0
    touches = run(site, "export", "touches", "--format", "csv")
    assert touches.exit_code == 0 and "congrats" in touches.output and "touch_id" in touches.output.splitlines()[0]
    assert run(site, "export", "nope").exit_code == 2


# --- calendar file ---------------------------------------------------------------------------------

def test_reach_out_ics_file_is_a_calendar(site: Path, tmp_path: Path):
    path = tmp_path / "reach-out.ics"
    result = run(site, "reach-out", "--ics", str(path), "--limit", "5")
    assert result.exit_code == 0, result.output
    calendar = Calendar.from_ical(path.read_bytes())
    events = list(calendar.walk("VEVENT"))
    listed = out_json(site, "reach-out", "--json", "--limit", "5")
    assert len(events) == len(listed) == 5
    for event, item in zip(events, listed):
        assert type(event.decoded("DTSTART")) is date and event.decoded("DTSTART") == date(2026, 11, 20)
        assert str(event["SUMMARY"]) and str(event["SUMMARY"]) in item["sentence"]
        assert item["sentence"] in str(event["DESCRIPTION"])
        if item["evidence_url"]:
            assert str(event["URL"]) == item["evidence_url"]
    summaries = [str(e["SUMMARY"]) for e in events]
    assert any(re.fullmatch(r"(Call|Email|Send|Take) \w+[^—]*", t) for t in summaries)  # "Call Priya …: …"
    assert all(":" in t or t.startswith(("Send", "Take")) for t in summaries)
    # the same list twice gives the same events (calendars update instead of duplicating)
    again = tmp_path / "again.ics"
    assert run(site, "reach-out", "--ics", str(again), "--limit", "5").exit_code == 0
    assert [str(e["UID"]) for e in Calendar.from_ical(again.read_bytes()).walk("VEVENT")] == \
        [str(e["UID"]) for e in events]


def test_csv_cells_that_start_like_a_formula_are_defused(site: Path, tmp_path: Path):
    """Post text and notes are untrusted: in a spreadsheet `=HYPERLINK(…)` must stay text."""
    con = duckdb.connect(str(site.parent / "data" / "listenwell.duckdb"))
    try:
        con.execute("UPDATE posts SET text = '=HYPERLINK(\"https://evil.example\",\"click\")' WHERE post_uid = "
                    "(SELECT min(post_uid) FROM posts)")
        (uid,), = con.execute("SELECT min(post_uid) FROM posts").fetchall()
    finally:
        con.close()
    assert run(site, "touch", "Priya Raman", "--kind", "note", "--note", "+1 555 0100 (her new number)").exit_code == 0
    posts = tmp_path / "posts.csv"
    assert run(site, "export", "posts", "--format", "csv", "--out", str(posts)).exit_code == 0
    table = pacsv.read_csv(posts)
    row = table.filter(pa.compute.equal(table.column("post_uid"), uid)).to_pylist()[0]
    assert row["text"] == "'=HYPERLINK(\"https://evil.example\",\"click\")"
    touches = run(site, "export", "touches", "--format", "csv").output
    assert "'+1 555 0100 (her new number)" in touches
    # NDJSON keeps the text exactly
    nd = [json.loads(line) for line in run(site, "export", "posts", "--format", "ndjson").output.splitlines()]
    assert next(r for r in nd if r["post_uid"] == uid)["text"].startswith("=HYPERLINK")


def test_messages_name_people_not_ids_with_the_right_plurals(site: Path):
    """What the team reads: "logged a call with Priya Raman", "1 identity moved", never kc:priya-raman."""
    touched = run(site, "touch", "Priya Raman", "--kind", "call", "--note", "congrats")
    assert touched.exit_code == 0 and touched.output.startswith("logged a call with Priya Raman on 2026-11-20")
    assert "kc:" not in touched.output
    emailed = run(site, "touch", "Priya Raman", "--kind", "email")
    assert emailed.output.startswith("logged an email with Priya Raman")
    snoozed = run(site, "reach-out", "snooze", "Priya Raman", "--days", "7")
    assert snoozed.exit_code == 0 and " for Priya Raman until " in snoozed.output and "kc:" not in snoozed.output
    lifted = run(site, "reach-out", "unsnooze", "Priya Raman")
    assert lifted.output.startswith("lifted 1 snooze for Priya Raman: ")
    people = out_json(site, "people", "--json", "--limit", "10000")
    loner = next(p for p in people if not p["is_key_client"] and len(p.get("identities", [])) <= 1)
    merged = run(site, "people", "merge", "Priya Raman", loner["person_id"])
    assert merged.exit_code == 0, merged.output
    assert merged.output.startswith(f"merged {loner['name']} into Priya Raman (1 identity moved) as mg-")
