"""People: resolving who someone means, merging and splitting identities, logging touches,
and relationship health for everyone in one pass."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

import pyarrow as pa

from engagement.health import DEPTH, HALF_LIFE_DAYS, Event, Health, Totals, finish, health, trend, week_before
from storage.audit import record
from storage.db import Database
from storage.writes import refresh_person_links

TOUCH_KINDS = ("call", "meal", "note", "email")


class PersonError(Exception):
    """A person reference that matches nobody, or more than one person; the message says what to type."""


def resolve_person(db: Database, ref: str) -> str:
    """A person id, a handle (`@ana`, `x:ana`, `u/ana`), or a name (case-insensitive, unique prefix)."""
    ref = ref.strip()
    if not ref:
        raise PersonError("give a person: a name, a handle such as @anasouza or x:anasouza, or a person id")
    if db.scalar("SELECT count(*) FROM people WHERE person_id = ?", [ref]):
        return ref
    handle = ref.lower().removeprefix("u/").removeprefix("/u/").lstrip("@")
    by_identity = [r[0] for r in db.con.execute(
        "SELECT DISTINCT person_id FROM identities WHERE identity_uid = $h OR lower(handle) = $h",
        {"h": handle}).fetchall()]
    if len(by_identity) == 1:
        return by_identity[0]
    exact = [r[0] for r in db.con.execute(
        "SELECT person_id FROM people WHERE lower(name) = lower(?) AND person_id <> 'me'", [ref]).fetchall()]
    if len(exact) == 1:
        return exact[0]
    matches = db.rows(
        """SELECT person_id, name FROM people WHERE person_id <> 'me' AND
                  (lower(name) LIKE lower(?) || '%' OR lower(name) LIKE '% ' || lower(?) || '%')
           ORDER BY is_key_client DESC, name LIMIT 6""", [ref, ref])
    if len(matches) == 1:
        return matches[0]["person_id"]
    candidates = by_identity or [m["person_id"] for m in matches] or exact
    if not candidates:
        raise PersonError(f"no person matches {ref!r}; try `listenwell people` to list them")
    listed = ", ".join(f"{m['name']} ({m['person_id']})" for m in matches) or ", ".join(candidates)
    raise PersonError(f"{ref!r} matches several people: {listed}; use the person id")


def _reassign(con, identity_uids: list[str], person_id: str, action: str, now: datetime) -> None:
    con.execute(
        """INSERT INTO person_overrides SELECT unnest($ids), $pid, $action, $now
           ON CONFLICT (identity_uid) DO UPDATE SET person_id = excluded.person_id, action = excluded.action,
               created_at = excluded.created_at""",
        {"ids": identity_uids, "pid": person_id, "action": action, "now": now},
    )
    con.execute("UPDATE identities SET person_id = $pid WHERE list_contains($ids, identity_uid)",
                {"pid": person_id, "ids": identity_uids})
    refresh_person_links(con)


def merge_id_for(keep: str, other: str, now: datetime) -> str:
    return "mg-" + hashlib.sha1(f"{keep}|{other}|{now.isoformat()}".encode()).hexdigest()[:10]


def merge_people(db: Database, keep_ref: str, other_ref: str, now: datetime, by: str = "unknown",
                 config_key_clients: set[str] | None = None) -> dict[str, Any]:
    """Fold the second person into the first: identities, interactions, touches, snoozes, queue items and
    imported contacts move, and the second person's row is deleted (kept in ``merges`` for `people split`).
    ``config_key_clients``: person ids config defines; such a person can only be the one kept."""
    keep, other = resolve_person(db, keep_ref), resolve_person(db, other_ref)
    if keep == other:
        raise PersonError(f"{keep_ref!r} and {other_ref!r} are already the same person ({keep})")
    if "me" in (keep, other):
        raise PersonError("our own accounts cannot be merged with a person")
    if config_key_clients and other in config_key_clients:
        if keep in config_key_clients:
            raise PersonError(f"{keep} and {other} are both key clients in config.yaml; move the handles there instead")
        keep, other = other, keep  # config keeps its key client: fold the other one into it
    with db.transaction() as con:
        return _merge(con, keep, other, now, by)


def _merge(con, keep: str, other: str, now: datetime, by: str) -> dict[str, Any]:
    ids = [r[0] for r in con.execute("SELECT identity_uid FROM identities WHERE person_id = ? ORDER BY 1",
                                     [other]).fetchall()]
    row = con.execute("SELECT person_id, name, tier, is_key_client, notes, created_at FROM people WHERE person_id = ?",
                      [other]).fetchone()
    person_row = dict(zip(("person_id", "name", "tier", "is_key_client", "notes", "created_at"), row)) if row else {}
    touches = [r[0] for r in con.execute(
        "SELECT interaction_id FROM interactions WHERE person_id = ? AND identity_uid IS NULL", [other]).fetchall()]
    contacts = [r[0] for r in con.execute("SELECT contact_id FROM contacts WHERE person_id = ?", [other]).fetchall()]
    merge_id = merge_id_for(keep, other, now)
    if ids:
        _reassign(con, ids, keep, "merge", now)
    # touches have no identity: they follow the person
    con.execute("UPDATE interactions SET person_id = ? WHERE person_id = ?", [keep, other])
    con.execute("DELETE FROM reach_out_snoozes WHERE person_id = ? AND reason IN "
                "(SELECT reason FROM reach_out_snoozes WHERE person_id = ?)", [other, keep])
    con.execute("UPDATE reach_out_snoozes SET person_id = ? WHERE person_id = ?", [keep, other])
    for table in ("reply_suggestions", "alerts"):
        con.execute(f"UPDATE {table} SET person_id = ? WHERE person_id = ?", [keep, other])
    con.execute("UPDATE contacts SET person_id = ? WHERE person_id = ?", [keep, other])
    con.execute("DELETE FROM health_snapshots WHERE person_id IN (?, ?)", [keep, other])
    # no empty person with the same name is left behind
    con.execute("DELETE FROM people WHERE person_id = ?", [other])
    con.execute("INSERT INTO merges VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [merge_id, keep, other, json.dumps(person_row, default=str), ids, touches, contacts, by, now])
    record(con, by, "people.merge", keep, now, merge_id=merge_id, merged=other,
           merged_name=person_row.get("name"), identities=ids)
    return {"person_id": keep, "merged": other, "merged_name": person_row.get("name"), "identities_moved": ids,
            "merge_id": merge_id, "by": by, "at": now}


def unmerge(db: Database, merge_id: str, now: datetime, by: str = "unknown") -> dict[str, Any]:
    """Undo a merge: the merged person comes back with their row, identities, touches and contacts."""
    rows = db.rows("SELECT * FROM merges WHERE merge_id = ?", [merge_id])
    if not rows:
        raise PersonError(f"no merge {merge_id!r}; merges are listed by `listenwell people merges`")
    m = rows[0]
    if m["undone_at"] is not None:
        raise PersonError(f"{merge_id} was already undone on {m['undone_at']:%Y-%m-%d} by {m['undone_by']}")
    person = json.loads(m["person_row"])
    with db.transaction() as con:
        con.execute("INSERT OR IGNORE INTO people (person_id, name, tier, is_key_client, notes, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [m["merged"], person.get("name") or m["merged"], person.get("tier"),
                     bool(person.get("is_key_client")), person.get("notes"), person.get("created_at") or now])
        moved = [r[0] for r in con.execute(
            "SELECT identity_uid FROM identities WHERE list_contains(?, identity_uid) AND person_id = ?",
            [m["identities"], m["kept"]]).fetchall()]
        if moved:
            _reassign(con, moved, m["merged"], "split", now)
        con.execute("UPDATE interactions SET person_id = ? WHERE list_contains(?, interaction_id) AND person_id = ?",
                    [m["merged"], m["interactions"], m["kept"]])
        con.execute("UPDATE contacts SET person_id = ? WHERE list_contains(?, contact_id) AND person_id = ?",
                    [m["merged"], m["contacts"], m["kept"]])
        con.execute("DELETE FROM health_snapshots WHERE person_id IN (?, ?)", [m["kept"], m["merged"]])
        con.execute("UPDATE merges SET undone_at = ?, undone_by = ? WHERE merge_id = ?", [now, by, merge_id])
        con.execute("UPDATE merge_suggestions SET status = 'rejected', decided_by = ?, decided_at = ? "
                    "WHERE merge_id = ?", [by, now, merge_id])
        record(con, by, "people.unmerge", m["merged"], now, merge_id=merge_id, kept=m["kept"], identities=moved)
    return {"merge_id": merge_id, "person_id": m["merged"], "name": person.get("name"), "from": m["kept"],
            "identities": moved, "by": by, "at": now}


def list_merges(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    rows = db.rows("""SELECT merge_id, kept, merged, json_extract_string(person_row, '$.name') AS merged_name,
                             identities, merged_by, merged_at, undone_at, undone_by
                      FROM merges ORDER BY merged_at DESC, merge_id LIMIT ?""", [limit])
    return rows


def split_identity(db: Database, identity_ref: str, now: datetime, by: str = "unknown") -> dict[str, Any]:
    """Give one identity a person of its own again (undoes a merge or a wrong config claim). A merge id
    (``mg-…``) undoes that whole merge instead."""
    if identity_ref.strip().startswith("mg-"):
        return unmerge(db, identity_ref.strip(), now, by)
    ref = identity_ref.strip().lower().lstrip("@")
    row = db.con.execute(
        "SELECT identity_uid, person_id, coalesce(display_name, handle) FROM identities WHERE identity_uid = ?",
        [ref]).fetchone()
    if row is None:
        raise PersonError(f"no identity {identity_ref!r}; identities look like x:anasouza or reddit:ana_s "
                          f"(see `listenwell person NAME`), and merges like mg-3f9a1c2b7d")
    uid, old_person, name = row
    new_person = f"p:{uid}"
    if old_person == new_person:
        raise PersonError(f"{uid} is already a person of its own")
    with db.transaction() as con:
        con.execute("INSERT OR IGNORE INTO people (person_id, name, tier, is_key_client, notes, created_at) "
                    "VALUES (?, ?, NULL, false, NULL, ?)", [new_person, name, now])
        _reassign(con, [uid], new_person, "split", now)
        con.execute("DELETE FROM health_snapshots WHERE person_id IN (?, ?)", [old_person, new_person])
        record(con, by, "people.split", new_person, now, identity=uid, previous=old_person)
    return {"identity": uid, "from": old_person, "person_id": new_person, "by": by, "at": now}


def log_touch(db: Database, person_ref: str, kind: str, note: str | None, when: datetime,
              by: str = "unknown") -> dict[str, Any]:
    if kind not in TOUCH_KINDS:
        raise PersonError(f"--kind must be one of {', '.join(TOUCH_KINDS)}")
    person_id = resolve_person(db, person_ref)
    key = hashlib.sha1(f"{person_id}|{kind}|{when.isoformat()}|{note}".encode()).hexdigest()[:16]
    touch_id = f"touch:{key}"
    with db.transaction() as con:
        added = con.execute(
            """INSERT OR IGNORE INTO interactions
               (interaction_id, person_id, identity_uid, post_uid, direction, kind, occurred_at, note, logged_by)
               VALUES (?, ?, NULL, NULL, 'outbound', ?, ?, ?, ?)""",
            [touch_id, person_id, f"touch:{kind}", when, note, by],
        ).fetchone()[0]
        con.execute("DELETE FROM health_snapshots WHERE person_id = ? AND day >= ?", [person_id, when.date()])
        if added:
            record(con, by, "touch.log", touch_id, when, person_id=person_id, kind=kind, note=note)
    return {"touch_id": touch_id, "person_id": person_id, "kind": kind, "at": when, "note": note, "logged_by": by}


def get_touch(db: Database, touch_id: str) -> dict[str, Any]:
    rows = db.rows(
        """SELECT i.interaction_id AS touch_id, i.person_id, p.name AS person, substr(i.kind, 7) AS kind,
                  i.occurred_at AS at, i.note, i.logged_by
           FROM interactions i JOIN people p USING (person_id)
           WHERE i.interaction_id = ? AND i.kind LIKE 'touch:%'""", [touch_id])
    if not rows:
        raise PersonError(f"no touch {touch_id!r}; `listenwell touches NAME` lists them with their ids")
    return rows[0]


def list_touches(db: Database, person_ref: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    person_id = resolve_person(db, person_ref) if person_ref else None
    return db.rows(
        """SELECT i.interaction_id AS touch_id, i.person_id, p.name AS person, substr(i.kind, 7) AS kind,
                  i.occurred_at AS at, i.note, i.logged_by
           FROM interactions i JOIN people p USING (person_id)
           WHERE i.kind LIKE 'touch:%' AND (? IS NULL OR i.person_id = ?)
           ORDER BY i.occurred_at DESC, i.interaction_id LIMIT ?""", [person_id, person_id, limit])


def edit_touch(db: Database, touch_id: str, now: datetime, by: str = "unknown", *, kind: str | None = None,
               note: str | None = None, when: datetime | None = None) -> dict[str, Any]:
    """Correct a logged touch (its kind, note or date); the old values are kept in the audit log."""
    before = get_touch(db, touch_id)
    if kind is not None and kind not in TOUCH_KINDS:
        raise PersonError(f"--kind must be one of {', '.join(TOUCH_KINDS)}")
    if kind is None and note is None and when is None:
        raise PersonError("nothing to change: give --kind, --note or --date")
    with db.transaction() as con:
        con.execute(
            """UPDATE interactions SET kind = coalesce(?, kind), note = coalesce(?, note),
                   occurred_at = coalesce(?, occurred_at) WHERE interaction_id = ?""",
            [f"touch:{kind}" if kind else None, note, when, touch_id])
        earliest = min(d for d in (before["at"], when) if d is not None)
        con.execute("DELETE FROM health_snapshots WHERE person_id = ? AND day >= ?", [before["person_id"],
                                                                                        earliest.date()])
        record(con, by, "touch.edit", touch_id, now, person_id=before["person_id"],
               before={"kind": before["kind"], "note": before["note"], "at": before["at"]},
               after={"kind": kind or before["kind"], "note": note if note is not None else before["note"],
                      "at": when or before["at"]})
    return get_touch(db, touch_id)


def delete_touch(db: Database, touch_id: str, now: datetime, by: str = "unknown") -> dict[str, Any]:
    """Remove a touch logged by mistake; what it was is kept in the audit log."""
    before = get_touch(db, touch_id)
    with db.transaction() as con:
        con.execute("DELETE FROM interactions WHERE interaction_id = ?", [touch_id])
        con.execute("DELETE FROM health_snapshots WHERE person_id = ? AND day >= ?", [before["person_id"],
                                                                                        before["at"].date()])
        record(con, by, "touch.delete", touch_id, now, person_id=before["person_id"], kind=before["kind"],
               note=before["note"], at=before["at"], logged_by=before["logged_by"])
    return before | {"deleted_by": by, "deleted_at": now}


EVENTS_SQL = """
SELECT i.person_id, i.occurred_at, i.direction, i.kind, t.sentiment_score,
       coalesce(list_contains(t.intents, 'complaint'), false) AS complaint,
       a.post_uid IS NOT NULL AS answered
