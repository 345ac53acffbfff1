"""A Mastodon instance's REST API in its real JSON shapes (docs.joinmastodon.org/entities/Status, Account,
Notification), served by tests/httpserver.py on 127.0.0.1. Pages follow ``min_id``/``max_id`` and ``limit`` as
Mastodon does: with ``min_id`` the statuses just newer than it, newest first."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from tests.httpserver import LocalHTTPServer, RecordedRequest

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
RATE_HEADERS = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"}


def account(acct: str, id_: str, name: str, host: str = "mastodon.example") -> dict:
    user = acct.split("@")[0]
    url_host = acct.split("@")[1] if "@" in acct else host
    return {
        "id": id_, "username": user, "acct": acct, "display_name": name, "locked": False, "bot": False,
        "discoverable": True, "group": False, "created_at": "2022-11-01T00:00:00.000Z", "note": "<p>hello</p>",
        "url": f"https://{url_host}/@{user}", "uri": f"https://{url_host}/users/{user}", "avatar": "", "avatar_static": "",
        "header": "", "header_static": "", "followers_count": 120, "following_count": 80, "statuses_count": 300,
        "last_status_at": "2026-11-20", "emojis": [], "fields": [],
    }


US = account("fernhill", "100", "Fernhill Analytics")
SOFIA = account("sofia@hachyderm.io", "201", "Sofia Lindqvist")
MARCUS = account("marcus", "202", "Marcus Bell")


def status(id_: int, who: dict, html: str, *, minutes: int = 0, reply_to: dict | None = None,
           visibility: str = "public", mentions: tuple[dict, ...] = ()) -> dict:
    host = who["url"].split("/")[2]
    return {
        "id": str(id_), "uri": f"https://{host}/users/{who['username']}/statuses/{id_}",
        "created_at": (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", ".000Z"),
        "account": who, "content": html, "visibility": visibility, "sensitive": False, "spoiler_text": "",
        "media_attachments": [], "application": None,
        "mentions": [{"id": m["id"], "username": m["username"], "url": m["url"], "acct": m["acct"]} for m in mentions],
        "tags": [], "emojis": [], "reblogs_count": 0, "favourites_count": 1, "replies_count": 0,
        "url": f"https://{host}/@{who['username']}/{id_}",
        "in_reply_to_id": reply_to["id"] if reply_to else None,
        "in_reply_to_account_id": reply_to["account"]["id"] if reply_to else None,
        "reblog": None, "poll": None, "card": None, "language": "en", "text": None, "edited_at": None,
    }


def notification(id_: int, st: dict) -> dict:
    return {"id": str(id_), "type": "mention", "created_at": st["created_at"], "account": st["account"],
            "status": st}


def _page(items: list[dict], query: dict[str, list[str]]) -> list[dict]:
    limit = int(query.get("limit", ["40"])[0])
    newest_first = sorted(items, key=lambda i: int(i["id"]), reverse=True)
    if "min_id" in query:
        above = [i for i in newest_first if int(i["id"]) > int(query["min_id"][0])]
        return above[-limit:]  # the ones just newer than min_id
    if "max_id" in query:
        newest_first = [i for i in newest_first if int(i["id"]) < int(query["max_id"][0])]
    return newest_first[:limit]


class FakeMastodon:
    """The endpoints listenwell uses; ``faults[path]`` holds answers served (once each) before the real one."""

    def __init__(self, server: LocalHTTPServer):
        self.server = server
        self.lock = threading.Lock()
        self.notifications: list[dict] = []
        self.tags: dict[str, list[dict]] = {}
        self.accounts = {"fernhill": US, "sofia@hachyderm.io": SOFIA, "marcus": MARCUS}
        self.account_statuses: dict[str, list[dict]] = {}
        self.statuses: dict[str, dict] = {}
        self.posted: list[dict] = []
        self.idempotency: dict[str, dict] = {}
        self.faults: dict[str, list[tuple[int, dict, bytes]]] = {}
        self.token = "tok-7f3a9c1e5b42"
        for path in ("/api/v1/accounts/verify_credentials", "/api/v1/accounts/lookup", "/api/v1/notifications",
                     "/api/v2/search", "/api/v1/statuses"):
            server.route(path, handler=self.handle)
        for known in self.accounts.values():  # a known account with no statuses answers [], as Mastodon does
            server.route(f"/api/v1/accounts/{known['id']}/statuses", handler=self.handle)

    def add_tag(self, tag: str, *statuses: dict) -> None:
        self.tags.setdefault(tag, []).extend(statuses)
        self.server.route(f"/api/v1/timelines/tag/{tag}", handler=self.handle)
        self._remember(statuses)

    def add_account_statuses(self, acct_id: str, *statuses: dict) -> None:
        self.account_statuses.setdefault(acct_id, []).extend(statuses)
        self.server.route(f"/api/v1/accounts/{acct_id}/statuses", handler=self.handle)
        self._remember(statuses)

    def add_notifications(self, *notes: dict) -> None:
        self.notifications.extend(notes)
        self._remember([n["status"] for n in notes])

    def _remember(self, statuses) -> None:
        for st in statuses:
            self.statuses[st["id"]] = st
            self.server.route(f"/api/v1/statuses/{st['id']}", handler=self.handle)

    def fault(self, path: str, status: int, body: bytes | dict = b"", headers: dict | None = None) -> None:
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        self.faults.setdefault(path, []).append((status, headers or {}, raw))

    def handle(self, req: RecordedRequest):
        parts = urlsplit(req.path)
        path, query = parts.path, parse_qs(parts.query)
        with self.lock:
            if self.faults.get(path):
                status, headers, body = self.faults[path].pop(0)
                return status, {"Content-Type": "application/json", **headers}, body
        if req.header("Authorization") != f"Bearer {self.token}":
            return self._json({"error": "The access token is invalid"}, 401)
        if path == "/api/v1/accounts/verify_credentials":
            return self._json(US)
        if path == "/api/v1/accounts/lookup":
            found = self.accounts.get(query.get("acct", [""])[0])
            return self._json(found) if found else self._json({"error": "Record not found"}, 404)
        if path == "/api/v1/notifications":
            return self._json(_page(self.notifications, query))
        if path.startswith("/api/v1/timelines/tag/"):
            return self._json(_page(self.tags.get(path.rsplit("/", 1)[1], []), query))
        if path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
            return self._json(_page(self.account_statuses.get(path.split("/")[4], []), query))
        if path == "/api/v1/statuses" and req.method == "POST":
            return self._post(req)
        if path.startswith("/api/v1/statuses/"):
            st = self.statuses.get(path.rsplit("/", 1)[1])
            return self._json(st) if st else self._json({"error": "Record not found"}, 404)
        return self._json({"error": "Not found"}, 404)

    def _post(self, req: RecordedRequest):
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        key = req.header("Idempotency-Key")
        with self.lock:
            if key and key in self.idempotency:  # Mastodon answers a repeated key with the status it made
                return self._json(self.idempotency[key])
            new = status(900 + len(self.posted), US, f"<p>{form.get('status', '')}</p>", minutes=600,
                         reply_to=self.statuses.get(form.get("in_reply_to_id", "")),
                         visibility=form.get("visibility", "public"))
            self.posted.append(form | {"idempotency_key": key})
            if key:
                self.idempotency[key] = new
            self.account_statuses.setdefault("100", []).append(new)
        return self._json(new)

    @staticmethod
    def _json(body, status: int = 200):
        return status, {"Content-Type": "application/json; charset=utf-8", **RATE_HEADERS}, json.dumps(body).encode()
