"""Emerging terms: keyphrases whose count today is unusual against the previous days.

Reads ``term_daily`` (filled in bulk by the tag stage, see ``storage/terms.py``), never the posts, except to
find one example post for each of the few terms it returns.

The score is the same z as the volume spike alerts (``engagement/alerts.volume_z``): today's count minus the
mean of the previous ``window`` days (a day without the term counts 0), over the larger of their standard
deviation, √mean (Poisson noise) and 1. The floors keep a term that was rare and flat from scoring
infinity: a term unseen for two weeks and used by 6 posts today scores 6; one that went from 10 a day to 30
scores ≈ 6 too. A term needs ``min_count`` posts today, a z of at least ``z``, and ``min_authors`` different
people (so one account, or one person with two handles, repeating a hashtag is not a trend; counted over
the day's posts by others that contain the term, found again by the same tokenizer).

A word is not shown on its own when a two-word phrase containing it is also emerging and carries nearly all
of its rise (``phrase_share``, 90%, of today's excess over the mean): "pricing change" is shown, "pricing" is
not, unless "pricing" also rose for other reasons. A term that is (or contains) a configured topic's
keyword, phrase, hashtag or alias is flagged with that topic, not removed.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engagement.replies import excerpt
from storage.terms import COUNTED, terms_sql

# today's count against the window's days before it; unigrams hidden behind an emerging phrase
EMERGING_SQL = """
WITH today AS (
    SELECT term, n FROM term_daily WHERE day = $day AND n >= $min_count
),
base AS (
    SELECT b.term, sum(CAST(b.n AS DOUBLE)) AS s, sum(CAST(b.n AS DOUBLE) * b.n) AS s2
    FROM term_daily b JOIN today USING (term)
    WHERE b.day >= $first AND b.day < $day
    GROUP BY b.term
),
scored AS (
    SELECT term, today, mean, std, (today - mean) / greatest(std, sqrt(mean), 1.0) AS z
    FROM (SELECT t.term, t.n AS today,
                 coalesce(b.s, 0) / $window AS mean,
                 sqrt(greatest(coalesce(b.s2, 0) / $window - pow(coalesce(b.s, 0) / $window, 2), 0)) AS std
          FROM today t LEFT JOIN base b USING (term))
),
emerging AS (SELECT * FROM scored WHERE z >= $z)
SELECT e.term, e.today, e.mean, e.std, e.z
FROM emerging e
WHERE NOT EXISTS (
    SELECT 1 FROM emerging ph
    WHERE e.term NOT LIKE '% %' AND ph.term LIKE '% %'
      AND (starts_with(ph.term, e.term || ' ') OR ends_with(ph.term, ' ' || e.term))
      AND ph.today - ph.mean >= $phrase_share * (e.today - e.mean))
