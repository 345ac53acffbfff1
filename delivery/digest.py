"""The daily listening digest: gather a day's numbers and actions, render HTML and plain text.

Post text is untrusted: every template autoescapes, and the chart is drawn from numbers only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from delivery.links import safe_url
from delivery.share_chart import colour, share_chart_svg
from engagement.emerging import emerging_terms
from engagement.opportunities import list_opportunities
from engagement.share_of_voice import share_of_voice
from engagement.queue import list_queue
from engagement.reach_out import call_name, platform_name, reach_out
from engagement.replies import excerpt
from delivery.bidi import bdi, isolate
from engagement.wording import NOT_A_KEY_CLIENT, intent_label, language_note, tier_weight
from storage.db import Database

_env = Environment(
    loader=PackageLoader("delivery", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default_for_string=True, default=False),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["safe_url"] = safe_url  # post URLs come from feeds and APIs: only http(s) becomes a link
_env.filters["bdi"] = bdi  # user text in HTML: its own direction, never reordering what follows
_env.filters["isolate"] = isolate  # the same in plain text


@dataclass
class DigestFiles:
    html: Path
    text: Path
    day: date


def day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def default_day(config) -> date:
    return config.now().astimezone(config.tz).date()


def _counts(db: Database, start: datetime, end: datetime) -> dict[str, Any]:
    row = db.con.execute(
        """SELECT count(*) AS posts,
                  count(*) FILTER (WHERE t.addressed_to_us) AS inbound,
                  count(*) FILTER (WHERE t.addressed_to_us AND list_contains(t.intents, 'question')) AS questions,
                  count(*) FILTER (WHERE list_contains(t.intents, 'complaint') AND t.addressed_to_us) AS complaints,
                  count(*) FILTER (WHERE t.sentiment_label = 'negative') AS negative,
                  count(*) FILTER (WHERE t.sentiment_label = 'positive') AS positive,
                  avg(t.sentiment_score) AS mean_sentiment,
                  -- not read by the English models: other languages, and posts whose language is undetermined
                  count(*) FILTER (WHERE t.lang IS NOT NULL AND t.lang <> 'en') AS not_scored
           FROM posts p LEFT JOIN tags t ON t.seq = p.seq  -- the integer key: cheaper than post_uid
           WHERE p.created_at >= $start AND p.created_at < $end AND NOT coalesce(t.from_us, false)""",
        {"start": start, "end": end},
    ).fetchone()
    names = ("posts", "inbound", "questions", "complaints", "negative", "positive", "mean_sentiment", "not_scored")
    return dict(zip(names, row))


def _change(now: int, before: int) -> str:
    if before == 0:
        return "new" if now else "±0"
    pct = (now - before) / before * 100
    return f"{pct:+.0f}%"


def _daily_series(db: Database, end: datetime, days: int, tz) -> list[dict[str, Any]]:
    start = end - timedelta(days=days)
    rows = db.con.execute(
        """SELECT CAST(timezone($tz, p.created_at) AS DATE) AS day, count(*) AS posts,
                  count(*) FILTER (WHERE t.sentiment_label = 'negative') AS negative,
                  count(*) FILTER (WHERE t.sentiment_label = 'positive') AS positive
           FROM posts p LEFT JOIN tags t ON t.seq = p.seq  -- the integer key: cheaper than post_uid
           WHERE p.created_at >= $start AND p.created_at < $end
           GROUP BY 1""",
        {"start": start, "end": end, "tz": str(tz)},
    ).fetchall()
    by_day = {r[0]: r for r in rows}
    series = []
    for i in range(days):
        d = (start + timedelta(days=i)).astimezone(tz).date()
        r = by_day.get(d)
        series.append({"day": d, "posts": r[1] if r else 0, "negative": r[2] if r else 0, "positive": r[3] if r else 0})
    return series


def chart_svg(series: list[dict[str, Any]], width: int = 560, height: int = 140) -> str:
    """Volume bars with positive/negative stacked inside; numbers only, so nothing to escape."""
    top = max([s["posts"] for s in series] + [1])
    gap = 4
    bar = (width - gap * (len(series) + 1)) / max(len(series), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 18}" '
             f'viewBox="0 0 {width} {height + 18}" style="max-width:100%;height:auto;" role="img" '
             f'aria-label="Posts per day, last {len(series)} days">']
    for i, s in enumerate(series):
        x = gap + i * (bar + gap)
        h_total = s["posts"] / top * height
        h_neg = s["negative"] / top * height
        h_pos = s["positive"] / top * height
        parts.append(f'<rect x="{x:.1f}" y="{height - h_total:.1f}" width="{bar:.1f}" height="{h_total:.1f}" fill="#cbd5e1"/>')
        parts.append(f'<rect x="{x:.1f}" y="{height - h_pos:.1f}" width="{bar:.1f}" height="{h_pos:.1f}" fill="#22c55e"/>')
        parts.append(f'<rect x="{x:.1f}" y="{height - h_pos - h_neg:.1f}" width="{bar:.1f}" height="{h_neg:.1f}" fill="#ef4444"/>')
        if i % 2 == 0 or len(series) <= 8:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height + 13}" font-size="9" text-anchor="middle" '
                         f'fill="#64748b">{s["day"].day}/{s["day"].month}</text>')
    parts.append("</svg>")
    return "".join(parts)


def gather(config, db: Database, day: date) -> dict[str, Any]:
    tz = config.tz
    start, end = day_bounds(day, tz)
    today = _counts(db, start, end)
    yesterday = _counts(db, start - timedelta(days=1), start)
    last_week = _counts(db, start - timedelta(days=7), end - timedelta(days=7))
    headline = []
    for key, label in (("posts", "posts heard"), ("inbound", "addressed to us"), ("questions", "questions"),
                       ("complaints", "complaints"), ("negative", "negative posts"),
                       ("not_scored", "not in English")):
        headline.append({"label": label, "value": today[key], "vs_day": _change(today[key], yesterday[key]),
                         "vs_week": _change(today[key], last_week[key])})
    series = _daily_series(db, end, 14, tz)

    listed = reach_out(config, db, limit=config.digest.top_n)
    reach = [r.to_dict() for r in listed.items]
    # more of the queue than is shown: it is ranked again below by who asks, not only by what is asked
    queue = list_queue(db, "pending", limit=config.digest.top_n * 4)
    now = config.now()
    for item in queue:
        item["post_excerpt"] = excerpt(item.get("evidence") or item["post_text"], 140)
        item["intent_label"] = intent_label(item["intent"])
        item["language_note"] = language_note(item.get("lang"))
        item["age_hours"] = max((now - item["posted_at"]).total_seconds() / 3600, 0) if item["posted_at"] else 0
    people = _people(db, sorted({r["person_id"] for r in reach} | {q["person_id"] for q in queue}), start, end)
    alerts, alerts_total, alert_people = _alerts(db, start, end, config.digest.top_n)
    clients = db.rows(
        """SELECT pe.name, pe.tier, count(p.post_uid) AS posts_7d,
                  max(p.created_at) AS last_post, avg(t.sentiment_score) AS mean_sentiment,
                  any_value(pa.last_interaction_at) AS last_interaction
           FROM people pe
           LEFT JOIN identities i ON i.person_id = pe.person_id
           LEFT JOIN posts p ON p.author_uid = i.identity_uid AND p.created_at >= $week AND p.created_at < $end
           LEFT JOIN tags t ON t.seq = p.seq  -- the integer key: cheaper than post_uid
           LEFT JOIN person_activity pa ON pa.person_id = pe.person_id
           WHERE pe.is_key_client
           GROUP BY pe.person_id, pe.name, pe.tier
           ORDER BY pe.tier, pe.name""",
        {"week": end - timedelta(days=7), "end": end},
    )
    topics = db.rows(
        """WITH daily AS (
               SELECT topic, CAST(timezone($tz, p.created_at) AS DATE) AS day, count(*) AS n
               FROM tags t JOIN posts p ON p.seq = t.seq, UNNEST(t.topics) AS u(topic)
               WHERE p.created_at >= $base AND p.created_at < $end
               GROUP BY ALL)
           SELECT topic,
                  coalesce(sum(n) FILTER (WHERE day = $day), 0) AS today,
                  coalesce(sum(n) FILTER (WHERE day < $day), 0) / 14.0 AS daily_avg
           FROM daily GROUP BY topic ORDER BY today DESC, daily_avg DESC LIMIT 8""",
        {"tz": str(tz), "base": start - timedelta(days=14), "end": end, "day": day},
    )
    for t in topics:
        t["emerging"] = t["today"] >= 3 and t["today"] > 2 * max(t["daily_avg"], 0.5)
        t["words"] = topic_words(t["topic"])
    # free keyphrases (not only configured topics) unusual today against the previous 14 days
    emerging = emerging_terms(db.con, day, tz=str(tz), topics=config.topics, window=14)
    for e in emerging:
        e["topic_words"] = topic_words(e["topic"]) if e.get("topic") else ""
    # a topic marked emerging is emerging: the section says so even when no single phrase stood out
    told = {e.get("topic") for e in emerging}
    emerging_topics = [t for t in topics if t["emerging"] and t["topic"] not in told]
    notable = db.rows(
        """SELECT p.text, p.url, p.platform, coalesce(i.display_name, i.handle) AS author, t.sentiment_score
           FROM posts p JOIN tags t ON t.seq = p.seq JOIN identities i ON i.identity_uid = p.author_uid
           WHERE p.created_at >= $start AND p.created_at < $end AND NOT t.from_us AND t.sentiment_score IS NOT NULL
           ORDER BY abs(t.sentiment_score) DESC, p.created_at DESC LIMIT 5""",
        {"start": start, "end": end},
    )
    for n in notable:
        n["excerpt"] = excerpt(n["text"], 200)
    actions = _actions(reach, queue, people)
    ranked = {id(a["source"]) for a in actions}
    # the reply queue in the same order as "Do today" (who asks, then what), its first items
    queue_rank = {id(q): i for i, q in enumerate(sorted(queue, key=lambda q: -_reply_score(q, people)))}
    queue = sorted(queue, key=lambda q: queue_rank[id(q)])[:config.digest.top_n]
    # the personal-touch section: who is not in "Do today" already, and what touches cleared
    in_do_today = [r for r in reach if id(r) in ranked]
    reach_rest = [r for r in reach if id(r) not in ranked]
    brand = _brand_sections(config, db, end)
    from storage.usage import budget_notices  # a platform's budget that stopped its streams (issue 21)

    return brand | {
        "notices": budget_notices(config, db, config.now()),
        "me": config.me.name, "day": day, "generated_at": config.now().astimezone(tz),
        "headline": headline, "chart_svg": chart_svg(series), "series": series,
        "actions": actions, "reach_out": reach_rest, "reach_in_do_today": [r["person"] for r in in_do_today],
        "reach_cleared": listed.cleared, "queue": queue, "alerts": alerts, "alerts_total": alerts_total,
        "alerts_more": alerts_total - sum(1 + a["more_from_them"] for a in alerts),
        "alerts_more_people": alert_people - len(alerts), "clients": clients,
        "topics": topics, "emerging_terms": emerging, "emerging_topics": emerging_topics, "notable": notable, "timezone": str(tz),
    }


# which of someone's alerts stands for the rest: news before a complaint before a question
# (churn talk first: it is the most urgent thing a key client can say)
_ALERT_RULE_ORDER = "CASE rule WHEN 'key_client_churn' THEN -1 WHEN 'key_client_moment' THEN 0 " \
                    "WHEN 'key_client_negative' THEN 1 WHEN 'key_client_question' THEN 2 " \
                    "WHEN 'key_client_competitor' THEN 2.5 ELSE 3 END"


def _alerts(db: Database, start: datetime, end: datetime, limit: int) -> tuple[list[dict[str, Any]], int, int]:
    """The day's alerts, one line per person (their weightiest, with how many more they raised), key
    clients first, at most ``limit`` lines; and the day's totals of alerts and of people (or spikes).

    A client who posts 300 complaints in a day is one line with a count, not 300 lines: each alert
    already went out on its own when it was raised."""
    rows = db.rows(
        f"""WITH today AS (
                SELECT *, count(*) OVER who AS from_them,
                       row_number() OVER (who ORDER BY {_ALERT_RULE_ORDER}, created_at, alert_id) AS nth
                FROM alerts WHERE created_at >= $start AND created_at < $end
                WINDOW who AS (PARTITION BY coalesce(person_id, alert_id)))
            SELECT title, reason, url, created_at, from_them - 1 AS more_from_them, count(*) OVER () AS people,
                   sum(from_them) OVER () AS total
            FROM today WHERE nth = 1
            ORDER BY priority, {_ALERT_RULE_ORDER}, from_them DESC, created_at, alert_id LIMIT $limit""",
        {"start": start, "end": end, "limit": limit},
    )
    if not rows:
        return [], 0, 0
    lines = [{k: v for k, v in r.items() if k not in ("people", "total")} for r in rows]
    return lines, int(rows[0]["total"]), int(rows[0]["people"])


def _brand_sections(config, db: Database, end: datetime) -> dict[str, Any]:
    """Share of voice (us against each competitor, 14 days) and the week's opportunities, when a brand or
    competitors are configured; empty otherwise, and the templates leave the sections out."""
    if config.brand is None and not config.competitors:
        return {"share_of_voice": None, "share_chart_svg": "", "opportunities": []}
    voice = share_of_voice(config, db, end, days=14)
    for index, entity in enumerate(voice["entities"]):
        entity["colour"] = colour(index)
        entity["today"] = entity["per_day"][-1]["posts"] if entity["per_day"] else 0
    found = list_opportunities(config, db, days=7, limit=config.digest.top_n) if config.competitors else []
    return {"share_of_voice": voice, "share_chart_svg": share_chart_svg(voice) if voice["total"] else "",
            "opportunities": found}


# ------------------------------------------------------------------------------------------- "Do today"
# What is asked weighs this much, times who asks: their tier's weight (wording.tier_weight: 3.0 for tier 1,
# 1.1 for tier 5), 1.0 for a contact we know, STRANGER for an account known only by a handle. So a key
# client's question (≥ 0.8 × 1.1 = 0.88) outranks anything a stranger says (≤ 0.75 × 1.1 = 0.83).
ASKED = {"churn": 1.0, "churn_risk": 1.0, "negative": 0.9, "complaint": 0.9, "champion_left": 0.9,
         "competitor": 0.8, "question": 0.8, "unanswered": 0.8, "purchase_intent": 0.75, "moment": 0.7,
         "mentioned_us": 0.6, "quiet": 0.6, "imbalance": 0.4, "praise": 0.3}
STRANGER = 0.75  # someone known only by a handle: below every key client, whatever they ask
PERSONAL_FIRST = 1.1  # a personal touch leads a person's replies when both are as pressing
PER_PERSON = 2  # "Do today" lines per person; the rest are folded into their last line
NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def in_words(n: int) -> str:
    return NUMBERS[n] if 0 <= n < len(NUMBERS) else str(n)


def plural(n: int, noun: str, nouns: str | None = None, words: bool = False) -> str:
    """"1 post", "2 posts"; with ``words`` "one problem", "three problems"."""
    count = in_words(n) if words else str(n)
    return f"{count} {noun if n == 1 else (nouns or noun + 's')}"


_env.filters["plural"] = plural


def topic_words(topic: str) -> str:
    """A configured topic's id as words: "exports_reliability" → "exports reliability", "bi_alternatives" →
    "BI alternatives"."""
    short = {"bi", "sso", "api", "ai", "crm", "etl", "kpi", "ux", "ui", "sql"}
    return " ".join(w.upper() if w in short else w for w in topic.replace("-", "_").split("_") if w)


def _joined(parts: list[str]) -> str:
    parts = [p for p in parts if p]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else ""


def _people(db: Database, person_ids: list[str], start: datetime, end: datetime) -> dict[str, dict]:
    """Who each person is to us, and what they raised this week: problems (with what about), questions
    still waiting for an answer, the day's posts."""
    if not person_ids:
        return {}
    rows = db.rows(
        """WITH week AS (
               SELECT i.person_id, t.intents, t.topics
               FROM posts p JOIN identities i ON i.identity_uid = p.author_uid JOIN tags t ON t.seq = p.seq
               WHERE list_contains($ids, i.person_id) AND p.created_at >= $week AND p.created_at < $end
                 AND NOT t.from_us)
           SELECT pe.person_id, pe.name, pe.tier, pe.is_key_client,
                  EXISTS (SELECT 1 FROM contacts c WHERE c.person_id = pe.person_id) AS known,
                  (SELECT count(*) FROM week w WHERE w.person_id = pe.person_id
                     AND (list_contains(w.intents, 'complaint') OR list_contains(w.intents, 'churn_risk'))) AS problems,
                  (SELECT list(DISTINCT u.topic) FROM week w, unnest(w.topics) AS u(topic)
                     WHERE w.person_id = pe.person_id AND (list_contains(w.intents, 'complaint')
                                                           OR list_contains(w.intents, 'churn_risk'))) AS about,
                  (SELECT count(*) FROM reply_suggestions s WHERE s.person_id = pe.person_id
                     AND s.intent = 'question' AND s.status IN ('pending', 'approved')) AS questions
           FROM people pe WHERE list_contains($ids, pe.person_id)""",
        {"ids": person_ids, "week": end - timedelta(days=7), "end": end},
    )
    return {r["person_id"]: r for r in rows}


