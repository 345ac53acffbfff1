"""Share of voice: posts about us against posts about each competitor, per local day, with sentiment.

"Us" is a post that names us (``about_us``) or is written to us (``addressed_to_us``); a competitor's is a
post that names it (``competitors``). Our own posts never count. One post naming us and Looker counts for
both. Read by the digest (its chart and table) and ``listenwell stats --json``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.db import Database

SHARE_OF_VOICE = """
WITH named AS (
    SELECT CAST(timezone($tz, p.created_at) AS DATE) AS day, t.sentiment_score, t.sentiment_label,
           t.about_us OR t.addressed_to_us AS us, t.competitors
    FROM tags t JOIN posts p ON p.seq = t.seq
    WHERE p.created_at >= $start AND p.created_at < $end AND NOT t.from_us
      AND (t.about_us OR t.addressed_to_us OR len(t.competitors) > 0)
), voices AS (
    SELECT day, $us AS entity, sentiment_score, sentiment_label FROM named WHERE us
    UNION ALL
    SELECT day, unnest(competitors) AS entity, sentiment_score, sentiment_label FROM named
)
SELECT entity, day, count(*) AS posts, avg(sentiment_score) AS mean_sentiment,
       count(*) FILTER (WHERE sentiment_label = 'positive') AS positive,
       count(*) FILTER (WHERE sentiment_label = 'negative') AS negative
FROM voices GROUP BY ALL
"""


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def share_of_voice(config, db: Database, end: datetime, days: int = 14) -> dict:
    """Per entity (us first, then competitors in config order): totals over the ``days`` local days
    ending before ``end``, its share of all those mentions, and a value per day (0 on quiet days)."""
    tz = config.tz
    start = end - timedelta(days=days)
    us = config.me.name
    rows = db.con.execute(SHARE_OF_VOICE, {"tz": str(tz), "start": start, "end": end, "us": us}).fetchall()
    by_entity: dict[str, dict[date, tuple]] = {}
    for entity, day, posts, mean, positive, negative in rows:
        by_entity.setdefault(entity, {})[day] = (posts, mean, positive, negative)
    day_list = [(start + timedelta(days=i)).astimezone(tz).date() for i in range(days)]
    names = [us, *[c.name for c in config.competitors]]
    total = sum(v[0] for per_day in by_entity.values() for v in per_day.values())
    entities = []
    for name in names:
        per_day = by_entity.get(name, {})
        posts = sum(v[0] for v in per_day.values())
        scored = [(v[1], v[0]) for v in per_day.values() if v[1] is not None]
        mean = sum(m * n for m, n in scored) / sum(n for _m, n in scored) if scored else None
        entities.append({
            "name": name, "us": name == us, "posts": posts,
            "share": round(posts / total, 3) if total else 0.0,
            "mean_sentiment": _round(mean),
            "positive": sum(v[2] for v in per_day.values()), "negative": sum(v[3] for v in per_day.values()),
            "per_day": [{"day": d, "posts": per_day.get(d, (0,))[0],
                         "mean_sentiment": _round(per_day[d][1]) if d in per_day else None} for d in day_list],
        })
    return {"days": days, "from": day_list[0] if day_list else None, "to": day_list[-1] if day_list else None,
            "total": total, "entities": entities}
