"""One article as the matcher sees it: its tokens, where each query unit was found, NEAR
pairs and snippets (cached, since many watches share hits)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from watches.index import Span, TermIndex
from watches.snippet import Highlights, Window, content_bounds
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
    """``hits[field][unit id]`` lists the unit's spans (see ``Span``) in that field's text;
    ``fields[unit id]`` is a mask of the fields it is in."""

    __slots__ = ("_contents", "_excerpts", "_witnesses", "fields", "hits", "texts")

    def __init__(self, title: str, body: str, index: TermIndex) -> None:
        self.texts = {TITLE: TokenizedText(title), BODY: TokenizedText(body)}
        in_title: dict[int, list[Span]] = {}
        in_body: dict[int, list[Span]] = {}
        index.scan(self.texts[TITLE], in_title)
        index.scan(self.texts[BODY], in_body)
        self.hits = {TITLE: in_title, BODY: in_body}
        self.fields = dict.fromkeys(in_body, BODY)
        for uid in in_title:  # titles are short: few hits
            self.fields[uid] = self.fields.get(uid, 0) | TITLE
        self._excerpts: dict[int, dict[Span, _Excerpt]] = {TITLE: {}, BODY: {}}
        self._contents: dict[int, tuple[int, int]] = {}  # see ``content_bounds``
        self._witnesses: dict[NearSpec, dict[int, set[Span]]] = {}

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
        position = self.texts[field].words_before
        hits = self.hits[field]
        return [
            (position(span[0]), position(span[1]), span)
            for uid, mask in pairs
            if mask & field
            for span in hits.get(uid, ())
        ]

    def excerpt(self, field: int, spans: set[Span]) -> tuple[str, Highlights]:
        """The snippet around the first of ``spans`` (hits in ``field``), highlighted."""
        first = min(spans)
        excerpts = self._excerpts[field]
        found = excerpts.get(first)
        if found is None:
            text = self.texts[field]
            content = self._contents.get(field)
            if content is None:
                content = self._contents[field] = content_bounds(text.text)
            found = excerpts[first] = _Excerpt(text, first, content)
        return found.excerpt, found.highlights(spans)


class _Excerpt:
    """The snippet around one first hit, shared by every match whose first hit it is."""

    __slots__ = ("_beyond", "_placed", "_tokens", "_window", "excerpt")

    def __init__(self, tokens: TokenizedText, first: Span, content: tuple[int, int]) -> None:
        start, end = tokens.offsets(first[0])[0], tokens.offsets(first[1])[1]
        self._window = Window(tokens.text, (start, end), content)
        self._tokens = tokens
        self._beyond = tokens.ending_by(self._window.high)  # the first token not in the snippet
        self._placed: dict[Span, tuple[int, int]] = {}
        self.excerpt = self._window.excerpt

    def highlights(self, spans: Iterable[Span]) -> Highlights:
        """Where the ``spans`` that lie wholly within the snippet are in it (none starts before
        it: it is around the first of them), in order."""
        if not self.excerpt:
            return ()
        beyond, placed = self._beyond, self._placed
        found: list[tuple[int, int]] = []
        for span in spans:
            if span[1] < beyond:
                at = placed.get(span)
                if at is None:
                    at = placed[span] = self._place(span)
                found.append(at)
        found.sort()
        return tuple(found)

    def _place(self, span: Span) -> tuple[int, int]:
        place, offsets = self._window.place, self._tokens.offsets
        return place(offsets(span[0])[0]), place(offsets(span[1])[1])
