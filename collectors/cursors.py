"""A source's cursor in words: where each stream or file stands, never the raw seen ids.

``cursor_summary`` is the operator's view (offsets, since ids); ``where_it_stands`` says the same in the words
anyone uses (the web's Sources page)."""
from __future__ import annotations

from pathlib import Path

NAMED = {"threads": "{n} comment threads followed", "http": "cached validators (ETag/Last-Modified) for {n} URLs"}


def cursor_summary(cursor: dict) -> list[str]:
    """A few lines a person can read: per stream or file where it stands, never the raw seen ids."""
    if not cursor:
        return ["(none yet)"]
    lines = []
    streams = cursor.get("streams")
    if isinstance(streams, dict) and streams:
        for name, st in streams.items():
            st = st if isinstance(st, dict) else {}
            where = st.get("since_id") or st.get("last") or st.get("since") or "start"
            extra = ", backlog in progress" if st.get("next_token") else ""
            wait = f", waiting until {st['retry_at']}" if st.get("retry_at") else ""
            lines.append(f"{name}: since {where}{extra}{wait}")
    files = cursor.get("files")
    if isinstance(files, dict) and files:
        for name, st in files.items():
            st = st if isinstance(st, dict) else {}
            lines.append(f"{Path(name).name}: read to byte {st.get('offset', '?')} of {st.get('size', '?')}")
    for key, value in cursor.items():
        if key in ("streams", "files", "seen"):
            continue
        if key in NAMED and isinstance(value, (dict, list)):
            lines.append(NAMED[key].format(n=len(value)))
        elif isinstance(value, (dict, list)):
            lines.append(f"{key}: {len(value)} entr{'y' if len(value) == 1 else 'ies'}")
        else:
            text = f"{key}: {value}"
            lines.append(text if len(text) < 120 else text[:117] + "…")
    if "seen" in cursor and isinstance(cursor["seen"], (list, dict)):
        lines.append(f"{len(cursor['seen'])} seen ids kept")
    return lines


def _count(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(n // 1000, 1)} KB" if n else "nothing"


def where_it_stands(cursor: dict) -> list[str]:
    """Where a source stands, in words a person uses: how much of its files is read, which streams are
    caught up, how much it remembers so nothing is stored twice. Never offsets, ids or validators."""
    if not cursor:
        return ["Not read yet."]
    lines = []
    files = cursor.get("files") if isinstance(cursor.get("files"), dict) else {}
    if files:
        left = sum(max(int(f.get("size") or 0) - int(f.get("offset") or 0), 0) for f in files.values()
                   if isinstance(f, dict))
        done = sum(1 for f in files.values() if isinstance(f, dict) and f.get("offset") == f.get("size"))
        if done == len(files):
            lines.append(f"All {_count(len(files), 'file')} read to the end; new lines are read on the next run.")
        else:
            lines.append(f"{done} of {_count(len(files), 'file')} read to the end; {_size(left)} still to read.")
    streams = cursor.get("streams") if isinstance(cursor.get("streams"), dict) else {}
    for name, st in streams.items():
        st = st if isinstance(st, dict) else {}
        label = str(name).replace("_", " ")
        if st.get("retry_at"):
            lines.append(f"{label}: resting after a rate limit, until {st['retry_at']}.")
        elif st.get("next_token"):
            lines.append(f"{label}: catching up on a backlog, a few pages each run.")
        elif st.get("since_id") or st.get("last") or st.get("since"):
            lines.append(f"{label}: caught up; the next run reads only what is new.")
        else:
            lines.append(f"{label}: not read yet.")
    seen = cursor.get("seen")
    if isinstance(seen, (list, dict)) and seen:
        lines.append(f"Remembers {_count(len(seen), 'post')} already read, so nothing is stored twice.")
    threads = cursor.get("threads")
    if isinstance(threads, dict) and threads:
        lines.append(f"Follows the comments on {_count(len(threads), 'post')}.")
    return lines or ["Up to date."]
