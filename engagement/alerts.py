"""Alert rules. Each alert has a stable id, so it is raised once whatever the number of runs:

- ``key_client_moment`` / ``key_client_negative`` / ``key_client_question``: a newly tagged post by a key
  client (``raise_alerts``, inside the engage transaction); id ``rule:post_uid``;
- ``key_client_churn`` / ``key_client_about_us`` / ``key_client_competitor``: a key client's post about
  leaving us (tagged or not: the most urgent), naming us without tagging us, or naming a competitor
  (``engagement/brand_talk.py``); id ``rule:post_uid``;
- ``unanswered_question``: a question to us with no reply from us after N hours, anyone's, key clients
  first; id ``unanswered_question:post_uid``;
- ``spike``: today's volume or negative share, per configured topic and overall, far above the trailing
  baseline; id ``spike:<topic|overall>:<volume|negative_share>:<date>``, so once a day at most.

The last two depend on the clock, not on new posts: ``raise_timed_alerts`` checks them on every run.
Delivery (channels, quiet hours, the hourly cap, retries) is ``delivery/alerts.py``.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pyarrow as pa

from engagement.brand_talk import BrandTalk, brand_alerts
from engagement.replies import excerpt
from engagement.wording import intent_wording, moment_wording
from nlp.polarity import NEGATIVE, is_negative

from collectors import platforms as _platforms  # noqa: E402
WHERE = {p.name: p.where for p in _platforms.all_platforms()}
NOT_KEY_PRIORITY = 9   # alerts are released in priority order: key-client tier 1..5 first
SPIKE_PRIORITY = 6
SPIKE_METRICS = ("volume", "negative_share")

KEY_CLIENT_POSTS = """
SELECT p.post_uid, p.url, p.text, p.created_at, p.platform, pe.person_id, pe.name, pe.tier,
       t.sentiment_score, t.intents, t.moments, t.addressed_to_us, t.about_us, t.competitors,
       t.sentiment_label, t.evidence
FROM tags t
JOIN posts p USING (post_uid)
JOIN identities a ON a.identity_uid = p.author_uid
JOIN people pe ON pe.person_id = a.person_id
WHERE t.seq > $lo AND t.seq <= $hi AND pe.is_key_client AND p.created_at >= $since
"""

# questions to us that became overdue within the last max_age_hours, with no reply of ours and no decision
# in the queue (sent, answered or dismissed), not alerted yet
UNANSWERED_QUESTIONS = """
SELECT p.post_uid, p.url, p.text, p.created_at, p.platform, a.handle, pe.person_id, pe.name, pe.tier,
       pe.is_key_client, json_extract_string(t.evidence, '$.question') AS asked
FROM tags t
JOIN posts p USING (post_uid)
JOIN identities a ON a.identity_uid = p.author_uid
JOIN people pe ON pe.person_id = a.person_id
WHERE t.addressed_to_us AND NOT t.from_us AND NOT a.is_ours AND list_contains(t.intents, 'question')
  AND p.created_at <= $due AND p.created_at > $oldest
  AND p.post_uid NOT IN (SELECT post_uid FROM answered_posts)
  AND NOT EXISTS (SELECT 1 FROM reply_suggestions s
                  WHERE s.post_uid = p.post_uid AND s.status IN ('sent', 'answered', 'dismissed'))
  AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.alert_id = 'unanswered_question:' || p.post_uid)
