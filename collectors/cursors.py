"""One typed stream cursor, and a source's cursor in words.

``StreamCursor`` is what every stream of every collector is: a ``value`` (the newest position stored: an id,
a timestamp, an API cursor), the ``seen`` ids at that boundary (equal timestamps are neither lost nor
repeated), the ``lag`` (how far the newest stored item is behind the time of the run), whether a backlog
walk is in progress, and when a rate-limited stream may run again. New collectors keep their state in this
form; older ones (X, Reddit) declare how their own keys read as one (``SourceType.streams``), so
``listenwell sources`` never guesses.

``cursor_summary`` is the operator's view (offsets, since ids); ``where_it_stands`` says the same in the words
anyone uses (the web's Sources page).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

NAMED = {"threads": "{n} comment threads followed", "http": "cached validators (ETag/Last-Modified) for {n} URLs"}


@dataclass
class StreamCursor:
    stream: str
    value: str | int | float | None = None  # None: the stream has not stored anything yet
    seen: list[str] = field(default_factory=list)  # ids at the boundary, capped
    lag_seconds: float | None = None  # the run's time minus the newest stored item's time
    backlog: bool = False  # a walk down to ``value`` is in progress (pages left)
    retry_at: str | None = None  # ISO time: rate limited until then
    page: str | None = None  # where the backlog walk continues (an API's page cursor)
    pending: str | int | float | None = None  # the newest item of the walk in progress: ``value`` once it ends

    def to_state(self) -> dict[str, Any]:
        state = asdict(self)
        state.pop("stream")
        return {k: v for k, v in state.items() if v not in (None, False, [])}

    @classmethod
    def from_state(cls, stream: str, state: Mapping[str, Any] | None) -> "StreamCursor":
        state = state if isinstance(state, Mapping) else {}
        seen = state.get("seen")
        return cls(stream=stream, value=state.get("value"), seen=list(seen) if isinstance(seen, list) else [],
                   lag_seconds=state.get("lag_seconds"), backlog=bool(state.get("backlog")),
                   retry_at=state.get("retry_at"), page=state.get("page"), pending=state.get("pending"))

    def describe(self) -> str:
        where = "start" if self.value is None else str(self.value)
        lag = f", {_duration(self.lag_seconds)} behind" if isinstance(self.lag_seconds, (int, float)) else ""
        extra = ", backlog in progress" if self.backlog else ""
        wait = f", waiting until {self.retry_at}" if self.retry_at else ""
        return f"{self.stream}: since {where}{lag}{extra}{wait}"


def typed_streams(state: Mapping[str, Any]) -> list[StreamCursor]:
    """The streams of a state kept in ``StreamCursor`` form (``{"streams": {name: {...}}}``)."""
    streams = state.get("streams") if isinstance(state, Mapping) else None
    if not isinstance(streams, dict):
        return []
    return [StreamCursor.from_state(name, st) for name, st in streams.items()]


def _duration(seconds: float) -> str:
    seconds = max(float(seconds), 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


def cursor_summary(cursor: dict, streams: Callable[[Mapping[str, Any]], list[StreamCursor]] | None = None,
                   ) -> list[str]:
    """A few lines a person can read: per stream or file where it stands, never the raw seen ids.

    ``streams``: how this source type's state reads as stream cursors (its ``SourceType.streams``); by
    default the typed form."""
    if not cursor:
        return ["(none yet)"]
    lines = [s.describe() for s in (streams or typed_streams)(cursor)]
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


def summary_for(source_type: str | None, cursor: dict) -> list[str]:
    """``cursor_summary`` with the reading the source's type declares (collectors/platforms/)."""
    from collectors import platforms

    found = platforms.source_type(source_type) if source_type else None
    return cursor_summary(cursor, found[1].streams if found and found[1].streams else None)


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
