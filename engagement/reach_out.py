"""Who deserves a personal touch beyond social media, why, and the evidence.

Reasons: a key client talking about leaving us, tagged or not (``churn``, the most urgent); a key client
naming us without tagging us (``mentioned_us``) or naming a competitor (``competitor``); a key client's
meaningful moment; a key client gone quiet (relative to their own rhythm);
a key client's negative post or complaint; a question to us left unanswered; imbalance (they
engage, we don't); and a key client's contact taking a new job elsewhere (``champion_left``: the account
they left needs a new contact). Ranked by relationship importance:

    score = tier weight × reason urgency × (0.6 + 0.4 · health/100) × recency

where recency halves every 14 days of the evidence's age (never below 0.3). Follower counts play no part.

A touch logged (call, meal, note, email) after an item's evidence clears that item, and the list says so.
Only what is possible for the person is suggested: an email only when an address is known (an imported
contact's), a call, a meal or a note only for people we know (key clients, imported contacts); anyone else
gets a public reply where they wrote, or nothing. After a loss or an illness the note stands alone.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Callable

from engagement.brand_talk import CHURN_ABOUT_US_SQL, BrandTalk, names
from engagement.health import quiet_threshold_for_gap
from engagement.people import TOUCH_KINDS, health_for_all, interaction_rhythm
from engagement.replies import excerpt, first_name
from engagement.wording import SENSITIVE_MOMENTS, moment_wording, tier_weight
from nlp.polarity import negative_sql
from storage.audit import record
from storage.db import Database

# churn talk is the most urgent thing a key client can say; a competitor they are buying from or
# evaluating comes next to a complaint
URGENCY = {"churn": 2.4, "competitor_buying": 1.7, "competitor": 1.2, "mentioned_us": 1.2,
           "negative": 1.9, "moment": 1.6, "moment_sensitive": 1.8, "quiet": 1.2, "unanswered": 1.3,
           "imbalance": 1.1, "champion_left": 2.0}
REASONS = ("moment", "quiet", "negative", "unanswered", "imbalance", "churn", "mentioned_us", "competitor",
           "champion_left")
# a public reply where they wrote: all we can do for someone we only know by a handle
REACH_ACTIONS = TOUCH_KINDS + ("reply",)
TOUCHED = {"call": "called", "meal": "had a meal with", "note": "sent a note to", "email": "emailed"}
BRAND_WINDOW_DAYS = 14  # a key client's post about us or a competitor stays on the list this long


@dataclass
class ReachOut:
    person_id: str
    person: str
    tier: int | None
    reason: str  # one of REASONS
    action: str  # one of REACH_ACTIONS
    sentence: str
    detail: str  # the reason in a few words, for merging several reasons into one entry
    evidence_url: str | None
    evidence_date: str | None  # ISO 8601 (YYYY-MM-DD), the day of the evidence
    evidence_text: str | None
    score: float
    health: float | None = None
    trend: str | None = None
    also: list[str] | None = None
    evidence_at: datetime | None = None  # when the evidence was posted (or the last conversation, for silence)
    headline: str | None = None  # the action in a few words ("Call Sofia today: they wrote about leaving")
    cleared: list[str] | None = None  # what a touch since cleared, in words
    sensitive: bool = False  # a loss or an illness: nothing about business beside it

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


def _recency(at: datetime | None, now: datetime) -> float:
    if at is None:
        return 1.0
    return max(0.5 ** (max((now - at).days, 0) / 14), 0.3)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _fetch(db: Database, sql: str, params: dict) -> list[tuple]:
    """Rows whose fifth column is a time in epoch microseconds, with that time as a UTC datetime: thousands
    of TIMESTAMPTZ values cost a pytz conversion each on the way out of DuckDB, and then again in every
    subtraction from ``now``."""
    return [(*row[:4], _EPOCH + timedelta(microseconds=row[4]) if row[4] is not None else None, *row[5:])
            for row in db.con.execute(sql, params).fetchall()]


def _candidates(config, db: Database, now: datetime) -> dict[str, list]:
    """The rows behind each reason: key clients' moments and complaints, unanswered questions, imbalance."""
    eng = config.engagement
    found: dict[str, list] = {}
    found["moments"] = _fetch(
        db,
        """SELECT pe.person_id, pe.name, pe.tier, p.url, epoch_us(p.created_at), t.moments
           FROM tags t JOIN posts p ON p.seq = t.seq
           JOIN identities a ON a.identity_uid = p.author_uid JOIN people pe ON pe.person_id = a.person_id
           WHERE pe.is_key_client AND t.moments <> '[]' AND p.created_at >= $since AND p.created_at <= $now
           ORDER BY p.created_at, p.post_uid""",  # the first announcement is the news; later posts repeat it
        {"since": now - timedelta(days=eng.moment_window_days), "now": now},
    )
    found["key_clients"] = db.rows("SELECT person_id, name, tier FROM people WHERE is_key_client")
    found["negative"] = _fetch(
        db,
        f"""SELECT pe.person_id, pe.name, pe.tier, p.url, epoch_us(p.created_at),
                  coalesce(json_extract_string(t.evidence, '$.complaint'), p.text)
           FROM tags t JOIN posts p ON p.seq = t.seq
           JOIN identities a ON a.identity_uid = p.author_uid JOIN people pe ON pe.person_id = a.person_id
           WHERE pe.is_key_client AND p.created_at >= $since AND p.created_at <= $now
             AND (list_contains(t.intents, 'complaint')
                  -- a plain question is not a negative post, whatever its tone
                  OR ({negative_sql()} AND t.addressed_to_us
                      AND NOT list_contains(t.intents, 'question')))
           ORDER BY p.created_at DESC, p.post_uid""",
        {"since": now - timedelta(days=7), "now": now},
    )
    found["unanswered"] = _fetch(
        db,
        """SELECT s.person_id, pe.name, pe.tier, p.url, epoch_us(p.created_at),
                  coalesce(json_extract_string(t.evidence, '$.question'), p.text), p.platform
           FROM reply_suggestions s JOIN posts p USING (post_uid) JOIN people pe USING (person_id)
           LEFT JOIN tags t ON t.seq = p.seq
           WHERE s.intent = 'question' AND s.status IN ('pending', 'approved') AND p.created_at <= $cutoff
           ORDER BY p.created_at, p.post_uid""",
        {"cutoff": now - timedelta(hours=eng.unanswered_hours)},
    )
    found["imbalance"] = _fetch(
        db,
        """SELECT i.person_id, p.name, p.tier, count(*) FILTER (WHERE direction = 'inbound') AS inbound,
                  epoch_us(max(occurred_at) FILTER (WHERE direction = 'inbound')) AS last_in
           FROM interactions i JOIN people p USING (person_id)
           WHERE i.person_id <> 'me' AND occurred_at BETWEEN $since AND $now
           GROUP BY ALL
           HAVING inbound >= 3 AND count(*) FILTER (WHERE direction = 'outbound') = 0
           ORDER BY i.person_id""",
        {"since": now - timedelta(days=60), "now": now},
    )
    # key clients naming us (tagged or not, when it is churn talk) or a competitor: engagement/brand_talk.py
    found["brand"] = _fetch(
        db,
        f"""SELECT pe.person_id, pe.name, pe.tier, p.url, epoch_us(p.created_at), p.text, t.addressed_to_us,
                   t.about_us, t.competitors, t.intents
            FROM tags t JOIN posts p ON p.seq = t.seq
            JOIN identities a ON a.identity_uid = p.author_uid JOIN people pe ON pe.person_id = a.person_id
            WHERE pe.is_key_client AND p.created_at >= $since AND p.created_at <= $now
              AND ((t.about_us AND NOT t.addressed_to_us) OR len(t.competitors) > 0 OR {CHURN_ABOUT_US_SQL})
            ORDER BY p.created_at DESC, p.post_uid""",
        {"since": now - timedelta(days=BRAND_WINDOW_DAYS), "now": now},
    )
    return found


