"""Skip the regexes that cannot match a post, with one pass over its text.

Most posts match none of the intent and moment patterns, yet each pattern costs a scan of the whole
post. For every pattern we derive, from its parsed form, a set of literal strings such that every
match contains at least one of them ("no (response|reply)" → {"no response", "no reply"}). One
Aho-Corasick pass over the case-folded post then tells which patterns may match; the others are not
run. The derivation is conservative: a pattern whose matches need no literal (``\\w+ \\w+``) is always
run, so results are exactly those of running every pattern.

Case: literals and text are compared case-folded, a superset of what ``re.IGNORECASE`` matches
(``ſ``/``s``, ``K``/``k`` included), and of what a case-sensitive pattern matches.
"""
from __future__ import annotations

import re
from itertools import product
from re import _constants as C  # the parsed-pattern opcodes; stable across CPython 3.11–3.13
from re import _parser as sre_parse
from typing import Iterable

import ahocorasick

_MAX_ALTERNATIVES = 64  # beyond this, a set of exact strings stops paying for itself
_REPEAT_OPS = (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT))
_ZERO_WIDTH = (C.AT, C.ASSERT, C.ASSERT_NOT)


def required_literals(pattern: re.Pattern[str] | str) -> frozenset[str] | None:
    """Case-folded strings, one of which occurs in every match; ``None`` when no such set is known."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    found = _sequence(list(sre_parse.parse(source)))
    if not found or "" in found:
        return None
    # "bar" occurs wherever "foobar" does: the shorter literal alone says the same
    return frozenset(s for s in found if not any(t != s and t in s for t in found))


def _exact(op, av) -> set[str] | None:
    """Every string this node can match, when that is a small finite set."""
    if op is C.LITERAL:
        return {chr(av).casefold()}
    if op is C.IN:
        chars: set[str] = set()
        for item_op, item_av in av:
            if item_op is C.LITERAL:
                chars.add(chr(item_av).casefold())
            elif item_op is C.RANGE and item_av[1] - item_av[0] < 32:
                chars.update(chr(c).casefold() for c in range(item_av[0], item_av[1] + 1))
            else:
                return None  # negated classes, categories (\w, \s) and wide ranges
        return chars
    if op is C.SUBPATTERN:
        return _exact_sequence(list(av[-1]))
    if op is C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _exact_sequence(list(branch))
            if strings is None:
                return None
            out |= strings
        return out if len(out) <= _MAX_ALTERNATIVES else None
    if op in _REPEAT_OPS:
        low, high, body = av
        if high > 1:
            return None
        strings = _exact_sequence(list(body))
        if strings is None:
            return None
        return strings | {""} if low == 0 else strings
    if op in _ZERO_WIDTH:
        return {""}
    return None


def _exact_sequence(items: list) -> set[str] | None:
    out = {""}
    for op, av in items:
        strings = _exact(op, av)
        if strings is None:
            return None
        out = {a + b for a, b in product(out, strings)}
        if len(out) > _MAX_ALTERNATIVES:
            return None
    return out


def _required(op, av) -> set[str] | None:
    """Strings one of which every match of this (inexact) node contains."""
    if op is C.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _sequence(list(branch))
            if not strings or "" in strings:
                return None
            out |= strings
        return out
    if op in _REPEAT_OPS and av[0] >= 1:
        return _sequence(list(av[2]))
    return None


def _sequence(items: list) -> set[str] | None:
    """The most selective requirement among the sequence's parts: runs of exact nodes joined into
    strings ("no " + (response|reply)), or what an inexact part requires on its own."""
    candidates: list[set[str]] = []
    run: set[str] | None = {""}
    for op, av in items:
        strings = _exact(op, av)
        if strings is not None and (op not in _ZERO_WIDTH or op is C.AT):
            joined = {a + b for a, b in product(run, strings)} if run is not None else None
            if joined is not None and len(joined) <= _MAX_ALTERNATIVES:
                run = joined
                continue
            candidates.append(run)
            run = strings
            continue
        candidates.append(run)
        run = {""}
        if op not in _ZERO_WIDTH:
            inner = _required(op, av)
            if inner:
                candidates.append(inner)
    candidates.append(run)
    usable = [c for c in candidates if c and "" not in c]
    if not usable:
        return None
    return max(usable, key=_selectivity)


def _selectivity(strings: set[str]) -> tuple[int, int]:
    # a rare punctuation mark ("?", "#") filters as well as a three-letter word
    shortest = min(len(s) if any(ch.isalnum() for ch in s) else len(s) + 2 for s in strings)
    return shortest, -len(strings)


class Prefilter:
    """Which of a fixed set of patterns may match a text: ``scan(text)`` returns a bit mask, and
    ``pattern`` may match when ``mask & prefilter.bit[pattern]``."""

    def __init__(self, patterns: Iterable[re.Pattern[str]]):
        self.patterns = tuple(dict.fromkeys(patterns))
        self.bit = {p: 1 << i for i, p in enumerate(self.patterns)}
        self.always = 0
        gated: dict[str, int] = {}
        for p in self.patterns:
            literals = required_literals(p)
            if literals is None:
                self.always |= self.bit[p]
            for literal in literals or ():
                gated[literal] = gated.get(literal, 0) | self.bit[p]
        self._automaton = ahocorasick.Automaton()
        for literal, mask in gated.items():
            self._automaton.add_word(literal, mask)
        self._empty = not gated
        if not self._empty:
            self._automaton.make_automaton()

    def scan(self, text: str) -> int:
        mask = self.always
        if not self._empty:
            for _end, owners in self._automaton.iter(text.casefold()):
                mask |= owners
        return mask

    def may_match(self, text: str) -> set[re.Pattern[str]]:
        mask = self.scan(text)
        return {p for p, bit in self.bit.items() if mask & bit}
