"""The reply queue: suggestions for inbound posts that need an answer, and their workflow.

pending → approved → sent, or dismissed; ``answered`` when we replied some other way.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pyarrow as pa

from typing import Protocol

from collectors import platforms as _platforms
from engagement import platforms
from engagement.replies import choose_intent, priority
from storage.audit import record
from storage.db import Database
from storage.usage import month_totals, record_usage

STATUSES = ("pending", "approved", "sending", "unknown", "sent", "dismissed", "answered")
ANSWERABLE = ["question", "complaint", "praise", "churn_risk", "purchase_intent"]
# a post that names us without tagging us is queued when it needs us: a problem, a question, leaving talk
ANSWERABLE_BY_NAME = ["question", "complaint", "churn_risk"]
# more than the 10 points that waiting can add: a post that only names us ranks below every post to us with
# the same intent and tier (unless a key client wrote it: then it ranks as if they had tagged us)
NAMED_ONLY_PENALTY = 11.0
NAMED_REASON = "mentioned us by name"

CANDIDATES = """
SELECT p.post_uid, p.platform, p.text, p.created_at, a.display_name, a.handle, pe.person_id,
       pe.is_key_client, pe.tier, pe.name AS person_name, t.intents, t.moments, t.sentiment_score, t.topics,
       t.addressed_to_us, t.lang, (SELECT q.text FROM posts q WHERE q.post_uid = p.parent_uid) AS parent_text
FROM tags t
JOIN posts p USING (post_uid)
JOIN identities a ON a.identity_uid = p.author_uid
JOIN people pe ON pe.person_id = a.person_id
WHERE t.seq > $lo AND t.seq <= $hi AND NOT t.from_us
  AND p.created_at >= $since
  AND ( (t.addressed_to_us AND len(list_intersect(t.intents, $answerable)) > 0)
        OR (t.about_us AND len(list_intersect(t.intents, $by_name)) > 0)
        OR (pe.is_key_client AND t.moments <> '[]') )
  AND p.post_uid NOT IN (SELECT post_uid FROM answered_posts)
  AND p.post_uid NOT IN (SELECT post_uid FROM reply_suggestions)
"""

LAST_OUTBOUND = """
SELECT person_id, max(occurred_at) FROM interactions
WHERE direction = 'outbound' AND list_contains($people, person_id)
GROUP BY person_id
"""


def suggestion_id(post_uid: str) -> str:
    """Short, stable and typeable: `listenwell queue send rs-3f9a1c2b7d`."""
    return "rs-" + hashlib.sha1(post_uid.encode()).hexdigest()[:10]


def _when(moment: datetime, now: datetime) -> str:
    days = (now - moment).days
    if days < 45:
        return f"on {moment.day} {moment:%b}"
    return f"in {moment:%B}"


def reply_engine(config, con):
    """The configured reply engine over the knowledge base (refreshed incrementally) and the team's past replies."""
    from engagement.knowledge import KnowledgeBase, knowledge_for
    from engagement.reply_context import learned_entries
    from engagement.suggest import make_engine

    folder = config.resolve(config.replies.knowledge) if config.replies.knowledge else None
    if folder is not None:
        KnowledgeBase.check_folder(folder)
    kb = knowledge_for(folder)
    if config.replies.learn_from_replies:
        kb.set_learned(learned_entries(con, config.now(), config.replies.learn_days))
    return make_engine(config, kb)


