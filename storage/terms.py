"""Keyphrase counts per day, for "emerging today": words, #hashtags and two-word phrases.

Counted in bulk inside DuckDB, never per post in Python: one ``INSERT … SELECT`` tokenizes a range of
posts (by insertion ``seq``) with ``regexp_extract_all`` and list comprehensions, and adds each post's
distinct terms to ``term_daily(day, term, n)``: ``n`` is the number of posts that used the term that day.

What counts: English posts (``tags.lang = 'en'``, or NULL when too short to tell) written by others
(``NOT tags.from_us``). A term is a ``#hashtag``, a word of at least three characters that starts with a
letter (letters, digits, inner ``'`` or ``-``) and is not a stop word, or two such words next to each
other. URLs, @mentions and e-mail addresses, numbers, stop words, hashtags and punctuation separate
phrases: "the new API, finally" gives ``new``, ``api``, ``finally`` and ``new api`` but not ``api finally``.
A post that repeats a term counts once. The day is the post's local day in ``schedule.timezone``, the
same day the digest reports on (changing the timezone later leaves older rows in the old one).

Exactly once: the tag job calls :func:`count_new_terms` in the transaction that writes the tags and moves
the tag cursor; it counts from its own ``terms`` stage cursor, so a database tagged before this table
existed is caught up (in batches) the first time new posts are tagged, and nothing is counted twice.
"""
from __future__ import annotations

from datetime import datetime

STAGE = "terms"

# English function words and filler. Only words of 3+ characters matter (shorter ones never count).
# "new" is deliberately not here: "new api" and "new pricing" are the kind of phrase we want.
STOP_WORDS: frozenset[str] = frozenset("""
a about above across after again against all almost along already also although always am among amp an and
another any anybody anyone anything anyway anywhere are aren't around as at away be became because become been
before being below besides between both but by came can can't cannot cant come comes could couldn't did didn't
does doesn't doing don't done dont down during each either else enough especially etc even ever every everyone
everything few for from further get gets getting go goes going gone gonna got gotta had hadn't has hasn't have
haven't having he he'd he'll he's hello her here here's hers herself hey him himself his how how's however i'd
i'll i'm i've ill im into is isn't it it'd it'll it's its itself ive just know least less let let's lets like
likely lol look made make makes many may maybe me might mine more most mostly much must mustn't my myself
neither never nobody none nor not nothing now off often okay once one only onto other others otherwise ought our
ours ourselves out over own per perhaps please pretty quite rather really said same say says see seem seems seen
shall shan't she she'd she'll she's should shouldn't since so some somebody someone something sometimes somewhat
soon still such sure than thank thanks that that'll that's thats the their theirs them themselves then there
there's therefore these they they'd they'll they're they've thing things think this those though through thru
thus till to too toward towards under unless until upon very via wanna want wants was wasn't we we'd we'll we're
we've well went were weren't what what's whatever when when's where where's whether which while who who's
whoever whole whom whose why why's will with within without won't would wouldn't yeah yes yet you you'd you'll
you're you've your yours yourself yourselves
""".split())

# Letters are ASCII and the Latin-1 / Latin Extended lower case (é, ß, ł, …): the posts are English, and
# RE2 builds \p{L} into an automaton so large that compiling it costs ≈10 ms on every statement. Other
# scripts and emoji separate words, like punctuation.
_L = r"a-z\x{00DF}-\x{00F6}\x{00F8}-\x{024F}"
_LD = _L + "0-9"
# lower(text) with ’ made ', cut into tokens: URLs, @mentions/e-mails, #hashtags, words, punctuation runs
_TOKEN_RE = (rf"https?://\S+|www\.\S+|\S*@\S+|#[{_LD}_]+|[{_LD}]+(?:['-][{_LD}]+)*"
             rf"|[^\s{_LD}]+")
_WORD_RE = rf"[{_L}][{_LD}]*(?:['-][{_LD}]+)*"  # a keepable word starts with a letter: no numbers
_MAX_LEN = 40  # a longer "word" is a pasted blob, not a keyphrase