ORDER BY e.z DESC, e.today DESC, e.term LIKE '% %' DESC, e.term  -- on a tie, a phrase says more
LIMIT $candidates
"""

# The day's posts by others that used the candidate terms, tokenized as they were counted, newest first.
# A substring test comes first (every word of some term occurs in the text), so only those posts are
# tokenized. Tags are not joined here (that would scan all of them): the example's tags are looked up below.
_DAY_POSTS = """
SELECT * EXCLUDE (lowered)
FROM (SELECT p.post_uid, p.created_at, p.text, p.url, p.platform,
             coalesce(i.person_id, p.author_uid) AS person,  -- one human with several handles counts once
             coalesce(i.handle, p.author_uid) AS handle, coalesce(i.display_name, i.handle, p.author_uid) AS author,
             replace(lower(p.text), '’', '''') AS lowered
      FROM posts p LEFT JOIN identities i ON i.identity_uid = p.author_uid
      WHERE p.created_at >= $start AND p.created_at < $end AND NOT coalesce(i.is_ours, false))
WHERE len([1 FOR words IN $needles IF len([1 FOR w IN words IF NOT contains(lowered, w)]) = 0]) > 0
"""
HITS_SQL = f"""
SELECT u.term, pt.post_uid, pt.person, pt.created_at, pt.text, pt.url, pt.platform, pt.handle, pt.author
FROM ({terms_sql(_DAY_POSTS)}) pt, unnest(pt.terms) AS u(term)
WHERE list_contains($terms, u.term)
ORDER BY pt.created_at DESC, pt.post_uid DESC
"""
# whether those posts were counted: a primary-key lookup, with the test as a column (a filter on a tags
# column would turn the lookup into a scan)
_COUNTED_SQL = f"SELECT t.post_uid, {COUNTED} FROM tags t WHERE t.post_uid IN ({{marks}})"
_LOOK_AT = 10  # posts per term checked for the example, newest first


def _examples(con, terms: list[str], start: datetime, end: datetime) -> dict[str, tuple[int, tuple, set[str]]]:
    """term → (distinct people who used it that day, the newest counted post using it: post_uid, person,
    created_at, text, url, platform, handle, author; and the uids of the day's posts using it)."""
    hits = con.execute(HITS_SQL, {"start": start, "end": end, "needles": [t.split(" ") for t in terms],
                                  "terms": terms}).fetchall()
    by_term: dict[str, list[tuple]] = {}
    for term, *post in hits:
        by_term.setdefault(term, []).append(tuple(post))
    uids = sorted({post[0] for posts in by_term.values() for post in posts[:_LOOK_AT]})
    if not uids:
        return {}
    counted = {uid for uid, ok in con.execute(_COUNTED_SQL.format(marks=", ".join("?" * len(uids))), uids).fetchall()
               if ok}
    out = {}
    for term, posts in by_term.items():
        example = next((post for post in posts[:_LOOK_AT] if post[0] in counted), None)
        if example is not None:
            out[term] = (len({post[1] for post in posts}), example, {post[0] for post in posts})
    return out


def _topic_index(topics: dict[str, Any] | None) -> dict[str, str]:
    """Lowercase keyword / phrase / alias / #hashtag → topic name."""
    index: dict[str, str] = {}
    for name, spec in (topics or {}).items():
        spec = spec.model_dump() if hasattr(spec, "model_dump") else dict(spec)
        for key in ("keywords", "phrases", "aliases"):
            for word in spec.get(key) or []:
                index.setdefault(word.lower(), name)
        for tag in spec.get("hashtags") or []:
            index.setdefault("#" + tag.lower().lstrip("#"), name)
    return index


def _singulars(word: str) -> list[str]:
    """The word and its likely singulars (dashboards → dashboard, policies → policy, taxes → tax)."""
    out = [word]
    if word.endswith("ies"):
        out.append(word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s"):
        out.append(word[:-1])
    return out


def _topic_for(term: str, index: dict[str, str]) -> str | None:
    for candidate in (term, "#" + term, term.lstrip("#"), *term.split(" ")):
        for form in _singulars(candidate):
            if form in index:
                return index[form]
    return None


def emerging_terms(
    con,
    day: date,
    *,
    tz: str = "UTC",
    topics: dict[str, Any] | None = None,
    window: int = 14,
    min_count: int = 5,
    min_authors: int = 2,
    z: float = 3.0,
    phrase_share: float = 0.9,
    same_story: float = 0.8,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """The day's emerging terms, highest z first, each with one example post from that day.

    A term is skipped when ``same_story`` (80%) of the day's posts using it also use a term already listed:
    an outage day lists "looker outage" and "#lookerdown", not also "blank", "dashboards down" and every
    other word those same posts share.

    [] while ``term_daily`` holds less than ``window`` days before ``day`` (no baseline yet: every term
    would look new)."""
    first = day - timedelta(days=window)
    learned = con.execute("SELECT count(*) FROM (SELECT 1 FROM term_daily WHERE day <= ? LIMIT 1)",
                          [first]).fetchone()[0]
    if not learned:
        return []
    rows = con.execute(EMERGING_SQL, {
        "day": day, "first": first, "window": float(window), "min_count": min_count, "z": z,
        "phrase_share": phrase_share, "candidates": limit * 3,  # spares for min_authors and same_story
    }).fetchall()
    if not rows:
        return []
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    terms = [r[0] for r in rows]
    examples = _examples(con, terms, start, end)
    index = _topic_index(topics)
    out = []
    listed: list[set[str]] = []
    for term, today, mean, std, score in rows:
        authors, ex, posts = examples.get(term, (0, None, set()))
        if authors < min_authors or any(len(posts & shown) >= same_story * len(posts) for shown in listed):
            continue
        listed.append(posts)
        _uid, _person, created_at, text, url, platform, handle, author = ex
        out.append({
            "term": term, "today": int(today), "daily_avg": round(float(mean), 2), "std": round(float(std), 2),
            "z": round(float(score), 1), "authors": authors, "topic": _topic_for(term, index),
            "example": {"author": author, "handle": handle, "platform": platform, "url": url,
                        "excerpt": excerpt(text, 160), "created_at": created_at},
        })
        if len(out) == limit:
            break
    return out
