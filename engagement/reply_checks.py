"""Checks every draft must pass before it reaches the queue, whoever wrote it (the composer or an LLM).

* it fits the platform (X's weighted length);
* every URL in it stands in the knowledge base (or is a link to one of the knowledge base's own sites that the post
  itself carried); a link a post asks us to repeat never passes;
* every number in it stands in the post or in the knowledge entries it used (no invented facts);
* it asks for no email, phone number, address or password in public (the house rule);
* tone: no apology to praise, no cheer at a complaint, none of the house rules' avoided words, no markup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from engagement import platforms
from engagement.knowledge import Entry, KnowledgeBase

_FILE_EXT = ("csv", "pdf", "md", "yaml", "yml", "json", "sql", "txt", "duckdb", "png", "xlsx", "parquet")
_URLISH = re.compile(r"(?:https?://)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d+)?(?:/[^\s<>\"')]*)?",
                     re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<!\w)(?:@|u/)\w+")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,:]\d+)*")
_PERSONAL = re.compile(
    r"\b(?:your|ur|the|an?|account|work|billing|login|personal)\s+(?:account\s+|work\s+|billing\s+|login\s+)?"
    r"(?:e-?mail(?:\s+address)?|phone(?:\s+number)?|mobile number|home address|postal address|password|"
    r"date of birth|credit card|card number)\b", re.I)
_ASKING = re.compile(r"\b(send|share|dm|message|tell|give|provide|post|reply with|what'?s|could you|can you|"
                     r"please|drop)\b", re.I)
_APOLOGY = re.compile(r"\b(sorry|apolog\w*|our bad|on us|we messed up)\b", re.I)
_CHEER = re.compile(r"(\b(glad|great news|congrat\w*|awesome|love to hear|love that|yay|exciting|made our day|"
                    r"delighted|thrilled)\b|🎉|🥳|thank you!)", re.I)
_MARKUP = re.compile(r"<\s*/?\s*[a-z][^>]*>|\bon(error|load|click)\s*=|javascript:", re.I)


@dataclass(frozen=True)
class Problem:
    kind: str  # over_length | invented_url | invented_number | personal_data | tone | markup
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def urls_in(text: str) -> list[str]:
    without_emails = _EMAIL.sub(" ", text)
    found = []
    for match in _URLISH.finditer(without_emails):
        url = match.group(0).rstrip(".,;:!?")
        host = urlparse(url if "://" in url else "//" + url).hostname or ""
        if host.rsplit(".", 1)[-1].lower() in _FILE_EXT and "://" not in url:
            continue
        if re.fullmatch(r"[\d.]+", host):
            continue
        found.append(url)
    return found


def _host(url: str) -> str:
    return (urlparse(url if "://" in url else "//" + url).hostname or "").lower()


def _norm(url: str) -> str:
    return re.sub(r"^https?://", "", url.rstrip("/.").lower())


def check_reply(text: str, *, post_text: str, platform: str, kb: KnowledgeBase, used: list[Entry],
                mode: str, known: str = "") -> list[Problem]:
    """Problems with a draft; ``known`` is what else the draft may cite numbers from (the relationship: an open
    ticket number, the date we last spoke)."""
    problems: list[Problem] = []
    if not platforms.fits(text, platform):
        problems.append(Problem("over_length", f"{platforms.length(text, platform)} counted characters; "
                                               f"{platform} allows {platforms.limit(platform)}"))
    kb_urls = {_norm(u) for u in kb.urls()}
    known_hosts = {_host(u) for u in kb.urls()}
    in_post = {_norm(u) for u in urls_in(post_text)}
    for url in urls_in(text):
        n = _norm(url)
        if n in kb_urls:
            continue
        if n in in_post and _host(url) in known_hosts:
            continue  # the post linked one of our own pages
        problems.append(Problem("invented_url", url))
    grounded = " ".join([post_text, known] + [" ".join([e.title, e.body, e.short or "", e.link or ""]) for e in used])
    grounded_numbers = set(_NUMBER.findall(grounded))
    bare = _HANDLE.sub(" ", _EMAIL.sub(" ", text))
    for url in urls_in(bare):
        bare = bare.replace(url, " ")
    for number in _NUMBER.findall(bare):
        if number not in grounded_numbers and number.rstrip(".,:") not in grounded_numbers:
            problems.append(Problem("invented_number", number))
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if _PERSONAL.search(sentence) and _ASKING.search(sentence):
            problems.append(Problem("personal_data", sentence.strip()[:80]))
    lowered = text.lower()
    for word in kb.avoid_words:
        if word and word in lowered:
            problems.append(Problem("tone", f"says '{word}', which the house rules avoid"))
    if mode in ("thanks", "congratulate") and _APOLOGY.search(text):
        problems.append(Problem("tone", "apologises to praise"))
    if mode == "acknowledge" and _CHEER.search(text):
        problems.append(Problem("tone", "cheers at a complaint"))
    if _MARKUP.search(text):
        problems.append(Problem("markup", "carries HTML or script"))
    return problems


def copied_from_post(text: str, post_text: str, kb_text: str, words: int = 7) -> str | None:
    """A run of ``words`` words copied from the post that the knowledge base does not hold (an LLM echoing an
    injected instruction), or None."""
    tokens = re.findall(r"\w+", post_text.lower())
    reply = " " + " ".join(re.findall(r"\w+", text.lower())) + " "
    kb_norm = " " + " ".join(re.findall(r"\w+", kb_text.lower())) + " "
    for i in range(0, max(0, len(tokens) - words + 1)):
        run = " " + " ".join(tokens[i:i + words]) + " "
        if run in reply and run not in kb_norm:
            return run.strip()
    return None