def relationship(person: dict | None) -> str:
    """"a tier-1 client", "a contact of ours", "an account we don't know"."""
    if person and person.get("is_key_client"):
        return f"a tier-{person['tier']} client" if person.get("tier") else "a key client"
    if person and person.get("known"):
        return "a contact of ours"
    return "an account we don't know"


def _weight(person: dict | None) -> float:
    if person and person.get("is_key_client"):
        return tier_weight(person.get("tier"))
    return NOT_A_KEY_CLIENT if person and person.get("known") else STRANGER


def _quote(text: str | None, limit: int = 110) -> str:
    return f"“{excerpt(text, limit)}”" if text else ""


def _spoke(sentence: str) -> str:
    """"you last spoke on 14 Oct" in a reach-out sentence, as "we last spoke on 14 Oct"."""
    found = re.search(r"you (last spoke [^.;]+|spoke today|have no recorded conversation yet)", sentence or "")
    return ("we " + found.group(1)) if found else ""


def _what_they_did(item: dict) -> str:
    """The lead fact of a reach-out entry, as a clause after the person's name."""
    reason, quote, when = item["reason"], _quote(item.get("evidence_text")), item.get("evidence_date")
    day = _day(when)
    if reason == "churn":
        return f"wrote about leaving us{' on ' + day if day else ''}: {quote}" if quote else "wrote about leaving us"
    if reason == "quiet":
        return item.get("detail", "").replace("no conversation", "has had no conversation with us", 1)
    if reason == "imbalance":
        return item.get("detail", "").replace("they wrote", "wrote", 1)
    if reason == "unanswered":
        return f"asked us {quote} on {day} and is still waiting for an answer" if quote else "is waiting for an answer"
    return f"posted {quote} on {day}" if quote and day else f"posted {quote}" if quote else ""


