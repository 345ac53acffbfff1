"""People that are probably the same human, proposed with the evidence and never merged silently.

Evidence, each worth a share of the score (a suggestion needs 0.5):

- **same name** (0.5): the same full name (two words or more, accents and case aside) on two people,
  such as an X display name and a blog comment's author; a name shared by more than a few people is
  too common to count;
- **handle like the name** (0.3): a handle that reads as the other's name (``leo_fischer``, Leo Fischer):
  weaker, since anyone may pick it; it counts only together with other evidence;
- **profile link** (0.5): one profile points at the other: an X bio or its link names the host where
  the other writes a blog, or their ``u/handle`` on Reddit;
- **same website** (0.5): the same site in an X profile's link, a blog author's link or an imported
  contact's website (social sites themselves do not count);
- **signed handle** (0.6): a blog comment signed with an X handle (its last line is ``@handle``, or
  ``— @handle``, or an x.com/twitter.com link to them).

A suggestion names its two people by an identity each (their anchors), so it survives merges and
splits elsewhere; accepting merges the two people (``engagement.people.merge_people``), rejecting
remembers the pair so it is never proposed again.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from engagement.people import PersonError, _merge
from storage.audit import record
from storage.db import Database

WEIGHTS = {"same_name": 0.5, "handle_like_name": 0.3, "profile_link": 0.5, "same_website": 0.5,
           "signed_handle": 0.6}
THRESHOLD = 0.5
COMMON_NAME_PEOPLE = 4  # a name on more people than this is too common to be evidence
SOCIAL_HOSTS = {"x.com", "twitter.com", "t.co", "reddit.com", "old.reddit.com", "linkedin.com", "facebook.com",
                "instagram.com", "blogger.com", "medium.com", "substack.com", "github.com", "youtube.com",
                "bsky.app", "mastodon.social", "wordpress.com", "gravatar.com"}
NOT_NAMES = {"anonymous", "unknown", "deleted", "admin", "guest", "team", "support"}
_SIGNATURE = re.compile(r"(?:^|\n|[—–-]\s*|~\s*)@([A-Za-z0-9_]{1,15})\s*(?:\((?:on\s+)?(?:x|twitter)\))?\s*\.?\s*$",
                        re.I)
_PROFILE_URL = re.compile(r"(?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/([A-Za-z0-9_]{1,15})\b", re.I)
_REDDIT_REF = re.compile(r"(?:^|\s|/)u/([A-Za-z0-9_-]{3,20})\b")


class SuggestionError(Exception):
    """An unknown suggestion, or one already decided; the message says what to do."""


def name_key(name: str | None) -> str | None:
    """'Léna  Hartmann' and 'lena hartmann' → 'lena hartmann'; None for a name too thin to compare."""
    if not name:
        return None
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    words = re.findall(r"[^\W\d_]+", text)
    if len(words) < 2 or any(w in NOT_NAMES for w in words) or sum(len(w) >= 2 for w in words) < 2:
        return None
    return " ".join(words)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    parsed = urlparse(url if "://" in url else f"https://{url}")
    host = (parsed.hostname or "").lower().removeprefix("www.")
    return host or None


def _site(url: str | None) -> str | None:
    host = _host(url)
    return host if host and host not in SOCIAL_HOSTS and not host.endswith((".blogger.com", ".blogspot.com")) \
        else None


@dataclass
class Person:
    person_id: str
    name: str
    key_client: bool
    anchor: str  # an identity uid (or the person id for a contact with none)
    identities: list[dict] = field(default_factory=list)
    websites: dict[str, str] = field(default_factory=dict)  # host -> where it was seen
    bios: list[tuple[str, str]] = field(default_factory=list)  # (identity, bio text incl. its link)


def _people(db: Database) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for pid, name, key_client in db.con.execute(
            "SELECT person_id, name, is_key_client FROM people WHERE person_id <> 'me'").fetchall():
        people[pid] = Person(pid, name, bool(key_client), pid)
    for row in db.rows("""SELECT identity_uid, platform, handle, display_name, url, person_id FROM identities
                          WHERE NOT is_ours AND person_id <> 'me' ORDER BY identity_uid"""):
        person = people.get(row["person_id"])
        if person is None:
            continue
        if not person.identities:
            person.anchor = row["identity_uid"]
        person.identities.append(row)
        if row["platform"] == "blog" and _site(row["url"]):
            person.websites.setdefault(_site(row["url"]), f"{row['identity_uid']}'s link")
    # X profiles as their latest post shows them: the bio and its link
    for uid, pid, bio, link in db.con.execute(
            """SELECT p.author_uid, i.person_id,
                      arg_max(json_extract_string(p.raw, '$.author.description'), p.created_at),
                      arg_max(coalesce(json_extract_string(p.raw, '$.author.entities.url.urls[0].expanded_url'),
                                       json_extract_string(p.raw, '$.author.url')), p.created_at)
               FROM posts p JOIN identities i ON i.identity_uid = p.author_uid
               WHERE p.platform = 'x' AND NOT i.is_ours AND p.raw IS NOT NULL
               GROUP BY ALL""").fetchall():
        person = people.get(pid)
        if person is None:
            continue
        if bio or link:
            person.bios.append((uid, " ".join(x for x in (bio, link) if x)))
        if _site(link):
            person.websites.setdefault(_site(link), f"{uid}'s profile link")
    for pid, website in db.con.execute("SELECT person_id, website FROM contacts WHERE website IS NOT NULL").fetchall():
        if pid in people and _site(website):
            people[pid].websites.setdefault(_site(website), "the imported contact's website")
    return people


def _signed_comments(db: Database) -> list[tuple[str, str, str]]:
    """(blog identity, its person, signed X handle) for blog comments that end with a signature."""
    out = []
    for uid, pid, text in db.con.execute(
            """SELECT p.author_uid, i.person_id, right(p.text, 200) FROM posts p
               JOIN identities i ON i.identity_uid = p.author_uid
               WHERE p.platform = 'blog' AND p.kind = 'comment' AND NOT i.is_ours
                 AND (regexp_matches(right(p.text, 60), '@[A-Za-z0-9_]{1,15}[^A-Za-z0-9_]{0,20}$')
                      OR regexp_matches(p.text, '(x|twitter)\\.com/'))""").fetchall():
        match = _SIGNATURE.search(text.strip()) or _PROFILE_URL.search(text)
        if match:
            out.append((uid, pid, match[1].lower()))
    return out


def find_suggestions(db: Database) -> list[dict[str, Any]]:
    """Every pair of different people with enough evidence, strongest first."""
    people = _people(db)
    evidence: dict[tuple[str, str], list[dict]] = defaultdict(list)

    def add(a: str, b: str, kind: str, detail: str) -> None:
        if a == b or a not in people or b not in people:
            return
        if people[a].key_client and people[b].key_client and a.startswith("kc:") and b.startswith("kc:"):
            return  # config says they are two people
        pair = tuple(sorted((a, b)))
        if not any(e["kind"] == kind for e in evidence[pair]):
            evidence[pair].append({"kind": kind, "detail": detail})

    # same name (display names and names), and handles that read as someone's name
    by_name: dict[str, dict[str, str]] = defaultdict(dict)
    by_handle_name: dict[str, dict[str, str]] = defaultdict(dict)
    for person in people.values():
        handles = {i["handle"].lower() for i in person.identities}
        for i in person.identities:
            key = name_key(i["display_name"])
            if key:
                by_name[key].setdefault(person.person_id, i["identity_uid"])
            key = name_key(i["handle"].replace("_", " ").replace(".", " ").replace("-", " ")) \
                if i["platform"] != "blog" else None
            if key:
                by_handle_name[key].setdefault(person.person_id, i["identity_uid"])
        if person.name.lower() not in handles:  # a name of its own, not a handle standing in for one
            key = name_key(person.name)
            if key:
                by_name[key].setdefault(person.person_id, person.person_id)
    for key, holders in by_name.items():
        if 2 <= len(holders) <= COMMON_NAME_PEOPLE:
            ids = sorted(holders)
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    add(a, b, "same_name", f"{holders[a]} and {holders[b]} are both called {key.title()}")
    for key, holders in by_handle_name.items():
        named = by_name.get(key, {})
        if 1 <= len(named) <= COMMON_NAME_PEOPLE:
            for a, where in holders.items():
                for b, other in named.items():
                    add(a, b, "handle_like_name", f"the handle {where} reads as {key.title()}, the name of {other}")

    # profile links: an X bio naming the host of someone's blog, or their u/handle
    blog_hosts: dict[str, list[tuple[str, str]]] = defaultdict(list)
    reddit: dict[str, str] = {}
    for person in people.values():
        for i in person.identities:
            if i["platform"] == "blog" and "@" in i["handle"]:
                host = i["handle"].rsplit("@", 1)[1]
                blog_hosts[host].append((person.person_id, i["identity_uid"]))
            elif i["platform"] == "reddit":
                reddit[i["handle"].lower()] = person.person_id
    for person in people.values():
        for uid, bio in person.bios:
            text = bio.lower()
            for host, owners in blog_hosts.items():
                stem = host.split(".")[0]
                if host in text or (len(stem) >= 5 and re.search(rf"\b{re.escape(stem)}\b", text)):
                    for owner, blog_uid in owners:
                        add(person.person_id, owner, "profile_link", f"{uid}'s profile names {host}, where "
                                                                    f"{blog_uid.split(':', 1)[1]} writes")
            for handle in _REDDIT_REF.findall(bio):
                if handle.lower() in reddit:
                    add(person.person_id, reddit[handle.lower()], "profile_link",
                        f"{uid}'s profile names u/{handle} on Reddit")

    # a website that is the host someone's blog comments or posts come from
    for person in people.values():
        for host, where in person.websites.items():
            for owner, blog_uid in blog_hosts.get(host, []):
                add(person.person_id, owner, "profile_link", f"{host} is {where}, and {blog_uid.split(':', 1)[1]} "
                                                             f"writes there")

    # the same website
    by_site: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for person in people.values():
        for host, where in person.websites.items():
            by_site[host].append((person.person_id, where))
    for host, holders in by_site.items():
        if 2 <= len(holders) <= COMMON_NAME_PEOPLE:
            for i, (a, wa) in enumerate(holders):
                for b, wb in holders[i + 1:]:
                    add(a, b, "same_website", f"{host} is in {wa} and in {wb}")

    # blog comments signed with an X handle
    x_owner = {i["handle"].lower(): p.person_id for p in people.values() for i in p.identities if i["platform"] == "x"}
    for uid, pid, handle in _signed_comments(db):
        if handle in x_owner:
            add(pid, x_owner[handle], "signed_handle", f"a comment by {uid.split(':', 1)[1]} is signed @{handle}")

    out = []
    for (a, b), found in evidence.items():
        score = round(min(1.0, sum(WEIGHTS[e["kind"]] for e in found)), 2)
        if score < THRESHOLD:
            continue
        anchors = sorted((people[a].anchor, people[b].anchor))
        out.append({
            "suggestion_id": "ms-" + hashlib.sha1("|".join(anchors).encode()).hexdigest()[:10],
            "identity_a": anchors[0], "identity_b": anchors[1],
            "a": {"person_id": a, "name": people[a].name}, "b": {"person_id": b, "name": people[b].name},
            "score": score, "evidence": sorted(found, key=lambda e: -WEIGHTS[e["kind"]]),
        })
    out.sort(key=lambda s: (-s["score"], s["a"]["name"], s["suggestion_id"]))
    return out


def refresh_suggestions(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Store new suggestions (decided pairs are never proposed again) and return the pending ones."""
    found = find_suggestions(db)
    if not db.read_only and found:
        with db.transaction() as con:
            for s in found:
                con.execute(
                    """INSERT INTO merge_suggestions (suggestion_id, identity_a, identity_b, score, evidence, status,
                                                      created_at)
                       VALUES (?, ?, ?, ?, ?, 'pending', ?)
                       ON CONFLICT (suggestion_id) DO UPDATE SET score = excluded.score, evidence = excluded.evidence
                       WHERE merge_suggestions.status = 'pending'""",
                    [s["suggestion_id"], s["identity_a"], s["identity_b"], s["score"], json.dumps(s["evidence"]), now])
    return pending_suggestions(db, fresh={s["suggestion_id"]: s for s in found})