def suggest_replies(config, con, lo: int, hi: int, engine=None) -> int:
    """Suggestions for the inbound posts tagged in (lo, hi]: the engine's reply, its reason, its candidates."""
    from engagement.composer import PostIn, Relationship
    from engagement.reply_context import last_subjects, open_tickets

    now = config.now()
    since = now - timedelta(days=config.engagement.reply_window_days)
    rows = con.execute(CANDIDATES, {"lo": lo, "hi": hi, "since": since, "answerable": ANSWERABLE,
                                    "by_name": ANSWERABLE_BY_NAME}).fetchall()
    if not rows:
        return 0
    engine = engine or reply_engine(config, con)
    people = sorted({r[6] for r in rows})
    last_out = dict(con.execute(LAST_OUTBOUND, {"people": people}).fetchall())
    subjects = last_subjects(con, people, engine.kb)
    tickets = open_tickets(con, people, since)
    out: dict[str, list] = {k: [] for k in (
        "suggestion_id", "post_uid", "person_id", "platform", "intent", "text", "reason", "priority",
        "candidates", "sources", "backend")}
    drafts: list[tuple] = []
    for (uid, platform, text, created_at, display, handle, person_id, is_key, tier, person_name,
         intents, moments_json, sentiment, topics, addressed, lang, parent_text) in rows:
        moments = json.loads(moments_json or "[]")
        answerable = list(intents or [])
        if not addressed and not (is_key and moments):
            answerable = [i for i in answerable if i in ANSWERABLE_BY_NAME]  # named us: praise alone waits
        intent = choose_intent(answerable, moments)
        if intent is None:
            continue
        previous = last_out.get(person_id)
        spoke = previous is not None and previous < created_at
        other_tickets = [t for post, t in tickets.get(person_id, []) if post != uid]
        post = PostIn(
            id=uid, platform=platform, text=text, author_name=person_name if is_key else display,
            handle=handle, addressed=bool(addressed), lang=lang, sentiment=sentiment, intents=list(intents or []),
            moments=moments, thread=[parent_text] if parent_text else [],
            relationship=Relationship(last_when=_when(previous, now) if spoke else None,
                                      last_subject=subjects.get(person_id) if spoke else None,
                                      open_issue=other_tickets[0] if other_tickets else None,
                                      key_client=bool(is_key)))
        draft = engine.suggest(post)
        if draft.llm is not None:
            drafts.append((uid, draft.llm))
        if draft.reply is None:
            continue  # a loss, an illness, or nothing a public reply can answer
        intent = _intent_as_read(intent, draft.mode, list(intents or []))
        age_hours = max((now - created_at).total_seconds() / 3600, 0)
        who = f"key client, tier {tier}" if is_key else None
        out["suggestion_id"].append(suggestion_id(uid))
        out["post_uid"].append(uid)
        out["person_id"].append(person_id)
        out["platform"].append(platform)
        out["intent"].append(intent)
        out["text"].append(draft.reply)
        named_only = not addressed and intent != "moment"  # here by name: a complaint, question or leaving talk
        reason = f"{draft.reason} · {who}" if who else draft.reason
        out["reason"].append(f"{NAMED_REASON}: {reason}" if named_only else reason)
        rank = priority(intent, tier if is_key else None, age_hours)
        out["priority"].append(round(rank - NAMED_ONLY_PENALTY, 1) if named_only and not is_key else rank)
        out["candidates"].append(json.dumps([c.to_dict() for c in draft.candidates], ensure_ascii=False))
        out["sources"].append(json.dumps(draft.sources))
        out["backend"].append(draft.backend)
    if drafts:
        con.executemany(
            "INSERT INTO reply_drafts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(uid, d.get("model") or "", d.get("outcome") or "", d.get("detail") or
              ("; ".join(d.get("problems", [])) or None), d.get("prompt_tokens"), d.get("completion_tokens"),
              int(d.get("ms") or 0), now) for uid, d in drafts])
    if not out["post_uid"]:
        return 0
    con.register("incoming_suggestions", pa.table(out))
    try:
        return con.execute(
            """INSERT OR IGNORE INTO reply_suggestions
                   (suggestion_id, post_uid, person_id, platform, intent, text, original_text, reason, priority,
                    status, created_at, updated_at, candidates, sources, backend)
               SELECT suggestion_id, post_uid, person_id, platform, intent, text, text, reason, priority,
                      'pending', $now, $now, candidates::JSON, sources::JSON, backend FROM incoming_suggestions""",
            {"now": now},
        ).fetchone()[0]
    finally:
        con.unregister("incoming_suggestions")


