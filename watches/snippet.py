"""Cut a plain-text snippet around a hit, cut on word boundaries, and mark its highlights."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

ELLIPSIS = "…"
BEFORE = 100  # characters of context kept before the first hit
WIDTH = 260  # characters of text in a snippet, before cutting back to a word boundary

_CUT = re.compile("[ \n\xa0]")  # where a snippet may be cut
_RUN = re.compile(r"\s\s+")  # not \s{2,}: this way the search skips to whitespace
_ONE_SPACE = bytes(32 if chr(code).isspace() else code for code in range(256))  # for ASCII


Highlights = tuple[tuple[int, int], ...]


class Window:
    """The excerpt around one hit: about ``WIDTH`` characters cut at whitespace, whitespace
    collapsed, with ``…`` where it was cut."""

    __slots__ = ("_removed", "_run_ends", "_run_starts", "excerpt", "high", "lead", "low")

    def __init__(
        self, text: str, first: tuple[int, int], content: tuple[int, int] | None = None
    ) -> None:
        """``content``: where the text's first non-space character is and its last ends (as
        ``content_bounds`` finds them), if known."""
        low, high = _bounds(text, *first)
        segment = text[low:high]
        stripped = segment.strip()
        self.low = low + segment.find(stripped[0]) if stripped else low + len(segment)
        self.high = self.low + len(stripped) if stripped else high - len(segment)
        start, stop = content_bounds(text) if content is None else content
        lead = ELLIPSIS if start < self.low else ""
        trail = ELLIPSIS if self.high < stop else ""
        self.lead = len(lead)
        self._run_starts: list[int] = []  # runs of whitespace, which become one space
        self._run_ends: list[int] = []
        self._removed = [0]  # how many characters the runs before each take out
        if not stripped:
            self.excerpt = ""
        elif stripped.isascii():  # bytes.translate is at C speed, str.translate is not
            flat = stripped.encode("ascii").translate(_ONE_SPACE).decode("ascii")
            if "  " in flat:
                self._find_runs(flat)
                while "  " in flat:
                    flat = flat.replace("  ", " ")
            self.excerpt = lead + flat + trail
        else:
            self.excerpt = lead + " ".join(stripped.split()) + trail
            for found in _RUN.finditer(text, self.low, self.high):
                self._add_run(*found.span())

    def _find_runs(self, flat: str) -> None:
        """The runs of spaces in ``flat``, the excerpt's text with whitespace made spaces."""
        at = flat.find("  ")
        while at >= 0:
            end = at + 2
            while flat.startswith(" ", end):
                end += 1
            self._add_run(self.low + at, self.low + end)
            at = flat.find("  ", end)

    def _add_run(self, start: int, end: int) -> None:
        self._run_starts.append(start)
        self._run_ends.append(end)
        self._removed.append(self._removed[-1] + end - start - 1)

    def highlights(self, hits: Iterable[tuple[int, int]]) -> Highlights:
        """The (start, end) offsets in the excerpt of every hit that lies wholly within it."""
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
        """Where ``offset`` of the text (between ``low`` and ``high``) falls in the excerpt."""
        if not self._run_ends:
            return self.lead + offset - self.low
        runs = bisect_right(self._run_ends, offset)  # the runs wholly before ``offset``
        removed = self._removed[runs]
        if runs < len(self._run_starts) and self._run_starts[runs] < offset:
            removed += offset - self._run_starts[runs] - 1  # inside a run: it is one space
        return self.lead + offset - self.low - removed


def snippet(
    text: str, first: tuple[int, int], hits: Iterable[tuple[int, int]]
) -> tuple[str, Highlights]:
    """A ~``WIDTH``-character excerpt around the hit ``first`` with whitespace collapsed, and
    the (start, end) offsets inside it of every hit that lies wholly within it."""
    window = Window(text, first)
    return window.excerpt, window.highlights(hits)


def content_bounds(text: str) -> tuple[int, int]:
    """Where the first non-space character of ``text`` is and where its last one ends."""
    return len(text) - len(text.lstrip()), len(text.rstrip())


def _bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Character bounds around [start, end), moved inwards to whitespace."""
    low = start - BEFORE if start > BEFORE else 0
    high = low + WIDTH if low + WIDTH > end else end
    high = high if high < len(text) else len(text)
    if low > 0 and not text[low - 1].isspace():
        space = _CUT.search(text, low, start)
        low = space.end() if space else start
    if high < len(text) and not text[high].isspace():
        high = max(
            text.rfind(" ", end, high), text.rfind("\n", end, high), text.rfind("\xa0", end, high)
        )
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
