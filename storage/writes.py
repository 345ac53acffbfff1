"""Bulk, idempotent writes. Every hot-path write is one Arrow ``INSERT … SELECT``.

``store_batch`` writes a collector's posts, their authors and the source's new
state in one transaction: either all of it lands or none of it does. Posts arrive as
``Post`` records or as ``PostsBatch`` tables; both become the same two Arrow tables.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from collectors import platforms
from collectors.base import AUTHORS_SCHEMA, POSTS_SCHEMA, FollowersPage, Identity, Post, PostsBatch
from storage.db import Database
from storage.usage import record_usage

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "x"


def key_client_person_id(name: str) -> str:
    return f"kc:{slug(name)}"


OUR_PERSON_ID = "me"


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def is_our_identity(platform: str, handle: str, our_handles: dict[str, set[str]]) -> bool:
    handle = handle.lower()
    ours = our_handles.get(platform, set())
    if handle in ours:
        return True
    # blog identities are "name@host": match on the name part
    return platform == "blog" and handle.rsplit("@", 1)[0] in ours


@dataclass
class BatchResult:
    posts_new: int
    identities_new: int


# An author as stored: what a post shows of them, whether they are us, and the batch's first and last post.
_SEEN = AUTHORS_SCHEMA.get_field_index("seen_at")
IDENTITIES_SCHEMA = AUTHORS_SCHEMA.insert(_SEEN, pa.field("is_ours", pa.bool_())).append(
    pa.field("first_seen_at", AUTHORS_SCHEMA.field("seen_at").type))


def posts_table(posts: Sequence[Post]) -> pa.Table:
    def uid(platform: str, native: str | None) -> str | None:
        return f"{platform}:{native}" if native else None

    cols: dict[str, list[Any]] = {name: [] for name in POSTS_SCHEMA.names}
    for p in posts:
        cols["post_uid"].append(f"{p.platform}:{p.native_id}")
        cols["platform"].append(p.platform)
        cols["native_id"].append(p.native_id)
        cols["kind"].append(p.kind)
        cols["url"].append(p.url)
        cols["title"].append(p.title)
        cols["text"].append(p.text or "")
        cols["created_at"].append(p.created_at)
        cols["author_uid"].append(p.author.uid)
        cols["parent_uid"].append(uid(p.platform, p.parent_id))
        cols["conversation_uid"].append(uid(p.platform, p.conversation_id))
        cols["parent_url"].append(p.parent_url)
        cols["lang"].append(p.lang)
        cols["mentions"].append([m.lower() for m in p.mentions] if p.mentions else [])
        cols["raw"].append(_json(p.raw))
        cols["source"].append(p.source)
        cols["retrieved_at"].append(p.retrieved_at)
    return pa.table(cols, schema=POSTS_SCHEMA)


def authors_table(posts: Sequence[Post]) -> pa.Table:
    """Row i is the author of post i, seen at that post (``AUTHORS_SCHEMA``, as a ``PostsBatch`` carries)."""
    return _author_rows((p.author, p.created_at) for p in posts)


def _author_rows(identities: Iterable[tuple[Identity, datetime | None]]) -> pa.Table:
    cols: dict[str, list[Any]] = {name: [] for name in AUTHORS_SCHEMA.names}
    for a, seen_at in identities:
        cols["identity_uid"].append(a.uid)
        cols["platform"].append(a.platform)
        cols["handle"].append(a.handle)
        cols["display_name"].append(a.display_name)
        cols["native_id"].append(a.native_id)
        cols["url"].append(a.url)
        cols["followers"].append(a.followers)
        cols["seen_at"].append(seen_at)
    return pa.table(cols, schema=AUTHORS_SCHEMA)


def _as_tables(items: Sequence[Post | PostsBatch]) -> tuple[pa.Table, pa.Table]:
    """Posts and their authors as two aligned tables, in the order the collector yielded them."""
    posts: list[pa.Table] = []
    authors: list[pa.Table] = []
    run: list[Post] = []
    for item in [*items, None]:
        if isinstance(item, Post):
            run.append(item)
            continue
        if run:
            posts.append(posts_table(run))
            authors.append(authors_table(run))
            run = []
        if item is not None:
            posts.append(item.posts)
            authors.append(item.authors)
    return pa.concat_tables(posts), pa.concat_tables(authors)


def _latest_identities(con, authors: pa.Table, our_handles: dict[str, set[str]]) -> pa.Table:
    """Each author once, as their latest post in the batch shows them (the first such post on a tie),
    with the time of their earliest post there too."""
    con.register("incoming_authors", authors.append_column("ord", pa.array(range(authors.num_rows), pa.int64())))
    try:
        # per identity, the row with the latest seen_at, the earliest row on a tie: one hash aggregate
        latest = con.sql(
            """SELECT a.* EXCLUDE (ord), latest.first_seen_at FROM incoming_authors a
               JOIN (SELECT arg_max(ord, epoch_us(seen_at)::HUGEINT * 4294967296 - ord) AS ord,
                            min(seen_at) AS first_seen_at
                     FROM incoming_authors GROUP BY identity_uid) latest USING (ord)
               ORDER BY a.ord"""
        ).to_arrow_table()
    finally:
        con.unregister("incoming_authors")
    first_seen = latest.column("first_seen_at")
    return _as_identities(latest.drop_columns(["first_seen_at"]), first_seen, our_handles)


def _as_identities(authors: pa.Table, first_seen: pa.ChunkedArray, our_handles: dict[str, set[str]]) -> pa.Table:
    """Authors (one row each) as ``IDENTITIES_SCHEMA`` rows."""
    # a few thousand distinct authors at most: Python decides "ours" exactly as everywhere else
    ours = [is_our_identity(p, h, our_handles)
            for p, h in zip(authors.column("platform").to_pylist(), authors.column("handle").to_pylist())]
    table = authors.cast(AUTHORS_SCHEMA).add_column(_SEEN, IDENTITIES_SCHEMA.field("is_ours"), pa.array(ours, pa.bool_()))
    return table.append_column(IDENTITIES_SCHEMA.field("first_seen_at"),
                               first_seen.cast(IDENTITIES_SCHEMA.field("first_seen_at").type))


def _identity_rows(identities: Iterable[tuple[Identity, datetime | None]], our_handles: dict[str, set[str]]) -> pa.Table:
    authors = _author_rows(identities)
    return _as_identities(authors, authors.column("seen_at"), our_handles)


def _upsert_identities(con, table: pa.Table) -> int:
    """New authors become identities and people; known ones get fresher names and a wider seen window.

    Known identities are updated only where a value changes, and a person is resolved only for
    identities that are new (every stored identity's person already has a people row)."""
    con.register("incoming_identities", table)
    try:
        con.execute(
            """
            UPDATE identities SET
                display_name = coalesce(n.display_name, identities.display_name),
                native_id    = coalesce(n.native_id, identities.native_id),
                url          = coalesce(n.url, identities.url),
                followers    = coalesce(n.followers, identities.followers),
                first_seen   = least(coalesce(identities.first_seen, n.first_seen_at), n.first_seen_at),
                last_seen    = greatest(coalesce(identities.last_seen, n.seen_at), n.seen_at)
            FROM incoming_identities n
            WHERE identities.identity_uid = n.identity_uid AND (
                   (n.display_name IS NOT NULL AND n.display_name IS DISTINCT FROM identities.display_name)
                OR (n.native_id IS NOT NULL AND n.native_id IS DISTINCT FROM identities.native_id)
                OR (n.url IS NOT NULL AND n.url IS DISTINCT FROM identities.url)
                OR (n.followers IS NOT NULL AND n.followers IS DISTINCT FROM identities.followers)
                OR (n.seen_at IS NOT NULL AND (identities.first_seen IS NULL OR identities.last_seen IS NULL
                    OR n.first_seen_at < identities.first_seen OR n.seen_at > identities.last_seen)))
            """
        )
        new_people = con.execute(
            f"""
            INSERT INTO identities
                (identity_uid, platform, handle, display_name, native_id, url, followers,
                 is_follower, is_ours, person_id, first_seen, last_seen)
            SELECT n.identity_uid, n.platform, n.handle, n.display_name, n.native_id, n.url, n.followers,
                   NULL, n.is_ours,
                   CASE WHEN n.is_ours THEN '{OUR_PERSON_ID}'
                        ELSE coalesce(o.person_id, claim.person_id, blog_claim.person_id, 'p:' || n.identity_uid) END,
                   n.first_seen_at, n.seen_at
            FROM incoming_identities n
            LEFT JOIN person_overrides o ON o.identity_uid = n.identity_uid
            LEFT JOIN identity_claims claim ON claim.platform = n.platform AND claim.handle = lower(n.handle)
            LEFT JOIN identity_claims blog_claim
                   ON n.platform = 'blog' AND blog_claim.platform = 'blog'
                  AND blog_claim.handle = split_part(lower(n.handle), '@', 1)
            WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.identity_uid = n.identity_uid)
            RETURNING person_id, coalesce(display_name, handle)
            """
        ).fetchall()
        if new_people:
            con.execute(
                """
                INSERT OR IGNORE INTO people (person_id, name, tier, is_key_client, notes, created_at)
                SELECT DISTINCT ON (person_id) person_id, name, NULL, false, NULL, now()
                FROM (SELECT unnest($ids) AS person_id, unnest($names) AS name)
                """,
                {"ids": [r[0] for r in new_people], "names": [r[1] for r in new_people]},
            )
    finally:
        con.unregister("incoming_identities")
    return len(new_people)


def _mark_followers(con, pages: Sequence[FollowersPage], our_handles: dict[str, set[str]]) -> None:
    """Followers become identities (and people) flagged as such; a complete walk unflags the rest."""
    identities = [(i, page.walk_started_at) for page in pages for i in page.identities]
    if identities:
        # following us is not posting: first_seen/last_seen stay about posts
        _upsert_identities(con, _identity_rows(((i, None) for i, _ in identities), our_handles))
        con.execute(
            "UPDATE identities SET is_follower = true, follower_seen_at = $at WHERE list_contains($ids, identity_uid)",
            {"at": max(at for _, at in identities), "ids": [i.uid for i, _ in identities]},
        )
    for page in pages:
        if page.complete:
            con.execute(
                """UPDATE identities SET is_follower = false
                   WHERE platform = $platform AND is_follower AND follower_seen_at < $started""",
                {"platform": page.platform, "started": page.walk_started_at},
            )


def _insert_posts(con, table: pa.Table) -> int:
    # a post repeated within the batch must be inserted once; the window that picks it materialises
    # every row (raw included), so it runs only when the batch does repeat a post
    repeats = pc.count_distinct(table.column("post_uid")).as_py() < table.num_rows
    once = "QUALIFY row_number() OVER (PARTITION BY post_uid ORDER BY retrieved_at DESC) = 1" if repeats else ""
    con.register("incoming_posts", table)
    try:
        inserted = con.execute(
            f"""
            INSERT OR IGNORE INTO posts
                (post_uid, seq, platform, native_id, kind, url, title, text, created_at, author_uid,
                 parent_uid, conversation_uid, parent_url, lang, mentions, raw, source, retrieved_at)
            SELECT post_uid, nextval('post_seq'), platform, native_id, kind, url, title, text, created_at,
                   author_uid, parent_uid, conversation_uid, parent_url, lang, mentions, raw, source, retrieved_at
            FROM incoming_posts
            {once}
            """
        ).fetchone()[0]
        # comments known only by their post's URL (site-wide comment feeds) find their parent here;
        # the UPDATE scans posts, so it runs only when some incoming row has such a URL
        if table.column("parent_url").null_count == table.num_rows:
            return inserted
        con.execute(
            """
            UPDATE posts SET parent_uid = parent.post_uid, conversation_uid = coalesce(posts.conversation_uid, parent.post_uid)
            FROM posts AS parent
            WHERE posts.parent_uid IS NULL AND posts.parent_url IS NOT NULL
              AND posts.post_uid IN (SELECT post_uid FROM incoming_posts)
              AND parent.url = posts.parent_url AND parent.platform = posts.platform
            """
        )
    finally:
        con.unregister("incoming_posts")
    return inserted


def store_batch(
    db: Database,
    *,
    source: str,
    source_type: str,
    posts: Sequence[Post | PostsBatch],
    state: dict[str, Any],
    note: str | None,
    our_handles: dict[str, set[str]],
    now: datetime,
    followers: Sequence[FollowersPage] = (),
    usage: dict[str, int] | None = None,
) -> BatchResult:
    """Posts, authors, follower flags, the reads that fetched them and the source's new state, all or nothing."""
    incoming, authors = _as_tables(posts) if posts else (None, None)
    if incoming is not None and not incoming.num_rows:
        incoming = None
    with db.transaction() as con:
        identities_new = 0
        posts_new = 0
        if incoming is not None:
            identities_new = _upsert_identities(con, _latest_identities(con, authors, our_handles))
            posts_new = _insert_posts(con, incoming)
        if followers:
            _mark_followers(con, followers, our_handles)
        if usage:
            found = platforms.source_type(source_type)
            record_usage(con, source=source, platform=found[0].name if found else source_type,
                         day=now.astimezone(timezone.utc).date(), reads=usage)
        con.execute(
            """
            INSERT INTO source_state (source, source_type, state, last_run_at, last_note, posts_stored, last_new)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source) DO UPDATE SET
                source_type = excluded.source_type, state = excluded.state, last_run_at = excluded.last_run_at,
                last_note = coalesce(excluded.last_note, source_state.last_note),
                posts_stored = source_state.posts_stored + excluded.posts_stored,
                last_new = excluded.last_new
            """,
            [source, source_type, _json(state), now, note, posts_new, posts_new],
        )
    return BatchResult(posts_new=posts_new, identities_new=identities_new)


def finish_source_run(
    db: Database,
    *,
    source: str,
    source_type: str,
    now: datetime,
    new_posts: int,
    error: str | None = None,
    retry_at: datetime | None = None,
    note: str | None = None,
) -> None:
    """Record how a source's run ended. The state (cursor) is never touched here."""
    with db.transaction() as con:
        con.execute(
            """
            INSERT INTO source_state (source, source_type, state, last_run_at) VALUES (?, ?, '{}', ?)
            ON CONFLICT (source) DO NOTHING
            """,
            [source, source_type, now],
        )
        if error is None:
            con.execute(
                """UPDATE source_state SET last_run_at = ?, last_success = ?, last_new = ?, next_allowed_at = NULL,
                       last_note = ?
                   WHERE source = ?""",
                [now, now, new_posts, note, source],
            )
        else:
            con.execute(
                """UPDATE source_state SET last_run_at = ?, last_error = ?, last_error_at = ?, last_new = ?,
                       next_allowed_at = ?, last_note = coalesce(?, last_note)
                   WHERE source = ?""",
                [now, error, now, new_posts, retry_at, note, source],
            )


def load_source_state(db: Database, source: str) -> dict[str, Any]:
    """The source's cursor (its ``state`` JSON); ``{}`` before its first run."""
    state = db.scalar("SELECT state FROM source_state WHERE source = ?", [source])
    return json.loads(state) if state else {}


def refresh_person_links(con) -> None:
    """Interactions, queue items and alerts follow their identity's person after it is re-pointed."""
    con.execute(
        """UPDATE interactions SET person_id = i.person_id FROM identities i
           WHERE interactions.identity_uid = i.identity_uid AND interactions.person_id <> i.person_id"""
    )
    for table in ("reply_suggestions", "alerts"):
        con.execute(
            f"""UPDATE {table} SET person_id = i.person_id FROM posts p JOIN identities i ON i.identity_uid = p.author_uid
                WHERE {table}.post_uid = p.post_uid AND {table}.person_id <> i.person_id"""
        )


def sync_key_clients(db: Database, key_clients: Iterable[Any], me: Any, now: datetime) -> None:
    """Config is the truth for key clients: their people rows and the identities they claim. Imported
    contacts (``listenwell people import``) claim their handles too; config wins where both claim one."""
    with db.transaction() as con:
        apply_claims(con, key_clients, me, now)


def config_claims(key_clients: Iterable[Any], me: Any) -> list[tuple[str, str, str]]:
    """(platform, lowercase handle, person id) for our own handles and every key client's."""
    claims: list[tuple[str, str, str]] = []
    for platform in platforms.names():
        for handle in me.handles.for_platform(platform):
            claims.append((platform, handle.lower(), OUR_PERSON_ID))
    for client in key_clients:
        pid = key_client_person_id(client.name)
        for platform in platforms.names():
            for handle in client.handles.for_platform(platform):
                claims.append((platform, handle.lower(), pid))
    return claims


def apply_claims(con, key_clients: Iterable[Any], me: Any, now: datetime) -> None:
    """``sync_key_clients`` inside the caller's transaction (an import re-applies claims in its own)."""
    key_clients = list(key_clients)
    people_rows: list[tuple] = [(OUR_PERSON_ID, me.name, None, False, "our own accounts")]
    for client in key_clients:
        people_rows.append((key_client_person_id(client.name), client.name, client.tier, True, client.notes or None))
    claims = config_claims(key_clients, me)
    people = pa.table(
        {
            "person_id": [r[0] for r in people_rows],
            "name": [r[1] for r in people_rows],
            "tier": pa.array([r[2] for r in people_rows], pa.int32()),
            "is_key_client": [r[3] for r in people_rows],
            "notes": [r[4] for r in people_rows],
        }
    )
    claim_table = pa.table({
        "platform": pa.array([c[0] for c in claims], pa.string()), "handle": pa.array([c[1] for c in claims], pa.string()),
        "person_id": pa.array([c[2] for c in claims], pa.string()),
    })
    con.register("cfg_people", people)
    con.register("cfg_claims", claim_table)
    try:
        con.execute(
            """
            INSERT INTO people (person_id, name, tier, is_key_client, notes, created_at)
            SELECT person_id, name, tier, is_key_client, notes, ? FROM cfg_people
            ON CONFLICT (person_id) DO UPDATE SET
                name = excluded.name, tier = excluded.tier, is_key_client = excluded.is_key_client,
                notes = excluded.notes
            """,
            [now],
        )
        # clients removed from config stop being key clients but keep their history (imported
        # contacts with a tier stay key clients: the import is their truth)
        con.execute(
            """UPDATE people SET is_key_client = false, tier = NULL
               WHERE is_key_client AND person_id NOT IN (SELECT person_id FROM cfg_people)
                 AND person_id NOT IN (SELECT contact_id FROM contacts WHERE tier IS NOT NULL)"""
        )
        con.execute("DELETE FROM identity_claims")
        con.execute(
            "INSERT OR IGNORE INTO identity_claims SELECT DISTINCT platform, handle, person_id FROM cfg_claims"
        )
        # then the imported contacts' handles, for the person each contact feeds now
        con.execute(
            """INSERT OR IGNORE INTO identity_claims
               SELECT h.platform, h.handle, c.person_id FROM contact_handles h JOIN contacts c USING (contact_id)"""
        )
        # exact handles exist as identities before they ever post, so the person page can list them
        con.execute(
            """INSERT INTO identities (identity_uid, platform, handle, person_id, is_ours)
               SELECT platform || ':' || handle, platform, handle, person_id, person_id = ?
               FROM identity_claims WHERE platform <> 'blog' OR contains(handle, '@')
               ON CONFLICT (identity_uid) DO NOTHING""",
            [OUR_PERSON_ID],
        )
        con.execute(
            f"""UPDATE identities SET person_id = coalesce(
                    (SELECT o.person_id FROM person_overrides o WHERE o.identity_uid = identities.identity_uid),
                    (SELECT c.person_id FROM identity_claims c
                     WHERE c.platform = identities.platform AND c.handle = lower(identities.handle)),
                    (SELECT c.person_id FROM identity_claims c
                     WHERE identities.platform = 'blog' AND c.platform = 'blog'
                       AND c.handle = split_part(lower(identities.handle), '@', 1)),
                    CASE WHEN identities.person_id LIKE 'kc:%' OR identities.person_id LIKE 'ct:%'
                         THEN 'p:' || identity_uid ELSE identities.person_id END),
                is_ours = is_ours OR person_id = '{OUR_PERSON_ID}'
            """
        )
        con.execute(
            """INSERT OR IGNORE INTO people (person_id, name, tier, is_key_client, notes, created_at)
               SELECT DISTINCT ON (person_id) person_id, coalesce(display_name, handle), NULL, false, NULL, ?
               FROM identities"""
            , [now],
        )
        refresh_person_links(con)
        drop_empty_people(con)
    finally:
        con.unregister("cfg_people")
        con.unregister("cfg_claims")


def drop_empty_people(con) -> int:
    """A person made automatically for one identity (``p:<identity>``) whose identity now belongs to
    someone else is gone: what was logged for them by hand (touches, snoozes) follows the identity,
    and the empty row is deleted, so a name never stands for two people after a claim or a merge."""
    empty = [r[0] for r in con.execute(
        """SELECT p.person_id FROM people p
           WHERE p.person_id LIKE 'p:%'
             AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.person_id = p.person_id)
             AND EXISTS (SELECT 1 FROM identities i WHERE i.identity_uid = substr(p.person_id, 3))""").fetchall()]
    if not empty:
        return 0
    moves = {"old": empty, "new": [None] * len(empty)}
    owners = dict(con.execute(
        "SELECT 'p:' || identity_uid, person_id FROM identities WHERE list_contains($uids, identity_uid)",
        {"uids": [pid[2:] for pid in empty]}).fetchall())
    moves["new"] = [owners[pid] for pid in empty]
    con.register("people_moves", pa.table({"old": pa.array(moves["old"], pa.string()),
                                           "new": pa.array(moves["new"], pa.string())}))
    try:
        con.execute("UPDATE interactions SET person_id = m.new FROM people_moves m WHERE interactions.person_id = m.old")
        con.execute("""DELETE FROM reach_out_snoozes WHERE person_id IN (SELECT old FROM people_moves)
                         AND EXISTS (SELECT 1 FROM people_moves m, reach_out_snoozes s
                                     WHERE m.old = reach_out_snoozes.person_id AND s.person_id = m.new
                                       AND s.reason = reach_out_snoozes.reason)""")
        con.execute("UPDATE reach_out_snoozes SET person_id = m.new FROM people_moves m "
                    "WHERE reach_out_snoozes.person_id = m.old")
        for table in ("reply_suggestions", "alerts"):
            con.execute(f"UPDATE {table} SET person_id = m.new FROM people_moves m WHERE {table}.person_id = m.old")
        con.execute("DELETE FROM health_snapshots WHERE person_id IN (SELECT old FROM people_moves)")
        con.execute("DELETE FROM people WHERE person_id IN (SELECT old FROM people_moves)")
    finally:
        con.unregister("people_moves")
    return len(empty)
