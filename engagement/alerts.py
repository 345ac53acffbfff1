"""Alert rules over newly tagged posts. One alert per post per rule, whatever the number of runs."""
from __future__ import annotations

import json
from datetime import timedelta

import pyarrow as pa

from engagement.replies import excerpt

MOMENT_WORDS = {
    "new_job": "a new role", "launch": "a launch", "funding": "a funding round", "acquisition": "an acquisition",
    "moving": "a move", "wedding": "a wedding", "baby": "a new baby", "birthday": "a birthday",
    "anniversary": "an anniversary", "illness": "an illness", "bereavement": "a loss", "award": "an award",
    "speaking": "a talk",
}

KEY_CLIENT_POSTS = """
SELECT p.post_uid, p.url, p.text, p.created_at, p.platform, pe.person_id, pe.name, pe.tier,
       t.sentiment_score, t.intents, t.moments, t.addressed_to_us
FROM tags t
JOIN posts p USING (post_uid)
JOIN identities a ON a.identity_uid = p.author_uid
JOIN people pe ON pe.person_id = a.person_id
WHERE t.seq > $lo AND t.seq <= $hi AND pe.is_key_client AND p.created_at >= $since
"""


def raise_alerts(config, con, lo: int, hi: int) -> int:
    rules = config.alerts
    now = config.now()
    since = now - timedelta(hours=rules.max_age_hours)
    rows = con.execute(KEY_CLIENT_POSTS, {"lo": lo, "hi": hi, "since": since}).fetchall()
    out: dict[str, list] = {k: [] for k in ("alert_id", "rule", "post_uid", "person_id", "title", "reason", "url")}

    def add(rule: str, uid: str, person_id: str, title: str, reason: str, url: str | None) -> None:
        out["alert_id"].append(f"{rule}:{uid}")
        out["rule"].append(rule)
        out["post_uid"].append(uid)
        out["person_id"].append(person_id)
        out["title"].append(title)
        out["reason"].append(reason)
        out["url"].append(url)

    for uid, url, text, created, platform, person_id, name, tier, score, intents, moments_json, to_us in rows:
        said = excerpt(text, 120)
        where = {"x": "on X", "reddit": "on Reddit", "blog": "on a blog"}.get(platform, "")
        moments = json.loads(moments_json or "[]")
        if rules.key_client_moment and moments:
            kind = moments[0]["type"]
            add("key_client_moment", uid, person_id, f"{name} shared {MOMENT_WORDS.get(kind, 'news')}",
                f"Tier {tier} client {name} posted {where} about {MOMENT_WORDS.get(kind, 'news')}: “{moments[0]['evidence']}”", url)
        plain_question = "question" in (intents or []) and "complaint" not in (intents or [])
        if rules.key_client_negative and score is not None and score <= rules.negative_threshold \
                and not plain_question:
            add("key_client_negative", uid, person_id, f"{name} posted something negative",
                f"Tier {tier} client {name} posted {where} with negative sentiment ({score:+.2f}): “{said}”", url)
        if rules.key_client_question and to_us and "question" in (intents or []):
            add("key_client_question", uid, person_id, f"{name} asked us a question",
                f"Tier {tier} client {name} asked us {where}: “{said}”", url)
    if not out["alert_id"]:
        return 0
    con.register("incoming_alerts", pa.table(out))
    try:
        return con.execute(
            """INSERT OR IGNORE INTO alerts (alert_id, rule, post_uid, person_id, title, reason, url, created_at,
                                             delivery_status, attempts)
               SELECT alert_id, rule, post_uid, person_id, title, reason, url, $now, 'pending', 0
               FROM incoming_alerts""",
            {"now": now},
        ).fetchone()[0]
    finally:
        con.unregister("incoming_alerts")