FROM interactions i
LEFT JOIN tags t ON t.post_uid = i.post_uid
LEFT JOIN answered_posts a ON a.post_uid = i.post_uid
WHERE i.person_id <> 'me' AND ($people IS NULL OR list_contains($people, i.person_id))
ORDER BY i.person_id, i.occurred_at
"""


def load_events(db: Database, people: list[str] | None = None) -> dict[str, list[Event]]:
    """Every person's events in one query."""
    events: dict[str, list[Event]] = defaultdict(list)
    for person_id, at, direction, kind, sentiment, complaint, answered in db.con.execute(
            EVENTS_SQL, {"people": people}).fetchall():
        events[person_id].append(Event(at, direction, kind, sentiment, bool(complaint), bool(answered)))
    return events


_DEPTH_SQL = "CASE i.kind " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in DEPTH.items()) + " ELSE 1.0 END"

def _sums(w: str, cond: str) -> str:
    """The decayed sums of engagement.health.totals, with weights `w`, over events matching `cond`."""
    # CASE rather than FILTER: the same sums, and about half the time when a key client has tens of
    # thousands of interactions (one FILTER selection per aggregate per row)
    def when(test: str, value: str) -> str:
        return f"sum(CASE WHEN ({cond}) AND {test} THEN {value} ELSE 0 END)"

    return f"""
       epoch(min(CASE WHEN {cond} THEN occurred_at END)), epoch(max(CASE WHEN {cond} THEN occurred_at END)),
       {when("true", "1")},
       {when("inbound AND s IS NOT NULL", f"{w} * s")},
       {when("inbound AND s IS NOT NULL", w)},
       {when("inbound AND complaint AND NOT answered", w)},
       {when("inbound AND complaint AND answered", w)},
       {when("true", f"{w} * depth")},
       {when("inbound", w)},
       {when("NOT inbound", w)},
       {when("inbound AND answered", w)}"""