def _literal(value: str) -> str:
    """A SQL string literal. The patterns are inlined as constants so DuckDB compiles each regex once."""
    return "'" + value.replace("'", "''") + "'"


_STOP_RE = "(?:" + "|".join(sorted(STOP_WORDS, key=lambda w: (-len(w), w))) + ")"


def terms_sql(source: str) -> str:
    """The rows of ``source`` (a query with a ``text`` column), each with ``terms``: its distinct terms.
    Filtering (English, by others: :data:`COUNTED`) is the caller's."""
    return f"""
WITH src AS (
    SELECT *,
           regexp_extract_all(regexp_replace(replace(lower(text), '’', ''''), '''s\\b', '', 'g'),
                              {_literal(_TOKEN_RE)}) AS toks
    FROM ({source})
),
marked AS (
    SELECT * EXCLUDE (toks),
           -- a keepable word, or NULL: stop words, numbers, URLs, mentions, hashtags, punctuation break phrases
           [CASE WHEN length(w) BETWEEN 3 AND {_MAX_LEN} AND regexp_full_match(w, {_literal(_WORD_RE)})
                      AND NOT regexp_full_match(w, {_literal(_STOP_RE)}) THEN w END
            FOR w IN toks] AS ws,
           [w FOR w IN toks IF w[1] = '#' AND length(w) BETWEEN 3 AND {_MAX_LEN}] AS hashtags
    FROM src
)
SELECT * EXCLUDE (ws, hashtags),
       list_distinct(
           [w FOR w IN ws IF w IS NOT NULL]
           || [pair[1] || ' ' || pair[2] FOR pair IN list_zip(ws[:len(ws) - 1], ws[2:])
               IF pair[1] IS NOT NULL AND pair[2] IS NOT NULL]
           || hashtags) AS terms
FROM marked
"""


# which tagged posts count (over t = tags): English or too short to tell, and not ours
COUNTED = "NOT t.from_us AND coalesce(t.lang, 'en') = 'en'"

# the seq range is repeated on tags (the same post's seq) so DuckDB skips the rest of both tables
_TAGGED_RANGE = f"""
SELECT p.post_uid, p.created_at, p.text
FROM posts p JOIN tags t ON t.post_uid = p.post_uid
WHERE p.seq > $low AND p.seq <= $high AND t.seq > $low AND t.seq <= $high AND {COUNTED}
"""
_COUNT_SQL = f"""
INSERT INTO term_daily (day, term, n)
SELECT CAST(timezone($tz, created_at) AS DATE) AS day, term, count(*) AS n
FROM (SELECT created_at, unnest(terms) AS term FROM ({terms_sql(_TAGGED_RANGE)}))
GROUP BY ALL
ON CONFLICT (day, term) DO UPDATE SET n = term_daily.n + excluded.n
"""


def count_terms(con, low_seq: int, high_seq: int, *, tz: str = "UTC") -> None:
    """Add the terms of the tagged posts with ``low_seq < seq <= high_seq`` to ``term_daily``.
    One SQL statement; call it inside the transaction that tags those posts."""
    con.execute(_COUNT_SQL, {"low": low_seq, "high": high_seq, "tz": tz})


def count_new_terms(con, high_seq: int, *, tz: str, now: datetime, batch: int = 100_000) -> int:
    """Count the posts after the ``terms`` cursor up to ``high_seq`` (tagged in this transaction, or before
    this table existed) and move the cursor. Returns how many seqs were covered."""
    row = con.execute("SELECT last_seq FROM stage_cursors WHERE stage = ?", [STAGE]).fetchone()
    low = int(row[0]) if row else 0
    if high_seq <= low:
        return 0
    start = low
    while start < high_seq:  # a catch-up over a large history goes in slices, to bound memory
        upper = min(start + batch, high_seq)
        count_terms(con, start, upper, tz=tz)
        start = upper
    con.execute(
        """INSERT INTO stage_cursors VALUES (?, ?, ?)
           ON CONFLICT (stage) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at""",
        [STAGE, high_seq, now],
    )
    return high_seq - low