def _day(iso: str | None) -> str:
    if not iso:
        return ""
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%b}"


def _clean_reason(reason: str) -> str:
    """A queue item's reason as a clause: no file references, no tagger's notes."""
    reason = re.sub(r"\s*→ answered from \S+", "", reason or "")
    reason = re.sub(r"\s*\(sarcasm:[^)]*\)", "", reason)
    reason = re.sub(r";\s*an outage, so the status page is cited", "", reason)
    reason = re.sub(r"^mentioned us by name:\s*", "", reason)
    return reason.split(" · ")[0].strip()


def _person_why(first: str, person: dict | None, lead: dict) -> str:
    """The sentence a colleague would write: "Sofia, a tier-1 client, has raised four problems this week
    (exports reliability) and wrote about leaving us on 19 Nov: “…”; we last spoke yesterday"."""
    if lead["kind"] == "reach" and lead["item"]["reason"] == "champion_left":
        item = lead["item"]
        return (f"{first}, {relationship(person)} and our contact at {item['person']}, posted on "
                f"{_day(item.get('evidence_date'))}: {_quote(item.get('evidence_text'))}.")
    facts: list[str] = []
    sensitive = lead["kind"] == "reach" and lead["item"].get("sensitive")
    if lead["kind"] == "reach":
        facts.append(_what_they_did(lead["item"]))
    else:
        facts.append(_reply_fact(lead["item"], first, dated=False))
    if person and not sensitive:  # after a loss, nothing about business beside it
        problems = person.get("problems") or 0
        lead_reason = lead["item"].get("reason") if lead["kind"] == "reach" else lead["item"].get("intent")
        if problems > 1 or (problems == 1 and lead_reason not in ("negative", "complaint", "churn", "churn_risk")):
            about = _joined([topic_words(t) for t in (person.get("about") or [])][:3])
            facts.insert(0, f"has raised {plural(problems, 'problem', words=True)} this week"
                            + (f" (about {about})" if about else ""))
        questions = person.get("questions") or 0
        if questions and lead_reason not in ("unanswered", "question"):
            facts.append(f"has {plural(questions, 'question', words=True)} waiting for an answer")
    spoke = _spoke(lead["item"].get("sentence", "")) if lead["kind"] == "reach" else ""
    text = f"{first}, {relationship(person)}, {_joined(facts)}"  # the facts say where
    return text + (f"; {spoke}" if spoke else "") + "."