# everyone's sums at two moments (now, and `then` for the trend) in one pass over the interactions
TOTALS_SQL = f"""
WITH ev AS (
    SELECT i.person_id, i.occurred_at, i.direction = 'inbound' AS inbound, t.sentiment_score AS s,
           coalesce(list_contains(t.intents, 'complaint'), false) AS complaint,
           a.post_uid IS NOT NULL AS answered, {_DEPTH_SQL} AS depth,
           pow(0.5, greatest(epoch($now) - epoch(i.occurred_at), 0) / 86400.0 / {HALF_LIFE_DAYS}) AS w_now,
           pow(0.5, greatest(epoch($then) - epoch(i.occurred_at), 0) / 86400.0 / {HALF_LIFE_DAYS}) AS w_then
    FROM interactions i
    LEFT JOIN tags t ON t.post_uid = i.post_uid
    LEFT JOIN answered_posts a ON a.post_uid = i.post_uid
    WHERE i.person_id <> 'me' AND i.occurred_at <= $now
      AND ($people IS NULL OR i.person_id IN (SELECT unnest($people)))
)
SELECT person_id, {_sums("w_now", "true")}, {_sums("w_then", "occurred_at <= $then")}
FROM ev GROUP BY person_id
"""


def totals_for_all(db: Database, now: datetime, people: list[str] | None = None,
                   then: datetime | None = None) -> tuple[dict[str, Totals], dict[str, Totals]]:
    """Every person's decayed sums now and at `then`, in one query: the work grows with interactions
    inside DuckDB, not Python. People with no interaction by `then` are absent from the second map."""
    def at(epoch: float | None) -> datetime | None:  # epochs over the wire: DuckDB's timestamptz → datetime goes through pytz
        return datetime.fromtimestamp(epoch, timezone.utc) if epoch is not None else None

    rows = db.con.execute(TOTALS_SQL, {"now": now, "then": then or now, "people": people}).fetchall()
    current, before = {}, {}
    for row in rows:
        current[row[0]] = Totals(at(row[1]), at(row[2]), *row[3:12])
        if row[14]:
            before[row[0]] = Totals(at(row[12]), at(row[13]), *row[14:23])
    return current, before


