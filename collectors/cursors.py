"""A source's cursor in words: where each stream or file stands, never the raw seen ids."""
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
