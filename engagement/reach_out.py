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

# what to do, beyond social media, for each kind of moment: (action, "Verb {first}: purpose")
ACTIONS = {
    "new_job": ("call", "Call {first}: congratulate them on the new role"),
    "launch": ("call", "Call {first}: congratulate them on the launch"),
    "funding": ("call", "Call {first}: congratulate them on the funding round"),
    "acquisition": ("call", "Call {first}: ask what the acquisition means for them"),
    "award": ("note", "Send {first} a note: congratulations on the award"),
    "speaking": ("note", "Send {first} a note: good luck with the talk"),
    "moving": ("meal", "Take {first} for coffee or lunch: the move is a good moment to catch up"),
    "wedding": ("note", "Send {first} a card for the wedding"),
    "baby": ("note", "Send {first} a card for the new baby"),
    "birthday": ("note", "Send {first} a birthday note"),
    "anniversary": ("note", "Send {first} a note for the anniversary"),
    "illness": ("note", "Send {first} a personal note wishing them well, no business talk"),
    "bereavement": ("note", "Send {first} a handwritten condolence note, no business talk"),
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
    detail: str  # the reason in a few words, for merging several reasons into one entry
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
    if days <= 1:
        return "you last spoke yesterday" if days == 1 else "you spoke today"
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
        action, template = ACTIONS.get(kind, ("note", "Send {first} a note about their news"))
        first = first_name(name, person_id)
        told = template.format(first=first)
        detail = f"{told[told.find(':') + 1:].strip() if ':' in told else told} (shared on {_date(created)})"
        sentence = f"{told} (shared on {_date(created)}); {_last_spoke(last_by_person.get(person_id), now)}."
        urgency = 1.8 if kind in SENSITIVE_MOMENTS else 1.6
        items.append(ReachOut(person_id, name, tier, "moment", action, sentence, detail, url, _date(created),
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
        exchanges = f"{count} exchange{'s' if count != 1 else ''}"
        detail = f"no conversation for {days} days (over {band}), after {exchanges} before that"
        sentence = f"Call {first}: {detail}; {_last_spoke(last, now)}."
        items.append(ReachOut(person_id, name, tier, "quiet", "call", sentence, detail, None, _date(last), None,
                              TIER_WEIGHT.get(tier, 1.0) * (1.0 + band / 180)))

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
        detail = f"the problem they raised on {_date(created)} (“{excerpt(text, 70)}”)"
        sentence = f"Call {first} about {detail}; {_last_spoke(last_by_person.get(person_id), now)}."
        items.append(ReachOut(person_id, name, tier, "negative", "call", sentence, detail, url, _date(created),
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
        detail = f"their question from {_date(created)} has waited {hours} hours (“{excerpt(text, 70)}”)"
        sentence = f"Email {first} an answer: {detail}."
        items.append(ReachOut(person_id, name, tier, "unanswered", "email", sentence, detail, url, _date(created),
                              excerpt(text, 160), TIER_WEIGHT.get(tier, 1.0) * 1.1))

    return merge_by_person(items)[:limit]


def merge_by_person(items: list[ReachOut]) -> list[ReachOut]:
    """One entry per person: the strongest reason leads, the others follow as 'Also: …'."""
    by_person: dict[str, list[ReachOut]] = {}
    for item in sorted(items, key=lambda i: -i.score):
        by_person.setdefault(item.person_id, []).append(item)
    merged = []
    for group in by_person.values():
        lead, rest = group[0], group[1:]
        extra = [r for r in rest if r.reason != lead.reason]
        if extra:
            also = "; ".join(dict.fromkeys(r.detail for r in extra))
            lead = ReachOut(**{**lead.to_dict(), "sentence": f"{lead.sentence} Also: {also}.",
                               "score": lead.score + 0.25 * sum(r.score for r in extra)})
        merged.append(lead)
    return sorted(merged, key=lambda i: (-i.score, i.person))
