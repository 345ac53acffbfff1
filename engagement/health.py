"""Relationship health on four sinews: time, trust, intensity, reciprocity. Pure functions.

Every event loses weight with age: w = 0.5 ** (age_days / HALF_LIFE_DAYS), so what happened
45 days ago counts half as much as today. Each sinew is 0–100:

- **time** = 0.4 · 100·(1 − e^(−known_days/180)) + 0.6 · 100·0.5^(days_since_last/30)
  How long we have known each other (≈63 after six months) and how recently we last spoke
  (halves every 30 days of silence).
- **trust** = 50 + 50 · (decayed mean sentiment of their posts to us)
                − 12 · (decayed unanswered complaints) + 4 · (decayed answered complaints), clamped.
  50 means no signal either way.
- **intensity** = 100 · (1 − e^(−S/8)), S = Σ w · depth, where depth is 5 for a call or meal,
  3 for a note or email, 2 for a reply or comment in a conversation, 1 for a mention.
- **reciprocity** = 100 · (0.5 · balance + 0.5 · answer_rate), where
  balance = 1 − |in − out| / (in + out) over decayed inbound and outbound events, and
  answer_rate = decayed share of their posts to us that we answered.

**overall** = 0.2·time + 0.3·trust + 0.25·intensity + 0.25·reciprocity. With no interaction at all every
sinew is 0 except trust (50). The **trend** compares overall now with a week earlier:
≥ +5 warming, ≤ −5 cooling, otherwise steady.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

HALF_LIFE_DAYS = 45.0
TREND_DAYS = 7
TREND_THRESHOLD = 5.0
DEPTH = {"touch:call": 5.0, "touch:meal": 5.0, "touch:note": 3.0, "touch:email": 3.0,
         "reply": 2.0, "comment": 2.0, "mention": 1.0}
WEIGHTS = {"time": 0.2, "trust": 0.3, "intensity": 0.25, "reciprocity": 0.25}


@dataclass(frozen=True, slots=True)
class Event:
    occurred_at: datetime
    direction: str  # inbound | outbound
    kind: str  # mention | reply | comment | touch:<kind>
    sentiment: float | None = None  # for inbound posts
    complaint: bool = False
    answered: bool = False  # inbound: did we reply to it


@dataclass(frozen=True, slots=True)
class Health:
    time: float
    trust: float
    intensity: float
    reciprocity: float
    overall: float
    last_interaction: datetime | None
    interactions: int

    def to_dict(self) -> dict:
        return {"time": self.time, "trust": self.trust, "intensity": self.intensity,
                "reciprocity": self.reciprocity, "overall": self.overall,
                "last_interaction": self.last_interaction, "interactions": self.interactions}


def _weight(age_days: float) -> float:
    return 0.5 ** (max(age_days, 0.0) / HALF_LIFE_DAYS)


def _clamp(value: float) -> float:
    return round(min(max(value, 0.0), 100.0), 1)


@dataclass(frozen=True, slots=True)
class Totals:
    """The decayed sums every sinew is made of. Python (``totals``) and SQL (``people.TOTALS_SQL``)
    both produce them; ``finish`` is the one place the formulas live."""

    first: datetime | None
    last: datetime | None
    count: int
    sentiment_sum: float = 0.0
    sentiment_weight: float = 0.0
    unanswered_complaints: float = 0.0
    answered_complaints: float = 0.0
    depth_sum: float = 0.0
    inbound: float = 0.0
    outbound: float = 0.0
    answered: float = 0.0


def totals(events: list[Event], now: datetime) -> Totals:
    past = [e for e in events if e.occurred_at <= now]
    if not past:
        return Totals(None, None, 0)
    sums = dict.fromkeys(("sentiment_sum", "sentiment_weight", "unanswered_complaints", "answered_complaints",
                          "depth_sum", "inbound", "outbound", "answered"), 0.0)
    for e in past:
        w = _weight((now - e.occurred_at).total_seconds() / 86400)
        sums["depth_sum"] += w * DEPTH.get(e.kind, 1.0)
        if e.direction != "inbound":
            sums["outbound"] += w
            continue
        sums["inbound"] += w
        if e.sentiment is not None:
            sums["sentiment_sum"] += w * e.sentiment
            sums["sentiment_weight"] += w
        if e.complaint:
            sums["answered_complaints" if e.answered else "unanswered_complaints"] += w
        if e.answered:
            sums["answered"] += w
    return Totals(min(e.occurred_at for e in past), max(e.occurred_at for e in past), len(past), **sums)


def finish(t: Totals, now: datetime) -> Health:
    """The four sinews and the overall score from the decayed sums (formulas in the module docstring)."""
    if not t.count:
        return Health(0.0, 50.0, 0.0, 0.0, round(WEIGHTS["trust"] * 50.0, 1), None, 0)
    known_days = (now - t.first).total_seconds() / 86400
    silent_days = (now - t.last).total_seconds() / 86400
    time_score = 0.4 * 100 * (1 - math.exp(-known_days / 180)) + 0.6 * 100 * 0.5 ** (silent_days / 30)
    mean_sentiment = t.sentiment_sum / t.sentiment_weight if t.sentiment_weight else 0.0
    trust = 50 + 50 * mean_sentiment - 12 * t.unanswered_complaints + 4 * t.answered_complaints
    intensity = 100 * (1 - math.exp(-t.depth_sum / 8))
    both = t.inbound + t.outbound
    balance = 1 - abs(t.inbound - t.outbound) / both if both else 0.0
    answer_rate = t.answered / t.inbound if t.inbound else (1.0 if t.outbound else 0.0)
    reciprocity = 100 * (0.5 * balance + 0.5 * answer_rate)
    scores = {"time": _clamp(time_score), "trust": _clamp(trust), "intensity": _clamp(intensity),
              "reciprocity": _clamp(reciprocity)}
    overall = _clamp(sum(WEIGHTS[k] * v for k, v in scores.items()))
    return Health(**scores, overall=overall, last_interaction=t.last, interactions=t.count)


def health(events: list[Event], now: datetime) -> Health:
    """The four sinews from events up to ``now`` (later events are ignored, so the past can be replayed)."""
    return finish(totals(events, now), now)


def trend(now_overall: float, before_overall: float | None) -> str:
    if before_overall is None:
        return "steady"
    delta = now_overall - before_overall
    if delta >= TREND_THRESHOLD:
        return "warming"
    if delta <= -TREND_THRESHOLD:
        return "cooling"
    return "steady"


def usual_gap_days(events: list[Event] | list[datetime], now: datetime) -> float | None:
    """Median days between consecutive interactions: a person's own rhythm (None with fewer than 3)."""
    times = sorted(t for t in (getattr(e, "occurred_at", e) for e in events) if t <= now)
    if len(times) < 3:
        return None
    gaps = sorted((b - a).total_seconds() / 86400 for a, b in zip(times, times[1:]))
    mid = len(gaps) // 2
    return gaps[mid] if len(gaps) % 2 else (gaps[mid - 1] + gaps[mid]) / 2


def quiet_threshold_days(events: list[Event] | list[datetime], now: datetime, minimum: int) -> float:
    """Silence that counts as 'gone quiet' for this person: at least ``minimum`` days, or three of
    their usual gaps for people who are normally in touch less often."""
    return quiet_threshold_for_gap(usual_gap_days(events, now), minimum)


def quiet_threshold_for_gap(gap: float | None, minimum: int) -> float:
    """``quiet_threshold_days`` from the usual gap (``people.interaction_rhythm`` measures it in SQL)."""
    return max(float(minimum), 3 * gap) if gap is not None else float(minimum)


def week_before(now: datetime) -> datetime:
    return now - timedelta(days=TREND_DAYS)