def _reply_what(q: dict) -> str:
    note = f", {q['language_note']}" if q.get("language_note") else ""
    return f"Reply to {q['person']} on {platform_name(q['platform'])} ({q['intent_label']}{note})"


def _reply_fact(q: dict, first: str, dated: bool = True) -> str:
    """What a queued post said, as a clause after the person's name: "asked us on Reddit (19 Nov): “…”"."""
    where = platform_name(q["platform"])
    when = q.get("posted_at")
    where += f" on {when.day} {when:%b}" if dated and isinstance(when, datetime) else ""
    quote = _quote(q.get("evidence") or q.get("post_text"))
    intent = q["intent"]
    if intent == "question":
        return f"asked us on {where}: {quote}"
    if intent == "churn_risk":
        return f"wrote on {where} about leaving us: {quote}"
    if intent == "moment":
        return f"shared news on {where}: {quote}"
    if intent == "praise":
        return f"praised us on {where}"
    if intent == "purchase_intent":
        return f"is looking for a tool like ours, on {where}: {quote}"
    said = _clean_reason(q.get("reason", ""))
    said = said[len(first):].strip() if said.startswith(first) else ""
    return f"{said or 'complained about us'} on {where}"


def _reply_why(q: dict, first: str) -> str:
    return f"{first} {_reply_fact(q, first)}; a suggested reply is ready in the queue."


