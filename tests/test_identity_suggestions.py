"""One human, many handles: suggestions with their evidence (never merged silently), accept and reject,
a merge that leaves no empty person behind, and `people split` undoing it."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from collectors.base import Identity, Post
from engagement.identity_suggestions import accept, find_suggestions, name_key, refresh_suggestions, reject
from engagement.people import PersonError, merge_people, resolve_person, split_identity
from listenwell.cli import main
from storage.db import Database
from storage.writes import store_batch

NOW = datetime(2026, 11, 20, 18, tzinfo=timezone.utc)
OURS = {"x": {"fernhillhq"}, "reddit": set(), "blog": {"fernhill team"}}


@pytest.fixture
def site(bundled_run: Path, tmp_path: Path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(bundled_run.parent, root, ignore=shutil.ignore_patterns("listenwell-web.json", "serve-*.log"))
    return root / "config.yaml"


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def query(config: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(config.parent / "data" / "listenwell.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_name_key():
    assert name_key("Léna  Hartmann") == name_key("lena hartmann") == "lena hartmann"
    assert name_key("Lena") is None and name_key("Anonymous Coward") is None and name_key("x y") is None


def test_lena_is_suggested_with_evidence_and_one_person_after_accepting(site: Path):
    result = run(site, "people", "suggest-merges", "--json")
    assert result.exit_code == 0, result.output
    suggestions = json.loads(result.output)
    lena = [s for s in suggestions if s["a"]["name"] == "Lena Hartmann"]
    pairs = {frozenset((s["a"]["identity"], s["b"]["identity"])) for s in lena}
    assert frozenset(("x:lenahartmann", "blog:lena hartmann@dqweekly.example")) in pairs
    assert all(e["kind"] == "same_name" and "Lena Hartmann" in e["detail"] for s in lena for e in s["evidence"])
    # a handle that only reads like a name is not enough on its own
    assert not any({s["a"]["identity"], s["b"]["identity"]} == {"reddit:leo_fischer", "x:leofischer_de"}
                   for s in suggestions)
    # nothing was merged by suggesting
    assert query(site, "SELECT count(DISTINCT person_id) FROM identities WHERE identity_uid LIKE '%lena%hartmann%'") \
        == [(3,)]
    assert run(site, "person", "Lena Hartmann").exit_code == 2  # ambiguous: three Lenas

    for _ in range(3):  # accept Lena's suggestions until none is left
        pending = [s for s in json.loads(run(site, "people", "suggest-merges", "--json").output)
                   if s["a"]["name"] == "Lena Hartmann"]
        if not pending:
            break
        accepted = run(site, "people", "accept", pending[0]["suggestion_id"], "--by", "ana")
        assert accepted.exit_code == 0, accepted.output
    person = json.loads(run(site, "person", "Lena Hartmann", "--json").output)  # one person now
    assert {i["identity_uid"] for i in person["identities"]} >= {
        "x:lenahartmann", "blog:lena hartmann@dqweekly.example", "blog:lena hartmann@blog.fernhill.example"}
    # no empty Lena left behind
    assert query(site, "SELECT count(*) FROM people WHERE name = 'Lena Hartmann'") == [(1,)]
    assert query(site, "SELECT count(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM identities i "
                       "WHERE i.person_id = p.person_id) AND p.person_id LIKE 'p:%'") == [(0,)]
    merges = json.loads(run(site, "people", "merges", "--json").output)
    assert len(merges) == 2 and all(m["merged_by"] == "ana" for m in merges)
    assert query(site, "SELECT actor, action FROM audit_log WHERE action LIKE 'people.%' ORDER BY seq")[:2] == [
        ("ana", "people.merge"), ("ana", "people.suggestion_accept")]

    # `people split MERGE_ID` undoes a merge: the merged person is back, whole
    undo = run(site, "people", "split", merges[0]["merge_id"], "--json")
    assert undo.exit_code == 0, undo.output
    back = json.loads(undo.output)
    assert query(site, "SELECT name FROM people WHERE person_id = ?", [back["person_id"]]) == [("Lena Hartmann",)]
    assert query(site, "SELECT count(*) FROM identities WHERE person_id = ?", [back["person_id"]]) == \
        [(len(back["identities"]),)]
    again = run(site, "people", "split", merges[0]["merge_id"])
    assert again.exit_code == 2 and "already undone" in again.output
    # an undone merge's suggestion is not proposed again (a person decided)
    (undone_suggestion,), = query(site, "SELECT suggestion_id FROM merge_suggestions WHERE merge_id = ? "
                                        "AND status = 'rejected'", [merges[0]["merge_id"]])
    assert undone_suggestion not in run(site, "people", "suggest-merges").output


def test_reject_is_remembered(site: Path):
    first = json.loads(run(site, "people", "suggest-merges", "--json").output)
    target = next(s for s in first if s["a"]["name"] == "Gus Almeida")
    rejected = run(site, "people", "reject", target["suggestion_id"], "--by", "cy")
    assert rejected.exit_code == 0 and target["suggestion_id"] not in rejected.output  # names, not the id
    assert f"{target['a']['name']} and {target['b']['name']} stay two people" in rejected.output
    again = json.loads(run(site, "people", "suggest-merges", "--json").output)
    assert target["suggestion_id"] not in {s["suggestion_id"] for s in again}
    assert len(again) == len(first) - 1
    twice = run(site, "people", "reject", target["suggestion_id"])
    assert twice.exit_code == 2 and "already rejected by cy" in twice.output
    assert run(site, "people", "accept", "ms-nope").exit_code == 2


def _post(db: Database, platform: str, handle: str, text: str, at: datetime, *, name: str | None = None,
          url: str | None = None, raw: dict | None = None, kind: str = "post", n: int = 0) -> None:
    author = Identity(platform, handle, display_name=name, url=url)
    post = Post(platform=platform, native_id=f"{handle}-{n}", text=text, created_at=at, author=author, source="t",
                retrieved_at=at, kind=kind, raw=raw)
    store_batch(db, source="t", source_type="files", posts=[post], state={}, note=None, our_handles=OURS, now=at)


def test_signed_comments_profile_links_and_shared_websites(tmp_path: Path):
    db = Database.open(tmp_path / "lw.duckdb")
    try:
        at = NOW - timedelta(days=3)
        # a blog comment signed with an X handle; the X account uses another display name
        _post(db, "x", "zoe_data", "charts all day", at, name="Z. Petrova", n=1)
        _post(db, "blog", "zoe p@blog.fernhill.example", "Great write-up, thanks!\n— @zoe_data", at, name="Zoe P",
              kind="comment", n=2)
        # an X bio naming the host of someone's blog
        _post(db, "x", "marta_dq", "tests before trust", at, name="Marta Kowal",
              raw={"author": {"description": "I write at qualitynotes.example every week"}}, n=3)
        _post(db, "blog", "marta kowal@qualitynotes.example", "On null checks", at, name="Marta Kowal", n=4)
        # the same website in two profiles
        _post(db, "x", "ravi_b", "dbt things", at, name="Ravi", n=5,
              raw={"author": {"url": "https://ravibuilds.example/about"}})
        _post(db, "blog", "ravi@blog.fernhill.example", "Nice post", at, name="Ravi C", url="https://ravibuilds.example",
              kind="comment", n=6)
        # hard negatives: a common first name alone, an @mention in the middle of a comment
        _post(db, "x", "sam1", "hello", at, name="Sam", n=7)
        _post(db, "blog", "sam@blog.fernhill.example", "as @sam1 said, this works", at, name="Sam", kind="comment", n=8)
        found = {frozenset((s["a"]["person_id"], s["b"]["person_id"])): s for s in find_suggestions(db)}
        zoe = found[frozenset(("p:x:zoe_data", "p:blog:zoe p@blog.fernhill.example"))]
        assert [e["kind"] for e in zoe["evidence"]] == ["signed_handle"] and zoe["score"] == 0.6
        marta = found[frozenset(("p:x:marta_dq", "p:blog:marta kowal@qualitynotes.example"))]
        assert {e["kind"] for e in marta["evidence"]} == {"same_name", "profile_link"} and marta["score"] == 1.0
        assert "qualitynotes.example" in next(e["detail"] for e in marta["evidence"] if e["kind"] == "profile_link")
        ravi = found.get(frozenset(("p:x:ravi_b", "p:blog:ravi@blog.fernhill.example")))
        assert ravi is not None and {e["kind"] for e in ravi["evidence"]} == {"same_website"} and ravi["score"] == 0.5
        assert frozenset(("p:x:sam1", "p:blog:sam@blog.fernhill.example")) not in found

        # accepting merges with who and leaves no empty person; the X person is kept (more history equal: id order)
        stored = refresh_suggestions(db, NOW)
        sid = next(s["suggestion_id"] for s in stored if {s["a"]["person_id"], s["b"]["person_id"]} ==
                   {"p:x:zoe_data", "p:blog:zoe p@blog.fernhill.example"})
        result = accept(db, sid, NOW, "ana")
        kept = result["person_id"]
        assert db.scalar("SELECT count(*) FROM people WHERE person_id = ?", [result["merged"]]) == 0
        assert {r[0] for r in db.con.execute("SELECT identity_uid FROM identities WHERE person_id = ?", [kept]).fetchall()} \
            == {"x:zoe_data", "blog:zoe p@blog.fernhill.example"}
        with pytest.raises(Exception, match="already accepted"):
            accept(db, sid, NOW, "ana")
        other = next(s["suggestion_id"] for s in stored if s["suggestion_id"] != sid)
        reject(db, other, NOW, "cy")
        assert other not in {s["suggestion_id"] for s in refresh_suggestions(db, NOW)}
    finally:
        db.close()


def test_merge_moves_touches_and_snoozes_and_split_brings_them_back(site: Path):
    assert run(site, "touch", "p:x:jamalwright", "--kind", "call", "--note", "intro call").exit_code == 0
    assert run(site, "reach-out", "snooze", "p:x:jamalwright", "--days", "5").exit_code == 0
    merged = run(site, "people", "merge", "p:blog:jamal wright@blog.fernhill.example", "p:x:jamalwright", "--json",
                 "--by", "ana")
    assert merged.exit_code == 0, merged.output
    result = json.loads(merged.output)
    keep = result["person_id"]
    assert query(site, "SELECT count(*) FROM people WHERE person_id = 'p:x:jamalwright'") == [(0,)]
    assert query(site, "SELECT person_id FROM interactions WHERE note = 'intro call'") == [(keep,)]
    assert query(site, "SELECT person_id FROM reach_out_snoozes") == [(keep,)]
    split = run(site, "people", "split", result["merge_id"])
    assert split.exit_code == 0, split.output
    assert query(site, "SELECT name FROM people WHERE person_id = 'p:x:jamalwright'") == [("Jamal Wright",)]
    assert query(site, "SELECT person_id FROM interactions WHERE note = 'intro call'") == [("p:x:jamalwright",)]
    assert query(site, "SELECT person_id FROM identities WHERE identity_uid = 'x:jamalwright'") == \
        [("p:x:jamalwright",)]


def test_a_config_key_client_is_always_the_one_kept(site: Path):
    config_clients = {"kc:priya-raman"}
    db = Database.open(site.parent / "data" / "listenwell.duckdb")
    try:
        result = merge_people(db, "p:x:katemurphy_ops", "kc:priya-raman", NOW, "ana", config_clients)
        assert result["person_id"] == "kc:priya-raman" and result["merged"] == "p:x:katemurphy_ops"
        with pytest.raises(PersonError, match="both key clients"):
            merge_people(db, "kc:priya-raman", "kc:sofia-lindqvist", NOW, "ana",
                         config_clients | {"kc:sofia-lindqvist"})
        assert resolve_person(db, "x:katemurphy_ops") == "kc:priya-raman"
        split_identity(db, "x:katemurphy_ops", NOW, "ana")
        assert resolve_person(db, "x:katemurphy_ops") == "p:x:katemurphy_ops"
    finally:
        db.close()
