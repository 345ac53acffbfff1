"""The reply engine: the configured backend behind one call, used by the queue and by `replies suggest`.

The composer always runs: it is the offline default and the fallback. With ``replies.backend: llm`` the LLM drafts
from the same retrieved entries; its draft leads only when it passes every check in reply_checks.py, otherwise the
composer's candidates stand and the reason is recorded (tokens and time too).
"""
from __future__ import annotations

import json
from pathlib import Path

from engagement.composer import Candidate, Composer, Draft, PostIn, Relationship
from engagement.knowledge import KnowledgeBase, KnowledgeError, knowledge_for
from engagement.reply_checks import check_reply, copied_from_post

from collectors.platforms import names as _platform_names  # noqa: E402

PLATFORMS = _platform_names()


class SuggestInputError(Exception):
    """A line of the posts file cannot be read; the message names the file and line."""


class ReplyEngine:
    def __init__(self, kb: KnowledgeBase, *, our_name: str = "the team", llm=None, names_us=None):
        self.kb = kb
        self.composer = Composer(kb, our_name, names_us=names_us)
        self.llm = llm  # engagement.llm.LLMDrafter or None

    @property
    def backend(self) -> str:
        return "llm" if self.llm is not None else "composer"

    def suggest(self, post: PostIn) -> Draft:
        draft = self.composer.compose(post)
        if self.llm is None or draft.reply is None:
            return draft
        hits = self.kb.search(post.text, k=3)
        result = self.llm.draft(post, draft, [h.entry for h in hits], self.kb, self.composer.our_name)
        draft.llm = result.record()
        if result.text is None:
            draft.reason += f" (LLM draft not used: {result.outcome})"
            return draft
        used = [e for e in (self.kb.get(s) for s in draft.sources) if e is not None] + [h.entry for h in hits]
        rel = post.relationship
        known = " ".join(v for v in (rel.last_when, rel.last_subject, rel.open_issue, post.handle, post.author_name)
                         if v)
        problems = [str(p) for p in check_reply(result.text, post_text=post.text, platform=post.platform,
                                                 kb=self.kb, used=used, mode=draft.mode, known=known)]
        kb_text = " ".join(e.body + " " + (e.short or "") + " " + e.title for e in self.kb.entries)
        copied = copied_from_post(result.text, post.text, kb_text + " " + " ".join(c.text for c in draft.candidates))
        if copied:
            problems.append(f"copied from the post: '{copied}'")
        if draft.mode == "find_out" and _states_facts(result.text, hits):
            problems.append("states a fact although no knowledge entry answers the post")
        if problems:
            draft.llm = {**draft.llm, "outcome": "rejected", "problems": problems}
            draft.reason += f" (LLM draft rejected: {'; '.join(problems)[:200]})"
            return draft
        lead = Candidate(result.text, "llm", f"drafted by {self.llm.model} from the retrieved entries",
                         list(draft.sources))
        draft.candidates = [lead] + draft.candidates[:2]
        draft.reply = result.text
        draft.backend = "llm"
        return draft


def _states_facts(text: str, hits) -> bool:
    """Whether a find-out reply carries an entry's answer anyway (an LLM guessing from a near miss)."""
    lowered = text.lower()
    for hit in hits:
        short = (hit.entry.short or "").lower()
        if short and short[:40] in lowered:
            return True
    return False


def make_engine(config, kb: KnowledgeBase, backend: str | None = None) -> ReplyEngine:
    backend = backend or (config.replies.backend if config is not None else "composer")
    llm = None
    if backend == "llm":
        from engagement.llm import LLMDrafter, LLMError

        if config is None or config.replies.llm is None:
            raise LLMError("the llm backend needs replies.llm (base_url, model) in the config")
        llm = LLMDrafter.from_config(config.replies.llm)
    return ReplyEngine(kb, our_name=config.me.name if config is not None else "the team", llm=llm,
                       names_us=names_us_from(config))


def names_us_from(config):
    """Whether a text names us (the brand's names or handles in ``brand:``), or None without a config."""
    if config is None:
        return None
    from nlp.brands import BrandMatcher

    matcher = BrandMatcher.from_config(config)
    if matcher.empty:
        return None

    def names_us(text: str) -> bool:
        found = matcher.match(text)
        return found.about_us or bool(found.handles)

    return names_us


def knowledge_from(config, override: str | None) -> KnowledgeBase:
    """The knowledge base to use: ``--knowledge DIR`` or ``replies.knowledge``; KnowledgeError names the path."""
    if override:
        folder = Path(override)
    elif config is not None and config.replies.knowledge:
        folder = config.resolve(config.replies.knowledge)
    else:
        raise KnowledgeError("no knowledge folder: pass --knowledge DIR or set replies.knowledge in the config")
    KnowledgeBase.check_folder(folder)
    return knowledge_for(folder)


def read_posts(path: Path) -> list[tuple[PostIn, dict]]:
    """Posts from a JSON-lines file: (post, the line's own object, for its expectations)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise SuggestInputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuggestInputError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    posts = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuggestInputError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise SuggestInputError(f"{path}:{number}: expected a JSON object with id, platform and text")
        missing = [k for k in ("id", "platform", "text") if not isinstance(data.get(k), str) or not data.get(k)]
        if missing:
            raise SuggestInputError(f"{path}:{number}: missing or empty {', '.join(missing)}")
        if data["platform"] not in PLATFORMS:
            raise SuggestInputError(f"{path}:{number}: platform must be one of {', '.join(PLATFORMS)} "
                                    f"(got {data['platform']!r})")
        rel = data.get("relationship") or {}
        posts.append((PostIn(
            id=data["id"], platform=data["platform"], text=data["text"],
            author_name=data.get("author_name") or None, handle=str(data.get("handle") or ""),
            addressed=bool(data.get("addressed", True)), lang=data.get("lang"),
            thread=[str(t) for t in data.get("thread") or []],
            relationship=Relationship(last_when=rel.get("last_when"), last_subject=rel.get("last_subject"),
                                      open_issue=rel.get("open_issue"), key_client=bool(rel.get("key_client"))),
        ), data))
    return posts
