"""Right-to-left overrides in user text are isolated on every page and in the digest (HTML and text)."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import json

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from delivery.bidi import FSI, PDI, bdi, isolate
from listenwell.cli import main
from listenwell.config import load_config
from listenwell.web import create_app
from listenwell.web.auth import LoginSecrets, hash_password
from storage.db import Database

RLO = "\u202e"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class IsolationCheck(HTMLParser):
    """Every text node holding a bidi control sits inside <bdi> or an element with dir="auto"
    (or, in <title>, between FSI and PDI)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.bare: list[str] = []
        self.seen = 0

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if RLO not in data:
            return
        self.seen += 1
        isolated = any(tag == "bdi" or attrs.get("dir") == "auto" for tag, attrs in self.stack)
        in_title = any(tag == "title" for tag, _ in self.stack)
        if in_title:
            isolated = all(FSI in part for part in data.split(RLO)[:1]) and PDI in data
        if not isolated:
            self.bare.append(data.strip()[:80])


def check(html: str) -> IsolationCheck:
    parser = IsolationCheck()
    parser.feed(html)
    return parser


def test_the_helpers():
    assert str(bdi(f"a{RLO}<b>")) == f"<bdi>a{RLO}&lt;b&gt;</bdi>"
    assert isolate(f"x{RLO}y") == f"{FSI}x{RLO}y{PDI}" and isolate("plain") == "plain"


@pytest.fixture(scope="module")
def hostile_site(bundled_run: Path, tmp_path_factory) -> Path:
    """The bundled run with an RTL override planted in every kind of user text the pages show."""
    root = tmp_path_factory.mktemp("bidi") / "site"
    shutil.copytree(bundled_run.parent, root, ignore=shutil.ignore_patterns("listenwell-web.*", "serve-*.log"))
    config = root / "config.yaml"
    with Database.open(load_config(config).db_path, read_only=True) as db:
        kc_id, kc = db.con.execute("SELECT person_id, name FROM people WHERE is_key_client ORDER BY person_id "
                                   "LIMIT 1").fetchone()
    # the team's text (issue 22): who logged a touch or snoozed, a token's name, merge evidence, contacts
    env = {"LISTENWELL_USER": f"ops{RLO}x"}
    for args in (["touch", kc, "--kind", "call", "--note", f"called {RLO}back"],
                 ["reach-out", "snooze", kc, "--by", f"ana{RLO}x"], ["people", "suggest-merges"],
                 ["tokens", "create", f"zap{RLO}ier"]):
        result = CliRunner().invoke(main, ["--config", str(config), *args], env=env)
        assert result.exit_code == 0, (args, result.output)
    with Database.open(load_config(config).db_path) as db, db.transaction() as con:
        con.execute(f"UPDATE reply_suggestions SET assigned_to = 'cy{RLO}x', decided_by = 'ana{RLO}x', "
                    "decided_at = now()")
        con.execute(f"INSERT INTO users VALUES ('gone', 'Gone {RLO}x', 'viewer', 'x', now(), now())")  # disabled
        con.execute("UPDATE merge_suggestions SET evidence = ?", [json.dumps([{"kind": "same_name",
                                                                              "detail": f"bio {RLO}says"}])])
        con.execute("INSERT INTO contacts VALUES ('ct:rlo', 'csv:rlo', ?, 'RLO', NULL, ?, ?, NULL, NULL, 'csv', "
                    "'x.csv', now(), now())", [kc_id, f"Acme {RLO}Ltd", [f"a{RLO}@example.com"]])
        con.execute(f"UPDATE posts SET text = text || ' {RLO}gnp.exe'")
        con.execute(f"UPDATE people SET name = name || '{RLO}', notes = coalesce(notes, '') || ' {RLO}note'")
        con.execute(f"UPDATE identities SET display_name = coalesce(display_name, handle) || '{RLO}x'")
        con.execute(f"UPDATE reply_suggestions SET text = text || ' {RLO}r', reason = reason || ' {RLO}why'")
        con.execute(f"UPDATE source_state SET last_error = '{RLO}error', last_note = '{RLO}note'")
    return config


def test_every_page_isolates_user_text(hostile_site: Path):
    config = load_config(hostile_site)
    app = create_app(config, LoginSecrets(hash_password("correct horse 1"), b"k" * 32, "test"))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
        assert client.post("/login", data={"csrf": csrf, "password": "correct horse 1"},
                           follow_redirects=False).status_code == 303
        with Database.open(config.db_path, read_only=True) as db:
            people = [r[0] for r in db.con.execute(
                "SELECT person_id FROM people WHERE is_key_client ORDER BY person_id LIMIT 3").fetchall()]
        paths = ["/queue", "/queue?status=all", "/reach-out", "/people", "/opportunities", "/sources", "/digest",
                 "/team", *[f"/people/{p}" for p in people]]
        seen = 0
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            result = check(response.text)
            assert result.bare == [], f"{path}: user text without bidi isolation: {result.bare[:3]}"
            seen += result.seen
        assert seen > 50, "the planted overrides were shown (the check would prove nothing otherwise)"


def test_the_digest_isolates_user_text(hostile_site: Path, tmp_path: Path):
    from delivery.digest import write_digest

    config = load_config(hostile_site)
    with Database.open(config.db_path) as db:
        files = write_digest(config, db, None, tmp_path)
    html = files.html.read_text(encoding="utf-8")
    result = check(html)
    assert result.seen > 5 and result.bare == [], result.bare[:3]
    text = files.text.read_text(encoding="utf-8")
    for line in text.splitlines():
        for piece in re.findall(f"[^{FSI}{PDI}]*{RLO}", line):
            # every override sits inside an FSI … PDI pair on its line
            before = line[: line.index(piece) + len(piece)]
            assert before.count(FSI) > before.count(PDI), line
