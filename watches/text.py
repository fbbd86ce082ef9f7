"""Normalise and tokenise text for the watch matcher, keeping offsets into the original text.

Words are folded (NFKC, case folding, accents and other combining marks removed); every run of
punctuation becomes one ``BREAK`` token, so phrases and compounds never match across it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

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
_LAYOUT_BLOCK = 128  # chunks laid out at a time when a snippet needs offsets
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
    """chunk -> its tokens joined by spaces; news vocabulary repeats, so most lookups hit."""

    def __missing__(self, chunk: str) -> str:
        if len(self) > 200_000:
            self.clear()
        value = self[chunk] = " ".join(word for word, _, _ in _chunk_tokens(chunk))
        return value


class _Counts(dict[str, int]):
    """chunk -> how many tokens it has (for offsets, which only snippets need)."""

    def __missing__(self, chunk: str) -> int:
        if len(self) > 200_000:
            self.clear()
        value = self[chunk] = len(_chunk_tokens(chunk))
        return value


_CACHE = _Cache()
_COUNTS = _Counts()


def _prepare(text: str) -> str:
    """Same length as ``text``: blank lines end in a punctuation mark (so phrases stop at
    paragraphs) and line breaks and tabs are spaces (so chunks repeat and the cache hits)."""
    if "\n" in text:
        text = _BLANK_LINE.sub(_PARAGRAPH_MARK, text)
        text = text.replace("\n", " ")
    for space in _LINE_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return text


class TokenizedText:
    """A text split into normalised tokens (words and ``BREAK``), with lazy original offsets.

    The text is cut at single spaces (C speed) and each chunk is looked up in a cache. A chunk
    starts one character after the previous one ends, so offsets are cheap when a snippet
    needs them."""

    __slots__ = ("_chunk_end", "_chunks", "_spans", "_squashed", "_tokens_to", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        self._chunks = _prepare(text).split(" ")
        self.tokens: list[str] = " ".join(map(_CACHE.__getitem__, self._chunks)).split()
        self._tokens_to: list[int] = []  # tokens up to and including each chunk
        self._chunk_end: list[int] = []  # each chunk's end, not counting the spaces between
        self._squashed: tuple[str, list[int]] | None = None
        self._spans: dict[int, tuple[int, int]] = {}

    def span(self, index: int) -> tuple[int, int]:
        """(start, end) in the original text of token ``index``."""
        found = self._spans.get(index)
        if found is None:
            found = self._spans[index] = self._find_span(index)
        return found

    def _find_span(self, index: int) -> tuple[int, int]:
        tokens_to, chunk_end = self._tokens_to, self._chunk_end
        while not tokens_to or tokens_to[-1] <= index:  # lay out only as far as needed
            block = self._chunks[len(tokens_to) : len(tokens_to) + _LAYOUT_BLOCK]
            if not block:
                raise IndexError(index)
            counts = map(_COUNTS.__getitem__, block)
            tokens_to += accumulate(counts, initial=tokens_to[-1] if tokens_to else 0)
            del tokens_to[-len(block) - 1]
            chunk_end += accumulate(map(len, block), initial=chunk_end[-1] if chunk_end else 0)
            del chunk_end[-len(block) - 1]
        chunk = bisect_right(tokens_to, index)
        within = index - (tokens_to[chunk - 1] if chunk else 0)
        start = chunk_end[chunk] + chunk - len(self._chunks[chunk])
        _, low, high = _chunk_tokens(self._chunks[chunk])[within]
        return start + low, start + high

    def squashed(self) -> tuple[str, list[int]]:
        """The tokens joined without spaces, and where each token ends in that string."""
        if self._squashed is None:
            self._squashed = "".join(self.tokens), list(accumulate(map(len, self.tokens)))
        return self._squashed

    def word_position(self, index: int) -> int:
        """How many words (not ``BREAK``) come before token ``index``."""
        squashed, ends = self.squashed()
        return index - squashed.count(BREAK, 0, ends[index - 1]) if index else 0


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Every token of ``text`` as (normalised text, start, end) with offsets into ``text``."""
    tokens = TokenizedText(text)
    return [(tok, *tokens.span(i)) for i, tok in enumerate(tokens.tokens)]