def _intent_as_read(intent: str, mode: str, intents: list[str]) -> str:
    """The queue's intent as the reply engine read the post: sarcasm is a complaint, a question that merely
    sounds unhappy is a question, a new role is a moment (not praise of us)."""
    if mode == "acknowledge" and intent == "praise":
        return "complaint"
    if mode in ("answer", "find_out") and intent == "complaint" and "question" in intents:
        return "question"
    if mode == "congratulate" and intent == "praise":
        return "moment"
    return intent


def close_answered(con, now: datetime) -> int:
    """A pending suggestion whose post we have since answered some other way is done."""
    return con.execute(
        """UPDATE reply_suggestions SET status = 'answered', updated_at = $now
           WHERE status IN ('pending', 'approved') AND post_uid IN (SELECT post_uid FROM answered_posts)""",
        {"now": now},
    ).fetchone()[0]


# up to this many post ids DuckDB finds them through the posts primary key; past it a hash join
# scanning the table is cheaper (measured at a million posts: 20-30 ms either way at 1,000 ids)
_KEY_LOOKUP_MAX = 1000


def list_queue(db: Database, status: str = "pending", limit: int = 50, assigned_to: str | None = None,
               offset: int = 0) -> list[dict]:
    """The queue by priority. ``assigned_to`` keeps one person's items ("mine"); ``offset`` pages."""
    if assigned_to is not None or offset:
        return _list_queue_filtered(db, status, limit, assigned_to, offset)
    # the top priorities first (ties at the cut kept: the post's date breaks them), then only their posts:
    # joining every pending suggestion to the posts table cost 75-105 ms at a million posts, for ten rows
    ids = [row[0] for row in db.con.execute(
        """SELECT post_uid FROM reply_suggestions WHERE ($status = 'all' OR status = $status)
           QUALIFY rank() OVER (ORDER BY priority DESC) <= $limit""",
        {"status": status, "limit": limit}).fetchall()]
    if not ids:
        return []
    by_key = "AND list_contains($ids, p.post_uid)" if len(ids) <= _KEY_LOOKUP_MAX else ""
    rows = db.rows(
        f"""SELECT {QUEUE_COLUMNS}
           FROM reply_suggestions s
           JOIN posts p USING (post_uid)
           JOIN people pe USING (person_id)
           LEFT JOIN tags t ON t.post_uid = s.post_uid
           WHERE ($status = 'all' OR s.status = $status) AND list_contains($ids, s.post_uid) {by_key}
           ORDER BY s.priority DESC, p.created_at DESC, s.suggestion_id  -- the same order every time
           LIMIT $limit""",
        {"status": status, "limit": limit, "ids": ids},
    )
    return [_with_candidates(row) for row in rows]


def _with_candidates(row: dict) -> dict:
    """JSON columns as lists, and the reply's length as its platform counts it."""
    row["candidates"] = json.loads(row["candidates"]) if row.get("candidates") else []
    row["sources"] = json.loads(row["sources"]) if row.get("sources") else []
    text = row.get("reply") if "reply" in row else row.get("text")
    if text is not None:
        row["length"] = platforms.length(text, row["platform"])
        row["limit"] = platforms.limit(row["platform"])
    return row


QUEUE_COLUMNS = """s.suggestion_id AS id, s.status, s.priority, s.intent, s.platform, pe.name AS person,
                  pe.is_key_client AS key_client, s.reason, s.text AS reply, p.url, p.created_at AS posted_at,
                  p.text AS post_text, s.candidates, s.sources, s.backend, s.person_id, s.assigned_to,
                  s.decided_by, s.decided_at, t.lang,
                  -- the words that show the intent (nlp.intents), quoted instead of the whole post
                  CASE WHEN s.intent = 'moment' THEN json_extract_string(t.moments, '$[0].evidence')
                       ELSE json_extract_string(t.evidence, '$."' || s.intent || '"') END AS evidence"""


