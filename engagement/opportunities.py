"""Opportunities: people buying, or leaving a competitor ("moving off Looker, recommendations?").

A list to read and act on by hand, never an automatic reply: nothing here enters the reply queue. What
counts as one is defined once, in ``engagement/brand_talk.py`` (``OPPORTUNITY_SQL``).
"""
from __future__ import annotations

from datetime import timedelta

from engagement.brand_talk import OPPORTUNITY_SQL, BrandTalk
from engagement.replies import excerpt
from storage.db import Database

DEFAULT_DAYS = 14

OPPORTUNITIES = f"""
SELECT p.post_uid, p.platform, p.url, p.text, p.created_at AS posted_at, a.handle,
       coalesce(CASE WHEN pe.is_key_client THEN pe.name END, a.display_name, a.handle) AS person,
       pe.person_id, pe.is_key_client AS key_client, pe.tier, t.competitors, t.intents, t.about_us,
       t.addressed_to_us AS to_us, t.sentiment_score,
       p.post_uid IN (SELECT post_uid FROM answered_posts) AS answered
FROM tags t
JOIN posts p ON p.seq = t.seq
JOIN identities a ON a.identity_uid = p.author_uid
JOIN people pe ON pe.person_id = a.person_id
WHERE NOT t.from_us AND p.created_at >= $since AND p.created_at <= $now AND {OPPORTUNITY_SQL}
ORDER BY pe.is_key_client DESC, p.created_at DESC, p.post_uid
LIMIT $limit
"""


def list_opportunities(config, db: Database, days: int = DEFAULT_DAYS, limit: int = 50) -> list[dict]:
    """The newest first (key clients' on top), each with what it is: 'buying' or 'leaving' a competitor."""
    now = config.now()
    rows = db.rows(OPPORTUNITIES, {"since": now - timedelta(days=days), "now": now, "limit": limit})
    for row in rows:
        talk = BrandTalk(bool(row["to_us"]), bool(row["about_us"]), list(row["competitors"] or []),
                         list(row["intents"] or []))
        row["kind"] = talk.opportunity
        row["competitors"] = list(row["competitors"] or [])
        row["intents"] = list(row["intents"] or [])
        rivals = ", ".join(row["competitors"])
        row["why"] = f"leaving {rivals}" if row["kind"] == "leaving" else f"looking to buy, names {rivals}"
        row["excerpt"] = excerpt(row.pop("text"), 200)
    return rows