def _reachable(db: Database, person_ids: list[str]) -> dict[str, str]:
    """How each person can be reached: ``email`` (an imported contact with an address), ``personal`` (a key
    client or an imported contact: someone we know, so a call, a meal or a note), or ``public`` (only a
    handle: a public reply where they wrote). Missing ids are ``public``."""
    if not person_ids:
        return {}
    rows = db.con.execute(
        """SELECT pe.person_id, pe.is_key_client, count(c.contact_id) AS contacts,
                  coalesce(sum(len(c.emails)), 0) AS emails
           FROM people pe LEFT JOIN contacts c ON c.person_id = pe.person_id
           WHERE list_contains($ids, pe.person_id) GROUP BY ALL""", {"ids": person_ids}).fetchall()
    return {pid: "email" if emails else "personal" if key or contacts else "public"
            for pid, key, contacts, emails in rows}


def _last_touches(db: Database, now: datetime) -> dict[str, tuple[str, datetime]]:
    """Each person's latest logged touch beyond social media: (kind, when)."""
    rows = db.con.execute(
        """SELECT person_id, arg_max(substr(kind, 7), occurred_at), epoch_us(max(occurred_at))
           FROM interactions WHERE kind LIKE 'touch:%' AND occurred_at <= $now GROUP BY person_id""",
        {"now": now}).fetchall()
    return {pid: (kind, _EPOCH + timedelta(microseconds=at)) for pid, kind, at in rows}


