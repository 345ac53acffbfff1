"""A team on one listenwell: named users and roles in the web app, API tokens, the read-only JSON API and
the calendar feed, all against a real `listenwell serve` on 127.0.0.1 with a real HTTP client; the ICS
parsed by icalendar. Each refusal is checked in the database afterwards: nothing changed."""
from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from listenwell.cli import main
from listenwell.web.auth import hash_password
from tests.test_web import PASSWORD, Server

ANA, BEN, CY = ("ana", "ana's long password"), ("ben", "ben's long password"), ("cy", "cy's long password")


def cli(config: Path, *args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["--config", str(config), *args], input=stdin)


def rows(config: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(config.parent / "data" / "listenwell.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def team_site(bundled_run: Path, tmp_path_factory) -> dict:
    """A copy of the bundled run with three users, a live token and a revoked one."""
    root = tmp_path_factory.mktemp("team") / "site"
    shutil.copytree(bundled_run.parent, root, ignore=shutil.ignore_patterns("listenwell-web.json", "serve-*.log"))
    config = root / "config.yaml"
    for (name, password), role in ((ANA, "admin"), (BEN, "viewer"), (CY, "editor")):
        result = cli(config, "users", "add", name, "--role", role, "--password-stdin", stdin=password + "\n")
        assert result.exit_code == 0, result.output
    live = json.loads(cli(config, "tokens", "create", "zapier", "--json").output)
    old = json.loads(cli(config, "tokens", "create", "old crm", "--json").output)
    assert cli(config, "tokens", "revoke", "old crm").exit_code == 0
    return {"config": config, "token": live["token"], "token_id": live["token_id"], "revoked": old["token"]}


@pytest.fixture(scope="module")
def server(team_site: dict):
    srv = Server(team_site["config"], hash_password(PASSWORD))
    yield srv
    srv.stop()


def login(base: str, name: str, password: str, expect: int = 303) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=20)
    page = client.get("/login")
    assert 'name="name"' in page.text  # named users exist: the form asks who you are
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    response = client.post("/login", data={"csrf": csrf, "name": name, "password": password})
    assert response.status_code == expect, response.text[:300]
    return client


def csrf_of(client: httpx.Client, path: str = "/queue") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)[1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def a_pending(config: Path) -> str:
    return rows(config, "SELECT suggestion_id FROM reply_suggestions WHERE status = 'pending' "
                        "ORDER BY priority DESC, suggestion_id LIMIT 1")[0][0]


# --- the API ---------------------------------------------------------------------------------------

def test_api_refuses_no_token_a_wrong_one_and_a_revoked_one(server: Server, team_site: dict):
    with httpx.Client(base_url=server.base, timeout=20) as client:
        for path in ("/api/v1/queue", "/api/v1/people", "/api/v1/stats", "/calendar.ics"):
            response = client.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert "token" in response.json()["error"]
        assert client.get("/api/v1/queue", headers=bearer(team_site["revoked"])).status_code == 401
        forged = team_site["token"][:-4] + ("AAAA" if not team_site["token"].endswith("AAAA") else "BBBB")
        assert client.get("/api/v1/queue", headers=bearer(forged)).status_code == 401
        assert client.get(f"/calendar.ics?token={team_site['revoked']}").status_code == 401
        # the token is no session: a browser page still needs a login
        assert client.get("/queue", headers=bearer(team_site["token"]), follow_redirects=False).status_code == 303


def test_api_is_read_only(server: Server, team_site: dict):
    config = team_site["config"]
    before = rows(config, "SELECT suggestion_id, status FROM reply_suggestions ORDER BY 1")
    with httpx.Client(base_url=server.base, timeout=20, headers=bearer(team_site["token"])) as client:
        sid = a_pending(config)
        for method, path in (("POST", "/api/v1/queue"), ("POST", f"/api/v1/queue/{sid}/approve"),
                             ("DELETE", "/api/v1/people"), ("PUT", "/api/v1/stats")):
            response = client.request(method, path)
            assert response.status_code in (404, 405), (method, path)
            assert response.headers["content-type"].startswith("application/json")
    assert rows(config, "SELECT suggestion_id, status FROM reply_suggestions ORDER BY 1") == before


def test_every_endpoint_pages_with_iso_dates(server: Server, team_site: dict):
    with httpx.Client(base_url=server.base, timeout=30, headers=bearer(team_site["token"])) as client:
        first = client.get("/api/v1/queue", params={"limit": 2, "status": "all"}).json()
        assert first["limit"] == 2 and first["offset"] == 0 and len(first["items"]) == 2
        assert first["total"] == rows(team_site["config"], "SELECT count(*) FROM reply_suggestions")[0][0]
        second = client.get(first["next"]).json()
        assert second["offset"] == 2 and {i["id"] for i in second["items"]}.isdisjoint(i["id"] for i in first["items"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", first["items"][0]["posted_at"])

        reach = client.get("/api/v1/reach-out", params={"limit": 3}).json()
        assert reach["total"] >= 3 and len(reach["items"]) == 3
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", i["evidence_date"]) for i in reach["items"] if i["evidence_date"])
        people = client.get("/api/v1/people", params={"limit": 5}).json()
        assert people["total"] > 5 and people["next"].endswith("offset=5")
        sofia = client.get("/api/v1/people/kc:sofia-lindqvist").json()
        assert sofia["name"] == "Sofia Lindqvist" and sofia["timeline"]
        assert client.get("/api/v1/people/kc:nobody").status_code == 404
        digest = client.get("/api/v1/digest", params={"date": "2026-11-20", "limit": 2}).json()
        assert digest["digest"]["day"] == "2026-11-20" and len(digest["items"]) <= 2 and "chart_svg" not in digest["digest"]
        sources = client.get("/api/v1/sources").json()
        assert {s["source"] for s in sources["items"]} and sources["total"] == len(sources["items"])
        stats = client.get("/api/v1/stats").json()
        assert stats["posts"] == rows(team_site["config"], "SELECT count(*) FROM posts")[0][0]
        assert client.get("/api/v1/queue", params={"limit": 0}).status_code == 400
        assert client.get("/api/v1/queue", params={"limit": "lots"}).status_code == 400
        assert client.get("/api/v1/queue", params={"status": "nope"}).status_code == 400
        assert client.get("/api/v1/digest", params={"date": "20-11-2026"}).status_code == 400
    # the token's last use is kept (and shown by `tokens list`)
    assert rows(team_site["config"], "SELECT last_used_at IS NOT NULL FROM api_tokens WHERE token_id = ?",
                [team_site["token_id"]]) == [(True,)]
    listed = json.loads(cli(team_site["config"], "tokens", "list", "--json").output)
    assert [t for t in listed if t["name"] == "zapier"][0]["last_used_at"]
    assert [t for t in listed if t["name"] == "old crm"][0]["revoked_at"]


def test_openapi_describes_every_endpoint(server: Server):
    spec = httpx.get(server.base + "/api/v1/openapi.json", timeout=20).json()
    assert spec["openapi"].startswith("3.1")
    for path in ("/api/v1/queue", "/api/v1/reach-out", "/api/v1/people", "/api/v1/people/{person_id}",
                 "/api/v1/digest", "/api/v1/sources", "/api/v1/stats", "/calendar.ics"):
        assert "get" in spec["paths"][path], path
    queue = spec["paths"]["/api/v1/queue"]["get"]
    assert {p["name"] for p in queue["parameters"]} >= {"limit", "offset", "status"}
    assert "401" in queue["responses"]
    # the schema's fields are the ones the API returns
    item_fields = set(spec["components"]["schemas"]["QueueItem"]["properties"])
    assert {"id", "status", "priority", "reply", "posted_at", "assigned_to", "decided_by"} <= item_fields


def test_calendar_feed_is_a_real_calendar_of_all_day_events(server: Server, team_site: dict):
    response = httpx.get(server.base + "/calendar.ics", params={"token": team_site["token"]}, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert events
    from delivery.calendar import event_title

    listed = json.loads(cli(team_site["config"], "reach-out", "--json", "--limit", "50").output)
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries == [event_title(i) for i in listed]  # one event per person on the list, in its order
    priya = events[next(n for n, s in enumerate(summaries) if s.startswith("Call Priya"))]
    start = priya.decoded("DTSTART")
    assert type(start) is date and start == date(2026, 11, 20)  # all day, on the day the list is for
    assert priya.decoded("DTEND") == date(2026, 11, 21)
    description = str(priya["DESCRIPTION"])
    assert "Thrilled to share I've joined Acme Freight" in description  # her new role, quoted
    assert str(priya["URL"]).startswith("https://x.com/priyaraman_ops/status/") and str(priya["URL"]) in description
    for event, item in zip(events, listed):
        assert item["sentence"] in str(event["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == len(events)
    # the token in the feed's URL never reaches the access log
    assert team_site["token"] not in server.log.read_text()


# --- named users and roles in the web app ---------------------------------------------------------

def test_shared_password_stops_working_once_users_exist(server: Server):
    client = httpx.Client(base_url=server.base, follow_redirects=False, timeout=20)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
    response = client.post("/login", data={"csrf": csrf, "password": PASSWORD})
    assert response.status_code == 401
    login(server.base, "ana", "not ana's password", expect=401)


def test_a_viewer_cannot_change_anything(server: Server, team_site: dict):
    config = team_site["config"]
    sid = a_pending(config)
    before = rows(config, "SELECT status, decided_by, assigned_to, text FROM reply_suggestions WHERE suggestion_id = ?",
                  [sid])
    log_before = rows(config, "SELECT count(*) FROM audit_log")
    viewer = login(server.base, *BEN)
    page = viewer.get("/queue")
    assert page.status_code == 200 and "<bdi>ben</bdi> · viewer" in page.text  # the name is user text: isolated
    assert f'action="/queue/{sid}/approve"' not in page.text  # no buttons for a viewer
    csrf = csrf_of(viewer)
    for action, data in (("approve", {}), ("dismiss", {}), ("edit", {"text": "hijacked"}), ("assign", {"to": "ben"})):
        response = viewer.post(f"/queue/{sid}/{action}", data={"csrf": csrf, **data})
        assert response.status_code == 403, action
        assert "editor role" in response.text
    assert viewer.post("/reach-out/touch", data={"csrf": csrf, "person": "kc:priya-raman", "kind": "call"}
                       ).status_code == 403
    assert viewer.post("/reach-out/snooze", data={"csrf": csrf, "person": "kc:priya-raman", "reason": "any",
                                                  "days": "7"}).status_code == 403
    assert viewer.post("/team/tokens/create", data={"csrf": csrf, "name": "sneaky"}).status_code == 403
    assert rows(config, "SELECT status, decided_by, assigned_to, text FROM reply_suggestions WHERE suggestion_id = ?",
                [sid]) == before
    assert rows(config, "SELECT count(*) FROM audit_log") == log_before
    assert rows(config, "SELECT count(*) FROM api_tokens WHERE name = 'sneaky'") == [(0,)]


def test_an_editor_acts_and_every_action_records_who(server: Server, team_site: dict):
    config = team_site["config"]
    sid = a_pending(config)
    editor = login(server.base, *CY)
    csrf = csrf_of(editor)
    # assign to myself, then the "mine" filter shows it
    assert editor.post(f"/queue/{sid}/assign", data={"csrf": csrf, "to": "me"}).status_code == 303
    mine = editor.get("/queue", params={"mine": "1"}).text
    assert f'id="{sid}"' in mine and "assigned to <bdi>cy</bdi>" in mine  # a name: user text, isolated
    assert editor.post(f"/queue/{sid}/dismiss", data={"csrf": csrf}).status_code == 303
    assert rows(config, "SELECT status, decided_by FROM reply_suggestions WHERE suggestion_id = ?", [sid]) == \
        [("dismissed", "cy")]
    # undo: restore from the dismissed tab
    dismissed = editor.get("/queue", params={"status": "dismissed"}).text
    assert f'action="/queue/{sid}/restore"' in dismissed and "dismissed by <bdi>cy</bdi>" in dismissed
    assert editor.post(f"/queue/{sid}/restore", data={"csrf": csrf}).status_code == 303
    assert editor.post(f"/queue/{sid}/approve", data={"csrf": csrf}).status_code == 303
    assert rows(config, "SELECT status, decided_by, assigned_to FROM reply_suggestions WHERE suggestion_id = ?",
                [sid]) == [("approved", "cy", "cy")]
    actions = rows(config, "SELECT actor, action FROM audit_log WHERE target = ? ORDER BY seq", [sid])
    assert actions == [("cy", "queue.assign"), ("cy", "queue.dismiss"), ("cy", "queue.restore"),
                       ("cy", "queue.approve")]
    # a touch logged on the web carries the editor's name too
    assert editor.post("/reach-out/touch", data={"csrf": csrf, "person": "kc:grace-whitfield", "kind": "call",
                                                 "note": "case study: yes for January"}).status_code == 303
    assert rows(config, "SELECT logged_by FROM interactions WHERE person_id = 'kc:grace-whitfield' "
                        "AND note = 'case study: yes for January'") == [("cy",)]
    # and `queue show` tells the story
    shown = cli(config, "queue", "show", sid)
    assert "cy: assign" in shown.output and "cy: restore" in shown.output and "decided by cy" in shown.output


def test_two_colleagues_share_the_queue(server: Server, team_site: dict):
    config = team_site["config"]
    ids = [r[0] for r in rows(config, "SELECT suggestion_id FROM reply_suggestions WHERE status = 'pending' "
                                      "ORDER BY priority DESC, suggestion_id LIMIT 3")]
    ana, cy = login(server.base, *ANA), login(server.base, *CY)
    csrf_ana = csrf_of(ana)
    assert ana.post(f"/queue/{ids[0]}/assign", data={"csrf": csrf_ana, "to": "cy"}).status_code == 303
    assert ana.post(f"/queue/{ids[1]}/assign", data={"csrf": csrf_ana, "to": "me"}).status_code == 303
    cy_mine = cy.get("/queue", params={"mine": "1"}).text
    assert f'id="{ids[0]}"' in cy_mine and f'id="{ids[1]}"' not in cy_mine
    api = httpx.get(server.base + "/api/v1/queue", params={"assigned": "ana"}, headers=bearer(team_site["token"]),
                    timeout=20).json()
    assert [i["id"] for i in api["items"]] == [ids[1]]
    listed = cli(config, "queue", "list", "--assigned", "cy", "--json")
    assert ids[0] in [i["id"] for i in json.loads(listed.output)]
    who = rows(config, "SELECT actor, json_extract_string(details, '$.to') FROM audit_log "
                       "WHERE action = 'queue.assign' AND target IN (?, ?) ORDER BY seq", ids[:2])
    assert who == [("ana", "cy"), ("ana", "ana")]
    team = ana.get("/team").text
    assert "zapier" in team and "Revoke" in team  # the admin sees tokens
    assert "zapier" not in cy.get("/team").text  # an editor does not


def test_a_viewer_downloads_the_reach_out_list_for_a_spreadsheet(server: Server, team_site: dict):
    import csv
    import io

    assert httpx.get(server.base + "/export/reach-out.csv", follow_redirects=False, timeout=20).status_code == 303
    viewer = login(server.base, *BEN)
    response = viewer.get("/export/reach-out.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="listenwell-reach-out-2026-11-20.csv"' in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    expected = json.loads(cli(team_site["config"], "reach-out", "--json", "--limit", "1000").output)
    assert [r["person"] for r in table] == [e["person"] for e in expected]
    assert {"sentence", "evidence_url", "evidence_date", "action"} <= set(table[0])
    assert viewer.get("/export/posts.csv").status_code == 404  # millions of rows: the CLI's job
    assert viewer.get("/export/people.parquet").content[:4] == b"PAR1"


@pytest.mark.slow
def test_a_removed_user_is_logged_out(server: Server, team_site: dict):
    config = team_site["config"]
    assert cli(config, "users", "add", "dee", "--role", "editor", "--password-stdin",
               stdin="dee's long password\n").exit_code == 0
    dee = login(server.base, "dee", "dee's long password")
    assert dee.get("/queue").status_code == 200
    assert cli(config, "users", "remove", "dee").exit_code == 0
    # at once: the removal ended dee's server-side sessions and told every server to forget cached users
    assert dee.get("/queue").status_code == 303
    login(server.base, "dee", "dee's long password", expect=401)


def test_user_and_token_commands_check_their_input(team_site: dict):
    config = team_site["config"]
    assert "at least 10 characters" in cli(config, "users", "add", "eve", "--password-stdin", stdin="short\n").output
    assert "lowercase letters" in cli(config, "users", "add", "Eve Smith!", "--password-stdin",
                                      stdin="a long enough one\n").output
    assert "exists" in cli(config, "users", "add", "ana", "--password-stdin", stdin="a long enough one\n").output
    assert "last admin" in cli(config, "users", "role", "ana", "viewer").output
    assert "a token named 'zapier' exists" in cli(config, "tokens", "create", "zapier").output
    assert "no live token" in cli(config, "tokens", "revoke", "nope").output
    stored = rows(config, "SELECT secret_hash, password_hash FROM api_tokens, users WHERE users.name = 'ana'")
    assert all(team_site["token"].split("_", 2)[2] not in h for row in stored for h in row)
    assert all(row[1].startswith("$argon2id$") for row in stored)


# --- sessions of named users (issue 16's server-side sessions carry the user) ---------------------------

def session_rows(config: Path, user: str | None = None) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(config.parent / "data" / "listenwell-web.sqlite3")
    try:
        if user is None:
            return con.execute("SELECT * FROM web_sessions").fetchall()
        return con.execute("SELECT * FROM web_sessions WHERE user_id = ?", [user]).fetchall()
    finally:
        con.close()


def test_a_named_login_is_a_server_side_session_that_logout_revokes(server: Server, team_site: dict):
    config = team_site["config"]
    before = len(session_rows(config, "cy"))
    cy = login(server.base, *CY)
    assert len(session_rows(config, "cy")) == before + 1  # the row names the user
    cookie = cy.cookies["lw_session"]
    from listenwell.web.auth import _unb64

    assert list(json.loads(_unb64(cookie.strip('"').split(".")[0]))) == ["s"]  # the cookie holds a token only
    saved = dict(cy.cookies)
    assert cy.post("/logout", data={"csrf": csrf_of(cy)}).status_code == 303
    assert len(session_rows(config, "cy")) == before
    with httpx.Client(base_url=server.base, cookies=saved, follow_redirects=False, timeout=20) as replay:
        response = replay.get("/queue")
        assert response.status_code == 303 and response.headers["location"] == "/login"


def test_a_new_password_ends_that_users_sessions_and_no_one_elses(server: Server, team_site: dict):
    config = team_site["config"]
    first, second, ana = login(server.base, *CY), login(server.base, *CY), login(server.base, *ANA)
    assert first.get("/queue").status_code == second.get("/queue").status_code == 200
    new = "cy's brand new password"
    assert cli(config, "users", "passwd", "cy", "--password-stdin", stdin=new + "\n").exit_code == 0
    assert session_rows(config, "cy") == []  # revoked in the store, at once
    for client in (first, second):
        assert client.get("/queue").status_code == 303
    assert ana.get("/queue").status_code == 200  # another user's session is untouched
    login(server.base, "cy", CY[1], expect=401)
    assert login(server.base, "cy", new).get("/queue").status_code == 200
    assert cli(config, "users", "passwd", "cy", "--password-stdin", stdin=CY[1] + "\n").exit_code == 0


def test_a_session_from_before_a_password_change_is_refused_even_if_its_row_survived(server: Server,
                                                                                   team_site: dict):
    """The row names the password it logged in with: restored from a backup, or missed by a revocation
    (another folder's store), it still opens nothing once the user's password changed."""
    import sqlite3

    config = team_site["config"]
    cy = login(server.base, *CY)
    (row,) = [r for r in session_rows(config, "cy")]
    assert cli(config, "users", "passwd", "cy", "--password-stdin", stdin="cy's interim password\n").exit_code == 0
    con = sqlite3.connect(config.parent / "data" / "listenwell-web.sqlite3")
    with con:
        con.execute(f"INSERT INTO web_sessions VALUES ({', '.join('?' * len(row))})", row)
    con.close()
    assert cy.get("/queue").status_code == 303
    assert session_rows(config, "cy") == []  # and the stale row was deleted on sight
    assert cli(config, "users", "passwd", "cy", "--password-stdin", stdin=CY[1] + "\n").exit_code == 0


def test_a_role_change_applies_on_the_next_request(server: Server, team_site: dict):
    config = team_site["config"]
    sid = a_pending(config)
    cy = login(server.base, *CY)
    csrf = csrf_of(cy)
    assert f'action="/queue/{sid}/approve"' in cy.get("/queue").text
    assert cli(config, "users", "role", "cy", "viewer").exit_code == 0
    try:
        page = cy.get("/queue")  # no wait: the change told every server to forget its cached users
        assert page.status_code == 200 and "<bdi>cy</bdi> · viewer" in page.text
        assert cy.post(f"/queue/{sid}/approve", data={"csrf": csrf}).status_code == 403
        assert rows(config, "SELECT status FROM reply_suggestions WHERE suggestion_id = ?", [sid]) == [("pending",)]
    finally:
        assert cli(config, "users", "role", "cy", "editor").exit_code == 0
    assert "<bdi>cy</bdi> · editor" in cy.get("/queue").text  # still logged in: a role change ends nothing


def test_the_login_throttle_counts_per_user_name(team_site: dict):
    """Failures spread over many addresses slow down the name they target (any spelling of it), not the
    other users; each address has its own count as well, both taken before the password is checked."""
    from starlette.testclient import TestClient

    from listenwell.config import load_config
    from listenwell.web import create_app
    from listenwell.web.auth import LoginSecrets, LoginThrottle

    class StoppedClock(LoginThrottle):  # every attempt at the same instant: the waits cannot run out mid-test
        def attempt(self, address, account="", now=None):
            return super().attempt(address, account, now=1000.0)

    app = create_app(load_config(team_site["config"]), LoginSecrets(hash_password(PASSWORD), b"k" * 32, "test"))
    app.state.throttle = StoppedClock()

    def attempt(address: str, name: str, password: str) -> int:
        with TestClient(app, base_url="http://127.0.0.1", client=(address, 40000), follow_redirects=False) as c:
            csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)[1]
            return c.post("/login", data={"csrf": csrf, "name": name, "password": password}).status_code

    for i in range(LoginThrottle.ACCOUNT_FREE + 1):  # the free failures, and one that starts the backoff
        assert attempt(f"10.0.0.{i}", "cy", f"wrong {i}") == 401
    assert attempt("10.0.1.1", "cy", CY[1]) == 429  # even the right password waits: the name is backing off
    assert attempt("10.0.1.2", " CY ", CY[1]) == 429  # the same user, spelled otherwise
    assert attempt("10.0.1.3", "ana", ANA[1]) == 303  # another user is not slowed by cy's guesser
    for _ in range(LoginThrottle.FREE + 1):
        assert attempt("10.0.2.1", "nobody", "wrong") == 401
    assert attempt("10.0.2.1", "ana", ANA[1]) == 429  # and one address's failures slow that address


def test_api_tokens_skip_the_login_but_not_the_host_check_or_the_headers(server: Server, team_site: dict):
    with httpx.Client(base_url=server.base, timeout=20, headers=bearer(team_site["token"])) as client:
        ok = client.get("/api/v1/stats")
        assert ok.status_code == 200 and "set-cookie" not in ok.headers  # no session for a token
        assert ok.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in ok.headers
        assert ok.headers["cache-control"] == "no-store"
        for path in ("/api/v1/stats", f"/calendar.ics?token={team_site['token']}"):
            assert client.get(path, headers={"Host": "evil.example"}).status_code == 400, path


# --- in the browser --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from tests.test_web import CHROMIUM, FLAGS, HAVE_CHROMIUM

    if not HAVE_CHROMIUM:
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def browser_login(browser, server: Server, name: str, password: str):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server.base)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url("**/queue")
    return page


@pytest.mark.slow
def test_in_the_browser_an_editor_merges_a_suggested_pair_and_corrects_a_touch(browser, server: Server,
                                                                              team_site: dict):
    from tests.test_web import SHOTS

    config = team_site["config"]
    page = browser_login(browser, server, *CY)
    assert page.locator("header .who").inner_text() == "cy · editor"
    page.goto("/people")
    page.click("button:has-text('Look for people who may be the same')")
    page.wait_for_selector(".suggestion-row")
    row = page.locator(".suggestion-row", has_text="Lena Hartmann").first
    assert "same name" in row.inner_text()
    suggestion_id = row.get_attribute("id")
    if SHOTS:
        page.screenshot(path=str(SHOTS / "people-suggestions.png"), full_page=False)
    row.locator("button:has-text('Same person: merge')").click()
    page.wait_for_selector(".flash-ok")
    assert "Merged Lena Hartmann" in page.locator(".flash").inner_text()
    assert rows(config, "SELECT status, decided_by FROM merge_suggestions WHERE suggestion_id = ?",
                [suggestion_id]) == [("accepted", "cy")]
    # log a touch on Priya's page, then correct it there
    page.goto("/people/kc:priya-raman")
    page.select_option("section:has(h2:has-text('Log a touch')) select[name=kind]", "call")
    page.fill("section:has(h2:has-text('Log a touch')) textarea[name=note]", "congrats on Acme")
    page.click("button:has-text('Log touch')")
    page.wait_for_selector(".flash-ok")
    touch = page.locator(".touch-row", has_text="congrats on Acme")
    assert "logged by cy" in touch.inner_text()
    touch.locator("summary:has-text('Edit or delete')").click()
    touch.locator("select[name=kind]").select_option("meal")
    touch.locator("textarea[name=note]").fill("lunch: congrats on Acme")
    touch.locator("button:has-text('Save')").click()
    page.wait_for_selector(".flash-ok")
    assert rows(config, "SELECT kind, note, logged_by FROM interactions WHERE person_id = 'kc:priya-raman' "
                        "AND note LIKE '%congrats on Acme'") == [("touch:meal", "lunch: congrats on Acme", "cy")]
    assert "cy · touch edit" in page.locator("section.log").inner_text()
    page.goto("/team")
    assert "cy" in page.locator("section.log").inner_text()
    if SHOTS:
        page.screenshot(path=str(SHOTS / "team.png"), full_page=False)
    page.context.close()
