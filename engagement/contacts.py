"""`listenwell people import`: contacts from a CRM export, a vCard file or a Monica export become people
in the database, with their tier, company, e-mails, notes and the handles they claim on every platform.

All or nothing: every line is checked first (a bad line names its line and column); the file's contacts,
their handles and their people rows are then written in one transaction of bulk Arrow writes, and the
claims are applied (identities re-pointed) in that same transaction. A rerun of the same file changes
nothing. Config's key clients still work: config wins a handle both claim, and a contact with a key
client's name feeds that key client's person.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from engagement.contact_files import MAX_BYTES, ContactFileError, ContactRecord, Problem, read_contacts
from storage.audit import record
from storage.db import Database
from storage.writes import OUR_PERSON_ID, apply_claims, config_claims, key_client_person_id, slug


def contact_slug(name: str) -> str:
    """'José Núñez' → 'jose-nunez', '渡辺 健二' → '渡辺-健二': readable ids in any script."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "-", text.casefold()).strip("-") or slug(name)


class ContactImportError(Exception):
    """The file cannot be imported as it is; ``problems`` lists each bad line (line, column, what)."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class ImportReport:
    file: str
    origin: str
    dry_run: bool
    created: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    unchanged: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {line, column, reason}: blank names, and bad lines with --skip-bad

    def to_dict(self) -> dict[str, Any]:
        data = {"file": self.file, "origin": self.origin, "dry_run": self.dry_run, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "skipped": self.skipped}
        data["counts"] = {k: len(getattr(self, k)) for k in ("created", "updated", "unchanged", "skipped")}
        return data


def _problem_dict(p: Problem) -> dict:
    return {"line": p.line, "column": p.column, "reason": p.message}


_COMPARED = ("person_id", "name", "tier", "company", "emails", "notes", "website", "handles")


def import_contacts(db: Database, config, path: Path, *, now: datetime, by: str, fmt: str = "auto",
                    mapping: dict[str, str] | None = None, encoding: str = "utf-8", skip_bad: bool = False,
                    dry_run: bool = False, max_bytes: int = MAX_BYTES) -> ImportReport:
    try:
        result = read_contacts(path, fmt=fmt, mapping=mapping, encoding=encoding, max_bytes=max_bytes)
    except ContactFileError as exc:
        raise ContactImportError(str(exc)) from None
    problems = list(result.problems)
    report = ImportReport(path.name, result.origin, dry_run, skipped=[_problem_dict(p) for p in result.skipped])

    existing = {r["source_key"]: r for r in db.rows(
        "SELECT contact_id, source_key, person_id, name, tier, company, emails, notes, website FROM contacts")}
    by_email = {e: r for r in existing.values() for e in (r["emails"] or [])}
    taken_ids = {r["contact_id"] for r in existing.values()}
    handles_now: dict[str, dict[str, list[str]]] = {}
    handle_owner: dict[tuple[str, str], str] = {}
    for platform, handle, contact_id in db.con.execute(
            "SELECT platform, handle, contact_id FROM contact_handles ORDER BY platform, handle").fetchall():
        handles_now.setdefault(contact_id, {}).setdefault(platform, []).append(handle)
        handle_owner[(platform, handle)] = contact_id
    names_of = {r["contact_id"]: r["name"] for r in existing.values()}
    claimed = {(p, h): pid for p, h, pid in config_claims(config.key_clients, config.me)}
    key_clients = {c.name.casefold(): key_client_person_id(c.name) for c in config.key_clients}
    client_names = {key_client_person_id(c.name): c.name for c in config.key_clients}

    rows: list[dict] = []
    seen_keys: dict[str, ContactRecord] = {}
    seen_handles: dict[tuple[str, str], ContactRecord] = {}
    for rec in result.records:
        if rec.source_key in seen_keys:
            first = seen_keys[rec.source_key]
            problems.append(Problem(rec.line, rec.columns.get("id") or rec.columns.get("email"),
                                    f"the same contact as line {first.line} ({first.name})"))
            continue
        old = existing.get(rec.source_key) or next((by_email[e] for e in rec.emails if e in by_email), None)
        if old is not None:
            contact_id, person_id = old["contact_id"], old["person_id"]
        else:
            contact_id = f"ct:{contact_slug(rec.name)}"
            if contact_id in taken_ids:
                contact_id += "-" + hashlib.sha1(rec.source_key.encode()).hexdigest()[:6]
            person_id = key_clients.get(rec.name.casefold(), contact_id)
        bad = None
        for platform, handles in rec.handles.items():
            for handle in handles:
                key = (platform, handle)
                column = rec.columns.get(platform, platform)
                owner = claimed.get(key)
                if owner is not None and owner != person_id:
                    who = "one of our own accounts (me: in config.yaml)" if owner == OUR_PERSON_ID else \
                        f"config key client {client_names.get(owner, owner)}"
                    bad = Problem(rec.line, column, f"{platform} handle {handle!r} is claimed by {who}")
                elif key in seen_handles:
                    other = seen_handles[key]
                    bad = Problem(rec.line, column, f"{platform} handle {handle!r} is also claimed on line "
                                                    f"{other.line} ({other.name}): one handle, one person")
                elif handle_owner.get(key, contact_id) != contact_id:
                    owner_id = handle_owner[key]
                    bad = Problem(rec.line, column, f"{platform} handle {handle!r} already belongs to the imported "
                                                    f"contact {names_of.get(owner_id, owner_id)} ({owner_id})")
                if bad:
                    break
            if bad:
                break
        if bad:
            problems.append(bad)
            continue
        seen_keys[rec.source_key] = rec
        for platform, handles in rec.handles.items():
            for handle in handles:
                seen_handles[(platform, handle)] = rec
        taken_ids.add(contact_id)
        row = {"contact_id": contact_id, "source_key": old["source_key"] if old else rec.source_key,
               "person_id": person_id, "name": rec.name, "tier": rec.tier, "company": rec.company,
               "emails": rec.emails, "notes": rec.notes, "website": rec.website,
               "handles": {p: sorted(h) for p, h in sorted(rec.handles.items())}, "line": rec.line}
        entry = {"line": rec.line, "name": rec.name, "contact_id": contact_id, "person_id": person_id}
        if old is None:
            report.created.append(entry)
        else:
            before = dict(old, handles={p: sorted(h) for p, h in sorted(handles_now.get(contact_id, {}).items())},
                          emails=list(old["emails"] or []))
            changed = [k for k in _COMPARED if before.get(k) != row[k]]
            (report.updated if changed else report.unchanged).append(entry | ({"changed": changed} if changed else {}))
        rows.append(row)

    if problems and not skip_bad:
        raise ContactImportError(f"{path.name}: {len(problems)} bad line{'s' if len(problems) != 1 else ''}; "
                                 f"nothing was imported (fix them, or import the rest with --skip-bad)",
                                 sorted(problems, key=lambda p: p.line))
    report.skipped += [_problem_dict(p) for p in problems]
    report.skipped.sort(key=lambda s: s["line"])
    if not dry_run and (report.created or report.updated):
        changed_ids = {e["contact_id"] for e in report.created + report.updated}
        _write(db, config, [r for r in rows if r["contact_id"] in changed_ids], path.name, result.origin, now, by,
               report)
    return report


def _write(db: Database, config, rows: list[dict], file_name: str, origin: str, now: datetime, by: str,
           report: ImportReport) -> None:
    contacts = pa.table({
        "contact_id": pa.array([r["contact_id"] for r in rows], pa.string()),
        "source_key": pa.array([r["source_key"] for r in rows], pa.string()),
        "person_id": pa.array([r["person_id"] for r in rows], pa.string()),
        "name": pa.array([r["name"] for r in rows], pa.string()),
        "tier": pa.array([r["tier"] for r in rows], pa.int32()),
        "company": pa.array([r["company"] for r in rows], pa.string()),
        "emails": pa.array([r["emails"] for r in rows], pa.list_(pa.string())),
        "notes": pa.array([r["notes"] for r in rows], pa.string()),
        "website": pa.array([r["website"] for r in rows], pa.string()),
    })
    handles = [(p, h, r["contact_id"]) for r in rows for p, hs in r["handles"].items() for h in hs]
    handle_table = pa.table({"platform": pa.array([h[0] for h in handles], pa.string()),
                             "handle": pa.array([h[1] for h in handles], pa.string()),
                             "contact_id": pa.array([h[2] for h in handles], pa.string())})
    with db.transaction() as con:
        con.register("incoming_contacts", contacts)
        con.register("incoming_handles", handle_table)
        try:
            con.execute(
                """INSERT INTO contacts SELECT contact_id, source_key, person_id, name, tier, company, emails, website,
                          notes, $origin, $file, $now, $now FROM incoming_contacts
                   ON CONFLICT (contact_id) DO UPDATE SET name = excluded.name, tier = excluded.tier,
                       company = excluded.company, emails = excluded.emails, website = excluded.website,
                       notes = excluded.notes, origin = excluded.origin, file = excluded.file,
                       updated_at = excluded.updated_at""",
                {"origin": origin, "file": file_name, "now": now})
            con.execute("DELETE FROM contact_handles WHERE contact_id IN (SELECT contact_id FROM incoming_contacts)")
            con.execute("INSERT INTO contact_handles SELECT platform, handle, contact_id FROM incoming_handles")
            # a contact that is its own person (not folded into a key client or merged) owns its people row
            con.execute(
                """INSERT INTO people (person_id, name, tier, is_key_client, notes, created_at)
                   SELECT contact_id, name, tier, tier IS NOT NULL, notes, $now FROM incoming_contacts
                   WHERE person_id = contact_id
                   ON CONFLICT (person_id) DO UPDATE SET name = excluded.name, tier = excluded.tier,
                       is_key_client = excluded.is_key_client, notes = excluded.notes""",
                {"now": now})
        finally:
            con.unregister("incoming_contacts")
            con.unregister("incoming_handles")
        apply_claims(con, config.key_clients, config.me, now)
        record(con, by, "people.import", file_name, now, origin=origin, created=len(report.created),
               updated=len(report.updated), unchanged=len(report.unchanged), skipped=len(report.skipped))