def _list_queue_filtered(db: Database, status: str, limit: int, assigned_to: str | None, offset: int) -> list[dict]:
    return [_with_candidates(row) for row in db.rows(
        f"""SELECT {QUEUE_COLUMNS}
            FROM reply_suggestions s JOIN posts p USING (post_uid) JOIN people pe USING (person_id)
            LEFT JOIN tags t ON t.post_uid = s.post_uid
            WHERE (? = 'all' OR s.status = ?) AND (? IS NULL OR s.assigned_to = ?)
            ORDER BY s.priority DESC, p.created_at DESC, s.suggestion_id
            LIMIT ? OFFSET ?""", [status, status, assigned_to, assigned_to, limit, offset])]


def count_queue(db: Database, status: str = "pending", assigned_to: str | None = None) -> int:
    return db.scalar("SELECT count(*) FROM reply_suggestions WHERE (? = 'all' OR status = ?) "
                     "AND (? IS NULL OR assigned_to = ?)", [status, status, assigned_to, assigned_to])


class QueueError(Exception):
    """A queue action that cannot be done; the message says why and what to do instead."""


class ReplyTooLong(QueueError):
    """An edit longer than the platform allows. Nothing is saved; ``text`` is what was typed."""

    def __init__(self, text: str, platform: str):
        self.text = text
        self.platform = platform
        self.length = platforms.length(text, platform)
        self.limit = platforms.limit(platform)
        self.over = self.length - self.limit
        rule = platforms.describe(platform)
        counts = f" as {platform} counts them ({rule})" if rule != "characters" else ""
        super().__init__(f"the reply is {self.length} characters{counts}; {platform} allows {self.limit}: "
                         f"{self.over} too many. Nothing was saved.")


class ReplySender(Protocol):
    def send_reply(self, in_reply_to_native_id: str, text: str) -> str: ...


def get_suggestion(db: Database, suggestion_id: str) -> dict:
    rows = db.rows(
        """SELECT s.*, p.native_id, p.url, p.text AS post_text, p.created_at AS posted_at, pe.name AS person
           FROM reply_suggestions s JOIN posts p USING (post_uid) JOIN people pe USING (person_id)
           WHERE s.suggestion_id = ?""", [suggestion_id])
    if not rows:
        raise QueueError(f"no suggestion {suggestion_id!r}; see `listenwell queue list`")
    return _with_candidates(rows[0])


def _decide(db: Database, suggestion_id: str, status: str, by: str, now: datetime, allowed: tuple[str, ...],
            text: str | None = None) -> dict:
    from engagement.reconcile import recover_interrupted

    recover_interrupted(db, now)
    item = get_suggestion(db, suggestion_id)
    if item["status"] not in allowed:
        raise QueueError(f"{suggestion_id} is {item['status']}; only {' or '.join(allowed)} suggestions can be "
                         f"{status if status != item['status'] else 'edited'}")
    with db.transaction() as con:
        con.execute(
            """UPDATE reply_suggestions SET status = $status, text = coalesce($text, text),
                   edited_at = CASE WHEN $text IS NULL THEN edited_at ELSE $now END,
                   decided_by = $by, decided_at = $now, updated_at = $now
               WHERE suggestion_id = $id""",
            {"status": status, "text": text, "now": now, "by": by, "id": suggestion_id},
        )
        action = {"approved": "approve", "dismissed": "dismiss"}.get(status, "edit") if text is None else (
            "edit_approve" if status == "approved" and item["status"] != "approved" else "edit")
        details = {"from": item["status"], "to": status, "person_id": item["person_id"]}
        if text is not None:
            details["text"] = text
            details["previous_text"] = item["text"]
        record(con, by, f"queue.{action}", suggestion_id, now, **details)
    return get_suggestion(db, suggestion_id)


