"""The composer: replies written from the post, the person and the knowledge base. Offline and deterministic.

For each post it reads what is asked or reported (engagement/reading.py), looks the question up in the knowledge
base, and writes two or three candidates, each with its reason and the entries it used:

* a question the knowledge base answers gets the entry's fact (its ``Short:`` form on X, the whole answer on Reddit
  and blogs) and the entry's link; a question it does not answer gets an offer to find out, never a guess;
* a complaint (sarcasm included) is acknowledged with its specifics (ticket, feature, failure, duration), an
  outage is pointed to the status page when the knowledge base names one; never cheered;
* praise is thanked, never apologised to; a happy moment is congratulated; a loss or an illness gets no public
  reply at all (the reach-out list suggests a personal note);
* the person is named, the relationship is used where it helps (an open ticket, the last conversation's subject),
  the house rules hold (sign-off, no request for personal details in public, words the team avoids), and every
  candidate fits the platform.

The composer copies from a post only the person's name and the specifics above; every other word comes from the
templates here or from the knowledge base, so a hostile post cannot make a reply carry its text or its links.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from collectors import platforms as _platforms
from engagement import answer_gate, platforms


def _short_form(platform: str) -> bool:
    """X-like platforms: the knowledge's short answers, the link bare."""
    found = _platforms.find(platform)
    return bool(found and found.short_form)


def _threads(platform: str) -> bool:
    found = _platforms.find(platform)
    return bool(found and found.threads)
from engagement.knowledge import (Entry, Hit, KnowledgeBase, english_words, question_focus, question_sentences,
                                  terms)
from engagement.reading import _REAL_COMPLAINT as _GRIEVANCE
from engagement.reading import CELEBRATED, FOREIGN, Reading, read_post, without_instructions

# a hit answers the post when it covers this share of the post's information (IDF-weighted content words);
# tuned on the bundled samples and tests/data/replies/dev.jsonl, never on the evaluation set
ANSWER_COVERAGE = 0.34
ANSWER_ABOUT = 1  # words of the question naming what the entry is about (its heading, phrasings, keywords)
ANSWER_SURE = 0.6  # ... unless the entry covers this much of the question
ANSWER_MIN_SCORE = 0.5
# words alone are this sure of an entry: the sentence model is not asked (it agrees, and costs ~7 ms a post)
SURE_BY_WORDS = 0.9
# the share of the content words of a question in another language the glossary must understand for it to be
# looked up; chosen on the development sets (their answerable questions 0.4-1.0, their find-outs 0-0.17)
UNDERSTOOD = 0.4
# what an answer on a short-form platform leaves room for: the person's name, the link (23) and a few words
_ROOM_AROUND_AN_ANSWER = 60
# what the reading names when the post says nothing more specific: a knowledge-base keyword of two words or more
# that the post names ("the usage report") is said instead
_GENERAL_FEATURES = frozenset({"dashboards", "billing", "pricing", "support", "checks", "exports"})
# a weaker hit is still cited when the post is a complaint about the same subject
SUBJECT_COVERAGE = 0.25


@dataclass
class Relationship:
    """What the relationship holds that a reply can use."""

    last_when: str | None = None  # "on 12 Nov", "in October"
    last_subject: str | None = None  # "dark mode", "the EU export delays"
    open_issue: str | None = None  # "ticket #48213", "the failed exports you reported on 18 Nov"
    key_client: bool = False


@dataclass
class PostIn:
    """A post as the composer reads it (from the queue, or a line of `replies suggest`)."""

    id: str
    platform: str
    text: str
    author_name: str | None = None
    handle: str = ""
    addressed: bool = True
    lang: str | None = None
    sentiment: float | None = None
    intents: list[str] | None = None
    moments: list[dict] | None = None
    thread: list[str] = field(default_factory=list)
    relationship: Relationship = field(default_factory=Relationship)


@dataclass
class Candidate:
    text: str
    style: str
    reason: str
    sources: list[str]
    # the text in parts, each with the order it is dropped in when the reply is too long (0: never)
    parts: list[tuple[str, int]] | None = None

    def to_dict(self) -> dict:
        return {"text": self.text, "style": self.style, "reason": self.reason, "sources": self.sources}


