"""One article as the matcher sees it: its tokens, where each query unit was found, NEAR
pairs and snippets (cached, since many watches share hits)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from watches.index import Span, TermIndex
from watches.snippet import Excerpts, Highlights
from watches.text import TokenizedText

TITLE, BODY, ANYWHERE = 1, 2, 3
FIELDS = (TITLE, BODY)
Located = tuple[tuple[int, int], ...]  # (unit id, field mask) pairs of a NEAR operand


@dataclass(frozen=True, slots=True)
class NearSpec:
    left: Located
    right: Located
    distance: int


class Article:
    """``hits[field][unit id]`` lists (first, last) token spans; ``fields[unit id]`` is a mask."""

    __slots__ = ("_cutters", "_excerpts", "_witnesses", "fields", "hits", "texts")

    def __init__(self, title: str, body: str, index: TermIndex) -> None:
        self.texts = {TITLE: TokenizedText(title), BODY: TokenizedText(body)}
        self.hits: dict[int, dict[int, list[Span]]] = {TITLE: {}, BODY: {}}
        for field in FIELDS:
            index.scan(self.texts[field], self.hits[field])
        self.fields = dict.fromkeys(self.hits[TITLE], TITLE)
        for uid in self.hits[BODY]:
            self.fields[uid] = self.fields.get(uid, 0) | BODY
        self._excerpts: dict[tuple[int, frozenset[Span]], tuple[str, Highlights]] = {}
        self._witnesses: dict[NearSpec, dict[int, set[Span]]] = {}
        self._cutters: dict[int, Excerpts] = {}

    def near(self, near: NearSpec) -> bool:
        return next(self._near_pairs(near), None) is not None

    def witnesses(self, near: NearSpec, field: int) -> set[Span]:
        """The hits, in ``field``, that have a partner within the NEAR distance."""
        if near not in self._witnesses:
            found: dict[int, set[Span]] = {TITLE: set(), BODY: set()}
            for where, one, other in self._near_pairs(near):
                found[where].update((one, other))
            self._witnesses[near] = found
        return self._witnesses[near][field]

    def _near_pairs(self, near: NearSpec) -> Iterator[tuple[int, Span, Span]]:
        """Pairs of hits, one per side, in the same field and within the distance in words."""
        for field in FIELDS:
            lefts = self._located(near.left, field)
            rights = self._located(near.right, field) if lefts else []
            for low, high, one in lefts:
                for start, end, other in rights:
                    gap = start - high if start > high else low - end if low > end else 0
                    if gap <= near.distance:
                        yield field, one, other

    def _located(self, pairs: Located, field: int) -> list[tuple[int, int, Span]]:
        position = self.texts[field].word_position
        hits = self.hits[field]
        return [
            (position(span[0]), position(span[1]), span)
            for uid, mask in pairs
            if mask & field
            for span in hits.get(uid, ())
        ]

    def excerpt(self, field: int, spans: set[Span]) -> tuple[str, Highlights]:
        """The snippet around the first of ``spans`` (token spans in ``field``), highlighted."""
        key = (field, frozenset(spans))
        if key not in self._excerpts:
            self._excerpts[key] = self._cut(field, spans)
        return self._excerpts[key]

    def _cut(self, field: int, spans: set[Span]) -> tuple[str, Highlights]:
        tokens = self.texts[field]
        if field not in self._cutters:
            self._cutters[field] = Excerpts(tokens.text)
        cutter = self._cutters[field]
        ordered = sorted(spans)
        first = (tokens.span(ordered[0][0])[0], tokens.span(ordered[0][1])[1])
        end = cutter.end(first)
        offsets = [first]
        for low, high in ordered[1:]:  # offsets only as far as the excerpt goes
            start = tokens.span(low)[0]
            if start >= end:
                break
            offsets.append((start, tokens.span(high)[1]))
        return cutter.around(first, offsets)