def interaction_rhythm(db: Database, people: list[str], now: datetime) -> dict[str, tuple[int, float | None]]:
    """Per person: how many interactions we had up to ``now``, and the median days between consecutive
    ones (``health.usual_gap_days``: None with fewer than 3). In SQL: a key client may have thousands."""
    rows = db.con.execute(
        """SELECT person_id, count(*), CASE WHEN count(*) >= 3 THEN quantile_cont(gap, 0.5) / 86400 END
           FROM (SELECT person_id, epoch(occurred_at) - lag(epoch(occurred_at))
                        OVER (PARTITION BY person_id ORDER BY occurred_at) AS gap
                 FROM interactions WHERE list_contains($p, person_id) AND occurred_at <= $now)
           GROUP BY person_id""", {"p": people, "now": now}).fetchall()
    return {person_id: (count, gap) for person_id, count, gap in rows}


def health_for_all(db: Database, now: datetime, people: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Health and trend per person with any interaction; writes today's snapshots in one statement.

    The trend compares with the snapshot from a week ago; when none was kept (a new install), the
    same formula replayed on what was known a week ago stands in, and is kept as that day's snapshot.
    """
    today, before_day = now.date(), week_before(now).date()
    current, week_ago = totals_for_all(db, now, people, then=week_before(now))
    kept_before = dict(db.con.execute(
        "SELECT person_id, overall FROM health_snapshots WHERE day = ?", [before_day]).fetchall())
    results: dict[str, dict[str, Any]] = {}
    rows: dict[str, list] = {k: [] for k in ("person_id", "day", "time", "trust", "intensity", "reciprocity",
                                              "overall")}

    def add(pid: str, day, h: Health) -> None:
        for key, value in (("person_id", pid), ("day", day), ("time", h.time), ("trust", h.trust),
                           ("intensity", h.intensity), ("reciprocity", h.reciprocity), ("overall", h.overall)):
            rows[key].append(value)

    for person_id, person_totals in current.items():
        h = finish(person_totals, now)
        before = kept_before.get(person_id)
        if before is None and person_id in week_ago:
            past = finish(week_ago[person_id], week_before(now))
            before = past.overall
            add(person_id, before_day, past)
        add(person_id, today, h)
        results[person_id] = h.to_dict() | {"trend": trend(h.overall, before), "overall_week_ago": before}
    if rows["person_id"] and not db.read_only:
        with db.transaction() as con:
            con.register("incoming_health", pa.table(rows))
            try:
                con.execute(
                    """INSERT INTO health_snapshots
                       SELECT person_id, day, time, trust, intensity, reciprocity, overall, $now FROM incoming_health
                       ON CONFLICT (person_id, day) DO UPDATE SET time = excluded.time, trust = excluded.trust,
                           intensity = excluded.intensity, reciprocity = excluded.reciprocity,
                           overall = excluded.overall, computed_at = excluded.computed_at""",
                    {"now": now},
                )
            finally:
                con.unregister("incoming_health")
    return results


# what imported contacts add to a person: company and e-mail addresses (from every contact feeding them)
CONTACT_COLUMNS = """
    (SELECT first(c.company ORDER BY c.updated_at DESC) FROM contacts c WHERE c.person_id = p.person_id) AS company,
    coalesce((SELECT list_distinct(flatten(list(c.emails))) FROM contacts c WHERE c.person_id = p.person_id),
             []) AS emails,
    EXISTS (SELECT 1 FROM contacts c WHERE c.person_id = p.person_id) AS is_contact"""


def list_people(db: Database, now: datetime, cooling_only: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    people = db.rows(
        f"""SELECT p.person_id, p.name, p.tier, p.is_key_client, p.notes,
                  list(i.identity_uid ORDER BY i.identity_uid) AS identities,
                  bool_or(coalesce(i.is_follower, false)) AS follower, {CONTACT_COLUMNS}
           FROM people p LEFT JOIN identities i ON i.person_id = p.person_id
           WHERE p.person_id <> 'me'
           GROUP BY ALL"""
    )
    scores = health_for_all(db, now)
    out = []
    for p in people:
        h = scores.get(p["person_id"])
        if h is None and not p["is_key_client"] and not p["is_contact"]:
            continue  # authors we only heard about, never interacted with (imported contacts always show)
        h = h or health([], now).to_dict() | {"trend": "steady", "overall_week_ago": None}
        if cooling_only and h["trend"] != "cooling":
            continue
        out.append({**p, "health": h})
    out.sort(key=lambda p: (p["tier"] or 9, -p["health"]["overall"], p["name"]))
    return out[:limit]


def person_detail(db: Database, person_ref: str, now: datetime, timeline: int = 30) -> dict[str, Any]:
    person_id = resolve_person(db, person_ref)
    person = db.rows(f"SELECT p.person_id, p.name, p.tier, p.is_key_client, p.notes, {CONTACT_COLUMNS} "
                     "FROM people p WHERE p.person_id = ?", [person_id])[0]
    identities = db.rows(
        """SELECT identity_uid, platform, handle, display_name, url, followers, is_follower, first_seen, last_seen
           FROM identities WHERE person_id = ? ORDER BY platform, handle""", [person_id])
    h = health_for_all(db, now, [person_id]).get(person_id) or (
        health([], now).to_dict() | {"trend": "steady", "overall_week_ago": None})
    history = db.rows(
        """SELECT i.occurred_at, i.direction, i.kind, i.note, p.platform, p.url, p.text, t.sentiment_label
           FROM interactions i LEFT JOIN posts p USING (post_uid) LEFT JOIN tags t USING (post_uid)
           WHERE i.person_id = $pid
           UNION ALL
           SELECT p.created_at, 'heard', 'post', NULL, p.platform, p.url, p.text, t.sentiment_label
           FROM posts p JOIN identities a ON a.identity_uid = p.author_uid LEFT JOIN tags t USING (post_uid)
           WHERE a.person_id = $pid AND p.post_uid NOT IN (SELECT post_uid FROM interactions WHERE post_uid IS NOT NULL)
           ORDER BY 1 DESC LIMIT $n""",
        {"pid": person_id, "n": timeline},
    )
    snapshots = db.rows("SELECT day, overall FROM health_snapshots WHERE person_id = ? ORDER BY day", [person_id])
    return {**person, "identities": identities, "health": h, "timeline": history, "snapshots": snapshots}