def approve(db: Database, suggestion_id: str, by: str, now: datetime) -> dict:
    return _decide(db, suggestion_id, "approved", by, now, ("pending",))


def dismiss(db: Database, suggestion_id: str, by: str, now: datetime) -> dict:
    return _decide(db, suggestion_id, "dismissed", by, now, ("pending", "approved"))


def edit(db: Database, suggestion_id: str, text: str, by: str, now: datetime, approve_too: bool = False) -> dict:
    text = text.strip()
    if not text:
        raise QueueError("the edited reply is empty")
    item = get_suggestion(db, suggestion_id)
    if not platforms.fits(text, item["platform"]):
        raise ReplyTooLong(text, item["platform"])
    status = "approved" if approve_too else item["status"]
    return _decide(db, suggestion_id, status, by, now, ("pending", "approved"), text)


def send(db: Database, suggestion_id: str, *, sender: ReplySender | None, enabled: bool, by: str,
         now: datetime) -> dict:
    """Post an approved reply once. Dry-run unless sending is enabled in config.

    The row is marked `sending` (with its owner) before the platform is called, so a crash between the
    two can never lead to a second post: once its owner is gone the row is `unknown`, and
    `engagement.reconcile.reconcile` looks it up on the platform before it can be sent again.
    """
    from engagement.reconcile import IN_FLIGHT, process_token, recover_interrupted

    recover_interrupted(db, now)
    item = get_suggestion(db, suggestion_id)
    if item["status"] == "sent":
        raise QueueError(f"{suggestion_id} was already sent as {item['sent_post_uid']}; nothing to do")
    if item["status"] == "sending":
        raise QueueError(f"{suggestion_id} is being sent right now by another process; wait for it")
    if item["status"] == "unknown":
        raise QueueError(f"{suggestion_id} was interrupted while it was being sent, so {item['platform']} may have "
                         f"it already: run `listenwell queue reconcile {suggestion_id}` to look it up first")
    if item["status"] != "approved":
        raise QueueError(f"{suggestion_id} is {item['status']}; approve it first (`listenwell queue approve "
                         f"{suggestion_id}`)")
    platform = _platforms.find(item["platform"])
    if platform is not None and platform.sender is None:  # read-only platforms: a person replies there
        raise QueueError(f"replies on {platform.label} are a manual step: {platform.manual_reply or 'reply there'} "
                         f"({item['url']}), then dismiss the suggestion")
    if not enabled:
        return item | {"dry_run": True}
    if sender is None:
        raise QueueError(f"no sender for {item['platform']}: configure an enabled {item['platform']} source "
                         f"with posting credentials, or reply by hand at {item['url']}")
    pricing = getattr(sender, "pricing", None)
    if pricing is not None and not pricing.may_write(*month_totals(db, item["platform"], now)):
        raise QueueError(f"not sent: this reply would pass the {item['platform']} monthly budget "
                         f"({pricing.monthly_budget:.2f}); raise it in config or reply by hand at {item['url']}")
    IN_FLIGHT.add(suggestion_id)
    try:
        with db.transaction() as con:
            con.execute("UPDATE reply_suggestions SET status = 'sending', sending_owner = ?, sending_started_at = ?, "
                        "updated_at = ? WHERE suggestion_id = ?", [process_token(), now, now, suggestion_id])
        try:
            new_id = sender.send_reply(item["native_id"], item["text"])
        except Exception as exc:
            with db.transaction() as con:
                con.execute("UPDATE reply_suggestions SET status = 'approved', last_error = ?, updated_at = ?, "
                            "sending_owner = NULL WHERE suggestion_id = ?", [str(exc)[:500], now, suggestion_id])
            raise QueueError(f"sending {suggestion_id} failed: {exc}") from None
        return mark_sent(db, item, new_id, by, now, wrote=True)
    finally:
        IN_FLIGHT.discard(suggestion_id)