def _person_of(db: Database, anchor: str) -> tuple[str, str] | None:
    row = db.con.execute("""SELECT p.person_id, p.name FROM identities i JOIN people p USING (person_id)
                            WHERE i.identity_uid = ?""", [anchor]).fetchone()
    if row is None:
        row = db.con.execute("SELECT person_id, name FROM people WHERE person_id = ?", [anchor]).fetchone()
    return (row[0], row[1]) if row else None


def pending_suggestions(db: Database, fresh: dict[str, dict] | None = None) -> list[dict[str, Any]]:
    """Stored pending suggestions whose two anchors are still two different people."""
    out = []
    pairs: set[tuple[str, str]] = set()  # after a merge, two suggestions may name the same two people
    for row in db.rows("SELECT * FROM merge_suggestions WHERE status = 'pending' ORDER BY score DESC, suggestion_id"):
        if fresh is not None and row["suggestion_id"] not in fresh:
            continue  # the evidence is gone (say, a name was corrected)
        a, b = _person_of(db, row["identity_a"]), _person_of(db, row["identity_b"])
        if not a or not b or a[0] == b[0] or tuple(sorted((a[0], b[0]))) in pairs:
            continue
        pairs.add(tuple(sorted((a[0], b[0]))))
        out.append({"suggestion_id": row["suggestion_id"], "score": row["score"],
                    "a": {"person_id": a[0], "name": a[1], "identity": row["identity_a"]},
                    "b": {"person_id": b[0], "name": b[1], "identity": row["identity_b"]},
                    "evidence": json.loads(row["evidence"]), "created_at": row["created_at"]})
    return out


