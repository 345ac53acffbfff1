"""The knowledge base replies are written from: Markdown files, plus the replies the team approved, edited or sent.

A folder of ``*.md`` files; each ``## heading`` is one entry (a question and its answer, a policy, a how-to, a
known issue, a house rule). Right under the heading, optional ``Key: value`` lines describe it::

    ## How is data volume counted?
    Also: rows scanned or rows stored | the pricing page is vague about volume
    Keywords: data volume, rows scanned, caching
    Link: https://fernhill.example/pricing#data-volume
    Short: Data volume is rows scanned per month, after caching.

    Data volume is the number of rows our queries scan in your warehouse each month, after caching. …

The body is the answer in the team's words; ``Short:`` is the version for short platforms (else the body is cut
at a sentence). ``Kind:`` is answer (default), policy, how-to or known-issue; ``Rule:`` makes the entry a house
rule the composer follows (sign-off, private-details, status-page, avoid). ``README.md`` is not read.

Indexing is incremental: :meth:`KnowledgeBase.refresh` re-reads only files whose size, mtime or content hash
changed, and rebuilds the BM25 index (bm25s, Snowball stemming) only when an entry changed.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

KINDS = ("answer", "policy", "how-to", "known-issue")
RULES = ("sign-off", "private-details", "status-page", "avoid")
PLATFORMS = ("x", "reddit", "blog")
_KEYS = ("also", "keywords", "link", "short", "kind", "rule", "platforms", "words")
_KEY_LINE = re.compile(r"^(" + "|".join(_KEYS) + r")\s*:\s*(.*)$", re.I)
_URL = re.compile(r"https?://[^\s<>()\"']+[^\s<>()\"'.,;:!?]", re.I)
_HTTP = re.compile(r"^https?://[^\s/]+\.[^\s]+$", re.I)


class KnowledgeError(Exception):
    """The knowledge folder is missing or unreadable. The message names the path."""


@dataclass(frozen=True)
class KnowledgeWarning:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    body: str
    kind: str = "answer"  # answer | policy | how-to | known-issue | rule | reply
    short: str | None = None
    link: str | None = None
    rule: str | None = None
    also: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    file: str = ""
    line: int = 0
    section: str = ""
    when: str | None = None  # a team reply: the date it was written

    @property
    def is_rule(self) -> bool:
        return self.kind == "rule"

    @property
    def is_reply(self) -> bool:
        return self.kind == "reply"

    def urls(self) -> set[str]:
        found = set(_URL.findall(self.body)) | set(_URL.findall(self.short or ""))
        if self.link:
            found.add(self.link)
        return found

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "kind": self.kind, "rule": self.rule, "link": self.link,
                "short": self.short, "body": self.body, "keywords": list(self.keywords), "also": list(self.also),
                "file": self.file, "line": self.line}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "entry"


def _split(value: str, sep: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(sep) if v.strip())


def parse_markdown(text: str, file: str) -> tuple[list[Entry], list[KnowledgeWarning]]:
    """Entries of one file, and a warning (file and line) for each entry skipped as malformed."""
    entries: list[Entry] = []
    warnings: list[KnowledgeWarning] = []
    section = ""
    stem = file.rsplit("/", 1)[-1].removesuffix(".md")
    seen: set[str] = set()
    blocks: list[tuple[str, int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            blocks.append((line[3:].strip(), number, []))
        elif line.startswith("# ") and not blocks:
            section = line[2:].strip()
        elif line.startswith("# "):
            section = line[2:].strip()
            blocks.append(("", -number, []))  # a new file-level title closes the entry before it
        elif blocks:
            blocks[-1][2].append(line)
    for title, number, lines in blocks:
        if number < 0:
            continue
        entry, problem = _entry(title, number, lines, file, stem, section)
        if problem:
            warnings.append(KnowledgeWarning(file, number, f"entry '{title or '(no heading)'}' {problem}; skipped"))
            continue
        if entry.id in seen:
            entry = Entry(**{**entry.__dict__, "id": f"{entry.id}-{number}"})
        seen.add(entry.id)
        entries.append(entry)
    return entries, warnings


def _entry(title: str, number: int, lines: list[str], file: str, stem: str, section: str
           ) -> tuple[Entry | None, str | None]:
    if not title:
        return None, "has an empty heading"
    meta: dict[str, str] = {}
    body_lines: list[str] = []
    in_meta = True
    for line in lines:
        match = _KEY_LINE.match(line.strip()) if in_meta else None
        if match:
            meta[match.group(1).lower()] = match.group(2).strip()
            continue
        if in_meta and not line.strip():
            continue
        in_meta = False
        body_lines.append(line.rstrip())
    body = "\n".join(body_lines).strip()
    body = re.sub(r"\n{3,}", "\n\n", body)
    kind = meta.get("kind", "answer").lower()
    rule = meta.get("rule", "").lower() or None
    link = meta.get("link") or None
    if rule is not None:
        if rule not in RULES:
            return None, f"has an unknown Rule '{rule}' (expected one of {', '.join(RULES)})"
        kind = "rule"
    elif kind not in KINDS:
        return None, f"has an unknown Kind '{kind}' (expected one of {', '.join(KINDS)})"
    if link is not None and not _HTTP.match(link):
        return None, f"has a Link that is not an http(s) URL ({link[:60]!r})"
    platforms = tuple(p.lower() for p in _split(meta.get("platforms", ""), ","))
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown:
        return None, f"names an unknown platform '{unknown[0]}' (expected x, reddit, blog)"
    if rule == "status-page" and not link:
        return None, "is the status-page rule but has no Link"
    if rule == "avoid" and not meta.get("words"):
        return None, "is the avoid rule but has no Words"
    if not body and rule not in ("status-page", "avoid"):
        return None, "has no answer text"
    return Entry(
        id=f"{stem}#{slug(title)}", title=title, body=body, kind=kind, short=meta.get("short") or None,
        link=link, rule=rule, also=_split(meta.get("also", ""), "|"), keywords=_split(meta.get("keywords", ""), ","),
        platforms=platforms, words=tuple(w.lower() for w in _split(meta.get("words", ""), ",")),
        file=file, line=number, section=section,
    ), None


# ----------------------------------------------------------------------------------------------- retrieval
_STEMMER = Stemmer.Stemmer("english")
# words that say nothing about what is asked: English stop words, and the filler of questions to a company
STOP = frozenset(bm25s.stopwords.STOPWORDS_EN) | frozenset("""
a about above after again all also am an and any anyone anybody anything are aren as at be because been
before being below between both but by can could couldn did didn do does doesn doing don down during each
else ever every few for from further get gets getting got had has have having he her here hers him his how
i if im i'm in into is isn it its it's just know let like ll me might more most much must my need needs no
nor not now of off ok okay on once one only or other our ours out over own please pls re really right s same
say see she should so some someone something still such sure t than thank thanks that the their them then
there these they this those through to too u under until up us use using ve very want was wasn way we well
were weren what whats when where which while who whom why will with won would wouldn yes yet you your yours
hi hey hello quick q question questions team guys folks anyone anybody fernhill fernhillhq fernhill_team tell
wondering asking ask curious
""".split())
# general English: a word the knowledge base never uses weighs little when it is this common ("worried", "part")
# and a lot when it is not ("SFTP", "HIPAA"): a post about something the knowledge base does not cover is found
# out by its rare words
_COMMON_FILE = Path(__file__).with_name("data") / "common_words.txt"
_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", re.I)
_NOISE = re.compile(r"https?://\S+|(?<!\w)[@#]\w+|\bu/\w+", re.I)


def _common() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    words = [w.strip() for w in lines if w.strip() and not w.startswith("#")]
    return frozenset(_STEMMER.stemWords(words))


COMMON = _common()
COMMON_WEIGHT = 1.0


def terms(text: str) -> list[str]:
    """Stemmed content words: what retrieval matches on."""
    words = [w for w in _TOKEN.findall(_NOISE.sub(" ", text).lower()) if w not in STOP and len(w) > 1]
    return _STEMMER.stemWords([w.replace("'", "") for w in words])


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float
    coverage: float  # the share of the question's information (IDF) this entry matches
    matched: tuple[str, ...]
    rare: tuple[str, ...] = ()  # uncommon words of the question the knowledge base never uses ("SFTP", "HIPAA")
    about: tuple[str, ...] = ()  # the question's words that name what the entry is about (heading, keywords)


@dataclass
class _File:
    mtime_ns: int
    size: int
    digest: str
    entries: list[Entry]
    warnings: list[KnowledgeWarning]


class KnowledgeBase:
    """The entries of a knowledge folder (re-read incrementally) and the team's own replies, searchable."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else None
        self._files: dict[str, _File] = {}
        self._learned: list[Entry] = []
        self.entries: list[Entry] = []
        self.warnings: list[KnowledgeWarning] = []
        self._index: bm25s.BM25 | None = None
        self._idf: dict[str, float] = {}
        self._doc_terms: list[frozenset[str]] = []
        self.builds = 0  # how many times the index was rebuilt (the incremental tests count them)
        self.refresh()

    # ------------------------------------------------------------------ loading
    @staticmethod
    def check_folder(folder: Path) -> None:
        if not folder.exists():
            raise KnowledgeError(f"knowledge folder {folder} does not exist")
        if not folder.is_dir():
            raise KnowledgeError(f"knowledge folder {folder} is not a folder")
        try:
            next(folder.iterdir(), None)
        except OSError as exc:
            raise KnowledgeError(f"knowledge folder {folder} cannot be read ({exc.strerror})") from None

    def refresh(self) -> bool:
        """Re-read what changed on disk. True when the entries changed."""
        if self.folder is None:
            return self._rebuild_if(False)
        self.check_folder(self.folder)
        changed = False
        present: set[str] = set()
        for path in sorted(self.folder.rglob("*.md")):
            if path.name.lower() == "readme.md" or not path.is_file():
                continue
            name = path.relative_to(self.folder).as_posix()
            present.add(name)
            try:
                stat = path.stat()
                known = self._files.get(name)
                if known and known.mtime_ns == stat.st_mtime_ns and known.size == stat.st_size:
                    continue
                raw = path.read_bytes()
            except OSError as exc:
                self._files[name] = _File(0, -1, "", [], [KnowledgeWarning(name, 0, f"cannot be read "
                                                                             f"({exc.strerror}); skipped")])
                changed = True
                continue
            digest = hashlib.sha256(raw).hexdigest()
            if known and known.digest == digest:
                known.mtime_ns, known.size = stat.st_mtime_ns, stat.st_size
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                self._files[name] = _File(stat.st_mtime_ns, stat.st_size, digest, [],
                                          [KnowledgeWarning(name, line, "is not UTF-8 text; file skipped")])
                changed = True
                continue
            entries, warnings = parse_markdown(text, name)
            self._files[name] = _File(stat.st_mtime_ns, stat.st_size, digest, entries, warnings)
            changed = True
        for gone in set(self._files) - present:
            del self._files[gone]
            changed = True
        return self._rebuild_if(changed)

    def set_learned(self, entries: list[Entry]) -> bool:
        """The team's own replies (rebuilt only when they changed)."""
        if [e.id for e in entries] == [e.id for e in self._learned] and entries == self._learned:
            return False
        self._learned = list(entries)
        return self._rebuild_if(True)

    def _rebuild_if(self, changed: bool) -> bool:
        if not changed and self._index is not None:
            return False
        self.entries = [e for f in self._files.values() for e in f.entries] + self._learned
        self.warnings = [w for f in self._files.values() for w in f.warnings]
        self._build()
        return True

    def _build(self) -> None:
        self.builds += 1
        docs = [terms(_document(e)) or ["∅"] for e in self.entries]
        self._doc_terms = [frozenset(d) for d in docs]
        self._head_terms = [frozenset(terms(" ".join([e.title, *e.also, *e.keywords]))) for e in self.entries]
        if not docs:
            self._index, self._idf = None, {}
            return
        index = bm25s.BM25()
        index.index(docs, show_progress=False)
        n = len(docs)
        df: dict[str, int] = {}
        for d in self._doc_terms:
            for t in d:
                df[t] = df.get(t, 0) + 1
        self._idf = {t: float(np.log(1 + (n - c + 0.5) / (c + 0.5))) for t, c in df.items()}
        self._unseen_idf = float(np.log(1 + (n + 0.5) / 0.5))
        self._index = index
        self._vocab = index.vocab_dict

    # ------------------------------------------------------------------ reading
    @property
    def answers(self) -> list[Entry]:
        return [e for e in self.entries if not e.is_rule]

    def rules(self, rule: str, platform: str | None = None) -> list[Entry]:
        return [e for e in self.entries if e.rule == rule and (platform is None or not e.platforms
                                                                or platform in e.platforms)]

    def sign_off(self, platform: str) -> str | None:
        found = self.rules("sign-off", platform)
        return found[0].body.strip() if found else None

    @property
    def status_page(self) -> str | None:
        found = self.rules("status-page")
        return found[0].link if found else None

    def private_details_ask(self) -> str | None:
        found = self.rules("private-details")
        return found[0].body.strip() if found else None

    @property
    def avoid_words(self) -> tuple[str, ...]:
        return tuple(w for e in self.rules("avoid") for w in e.words)

    def urls(self) -> set[str]:
        return {u for e in self.entries for u in e.urls()}

    def get(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def search(self, query: str, k: int = 3, *, answers_only: bool = True, english: bool = True) -> list[Hit]:
        """The best entries for a post, each with how much of the post's question it matches.

        BM25 ranks on the whole post; coverage is measured on the question itself (the sentences that end in a
        question mark, when there are any), so the context around a question does not drown it."""
        if self._index is None:
            return []
        query_terms = list(dict.fromkeys(terms(query)))
        known = [t for t in query_terms if t in self._vocab]
        if not known:
            return []
        scores = self._index.get_scores(known)
        focus_terms = list(dict.fromkeys(terms(question_focus(query)))) or query_terms

        def unseen_weight(t: str) -> float:
            # the rarity list is English: another language's words are neither rare nor common to it
            return COMMON_WEIGHT if (t in COMMON or not english or any(c.isdigit() for c in t)) else self._unseen_idf

        weight = {t: self._idf.get(t, unseen_weight(t)) for t in focus_terms}
        total = sum(weight.values())
        rare = tuple(t for t in focus_terms if t not in self._idf and weight[t] > COMMON_WEIGHT)
        order = np.argsort(-scores)[: max(k * 4, 12)]
        hits: list[Hit] = []
        for i in order:
            i = int(i)
            if scores[i] <= 0:
                break
            entry = self.entries[i]
            if answers_only and entry.is_rule:
                continue
            doc = self._doc_terms[i]
            matched = tuple(t for t in focus_terms if t in doc)
            coverage = sum(weight[t] for t in matched) / total if total else 0.0
            # what the entry is about (heading, phrasings, keywords) matched by the post weighs again: BM25 over
            # the whole text lets a long answer that mentions the words win over the entry that is about them
            head = self._head_terms[i]
            head_weight = sum(self._idf.get(t, 0.0) for t in head) or 1.0
            head_cov = sum(self._idf.get(t, 0.0) for t in query_terms if t in head and t in doc) / head_weight
            about = tuple(t for t in matched if t in head)
            hits.append(Hit(entry, float(scores[i]) * (1 + head_cov), round(coverage, 3), matched, rare, about))
        hits.sort(key=lambda h: -h.score)
        return hits[:k]


_SENTENCE = re.compile(r"[^.!?？\n]*[?？]")


def question_focus(text: str) -> str:
    """The question sentences of a post ("… extract is 3M rows. What's the biggest CSV?" → the second)."""
    found = " ".join(m.group(0) for m in _SENTENCE.finditer(_NOISE.sub(" ", text)))
    return found if len(terms(found)) >= 2 else text


def _document(entry: Entry) -> str:
    """What an entry is found by: its heading and the ways people ask it count twice, then keywords and text."""
    head = " ".join([entry.title, *entry.also])
    return " ".join([head, head, " ".join(entry.keywords), entry.short or "", entry.body])


_CACHE: dict[Path, KnowledgeBase] = {}


def knowledge_for(folder: Path | None) -> KnowledgeBase:
    """One knowledge base per folder per process, refreshed (incrementally) on every call."""
    if folder is None:
        return KnowledgeBase(None)
    folder = folder.resolve() if folder.exists() else folder
    kb = _CACHE.get(folder)
    if kb is None:
        kb = _CACHE[folder] = KnowledgeBase(folder)
    else:
        kb.refresh()
    return kb