def mark_sent(db: Database, item: dict, new_id: str, by: str, now: datetime, wrote: bool = False) -> dict:
    """Record that ``item`` was posted as ``new_id``: the row, the outbound interaction, a learned variant, and
    (``wrote``: this process posted it) one write in the platform's usage."""
    suggestion_id = item["suggestion_id"]
    sent_uid = f"{item['platform']}:{new_id}"
    with db.transaction() as con:
        con.execute(
            """UPDATE reply_suggestions SET status = 'sent', sent_post_uid = ?, sent_at = ?, updated_at = ?,
                   decided_by = coalesce(decided_by, ?), last_error = NULL, sending_owner = NULL
               WHERE suggestion_id = ?""",
            [sent_uid, now, now, by, suggestion_id],
        )
        con.execute(
            """INSERT OR IGNORE INTO interactions
                   (interaction_id, person_id, identity_uid, post_uid, direction, kind, occurred_at, note, logged_by)
               VALUES (?, ?, NULL, ?, 'outbound', 'reply', ?, 'sent from the queue', ?)""",
            [f"sent:{sent_uid}", item["person_id"], sent_uid, now, by],
        )
        record(con, by, "queue.send", suggestion_id, now, sent_post_uid=sent_uid, person_id=item["person_id"])
        if wrote:
            record_usage(con, source="queue", platform=item["platform"], day=now.astimezone(timezone.utc).date(),
                         writes={"replies": 1})
        if item["edited_at"] is not None and item["text"] != item["original_text"]:
            template = generalise(item["text"], item["person"])
            if template:
                con.execute("INSERT OR IGNORE INTO reply_variants VALUES (?, ?, ?)", [item["intent"], template, now])
    return get_suggestion(db, suggestion_id)


def restore(db: Database, suggestion_id: str, by: str, now: datetime) -> dict:
    """Undo a dismissal: the suggestion is pending again (or approved, if it was approved when dismissed)."""
    item = get_suggestion(db, suggestion_id)
    if item["status"] != "dismissed":
        raise QueueError(f"{suggestion_id} is {item['status']}; only a dismissed suggestion can be restored")
    row = db.con.execute(
        """SELECT json_extract_string(details, '$.from') FROM audit_log
           WHERE target = ? AND action = 'queue.dismiss' ORDER BY seq DESC LIMIT 1""", [suggestion_id]).fetchone()
    back_to = row[0] if row and row[0] in ("pending", "approved") else "pending"
    with db.transaction() as con:
        con.execute("""UPDATE reply_suggestions SET status = ?, decided_by = ?, decided_at = ?, updated_at = ?
                       WHERE suggestion_id = ?""", [back_to, by, now, now, suggestion_id])
        record(con, by, "queue.restore", suggestion_id, now, person_id=item["person_id"],
               **{"from": "dismissed", "to": back_to})
    return get_suggestion(db, suggestion_id)


def assign(db: Database, suggestion_id: str, to: str | None, by: str, now: datetime) -> dict:
    """Give a suggestion to a user (``to=None`` takes it back to nobody's)."""
    item = get_suggestion(db, suggestion_id)
    with db.transaction() as con:
        con.execute("UPDATE reply_suggestions SET assigned_to = ?, updated_at = ? WHERE suggestion_id = ?",
                    [to, now, suggestion_id])
        record(con, by, "queue.assign", suggestion_id, now, person_id=item["person_id"],
               **{"from": item["assigned_to"], "to": to})
    return get_suggestion(db, suggestion_id)


def generalise(text: str, person_name: str | None) -> str | None:
    """An edited reply becomes a template: the person's first name becomes {name}. Replies that
    quote specifics (numbers, links, handles) stay one-offs."""
    import re

    first = (person_name or "").split()[0] if person_name else ""
    if not first or first not in text or re.search(r"https?://|@\w|#\d|\d{3,}", text):
        return None
    return text.replace("{", "{{").replace("}", "}}").replace(first, "{name}")
