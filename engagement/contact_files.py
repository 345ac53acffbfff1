"""Contact files as plain records: CSV (any column names, with a mapping; HubSpot and Salesforce exports
recognised without one), vCard 3.0/4.0 and Monica's JSON export.

Nothing here touches storage. ``read_contacts`` returns the records it could read and a ``Problem`` for
every line it could not, each naming the line and the column, so the importer can refuse the whole file
or, with ``--skip-bad``, list the bad lines and import the rest.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlparse

MAX_BYTES = 50 * 1024 * 1024  # an export of tens of thousands of contacts is a few MB
FIELDS = ("name", "first_name", "last_name", "tier", "company", "email", "notes", "x", "reddit", "blog",
          "website", "id")
HANDLE_FIELDS = ("x", "reddit", "blog")
FORMATS = ("auto", "csv", "hubspot", "salesforce", "vcard", "monica")


class ContactFileError(Exception):
    """The file as a whole cannot be read (size, encoding, format, a missing required column)."""


@dataclass
class Problem:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ContactRecord:
    line: int
    name: str
    source_key: str
    origin: str
    tier: int | None = None
    company: str | None = None
    emails: list[str] = field(default_factory=list)
    notes: str | None = None
    website: str | None = None
    handles: dict[str, list[str]] = field(default_factory=dict)  # platform -> lowercase handles
    columns: dict[str, str] = field(default_factory=dict)  # field -> the column it came from, for messages


@dataclass
class ReadResult:
    origin: str
    records: list[ContactRecord]
    problems: list[Problem]
    skipped: list[Problem]  # lines with nothing to import (blank, a company without a person): not errors


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


# column names as CRMs write them, normalised (lowercase, letters and digits only)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "fullname", "contactname", "displayname", "contact"),
    "first_name": ("firstname", "givenname", "first", "forename"),
    "last_name": ("lastname", "familyname", "surname", "last"),
    "tier": ("tier", "clienttier", "accounttier", "customertier", "keyclienttier", "listenwelltier"),
    "company": ("company", "companyname", "accountname", "account", "organization", "organisation", "org",
                "employer"),
    "email": ("email", "emailaddress", "email1", "primaryemail", "workemail", "emails", "email2",
              "additionalemailaddresses", "secondaryemail", "emailaddresses"),
    "notes": ("notes", "note", "description", "about", "comments", "contactdescription"),
    "x": ("x", "twitter", "twitterusername", "twitterhandle", "xhandle", "xusername", "twitterprofile",
          "xprofile", "twitterx"),
    "reddit": ("reddit", "redditusername", "reddithandle", "redditprofile"),
    "blog": ("blog", "blogname", "blogauthor", "commentname"),
    "website": ("website", "websiteurl", "url", "blogurl", "personalwebsite", "homepage", "web"),
    "id": ("recordid", "contactid", "id", "hubspotid", "salesforceid", "uid", "vid"),
}
# the columns that give a CSV away as one CRM's export
HUBSPOT_MARKS = {"recordid", "contactowner", "lifecyclestage", "leadstatus", "hubspotscore", "associatedcompany"}
SALESFORCE_MARKS = {"accountname", "contactid", "mailingcity", "mailingstreet", "reportsto", "accountid",
                    "contactowner", "title"}

_X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_REDDIT_HANDLE = re.compile(r"^[A-Za-z0-9_-]{3,20}$")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_TIER = re.compile(r"^\s*(?:tier|t)?\s*[-:# ]?\s*([1-5])\s*$", re.I)


def clean(text: Any) -> str:
    """A cell as plain text: control characters out, spaces collapsed."""
    if text is None:
        return ""
    text = str(text)
    if not text.isprintable():  # the rare cell with control characters: drop them (newlines become spaces)
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return " ".join(text.split())


def parse_tier(value: str) -> int | None:
    value = clean(value)
    if not value:
        return None
    match = _TIER.match(value)
    if not match:
        raise ValueError(f"expected a tier from 1 (most important) to 5, such as 1 or 'Tier 2' (got {value!r})")
    return int(match[1])


def parse_handles(platform: str, value: str) -> list[str]:
    """`@ana`, `ana`, `https://x.com/ana`, `u/ana`, several separated by ; or , → lowercase handles."""
    value = clean(value)
    if not value:
        return []
    parts = [value] if platform == "blog" else re.split(r"[;,\s]+", value)
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if platform != "blog" and ("/" in part or part.startswith("http")):
            url = urlparse(part if "://" in part else f"https://{part}")
            segments = [s for s in url.path.split("/") if s]
            if platform == "reddit" and segments[:1] in (["u"], ["user"]):
                segments = segments[1:]
            if not segments:
                raise ValueError(f"no {platform} handle in {part!r}")
            part = segments[0]
        part = part.lstrip("@")
        if platform == "reddit":
            part = part.removeprefix("u/").removeprefix("/u/")
        checker = {"x": _X_HANDLE, "reddit": _REDDIT_HANDLE}.get(platform)
        if checker and not checker.match(part):
            raise ValueError(f"{part!r} is not a valid {'X' if platform == 'x' else platform} handle")
        if platform == "blog" and len(part) > 100:
            raise ValueError("a blog author name longer than 100 characters")
        out.append(part.lower())
    return list(dict.fromkeys(out))


def parse_emails(value: str) -> list[str]:
    value = clean(value)
    if not value:
        return []
    out = []
    for part in re.split(r"[;,\s]+", value):
        if not part:
            continue
        part = part.removeprefix("mailto:").strip("<>")
        if not _EMAIL.match(part):
            raise ValueError(f"{part!r} is not an e-mail address")
        out.append(part.lower())
    return list(dict.fromkeys(out))


def parse_website(value: str) -> str | None:
    value = clean(value)
    if not value:
        return None
    url = urlparse(value if "://" in value else f"https://{value}")
    if url.scheme not in ("http", "https") or not url.netloc or " " in url.netloc:
        raise ValueError(f"expected a web address such as https://example.com (got {value!r})")
    return f"{url.scheme}://{url.netloc.lower()}{url.path.rstrip('/')}"


# --- reading bytes -------------------------------------------------------------------------------

def read_text(path: Path, encoding: str = "utf-8", max_bytes: int = MAX_BYTES) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ContactFileError(f"{path}: no such file") from None
    if size > max_bytes:
        raise ContactFileError(
            f"{path}: the file is {size / 1024 / 1024:.0f} MB; contact files over {max_bytes // 1024 // 1024} MB "
            f"are refused (a CRM export of 100,000 contacts is about 20 MB). Split it, or raise the limit "
            f"with --max-mb")
    data = path.read_bytes()
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ContactFileError(_encoding_message(path, data, exc, encoding)) from None
    except LookupError:
        raise ContactFileError(f"--encoding: unknown encoding {encoding!r} (try utf-8, cp1252 or latin-1)") from None


def _encoding_message(path: Path, data: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    """Where the first undecodable byte is: line, column (by the CSV header when there is one)."""
    before = data[:exc.start]
    line = before.count(b"\n") + 1
    line_start = before.rfind(b"\n") + 1
    prefix = data[line_start:exc.start].decode(encoding, errors="replace")
    column = ""
    header_end = data.find(b"\n")
    if path.suffix.lower() in (".csv", ".tsv", ".txt") and line > 1 and header_end > 0:
        header = data[:header_end].decode(encoding, errors="replace")
        try:
            dialect = csv.Sniffer().sniff(header, delimiters=",;\t")
            names = next(csv.reader([header], dialect))
            index = len(next(csv.reader([prefix], dialect), [""])) - 1
            if 0 <= index < len(names):
                column = f", column {clean(names[index])}"
        except (csv.Error, StopIteration):
            pass
    return (f"{path.name}: line {line}{column}: byte 0x{data[exc.start]:02X} is not valid {encoding} "
            f"(the file is in another encoding). Re-save it as UTF-8, or name its encoding with "
            f"--encoding (for example --encoding cp1252 for an Excel or Salesforce export)")


def detect_format(path: Path, text: str) -> str:
    head = text.lstrip()[:2000]
    if head.upper().startswith("BEGIN:VCARD") or path.suffix.lower() in (".vcf", ".vcard"):
        return "vcard"
    if head.startswith("{") or path.suffix.lower() == ".json":
        return "monica"
    return "csv"


def read_contacts(path: Path, *, fmt: str = "auto", mapping: dict[str, str] | None = None,
                  encoding: str = "utf-8", max_bytes: int = MAX_BYTES) -> ReadResult:
    text = read_text(path, encoding, max_bytes)
    kind = detect_format(path, text) if fmt == "auto" else ("csv" if fmt in ("hubspot", "salesforce") else fmt)
    if kind == "vcard":
        return read_vcards(text)
    if kind == "monica":
        return read_monica(text, path)
    return read_csv(text, mapping or {}, origin=None if fmt in ("auto", "csv") else fmt)


# --- CSV ----------------------------------------------------------------------------------------

def _columns_for(header: list[str], mapping: dict[str, str]) -> dict[str, list[int]]:
    """field -> column indexes (email may have several)."""
    normalised = [_norm(h) for h in header]
    found: dict[str, list[int]] = {}
    for fld, column in mapping.items():
        if fld not in FIELDS:
            raise ContactFileError(f"--map: unknown field {fld!r}; fields are {', '.join(FIELDS)}")
        matches = [i for i, h in enumerate(header) if clean(h) == column or _norm(h) == _norm(column)]
        if not matches:
            raise ContactFileError(f"line 1: --map {fld}={column}: the file has no column {column!r} "
                                   f"(its columns: {', '.join(clean(h) for h in header)})")
        found[fld] = matches[:1]
    taken = {i for cols in found.values() for i in cols}
    for fld, names in SYNONYMS.items():
        if fld in found:
            continue
        for name in names:  # in order of preference: the first synonym present wins
            idx = [i for i, h in enumerate(normalised) if h == name and i not in taken]
            if idx:
                found.setdefault(fld, []).extend(idx)
                taken.update(idx)
                if fld != "email":
                    break
    return found


def read_csv(text: str, mapping: dict[str, str], origin: str | None = None) -> ReadResult:
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ContactFileError("line 1: the file is empty; expected a header row such as Name,Email,Twitter") from None
    except csv.Error as exc:
        raise ContactFileError(f"line 1: {exc}") from None
    normalised = {_norm(h) for h in header}
    if origin is None:
        if "recordid" in normalised or len(normalised & HUBSPOT_MARKS) >= 2:
            origin = "hubspot"
        elif len(normalised & SALESFORCE_MARKS) >= 2 or {"firstname", "lastname", "accountid"} <= normalised:
            origin = "salesforce"
        else:
            origin = "csv"
    cols = _columns_for(header, mapping)
    if "name" not in cols and not ("first_name" in cols or "last_name" in cols):
        raise ContactFileError(
            f"line 1: no name column; expected one of Name, Full Name, First Name and Last Name (the file's "
            f"columns: {', '.join(clean(h) for h in header) or 'none'}). Name it with --map name=COLUMN")
    names = {fld: clean(header[idx[0]]) for fld, idx in cols.items()}
    records, problems, skipped = [], [], []
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(reader.line_num, None, str(exc)))
            break
        start = reader.line_num - sum(cell.count("\n") for cell in row)  # a quoted cell may span lines
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            problems.append(Problem(start, None, f"{len(row)} cells but the header has {len(header)} columns"))
            continue

        def cell(fld: str, row=row) -> str:
            return " ".join(row[i] for i in cols.get(fld, []) if i < len(row) and row[i].strip())

        rec, problem = _record_from_cells(start, cell, names, origin)
        if problem:
            if problem.column is None and problem.message.startswith("no name"):
                skipped.append(problem)
            else:
                problems.append(problem)
        elif rec:
            records.append(rec)
    return ReadResult(origin, records, problems, skipped)


def _record_from_cells(line: int, cell, names: dict[str, str], origin: str) -> tuple[ContactRecord | None, Problem | None]:
    name = clean(cell("name")) or clean(f"{cell('first_name')} {cell('last_name')}")
    if not name:
        return None, Problem(line, None, "no name (skipped)")
    rec = ContactRecord(line=line, name=name[:200], source_key="", origin=origin)
    try:
        column = names.get("tier")
        rec.tier = parse_tier(cell("tier"))
        column = names.get("email")
        rec.emails = parse_emails(cell("email"))
        column = names.get("website")
        rec.website = parse_website(cell("website"))
        for platform in HANDLE_FIELDS:
            column = names.get(platform)
            handles = parse_handles(platform, cell(platform))
            if handles:
                rec.handles[platform] = handles
    except ValueError as exc:
        return None, Problem(line, column, str(exc))
    rec.company = clean(cell("company"))[:200] or None
    rec.notes = " ".join(cell("notes").split())[:4000] or None
    rec.columns = names
    ident = clean(cell("id"))
    rec.source_key = (f"{origin}:{ident}" if ident and origin in ("hubspot", "salesforce") else
                      f"id:{ident}" if ident else f"email:{rec.emails[0]}" if rec.emails else
                      f"name:{name.casefold()}")
    return rec, None


# --- vCard --------------------------------------------------------------------------------------

_SOCIAL = {"twitter": "x", "x": "x", "reddit": "reddit"}


def _vcard_blocks(text: str) -> Iterable[tuple[int, str]]:
    """Each BEGIN:VCARD … END:VCARD block with the line it starts on (folded lines stay in their block)."""
    lines = text.splitlines()
    start, buf = None, []
    for n, raw in enumerate(lines, 1):
        upper = raw.strip().upper()
        if upper == "BEGIN:VCARD":
            start, buf = n, [raw]
        elif start is not None:
            buf.append(raw)
            if upper == "END:VCARD":
                yield start, "\r\n".join(buf) + "\r\n"
                start, buf = None, []
    if start is not None:
        yield start, ""  # unterminated card


def read_vcards(text: str) -> ReadResult:
    import vobject

    records, problems, skipped = [], [], []
    blocks = list(_vcard_blocks(text))
    if not blocks:
        raise ContactFileError("line 1: no BEGIN:VCARD found; is this a vCard (.vcf) file?")
    for line, block in blocks:
        if not block:
            problems.append(Problem(line, "END", "the card has no END:VCARD"))
            continue
        try:
            card = vobject.readOne(block, ignoreUnreadable=False)
        except Exception as exc:  # vobject raises its own ParseError and assorted ValueErrors
            problems.append(Problem(line, None, f"not a readable vCard: {str(exc)[:200]}"))
            continue
        rec, problem = _record_from_vcard(line, card)
        if problem:
            (skipped if problem.message.startswith("no name") else problems).append(problem)
        elif rec:
            records.append(rec)
    return ReadResult("vcard", records, problems, skipped)


def _values(card, name: str) -> list[Any]:
    return list(card.contents.get(name.lower(), []))


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(clean(v) for v in value if clean(v))
    return clean(value)


def _record_from_vcard(line: int, card) -> tuple[ContactRecord | None, Problem | None]:
    fn = _text(_values(card, "fn")[0].value) if _values(card, "fn") else ""
    if not fn and _values(card, "n"):
        n = _values(card, "n")[0].value
        fn = clean(f"{getattr(n, 'given', '')} {getattr(n, 'family', '')}")
    if not fn:
        return None, Problem(line, "FN", "no name (skipped)")
    rec = ContactRecord(line=line, name=fn[:200], source_key="", origin="vcard")
    column = "EMAIL"
    try:
        emails: list[str] = []
        for item in _values(card, "email"):
            emails += parse_emails(_text(item.value))
        rec.emails = list(dict.fromkeys(emails))
        handles: dict[str, list[str]] = {}
        column = "X-SOCIALPROFILE"
        for prop in ("x-socialprofile", "socialprofile", "x-twitter", "x-reddit", "impp", "url"):
            for item in _values(card, prop):
                platform = _social_platform(prop, item)
                if platform:
                    column = prop.upper()
                    value = _text(item.value)
                    if prop == "impp":
                        value = value.split(":", 1)[-1]
                    handles.setdefault(platform, [])
                    handles[platform] += parse_handles(platform, value)
                elif prop == "url" and rec.website is None:
                    column = "URL"
                    rec.website = parse_website(_text(item.value))
        rec.handles = {p: list(dict.fromkeys(h)) for p, h in handles.items() if h}
        column = "CATEGORIES"
        for item in _values(card, "categories"):
            for category in (item.value if isinstance(item.value, list) else [item.value]):
                if _TIER.match(clean(category)) and re.search(r"tier", category, re.I):
                    rec.tier = parse_tier(category)
        for item in _values(card, "x-listenwell-tier"):
            column = "X-LISTENWELL-TIER"
            rec.tier = parse_tier(_text(item.value))
    except ValueError as exc:
        return None, Problem(line, column, str(exc))
    if _values(card, "org"):
        rec.company = _text(_values(card, "org")[0].value)[:200] or None
    notes = [_text(item.value) for item in _values(card, "note")]
    rec.notes = " ".join(n for n in notes if n)[:4000] or None
    uid = _text(_values(card, "uid")[0].value) if _values(card, "uid") else ""
    rec.source_key = f"vcard:{uid}" if uid else (f"email:{rec.emails[0]}" if rec.emails else f"name:{fn.casefold()}")
    return rec, None


def _social_platform(prop: str, item) -> str | None:
    if prop == "x-twitter":
        return "x"
    if prop == "x-reddit":
        return "reddit"
    types = " ".join(str(t).lower() for key in ("TYPE", "SERVICE-TYPE", "X-SERVICE-TYPE")
                     for t in item.params.get(key, []))
    value = _text(item.value).lower()
    for word, platform in _SOCIAL.items():
        if re.search(rf"\b{word}\b", types):
            return platform
    host = urlparse(value if "://" in value else "").netloc.removeprefix("www.")
    if host in ("twitter.com", "x.com", "mobile.twitter.com"):
        return "x"
    if host in ("reddit.com", "old.reddit.com"):
        return "reddit"
    if prop == "impp" and value.startswith(("x:", "twitter:")):
        return "x"
    return None


# --- Monica ------------------------------------------------------------------------------------

def read_monica(text: str, path: Path) -> ReadResult:
    """Monica's account export (Settings → Export → JSON, format "1.0-preview.1"): account.data holds
    {count, type, values} collections; contacts carry their fields (e-mail, Twitter, …) as contact_fields
    whose type is a uuid into account.instance.contact_field_types."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContactFileError(f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    account = doc.get("account") if isinstance(doc, dict) else None
    if not isinstance(account, dict) or "version" not in doc:
        raise ContactFileError("line 1: not a Monica export: expected {\"version\": …, \"account\": {…}} "
                               "(Monica: Settings → Export data → JSON)")
    field_types = {}
    for item in (account.get("instance") or {}).get("contact_field_types") or []:
        props = item.get("properties") or {}
        field_types[item.get("uuid")] = " ".join(str(props.get(k) or "") for k in ("name", "type", "protocol")).lower()
    contacts = []
    for collection in account.get("data") or []:
        if isinstance(collection, dict) and collection.get("type") == "contacts":
            contacts += collection.get("values") or []
    records, problems, skipped = [], [], []
    for index, contact in enumerate(contacts, 1):
        uuid = str(contact.get("uuid") or "") if isinstance(contact, dict) else ""
        line = _line_of(text, uuid) if uuid else 1
        if not isinstance(contact, dict):
            problems.append(Problem(line, None, f"contact {index} is not an object"))
            continue
        rec, problem = _record_from_monica(line, contact, field_types)
        if problem:
            (skipped if problem.message.startswith("no name") else problems).append(problem)
        elif rec:
            records.append(rec)
    return ReadResult("monica", records, problems, skipped)