ORDER BY coalesce(pe.tier, 9), p.created_at
"""

# One query for the whole spike check: per scope ('overall' and each configured topic) the counts of
# each local day from the first baseline day to today (days without posts count as 0), folded into
# today's numbers and the baseline's mean, deviation and pooled negative share.
SPIKE_STATS = """
WITH days AS (
    SELECT CAST(range AS DATE) AS day
    FROM range(CAST($first AS DATE), CAST($today AS DATE) + INTERVAL 1 DAY, INTERVAL 1 DAY)
),
scopes AS (SELECT unnest(CAST($scopes AS VARCHAR[])) AS scope),
recent AS (
    SELECT CAST(timezone($tz, p.created_at) AS DATE) AS day, p.url, p.created_at, t.sentiment_score,
           t.sentiment_label, t.topics
    FROM posts p JOIN tags t USING (post_uid)
    WHERE p.created_at >= $lo_ts AND p.created_at <= $hi_ts AND NOT t.from_us
),
tagged AS (
    SELECT day, 'overall' AS scope, url, created_at, sentiment_score, sentiment_label FROM recent
    UNION ALL
    SELECT day, unnest(topics) AS scope, url, created_at, sentiment_score, sentiment_label FROM recent
),
daily AS (
    SELECT s.scope, d.day,
           count(x.day) AS n,
           count(x.sentiment_score) AS scored,
           count(x.sentiment_score) FILTER (WHERE x.sentiment_label = $negative) AS neg,
           arg_max(x.url, x.created_at) AS latest_url,
           arg_min(x.url, x.sentiment_score) AS worst_url
    FROM scopes s CROSS JOIN days d
    LEFT JOIN tagged x ON x.scope = s.scope AND x.day = d.day
    GROUP BY s.scope, d.day
)
SELECT scope,
       max(n) FILTER (WHERE day = $today) AS n_today,
       max(scored) FILTER (WHERE day = $today) AS scored_today,
       max(neg) FILTER (WHERE day = $today) AS neg_today,
       avg(n) FILTER (WHERE day < $today) AS n_mean,
       stddev_pop(n) FILTER (WHERE day < $today) AS n_std,
       sum(scored) FILTER (WHERE day < $today) AS base_scored,
       sum(neg) FILTER (WHERE day < $today) AS base_neg,
       max(latest_url) FILTER (WHERE day = $today) AS latest_url,
       max(worst_url) FILTER (WHERE day = $today) AS worst_url,
       (SELECT min(created_at) FROM posts) AS history_start
FROM daily
GROUP BY scope
ORDER BY scope = 'overall' DESC, scope
"""

COLUMNS = ("alert_id", "rule", "post_uid", "person_id", "title", "reason", "url", "priority", "details")


class _Batch:
    """Column lists for one Arrow insert of alerts."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in COLUMNS}

    def add(self, alert_id: str, rule: str, post_uid: str | None, person_id: str | None, title: str, reason: str,
            url: str | None, priority: int, details: dict[str, Any]) -> None:
        for key, value in zip(COLUMNS, (alert_id, rule, post_uid, person_id, title, reason, url, priority,
                                        json.dumps(details, ensure_ascii=False, default=str))):
            self.cols[key].append(value)

    def insert(self, con, now: datetime) -> int:
        if not self.cols["alert_id"]:
            return 0
        table = pa.table(self.cols, schema=pa.schema([(k, pa.int32() if k == "priority" else pa.string())
                                                      for k in COLUMNS]))
        con.register("incoming_alerts", table)
        try:
            return con.execute(
                """INSERT OR IGNORE INTO alerts (alert_id, rule, post_uid, person_id, title, reason, url, created_at,
                                                 delivery_status, attempts, priority, details)
                   SELECT alert_id, rule, post_uid, person_id, title, reason, url, $now, 'pending', 0,
                          priority, CAST(details AS JSON)
                   FROM incoming_alerts""",
                {"now": now},
            ).fetchone()[0]
        finally:
            con.unregister("incoming_alerts")


