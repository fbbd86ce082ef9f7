"""The term index: every term and phrase of every watch in one Aho-Corasick automaton, run once
over an article's concatenated normalised words, so the cost hardly grows with the watches."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

import ahocorasick

from watches.inflect import inflections
from watches.query import Unit
from watches.text import BREAK, JOIN_STOPWORDS, TokenizedText

Span = tuple[int, int]  # (first token, last token) of a hit


@dataclass(frozen=True, slots=True)
class IndexedUnit:
    """A term or phrase as the automaton sees it: its words concatenated."""

    key: str
    prefix: bool
    joints: frozenset[int]  # offsets in key where the query has a word boundary
    hard: frozenset[int]  # of those, the ones the text must also have (next to a stopword)


class TermIndex:
    """Add units with ``add``, then ``freeze`` once; ``scan`` finds all of them in a text."""

    def __init__(self) -> None:
        self.units: list[IndexedUnit] = []
        self._ids: dict[tuple[tuple[str, ...], bool, bool], int] = {}
        self._forms: dict[str, list[tuple[int, bool]]] = {}
        self._automaton = ahocorasick.Automaton()

    def add(self, unit: Unit) -> int:
        """The id of ``unit`` (the same for the same words, prefix and inflection)."""
        key = (unit.words, unit.prefix, unit.inflect)
        uid = self._ids.get(key)
        if uid is not None:
            return uid
        uid = self._ids[key] = len(self.units)
        words = unit.words
        joined = "".join(words)
        joints = list(accumulate(len(word) for word in words[:-1]))
        hard = [
            joint
            for joint, left, right in zip(joints, words[:-1], words[1:], strict=True)
            if {left, right} & JOIN_STOPWORDS or BREAK in (left, right)
        ]
        self.units.append(IndexedUnit(joined, unit.prefix, frozenset(joints), frozenset(hard)))
        for form in _forms(unit, joined):
            self._forms.setdefault(form, []).append((uid, unit.prefix))
        return uid

    def freeze(self) -> None:
        for form, entries in self._forms.items():
            uid, prefix = entries[0]
            single = uid if len(entries) == 1 and not prefix and not self.units[uid].hard else -1
            self._automaton.add_word(form, (len(form), tuple(entries), single))
        if self._forms:
            self._automaton.make_automaton()

    def scan(self, text: TokenizedText, hits: dict[int, list[Span]]) -> None:
        """Append to ``hits`` (unit id -> token spans) every place a unit matches ``text``."""
        tokens = text.tokens
        if not tokens or not self._forms:
            return
        squashed, ends = text.squashed()
        for end, (length, entries, single) in self._automaton.iter(squashed):
            start = end - length + 1
            first = bisect_right(ends, start)
            if (ends[first - 1] if first else 0) != start:
                continue  # the hit starts inside a word
            if single >= 0 and ends[first] == end + 1:  # the common case: one word, one unit
                found = hits.get(single)
                if found is None:
                    hits[single] = [(first, first)]
                else:
                    found.append((first, first))
                continue
            last = bisect_right(ends, end)
            whole = ends[last] == end + 1
            self._place(entries, (tokens, ends), start, (first, last), whole, hits)

    def _place(
        self,
        entries: tuple[tuple[int, bool], ...],
        text: tuple[list[str], list[int]],
        start: int,
        span: Span,
        whole: bool,
        hits: dict[int, list[Span]],
    ) -> None:
        """Record the units of a hit on tokens ``span`` that really match there; ``whole``:
        the hit ends where a token ends."""
        tokens, ends = text
        first, last = span
        for uid, prefix in entries:
            if not (prefix or whole):
                continue  # the hit ends inside a word
            unit = self.units[uid]
            if (last > first or unit.hard) and not _joints_ok(
                unit, tokens, ends, first, last, start
            ):
                continue
            hits.setdefault(uid, []).append(span)


def _forms(unit: Unit, joined: str) -> frozenset[str]:
    """The strings the automaton looks for: the words joined, and their inflections (of the
    whole compound when it is all letters a-z, so counter-terrorism inflects like
    counterterrorism; else of the last word)."""
    if unit.prefix or not unit.inflect:
        return frozenset({joined})
    if joined.isascii() and joined.isalpha():
        return inflections(joined)
    stem = joined[: len(joined) - len(unit.words[-1])]
    return frozenset(stem + form for form in inflections(unit.words[-1]))


def _joints_ok(
    unit: IndexedUnit, tokens: list[str], ends: list[int], first: int, last: int, start: int
) -> bool:
    """Word boundaries may differ between query and text, except next to a stopword."""
    shared: set[int] = set()
    for index in range(first, last):
        joint = ends[index] - start
        if joint in unit.joints:
            shared.add(joint)
        elif tokens[index] in JOIN_STOPWORDS or tokens[index + 1] in JOIN_STOPWORDS:
            return False
    return unit.hard <= shared
