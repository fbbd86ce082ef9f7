"""Normalise and tokenise text for the watch matcher, keeping offsets into the original text.

Words are folded (NFKC, case folding, accents and other combining marks removed); every run of
punctuation becomes one ``BREAK`` token, so phrases and compounds never match across it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate, count
from operator import add

BREAK = "|"
"""What every run of punctuation (and every blank line) normalises to."""

_STOPWORDS = """
a an the of in on at to by for from with into onto as is it its be been was were are am and or nor
but if so no not do does did has had have he she we they you i me my us our his her their them
this that these those than then there s t d m ll re ve
"""
JOIN_STOPWORDS = frozenset(_STOPWORDS.split())
"""Words that never join a neighbour to spell a compound ("the rapist" is not "therapist")."""

_HYPHENS = r"\-\u2010\u2011"
_APOSTROPHES = "'\u2019\u02bc"
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})


def _marks() -> str:
    """Combining marks of the Basic Multilingual Plane, soft hyphen and joiners, as a class body."""
    codes = [c for c in range(0x10000) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    codes += [0xAD, 0x200C, 0x200D]
    codes.sort()
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges
    )


_MARKS = _marks()
_W = rf"[^\W_](?:[^\W_]|[{_MARKS}])*"
_TOKEN = re.compile(
    rf"(?:[^\W\d_]\.){{2,}}"  # abbreviations: U.S., e.g.
    rf"|{_W}(?:[{_APOSTROPHES}]{_W})*(?:(?<=[sS])[{_APOSTROPHES}](?![^\W_]))?"  # words
    rf"|(?:[^\w\s{_HYPHENS}]|_)+"  # a run of punctuation
)
_NON_WORD = re.compile(rf"(?:[^\w{_MARKS}]|_)+")  # spacing marks (Devanagari) stay in words
_FOLD = {c: None for c in range(0x10000) if unicodedata.category(chr(c)) in ("Mn", "Cf")}
_BLANK_LINE = re.compile(r"\n([^\S\n]*)\n")
_PARAGRAPH_MARK = "\n\\1\x00"  # a blank line's last character becomes punctuation
_SPACED_BLANK_LINE = re.compile(r"\n[^\S\n]+\n")
_BLOCK = 32  # chunks laid out together when a snippet needs offsets
_LINE_SPACES = ("\r", "\t", "\xa0")  # common whitespace that would otherwise split no chunk


def fold(text: str) -> str:
    """NFKC, case folding, then accents and other combining marks removed (and ø->o, æ->ae)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFD", text).translate(_FOLD).translate(_LETTERS)
    return unicodedata.normalize("NFC", text)


def normalize_token(raw: str) -> str:
    """One raw token -> its normalised form; rarely several words joined by a space ("½")."""
    if not raw[0].isalnum():
        return BREAK
    if raw.isascii() and raw.isalnum():
        return raw.lower()
    if raw[-1] == ".":
        raw = raw.replace(".", "")
    if len(raw) > 2 and raw[-1] in "sS" and raw[-2] in _APOSTROPHES:
        raw = raw[:-2]  # the possessive 's is not part of the word
    for mark in _APOSTROPHES:
        raw = raw.replace(mark, "")
    words = [w for w in _NON_WORD.split(fold(raw)) if w]
    return " ".join(words) if words else BREAK


@lru_cache(maxsize=65536)
def _chunk_tokens(chunk: str) -> tuple[tuple[str, int, int], ...]:
    """The normalised tokens of a whitespace-free chunk with their offsets in it."""
    return tuple(
        (word, *found.span())
        for found in _TOKEN.finditer(chunk)
        for word in normalize_token(found.group()).split(" ")
    )


class _Cache(dict[str, str]):
    """chunk -> its tokens, each followed by a space; news vocabulary repeats, so most lookups
    hit."""

    def __missing__(self, chunk: str) -> str:
        if len(self) > 200_000:
            self.clear()
        value = self[chunk] = "".join(word + " " for word, _, _ in _chunk_tokens(chunk))
        return value


_CACHE = _Cache()


def _prepare(text: str) -> str:
    """Same length as ``text``: blank lines end in a punctuation mark (so phrases stop at
    paragraphs) and line breaks and tabs are spaces (so chunks repeat and the cache hits)."""
    if "\n" in text:
        if _SPACED_BLANK_LINE.search(text):
            text = _BLANK_LINE.sub(_PARAGRAPH_MARK, text)
        else:  # every blank line is two line breaks: the same, without expanding a template
            text = text.replace("\n\n", "\n\x00")
        text = text.replace("\n", " ")
    for space in _LINE_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return text


