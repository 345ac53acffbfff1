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
from functools import lru_cache
import re
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

KINDS = ("answer", "policy", "how-to", "known-issue")
RULES = ("sign-off", "private-details", "status-page", "avoid")
from collectors.platforms import names as _platform_names  # noqa: E402

PLATFORMS = _platform_names()
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
COMMON_ZIPF, RARE_ZIPF = 4.0, 2.5  # English frequency (Zipf scale) of a common word and of a rare one


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
    soft_coverage: float = 0.0  # coverage where a near word counts by its closeness ("ceiling" ~ "limit")
    semantic: float = 0.0  # cosine of the question's vector with the entry's closest phrasing (heading, Also:)
    lexical: float = 0.0  # the BM25 score alone
    missing: float = 0.0  # the weight share of the question's heaviest word the entry covers neither way
    agrees: int = 0  # how many of the two rankings (words alone, meaning alone) put this entry first (0..2)
    confidence: float = 0.0  # how sure the engine is that this entry answers the post (0..1, answer_gate.py)
    # the sentence model's reading (engagement/sentence_model.py), for a question searched ``deep``: the cosine of
    # the whole post with the entry's closest phrasing, and its lead over the best other entry's; None otherwise
    cosine: float | None = None
    cosine_lead: float = 0.0


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
        self._build_semantic()

    def _build_semantic(self) -> None:
        """Each entry's phrasings as vectors (heading, each Also:, its keywords), and its words' vectors."""
        from engagement.semantic import word_vectors

        self._wv = word_vectors()
        self._phrase_entry = np.zeros(0, dtype=np.int64)
        self._phrase_vecs = None
        self._vocab_vecs = None
        self._doc_vecs: list[np.ndarray] = []
        if self._wv is None:
            return
        owners, vecs = [], []
        for i, e in enumerate(self.entries):
            for phrase in [e.title, *e.also, " ".join(e.keywords)]:
                v = self._wv.sentence(terms(phrase))
                if v is not None:
                    owners.append(i)
                    vecs.append(v)
            self._doc_vecs.append(self._wv.matrix(sorted(self._doc_terms[i]))[1])
        self._vocab_stems, self._vocab_vecs = self._wv.matrix(sorted(self._vocab))
        self._phrase_entry = np.array(owners, dtype=np.int64)
        self._phrase_vecs = np.array(vecs, dtype=np.float32) if vecs else None

    # ------------------------------------------------------------------ reading
    @property
    def answers(self) -> list[Entry]:
        return [e for e in self.entries if not e.is_rule]

    def rules(self, rule: str, platform: str | None = None) -> list[Entry]:
        if getattr(self, "_rules_built", -1) != self.builds:
            self._rules = [e for e in self.entries if e.is_rule]
            self._rules_built = self.builds
        return [e for e in self._rules if e.rule == rule and (platform is None or not e.platforms
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

    def keyword_terms(self) -> list[tuple[str, str]]:
        """Every keyword of the file entries with its stemmed form ("row policy", "row polici"), cached per build."""
        if getattr(self, "_keywords_built", -1) != self.builds:
            seen: dict[str, str] = {}
            for e in self.entries:
                if e.is_rule or e.is_reply:
                    continue
                for k in e.keywords:
                    stemmed = " ".join(terms(k))
                    if stemmed and k.lower() not in seen:
                        seen[k.lower()] = (k, stemmed)
            self._keywords = list(seen.values())
            self._keywords_built = self.builds
        return self._keywords

    def specificity(self, stemmed_phrase: str) -> float:
        """How specific a phrase of stems is to few entries: the sum of its words' IDF in the knowledge base."""
        return sum(self._idf.get(t, 0.0) for t in stemmed_phrase.split())

    def get(self, entry_id: str) -> Entry | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    def search(self, query: str, k: int = 3, *, answers_only: bool = True, english: bool = True,
               deep: bool = False) -> list[Hit]:
        """The best entries for a post, each with how much of the post's question it matches and how sure the
        engine is that it answers it.

        Ranking is hybrid: BM25 on the whole post (bm25s), plus the cosine of the question's vector with the entry's
        closest phrasing (static word vectors, engagement/semantic.py), so a paraphrase that shares few words still
        finds its entry. Coverage is measured on the question itself (the sentences that end in a question mark,
        with the sentence before when they only point back: "can it be grouped?"), so context does not drown it.

        ``deep`` (a question in English, when the sentence model is installed): the best few entries are re-ranked
        by a sentence transformer's cosine between the whole post and each entry's closest phrasing, plus their
        score relative to the best (bench/retrieval_transformer.py measured it), and the gate reads the cosine
        too. It costs about 8 ms a post, so the composer asks for it only where an answer may follow."""
        if self._index is None:
            return []
        query_terms = list(dict.fromkeys(terms(query)))
        focus_terms = list(dict.fromkeys(terms(question_focus(query)))) or query_terms
        known = [t for t in query_terms if t in self._vocab]
        n = len(self.entries)
        lexical = self._index.get_scores(known) if known else np.zeros(n, dtype=np.float32)
        semantic = np.zeros(n, dtype=np.float32)
        wv = self._wv if english else None
        if wv is not None and self._vocab_vecs is not None:
            # a word the knowledge base never uses is looked for through its nearest words the knowledge base does
            # use ("ceiling" -> "limit"): BM25 is a sum over words, so each near word adds its score times closeness
            for t in focus_terms:
                r = wv.row.get(t)
                if t in self._vocab or r is None:
                    continue
                sims = self._vocab_vecs @ wv.vectors[r]
                for j in np.argsort(-sims)[:EXPAND_TOP]:
                    if sims[j] < EXPAND_MIN:
                        break
                    lexical = lexical + float(sims[j]) * self._index.get_scores([self._vocab_stems[j]])
        if wv is not None and self._phrase_vecs is not None:
            qv = wv.sentence(focus_terms)
            if qv is not None:
                semantic = np.full(n, -1.0, dtype=np.float32)
                np.maximum.at(semantic, self._phrase_entry, self._phrase_vecs @ qv)
                semantic = np.maximum(semantic, 0.0)
        if not known and not semantic.any():
            return []
        top_lexical = float(lexical.max()) if known else 0.0
        combined = (lexical / top_lexical if top_lexical > 0 else lexical) + SEMANTIC_WEIGHT * semantic

        def unseen_weight(t: str) -> float:
            # a word the knowledge base never uses weighs by how rare it is in English: "worried" little, "SFTP" a
            # lot (the rarity is English: another language's words are neither rare nor common to it)
            if t in COMMON or not english or any(c.isdigit() for c in t):
                return COMMON_WEIGHT
            zipf = self._wv.zipf(t) if self._wv is not None else None
            if zipf is None:
                return self._unseen_idf
            share = min(max((COMMON_ZIPF - zipf) / (COMMON_ZIPF - RARE_ZIPF), 0.0), 1.0)
            return COMMON_WEIGHT + share * (self._unseen_idf - COMMON_WEIGHT)

        weight = {t: self._idf.get(t, unseen_weight(t)) for t in focus_terms}
        total = sum(weight.values())
        rare = tuple(t for t in focus_terms if t not in self._idf and weight[t] > COMMON_WEIGHT)
        first_by_words = int(np.argmax(lexical)) if known else -1
        first_by_meaning = int(np.argmax(semantic)) if semantic.any() else -1
        order = np.argsort(-combined)[: max(k * 4, 12)]
        ranked: list[tuple[float, int]] = []
        for i in order:
            i = int(i)
            if combined[i] <= 0:
                break
            if answers_only and self.entries[i].is_rule:
                continue
            # what the entry is about (heading, phrasings, keywords) matched by the post weighs again: BM25 over
            # the whole text lets a long answer that mentions the words win over the entry that is about them
            head, doc = self._head_terms[i], self._doc_terms[i]
            head_weight = sum(self._idf.get(t, 0.0) for t in head) or 1.0
            head_cov = sum(self._idf.get(t, 0.0) for t in query_terms if t in head and t in doc) / head_weight
            ranked.append((float(combined[i]) * (1 + head_cov), i))
        ranked.sort(key=lambda r: -r[0])
        cosines = self._post_cosines(query) if deep and english else None
        if cosines is not None:
            files = [r for r in ranked if not self.entries[r[1]].is_reply][:RERANK_TOP]
            best = files[0][0] if files and files[0][0] > 0 else 1.0
            files = sorted(files, key=lambda r: -(float(cosines[r[1]]) + r[0] / best))
            ranked = files + [r for r in ranked if self.entries[r[1]].is_reply]
        # the knowledge files rank as written; the best team reply (kind "reply") comes after them, as the fallback
        files = [r for r in ranked if not self.entries[r[1]].is_reply][: max(k, 2)]
        replies = [r for r in ranked if self.entries[r[1]].is_reply][:1]
        hits: list[Hit] = []
        for score, i in files + replies:  # the measures the gate reads, for the few entries it may weigh
            doc = self._doc_terms[i]
            matched = tuple(t for t in focus_terms if t in doc)
            coverage = sum(weight[t] for t in matched) / total if total else 0.0
            near = wv.soft_match([t for t in focus_terms if t not in doc], self._doc_vecs[i]) if wv else {}
            soft = {t: 1.0 for t in matched} | {t: (c if c >= SOFT_MIN else 0.0) for t, c in near.items()}
            soft_coverage = sum(weight[t] * soft.get(t, 0.0) for t in focus_terms) / total if total else 0.0
            missing = max((weight[t] for t in focus_terms if soft.get(t, 0.0) < SOFT_MIN), default=0.0)
            about = tuple(t for t in matched if t in self._head_terms[i])
            cosine = lead = None
            if cosines is not None:
                cosine = round(float(cosines[i]), 3)
                lead = round(cosine - float(np.delete(cosines, i).max(initial=0.0)), 3)
            hits.append(Hit(self.entries[i], score, round(coverage, 3), matched, rare, about,
                            soft_coverage=round(soft_coverage, 3), semantic=round(float(semantic[i]), 3),
                            lexical=round(float(lexical[i]), 3), missing=round(missing / total, 3) if total else 0.0,
                            agrees=int(i == first_by_words) + int(i == first_by_meaning), cosine=cosine,
                            cosine_lead=lead or 0.0))
        from engagement.answer_gate import confidence

        second = max((h.score for h in hits[1:] if not h.entry.is_reply), default=0.0)
        hits = [Hit(**{**h.__dict__, "confidence": confidence(h, second if j == 0 else hits[0].score)})
                for j, h in enumerate(hits)]
        if cosines is not None:
            # read deep, an entry that is only second by score can be the one the gate is sure of ("is SSO on the
            # Team plan? and how long is the trial?": the whole post leans to the trial, its meaning to SSO)
            files_first = sorted((h for h in hits if not h.entry.is_reply), key=lambda h: -h.confidence)
            hits = files_first + [h for h in hits if h.entry.is_reply]
        if hits and hits[0].entry.is_reply:
            return hits[:k]  # no file entry matched at all
        return [h for h in hits if not h.entry.is_reply][:k] + [h for h in hits if h.entry.is_reply][: 1 if k > 1 else 0]


    # ------------------------------------------------------------------ the sentence model
    def _post_cosines(self, query: str) -> np.ndarray | None:
        """Per entry, the cosine of the post's sentence vector with the entry's closest phrasing; None when the
        sentence model is not installed. Phrasings are embedded once and kept by their text across rebuilds, so an
        edited file costs only its new phrasings."""
        from engagement import sentence_model

        model = sentence_model.load()
        if model is None or not self.entries:
            return None
        if getattr(self, "_deep_built", -1) != self.builds:
            known: dict[str, np.ndarray] = getattr(self, "_phrase_cache", {})
            owners, texts = [], []
            for i, e in enumerate(self.entries):
                for phrase in entry_phrasings(e):
                    owners.append(i)
                    texts.append(phrase)
            new = [t for t in dict.fromkeys(texts) if t not in known]
            for text, vector in zip(new, model.embed(new) if new else []):
                known[text] = vector
            self._phrase_cache = {t: known[t] for t in texts}
            self._deep_owner = np.array(owners, dtype=np.int64)
            self._deep_vecs = np.array([known[t] for t in texts], dtype=np.float32)
            self._deep_built = self.builds
        if not len(self._deep_owner):
            return None
        post = sentence_vector(query)
        cosines = np.full(len(self.entries), -1.0, dtype=np.float32)
        np.maximum.at(cosines, self._deep_owner, self._deep_vecs @ post)
        return np.maximum(cosines, 0.0)


@lru_cache(maxsize=4096)
def sentence_vector(text: str) -> np.ndarray | None:
    """One text's sentence-model vector (cached: a post's questions searched again, one by one, cost nothing
    more), or None without the model."""
    from engagement import sentence_model

    model = sentence_model.load()
    return None if model is None else model.embed([text])[0]


def entry_phrasings(entry: Entry) -> list[str]:
    """What the sentence model compares a post with: the heading, each ``Also:``, the short form and the first
    sentence of the answer (a team reply: the question it answered)."""
    if entry.is_reply:
        return [entry.title] if entry.title.strip() else []
    first = _first_sentence(entry.body) if entry.body.strip() else ""
    return [p for p in dict.fromkeys([entry.title, *entry.also, entry.short or "", first]) if p.strip()]


RERANK_TOP = 5  # the best entries by words and word vectors that the sentence model re-ranks
# ------------------------------------------------------------------------------- other languages
_GLOSSARY_FILE = Path(__file__).with_name("data") / "glossary.tsv"


def fold(text: str) -> str:
    """Lower case without accents: "épinglées" and "epinglees" are one word to the glossary."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def glossary() -> list[tuple[re.Pattern[str], str]]:
    """(a pattern over folded text, the English words it stands for), longest phrases first."""
    pairs = []
    for line in _GLOSSARY_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        english, words = line.split("\t", 1)
        for word in (w.strip() for w in words.split(",")):
            if word:
                body = re.escape(fold(word.rstrip("*"))) + (r"\w*" if word.endswith("*") else "")
                pairs.append((len(word), re.compile(rf"(?<!\w){body}(?!\w)"), english.strip()))
    return [(pattern, english) for _, pattern, english in sorted(pairs, key=lambda p: -p[0])]


def english_words(text: str, lang: str | None = None) -> tuple[str, float]:
    """What a post in another language asks, in the knowledge base's English words (engagement/data/glossary.tsv),
    with the words every language shares (CSV, Metabase, numbers) kept: "combien de temps dure l'essai gratuit ?"
    → "how long trial free"; and the share of the post's content words (its language's stop words aside) that
    were understood, so that a question mostly in words the glossary does not hold is not answered from the few it
    does ("une version en espagnol de l'interface ?")."""
    folded = fold(_NOISE.sub(" ", text))
    asked = " ".join(m.group(0) for m in re.finditer(r"[^.!?？\n]*[?？]", folded)) or folded  # the question itself
    found, rest = _translate(folded)
    shared = [w for w in _TOKEN.findall(text) if w.isupper() and len(w) > 1 or any(c.isdigit() for c in w)]
    kept = [w for w in _content_words(rest, lang) if w in _SHARED_WORDS]
    return " ".join(dict.fromkeys(found + shared + kept)), round(_understood(asked, lang), 3)


def _translate(folded: str) -> tuple[list[str], str]:
    """The English words the glossary finds in a folded text, and the text without them."""
    found = []
    for pattern, english in glossary():
        if pattern.search(folded):
            found.append(english)
            folded = pattern.sub(" \x00 ", folded)
    return found, folded


def _content_words(folded: str, lang: str | None) -> list[str]:
    return [w for w in _TOKEN.findall(folded) if w not in _stop_words(lang) and len(w) > 1]


def _understood(folded: str, lang: str | None) -> float:
    """The share of a folded text's content words the glossary translates or every language shares."""
    content = _content_words(folded, lang)
    if not content:
        return 0.0
    unknown = [w for w in _content_words(_translate(folded)[1], lang)
               if w not in _SHARED_WORDS and not any(c.isdigit() for c in w)]
    return 1 - len(unknown) / len(content)


_LANGUAGE_NAMES = {"pt": "PORTUGUESE", "de": "GERMAN", "es": "SPANISH", "fr": "FRENCH", "it": "ITALIAN",
                   "nl": "DUTCH", "sv": "SWEDISH", "da": "DANISH", "no": "NORWEGIAN"}


@lru_cache(maxsize=16)
def _stop_words(lang: str | None) -> frozenset[str]:
    name = _LANGUAGE_NAMES.get(lang or "")
    words = getattr(bm25s.stopwords, f"STOPWORDS_{name}", ()) if name else ()
    # the question words and fillers a stop-word list leaves in ("kurze frage", "bitte")
    extra = ("frage kurze bitte danke pergunta rapida duvida pregunta rapida question rapide petite domanda veloce "
             "vraag snelle kan man pode puede peut puo hay gibt existe fernhill fernhillhq")
    return frozenset(fold(w) for w in (*words, *extra.split()))


# product words other languages borrow as they are
_SHARED_WORDS = frozenset("""dashboard dashboards metabase looker lookml slack digest bigquery snowflake postgres
redshift duckdb motherduck csv pdf sso saml okta api cli yaml git export embed notion confluence sandbox sandboxes
workspace trial account service""".split())


EXPAND_MIN = 0.55  # a word at least this close to a knowledge-base word is looked for through it
EXPAND_TOP = 2
SEMANTIC_WEIGHT = 0.5  # the semantic cosine's weight against BM25 normalised to the best entry (chosen on dev data)
SOFT_MIN = 0.45  # a word this close to one of the entry's words counts as partly matched


_SENTENCE = re.compile(r"[^.!?？\n]*[?？]")


def question_focus(text: str) -> str:
    """The question sentences of a post ("… extract is 3M rows. What's the biggest CSV?" → the second); with the
    sentence before them when they only point back ("the Slack digest posts 15 messages. can it be grouped?")."""
    clean = _NOISE.sub(" ", text)
    found = list(_SENTENCE.finditer(clean))
    if not found:
        return _asked_without_a_mark(clean) or text
    question = " ".join(m.group(0).strip() for m in found)
    n = len(terms(question))
    if n >= 4 or (n == 3 and not _POINTS_BACK.search(found[0].group(0))):
        return question
    before = clean[: found[0].start()].strip()
    # a short question points back ("Do you?", "is there a shortcut?"): the sentences before say what it asks
    earlier = re.split(r"(?<=[.!?])\s+", before) if before else []
    focus = f"{' '.join(earlier[-2:] if n <= 2 else earlier[-1:])} {question}".strip()
    return focus if len(terms(focus)) >= 2 else text


def _asked_without_a_mark(text: str) -> str | None:
    """The sentences of a post that ask without a question mark ("any way to make it open on month to date",
    "I was wondering whether that one graph could stay current"), or None when none does."""
    from engagement.reading import asks

    sentences = [s for s in re.split(r"(?<=[.!])\s+|\n+", text) if s.strip()]
    asking = [s for s in sentences if asks(s)]
    if not asking or len(asking) == len(sentences):
        return None
    focus = " ".join(asking)
    return focus if len(terms(focus)) >= 3 else None


def question_sentences(text: str) -> list[str]:
    """Each question sentence of a post, in order."""
    return [m.group(0).strip() for m in _SENTENCE.finditer(_NOISE.sub(" ", text)) if len(terms(m.group(0))) >= 2]


_POINTS_BACK = re.compile(r"\b(it|that|this|those|these|them|they|there|one)\b", re.I)


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


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip(), maxsplit=1)[0]