def raise_alerts(config, con, lo: int, hi: int) -> int:
    """The key-client rules over posts tagged in (lo, hi]. Returns the number of new alerts."""
    rules = config.alerts
    now = config.now()
    if hi <= lo:
        return 0
    since = now - timedelta(hours=rules.max_age_hours)
    rows = con.execute(KEY_CLIENT_POSTS, {"lo": lo, "hi": hi, "since": since}).fetchall()
    batch = _Batch()
    for uid, url, text, created, platform, person_id, name, tier, score, intents, moments_json, to_us, about_us, \
            competitors, label, evidence_json in rows:
        said = excerpt(text, 120)
        where = WHERE.get(platform, "")
        moments = json.loads(moments_json or "[]")
        evidence = json.loads(evidence_json or "{}")
        intents = list(intents or [])
        base = {"person": name, "tier": tier, "platform": platform, "posted_at": created.isoformat(),
                "sentiment": score, "text": excerpt(text, 280)}
        priority = tier or NOT_KEY_PRIORITY
        if rules.key_client_moment and moments:
            kind = moments[0]["type"]
            noun = moment_wording(kind).noun
            batch.add(f"key_client_moment:{uid}", "key_client_moment", uid, person_id,
                      f"{name} shared {noun}",
                      f"Tier {tier} client {name} posted {where} about {noun}: "
                      f"“{moments[0]['evidence']}”", url, priority, {**base, "moment": kind})
        plain_question = "question" in intents and "complaint" not in intents
        if rules.key_client_negative and "complaint" in intents:
            # a complaint is quoted by its evidence: the words that show the problem
            batch.add(f"key_client_negative:{uid}", "key_client_negative", uid, person_id,
                      f"{name} {intent_wording('complaint').alert}",
                      f"Tier {tier} client {name} {intent_wording('complaint').alert} {where}: "
                      f"“{excerpt(evidence.get('complaint') or text, 160)}”",
                      url, priority, {**base, "intent": "complaint", "evidence": evidence.get("complaint")})
        elif rules.key_client_negative and is_negative(label) and not plain_question:
            batch.add(f"key_client_negative:{uid}", "key_client_negative", uid, person_id,
                      f"{name} posted something negative",
                      f"Tier {tier} client {name} posted {where} with negative sentiment ({score:+.2f}): “{said}”",
                      url, priority, base)
        if rules.key_client_question and to_us and "question" in intents:
            batch.add(f"key_client_question:{uid}", "key_client_question", uid, person_id,
                      f"{name} {intent_wording('question').alert}",
                      f"Tier {tier} client {name} {intent_wording('question').alert} {where}: "
                      f"“{excerpt(evidence.get('question') or text, 160)}”",
                      url, priority, {**base, "intent": "question", "evidence": evidence.get("question")})
        talk = BrandTalk(bool(to_us), bool(about_us), list(competitors or []), list(intents or []))
        for rule, title, reason in brand_alerts(talk, rules, name, tier, where, said, config.me.name):
            batch.add(f"{rule}:{uid}", rule, uid, person_id, title, reason, url, priority,
                      {**base, "about_us": talk.about_us, "to_us": talk.to_us, "competitors": talk.competitors})
    return batch.insert(con, now)


def raise_timed_alerts(config, con) -> int:
    """The rules that depend on the clock: unanswered questions and spikes. Run on every run."""
    now = config.now()
    batch = _Batch()
    if config.alerts.unanswered_question:
        unanswered_question_alerts(config, con, batch)
    if config.alerts.spike.enabled:
        spike_alerts(config, con, batch)
    return batch.insert(con, now)


