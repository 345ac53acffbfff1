"""Mastodon and Bluesky sample data for the bundled config, in the APIs' real JSON shapes (deterministic,
stdlib only): ``python examples/make_social_samples.py``.

* ``mastodon/*.jsonl``: one API answer per line — ``GET /api/v1/notifications`` (mentions), a hashtag timeline
  and key clients' statuses (``GET /api/v1/accounts/:id/statuses``): lists of Status / Notification entities.
* ``bluesky/*.jsonl``: ``app.bsky.notification.listNotifications``, ``app.bsky.feed.searchPosts`` and
  ``app.bsky.feed.getAuthorFeed`` answers: post views with their records, facets and reply refs.

The people are the key clients of ``config.yaml`` (their Mastodon and Bluesky handles are listed there), so one
person's X, Reddit, blog, Mastodon and Bluesky posts meet in ``listenwell people``.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).parent
START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def when(day: int, hour: int, minute: int = 0) -> datetime:
    return START + timedelta(days=day, hours=hour, minutes=minute)


def iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- Mastodon ------------------------------------------------------------------------------------------

M_ACCOUNTS = {
    "fernhill": ("109001", "fernhill", "Fernhill Analytics", "mastodon.social"),
    "priya": ("109101", "priya", "Priya Raman", "hachyderm.io"),
    "sofia": ("109102", "sofialq", "Sofia Lindqvist", "fosstodon.org"),
    "helen": ("109103", "helenk", "Helen Kowalczyk", "mastodon.social"),
    "nora": ("109104", "nora_builds", "Nora Adeyemi", "infosec.exchange"),
}


def m_account(key: str) -> dict:
    id_, user, name, host = M_ACCOUNTS[key]
    acct = user if host == "mastodon.social" else f"{user}@{host}"
    return {"id": id_, "username": user, "acct": acct, "display_name": name, "locked": False, "bot": False,
            "discoverable": True, "group": False, "created_at": "2022-11-07T00:00:00.000Z", "note": "",
            "url": f"https://{host}/@{user}", "uri": f"https://{host}/users/{user}", "avatar": "",
            "avatar_static": "", "header": "", "header_static": "", "followers_count": 300, "following_count": 180,
            "statuses_count": 900, "last_status_at": "2026-11-20", "emojis": [], "fields": []}


def m_mention(key: str) -> dict:
    a = m_account(key)
    return {"id": a["id"], "username": a["username"], "url": a["url"], "acct": a["acct"]}


M_SEQ = [113_500_000_000_000_000]


def m_status(key: str, text: str, at: datetime, *, reply_to: dict | None = None, mentions: tuple[str, ...] = (),
             visibility: str = "public") -> dict:
    M_SEQ[0] += 1_000_000
    a = m_account(key)
    host = a["url"].split("/")[2]
    html = "<p>" + " ".join(
        f'<span class="h-card"><a href="{m_account(w[1:]).get("url")}" class="u-url mention">@<span>'
        f'{m_account(w[1:])["username"]}</span></a></span>' if w.startswith("@") and w[1:] in M_ACCOUNTS else
        w.replace("&", "&amp;").replace("<", "&lt;") for w in text.split(" ")) + "</p>"
    id_ = str(M_SEQ[0])
    return {"id": id_, "created_at": iso(at), "in_reply_to_id": reply_to["id"] if reply_to else None,
            "in_reply_to_account_id": reply_to["account"]["id"] if reply_to else None, "sensitive": False,
            "spoiler_text": "", "visibility": visibility, "language": "en",
            "uri": f"https://{host}/users/{a['username']}/statuses/{id_}", "url": f"https://{host}/@{a['username']}/{id_}",
            "replies_count": 0, "reblogs_count": 0, "favourites_count": 2, "edited_at": None, "content": html,
            "reblog": None, "application": None, "account": a, "media_attachments": [],
            "mentions": [m_mention(k) for k in mentions], "tags": [], "emojis": [], "card": None, "poll": None}


def m_notification(status: dict, n: int) -> dict:
    return {"id": str(40_000 + n), "type": "mention", "created_at": status["created_at"],
            "account": status["account"], "status": status}


def mastodon() -> dict[str, list[list[dict]]]:
    ours = m_status("fernhill", "Scheduled exports to S3 are live for every plan. Notes: https://blog.fernhill.example/exports",
                    when(3, 9))
    q1 = m_status("priya", "@fernhill can viewers download CSVs from a dashboard, or only editors? Our COO "
                  "wants the raw numbers.", when(3, 11), reply_to=ours, mentions=("fernhill",))
    q2 = m_status("sofia", "@fernhill the Monday board pack export failed again this morning, second week running. "
                  "Who can look at it?", when(17, 7, 40), mentions=("fernhill",))
    praise = m_status("helen", "@fernhill the freshness checks caught a stale warehouse table before our ops review. "
                      "Thank you!", when(12, 14), mentions=("fernhill",))
    stranger = m_status("nora", "@fernhill is there a Looker or LookML importer? We have forty explores to move.",
                        when(16, 10), mentions=("fernhill",))
    news = m_status("priya", "Reading about data contracts this weekend. Any favourite write-ups?",
                    when(15, 18))
    sofia_own = m_status("sofia", "Our #dataengineering team moved the nightly pipeline to DuckDB. Half the cost.",
                         when(9, 16))
    tagged = [m_status("nora", "Dashboards nobody opens are the real #dataviz problem. One screen, one goal line.",
                       when(5, 12)),
              m_status("helen", "Null is not zero. Check that your checks ran. #dataquality", when(10, 9))]
    notes = [m_notification(s, i) for i, s in enumerate((q1, praise, stranger, q2))]
    return {
        "notifications.jsonl": [sorted(notes, key=lambda n: int(n["id"]), reverse=True)],
        "own_statuses.jsonl": [[ours]],
        "key_clients_statuses.jsonl": [[news], [sofia_own]],
        "tag_dataquality.jsonl": [sorted(tagged, key=lambda s: int(s["id"]), reverse=True)],
    }


# --- Bluesky -------------------------------------------------------------------------------------------

B_ACCOUNTS = {
    "fernhill": ("did:plc:fernhillanalytics00000000", "fernhill.bsky.social", "Fernhill Analytics"),
    "marcus": ("did:plc:marcusoyelaran000000000000", "marcus.tidewaterlabs.example", "Marcus Oyelaran"),
    "grace": ("did:plc:gracewhitfield0000000000000", "gracewhitfield.bsky.social", "Grace Whitfield"),
    "tom": ("did:plc:tomreyes000000000000000000", "tomreyes.bsky.social", "Tom Reyes"),
    "ines": ("did:plc:inesmarchetti00000000000000", "ines.bsky.social", "Ines Marchetti"),
    "ravi": ("did:plc:ravichandran0000000000000000", "ravi.bsky.social", "Ravi Chandran"),
}
B_SEQ = [0]


def b_author(key: str) -> dict:
    did, handle, name = B_ACCOUNTS[key]
    return {"did": did, "handle": handle, "displayName": name, "avatar": "", "labels": [],
            "createdAt": "2023-05-01T00:00:00.000Z"}


def b_post(key: str, text: str, at: datetime, *, reply_to: dict | None = None, mention: str | None = None) -> dict:
    B_SEQ[0] += 1
    did = B_ACCOUNTS[key][0]
    rkey = f"3lc{B_SEQ[0]:010d}"
    record: dict = {"$type": "app.bsky.feed.post", "text": text, "createdAt": iso(at), "langs": ["en"]}
    if reply_to:
        root = (reply_to["record"].get("reply") or {}).get("root") or {"uri": reply_to["uri"], "cid": reply_to["cid"]}
        record["reply"] = {"root": root, "parent": {"uri": reply_to["uri"], "cid": reply_to["cid"]}}
    if mention:
        at_handle = "@" + B_ACCOUNTS[mention][1]
        start = len(text.split(at_handle)[0].encode())
        record["facets"] = [{"$type": "app.bsky.richtext.facet",
                             "index": {"byteStart": start, "byteEnd": start + len(at_handle.encode())},
                             "features": [{"$type": "app.bsky.richtext.facet#mention",
                                           "did": B_ACCOUNTS[mention][0]}]}]
    return {"uri": f"at://{did}/app.bsky.feed.post/{rkey}", "cid": f"bafyreisample{B_SEQ[0]:044d}",
            "author": b_author(key), "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 3,
            "quoteCount": 0, "indexedAt": iso(at + timedelta(seconds=2)), "labels": []}


def b_notification(view: dict, reason: str) -> dict:
    return {"uri": view["uri"], "cid": view["cid"], "author": view["author"], "reason": reason,
            "record": view["record"], "isRead": False, "indexedAt": view["indexedAt"], "labels": []}


def bluesky() -> dict[str, list[dict]]:
    ours = b_post("fernhill", "New: data-quality checks now alert when a check did not run at all.", when(6, 10))
    reply = b_post("marcus", "@fernhill.bsky.social where do check alerts go? Slack, email, or both?", when(6, 13),
                   reply_to=ours, mention="fernhill")
    grace = b_post("ravi", "Three weeks since @fernhill.bsky.social support answered our pricing question. "
                   "Thinking about switching.", when(14, 15), mention="fernhill")
    ines = b_post("ines", "Loving the wall screen dashboard from @fernhill.bsky.social in our warehouse.", when(11, 8),
                  mention="fernhill")
    tom = b_post("tom", "Migration plan for the Fernhill trial drafted. Next up: permissions.", when(13, 17))
    marcus_news = b_post("marcus", "Spent the weekend making skipped dbt tests fail loudly at Tidewater. Worth it.",
                         when(16, 9))
    notes = [b_notification(reply, "reply"), b_notification(grace, "mention"), b_notification(ines, "mention")]
    notes.sort(key=lambda n: n["indexedAt"], reverse=True)
    return {
        "notifications.jsonl": [{"notifications": notes, "cursor": "1731000000000::bafy", "priority": False}],
        "search_fernhill.jsonl": [{"posts": [tom, grace], "hitsTotal": 2}],
        "author_feeds.jsonl": [{"feed": [{"post": marcus_news}, {"post": reply}]}, {"feed": [{"post": ours}]}],
    }


def write(folder: str, files: dict[str, list]) -> None:
    target = HERE / folder
    target.mkdir(exist_ok=True)
    for name, lines in files.items():
        (target / name).write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                                   encoding="utf-8")


if __name__ == "__main__":
    write("mastodon", mastodon())
    write("bluesky", bluesky())
