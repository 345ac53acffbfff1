"""A Bluesky PDS/AppView's XRPC endpoints in their real JSON shapes (app.bsky.feed.defs#postView,
app.bsky.notification.listNotifications#notification, com.atproto.server.createSession …), served by
tests/httpserver.py on 127.0.0.1. Lists are newest first and paged with an opaque ``cursor``."""
from __future__ import annotations

import base64
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from tests.httpserver import LocalHTTPServer, RecordedRequest

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
US = {"did": "did:plc:fernhill0000000000000000", "handle": "fernhill.bsky.social", "displayName": "Fernhill Analytics"}
SOFIA = {"did": "did:plc:sofia00000000000000000000", "handle": "sofia.bsky.social", "displayName": "Sofia Lindqvist"}
MARCUS = {"did": "did:plc:marcus0000000000000000000", "handle": "marcusbell.dev", "displayName": "Marcus Bell"}
APP_PASSWORD = "abcd-efgh-ijkl-mnop"


def _iso(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def jwt(did: str, scope: str) -> str:
    now = int(time.time())  # the SDK checks expiry against the real clock
    return ".".join([_b64({"typ": "at+jwt", "alg": "ES256K"}),
                     _b64({"scope": scope, "sub": did, "iat": now, "exp": now + 7200, "aud": "did:web:pds.example"}),
                     "c2lnbmF0dXJl"])


def post(n: int, who: dict, text: str, *, minutes: int, reply_to: dict | None = None, mention: dict | None = None
         ) -> dict:
    uri = f"at://{who['did']}/app.bsky.feed.post/3lb{n:010d}"
    record: dict = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _iso(minutes), "langs": ["en"]}
    if reply_to:
        root = (reply_to["record"].get("reply") or {}).get("root") or {"uri": reply_to["uri"], "cid": reply_to["cid"]}
        record["reply"] = {"root": root, "parent": {"uri": reply_to["uri"], "cid": reply_to["cid"]}}
    if mention:
        at = f"@{mention['handle']}"
        start = len(text.split(at)[0].encode())
        record["facets"] = [{"$type": "app.bsky.richtext.facet",
                             "index": {"byteStart": start, "byteEnd": start + len(at.encode())},
                             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": mention["did"]}]}]
    return {"uri": uri, "cid": f"bafyreig{n:052d}", "author": {**who, "avatar": "", "labels": [],
                                                                 "createdAt": "2023-05-01T00:00:00.000Z"},
            "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 1, "quoteCount": 0,
            "indexedAt": _iso(minutes), "labels": []}


def notification(view: dict, reason: str) -> dict:
    return {"uri": view["uri"], "cid": view["cid"], "author": view["author"], "reason": reason,
            "record": view["record"], "isRead": False, "indexedAt": view["indexedAt"], "labels": []}


class FakeBluesky:
    def __init__(self, server: LocalHTTPServer):
        self.server = server
        self.lock = threading.Lock()
        self.notifications: list[dict] = []
        self.search: dict[str, list[dict]] = {}
        self.feeds: dict[str, list[dict]] = {}
        self.posts: dict[str, dict] = {}
        self.records: dict[str, dict] = {}  # rkey -> created record
        self.created: list[dict] = []
        self.faults: dict[str, list[tuple[int, dict, bytes]]] = {}
        self.handles = {u["handle"]: u["did"] for u in (US, SOFIA, MARCUS)}
        for nsid in ("com.atproto.server.createSession", "app.bsky.notification.listNotifications",
                     "app.bsky.feed.searchPosts", "app.bsky.feed.getAuthorFeed", "app.bsky.feed.getPosts",
                     "com.atproto.repo.getRecord", "com.atproto.repo.createRecord",
                     "com.atproto.identity.resolveHandle", "com.atproto.server.getSession"):
            server.route(f"/xrpc/{nsid}", handler=self.handle)

    def remember(self, *views: dict) -> None:
        for v in views:
            self.posts[v["uri"]] = v

    def fault(self, nsid: str, status: int, body: bytes | dict = b"", headers: dict | None = None) -> None:
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        self.faults.setdefault(nsid, []).append((status, headers or {}, raw))

    @staticmethod
    def _json(body, status: int = 200, headers: dict | None = None):
        return status, {"Content-Type": "application/json; charset=utf-8", "RateLimit-Limit": "3000",
                        "RateLimit-Remaining": "2999", **(headers or {})}, json.dumps(body).encode()

    @staticmethod
    def _paged(items: list[dict], query: dict, field: str, limit_default: int = 50) -> dict:
        ordered = sorted(items, key=lambda i: (i.get("indexedAt") or i["post"]["indexedAt"]), reverse=True)
        start = int(query.get("cursor", ["0"])[0])
        limit = int(query.get("limit", [str(limit_default)])[0])
        body = {field: ordered[start:start + limit]}
        if start + limit < len(ordered):
            body["cursor"] = str(start + limit)
        return body

    def handle(self, req: RecordedRequest):
        parts = urlsplit(req.path)
        nsid, query = parts.path.rsplit("/", 1)[1], parse_qs(parts.query)
        with self.lock:
            if self.faults.get(nsid):
                status, headers, body = self.faults[nsid].pop(0)
                return status, {"Content-Type": "application/json", **headers}, body
        if nsid == "com.atproto.server.createSession":
            data = json.loads(req.body or b"{}")
            if data.get("identifier") not in (US["handle"], US["did"]) or data.get("password") != APP_PASSWORD:
                return self._json({"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401)
            return self._json({"did": US["did"], "handle": US["handle"], "email": "team@fernhill.example",
                               "emailConfirmed": True, "accessJwt": jwt(US["did"], "com.atproto.appPass"),
                               "refreshJwt": jwt(US["did"], "com.atproto.refresh"), "active": True})
        if not (req.header("Authorization") or "").startswith("Bearer "):
            return self._json({"error": "AuthenticationRequired", "message": "Authentication Required"}, 401)
        if nsid == "com.atproto.server.getSession":
            return self._json({"did": US["did"], "handle": US["handle"], "active": True})
        if nsid == "app.bsky.notification.listNotifications":
            return self._json(self._paged(self.notifications, query, "notifications"))
        if nsid == "app.bsky.feed.searchPosts":
            return self._json(self._paged(self.search.get(query.get("q", [""])[0], []), query, "posts"))
        if nsid == "app.bsky.feed.getAuthorFeed":
            actor = query.get("actor", [""])[0]
            return self._json(self._paged([{"post": p} for p in self.feeds.get(actor, [])], query, "feed"))
        if nsid == "app.bsky.feed.getPosts":
            uris = query.get("uris", []) or query.get("uris[]", [])
            return self._json({"posts": [self.posts[u] for u in uris if u in self.posts]})
        if nsid == "com.atproto.identity.resolveHandle":
            did = self.handles.get(query.get("handle", [""])[0])
            return self._json({"did": did}) if did else self._json(
                {"error": "InvalidRequest", "message": "Unable to resolve handle"}, 400)
        if nsid == "com.atproto.repo.getRecord":
            rec = self.records.get(query.get("rkey", [""])[0])
            return self._json(rec) if rec else self._json(
                {"error": "RecordNotFound", "message": "Could not locate record"}, 400)
        if nsid == "com.atproto.repo.createRecord":
            data = json.loads(req.body)
            with self.lock:
                if data.get("rkey") in self.records:
                    return self._json({"error": "InvalidRequest", "message": "Record already exists"}, 400)
                uri = f"at://{data['repo']}/{data['collection']}/{data['rkey']}"
                made = {"uri": uri, "cid": f"bafyreinew{len(self.created):047d}", "value": data["record"]}
                self.records[data["rkey"]] = made
                self.created.append(data)
            return self._json({"uri": uri, "cid": made["cid"], "validationStatus": "valid"})
        return self._json({"error": "MethodNotImplemented"}, 501)