def _fold(rest: list[dict]) -> str:
    """What a person's further items come to, in a few words: "2 more replies waiting (complaint on Reddit,
    complaint on X)"."""
    replies = [r["item"] for r in rest if r["kind"] == "reply"]
    touches = [r["item"] for r in rest if r["kind"] == "reach"]
    parts = []
    if replies:
        parts.append(f"{plural(len(replies), 'more reply', 'more replies')} waiting ("
                     + ", ".join(f"{q['intent_label']} on {platform_name(q['platform'])}" for q in replies) + ")")
    if touches:
        parts.append(", ".join(t.get("headline") or t["sentence"] for t in touches))
    return "; ".join(parts)


def _reach_score(r: dict, people: dict[str, dict]) -> float:
    return _weight(people.get(r["person_id"])) * ASKED.get(r["reason"], 0.5) * PERSONAL_FIRST


def _reply_score(q: dict, people: dict[str, dict]) -> float:
    waited = min(q.get("age_hours") or 0, 72) / 72 * 0.05  # the longer it waited, a little higher
    return _weight(people.get(q["person_id"])) * (ASKED.get(q["intent"], 0.5) + waited)


def _actions(reach: list[dict], queue: list[dict], people: dict[str, dict], limit: int = 12) -> list[dict]:
    """One ranked list of what to do today: by who they are to us × what they ask. At most ``PER_PERSON``
    lines per person; the rest folded into their last line. Each line's "why" is a sentence."""
    entries = []
    for r in reach:
        key = r["person"] if r["reason"] == "champion_left" else r["person_id"]
        entries.append({"kind": "reach", "key": key, "item": r, "person": people.get(r["person_id"]),
                        "score": _reach_score(r, people)})
    for q in queue:
        entries.append({"kind": "reply", "key": q["person_id"], "item": q, "person": people.get(q["person_id"]),
                        "score": _reply_score(q, people)})
    entries.sort(key=lambda e: -e["score"])
    by_key: dict[str, list[dict]] = {}
    for e in entries:
        by_key.setdefault(e["key"], []).append(e)
    actions = []
    for e in entries:
        mine = by_key[e["key"]]
        index = mine.index(e)
        if index >= PER_PERSON:
            continue
        item = e["item"]
        name = item["person"]
        first = call_name((e["person"] or {}).get("name") or name, item["person_id"])
        if e["kind"] == "reach":
            what = item.get("headline") or item["sentence"]
            url = item.get("evidence_url")
        else:
            what, url = _reply_what(item), item.get("url")
        if index == 0:
            why = _person_why(first, e["person"], e)
        else:
            why = _reply_why(item, first) if e["kind"] == "reply" else f"{first} {_what_they_did(item)}."
        line = {"what": what, "why": why, "url": url, "score": round(e["score"], 3), "person": name,
                "also": "", "source": item}
        if index == PER_PERSON - 1 or index == len(mine) - 1:
            line["also"] = _fold(mine[PER_PERSON:])
        actions.append(line)
        if len(actions) == limit:
            break
    return actions


