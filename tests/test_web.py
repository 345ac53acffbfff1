"""The web app (`listenwell serve`), driven like a user would: a real server on 127.0.0.1 over a scratch
copy of the bundled run, Debian's chromium through Playwright (never a downloaded browser), and plain
HTTP for the security checks. Every action is checked in the database afterwards."""
from __future__ import annotations


import os
import tempfile
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from listenwell.web.auth import (AuthSetupError, LoginThrottle, Session, SessionSigner, hash_password,
                                 load_login_secrets, verify_password)
from listenwell.web.security import safe_next, safe_url

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
# Screenshots refresh docs/screenshots/ only when asked (`make screenshots`), so a test run leaves the tree clean
SHOTS = REPO / "docs" / "screenshots" if os.environ.get("LISTENWELL_SCREENSHOTS") else None
PASSWORD = "correct horse battery staple"
HASH_ENV = "LISTENWELL_WEB_PASSWORD_HASH"
# the real `serve` command, under the real `listenwell` group (registered there or not yet)
SERVE = ("import sys; from listenwell.cli import main; from listenwell.cli_web import serve; "
         "'serve' in main.commands or main.add_command(serve); sys.exit(main())")
browser_only = pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian chromium is not installed at /usr/bin/chromium "
                                                             "(.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, config: Path, env_hash: str | None, scheduler: bool = False):
        self.config = config
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != HASH_ENV}
        if env_hash:
            env[HASH_ENV] = env_hash
        self.log = config.parent / f"serve-{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, "--config", str(config), "serve", "--port", str(self.port),
             *([] if scheduler else ["--no-scheduler"])],
            cwd=config.parent, env=env, stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))
        deadline = time.monotonic() + 60  # a loaded CI machine starts a server with its scheduler slowly
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"serve did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> int | None:
        self.proc.terminate()
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


@pytest.fixture(scope="module")
def site(bundled_run: Path, tmp_path_factory) -> Path:
    """A scratch copy of the bundled run: our writes never disturb other tests."""
    root = tmp_path_factory.mktemp("web") / "site"
    shutil.copytree(bundled_run.parent, root, ignore=shutil.ignore_patterns("listenwell-web.json", "serve-*.log"))
    return root / "config.yaml"


@pytest.fixture(scope="module")
def server(site: Path):
    srv = Server(site, hash_password(PASSWORD))
    yield srv
    srv.stop()


