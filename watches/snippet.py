"""Cut a plain-text snippet around a hit, cut on word boundaries, and mark its highlights."""

from __future__ import annotations

import re
from collections.abc import Iterable

ELLIPSIS = "…"
BEFORE = 100  # characters of context kept before the first hit
WIDTH = 260  # characters of text in a snippet, before cutting back to a word boundary

_SPACES = (" ", "\n", "\xa0")  # where a snippet may be cut
_NON_SPACE = re.compile(r"\S")


Highlights = tuple[tuple[int, int], ...]


class Excerpts:
    """Snippets of one text; windows and offsets are kept, as many watches share a first hit."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._windows: dict[tuple[int, int], _Window] = {}

    def around(
        self, first: tuple[int, int], hits: Iterable[tuple[int, int]]
    ) -> tuple[str, Highlights]:
        """A ~``WIDTH``-character excerpt around the hit ``first`` with whitespace collapsed, and
        the (start, end) offsets inside it of every hit that lies wholly within it."""
        window = self._window(first)
        return window.excerpt, window.highlights(hits)

    def end(self, first: tuple[int, int]) -> int:
        """Where the excerpt around ``first`` ends in the text: later hits are not in it."""
        return self._window(first).high

    def _window(self, first: tuple[int, int]) -> _Window:
        window = self._windows.get(first)
        if window is None:
            window = self._windows[first] = _Window(self.text, *_window(self.text, *first))
        return window


class _Window:
    def __init__(self, text: str, low: int, high: int) -> None:
        segment = text[low:high]
        self.text = text
        self.low = low + len(segment) - len(segment.lstrip())
        self.high = high - (len(segment) - len(segment.rstrip()))
        lead = ELLIPSIS if _NON_SPACE.search(text, 0, self.low) else ""
        trail = ELLIPSIS if _NON_SPACE.search(text, self.high) else ""
        words = segment.split()
        self.excerpt = lead + " ".join(words) + trail if words else ""
        self.lead = len(lead)
        self._placed: dict[int, int] = {}

    def highlights(self, hits: Iterable[tuple[int, int]]) -> Highlights:
        if not self.excerpt:
            return ()
        low, high = self.low, self.high
        return tuple(
            sorted(
                (self.place(start), self.place(end))
                for start, end in hits
                if low <= start < end <= high
            )
        )

    def place(self, offset: int) -> int:
        """Where ``offset`` of the text falls in the excerpt."""
        placed = self._placed.get(offset)
        if placed is None:
            before = self.text[self.low : offset]
            collapsed = len(" ".join(before.split()))
            placed = self.lead + collapsed + (1 if collapsed and before[-1].isspace() else 0)
            self._placed[offset] = placed
        return placed


def snippet(
    text: str, first: tuple[int, int], hits: Iterable[tuple[int, int]]
) -> tuple[str, Highlights]:
    """``Excerpts(text).around(first, hits)``, for a single use."""
    return Excerpts(text).around(first, hits)


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """Character bounds around [start, end), moved inwards to whitespace."""
    low = max(0, start - BEFORE)
    high = min(len(text), max(end, low + WIDTH))
    if low > 0 and not text[low - 1].isspace():
        found = [at for at in (text.find(space, low, start) for space in _SPACES) if at >= 0]
        low = min(found) + 1 if found else start
    if high < len(text) and not text[high].isspace():
        high = max(text.rfind(space, end, high) for space in _SPACES)
        high = high if high >= 0 else end
    return low, high


def mark(
    snippet: str,
    highlights: Iterable[tuple[int, int]],
    before: str = "**",
    after: str = "**",
) -> str:
    """``snippet`` with ``before``/``after`` around each highlight (overlaps merged)."""
    merged: list[list[int]] = []
    for start, end in sorted(highlights):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[str] = []
    position = 0
    for start, end in merged:
        out += [snippet[position:start], before, snippet[start:end], after]
        position = end
    out.append(snippet[position:])
    return "".join(out)