def render(context: dict[str, Any]) -> tuple[str, str]:
    html = _env.get_template("digest.html.j2").render(**context)
    text = _env.get_template("digest.txt.j2").render(**context)
    return html, text


def write_digest(config, db: Database, day: date | None = None, out_dir: Path | None = None) -> DigestFiles:
    day = day or default_day(config)
    context = gather(config, db, day)
    html, text = render(context)
    out = out_dir or config.resolve(config.digest.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / f"digest-{day.isoformat()}.html"
    text_path = out / f"digest-{day.isoformat()}.txt"
    html_path.write_text(html, encoding="utf-8")
    text_path.write_text(text, encoding="utf-8")
    return DigestFiles(html_path, text_path, day)


CHART_CID = "digest-chart"
SHARE_CHART_CID = "digest-share-of-voice"


def send_digest(config, db: Database, day: date | None = None) -> dict[str, Any]:
    """Email the digest to the configured recipients: HTML with the chart as an attached PNG
    (mail clients drop inline SVG) and a plain-text alternative."""
    from delivery.chart_png import chart_png
    from delivery.email import send_email

    smtp, recipients = config.digest.smtp, config.digest.recipients
    if smtp is None or not recipients:
        raise ValueError("digest.smtp and digest.recipients must be set in config.yaml to send the digest")
    day = day or default_day(config)
    context = gather(config, db, day)
    email_context = context | {
        "chart_svg": f'<img src="cid:{CHART_CID}" width="560" height="140" alt="Posts per day, last 14 days" '
                     f'style="max-width:100%;height:auto;display:block;border:0;">'
    }
    images = {CHART_CID: chart_png(context["series"])}
    if context["share_chart_svg"]:
        from delivery.share_chart import share_chart_png

        email_context["share_chart_svg"] = (
            f'<img src="cid:{SHARE_CHART_CID}" width="560" height="120" alt="Share of voice, last 14 days" '
            f'style="max-width:100%;height:auto;display:block;border:0;">')
        images[SHARE_CHART_CID] = share_chart_png(context["share_of_voice"])
    html, text = render(email_context)
    subject = f"Listening digest · {config.me.name} · {day:%a %-d %b}"
    message_id = send_email(smtp, recipients=recipients, subject=subject, text=text, html=html, images=images)
    return {"day": day, "recipients": recipients, "message_id": message_id, "subject": subject}