def _cand(style: str, reason: str, sources: list[str], *parts: str | tuple[str, int]) -> Candidate:
    """A candidate from parts: a plain string is kept whatever the length; (text, n) is dropped n-th last."""
    kept = [(p, 0) if isinstance(p, str) else p for p in parts]
    kept = [(t.strip(), n) for t, n in kept if t and t.strip()]
    return Candidate(" ".join(t for t, _ in kept), style, reason, sources, kept)


@dataclass
class Draft:
    """The suggestion for one post: the reply (None when no public reply is right), why, and the alternatives."""

    reply: str | None
    reason: str
    mode: str  # answer | find_out | acknowledge | thanks | congratulate | none
    sources: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    reading: Reading | None = None
    backend: str = "composer"
    llm: dict | None = None  # tokens, time and outcome when the LLM backend drafted (or failed to)

    def to_dict(self, post_id: str) -> dict:
        out = {"id": post_id, "reply": self.reply, "reason": self.reason, "sources": self.sources,
               "candidates": [c.to_dict() for c in self.candidates], "mode": self.mode, "backend": self.backend}
        if self.llm is not None:
            out["llm"] = self.llm
        return out


def answering_hit(hits: list[Hit]) -> Hit | None:
    """The entry that answers a post, if the engine is confident enough that the best one does (defined once: the
    composer and `knowledge search` both use it; the confidence is engagement/answer_gate.py's)."""
    if not hits:
        return None
    if hits[0].confidence >= answer_gate.threshold(hits[0]):
        return hits[0]
    # no knowledge file answers it: a reply the team wrote to the same question may (files rank first in search)
    return next((h for h in hits[1:] if h.entry.is_reply and h.confidence >= answer_gate.threshold(h)), None)


def plausible_hit(hits: list[Hit]) -> Hit | None:
    """An entry that may answer the post but not surely enough to lead: offered as a second candidate."""
    if not hits or hits[0].confidence >= answer_gate.threshold(hits[0]):
        return None
    return hits[0] if hits[0].confidence >= answer_gate.hedge(hits[0]) else None


def display_name(author_name: str | None, handle: str, platform: str) -> str:
    """The name a reply opens with: a first name when there is one, else the handle as the platform writes it."""
    if author_name:
        word = re.split(r"[\s|·,]+", author_name.strip())[0]
        if word and word.replace("-", "").replace("'", "").isalpha() and len(word) > 1 and word.lower() != "the":
            return word
    # "user@instance.social" (Mastodon) and "name.bsky.social" (Bluesky) are addressed by the name alone: a reply
    # in the thread needs no domain, and a domain in a reply reads as a link
    handle = (handle or "").lstrip("@").split("@")[0].split(".")[0].strip()
    if not handle:
        return "there"
    return platforms.show_handle(platform, handle.lstrip("@").removeprefix("u/"))


def _sentences(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text.strip())
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9'\"(])", text) if s]


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and not text.startswith(("I ", "SSO", "CSV")):
        return text[0].lower() + text[1:]
    return text


_ORDINARY = frozenset("""yes no not the a an data per since it's it existing invoices collections saved viewers
editors every each reading incidents to three pin freshness support our one most all your you we they this that
there these those when what which who how if in on at for from with by""".split())


def _cap_after_name(text: str) -> str:
    """After "Zara, " an ordinary first word is lower-cased ("yes: …"); names and menu items keep their capital."""
    first = text.split(" ", 1)[0].rstrip(":,.;")
    if first.lower() in _ORDINARY and first[:1].isupper() and not first.isupper():
        return text[0].lower() + text[1:]
    return text


def _subject(entry: Entry) -> str | None:
    if entry.is_reply:
        return None  # a past reply's "title" is someone's question, not a subject
    return entry.keywords[0] if entry.keywords else _lower_first(entry.title.rstrip("?"))