def _hours(delta: timedelta) -> int:
    return int(delta.total_seconds() // 3600)


def unanswered_question_alerts(config, con, batch: _Batch) -> None:
    rules = config.alerts
    now = config.now()
    due = now - timedelta(hours=rules.unanswered_question_hours)
    rows = con.execute(UNANSWERED_QUESTIONS, {"due": due, "oldest": due - timedelta(hours=rules.max_age_hours)})
    for uid, url, text, created, platform, handle, person_id, name, tier, is_key, asked in rows.fetchall():
        waited = _hours(now - created)
        who = f"Tier {tier} client {name}" if is_key else f"{name} (@{handle})" if platform != "blog" else name
        local = created.astimezone(config.tz)
        batch.add(
            f"unanswered_question:{uid}", "unanswered_question", uid, person_id,
            f"{name}'s question has waited {waited} hours",
            f"{who} asked us {WHERE.get(platform, '')} on {local:%d %b %H:%M} and nobody has answered "
            f"after {waited} hours: “{excerpt(asked or text, 160)}”",
            url, tier if is_key and tier else NOT_KEY_PRIORITY,
            {"person": name, "handle": handle, "tier": tier, "key_client": bool(is_key), "platform": platform,
             "posted_at": created.isoformat(), "waited_hours": waited, "text": excerpt(text, 280)},
        )


# --- spikes ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpikeStats:
    """One scope's numbers for today against its baseline (one row of SPIKE_STATS)."""

    scope: str
    n_today: int
    scored_today: int
    neg_today: int
    n_mean: float
    n_std: float
    base_scored: int
    base_neg: int
    latest_url: str | None = None
    worst_url: str | None = None


def volume_z(s: SpikeStats) -> float:
    """Today's count against the baseline days' mean; the deviation is at least √mean (Poisson) and 1."""
    spread = max(s.n_std, math.sqrt(max(s.n_mean, 0.0)), 1.0)
    return (s.n_today - s.n_mean) / spread


def negative_share_z(s: SpikeStats) -> float | None:
    """Today's negative share against the baseline's pooled share (a binomial z); None without data."""
    if not s.scored_today or not s.base_scored:
        return None
    p0 = min(max(s.base_neg / s.base_scored, 0.02), 0.98)
    share = s.neg_today / s.scored_today
    return (share - p0) / math.sqrt(p0 * (1 - p0) / s.scored_today)


def spike_verdicts(stats: list[SpikeStats], z: float, min_count: int) -> list[tuple[SpikeStats, str, float]]:
    """Pure: which (scope, metric) pairs spike today."""
    fired = []
    for s in stats:
        vz = volume_z(s)
        if s.n_today >= min_count and vz >= z:
            fired.append((s, "volume", vz))
        nz = negative_share_z(s)
        if nz is not None and s.neg_today >= min_count and nz >= z:
            fired.append((s, "negative_share", nz))
    return fired


def spike_stats(config, con, day: date | None = None) -> list[SpikeStats]:
    """Today's (local) numbers per scope, or [] while the stored history is shorter than the baseline."""
    rules = config.alerts
    tz = config.tz
    now = config.now()
    today = day or now.astimezone(tz).date()
    first = today - timedelta(days=rules.spike.baseline_days)
    lo_ts = datetime.combine(first, time(0), tz)
    hi_ts = min(now, datetime.combine(today + timedelta(days=1), time(0), tz))
    scopes = ["overall", *sorted(t for t in config.topics if t != "overall")]
    rows = con.execute(SPIKE_STATS, {
        "first": first, "today": today, "scopes": scopes, "tz": config.schedule.timezone, "lo_ts": lo_ts,
        "hi_ts": hi_ts, "negative": NEGATIVE,
    }).fetchall()
    if not rows or rows[0][-1] is None or rows[0][-1] >= lo_ts + timedelta(days=1):
        return []  # still learning: the baseline days are not all stored yet
    return [SpikeStats(scope, int(n or 0), int(scored or 0), int(neg or 0), float(mean or 0), float(std or 0),
                       int(bscored or 0), int(bneg or 0), latest, worst)
            for scope, n, scored, neg, mean, std, bscored, bneg, latest, worst, _start in rows]


def spike_alerts(config, con, batch: _Batch) -> None:
    rules = config.alerts
    today = config.now().astimezone(config.tz).date()
    stats = spike_stats(config, con, today)
    days = rules.spike.baseline_days
    for s, metric, z in spike_verdicts(stats, rules.spike.z, rules.spike.min_count):
        about = "across all sources" if s.scope == "overall" else f"about {s.scope}"
        details = {"scope": s.scope, "metric": metric, "date": today.isoformat(), "z": round(z, 2),
                   "today": s.n_today, "baseline_days": days, "baseline_mean": round(s.n_mean, 2),
                   "baseline_std": round(s.n_std, 2)}
        if metric == "volume":
            title = f"Spike: {s.n_today} posts {about} today"
            reason = (f"{s.n_today} posts {about} so far today ({today:%d %b}), against a {days}-day average of "
                      f"{s.n_mean:.1f} a day (z = {z:.1f}). Latest one linked.")
            url = s.latest_url
        else:
            share = s.neg_today / s.scored_today
            base = s.base_neg / s.base_scored
            title = f"Spike in negative posts {about}: {share:.0%} today"
            reason = (f"{s.neg_today} of {s.scored_today} posts {about} today ({today:%d %b}) are negative "
                      f"({share:.0%}), against {base:.0%} over the previous {days} days (z = {z:.1f}). "
                      f"The most negative one linked.")
            url = s.worst_url
            details.update({"negative_today": s.neg_today, "scored_today": s.scored_today,
                            "share_today": round(share, 3), "baseline_share": round(base, 3)})
        batch.add(f"spike:{s.scope}:{metric}:{today.isoformat()}", "spike", None, None, title, reason, url,
                  SPIKE_PRIORITY, details)
