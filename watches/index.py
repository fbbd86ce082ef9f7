"""The term index: every term and phrase of every watch in one Aho-Corasick automaton, run once
over an article's normalised words (``TokenizedText.joined``, whose spaces it skips, so that it
sees the words concatenated), so the cost hardly grows with the watches."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, pairwise

import ahocorasick

from watches.inflect import inflections
from watches.query import Unit
from watches.text import BREAK, JOIN_STOPWORDS, TokenizedText

Span = tuple[int, int]  # where a hit's first and last tokens start in ``TokenizedText.joined``


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
            # The units a hit may be of, by where it ends (where a token ends, or inside one:
            # prefixes only) and whether it is on one token (a unit with a split next to a
            # stopword never matches there) or several (their splits are checked then).
            every = tuple(uid for uid, _ in entries)
            prefixes = tuple(uid for uid, prefix in entries if prefix)
            whole = tuple(uid for uid in every if not self.units[uid].hard)
            part = tuple(uid for uid in prefixes if not self.units[uid].hard)
            self._automaton.add_word(form, (len(form) - 1, whole, part, every, prefixes))
        if self._forms:
            self._automaton.make_automaton()

    def scan(self, text: TokenizedText, hits: dict[int, list[Span]]) -> None:
        """Append to ``hits`` (unit id -> token spans) every place a unit matches ``text``."""
        joined = text.joined
        if not joined or not self._forms:
            return
        before = joined.rfind
        found = self._automaton.iter(joined, 0, len(joined), True)  # True: skip the spaces
        for end, (back, whole, part, every, prefixes) in found:
            start = end - back  # where the hit starts if it takes in no space
            token = before(" ", 0, end) + 1  # where the token of the hit's last letter starts
            if token == start:
                span = (start, start)
                for uid in whole if joined[end + 1] == " " else part:
                    spans = hits.get(uid)
                    if spans is None:
                        hits[uid] = [span]
                    else:
                        spans.append(span)
            elif token > start:  # a hit on several tokens
                uids = every if joined[end + 1] == " " else prefixes
                if uids:
                    self._place(uids, joined, end, back + 1, token, hits)
            # else it starts inside a word

    def _place(
        self,
        uids: tuple[int, ...],
        joined: str,
        end: int,
        length: int,
        last: int,
        hits: dict[int, list[Span]],
    ) -> None:
        """Record the units of a hit over several tokens whose splits allow it: the hit ends at
        ``end`` in ``joined``, inside the token that starts at ``last``."""
        missing = length - (end + 1 - last)
        first = last
        while missing > 0:  # take in the tokens before, back to where the hit starts
            stop = first - 1
            first = joined.rfind(" ", 0, stop) + 1
            missing -= stop - first
        if missing < 0:
            return  # the hit starts inside a word
        words = joined[first : joined.index(" ", end)].split(" ")
        for uid in uids:
            if _joints_ok(self.units[uid], words):
                spans = hits.get(uid)
                if spans is None:
                    hits[uid] = [(first, last)]
                else:
                    spans.append((first, last))


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


def _joints_ok(unit: IndexedUnit, words: list[str]) -> bool:
    """Word boundaries may differ between query and text, except next to a stopword."""
    shared: set[int] = set()
    joint = 0
    for left, right in pairwise(words):
        joint += len(left)
        if joint in unit.joints:
            shared.add(joint)
        elif left in JOIN_STOPWORDS or right in JOIN_STOPWORDS:
            return False
    return unit.hard <= shared
