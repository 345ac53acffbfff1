"""The web queue shows each suggestion's candidates and counted length; a refused edit keeps what was typed."""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from listenwell.web.auth import hash_password
from tests.test_web import PASSWORD, Server, csrf_of, db_rows, login_client


@pytest.fixture(scope="module")
def site(bundled_run: Path, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("replies-web") / "site"
    shutil.copytree(bundled_run.parent, root, ignore=shutil.ignore_patterns("listenwell-web.json", "serve-*.log"))
    return root / "config.yaml"


@pytest.fixture(scope="module")
def server(site: Path):
    srv = Server(site, hash_password(PASSWORD))
    yield srv
    srv.stop()


def test_queue_page_shows_candidates_length_and_sources(server: Server):
    client = login_client(server.base)
    page = client.get("/queue").text
    assert "other candidate" in page and "Use this one" in page
    assert re.search(r"\d+/280 characters as X counts them", page)
    assert "from pricing#how-is-data-volume-counted" in page


def test_a_refused_edit_keeps_the_typed_text_and_says_by_how_much(server: Server, site: Path):
    client = login_client(server.base)
    sid, before = db_rows(site, "SELECT suggestion_id, text FROM reply_suggestions WHERE platform = 'x' AND "
                                "status = 'pending' ORDER BY suggestion_id LIMIT 1")[0]
    typed = "Thanks for your patience <b>really</b>. " + "z" * 260
    response = client.post(f"/queue/{sid}/edit", data={"csrf": csrf_of(client), "text": typed, "next": "/queue"})
    assert response.status_code == 422
    page = response.text
    assert html.escape(typed, quote=False) in page  # still in its box, as text
    over = len(typed) - 280
    assert f"{over} over the 280" in page and "Your text is kept below" in page
    assert "<b>really</b>" not in page
    assert db_rows(site, "SELECT text FROM reply_suggestions WHERE suggestion_id = ?", [sid])[0][0] == before


def test_use_this_one_saves_a_candidate(server: Server, site: Path):
    client = login_client(server.base)
    page = client.get("/queue").text
    sid, text = re.search(r'action="/queue/(rs-[0-9a-f]+)/edit">\s*<input type="hidden" name="csrf" value="[^"]+">'
                          r'<input type="hidden" name="next" value="[^"]*">\s*<input type="hidden" name="text" '
                          r'value="([^"]*)">', page).groups()
    text = html.unescape(text)
    response = client.post(f"/queue/{sid}/edit", data={"csrf": csrf_of(client), "text": text, "next": "/queue"})
    assert response.status_code == 303
    assert db_rows(site, "SELECT text FROM reply_suggestions WHERE suggestion_id = ?", [sid])[0][0] == text
