"""Who a post is about: our brand, our competitors, neither. One pass over the text.

``BrandMatcher`` puts every configured name, alias, exclusion phrase and our handles into one
Aho-Corasick automaton (pyahocorasick, as ``nlp/prefilter.py``) and walks the case-folded post once.
Each hit is then checked where it sits:

- a name matches as a whole phrase: the characters around it are not letters, digits or ``_``
  ("Fernhill's", "(Fernhill)" and "Fernhill-powered" match; "fernhillfan99" and "Fernhills" do not);
- never inside a handle, an e-mail address or a link ("@fernhillfan", "fernhill@example.com",
  "https://x.example/fernhill"), nor as ``u/…`` or ``r/…``;
- ``#Fernhill`` matches, and so does a hashtag of a name with spaces squeezed out (``#FernhillAnalytics``);
- case never matters, and runs of whitespace count as one space;
- ``r/Fernhill`` names the brand (a subreddit named after it), and a post in such a subreddit is about it;
- a link or an e-mail address on one of our own domains (``me.blog_urls``' hosts) names us.

Exclusions keep a name's other meanings out. A phrase that contains one of the owner's names ("Fernhill
Park") cancels only the occurrences of the name it covers, so "walked through Fernhill Park, then fixed my
Fernhill dashboard" is still about us. A phrase that contains none of them ("golf club") drops the owner
from any post that uses it. An ``@author`` or ``r/subreddit`` drops the owner from that author's posts or
that subreddit's.

The matcher is pure: text (and optionally author and subreddit) in, ``BrandMatch`` out. The tag job and
``brand_fields`` (what ``listenwell nlp tag`` prints) both use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import ahocorasick

US = 0  # owner index of our own brand; competitors are 1..n in config order

_NAME, _TAG, _EXCLUDE, _HANDLE, _DOMAIN = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class BrandMatch:
    about_us: bool = False
    competitors: tuple[str, ...] = ()  # configured competitor names (their ``name``), in config order
    handles: tuple[str, ...] = ()      # our handles written in the text ("@fernhillhq", "u/fernhill_team")

    @property
    def to_us_in_text(self) -> bool:
        return bool(self.handles)


NO_MATCH = BrandMatch()


@dataclass
class _Owner:
    label: str
    names: list[str]
    covering: list[str] = field(default_factory=list)   # exclusion phrases that contain one of the names
    anywhere: list[str] = field(default_factory=list)   # exclusion phrases that do not
    authors: frozenset[str] = frozenset()
    subreddits: frozenset[str] = frozenset()




def normalise(text: str) -> str:
    """Lower case, one space for any run of whitespace, straight apostrophes. (Splitting and joining
    every post costs more than the automaton's pass: only posts with odd spacing pay for it.)"""
    folded = text.lower()
    if "  " in folded or not folded.isprintable():  # no whitespace but single plain spaces: nothing to do
        folded = " ".join(folded.split())
    return folded.replace("\u2019", "'") if "\u2019" in folded else folded


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _starts_clean(t: str, start: int, hashtag_only: bool) -> bool:
    """Whether a hit beginning at ``start`` begins a word (or a hashtag), outside handles and links.
    ``r/Name`` names the brand too: a subreddit named after it."""
    if start == 0:
        return not hashtag_only
    before = t[start - 1]
    if before == "/" and start >= 2 and t[start - 2] == "r" \
            and (start == 2 or t[start - 3] in " /(\"'"):
        return True  # "r/Fernhill", "/r/fernhill"
    if before == "#":
        hashtag = True
        start -= 1  # the token check below looks at what precedes the '#'
        if start > 0 and (_is_word(t[start - 1]) or t[start - 1] in "@#/"):
            return False  # "a#fernhill", "@#…", "/#anchor"
    else:
        hashtag = False
        if _is_word(before) or before == "@":
            return False  # inside a word or a handle ("@fernhillfan")
        if before == "/":
            token = t[t.rfind(" ", 0, start) + 1:start - 1]
            if token in ("u", "r", "/u", "/r") or "." in token or ":" in token or not token:
                return False  # "u/…", "r/…", a path in a link; "Looker/Metabase" is two names
    if hashtag_only and not hashtag:
        return False
    token_start = t.rfind(" ", 0, start) + 1
    if token_start < start:
        token = t[token_start:start]
        if "@" in token or "://" in token or token.startswith("www."):
            return False  # an e-mail address, a handle with a prefix, a link
    return True


def _ends_clean(t: str, end: int) -> bool:
    """Whether a hit ending before ``end`` ends a word: "fernhill's" yes, "fernhillfan99" no."""
    if end >= len(t):
        return True
    after = t[end]
    return not (_is_word(after) or after == "@")


class BrandMatcher:
    """Built once from config (``from_config``) or plain values; ``match`` is one pass over a post."""

    def __init__(self, us: dict[str, Any] | None, competitors: Iterable[dict[str, Any]] = (),
                 our_handles: dict[str, Iterable[str]] | None = None, our_domains: Iterable[str] = ()):
        self.owners: list[_Owner] = [self._owner("us", us or {"names": []})]
        self.owners += [self._owner(c["name"], c) for c in competitors]
        self.competitor_names = tuple(o.label for o in self.owners[1:])
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[int, int]]] = {}

        def add(phrase: str, kind: int, owner: int) -> None:
            key = normalise(phrase)
            if key:
                entries.setdefault(key, []).append((kind, owner))

        for index, owner in enumerate(self.owners):
            for name in owner.names:
                add(name, _NAME, index)
                squeezed = "".join(ch for ch in normalise(name) if _is_word(ch))
                if squeezed != normalise(name) and squeezed:
                    add(squeezed, _TAG, index)  # "#FernhillAnalytics"
            for phrase in owner.covering + owner.anywhere:
                add(phrase, _EXCLUDE, index)
                if " " in normalise(phrase):  # "Fernhill-Park", "fernhill-park.example" say the same
                    add(normalise(phrase).replace(" ", "-"), _EXCLUDE, index)
        for platform, handles in (our_handles or {}).items():
            prefix = {"x": "@", "reddit": "u/"}.get(platform)
            for handle in handles if prefix else ():
                add(prefix + handle, _HANDLE, US)
        for domain in our_domains or ():
            add(domain, _DOMAIN, US)  # a link or an address on our own domain names us
        self.empty = not entries
        for key, owners in entries.items():
            self._automaton.add_word(key, (len(key), tuple(owners)))
        if not self.empty:
            self._automaton.make_automaton()
        self.has_author_rules = any(o.authors or o.subreddits for o in self.owners)
        self._anywhere = [{v for p in o.anywhere for v in (normalise(p), normalise(p).replace(" ", "-"))}
                          for o in self.owners]
        # a subreddit named after a brand (r/FernhillAnalytics) is about that brand, whatever a post there says
        self._subreddit_owner = {"".join(ch for ch in normalise(n) if _is_word(ch)): i
                                 for i, o in reversed(list(enumerate(self.owners))) for n in o.names}

    @staticmethod
    def _owner(label: str, spec: dict[str, Any]) -> _Owner:
        names = [spec["name"], *spec.get("aliases", [])] if "name" in spec else list(spec.get("names", []))
        owner = _Owner(label, [n for n in names if n and n.strip()])
        authors, subreddits = set(), set()
        for item in spec.get("exclude", []) or []:
            item = item.model_dump() if hasattr(item, "model_dump") else item
            if isinstance(item, str):
                item = {"phrase": item}
            if item.get("author"):
                authors.add(item["author"].lower().lstrip("@"))
            elif item.get("subreddit"):
                subreddits.add(item["subreddit"].lower())
            elif item.get("phrase"):
                phrase = item["phrase"]
                probe = BrandMatcher({"names": owner.names})
                covers = probe._spans(normalise(phrase))
                (owner.covering if covers else owner.anywhere).append(phrase)
        owner.authors, owner.subreddits = frozenset(authors), frozenset(subreddits)
        return owner

    @classmethod
    def from_config(cls, config) -> "BrandMatcher":
        return cls(**matcher_spec(config))

    def _hits(self, t: str) -> list[tuple[int, int, int, int]]:
        """(kind, owner, start, end) of every well-bounded hit in normalised text ``t``."""
        hits = []
        for end_index, (length, owners) in self._automaton.iter(t):
            start, end = end_index - length + 1, end_index + 1
            if not _ends_clean(t, end):
                continue
            for kind, owner in owners:
                if kind == _HANDLE:
                    ok = start == 0 or not (_is_word(t[start - 1]) or t[start - 1] == "@")  # ".@h", "/u/h"
                elif kind == _DOMAIN:
                    ok = start == 0 or t[start - 1] in " ./@(<\"'" and (end >= len(t) or t[end] != "-")
                else:
                    ok = _starts_clean(t, start, hashtag_only=kind == _TAG)
                if ok:
                    hits.append((kind, owner, start, end))
        return hits

    def _spans(self, t: str) -> list[tuple[int, int, int]]:
        return [(o, s, e) for k, o, s, e in self._hits(t) if k in (_NAME, _TAG)] if not self.empty else []

    def match(self, text: str, author: str | None = None, subreddit: str | None = None) -> BrandMatch:
        if self.empty:
            return NO_MATCH
        t = normalise(text or "")
        names: list[tuple[int, int, int]] = []
        excluded: list[tuple[int, int, int]] = []
        handles: list[str] = []
        for kind, owner, start, end in self._hits(t):
            if kind == _EXCLUDE:
                excluded.append((owner, start, end))
            elif kind == _HANDLE:
                handles.append(t[start:end].lstrip("/"))
            elif kind == _DOMAIN:
                names.append((owner, -1, -1))  # never inside an exclusion's span
            else:
                names.append((owner, start, end))
        home = self._subreddit_owner.get(subreddit.lower()) if subreddit else None
        if home is not None:
            names.append((home, -1, -1))
        if not names:
            return BrandMatch(handles=tuple(dict.fromkeys(handles))) if handles else NO_MATCH
        found: set[int] = set()
        for owner, start, end in names:
            if owner in found:
                continue
            if any(o == owner and xs <= start and end <= xe for o, xs, xe in excluded):
                continue  # "Fernhill" inside "Fernhill Park"
            found.add(owner)
        for owner, xs, xe in excluded:
            if owner in found and t[xs:xe] in self._anywhere[owner]:
                found.discard(owner)  # "golf club" anywhere drops the owner from the post
        if self.has_author_rules and (author or subreddit):
            who = (author or "").lower()
            where = (subreddit or "").lower()
            for owner in list(found):
                rules = self.owners[owner]
                if (who and (who in rules.authors or who.rsplit("@", 1)[0] in rules.authors)) \
                        or (where and where in rules.subreddits):
                    found.discard(owner)
        if not found and not handles:
            return NO_MATCH
        return BrandMatch(about_us=US in found,
                          competitors=tuple(self.owners[i].label for i in sorted(found) if i != US),
                          handles=tuple(dict.fromkeys(handles)))

    def match_many(self, rows: Iterable[tuple[str, str | None, str | None]]) -> list[BrandMatch]:
        return [self.match(text, author, subreddit) for text, author, subreddit in rows]