def _accounts(db: Database, person_ids: list[str]) -> dict[str, str]:
    """The company each person works for, as far as we know: an imported contact's company, else what the
    notes say ("COO at Brightpath Logistics (our champion there); …" → "Brightpath Logistics")."""
    if not person_ids:
        return {}
    rows = db.con.execute(
        """SELECT pe.person_id, any_value(c.company) FILTER (WHERE c.company <> ''), any_value(pe.notes)
           FROM people pe LEFT JOIN contacts c ON c.person_id = pe.person_id
           WHERE list_contains($ids, pe.person_id) GROUP BY ALL""", {"ids": person_ids}).fetchall()
    found = {pid: company or company_in_notes(notes) for pid, company, notes in rows}
    return {pid: company for pid, company in found.items() if company}


def company_in_notes(notes: str | None) -> str | None:
    """The company named in the first clause of a key client's notes: "Head of Data, Northwind Grocers",
    "COO at Brightpath Logistics (our champion there)". None when it names none."""
    if not notes:
        return None
    first = re.sub(r"\([^)]*\)", "", notes.split(";", 1)[0]).strip()
    if " at " in first:
        company = first.rsplit(" at ", 1)[1]
    elif ", " in first:
        company = first.rsplit(", ", 1)[1]
    else:
        return None
    company = company.strip(" .,")
    return company if company[:1].isupper() and len(company) <= 80 else None


def _new_employer(evidence: str) -> str | None:
    """Where a new-job post says they went: "I've joined Acme Freight as VP Operations" → "Acme Freight"."""
    found = re.search(r"\b(?:joined|joining|join|moved to|moving to|starting at|started at)\s+"
                      r"((?:[A-Z][\w&'.-]*\s?){1,5})", evidence)
    return found.group(1).strip() if found else None


def call_name(name: str | None, person_id: str) -> str:
    """A first name when there is one; otherwise the handle as its platform writes it (u/devp, @devp)."""
    platform, _, handle = person_id.removeprefix("p:").partition(":")
    first = first_name(name, "")
    if first != "there" and (not handle or (name or "").lower() != handle.lower()):
        return first
    if not handle:
        return name or person_id
    return f"u/{handle}" if platform == "reddit" else f"@{handle}" if platform in ("x", "mastodon", "bluesky") \
        else handle


