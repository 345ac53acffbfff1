"""`listenwell replies eval`: how often the engine's reply passes, on posts with written expectations.

A reply passes when (tests/data/replies/README.md): it is null exactly when no public reply is expected; it
names the person; it carries every expected fact and none of the forbidden words; and check_reply() finds no
problem (length, invented URL or number, personal data, tone, markup); and its kind matches: an ``answer`` cites a
knowledge entry, a ``find_out`` cites none.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from engagement.composer import Draft, PostIn, display_name
from engagement.reply_checks import check_reply
from engagement.suggest import ReplyEngine


@dataclass
class ItemResult:
    id: str
    passed: bool
    problems: list[str]
    reply: str | None
    kind: str
    facts_expected: int = 0
    facts_carried: int = 0
    checks: list[str] = field(default_factory=list)
    mode: str = "none"  # what the engine did: answer, find_out, acknowledge, thanks, congratulate, none (no reply)


def _has(text: str, alternatives: str) -> bool:
    lowered = text.lower()
    return any(alt.strip().lower() in lowered for alt in alternatives.split("|") if alt.strip())


def judge(engine: ReplyEngine, post: PostIn, expect: dict, draft: Draft) -> ItemResult:
    result = _judge(engine, post, expect, draft)
    result.mode = draft.mode if draft.reply is not None else "none"
    return result


def _judge(engine: ReplyEngine, post: PostIn, expect: dict, draft: Draft) -> ItemResult:
    kind = expect.get("kind", "")
    reply = draft.reply
    problems: list[str] = []
    facts = list(expect.get("facts", []))
    carried = 0
    checks: list[str] = []
    if expect.get("reply", True) is False:
        if reply is not None:
            problems.append("a public reply where none is right")
        return ItemResult(post.id, not problems, problems, reply, kind, len(facts), 0)
    if reply is None:
        return ItemResult(post.id, False, ["no reply"], None, kind, len(facts), 0)
    name = display_name(post.author_name, post.handle, post.platform)
    handle = post.handle.lstrip("@")
    if name.lower() not in reply.lower() and (not handle or handle.lower() not in reply.lower()):
        problems.append(f"does not name {name}")
    for fact in facts:
        if _has(reply, fact):
            carried += 1
        else:
            problems.append(f"missing fact '{fact}'")
    for word in expect.get("not", []):
        if word.lower() in reply.lower():
            problems.append(f"says '{word}'")
    used = [e for e in (engine.kb.get(s) for s in draft.sources) if e is not None]
    # the person's handle and name are theirs to be called by, not facts: a number in them is not invented
    checks = [str(p) for p in check_reply(reply, post_text=post.text, platform=post.platform, kb=engine.kb,
                                          used=used, mode=kind if kind != "answer" else draft.mode,
                                          known=f"{post.handle} {post.author_name or ''}")]
    problems += checks
    answers = [e for e in used if not e.is_rule]
    if kind == "answer" and not answers:
        problems.append("no knowledge entry cited for a question the knowledge base answers")
    if kind == "find_out" and answers:
        problems.append(f"cites {answers[0].id} for a question the knowledge base does not answer")
    if kind == "find_out" and not re.search(r"find out|check|come back|get back|follow up", reply, re.I):
        problems.append("does not offer to find out")
    return ItemResult(post.id, not problems, problems, reply, kind, len(facts), carried, checks)


def evaluate(engine: ReplyEngine, items: list[tuple[PostIn, dict]]) -> dict:
    results: list[ItemResult] = []
    backends = Counter()
    for post, data in items:
        draft = engine.suggest(post)
        backends[draft.backend] += 1
        results.append(judge(engine, post, data.get("expect") or {}, draft))
    by_kind: dict[str, dict] = {}
    for r in results:
        k = by_kind.setdefault(r.kind or "unspecified", {"posts": 0, "passed": 0})
        k["posts"] += 1
        k["passed"] += r.passed
    for k in by_kind.values():
        k["pass_rate"] = round(k["passed"] / k["posts"], 3)
    # the reading as a labelling: the kind of reply the engine chose against the kind expected, per label
    labels: dict[str, dict] = {}
    for label in sorted({r.kind for r in results if r.kind} | {r.mode for r in results}):
        chosen = [r for r in results if r.mode == label]
        expected_here = [r for r in results if r.kind == label]
        right = sum(r.kind == label for r in chosen)
        labels[label] = {"expected": len(expected_here), "chosen": len(chosen), "right": right,
                         "precision": round(right / len(chosen), 3) if chosen else None,
                         "recall": round(right / len(expected_here), 3) if expected_here else None}
    all_checks = [c.split(":", 1)[0] for r in results for c in r.checks]
    expected = sum(r.facts_expected for r in results)
    carried = sum(r.facts_carried for r in results)
    return {
        "posts": len(results),
        "passed": sum(r.passed for r in results),
        "pass_rate": round(sum(r.passed for r in results) / len(results), 3) if results else 0.0,
        "facts_expected": expected,
        "facts_carried": carried,
        "facts_carried_rate": round(carried / expected, 3) if expected else 1.0,
        "tone_violations": all_checks.count("tone") + all_checks.count("personal_data") + all_checks.count("markup"),
        "invented_urls": all_checks.count("invented_url"),
        "invented_numbers": all_checks.count("invented_number"),
        "over_length": all_checks.count("over_length"),
        "backend": dict(backends),
        "by_kind": by_kind,
        "by_label": labels,
        "failures": [{"id": r.id, "kind": r.kind, "problems": r.problems, "reply": r.reply}
                     for r in results if not r.passed],
    }