def matcher_spec(config) -> dict[str, Any]:
    """Plain values (picklable, for the tag job's worker processes) from a ``Config``."""
    brand = config.brand
    return {
        "us": {"names": list(brand.names), "exclude": [e.model_dump() for e in brand.exclude]} if brand else None,
        "competitors": [{"name": c.name, "aliases": list(c.aliases), "exclude": [e.model_dump() for e in c.exclude]}
                        for c in config.competitors],
        "our_handles": {p: sorted(h) for p, h in config.our_handles().items()},
        "our_domains": our_domains(config.me.blog_urls) if brand else [],  # no brand: nothing is about us
    }


def our_domains(urls: Iterable[str]) -> list[str]:
    """The domains our links live on, from me.blog_urls: "https://blog.fernhill.example/" → fernhill.example
    (its last two labels, so every subdomain counts too)."""
    from urllib.parse import urlparse

    found = []
    for url in urls:
        host = (urlparse(url).hostname or "").lower()
        labels = host.split(".")
        if len(labels) >= 2:
            found.append(".".join(labels[-2:]))
    return sorted(set(found))


def brand_fields(text: str, config=None, *, matcher: BrandMatcher | None = None, author: str | None = None,
                 subreddit: str | None = None, addressed: bool = False) -> dict[str, Any]:
    """``to_us``, ``about_us`` and ``competitors`` for one text, as ``listenwell nlp tag`` prints them.

    ``addressed``: the post is known to be to us from outside the text (a reply to our post, a comment
    on our blog); without it ``to_us`` means the text names one of our handles."""
    matcher = matcher or BrandMatcher.from_config(config)
    found = matcher.match(text, author, subreddit)
    return {"to_us": bool(addressed or found.handles), "about_us": found.about_us,
            "competitors": list(found.competitors)}
