"""What the database knows that a reply can use: the thread, the relationship, and the team's own past replies.

* the thread: the post a comment or reply answers (its text);
* the relationship: when we last spoke and about what (the knowledge entry our last reply to them matches), and an
  open issue (a ticket number they gave in another recent post);
* the team's own words: replies approved, edited or sent from the queue, and replies our accounts posted to a
  question, become knowledge entries (kind ``reply``) for ``replies.learn_days``.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from engagement.knowledge import Entry, KnowledgeBase, slug
from engagement.reading import _tickets
from nlp.mentions import strip_mentions

# our replies to questions, and the question each answered (collected from the platforms)
OUR_REPLIES = """
SELECT r.post_uid, q.text AS question, r.text AS answer, r.created_at
FROM posts r
JOIN identities ri ON ri.identity_uid = r.author_uid AND ri.is_ours
JOIN posts q ON q.post_uid = r.parent_uid
JOIN tags qt ON qt.post_uid = q.post_uid AND NOT qt.from_us AND list_contains(qt.intents, 'question')
WHERE r.created_at >= $since
"""
# replies the team approved, edited or sent from the queue
QUEUE_REPLIES = """
SELECT s.suggestion_id, p.text AS question, s.text AS answer, s.updated_at
FROM reply_suggestions s JOIN posts p USING (post_uid)
WHERE (s.status IN ('approved', 'sent') OR s.edited_at IS NOT NULL)
  AND s.updated_at >= $since AND s.intent = 'question'
"""
_GREETING = re.compile(r"^(?:in reply to [^.]+\.\s*|(?:@[A-Za-z0-9_][\w-]*(?:[.@][A-Za-z0-9_][\w-]*)*\s*)+|(?:hi|hey|hello|thanks|thank you|sorry)\b[^.!:]*[.!:]\s*)+",
                       re.I)
_NAMED = re.compile(r"\b(?:[A-Z][a-z]+)(?=[,!])")


def clean_team_reply(text: str) -> str:
    """Our reply without its greeting and handles: "@dev Yes! Point the connection…" → "Yes! Point the connection…"."""
    text = _GREETING.sub("", text.strip())
    text = strip_mentions(text)
    return re.sub(r"\s+", " ", text).strip()


def learned_entries(con, now: datetime, days: int) -> list[Entry]:
    since = now - timedelta(days=days)
    rows = con.execute(OUR_REPLIES, {"since": since}).fetchall()
    rows += con.execute(QUEUE_REPLIES, {"since": since}).fetchall()
    entries = []
    for key, question, answer, when in sorted(rows, key=lambda r: (r[3], r[0])):
        body = clean_team_reply(answer or "")
        if len(body.split()) < 4 or _NAMED.search(body):
            continue  # too short to answer anyone else, or addressed to one person by name
        question = re.sub(r"\bu/\w+", "", strip_mentions(question or "")).strip()
        entries.append(Entry(id=f"reply:{key}", title=question[:120], body=body, kind="reply",
                             file="team replies", line=0, when=when.date().isoformat() if when else None))
    return entries


LAST_OUR_REPLY = """
SELECT i.person_id, p.text, p.created_at
FROM interactions i JOIN posts p USING (post_uid)
WHERE i.direction = 'outbound' AND list_contains($people, i.person_id)
QUALIFY row_number() OVER (PARTITION BY i.person_id ORDER BY i.occurred_at DESC) = 1
"""
RECENT_TICKETS = """
SELECT a.person_id, p.post_uid, p.text
FROM posts p JOIN identities a ON a.identity_uid = p.author_uid
WHERE list_contains($people, a.person_id) AND p.created_at >= $since AND regexp_matches(p.text, '#\\d{3,}|ticket|case \\d')
ORDER BY p.created_at DESC, p.post_uid  -- the newest first, the same every run (a scan's order is not)
"""


def last_subjects(con, people: list[str], kb: KnowledgeBase) -> dict[str, str]:
    """Per person, what our last reply to them was about, as a knowledge entry names it ("data volume")."""
    out = {}
    for person_id, text, _when in con.execute(LAST_OUR_REPLY, {"people": people}).fetchall():
        hits = kb.search(text or "", k=1)
        if hits and hits[0].coverage >= 0.3 and not hits[0].entry.is_reply:
            entry = hits[0].entry
            out[person_id] = entry.keywords[0] if entry.keywords else entry.title.rstrip("?").lower()
    return out


def open_tickets(con, people: list[str], since: datetime) -> dict[str, list[tuple[str, str]]]:
    """Per person, the ticket numbers they gave in recent posts, with the post each came from."""
    out: dict[str, list[tuple[str, str]]] = {}
    for person_id, post_uid, text in con.execute(RECENT_TICKETS, {"people": people, "since": since}).fetchall():
        for ticket in _tickets(text or ""):
            out.setdefault(person_id, []).append((post_uid, ticket))
    return out


__all__ = ["learned_entries", "last_subjects", "open_tickets", "clean_team_reply", "slug"]
