"""The reach-out list as an iCalendar file: one all-day event per person, on the day the list was made,
titled with what to do ("Call Priya: congratulate them on the new role"), with the reason, the quote and
the link in its description. Event UIDs are stable per person, reason and evidence, so a calendar that
re-reads the feed updates an event instead of adding it twice."""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from icalendar import Calendar, Event

from delivery.links import safe_url

PRODID = "-//listenwell//reach-out//EN"


def event_title(item: dict[str, Any]) -> str:
    """The sentence's head: 'Call Priya: congratulate them on the new role' (quotes and dates follow it)."""
    sentence = item.get("sentence") or ""
    head = re.split(r" — |; | \(“|\. Also: ", sentence, maxsplit=1)[0].rstrip(".")
    return head[:200] or f"{(item.get('action') or 'note').title()} {item.get('person')}"


def _uid(item: dict[str, Any]) -> str:
    key = f"{item.get('person_id')}|{item.get('reason')}|{item.get('evidence_url') or item.get('evidence_date')}"
    return hashlib.sha1(key.encode()).hexdigest()[:20] + "@listenwell"


def reach_out_calendar(items: Iterable[dict[str, Any]], config, day: date | None = None,
                       base_url: str | None = None) -> bytes:
    """An RFC 5545 calendar of the reach-out ``items`` (as ``ReachOut.to_dict()`` gives them), each an
    all-day event on ``day`` (default: today where the config's schedule.timezone is)."""
    now = config.now()
    day = day or now.astimezone(config.tz).date()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Reach out · {config.me.name}")
    cal.add("x-published-ttl", "PT6H")
    stamp = now.astimezone(timezone.utc) if isinstance(now, datetime) else datetime.now(timezone.utc)
    for item in items:
        event = Event()
        event.add("uid", _uid(item))
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", event_title(item))
        lines = [item.get("sentence") or ""]
        if item.get("evidence_text"):
            lines.append(f"“{item['evidence_text']}”")
        link = safe_url(item.get("evidence_url"))
        if link:
            lines.append(link)
            event.add("url", link)
        if base_url and item.get("person_id"):
            lines.append(f"{base_url.rstrip('/')}/people/{item['person_id']}")
        event.add("description", "\n\n".join(line for line in lines if line))
        event.add("categories", [c for c in (item.get("reason"), item.get("action")) if c])
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
        cal.add_component(event)
    return cal.to_ical()
