"""Writes the X API v2 cassettes in this folder (vcrpy format, replayed with record_mode="none").

They are hand-made, in the shapes the API returns (``data`` / ``includes.users`` / ``meta``), so the real
``tweepy.Client`` runs against them without any network. Run it again after changing a scenario:

    .venv/bin/python tests/cassettes/x/make_cassettes.py

The query strings are written out here on purpose (not imported from the collector): a change in
what the collector asks X for must show up as a cassette change.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import yaml

HERE = Path(__file__).resolve().parent
API = "https://api.twitter.com"
EPOCH_MS = 1288834974657
# the collector's clock in the tests: 2026-11-20 18:00:00 UTC
NOW_TS = int(datetime(2026, 11, 20, 18, tzinfo=timezone.utc).timestamp())

FIELDS = {
    "max_results": "100",
    "expansions": "author_id,referenced_tweets.id,in_reply_to_user_id",
    "tweet.fields": "id,text,author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets,"
                    "entities,lang,public_metrics",
    "user.fields": "id,name,username,public_metrics,description,created_at,url,verified",
}

US = "1000"
USERS = {
    "1000": {"id": "1000", "username": "fernhillhq", "name": "Fernhill Analytics",
             "public_metrics": {"followers_count": 4210}},
    "2001": {"id": "2001", "username": "sofialindqvist", "name": "Sofia Lindqvist",
             "public_metrics": {"followers_count": 2260}},
    "2002": {"id": "2002", "username": "marcusbell", "name": "Marcus Bell",
             "public_metrics": {"followers_count": 9120}},
    "2004": {"id": "2004", "username": "gracewhitfield", "name": "Grace Whitfield",
             "public_metrics": {"followers_count": 5630}},
    # 2003 is a suspended account: its tweets arrive, its user object never does
}


def tid(day: int, hour: int, minute: int = 0, seq: int = 0) -> str:
    """A Snowflake id minted at 2026-11-<day> <hour>:<minute> UTC."""
    ms = int(datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc).timestamp() * 1000)
    return str(((ms - EPOCH_MS) << 22) + seq)


def when(tweet_id: str) -> str:
    ms = (int(tweet_id) >> 22) + EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def tweet(tweet_id: str, author: str, text: str, reply_to: str | None = None, conversation: str | None = None,
          reply_user: str | None = None) -> dict:
    t = {"id": tweet_id, "text": text, "author_id": author, "created_at": when(tweet_id), "lang": "en",
         "conversation_id": conversation or tweet_id,
         "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0}}
    mentions = [w[1:].rstrip("!?.,:") for w in text.split() if w.startswith("@")]
    if mentions:
        t["entities"] = {"mentions": [
            {"start": text.index("@" + m), "end": text.index("@" + m) + len(m) + 1, "username": m,
             "id": next((u["id"] for u in USERS.values() if u["username"] == m), "9999")} for m in mentions]}
    if reply_to:
        t["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
        t["in_reply_to_user_id"] = reply_user or US
    return t


def page(tweets: list[dict], next_token: str | None = None, extra_users: tuple[str, ...] = (),
         included_tweets: list[dict] = ()) -> dict:
    authors = list(dict.fromkeys([t["author_id"] for t in tweets] + list(extra_users)))
    body: dict = {"data": tweets} if tweets else {}
    users = [USERS[a] for a in authors if a in USERS]
    if users or included_tweets:
        body["includes"] = {}
        if users:
            body["includes"]["users"] = users
        if included_tweets:
            body["includes"]["tweets"] = list(included_tweets)
    meta: dict = {"result_count": len(tweets)}
    if tweets:
        meta["newest_id"] = max((t["id"] for t in tweets), key=int)
        meta["oldest_id"] = min((t["id"] for t in tweets), key=int)
    if next_token:
        meta["next_token"] = next_token
    body["meta"] = meta
    return body


# --- requests --------------------------------------------------------------------------------


def get(path: str, **params: str) -> dict:
    query = {k.replace("__", "."): v for k, v in params.items()}
    return {"method": "GET", "uri": f"{API}{path}?{urlencode(query)}", "body": None, "headers": {}}


def lookup(*usernames: str) -> dict:
    return get("/2/users/by", usernames=",".join(usernames), user__fields="id,username")


def mentions(user: str = US, **params: str) -> dict:
    return get(f"/2/users/{user}/mentions", **params, **{k.replace(".", "__"): v for k, v in FIELDS.items()})


def timeline(user: str, **params: str) -> dict:
    return get(f"/2/users/{user}/tweets", **params, **{k.replace(".", "__"): v for k, v in FIELDS.items()})


def search(query: str, **params: str) -> dict:
    return get("/2/tweets/search/recent", query=query, **params,
               **{k.replace(".", "__"): v for k, v in FIELDS.items()})


def post_tweet(body: dict) -> dict:
    return {"method": "POST", "uri": f"{API}/2/tweets", "body": json.dumps(body),
            "headers": {"Content-Type": ["application/json"]}}


# --- responses -------------------------------------------------------------------------------

REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           429: "Too Many Requests", 503: "Service Unavailable"}


def answer(status: int, body: dict | str, headers: dict[str, str] | None = None) -> dict:
    text = body if isinstance(body, str) else json.dumps(body)
    hdrs = {"content-type": ["application/json; charset=utf-8"]}
    for k, v in (headers or {}).items():
        hdrs[k] = [v]
    return {"status": {"code": status, "message": REASONS[status]}, "headers": hdrs, "body": {"string": text}}


def ok(body: dict) -> dict:
    return answer(200, body, {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449",
                              "x-rate-limit-reset": str(NOW_TS + 900)})


def users(*ids: str) -> dict:
    return ok({"data": [{"id": USERS[i]["id"], "username": USERS[i]["username"]} for i in ids]})


LOOKUP_US = (lookup("fernhillhq"), users(US))

# --- the tweets --------------------------------------------------------------------------------

OUR_ROOT = tid(17, 9)  # our own post that Sofia answers (not in any page: only referenced)
M1 = tweet(tid(19, 10), "2002", "Anyone tried @fernhillhq for ops dashboards?")
M2 = tweet(tid(19, 11), "2003", "@fernhillhq get 5000 followers fast, link in bio")  # suspended author
M3 = tweet(tid(19, 12), "2001", "@fernhillhq the export failed again this morning", reply_to=OUR_ROOT,
           conversation=OUR_ROOT)
M4 = tweet(tid(19, 13), "2004", "Case study draft is ready, @fernhillhq!")
M5 = tweet(tid(19, 14), "2001", "@fernhillhq thanks, that fixed it", reply_to=OUR_ROOT, conversation=OUR_ROOT)
M6 = tweet(tid(20, 9), "2002", "@fernhillhq congrats on the launch")
OUR_ROOT_TWEET = tweet(OUR_ROOT, US, "Scheduled exports are back to normal.")

# page 1 is newest first: M5 M4 M3; page 2: M2 M1
PAGE1 = page([M5, M4, M3], next_token="tok-page-2", included_tweets=[OUR_ROOT_TWEET])
PAGE2 = page([M2, M1])

# the backlog scenario, newer than M5
B = [tweet(tid(20, 10, m), "2002" if m % 2 else "2004", f"@fernhillhq backlog tweet {m}") for m in range(6)]
B_PAGE_A = page([B[5], B[4]], next_token="tok-b")
B_PAGE_B = page([B[3], B[2]], next_token="tok-c")
B_PAGE_C = page([B[1], B[0]])

SEARCH_HIT = tweet(tid(20, 11), "2004", "Looking at fernhill analytics vs Looker, thoughts?")

CASSETTES: dict[str, list[tuple[dict, dict]]] = {
    # two pages of mentions, then a second run that resumes from since_id (X repeats the boundary tweet)
    "mentions_two_runs": [
        LOOKUP_US,
        (mentions(), ok(PAGE1)),
        (mentions(pagination_token="tok-page-2"), ok(PAGE2)),
        (mentions(since_id=M5["id"]), ok(page([M6, M5]))),
        (mentions(since_id=M6["id"]), ok(page([]))),
    ],
    # a 429 whose reset is 30 s away: wait, then the same request succeeds
    "rate_limit_wait": [
        LOOKUP_US,
        (mentions(), answer(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                                  "status": 429}, {"x-rate-limit-reset": str(NOW_TS + 30),
                                                   "x-rate-limit-remaining": "0"})),
        (mentions(), ok(PAGE2)),
    ],
    # page 1 stored, page 2 rate limited for 15 minutes: the mentions stream stops, the search still runs
    "rate_limit_give_up": [
        LOOKUP_US,
        (mentions(), ok(PAGE1)),
        (mentions(pagination_token="tok-page-2"),
         answer(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
                {"x-rate-limit-reset": str(NOW_TS + 900), "x-rate-limit-remaining": "0"})),
        (search("fernhill -is:retweet"), ok(page([SEARCH_HIT]))),
    ],
    "unauthorized": [
        (lookup("fernhillhq"), answer(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                            "detail": "Unauthorized"})),
    ],
    "forbidden": [
        LOOKUP_US,
        (mentions(), answer(403, {
            "client_id": "123", "detail": "When authenticating requests to the Twitter API v2 endpoints, you must "
            "use keys and tokens from a Twitter developer App that is attached to a Project.",
            "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
            "title": "Client Forbidden", "required_enrollment": "Appropriate Level of API Access",
            "reason": "client-not-enrolled", "type": "https://api.twitter.com/2/problems/client-forbidden"})),
    ],
    "server_error_then_ok": [
        LOOKUP_US,
        (mentions(), answer(503, "<html><body>Service Unavailable</body></html>")),
        (mentions(), answer(503, {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503})),
        (mentions(), ok(PAGE2)),
    ],
    "malformed": [
        LOOKUP_US,
        (mentions(), answer(200, '{"data": [{"id": "19", "text": "@fernhillhq hi", "author_id": "2001", "creat')),
    ],
    # crash mid-backlog: run 1 stores page A, page B fails (5xx x4); run 2 resumes with the token and
    # finishes; run 3 asks from the new since_id and finds nothing
    "backlog_crash": [
        LOOKUP_US,
        (mentions(), ok(page([M6, M5, M4, M3, M2, M1]))),
        (mentions(since_id=M6["id"]), ok(B_PAGE_A)),
        *[(mentions(since_id=M6["id"], pagination_token="tok-b"), answer(503, {"title": "Service Unavailable"}))
          for _ in range(4)],
        (mentions(since_id=M6["id"], pagination_token="tok-b"), ok(B_PAGE_B)),
        (mentions(since_id=M6["id"], pagination_token="tok-c"), ok(B_PAGE_C)),
        (mentions(since_id=B[5]["id"]), ok(page([]))),
    ],
    # the page bound reached mid-backlog; next run X refuses the stale token, the walk goes on by until_id
    "backlog_bound_expired_token": [
        LOOKUP_US,
        (mentions(), ok(page([M6]))),
        (mentions(since_id=M6["id"]), ok(B_PAGE_A)),
        (mentions(since_id=M6["id"], pagination_token="tok-b"),
         answer(400, {"errors": [{"parameters": {"pagination_token": ["tok-b"]},
                                  "message": "The `pagination_token` query parameter value [tok-b] is not valid"}],
                      "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                      "type": "https://api.twitter.com/2/problems/invalid-request"})),
        (mentions(since_id=M6["id"], until_id=B[4]["id"]), ok(page([B[3], B[2], B[1], B[0]]))),
    ],
    # own posts, key clients' timelines (one handle unknown to X) and a search
    "all_streams": [
        (lookup("fernhillhq", "ghost_account", "gracewhitfield", "sofialindqvist"), ok({
            "data": [{"id": "1000", "username": "fernhillhq"}, {"id": "2004", "username": "gracewhitfield"},
                     {"id": "2001", "username": "SofiaLindqvist"}],
            "errors": [{"value": "ghost_account", "detail": "Could not find user with usernames: [ghost_account].",
                        "title": "Not Found Error", "resource_type": "user", "parameter": "usernames",
                        "resource_id": "ghost_account", "type": "https://api.twitter.com/2/problems/resource-not-found"}],
        })),
        (mentions(), ok(page([M4]))),
        (timeline(US), ok(page([tweet(tid(19, 15), US, "@sofialindqvist sorry about that, fixed now",
                                      reply_to=M3["id"], conversation=OUR_ROOT, reply_user="2001")]))),
        (timeline("2001"), ok(page([M5, M3], extra_users=()))),
        (timeline("2004"), ok(page([]))),
        (search("fernhill -is:retweet"), ok(page([SEARCH_HIT]))),
    ],
    # a search whose stored since_id is older than recent search reaches: asked again without it
    "search_stale_cursor": [
        (search("fernhill -is:retweet"), ok(page([SEARCH_HIT]))),
    ],
    # the follower list, 1000 a page, walked across two pages
    "followers": [
        LOOKUP_US,
        (get(f"/2/users/{US}/followers", max_results="1000", user__fields=FIELDS["user.fields"]),
         ok({"data": [USERS["2001"], USERS["2004"]], "meta": {"result_count": 2, "next_token": "tok-f2"}})),
        (get(f"/2/users/{US}/followers", max_results="1000", pagination_token="tok-f2",
             user__fields=FIELDS["user.fields"]),
         ok({"data": [USERS["2002"]], "meta": {"result_count": 1}})),
    ],
    "send_reply": [
        (post_tweet({"reply": {"in_reply_to_tweet_id": M3["id"]}, "text": "Sorry Sofia, fixed now."}),
         answer(201, {"data": {"id": tid(20, 17), "text": "Sorry Sofia, fixed now.",
                               "edit_history_tweet_ids": [tid(20, 17)]}})),
    ],
    # `queue reconcile`: our timeline since the post we answered, with (and without) the interrupted reply
    "reconcile_found": [
        (get("/2/users/me"), ok({"data": USERS[US]})),
        (get(f"/2/users/{US}/tweets", max_results="100", since_id=M3["id"],
             tweet__fields="referenced_tweets,text,created_at"),
         ok(page([tweet(tid(20, 17), US, "Sorry Sofia, fixed now.", reply_to=M3["id"], reply_user="2001"),
                  tweet(tid(20, 16), US, "Unrelated news from us")]))),
    ],
    "reconcile_missing": [
        (get("/2/users/me"), ok({"data": USERS[US]})),
        (get(f"/2/users/{US}/tweets", max_results="100", since_id=M3["id"],
             tweet__fields="referenced_tweets,text,created_at"),
         ok(page([tweet(tid(20, 16), US, "Unrelated news from us")]))),
    ],
}


def cassette(interactions: list[tuple[dict, dict]]) -> dict:
    return {"version": 1, "interactions": [{"request": req, "response": resp} for req, resp in interactions]}


def main() -> None:
    for name, interactions in CASSETTES.items():
        path = HERE / f"{name}.yaml"
        path.write_text(yaml.safe_dump(cassette(interactions), sort_keys=False, allow_unicode=True, width=120),
                        encoding="utf-8")
        print(path.relative_to(HERE.parents[2]))


if __name__ == "__main__":
    main()