def db_rows(site: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Read the database as the server left it (read-only, closed at once)."""
    for attempt in range(20):
        try:
            con = duckdb.connect(str(site.parent / "data" / "listenwell.duckdb"), read_only=True)
        except duckdb.IOException:
            time.sleep(0.1)
            continue
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()
    raise AssertionError("database stayed locked")


def login_client(base: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=20)
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    response = client.post("/login", data={"csrf": csrf, "password": password})
    assert response.status_code == 303 and response.headers["location"] == "/queue", response.text[:300]
    return client


def csrf_of(client: httpx.Client, path: str = "/queue") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)[1]


# --- units: secrets, sessions, throttle, links ------------------------------------------------------

def test_password_hash_roundtrip_and_format():
    stored = hash_password("s3cret-enough")
    assert stored.startswith("scrypt$16384$8$1$") and "s3cret" not in stored
    assert verify_password("s3cret-enough", stored)
    assert not verify_password("s3cret-enougH", stored)
    assert not verify_password("x", "not-a-hash")


def test_login_token_generated_once_and_kept_only_as_a_0600_hash(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("LW_TEST_HASH", raising=False)
    db_path = tmp_path / "data" / "listenwell.duckdb"
    first = load_login_secrets(db_path, "LW_TEST_HASH")
    assert first.new_token and verify_password(first.new_token, first.password_hash)
    secrets_file = tmp_path / "data" / "listenwell-web.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert first.new_token not in secrets_file.read_text()
    again = load_login_secrets(db_path, "LW_TEST_HASH")
    assert again.new_token is None and again.password_hash == first.password_hash
    assert again.session_key == first.session_key
    monkeypatch.setenv("LW_TEST_HASH", hash_password("from the environment"))
    env = load_login_secrets(db_path, "LW_TEST_HASH")
    assert env.source == "env:LW_TEST_HASH" and verify_password("from the environment", env.password_hash)
    monkeypatch.setenv("LW_TEST_HASH", "plaintext-password")
    with pytest.raises(AuthSetupError, match="hash-password"):
        load_login_secrets(db_path, "LW_TEST_HASH")


def test_session_cookie_is_signed_expires_and_dies_with_the_password(tmp_path):
    from listenwell.web.sessions import SessionStore

    store = SessionStore(tmp_path / "sessions.sqlite3")
    signer = SessionSigner(b"k" * 32, "fp1", hours=1, store=store)
    session = signer.login(now=1000.0)
    cookie = signer.dumps(session)
    assert signer.loads(cookie, now=1001.0).auth
    body, sig = cookie.split(".")
    assert signer.loads(body + "." + sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB"), now=1001.0) is None
    assert SessionSigner(b"k" * 32, "fp2", hours=1, store=store).loads(cookie, now=1001.0) is None  # new password
    assert SessionSigner(b"x" * 32, "fp1", hours=1, store=store).loads(cookie, now=1001.0) is None  # other key
    assert signer.loads(signer.dumps(signer.login(now=1000.0)), now=1000.0 + 3601) is None  # expired
    other = signer.login(now=1000.0)
    signer.logout(other)  # logging out ends the session on the server: the saved cookie opens nothing
    assert signer.loads(signer.dumps(other), now=1001.0) is None
    assert (tmp_path / "sessions.sqlite3").stat().st_mode & 0o077 == 0
    assert session.token not in (tmp_path / "sessions.sqlite3").read_bytes().decode("latin-1")
    anonymous = signer.loads(signer.dumps(Session()))
    assert anonymous is not None and not anonymous.auth


def test_login_throttle_backs_off_after_three_failures():
    throttle = LoginThrottle()
    for _ in range(3):
        assert throttle.wait_seconds("a", now=0) == 0
        throttle.failed("a", now=0)
    assert throttle.wait_seconds("a", now=0) == 0
    throttle.failed("a", now=0)
    assert throttle.wait_seconds("a", now=0) == 2
    throttle.failed("a", now=0)
    assert throttle.wait_seconds("a", now=1) == 3
    assert throttle.wait_seconds("b", now=0) == 0
    throttle.succeeded("a")
    assert throttle.wait_seconds("a", now=0) == 0


def test_links_are_only_http_and_redirects_only_local():
    assert safe_url("https://x.com/a/status/1") == "https://x.com/a/status/1"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,hi", "//evil.example", "", None, 3):
        assert safe_url(bad) is None
    assert safe_next("/queue?status=all") == "/queue?status=all"
    for bad in ("//evil.example", "https://evil.example", "\\\\evil", "/x\r\nSet-Cookie: a", None):
        assert safe_next(bad) == "/"


# --- over HTTP: login, CSRF, headers, busy ------------------------------------------------------------

def test_pages_need_a_login_and_a_wrong_password_is_refused(server: Server):
    with httpx.Client(base_url=server.base, follow_redirects=False) as client:
        for path in ("/queue", "/reach-out", "/people", "/digest", "/sources", "/digest/2026-11-20/file"):
            response = client.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/login", path
        csrf = csrf_of(client, "/login")
        assert client.post("/login", data={"csrf": csrf, "password": "wrong"}).status_code == 401
        assert client.get("/queue").status_code == 303


@pytest.mark.slow
def test_every_post_without_or_with_a_wrong_csrf_token_is_refused(server: Server, site: Path):
    from listenwell.config import load_config
    from listenwell.web import LoginSecrets, create_app
    from listenwell.web.app import post_paths

    paths = post_paths(create_app(load_config(site), LoginSecrets("x", b"k" * 32, "test")))
    assert {"/login", "/logout", "/queue/{suggestion_id}/{action}", "/reach-out/touch", "/reach-out/snooze",
            "/digest/write"} <= set(paths)
    sid = db_rows(site, "SELECT suggestion_id FROM reply_suggestions WHERE status = 'pending' "
                        "ORDER BY suggestion_id DESC LIMIT 1")[0][0]
    before = db_rows(site, "SELECT status, text FROM reply_suggestions WHERE suggestion_id = ?", [sid])
    touches = db_rows(site, "SELECT count(*) FROM interactions WHERE kind LIKE 'touch:%'")
    client = login_client(server.base)
    good = csrf_of(client)
    concrete = [p.replace("{suggestion_id}", sid).replace("{action}", "approve") for p in paths]
    form = {"person": "kc:priya-raman", "kind": "call", "note": "forged", "reason": "any", "days": "7",
            "password": PASSWORD, "text": "forged reply"}
    for path in concrete + [f"/queue/{sid}/dismiss", f"/queue/{sid}/edit"]:
        assert client.post(path, data=form).status_code == 403, path  # no token
        assert client.post(path, data=form | {"csrf": good[::-1]}).status_code == 403, path  # wrong token
    # the right token from another site is refused too
    assert client.post(f"/queue/{sid}/dismiss", data={"csrf": good},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    # a logged-out POST is refused, not replayed after a login
    with httpx.Client(base_url=server.base) as anonymous:
        assert anonymous.post(f"/queue/{sid}/dismiss", data={"csrf": good}).status_code == 403
    assert db_rows(site, "SELECT status, text FROM reply_suggestions WHERE suggestion_id = ?", [sid]) == before
    assert db_rows(site, "SELECT count(*) FROM interactions WHERE kind LIKE 'touch:%'") == touches
    assert client.get("/queue").status_code == 200  # still logged in: nothing above logged us out


def test_security_headers_cookie_flags_and_digest_by_date_only(server: Server):
    with httpx.Client(base_url=server.base, follow_redirects=False) as client:
        first = client.get("/login")
        cookie = first.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # plain http on loopback
    client = login_client(server.base)
    response = client.get("/queue")
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    assert "server" not in headers
    assert "<script" not in response.text  # no scripts at all, inline or not
    assert PASSWORD not in response.text and "scrypt$" not in response.text
    raw = client.get("/digest/2026-11-20/file")
    assert raw.status_code == 200 and "sandbox" in raw.headers["content-security-policy"]
    for bad in ("/digest/..%2F..%2Fconfig.yaml", "/digest/2026-11-20.txt/file", "/digest/2026-02-30/file",
                "/digest/1999-01-01/file", "/digest/..%2F..%2Fdata%2Flistenwell-web.json/file"):
        assert client.get(bad).status_code == 404, bad


@pytest.mark.slow
def test_a_locked_database_gives_a_busy_page_with_503(server: Server, site: Path):
    client = login_client(server.base)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
                               "time.sleep(30)", str(site.parent / "data" / "listenwell.duckdb")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        response = client.get("/queue")
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert "Busy, retry" in response.text
    finally:
        holder.terminate()
        holder.wait(10)
    assert client.get("/queue").status_code == 200


@pytest.mark.slow
def test_serve_prints_a_one_time_token_when_no_hash_is_set(site: Path, tmp_path: Path):
    root = tmp_path / "fresh"
    shutil.copytree(site.parent, root, ignore=shutil.ignore_patterns("listenwell-web.json", "serve-*.log"))
    first = Server(root / "config.yaml", env_hash=None)
    try:
        log = first.log.read_text()
        token = re.search(r"shown only this once.*?\n\n\s+(\S+)\n", log, re.S)[1]
        client = login_client(first.base, token)
        assert client.get("/sources").status_code == 200
    finally:
        first.stop()
    secrets_file = root / "data" / "listenwell-web.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600 and token not in secrets_file.read_text()
    again = Server(root / "config.yaml", env_hash=None)
    try:
        assert token not in again.log.read_text()  # printed once, never again
        login_client(again.base, token)  # and it still works after a restart
    finally:
        again.stop()


@pytest.mark.slow
def test_serve_runs_the_scheduler_in_process_and_stops_it_cleanly(site: Path, tmp_path: Path):
    root = tmp_path / "sched"
    shutil.copytree(site.parent, root, ignore=shutil.ignore_patterns("listenwell-web.json", "serve-*.log"))
    status = root / "data" / "listenwell.duckdb.scheduler.json"
    first = Server(root / "config.yaml", hash_password(PASSWORD), scheduler=True)
    try:
        deadline = time.monotonic() + 10
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.exists() and '"collect:x-samples"' in status.read_text()
        client = login_client(first.base)
        for path in ("/queue", "/people", "/people/kc:priya-raman", "/reach-out", "/sources"):
            assert client.get(path).status_code == 200, path  # while the scheduler collects at start
        # one scheduler per database: a second server serves pages only
        second = Server(root / "config.yaml", hash_password(PASSWORD), scheduler=True)
        try:
            assert "not running the scheduler here" in second.log.read_text()
            assert login_client(second.base).get("/sources").status_code == 200
        finally:
            second.stop()
    finally:
        code = first.stop()
    assert code == 0, first.log.read_text()[-1500:]
    assert not status.exists()  # stopped cleanly: the job finished, the status file and lock are gone
    assert "stopping the scheduler" in first.log.read_text()


def test_serve_help_ends_with_an_example():
    from click.testing import CliRunner

    from listenwell.cli_web import serve

    result = CliRunner().invoke(serve, ["--help"])
    assert result.exit_code == 0
    tail = result.output.split("Example:")[-1]
    assert "Example:" in result.output and "listenwell serve" in tail
    assert "--no-scheduler" in result.output and "127.0.0.1" in result.output


# --- in the browser -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not HAVE_CHROMIUM:
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def dialogs() -> list[str]:
    return []


def new_page(browser, server: Server, dialogs: list[str], width: int = 1200, height: int = 800, login: bool = True):
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=server.base)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    if login:
        page.goto("/login")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]:has-text('Log in')")
        page.wait_for_url("**/queue")
    return page


def shot(page, name: str, tmp_dir: Path = Path(tempfile.gettempdir())) -> None:
    folder = SHOTS or tmp_dir / "listenwell-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))  # the viewport only, so each stays small
    assert path.stat().st_size < 300_000, f"{name}.png is too big"


def flash(page) -> str:
    return page.locator(".flash").inner_text()


@browser_only
@pytest.mark.slow
def test_login_in_the_browser(browser, server: Server, dialogs):
    page = new_page(browser, server, dialogs, login=False)
    page.goto("/queue")
    assert page.url.endswith("/login")
    shot(page, "login")
    page.fill("#password", "not it")
    page.click("button:has-text('Log in')")
    assert "not right" in page.locator(".flash-error").inner_text()
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url("**/queue")
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login")
    page.goto("/people")
    assert page.url.endswith("/login")
    page.context.close()


@browser_only
@pytest.mark.slow
def test_queue_approve_edit_dismiss_send_change_the_database(browser, server: Server, site: Path, dialogs):
    page = new_page(browser, server, dialogs)
    ids = page.locator("article.suggestion").evaluate_all("els => els.map(e => e.dataset.id)")
    assert len(ids) >= 4
    status = lambda sid: db_rows(site, "SELECT status, text, decided_by FROM reply_suggestions "
                                       "WHERE suggestion_id = ?", [sid])[0]
    shot(page, "queue")

    first, second, third = ids[0], ids[1], ids[2]
    page.locator(f"#{first} button:text-is('Approve')").click()
    page.wait_for_load_state()
    assert "Approved" in flash(page)
    assert status(first)[0] == "approved" and status(first)[2] == "web"
    assert page.url.endswith("/queue#at-1")  # back to the same place in the list, not the top

    card = page.locator(f"#{second}")
    card.locator("summary:has-text('Edit reply')").click()
    card.locator("textarea").fill("Thanks, we are on it: I will call you this afternoon.")
    card.locator("button:text-is('Save')").click()
    page.wait_for_load_state()
    assert "Saved your edit" in flash(page)
    assert status(second)[:2] == ("pending", "Thanks, we are on it: I will call you this afternoon.")

    fourth = ids[3]
    page.locator(f"#{third} button:has-text('Dismiss')").click()
    page.wait_for_load_state()
    assert status(third)[0] == "dismissed"
    assert page.locator(f"#{third}").count() == 0  # gone from the open view
    # back where it was: the item that took its place is the one the page is at
    assert page.url.endswith("#at-3")
    assert page.locator("#at-3 + article").get_attribute("id") == fourth
    assert page.locator(f"#{fourth}").is_visible() and page.evaluate("window.scrollY") > 0

    page.locator(f"#{first} button:has-text('Send')").click()  # sending.enabled is false: a dry run
    page.wait_for_load_state()
    assert "Dry run" in flash(page)
    assert status(first)[0] == "approved"

    assert page.locator(f"#{first} button:text-is('Approve')").count() == 0  # approved: Send instead
    # filters: by platform, then by person
    page.select_option("select[name=platform]", "reddit")
    page.click("button:has-text('Filter')")
    page.wait_for_load_state()
    metas = page.locator("article.suggestion .meta").all_inner_texts()
    assert metas and all(m.startswith("reddit") for m in metas)
    page.goto("/queue?status=open&person=Sofia+Lindqvist")
    assert set(page.locator("article.suggestion .person").all_inner_texts()) == {"Sofia Lindqvist"}
    assert not page.console_errors, page.console_errors
    page.context.close()


@browser_only
@pytest.mark.slow
def test_hostile_post_text_is_shown_as_text_and_never_runs(browser, server: Server, dialogs):
    page = new_page(browser, server, dialogs)
    page.goto("/queue?status=all")
    hostile = page.locator("blockquote.post", has_text="<script>alert(1)</script>")
    assert hostile.count() >= 1 and hostile.first.is_visible()
    assert "<img src=x onerror=alert(1)>" in hostile.first.inner_text()
    assert page.locator("main script, main img").count() == 0
    page.goto("/people?q=qwerty")
    page.locator("a.person").first.click()
    page.wait_for_load_state()
    assert page.locator(".timeline", has_text="<script>alert(1)</script>").count() == 1
    page.goto("/digest")
    digest = page.locator(".digest")
    assert digest.locator("#actions li").count() >= 3
    assert page.locator("main script, main img, iframe").count() == 0
    page.goto("/queue?status=all")  # the digest's queue holds the hostile posts as text too
    page.wait_for_timeout(300)
    assert dialogs == []
    page.context.close()


@browser_only
@pytest.mark.slow
def test_reach_out_log_touch_and_snooze_change_the_database(browser, server: Server, site: Path, dialogs):
    page = new_page(browser, server, dialogs)
    page.goto("/reach-out")
    shot(page, "reach-out")
    cards = page.locator("article.reach")
    assert cards.count() >= 2
    person = cards.first.get_attribute("data-person")
    cards.first.locator("summary:has-text('Log a touch')").click()
    cards.first.locator("select[name=kind]").select_option("meal")
    cards.first.locator("textarea[name=note]").fill("Coffee near their office; <b>renewal</b> looks fine")
    name = cards.first.locator("a.person").inner_text()
    cards.first.locator("button:has-text('Log touch')").click()
    page.wait_for_load_state()
    assert f"Logged a meal with {name}" in flash(page)  # a name, not an id
    assert page.url.endswith("/reach-out#reach-1")
    # what the meal answered is cleared, and the page says so
    assert f"You had a meal with {name.split()[0]}" in page.locator("#cleared").inner_text()
    assert person not in page.locator("article.reach").evaluate_all("els => els.map(e => e.dataset.person)")
    rows = db_rows(site, "SELECT kind, note, direction FROM interactions WHERE person_id = ? AND kind LIKE 'touch:%'",
                   [person])
    assert ("touch:meal", "Coffee near their office; <b>renewal</b> looks fine", "outbound") in rows

    second = page.locator("article.reach").nth(1)
    other = second.get_attribute("data-person")
    second.locator("select[name=days]").select_option("14")
    second.locator("button:has-text('Snooze')").click()
    page.wait_for_load_state()
    assert page.url.endswith("/reach-out#reach-2")
    assert db_rows(site, "SELECT count(*) FROM reach_out_snoozes WHERE person_id = ?", [other])[0][0] == 1
    # the touch shows on the person's timeline, as text
    page.goto(f"/people/{person}")
    assert page.locator(".timeline", has_text="<b>renewal</b> looks fine").count() == 1
    page.context.close()


@browser_only
@pytest.mark.slow
def test_people_person_digest_sources_pages(browser, server: Server, site: Path, dialogs):
    page = new_page(browser, server, dialogs)
    page.goto("/people")
    shot(page, "people")
    page.fill("input[name=q]", "sofia")
    page.click("button:has-text('Search')")
    page.wait_for_load_state()
    assert page.locator("a.person").all_inner_texts() == ["Sofia Lindqvist"]
    page.click("a.person")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Sofia Lindqvist"
    # two days of history (a week-old snapshot and today's) are too few for a line: the figure alone
    for sinew in ("time", "trust", "intensity", "reciprocity"):
        assert page.locator(f".sinew:has-text('{sinew}') .figure").count() == 1
    assert page.locator("svg.spark").count() == 0
    assert page.locator("text=x:sofialindqvist").count() == 1
    assert "board pack" in page.locator(".notes").inner_text()
    assert page.locator(".timeline li").count() >= 3
    shot(page, "person")

    page.goto("/digest")
    # in the page itself: no frame with its own scrollbar; the page scrolls through the whole digest
    assert page.locator("iframe").count() == 0
    for section in ("headline", "chart", "actions", "reach-out", "queue", "alerts", "topics", "emerging"):
        assert page.locator(f".digest #{section}").count() == 1, section
    assert page.locator(".digest #chart svg rect").count() >= 14
    assert "Sofia, a tier-1 client" in page.locator(".digest #actions").inner_text()
    assert page.evaluate("document.scrollingElement.scrollHeight") > 2000
    shot(page, "digest")
    page.click("button:has-text('digest')")  # (re)write today's
    page.wait_for_load_state()
    assert "Wrote the digest" in flash(page)
    assert page.url.endswith("/digest/2026-11-20")

    page.goto("/opportunities")
    assert page.locator("article.opportunity").count() >= 4
    assert page.locator("#share-of-voice").count() == 1 and page.locator("svg.chart rect").count() >= 10
    shot(page, "opportunities")

    page.goto("/sources")
    names = page.locator("article.source strong").all_inner_texts()
    assert names == ["x-samples", "reddit-samples", "mastodon-samples", "bluesky-samples", "fernhill-blog",
                     "tidewater-blog", "dq-weekly"]
    x_samples = page.locator("#source-x-samples").inner_text()
    assert "All 5 files read to the end" in x_samples and "costs nothing" in x_samples
    blog = page.locator("#source-fernhill-blog").inner_text()
    for fact in ("Last success", "Last error", "Next run", "Cost", "Follows the comments on 4 posts"):
        assert fact in blog, fact
    everything = page.locator("main").inner_text()
    assert "read to byte" not in everything and "validators" not in everything and "seen ids" not in everything
    shot(page, "sources")
    assert not page.console_errors, page.console_errors
    page.context.close()


@browser_only
@pytest.mark.slow
def test_every_page_fits_a_phone(browser, server: Server, dialogs):
    page = new_page(browser, server, dialogs, width=390, height=844)
    for path in ("/queue", "/queue?status=all", "/reach-out", "/people", "/people/kc:sofia-lindqvist", "/digest",
                 "/sources", "/opportunities"):
        page.goto(path)
        for summary in page.locator("summary").all()[:3]:
            summary.click()  # open editors and forms are part of the layout too
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways ({width}px)"
        for button in page.locator("main button").all()[:6]:
            box = button.bounding_box()
            assert box is None or (box["x"] >= 0 and box["x"] + box["width"] <= 390), path
    page.goto("/queue")
    shot(page, "queue-phone")
    page.context.close()
    page = new_page(browser, server, dialogs, width=390, height=844, login=False)
    page.goto("/login")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.context.close()


def test_opportunities_page_lists_buying_and_leaving_with_share_of_voice(server: Server):
    client = login_client(server.base)
    page = client.get("/opportunities")
    assert page.status_code == 200
    assert "Moving off Looker at the end of the quarter" in page.text and "leaving Looker" in page.text
    assert "Helen Kowalczyk" in page.text and 'href="/people/kc%3Ahelen-kowalczyk"' in page.text
    assert 'id="share-of-voice"' in page.text and "<svg" in page.text and "Fernhill Analytics" in page.text
    assert 'href="/opportunities" aria-current="page"' in page.text
    # only the offered windows; anything else falls back to 14 days (never an error, never echoed)
    assert client.get("/opportunities?days=7").status_code == 200
    odd = client.get("/opportunities?days=<script>")
    assert odd.status_code == 200 and "<script>" not in odd.text
    assert client.post("/opportunities").status_code in (403, 405)  # read-only
    anonymous = httpx.get(server.base + "/opportunities", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]


def test_queue_tabs_are_explained_on_the_page(server: Server):
    client = login_client(server.base)
    for view, words in (("open", "nobody has decided on yet, and approved replies not sent yet"),
                        ("pending", "nobody has decided on yet"), ("unknown", "interrupted while sending")):
        page = client.get(f"/queue?status={view}").text
        help_line = page.split('id="tab-help"', 1)[1].split("</p>", 1)[0]
        assert f"<strong>{view}</strong>" in help_line and words in help_line
    for view in ("open", "pending", "approved", "sent", "dismissed", "all"):
        assert re.search(rf'href="/queue\?status={view}" title="[^"]+"', page), view


def test_people_sort_and_search_work_without_javascript(server: Server):
    client = login_client(server.base)

    def rows(query: str) -> list[tuple[str, float, str]]:
        page = client.get("/people" + query).text
        return [(name, float(health), trend) for name, health, trend in re.findall(
            r'class="person" href="[^"]+"><bdi[^>]*>([^<]+)</bdi></a>.*?health (\d+) · (\w+)', page, re.S)]

    by_health = rows("?sort=health")
    assert len(by_health) > 20
    healths = [h for _, h, _ in by_health]
    assert healths == sorted(healths)
    assert [h for _, h, _ in rows("?sort=health-desc")] == sorted(healths, reverse=True)
    trends = [t for _, _, t in rows("?sort=trend")]
    order = {"cooling": 0, "steady": 1, "warming": 2}
    assert [order[t] for t in trends] == sorted(order[t] for t in trends)
    tiers = client.get("/people?sort=tier").text
    assert tiers.index("Priya Raman") < tiers.index("Kenji Watanabe")  # tier 1 before tier 3
    recent = client.get("/people?sort=last-contact-desc").text
    assert recent.index("Sofia Lindqvist") < recent.index("Grace Whitfield")  # yesterday before 4 Oct
    found = client.get("/people?q=brightpath&sort=name").text
    assert [n for n, _, _ in rows("?q=brightpath")] == ["Priya Raman"]  # her notes name the company
    assert "1 person matching" in found
    odd = client.get("/people?sort=<script>")
    assert odd.status_code == 200 and "<script>" not in odd.text and "sorted by tier, then health" in odd.text


def test_a_sparkline_needs_four_days_otherwise_a_figure():
    from datetime import date

    from listenwell.web.charts import trend_chart

    three = trend_chart([(date(2026, 11, d), 50 + d) for d in (18, 19, 20)], label="trust")
    assert "<svg" not in three and ">70<" in three and "3 days of history" in three
    four = trend_chart([(date(2026, 11, d), 50 + d) for d in (17, 18, 19, 20)], label="trust")
    assert four.startswith("<svg") and "<polyline" in four
    assert "<svg" not in trend_chart([], label="trust")


def test_where_a_source_stands_in_plain_words():
    from collectors.cursors import where_it_stands

    files = {"files": {"/a/x.jsonl": {"offset": 100, "size": 100}, "/a/y.jsonl": {"offset": 1000, "size": 251_000}}}
    assert where_it_stands(files) == ["1 of 2 files read to the end; 250 KB still to read."]
    streams = {"streams": {"mentions": {"since_id": "19"}, "search_0": {"since_id": "5", "next_token": "t"},
                           "timelines": {"retry_at": "2026-11-20T18:15:00Z"}, "own_posts": {}}}
    assert where_it_stands(streams) == [
        "mentions: caught up; the next run reads only what is new.",
        "search 0: catching up on a backlog, a few pages each run.",
        "timelines: resting after a rate limit, until 2026-11-20T18:15:00Z.",
        "own posts: not read yet."]
    feed = {"http": {"https://b.example/feed": {"etag": "x"}}, "seen": ["a", "b"], "threads": {"a": {}}}
    assert where_it_stands(feed) == ["Remembers 2 posts already read, so nothing is stored twice.",
                                     "Follows the comments on 1 post."]
    assert where_it_stands({}) == ["Not read yet."]
    for line in where_it_stands(files) + where_it_stands(streams) + where_it_stands(feed):
        assert "byte" not in line and "validator" not in line and "since_id" not in line