def _brand_reason(talk: BrandTalk, first: str, us: str, when: str, quote: str,
                  email_known: bool = False) -> tuple[str, str, str, float] | None:
    """(reason, action, sentence, urgency) for a key client's post naming us or a competitor."""
    untagged = "" if talk.to_us else ", without tagging us"
    if talk.churn_about_us:
        about = f" {us}" if talk.about_us else ""
        rival = f" (they name {names(talk.competitors)})" if talk.competitors else ""
        return ("churn", "call", f"Call {first} today: they wrote about leaving{about}{untagged}{rival} "
                f"(“{quote}”, {when})", URGENCY["churn"])
    if talk.competitor_news and not (talk.about_us and not talk.to_us and "complaint" in talk.intents):
        rivals = names(talk.competitors)
        if talk.opportunity == "buying":
            return ("competitor", "call", f"Call {first}: they are looking at {rivals} (“{quote}”, {when}); "
                    f"ask what they need", URGENCY["competitor_buying"])
        if talk.opportunity == "leaving":
            return ("competitor", "call", f"Call {first}: they are leaving {rivals} (“{quote}”, {when}); "
                    f"ask what they need next", URGENCY["competitor_buying"])
        return ("competitor", "note", f"Ask {first} how {rivals} fits their work: they mentioned it "
                f"(“{quote}”, {when})", URGENCY["competitor"])
    if "praise" in talk.intents:
        return ("mentioned_us", "note", f"Send {first} a thank-you note: they praised {us} in public{untagged} "
                f"(“{quote}”, {when})", URGENCY["mentioned_us"])
    if "question" in talk.intents:
        action, ask = ("email", f"Email {first} an answer") if email_known else ("call", f"Call {first} with an answer")
        return ("mentioned_us", action, f"{ask}: they asked about {us}{untagged} (“{quote}”, {when})",
                URGENCY["mentioned_us"])
    if "complaint" in talk.intents:
        return None  # a key client's complaint is the 'negative' reason already
    return ("mentioned_us", "note", f"Drop {first} a note: they mentioned {us}{untagged} (“{quote}”, {when})",
            URGENCY["mentioned_us"])


@dataclass
class _Pending:
    """A reason found for someone, its words not yet written: only the people who make the list get
    sentences (at a million posts thousands of people have a reason; twenty are shown). The score
    waits for health too: ``weight`` is tier weight × urgency. ``group`` is the entry it joins: the
    person's own, or (for a champion who left) the account's."""
    person_id: str
    person: str
    reason: str
    weight: float
    recency: float
    write: Callable[[float], ReachOut]  # given the score
    score: float = 0.0
    group: str = ""
    sensitive: bool = False  # a loss or an illness: nothing else is said beside it

    def __post_init__(self):
        self.group = self.group or self.person_id


def _score(item: _Pending, overall: float) -> float:
    return round(item.weight * (0.6 + 0.4 * overall / 100) * item.recency, 3)


def _may_make_the_list(pending: list[_Pending], limit: int, always: set[str]) -> set[str]:
    """The people whose score could reach the top ``limit`` whatever their health, plus ``always``.

    Health (0-100) scales a score between 0.6 and 1.0 times weight × recency, so each entry's merged score
    lies between the merge of its lowest and of its highest possible scores. An entry whose highest
    is below the ``limit``-th best lowest cannot make the list, and its people's health need not be computed.
    ``_score`` and ``_merged_score`` rise with every score, so the bounds hold after rounding too."""
    by_group: dict[str, list[_Pending]] = {}
    for item in pending:
        by_group.setdefault(item.group, []).append(item)
    if len(by_group) <= limit:
        return {i.person_id for i in pending} | always
    lowest = sorted((_merged_score([_score(i, 0.0) for i in items]) for items in by_group.values()),
                    reverse=True)
    bar = lowest[limit - 1]
    return {i.person_id for items in by_group.values()
            if _merged_score([_score(i, 100.0) for i in items]) >= bar for i in items} | always


@dataclass
class ReachOutList:
    items: list[ReachOut]
    cleared: list[dict]  # {person_id, person, kind, at, sentence}: what a touch since the evidence cleared


def reach_out_list(config, db: Database, limit: int = 20) -> list[ReachOut]:
    return reach_out(config, db, limit).items


