"""Who deserves a personal touch beyond social media, and why, with the evidence.

First version: key clients' recent moments, key clients gone quiet, key clients'
negative posts, and questions to us left unanswered. Ranked by tier and urgency,
never by follower count.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from engagement.replies import SENSITIVE_MOMENTS, excerpt, first_name
from storage.db import Database

ACTIONS = {
    "new_job": ("call", "Call {first} to congratulate them on {what}"),
    "launch": ("call", "Call {first} to congratulate them on {what}"),
    "funding": ("call", "Call {first} to congratulate them on {what}"),
    "acquisition": ("call", "Call {first} about {what}: what it means for them"),
    "award": ("note", "Send {first} a note of congratulations on {what}"),
    "speaking": ("note", "Send {first} a note wishing them well with {what}"),
    "moving": ("meal", "Offer {first} a coffee or lunch around {what}"),
    "wedding": ("note", "Send {first} a card for {what}"),
    "baby": ("note", "Send {first} a card for {what}"),
    "birthday": ("note", "Send {first} a birthday note"),
    "anniversary": ("note", "Send {first} a note on {what}"),
    "illness": ("note", "Send {first} a personal note; no business talk"),
    "bereavement": ("note", "Send {first} a handwritten condolence note; no business talk"),
}
WHAT = {
    "new_job": "the new role", "launch": "the launch", "funding": "the funding round",
    "acquisition": "the acquisition", "award": "the award", "speaking": "the talk", "moving": "the move",
    "wedding": "the wedding", "baby": "the new baby", "birthday": "the birthday",
    "anniversary": "the anniversary", "illness": "what they are going through", "bereavement": "their loss",
}
TIER_WEIGHT = {1: 3.0, 2: 2.0, 3: 1.5, 4: 1.2, 5: 1.1}


@dataclass
class ReachOut:
    person_id: str
    person: str
    tier: int | None
    reason: str  # moment | quiet | negative | unanswered
    action: str  # call | meal | note | email
    sentence: str
    evidence_url: str | None
    evidence_date: str | None
    evidence_text: str | None
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


def _date(value: datetime | None) -> str:
    return f"{value.day} {value:%b}" if value else "never"


def _last_spoke(last: datetime | None, now: datetime) -> str:
    if last is None:
        return "you have no recorded conversation yet"
    days = (now - last).days
    if days <= 14:
        return f"you last spoke {days} days ago"
    return f"you last spoke on {_date(last)}" if days < 60 else f"you last spoke in {last:%B}"


def reach_out_list(config, db: Database, limit: int = 20) -> list[ReachOut]:
    now = config.now()
    eng = config.engagement
    items: list[ReachOut] = []
    last_by_person = dict(db.con.execute(
        "SELECT person_id, last_interaction_at FROM person_activity").fetchall())

    moments = db.con.execute(
        """SELECT pe.person_id, pe.name, pe.tier, p.url, p.created_at, t.moments
           FROM tags t JOIN posts p USING (post_uid)
           JOIN identities a ON a.identity_uid = p.author_uid JOIN people pe ON pe.person_id = a.person_id
           WHERE pe.is_key_client AND t.moments <> '[]' AND p.created_at >= $since
           ORDER BY p.created_at DESC""",
        {"since": now - timedelta(days=eng.moment_window_days)},
    ).fetchall()
    seen: set[tuple[str, str]] = set()
    for person_id, name, tier, url, created, moments_json in moments:
        moment = json.loads(moments_json)[0]
        kind = moment["type"]
        if (person_id, kind) in seen:
            continue
        seen.add((person_id, kind))
        action, template = ACTIONS.get(kind, ("note", "Reach out to {first} about {what}"))
        first = first_name(name, person_id)
        sentence = (
            f"{template.format(first=first, what=WHAT.get(kind, 'their news'))} "
            f"they shared on {_date(created)}; {_last_spoke(last_by_person.get(person_id), now)}."
        )
        urgency = 1.6 if kind in SENSITIVE_MOMENTS else 1.3
        items.append(ReachOut(person_id, name, tier, "moment", action, sentence, url, _date(created),
                              moment["evidence"], TIER_WEIGHT.get(tier, 1.0) * urgency))

    quiet_after = min(eng.quiet_days)
    quiet = db.con.execute(
        """SELECT pe.person_id, pe.name, pe.tier, pa.last_interaction_at, pa.inbound_count + pa.outbound_count
           FROM people pe JOIN person_activity pa USING (person_id)
           WHERE pe.is_key_client AND pa.last_interaction_at < $cutoff""",
        {"cutoff": now - timedelta(days=quiet_after)},
    ).fetchall()
    for person_id, name, tier, last, count in quiet:
        days = (now - last).days
        band = max(d for d in eng.quiet_days if d <= days)
        first = first_name(name, person_id)
        sentence = (f"Call {first}: no conversation for {days} days (over {band}), "
                    f"after {count} exchanges before that; {_last_spoke(last, now)}.")
        items.append(ReachOut(person_id, name, tier, "quiet", "call", sentence, None, _date(last), None,
                              TIER_WEIGHT.get(tier, 1.0) * (1.0 + band / 90)))

    negative = db.con.execute(
        """SELECT pe.person_id, pe.name, pe.tier, p.url, p.created_at, p.text, t.sentiment_score
           FROM tags t JOIN posts p USING (post_uid)
           JOIN identities a ON a.identity_uid = p.author_uid JOIN people pe ON pe.person_id = a.person_id
           WHERE pe.is_key_client AND t.sentiment_score <= $threshold AND p.created_at >= $since
             AND (t.addressed_to_us OR list_contains(t.intents, 'complaint'))
           ORDER BY p.created_at DESC""",
        {"threshold": config.alerts.negative_threshold, "since": now - timedelta(days=7)},
    ).fetchall()
    for person_id, name, tier, url, created, text, score in negative:
        first = first_name(name, person_id)
        sentence = (f"Call {first} about the problem they raised on {_date(created)} "
                    f"(“{excerpt(text, 70)}”); {_last_spoke(last_by_person.get(person_id), now)}.")
        items.append(ReachOut(person_id, name, tier, "negative", "call", sentence, url, _date(created),
                              excerpt(text, 160), TIER_WEIGHT.get(tier, 1.0) * 1.8))

    unanswered = db.con.execute(
        """SELECT s.person_id, pe.name, pe.tier, p.url, p.created_at, p.text
           FROM reply_suggestions s JOIN posts p USING (post_uid) JOIN people pe USING (person_id)
           WHERE s.intent = 'question' AND s.status IN ('pending', 'approved') AND p.created_at <= $cutoff""",
        {"cutoff": now - timedelta(hours=eng.unanswered_hours)},
    ).fetchall()
    for person_id, name, tier, url, created, text in unanswered:
        hours = int((now - created).total_seconds() // 3600)
        first = first_name(name, person_id)
        sentence = (f"Email {first} an answer: their question from {_date(created)} has waited {hours} hours "
                    f"(“{excerpt(text, 70)}”).")
        items.append(ReachOut(person_id, name, tier, "unanswered", "email", sentence, url, _date(created),
                              excerpt(text, 160), TIER_WEIGHT.get(tier, 1.0) * 1.1))

    best: dict[tuple[str, str], ReachOut] = {}
    for item in items:
        key = (item.person_id, item.reason)
        if key not in best or item.score > best[key].score:
            best[key] = item
    return sorted(best.values(), key=lambda i: (-i.score, i.person))[:limit]