def _line_of(text: str, uuid: str) -> int:
    at = text.find(f'"{uuid}"')
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _collection(node: dict, kind: str) -> list:
    for collection in node.get("data") or []:
        if isinstance(collection, dict) and collection.get("type") == kind:
            return collection.get("values") or []
    return []


def _record_from_monica(line: int, contact: dict, field_types: dict[str, str]) -> tuple[ContactRecord | None, Problem | None]:
    props = contact.get("properties") or {}
    name = clean(" ".join(str(props.get(k) or "") for k in ("first_name", "middle_name", "last_name")))
    if not name:
        name = clean(props.get("nickname"))
    if not name:
        return None, Problem(line, "first_name", "no name (skipped)")
    rec = ContactRecord(line=line, name=name[:200], source_key=f"monica:{contact.get('uuid') or name.casefold()}",
                        origin="monica")
    company = clean(props.get("company"))
    job = clean(props.get("job"))
    rec.company = company or None
    column = "contact_fields"
    try:
        for item in _collection(contact, "contact_fields"):
            fprops = (item or {}).get("properties") or {}
            kind = field_types.get(fprops.get("type"), "")
            value = clean(fprops.get("data"))
            if not value:
                continue
            if "email" in kind or "mailto" in kind:
                rec.emails += parse_emails(value)
            elif "twitter" in kind or re.search(r"\bx\b", kind):
                rec.handles.setdefault("x", []).extend(parse_handles("x", value))
            elif "reddit" in kind:
                rec.handles.setdefault("reddit", []).extend(parse_handles("reddit", value))
            elif "website" in kind or "blog" in kind:
                rec.website = rec.website or parse_website(value)
        column = "tags"
        for tag in props.get("tags") or []:
            if re.search(r"tier", str(tag), re.I):
                rec.tier = parse_tier(str(tag))
    except ValueError as exc:
        return None, Problem(line, column, str(exc))
    rec.emails = list(dict.fromkeys(rec.emails))
    rec.handles = {p: list(dict.fromkeys(h)) for p, h in rec.handles.items() if h}
    notes = [clean(props.get("description"))] + [
        clean(((n or {}).get("properties") or {}).get("body")) for n in _collection(contact, "notes")]
    if job:
        notes.insert(0, job + (f", {company}" if company else ""))
    rec.notes = "; ".join(n for n in notes if n)[:4000] or None
    return rec, None