class TokenizedText:
    """A text split into normalised tokens (words and ``BREAK``), with lazy original offsets.

    The text is cut at single spaces (C speed) and each chunk is looked up in a cache; the
    chunks' tokens are ``joined``, each followed by one space. The matcher works on that string
    (a token is where it starts in it) and asks for the few offsets and word positions it needs:
    a chunk starts one character after the previous one ends, so they are cheap."""

    __slots__ = (
        "_anchors",
        "_chunks",
        "_layout",
        "_offsets",
        "_starts",
        "_tokens",
        "_values",
        "_words",
        "joined",
        "text",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self._chunks = _prepare(text).split(" ")
        self._values = list(map(_CACHE.__getitem__, self._chunks))
        self.joined = "".join(self._values)
        self._tokens: list[str] | None = None
        self._starts: list[int] | None = None
        self._layout: _Layout | None = None
        self._offsets: dict[int, tuple[int, int]] = {}
        self._words: dict[int, int] = {0: 0}  # words before a position in ``joined``
        self._anchors = [0]  # the positions in ``_words``, in order

    @property
    def tokens(self) -> list[str]:
        """The tokens, in order."""
        if self._tokens is None:
            self._tokens = self.joined.split()
        return self._tokens

    def span(self, index: int) -> tuple[int, int]:
        """(start, end) in the original text of token ``index``."""
        return self.offsets(self._start(index))

    def word_position(self, index: int) -> int:
        """How many words (not ``BREAK``) come before token ``index``."""
        return self.words_before(self._start(index))

    def _start(self, index: int) -> int:
        if self._starts is None:
            lengths = accumulate(map(len, self.tokens), initial=0)
            self._starts = list(map(add, lengths, count()))  # plus one space per token
        if not 0 <= index < len(self._starts) - 1:
            raise IndexError(index)
        return self._starts[index]

    def offsets(self, position: int) -> tuple[int, int]:
        """(start, end) in the original text of the token at ``position`` in ``joined``."""
        found = self._offsets.get(position)
        if found is None:
            layout = self._lay_out()
            while not layout.block_ends or layout.block_ends[-1] <= position:
                if not layout.more():
                    raise IndexError(position)
            block = bisect_right(layout.block_ends, position)
            ends, stops = layout.block(block)
            inner = bisect_right(ends, position) - 1  # the chunk, within the block
            within = self.joined.count(" ", ends[inner], position)  # the token, in the chunk
            text = self._chunks[block * _BLOCK + inner]
            start = stops[inner + 1] - len(text)
            _, low, high = _chunk_tokens(text)[within]
            found = self._offsets[position] = start + low, start + high
        return found

    def words_before(self, position: int) -> int:
        """How many words (not ``BREAK``) come before the token at ``position`` in ``joined``."""
        found = self._words.get(position)
        if found is None:
            # Count on from the nearest position before it that is known.
            anchors, joined = self._anchors, self.joined
            at = bisect_right(anchors, position)
            anchor = anchors[at - 1]
            found = self._words[anchor] + joined.count(" ", anchor, position)
            found -= joined.count(BREAK, anchor, position)
            self._words[position] = found
            anchors.insert(at, position)
        return found

    def ending_by(self, offset: int) -> int:
        """Where in ``joined`` the first token that ends after ``offset`` in the original text
        starts (the length of ``joined`` if none does)."""
        layout = self._lay_out()
        while (not layout.block_stops or layout.block_stops[-1] <= offset) and layout.more():
            pass
        block = bisect_right(layout.block_stops, offset)  # the blocks before it end by ``offset``
        if block == len(layout.block_stops):
            return len(self.joined)
        ends, stops = layout.block(block)
        inner = bisect_right(stops, offset) - 1  # the first chunk that ends after ``offset``
        text = self._chunks[block * _BLOCK + inner]
        start = stops[inner + 1] - len(text)
        position = ends[inner]
        for _, _, high in _chunk_tokens(text):
            if start + high > offset:
                break
            position = self.joined.index(" ", position) + 1
        return position

    def _lay_out(self) -> _Layout:
        if self._layout is None:
            self._layout = _Layout(self._chunks, self._values)
        return self._layout


class _Layout:
    """Where chunks end in ``joined`` and in the text: for blocks of chunks first (joins, at C
    speed; only as far as needed), then for each chunk of the few blocks that snippets need."""

    __slots__ = ("_blocks", "_chunks", "_values", "block_ends", "block_stops")

    def __init__(self, chunks: list[str], values: list[str]) -> None:
        self._chunks, self._values = chunks, values
        self.block_ends: list[int] = []  # where each block's tokens end in ``joined``
        self.block_stops: list[int] = []  # where each block's last chunk ends in the text
        self._blocks: dict[int, tuple[list[int], list[int]]] = {}

    def more(self) -> bool:
        """Find where the next block ends; False if every block's end is known."""
        at = len(self.block_ends) * _BLOCK
        if at >= len(self._chunks):
            return False
        end = self.block_ends[-1] if at else 0
        start = self.block_stops[-1] + 1 if at else 0  # after the space between chunks
        self.block_ends.append(end + len("".join(self._values[at : at + _BLOCK])))
        self.block_stops.append(start + len(" ".join(self._chunks[at : at + _BLOCK])))
        return True

    def block(self, index: int) -> tuple[list[int], list[int]]:
        """Where the chunk before block ``index`` and each chunk in it end, in ``joined`` and in
        the text (the block's end must be known)."""
        found = self._blocks.get(index)
        if found is None:
            at = slice(index * _BLOCK, (index + 1) * _BLOCK)
            end = self.block_ends[index - 1] if index else 0
            stop = self.block_stops[index - 1] if index else -1
            ends = list(accumulate(map(len, self._values[at]), initial=end))
            stops = [stop, *map(add, accumulate(map(len, self._chunks[at])), count(stop + 1))]
            found = self._blocks[index] = ends, stops
        return found


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Every token of ``text`` as (normalised text, start, end) with offsets into ``text``."""
    tokens = TokenizedText(text)
    return [(tok, *tokens.span(i)) for i, tok in enumerate(tokens.tokens)]