def _get(db: Database, suggestion_id: str) -> dict:
    rows = db.rows("SELECT * FROM merge_suggestions WHERE suggestion_id = ?", [suggestion_id])
    if not rows:
        raise SuggestionError(f"no suggestion {suggestion_id!r}; `listenwell people suggest-merges` lists them")
    row = rows[0]
    if row["status"] != "pending":
        raise SuggestionError(f"{suggestion_id} was already {row['status']} by {row['decided_by']} on "
                              f"{row['decided_at']:%Y-%m-%d}")
    return row


def _keeper(db: Database, a: str, b: str, key_clients: set[str]) -> tuple[str, str]:
    """Which of two people is kept: config's key client, then an imported contact, then the busier one."""
    def rank(pid: str) -> tuple:
        interactions = db.scalar("SELECT count(*) FROM interactions WHERE person_id = ?", [pid])
        return (pid in key_clients, pid.startswith("kc:"), pid.startswith("ct:"), interactions, pid)
    return (a, b) if rank(a) >= rank(b) else (b, a)


def accept(db: Database, suggestion_id: str, now: datetime, by: str, key_clients: set[str] | None = None) -> dict:
    row = _get(db, suggestion_id)
    a, b = _person_of(db, row["identity_a"]), _person_of(db, row["identity_b"])
    if not a or not b:
        raise SuggestionError(f"{suggestion_id}: one of its people no longer exists")
    if a[0] == b[0]:
        raise SuggestionError(f"{suggestion_id}: {a[1]} and {b[1]} are already one person")
    keep, other = _keeper(db, a[0], b[0], key_clients or set())
    try:
        with db.transaction() as con:
            result = _merge(con, keep, other, now, by)
            con.execute("""UPDATE merge_suggestions SET status = 'accepted', decided_by = ?, decided_at = ?, merge_id = ?
                           WHERE suggestion_id = ?""", [by, now, result["merge_id"], suggestion_id])
            record(con, by, "people.suggestion_accept", suggestion_id, now, merge_id=result["merge_id"], kept=keep,
                   merged=other)
    except PersonError as exc:
        raise SuggestionError(str(exc)) from None
    return result | {"suggestion_id": suggestion_id}


def reject(db: Database, suggestion_id: str, now: datetime, by: str) -> dict:
    row = _get(db, suggestion_id)
    with db.transaction() as con:
        con.execute("UPDATE merge_suggestions SET status = 'rejected', decided_by = ?, decided_at = ? "
                    "WHERE suggestion_id = ?", [by, now, suggestion_id])
        record(con, by, "people.suggestion_reject", suggestion_id, now, identity_a=row["identity_a"],
               identity_b=row["identity_b"])
    names = [(_person_of(db, row[side]) or (None, row[side]))[1] for side in ("identity_a", "identity_b")]
    return {"suggestion_id": suggestion_id, "status": "rejected", "by": by, "at": now, "names": names}