def reach_out(config, db: Database, limit: int = 20) -> ReachOutList:
    """Who deserves a personal touch (the first ``limit`` entries), and what touches logged since cleared."""
    now = config.now()
    eng = config.engagement
    candidates = _candidates(config, db, now)
    key_clients = candidates["key_clients"]
    key_ids = [c["person_id"] for c in key_clients]
    snoozed = {(r[0], r[1]) for r in db.con.execute(
        "SELECT person_id, reason FROM reach_out_snoozes WHERE until > ?", [now]).fetchall()}
    touches = _last_touches(db, now)
    # the unanswered and imbalance reasons reach people we may not know: how can we reach them?
    strangers = sorted({r[0] for r in candidates["unanswered"]} | {r[0] for r in candidates["imbalance"]})
    channel = {pid: "personal" for pid in key_ids} | _reachable(db, strangers + key_ids)
    accounts = _accounts(db, key_ids)
    pending: list[_Pending] = []
    cleared: list[tuple[_Pending, tuple[str, datetime]]] = []
    healths: dict[str, dict] = {}  # filled below, before any words are written
    last_by_person: dict[str, datetime] = {}

    def add(person_id, name, tier, reason, at, urgency, words: Callable[[], tuple], recent=True, group="",
            sensitive=False, shown_as=None):
        """``words()``: (action, headline, sentence, detail, url, text), written only if the entry is shown."""
        if (person_id, reason) in snoozed or (person_id, "any") in snoozed:
            return
        # for silence the age of the evidence is the point, so it does not lower the score
        recency = _recency(at, now) if recent else 1.0

        def write(score: float) -> ReachOut:
            h = healths.get(person_id, {})
            action, headline, sentence, detail, url, text = words()
            return ReachOut(person_id, shown_as or name, tier, reason, action, sentence, detail, url,
                            at.date().isoformat() if at else None, text, score, h.get("overall") or None,
                            h.get("trend"), evidence_at=at, headline=headline, sensitive=sensitive)

        item = _Pending(person_id, shown_as or name, reason, tier_weight(tier) * urgency, recency, write,
                        group=group, sensitive=sensitive)
        touch = touches.get(person_id)
        if touch and at is not None and touch[1] > at:
            cleared.append((item, touch))  # they were called (met, written to) since: done
            return
        pending.append(item)

    def spoke(person_id: str) -> str:
        return _last_spoke(last_by_person.get(person_id), now)

    seen: set[tuple[str, str]] = set()
    for person_id, name, tier, url, created, moments_json in candidates["moments"]:
        moment = json.loads(moments_json)[0]
        kind = moment["type"]
        if (person_id, kind) in seen:
            continue
        seen.add((person_id, kind))

        def moment_words(person_id=person_id, name=name, url=url, created=created, moment=moment, kind=kind):
            wording = moment_wording(kind)
            action, template = wording.action, wording.touch
            told = template.format(first=first_name(name, person_id))
            quote = excerpt(moment["evidence"], 90)
            detail = f"{told.split(': ', 1)[-1]} (“{quote}”, {_date(created)})"
            sentence = f"{told} — “{quote}” ({_date(created)}); {spoke(person_id)}."
            return action, told, sentence, detail, url, moment["evidence"]

        sensitive = kind in SENSITIVE_MOMENTS
        urgency = URGENCY["moment_sensitive"] if sensitive else URGENCY["moment"]
        add(person_id, name, tier, "moment", created, urgency, moment_words, sensitive=sensitive)
        left = accounts.get(person_id)
        if kind == "new_job" and left and left.lower() not in moment["evidence"].lower():
            def champion_words(person_id=person_id, name=name, url=url, created=created, moment=moment, left=left):
                first = first_name(name, person_id)
                went = _new_employer(moment["evidence"])
                quote = excerpt(moment["evidence"], 90)
                headline = f"{left} lost its champion: who is the new contact?"
                sentence = (f"{headline} {name} moved{f' to {went}' if went else ' to a new role'} "
                            f"(“{quote}”, {_date(created)}); ask {first} who takes over at {left}, "
                            f"and call them.")
                detail = f"{left} needs a new contact now that {first} has moved on"
                return "call", headline, sentence, detail, url, moment["evidence"]

            add(person_id, name, tier, "champion_left", created, URGENCY["champion_left"], champion_words,
                group=f"{person_id}#left", shown_as=left)

    for person_id, name, tier, url, created, text in candidates["negative"]:
        def negative_words(person_id=person_id, name=name, url=url, created=created, text=text):
            detail = f"the problem they raised on {_date(created)} (“{excerpt(text, 70)}”)"
            headline = f"Call {first_name(name, person_id)} about the problem they raised"
            return ("call", headline, f"Call {first_name(name, person_id)} about {detail}; {spoke(person_id)}.",
                    detail, url, excerpt(text, 160))

        add(person_id, name, tier, "negative", created, URGENCY["negative"], negative_words)

    for person_id, name, tier, url, created, text, platform in candidates["unanswered"]:
        def unanswered_words(person_id=person_id, name=name, url=url, created=created, text=text,
                             platform=platform):
            hours = int((now - created).total_seconds() // 3600)
            detail = f"their question from {_date(created)} has waited {hours} hours (“{excerpt(text, 70)}”)"
            who = call_name(name, person_id)
            how = channel.get(person_id, "public")
            if how == "email":
                action, headline = "email", f"Email {who} an answer"
            elif how == "personal":
                action, headline = "call", f"Call {who} with an answer"
            else:
                action, headline = "reply", f"Answer {who} in public on {platform_name(platform)}"
            return action, headline, f"{headline}: {detail}.", detail, url, excerpt(text, 160)

        add(person_id, name, tier, "unanswered", created, URGENCY["unanswered"], unanswered_words)

    for person_id, name, tier, inbound, last_in in candidates["imbalance"]:
        def imbalance_words(person_id=person_id, name=name, inbound=inbound):
            detail = f"they wrote to us {inbound} times in 60 days and we never answered"
            who = call_name(name, person_id)
            how = channel.get(person_id, "public")
            if how == "email":
                action, headline = "email", f"Email {who} a personal thank-you"
            elif how == "personal":
                action, headline = "note", f"Send {who} a personal thank-you note"
            else:
                action, headline = "reply", f"Thank {who} in a public reply"
            return action, headline, f"{headline}: {detail}.", detail, None, None

        add(person_id, name, tier, "imbalance", last_in, URGENCY["imbalance"], imbalance_words)

    brand_seen: set[tuple[str, str]] = set()
    for person_id, name, tier, url, created, text, to_us, about_us, competitors, intents in candidates["brand"]:
        talk = BrandTalk(bool(to_us), bool(about_us), list(competitors or []), list(intents or []))
        found = _brand_reason(talk, first_name(name, person_id), config.me.name, _date(created), excerpt(text, 90),
                              email_known=channel.get(person_id) == "email")
        if found is None:
            continue
        reason, action, told, urgency = found
        if (person_id, reason) in brand_seen:
            continue  # their latest such post speaks for the rest
        brand_seen.add((person_id, reason))

        def brand_words(person_id=person_id, url=url, text=text, action=action, told=told):
            detail = told.split(": ", 1)[-1] if ": " in told else told
            headline = re.split(r" \(“", told, maxsplit=1)[0]
            return action, headline, f"{told}; {spoke(person_id)}.", detail, url, excerpt(text, 160)

        add(person_id, name, tier, reason, created, urgency, brand_words)

    # health only for the people who may make the list (key clients always: silence is judged on their
    # health's last interaction); the quiet reasons added below only raise the bar, so the cut is safe
    people = _may_make_the_list(pending, limit, set(key_ids))
    healths.update(health_for_all(db, now, sorted(people)) if people else {})
    last_by_person.update({pid: h["last_interaction"] for pid, h in healths.items() if h["last_interaction"]})
    rhythm = interaction_rhythm(db, key_ids, now) if key_ids else {}  # it decides when silence counts

    for client in key_clients:
        pid = client["person_id"]
        count, usual_gap = rhythm.get(pid, (0, None))
        last = last_by_person.get(pid)
        if last is None:
            continue
        silent = (now - last).days
        threshold = quiet_threshold_for_gap(usual_gap, min(eng.quiet_days))
        if silent < threshold:
            continue
        band = max([d for d in eng.quiet_days if d <= silent] or [int(threshold)])

        def quiet_words(pid=pid, name=client["name"], count=count, silent=silent, band=band, last=last):
            detail = (f"no conversation for {silent} days (over {band}), "
                      f"after {count} exchange{'s' if count != 1 else ''} before that")
            headline = f"Call {first_name(name, pid)}"
            return "call", headline, f"{headline}: {detail}; {_last_spoke(last, now)}.", detail, None, None

        add(pid, client["name"], client["tier"], "quiet", last, URGENCY["quiet"] * (1 + band / 180), quiet_words,
            recent=False)

    scored = [p for p in pending if p.person_id in people]
    for item in scored:
        item.score = _score(item, healths.get(item.person_id, {}).get("overall", 0.0))
    cleared_by = _cleared(cleared)
    items = merge_by_person(scored, limit)
    for index, item in enumerate(items):
        said = cleared_by.get(item.person_id)
        if said and item.reason != "champion_left":
            items[index] = replace(item, sentence=f"{item.sentence} {said['sentence']}", cleared=said["cleared"])
    return ReachOutList(items, list(cleared_by.values()))


def platform_name(platform: str | None) -> str:
    return {"x": "X", "reddit": "Reddit", "blog": "the blog", "mastodon": "Mastodon",
            "bluesky": "Bluesky"}.get(platform or "", platform or "the platform where they asked")


def _cleared(cleared: list[tuple[_Pending, tuple[str, datetime]]]) -> dict[str, dict]:
    """Per person, what their latest touch cleared, in words: "You called Sofia on 20 Nov; cleared: …"."""
    by_person: dict[str, list] = {}
    for item, touch in cleared:
        by_person.setdefault(item.person_id, []).append((item, touch))
    said = {}
    for person_id, found in by_person.items():
        kind, at = found[0][1]
        details = list(dict.fromkeys(item.write(0.0).detail for item, _ in found))
        person = next((i.person for i, _ in found if i.reason != "champion_left"), found[0][0].person)
        first = first_name(person, person_id) if person else person_id
        shown = details[:ALSO_PER_REASON * 2]
        more = len(details) - len(shown)
        words = "; ".join(shown) + (f"; and {more} more" if more else "")
        said[person_id] = {"person_id": person_id, "person": person, "kind": kind, "at": at,
                           "cleared": details,
                           "sentence": f"You {TOUCHED.get(kind, 'reached')} {first} on {_date(at)}; cleared: {words}."}
    return said


def _ranked_groups(items: list[_Pending]) -> list[list[_Pending]]:
    """Reasons grouped by entry (a person, or an account they left), the leading reason first in each
    group, groups ranked by merged score, then name."""
    by_group: dict[str, list[_Pending]] = {}
    for item in items:
        by_group.setdefault(item.group, []).append(item)
    for group in by_group.values():
        group.sort(key=lambda i: (not i.sensitive, LEAD_ORDER.get(i.reason, 9), -i.score))
    return sorted(by_group.values(), key=lambda group: (-_merged_score([i.score for i in group]), group[0].person))


def _merged_score(scores: list[float]) -> float:
    """The strongest reason's score, plus a quarter of the others'."""
    best = max(scores)
    return round(best + 0.25 * (sum(scores) - best), 3)


# past this many of one reason, the rest are counted, not quoted (someone with 40 waiting questions
# needs a call about all of them, not a paragraph each)
ALSO_PER_REASON = 2
MORE = {"churn": "more posts about leaving", "mentioned_us": "more mentions of us", "competitor": "more about competitors",
        "moment": "more pieces of news", "quiet": "more", "negative": "more problems raised",
        "unanswered": "more questions waiting", "imbalance": "more", "champion_left": "more"}


def _also(extra: list[_Pending]) -> list[str]:
    """The first two different details of each further reason, and how many more there are: only the
    quoted ones are written (a key client may have a thousand complaints on file)."""
    by_reason: dict[str, list[_Pending]] = {}
    for item in extra:
        by_reason.setdefault(item.reason, []).append(item)
    parts = []
    for reason, items in by_reason.items():
        shown: list[str] = []
        written = 0
        for item in items:
            if len(shown) == ALSO_PER_REASON:
                break
            written += 1
            detail = item.write(item.score).detail
            if detail not in shown:
                shown.append(detail)
        parts += shown
        if len(items) > written:
            parts.append(f"{len(items) - written} {MORE.get(reason, 'more')}")
    return parts


LEAD_ORDER = {"churn": -1, "negative": 0, "competitor": 0.5, "champion_left": 0.7, "moment": 1, "unanswered": 2,
              "mentioned_us": 2.5, "quiet": 3, "imbalance": 4}


def merge_by_person(items: list[_Pending], limit: int) -> list[ReachOut]:
    """One entry per person, the first ``limit`` people. The most actionable reason leads the sentence
    (a complaint, then news, then a waiting question, then silence); the others follow as 'Also: …'.
    After a loss or an illness the note stands alone: no business reasons beside it.
    The score is the strongest reason's, plus a quarter of the others'. Only what is shown is written."""
    merged = []
    for group in _ranked_groups(items)[:limit]:
        lead = group[0].write(group[0].score)
        extra = [] if group[0].sensitive else [r for r in group[1:] if r.reason != lead.reason]
        changes: dict = {"score": _merged_score([i.score for i in group])}
        if extra:
            changes |= {"sentence": f"{lead.sentence} Also: {'; '.join(_also(extra))}.",
                        "also": list(dict.fromkeys(r.reason for r in extra))}
        merged.append(replace(lead, **changes))
    return merged



def snooze(db: Database, person_id: str, reason: str, until: datetime, now: datetime, by: str = "unknown") -> dict:
    if reason not in REASONS + ("any",):
        raise ValueError(f"reason must be one of {', '.join(REASONS + ('any',))}")
    with db.transaction() as con:
        con.execute(
            """INSERT INTO reach_out_snoozes (person_id, reason, until, created_at, snoozed_by) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (person_id, reason) DO UPDATE SET until = excluded.until, created_at = excluded.created_at,
                   snoozed_by = excluded.snoozed_by""",
            [person_id, reason, until, now, by],
        )
        record(con, by, "reach_out.snooze", person_id, now, reason=reason, until=until)
    return {"person_id": person_id, "reason": reason, "until": until, "snoozed_by": by, "at": now}


def unsnooze(db: Database, person_id: str, reason: str | None, now: datetime, by: str = "unknown") -> list[dict]:
    """Lift a person's snoozes (one reason, or all of them); returns what was lifted."""
    rows = db.rows("SELECT person_id, reason, until FROM reach_out_snoozes WHERE person_id = ? AND until > ? "
                   "AND (? IS NULL OR reason = ?) ORDER BY reason", [person_id, now, reason, reason])
    if rows:
        with db.transaction() as con:
            con.execute("DELETE FROM reach_out_snoozes WHERE person_id = ? AND (? IS NULL OR reason = ?)",
                        [person_id, reason, reason])
            for row in rows:
                record(con, by, "reach_out.unsnooze", person_id, now, reason=row["reason"], was_until=row["until"])
    return rows


def snoozed(db: Database, now: datetime) -> list[dict]:
    """Snoozes in force, soonest to end first."""
    return db.rows(
        """SELECT s.person_id, p.name AS person, s.reason, s.until, s.created_at, s.snoozed_by
           FROM reach_out_snoozes s JOIN people p USING (person_id) WHERE s.until > ? ORDER BY s.until, p.name""",
        [now])