class Composer:
    """Writes candidates for a post from a knowledge base. Pure: the same input gives the same output."""

    name = "composer"

    def __init__(self, kb: KnowledgeBase, our_name: str = "the team", names_us=None):
        self.kb = kb
        self.our_name = our_name
        # whether a text names us (brand names, handles): a post that talks about us by name without tagging us
        # ("does Fernhill do DuckDB?") is read as a post to us, since it is us the question or the complaint is about
        self.names_us = names_us

    # ----------------------------------------------------------------------------------- entry point
    def compose(self, post: PostIn) -> Draft:
        # a post handed to the reply engine was chosen as one to answer (the queue takes posts to us, about us by
        # name or in a thread about us, and key clients' moments; `replies suggest` takes the user's pick), so it
        # is read as a post to us. Whether it is *about* us still matters: someone's new job, in a post that
        # neither tags nor names us, is theirs to celebrate, not a complaint or praise for us to answer
        about_us = post.addressed or bool(self.names_us and self.names_us(post.text))
        reading = read_post(post.text, addressed=True, lang=post.lang, sentiment=post.sentiment,
                            intents=post.intents, moments=post.moments)
        name = display_name(post.author_name, post.handle, post.platform)
        if reading.sensitive:
            return Draft(None, f"{name} shared a loss or an illness: no public reply; the reach-out list suggests "
                               "a personal note", "none", reading=reading)
        # a post that tries to instruct the reply writer is answered on what it asks, never on the instruction:
        # the instruction's sentences are left out of retrieval (and nothing of the post is ever copied)
        query = without_instructions(post.text) if reading.injection else post.text
        # the sentence model reads the posts an answer may follow (a question, buying talk); the rest need only words
        deep = reading.question or "purchase_intent" in reading.intents
        english = reading.lang in ("en", None)
        translated, understood = english_words(query, reading.lang) if not english else ("", 0.0)
        if translated and understood >= UNDERSTOOD:
            # another language is looked up through its words' English (engagement/data/glossary.tsv), when the
            # glossary understood most of its question
            query, english = translated, True
        hits = self.kb.search(query, k=3, english=english) if self.kb and query else []
        if deep and english and not (hits and hits[0].confidence >= SURE_BY_WORDS):
            # the sentence model costs ~7 ms a post: spent where words alone are not already sure
            hits = self.kb.search(query, k=3, english=english, deep=True)
        answer = self._file_answer(query, self._answer_hit(hits, reading), reading)
        if reading.moment and (not about_us or not reading.question and not reading.grievance):
            # their news comes first: a launch that thanks us for the embeds is congratulated, not thanked or read
            # as a complaint; news that reports trouble with us, or asks us something, is answered as such
            draft = self._congratulate(post, reading, name)
        elif reading.complaint and reading.question and answer and not (
                reading.failure or reading.tickets or reading.sarcasm or reading.outage or _GRIEVANCE.search(post.text)):
            # a question that merely sounds unhappy ("the pricing page is vague") wants the answer first
            draft = self._answer(post, reading, name, answer)
        elif reading.complaint:
            draft = self._acknowledge(post, reading, name, hits, answer)
        elif reading.question:
            draft = self._answer(post, reading, name, answer, self._second_answer(query, answer, reading)) \
                if answer else self._find_out(post, reading, name, plausible_hit(hits))
        elif reading.moment and not reading.praise or reading.moment and not post.addressed:
            draft = self._congratulate(post, reading, name)
        elif reading.praise or "purchase_intent" in reading.intents and not answer:
            draft = self._thanks(post, reading, name, hits) if reading.praise else self._find_out(post, reading, name)
        elif "purchase_intent" in reading.intents and answer:
            draft = self._answer(post, reading, name, answer)
        elif reading.moment:
            draft = self._congratulate(post, reading, name)
        else:
            return Draft(None, f"{name} did not ask, report or celebrate anything a reply can answer", "none",
                         reading=reading)
        draft.reading = reading
        draft.candidates = self._finish(draft.candidates, post)
        rel = post.relationship
        for c in draft.candidates:  # a reason claims the relationship only when the words survived the fit
            if rel.last_subject and rel.last_subject not in c.text or rel.last_when and not rel.last_subject and \
                    rel.last_when not in c.text:
                c.reason = c.reason.replace(" and picks up the relationship", "").replace(
                    ", names the relationship", "").replace(", remembers the last conversation", "")
        draft.reply = draft.candidates[0].text if draft.candidates else None
        draft.sources = list(dict.fromkeys(s for c in draft.candidates[:1] for s in c.sources))
        return draft

    def _named_feature(self, text: str) -> str | None:
        """The product thing a complaint names, in the knowledge base's own words: the longest keyword of an entry
        that the post says ("the region filter" → "the filter"). Only the keyword is copied, never the post."""
        if not self.kb:
            return None
        post = " " + " ".join(terms(text)) + " "
        best, best_weight = None, 0.0
        for phrase, stemmed in self.kb.keyword_terms():
            if f" {stemmed} " not in post:
                continue
            # the most specific keyword: the rarest in the knowledge base ("timezone" over "dashboard")
            weight = self.kb.specificity(stemmed)
            if best is None or (weight, len(stemmed)) > (best_weight, len(best[1])):
                best, best_weight = (phrase, stemmed), weight
        if best is None:
            return None
        phrase = best[0]
        if phrase.endswith("s") or phrase.lower().startswith(("the ", "a ", "an ")) or phrase.isupper():
            return phrase
        return f"the {phrase}"

    def _more_specific_name(self, name: str, other: str | None) -> bool:
        """Whether ``name`` names the same thing as ``other`` more specifically: the same head noun, as many words,
        rarer in the knowledge base ("pinned notes" over "chart notes"; not "the email" over "the onboarding
        emails")."""
        mine, theirs = terms(name), terms(other or "")
        if not theirs or mine[-1:] != theirs[-1:] or len(mine) < len(theirs) or mine == theirs:
            return False
        return self.kb.specificity(" ".join(mine)) > self.kb.specificity(" ".join(theirs))

    def _answer_hit(self, hits: list[Hit], reading: Reading) -> Hit | None:
        return answering_hit(hits)

    # ------------------------------------------------------------------------------------- answers
    def _fact(self, entry: Entry, platform: str, question: str = "", fill: bool = False) -> str:
        """The answer to give: on Reddit and blogs the entry's first paragraph; on X its short form, unless the
        question asks about a detail only a sentence of the full answer holds ("per day?")."""
        whole = entry.body.split("\n\n")[0].strip()
        if not _short_form(platform):
            return whole
        short = entry.short or _sentences(entry.body)[0]
        asked = set(terms(question_focus(question))) if question else set()
        missing = asked - set(terms(short))
        best, gain = None, 0
        short_terms = set(terms(short))
        for sentence in _sentences(entry.body):
            words = set(terms(sentence))
            if len(words & short_terms) > len(words) / 2:
                continue  # says again what the short form says
            covers = len(missing & words)
            if covers > gain:
                best, gain = sentence, covers
        answer = short
        if best and best not in short and platforms.fits(f"{short} {best}", "x", target=True):
            answer = f"{short} {best}"
        # ``fill``: then whatever else the full answer says, while it fits beside the name and the link (an answer
        # to a question is shortened only as far as it must be)
        room = platforms.limit(platform) - _ROOM_AROUND_AN_ANSWER
        for sentence in _sentences(whole) if fill else []:
            words = set(terms(sentence))
            if sentence in answer or len(words & short_terms) > len(words) / 2:
                continue
            if platforms.length(f"{answer} {sentence}", platform) <= room:
                answer = f"{answer} {sentence}"
        return answer

    def _second_answer(self, text: str, first: Hit, reading: Reading) -> Hit | None:
        """A post that asks two things ("is SSO on the Team plan? and how long is the trial?") gets both answers
        when its other question has an entry of its own that the gate is sure of."""
        questions = question_sentences(text)
        if len(questions) < 2 or not self.kb or first.entry.is_reply:
            return None  # a team reply is never joined with a file entry: it may predate it
        for sentence in questions:
            hits = self.kb.search(sentence, k=2, english=reading.lang in ("en", None), deep=True)
            hit = answering_hit(hits)
            if hit is not None and hit.entry.id != first.entry.id and hit.entry.kind != "known-issue" \
                    and not hit.entry.is_reply:
                return hit
        return None

    def _file_answer(self, text: str, answer: Hit | None, reading: Reading) -> Hit | None:
        """A team reply answers only when no knowledge file does: one of the post's questions on its own may have
        a sure file entry that the whole post did not reach."""
        if answer is None or not answer.entry.is_reply or not self.kb:
            return answer
        for sentence in question_sentences(text):
            hit = answering_hit(self.kb.search(sentence, k=2, english=reading.lang in ("en", None), deep=True))
            if hit is not None and not hit.entry.is_reply:
                return hit
        return answer

    def _answer(self, post: PostIn, reading: Reading, name: str, hit: Hit, second: Hit | None = None) -> Draft:
        entry = hit.entry
        fact = self._fact(entry, post.platform, post.text, fill=second is None)
        also = ""
        if second is not None:
            other = second.entry
            also = _upper_first(_cap_after_name(self._fact(other, post.platform, "")))
            if other.link and other.link not in also and not _short_form(post.platform):
                also += f" {other.link}"
        short = entry.short or _sentences(entry.body)[0]
        link = entry.link if entry.link and entry.link not in fact else None
        more = (f"More here: {link}" if not _short_form(post.platform) else link) if link else ""
        rel = post.relationship
        why = f"answers from '{entry.title}' ({entry.file}:{entry.line})"
        greet = self._greeting(reading, name, post.platform)
        follow = self._follow_up(rel, entry, post.platform)
        offer = self.kb.private_details_ask() or "Send us a DM and we'll look at your account."
        aside = self._aside(reading)
        both = [entry.id] + ([second.entry.id] if second is not None else [])
        if second is not None:
            why += f" and '{second.entry.title}' ({second.entry.file}:{second.entry.line}) for the other question"
        candidates = [
            _cand("answer", why, both, greet + aside + (_cap_after_name(fact) if not aside else
                                                         _lower_first(fact)), (also, 2), (more, 3)),
            _cand("answer, warmer", why + (" and picks up the relationship" if rel.last_subject else ""), both,
                  f"Hi {name}, good question.", fact, (also, 3), (more, 2), (follow, 4)),
            _cand("answer, with an offer", why + ", short form, offers to look at their account by DM", [entry.id],
                  f"{name}, {_cap_after_name(short)}", (entry.link if entry.link and entry.link not in short else "", 2),
                  (f"If you'd like us to check your setup, {_lower_first(offer)}", 1)),
        ]
        reason = f"{name} asked: {self._what(entry)} → answered from {entry.file}:{entry.line}"
        return Draft(None, reason, "answer", candidates=candidates)

    def _aside(self, reading: Reading) -> str:
        """A question asked with a complaint in it ("the pricing page is vague") gets a nod before the answer."""
        if reading.complaint:
            return "fair question. "
        return ""

    def _what(self, entry: Entry) -> str:
        return entry.title if entry.title.endswith("?") else f"about {_subject(entry)}"

    def _greeting(self, reading: Reading, name: str, platform: str) -> str:
        table = FOREIGN.get(reading.lang or "")
        if table and reading.lang != "en":
            return f"{table['hello']} {name}! "
        return f"{name}, "

    def _follow_up(self, rel: Relationship, entry: Entry, platform: str) -> str:
        if rel.last_subject and rel.last_when:
            if rel.last_subject.lower() in (entry.title + " " + " ".join(entry.keywords)).lower():
                return f" Good to pick up {rel.last_subject} again after {rel.last_when.removeprefix('on ')}."
            return f" And if {rel.last_subject} still needs anything since we spoke {rel.last_when}, say the word."
        if rel.key_client:
            return " Happy to walk you through it on a call if that's quicker."
        return " Shout if it doesn't work the way I've described."

    def _find_out(self, post: PostIn, reading: Reading, name: str, maybe: Hit | None = None) -> Draft:
        greet = self._greeting(reading, name, post.platform)
        in_english = " (in English, if that's OK)" if reading.lang not in ("en", None) else ""
        why = "no knowledge entry answers this: offers to find out instead of guessing"
        candidates = [
            _cand("find out", why, [], f"{greet}good question, and I'd rather not guess{in_english}.",
                  "I'm checking with the team and will come back to you here."),
            _cand("find out, plain", why, [], f"Hi {name}, I don't have a confirmed answer to that yet.",
                  "Let me find out and reply here."),
            _cand("find out, offers a DM", why + "; offers a private channel", [],
                  f"{name}, let me find out for you.", ("If it's easier, send us a DM and we'll follow up there.", 1)),
        ]
        if maybe is not None:
            # an entry that may answer it, not surely enough to lead: a human approving the reply can pick it
            entry = maybe.entry
            fact = self._fact(entry, post.platform, post.text)
            link = entry.link if entry.link and entry.link not in fact else ""
            subject = _subject(entry) or _lower_first(entry.title.rstrip("?"))
            candidates.insert(1, _cand(
                "answer, if that's what they mean",
                f"'{entry.title}' ({entry.file}:{entry.line}) may answer it, but the engine is not sure "
                f"(confidence {maybe.confidence:.2f}): check before choosing it", [entry.id],
                f"{name}, if you mean {subject}: {_lower_first(fact)}", (link, 1),
                ("If it's something else, tell me and I'll find out.", 2)))
        return Draft(None, f"{name} asked something the knowledge base does not answer: offer to find out",
                     "find_out", candidates=candidates)

    # ---------------------------------------------------------------------------------- complaints
    def _acknowledge(self, post: PostIn, reading: Reading, name: str, hits: list[Hit], answer: Hit | None
                     ) -> Draft:
        entry = answer.entry if answer else None
        if entry is not None and entry.kind != "known-issue" and not reading.question:
            entry = None  # a complaint that asks nothing gets no how-to, only a known issue about it
        if entry is None:  # a known issue about what the complaint names, among the best entries
            entry = next((h.entry for h in hits if h.entry.kind == "known-issue" and h.coverage >= SUBJECT_COVERAGE
                          and h.about), None)
        status_page = self.kb.status_page if self.kb else None
        if reading.outage and entry is not None and entry.kind != "known-issue":
            entry = None  # an outage is answered with the status page, not with a how-to
        if entry is not None and entry.link == status_page and not reading.outage:
            entry = None
        sources = [entry.id] if entry else []
        named = self._named_feature(post.text)
        # the most specific thing the post names, as the knowledge base calls it, says more than the general word
        # the reading found ("the usage report" over "dashboards"; one word, "nulls", says less than "exports") or
        # than another name of the same thing ("pinned notes" over "chart notes")
        specific_name = named if named and named.removeprefix("the ") not in _GENERAL_FEATURES and (
            reading.feature in _GENERAL_FEATURES and len(named.removeprefix("the ").split()) > 1
            or self._more_specific_name(named, reading.feature)) else None
        feature = specific_name or reading.feature or (_subject(entry) if entry else None) or named
        specific = self._specific(reading, feature, named if named and named != feature else None)
        fact = ""
        if entry is not None and not reading.outage:
            fact = self._fact(entry, post.platform)
            if entry.link and entry.link not in fact and not _short_form(post.platform):
                fact += f" {entry.link}"
        status = ""
        if reading.outage and status_page:
            status = f"Live updates: {status_page}"
            sources += [r.id for r in self.kb.rules("status-page")[:1]]
        ticket = reading.tickets[0] if reading.tickets else None
        rel = post.relationship
        if ticket:
            # the specific may already name the ticket ("ticket #48213 should have had an answer"): say it once
            step = (f"I'm chasing {'it' if ticket in specific else ticket} myself now and will update you here.")
        elif rel.open_issue:
            step = f"I'm treating this together with {rel.open_issue} and will update you here."
        elif reading.outage:
            step = "We'll update you here as soon as it's sorted."
        elif rel.key_client and "churn_risk" in reading.intents:
            step = "Could we call you this week and put it right properly?"
        else:
            step = self.kb.private_details_ask() if self.kb else None
            step = step or "Send us a DM with your workspace name and we'll look."
        sorry = "Sorry" if not reading.sarcasm else "Fair hit, and sorry"
        remember = (f"Since we last spoke {rel.last_when}, this shouldn't have happened."
                    if rel.last_when and not ticket and not rel.open_issue else "")
        why = "acknowledges " + (f"the {reading.failure}" if reading.failure else "the complaint")
        why += f" with {feature}" if feature else ""
        why += f" and {ticket}" if ticket else ""
        if status:
            why += ", points to the status page"
        if entry:
            why += f", uses '{entry.title}'"
        candidates = [
            _cand("acknowledge", why, sources, f"{name}, {_lower_first(specific)}", (fact, 2), status, (step, 1)),
            _cand("acknowledge, brief", why, sources, f"{sorry}, {name}.", _upper_first(fact) if fact else
                  _upper_first(specific), status, (step, 1)),
            _cand("acknowledge, personal", why + (", names the relationship" if remember else ""), sources,
                  f"{name}, thanks for telling us straight.", _upper_first(specific), status, (remember, 2),
                  (step, 1)),
        ]
        reason = f"{name} complained" + (f" about {feature}" if feature else "") + \
                 (f" ({ticket})" if ticket else "") + \
                 (" (sarcasm: praise words around a failure)" if reading.sarcasm else "") + \
                 ("; an outage, so the status page is cited" if status else "")
        return Draft(None, reason, "acknowledge", candidates=candidates)

    def _specific(self, reading: Reading, feature: str | None, named: str | None = None) -> str:
        """What went wrong, in the reply's words: the failure and the feature the post names (``named``: in the
        knowledge base's own words, used where the failure's phrase has no room for the feature)."""
        f = feature or "this"
        plural = f.endswith("s") and not f.endswith(("ss", "SSO")) and f != "this"
        are = "are" if plural else "is"
        duration = reading.durations[0] if reading.durations else None
        failure = reading.failure
        if failure == "no reply":
            if reading.tickets:
                return f"{reading.tickets[0]} should have had an answer long before now."
            if duration:
                return f"{duration} without an answer is far too long, and that's on us."
            about = f" about {f}" if feature and feature not in ("support", "the status page") else ""
            return f"you should have had an answer{about} long before now."
        if failure == "blank charts":
            return f"blank charts in {f} are a failure, not a result, and that's on us."
        if failure == "a double charge":
            return f"a double charge{' on ' + named if named else ''} is on us, and we'll refund it."
        if failure == "cropped labels":
            return f"cropped labels in {f} make a chart look broken, and that's on us."
        if failure == "settings that reset":
            return f"{f} resetting on reload is a bug, not you."
        if failure == "a login loop":
            return f"being bounced back to the login page{' with ' + named if named else ''} is a bug on our side."
        if failure == "lost data":
            return f"{f} silently losing rows is the worst kind of failure. That's on us."
        if failure == "the bill":
            return f"a bigger bill{' at ' + named if named else ''} deserves a clear explanation, not a surprise."
        if failure == "the move":
            return f"moving {f} again without warning isn't fair on you."
        if failure == "a rejected file":
            return f"{f} rejecting a file without saying why is on us."
        if failure == "a check that never fires":
            what = _upper_first(named) if named else "A check"
            return f"{what} that never fires is worse than no check. Let's find out why."
        if failure == "wrong numbers":
            return f"wrong numbers in {f} are a serious bug."
        if failure == "repeated emails":
            return f"{f} shouldn't keep nudging you about something you've done."
        if failure == "slowness" or (duration and failure in (None, "delay")):
            if duration:
                return f"{duration} is far too long for {f}."
            return f"{f} {are} far too slow right now, and that's on us."
        if failure == "delay":
            return f"{f} {are} running late, and that's on us."
        if failure == "failure":
            return f"a failed {_singular(f.removeprefix('the '))} is on us." if feature else (
                f"that failure with {named} is on us." if named else "that failure is on us.")
        if feature is None and named:
            f = named
        return f"that's not how {f} should work, and it's on us."

    # ------------------------------------------------------------------------------ praise and moments
    def _thanks(self, post: PostIn, reading: Reading, name: str, hits: list[Hit]) -> Draft:
        table = FOREIGN.get(reading.lang or "")
        thanks = f"{table['thanks']}, {name}!" if table and reading.lang != "en" else f"Thank you, {name}!"
        if reading.lang == "es":
            thanks = f"¡Gracias, {name}!"
        elif reading.lang == "ja":
            thanks = f"{name}さん、ありがとうございます！"
        feature = reading.feature
        rel = post.relationship
        if feature:
            about = f"We'll pass this on to the people behind {feature}."
        elif post.thread and _threads(post.platform):
            about = "We'll pass this on to the people who wrote it."
        else:
            about = "We'll pass this on to the team."
        again = (f"Lovely to hear from you again after {rel.last_subject}." if rel.last_subject
                 else "Notes like this are why we do it.")
        why = "thanks them" + (f" for {feature}" if feature else "")
        candidates = [
            _cand("thanks", why, [], thanks, (about, 1)),
            _cand("thanks, warm", why, [], f"{name}, this made our day.", ("Thanks for taking the time to tell us.", 1)),
            _cand("thanks, personal", why + (", remembers the last conversation" if rel.last_subject else ""), [],
                  thanks, (again, 1)),
        ]
        return Draft(None, f"{name} praised us" + (f" for {feature}" if feature else ""), "thanks",
                     candidates=candidates)

    def _congratulate(self, post: PostIn, reading: Reading, name: str) -> Draft:
        what = CELEBRATED.get(reading.moment or "", "the news")
        rel = post.relationship
        why = f"congratulates them on {what}"
        candidates = [
            _cand("congratulate", why, [], f"Congratulations on {what}, {name}!", ("Wishing you all the best with it.", 1)),
            _cand("congratulate, brief", why, [], f"{name}, huge congrats on {what}.", ("Well deserved!", 1)),
            _cand("congratulate, personal", why, [], f"Congrats, {name}!",
                  ("Let's celebrate properly next time we catch up." if rel.key_client
                   else "Really good to see, and well deserved.", 1)),
        ]
        return Draft(None, f"{name} shared news: {what}", "congratulate", candidates=candidates)

    # --------------------------------------------------------------------------------------- finish
    def _finish(self, candidates: list[Candidate], post: PostIn) -> list[Candidate]:
        """House rules and platform fit for every candidate; duplicates dropped; at most three."""
        out: list[Candidate] = []
        sign_off = self.kb.sign_off(post.platform) if self.kb else None
        for c in candidates:
            text = self._fit(c.parts or [(c.text, 0)], post.platform, sign_off)
            if text and text not in [o.text for o in out]:
                out.append(Candidate(text, c.style, c.reason, list(dict.fromkeys(c.sources))))
        return out[:3]

    def _fit(self, parts: list[tuple[str, int]], platform: str, sign_off: str | None) -> str | None:
        """The parts that fit the platform's target length: optional parts go first, highest order first; a part
        that still does not fit is cut at its last sentence that does."""
        parts = list(parts)
        while True:
            text = _tidy(" ".join(t for t, _ in parts))
            signed = f"{text}\n\n{sign_off}" if sign_off else text
            if platforms.fits(signed, platform, target=True):
                return signed
            optional = [i for i, (_, n) in enumerate(parts) if n > 0]
            if not optional:
                break
            parts.pop(max(optional, key=lambda i: (parts[i][1], i)))
        # still too long: shorten the longest part a sentence at a time
        for _ in range(20):
            i = max(range(len(parts)), key=lambda j: len(parts[j][0]))
            sentences = _sentences(parts[i][0])
            if len(sentences) < 2:
                break
            parts[i] = (" ".join(sentences[:-1]), parts[i][1])
            text = _tidy(" ".join(t for t, _ in parts))
            signed = f"{text}\n\n{sign_off}" if sign_off else text
            if platforms.fits(signed, platform, target=True):
                return signed
        return signed if platforms.fits(signed, platform) else None


def _singular(feature: str) -> str:
    return feature[:-1] if feature.endswith("s") and not feature.endswith("ss") else feature


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([.,!?])", r"\1", re.sub(r"[ \t]+", " ", text)).strip()
    text = re.sub(r"\.\.(?!\.)", ".", text)
    return text
