"""Interactions derived from posts: who spoke to us, and whom we answered. One SQL statement per batch."""
from __future__ import annotations

from collectors import platforms

DERIVE_INTERACTIONS = """
INSERT OR IGNORE INTO interactions
    (interaction_id, person_id, identity_uid, post_uid, direction, kind, occurred_at, note)
-- inbound: they mention us or answer one of our posts
SELECT 'in:' || p.post_uid, a.person_id, a.identity_uid, p.post_uid, 'inbound',
       CASE WHEN coalesce(pa.is_ours, false) THEN (CASE WHEN list_contains($reply_platforms, p.platform) THEN 'reply'
                                                 ELSE 'comment' END)
            ELSE 'mention' END,
       p.created_at, NULL
FROM tags t
JOIN posts p USING (post_uid)
JOIN identities a ON a.identity_uid = p.author_uid
LEFT JOIN posts parent ON parent.post_uid = p.parent_uid
LEFT JOIN identities pa ON pa.identity_uid = parent.author_uid
WHERE t.seq > $lo AND t.seq <= $hi AND t.addressed_to_us
UNION ALL
-- outbound: we answer someone's post
SELECT 'out:' || p.post_uid || ':' || pa.person_id, pa.person_id, pa.identity_uid, p.post_uid, 'outbound', 'reply',
       p.created_at, NULL
FROM tags t
JOIN posts p USING (post_uid)
JOIN posts parent ON parent.post_uid = p.parent_uid
JOIN identities pa ON pa.identity_uid = parent.author_uid
WHERE t.seq > $lo AND t.seq <= $hi AND t.from_us AND NOT pa.is_ours
UNION ALL
-- outbound: we mention someone (and it is not the person we are replying to, counted above)
SELECT 'out:' || p.post_uid || ':' || i.person_id, i.person_id, i.identity_uid, p.post_uid, 'outbound', 'mention',
       p.created_at, NULL
FROM tags t
JOIN posts p USING (post_uid)
CROSS JOIN UNNEST(p.mentions) AS m(handle)
JOIN identities i ON i.identity_uid = p.platform || ':' || m.handle
LEFT JOIN posts parent ON parent.post_uid = p.parent_uid
LEFT JOIN identities pa ON pa.identity_uid = parent.author_uid
WHERE t.seq > $lo AND t.seq <= $hi AND t.from_us AND NOT i.is_ours
  AND i.person_id IS DISTINCT FROM pa.person_id
"""


def derive_interactions(con, lo: int, hi: int) -> int:
    # what an answer to our post is called on each platform (a reply on X or Mastodon, a comment on Reddit)
    replies = [p.name for p in platforms.all_platforms() if p.reply_kind == "reply"]
    return con.execute(DERIVE_INTERACTIONS, {"lo": lo, "hi": hi, "reply_platforms": replies}).fetchone()[0]
